"""A real crawl of both sample sites over HTTP on 127.0.0.1 (``python -m crawler.runner`` in a subprocess).

Scrapy's reactor runs once per process, so each crawl is a fresh process; the store is real SQLite in
tmp_path. Checks: every sample statement stored with its expected fields, malformed pages counted by
reason, robots.txt obeyed, the cross-site speeches stored once with two sources, and a second crawl
that is incremental (conditional GETs, no stored page fetched again) and leaves the same counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from core.models import body_fingerprint, statement_id_for
from core.store import open_store
from sample_site.server import SAMPLE_ROOT, SampleSites

pytestmark = pytest.mark.slow

SG_EXPECTED: dict[str, Any] = json.loads(
    (SAMPLE_ROOT / "www.un.org" / "_expected" / "expected.json").read_text(encoding="utf-8"))
PRESS_FILE = SAMPLE_ROOT / "press.un.org" / "_expected" / "expected.json"
PRESS_EXPECTED: dict[str, Any] | None = (
    json.loads(PRESS_FILE.read_text(encoding="utf-8")) if PRESS_FILE.exists() else None)
SPIDERS = ["un_sg", "un_press"] if PRESS_EXPECTED is not None else ["un_sg"]
ROOT = Path(__file__).resolve().parents[2]


def crawl(sites: SampleSites, data_dir: Path) -> dict[str, Any]:
    """One crawl of the sample sites in a fresh process; returns the runner's JSON summary."""
    env = dict(os.environ)
    env.update({
        "SGWATCH_DATA_DIR": str(data_dir),
        "SGWATCH_UN_SG_BASE_URL": sites.un_sg,
        "SGWATCH_UN_PRESS_BASE_URL": sites.un_press,
        "SGWATCH_UN_SG_DOWNLOAD_DELAY": "0",
        "SGWATCH_UN_PRESS_DOWNLOAD_DELAY": "0",
    })
    out = data_dir / "summary.json"
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.runner", "--no-progress", "--summary-out", str(out), "--spiders", *SPIDERS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    summary: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return summary


@pytest.fixture(scope="module")
def crawled(sample_sites: SampleSites, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Crawl twice into one data dir; keep both summaries and the store stats after each."""
    data_dir = tmp_path_factory.mktemp("crawl")
    settings = Settings(data_dir=data_dir)
    first = crawl(sample_sites, data_dir)
    store = open_store(settings)
    try:
        stats1 = store.stats()
        statements = {st.id: st for st in store.iter_statements()}
        by_url = {url: store.statement(statement_id_for(url))
                  for url in [p["url"] for p in SG_EXPECTED["pages"]] + SG_EXPECTED["robots_blocked"]}
    finally:
        store.close()
    second = crawl(sample_sites, data_dir)
    store = open_store(settings)
    try:
        stats2 = store.stats()
    finally:
        store.close()
    return {"first": first, "second": second, "stats1": stats1, "stats2": stats2, "statements": statements,
            "by_url": by_url}


SG_PAGES = {p["key"]: p for p in SG_EXPECTED["pages"]}
SG_OWN = sorted(k for k, p in SG_PAGES.items() if not p["cross_site"])
FIELDS = ("doc_type", "title", "release_date", "delivery_date", "url_date", "location", "speaker", "speaker_role",
          "delivered_by", "delivery_status", "symbols", "language", "text_start", "text_end", "text_length",
          "has_french", "turns", "source", "url")


def stored_fields(st: Any) -> dict[str, Any]:
    iso = lambda d: d.isoformat() if d else None
    return {
        "doc_type": st.doc_type, "title": st.title, "release_date": iso(st.release_date),
        "delivery_date": iso(st.delivery_date), "url_date": iso(st.url_date), "location": st.location,
        "speaker": st.speaker, "speaker_role": st.speaker_role, "delivered_by": st.delivered_by,
        "delivery_status": st.delivery_status, "symbols": st.symbols, "language": st.language,
        "text_start": st.text[:60], "text_end": st.text[-60:], "text_length": len(st.text),
        "has_french": any(t.language == "fr" for t in st.translations), "turns": len(st.turns),
        "source": st.source, "url": st.url,
    }


@pytest.mark.parametrize("key", SG_OWN)
@pytest.mark.parametrize("field", FIELDS)
def test_un_sg_statement_stored_with_expected_field(crawled: dict[str, Any], key: str, field: str) -> None:
    st = crawled["by_url"][SG_PAGES[key]["url"]]
    assert st is not None, f"{key} not stored"
    assert stored_fields(st)[field] == SG_PAGES[key][field]


@pytest.mark.parametrize("key", sorted(k for k, p in SG_PAGES.items() if p["cross_site"]))
def test_cross_site_speech_is_one_statement_with_two_sources(crawled: dict[str, Any], key: str) -> None:
    page = SG_PAGES[key]
    st = crawled["by_url"][page["url"]]
    assert st is not None
    sources = {s.source: s for s in st.sources}
    if "un_press" not in SPIDERS:
        pytest.skip("press.un.org sample not present")
    assert set(sources) == {"un.org/sg", "press.un.org"}
    assert sources["un.org/sg"].url == page["url"]
    assert sources["press.un.org"].url.startswith("https://press.un.org/en/")
    # Exactly one stored statement carries this body.
    same = [s for s in crawled["statements"].values() if s.fingerprint == st.fingerprint]
    assert len(same) == 1
    assert st.text.startswith(page["text_start"][:40]) or st.fingerprint == body_fingerprint(page["text_start"])


def test_one_statement_keeps_its_url_release_and_delivery_dates_apart(crawled: dict[str, Any]) -> None:
    three = SG_EXPECTED["three_dates"]
    if "un_press" not in SPIDERS:
        pytest.skip("press.un.org sample not present")
    st = crawled["by_url"][three["url"]]
    assert st is not None
    # The www.un.org/sg URL date, the release date, the delivery date from press.un.org's lead line.
    assert st.url_date.isoformat() == three["url_date"]
    assert st.release_date.isoformat() == three["release_date"]
    assert st.delivery_date.isoformat() == three["delivery_date"]
    assert len({three["url_date"], three["release_date"], three["delivery_date"]}) == 3
    assert sorted(s.url for s in st.sources) == sorted([three["url"], three["press_url"]])
    assert st.month == three["delivery_date"][:7]


def test_statement_counts(crawled: dict[str, Any]) -> None:
    stats = crawled["stats1"]
    sg_n = len(SG_PAGES)
    assert stats["by_source"]["un.org/sg"] == sg_n
    if PRESS_EXPECTED is not None:
        press_n = len(PRESS_EXPECTED["pages"])
        cross = sum(1 for p in SG_PAGES.values() if p["cross_site"])
        assert cross == sum(1 for p in PRESS_EXPECTED["pages"] if p.get("cross_site"))
        assert stats["by_source"]["press.un.org"] == press_n
        assert stats["statements"] == sg_n + press_n - cross
        assert stats["merged"] >= cross
    else:
        assert stats["statements"] == sg_n


def test_malformed_pages_counted_by_reason(crawled: dict[str, Any]) -> None:
    sg = Counter(s["reason"] for s in SG_EXPECTED["skipped"])
    assert crawled["first"]["spiders"]["un_sg"]["skipped"] == dict(sg)
    expected_store = Counter(sg)
    if PRESS_EXPECTED is not None:
        # Every press skip is logged, including feed items refused without a fetch (not_statement).
        expected_store.update(s["reason"] for s in PRESS_EXPECTED["skipped"])
    assert crawled["stats1"]["crawl"]["skipped"] == dict(expected_store)


def test_robots_txt_obeyed(crawled: dict[str, Any]) -> None:
    assert crawled["first"]["spiders"]["un_sg"]["robots_forbidden"] == len(SG_EXPECTED["robots_blocked"])
    for url in SG_EXPECTED["robots_blocked"]:
        assert crawled["by_url"][url] is None
    # The robots-blocked page's body would have been a statement: nothing carries it.
    assert not any("Our Common Agenda" in st.title for st in crawled["statements"].values())


def test_second_crawl_is_incremental_and_leaves_the_same_counts(crawled: dict[str, Any]) -> None:
    assert crawled["stats2"] == crawled["stats1"]
    un_sg = crawled["second"]["spiders"]["un_sg"]
    # Nothing new: the feeds and the first listing page answer 304, no stored page is fetched again ...
    assert un_sg["items"] == 0 and un_sg["inserted"] == 0 and un_sg["updated"] == 0
    assert un_sg["not_modified"] >= 2
    # ... only the pages that failed with a 5xx are tried again (and fail again).
    transient = [s for s in SG_EXPECTED["skipped"] if s.get("status", 0) >= 500]
    assert un_sg["skipped"] == {"http_error": len(transient)}
    assert un_sg["fetched"] < crawled["first"]["spiders"]["un_sg"]["fetched"] / 2


def test_crawl_summary_counts_fetched_pages(crawled: dict[str, Any]) -> None:
    un_sg = crawled["first"]["spiders"]["un_sg"]
    # Listing pages + feed + robots.txt + detail pages (retries of 500/503 included) were all fetched.
    assert un_sg["fetched"] >= len(SG_PAGES) + len(SG_EXPECTED["skipped"]) + len(SG_EXPECTED["listing"]["pages"]) + 2
    assert un_sg["items"] == len(SG_PAGES)
    assert un_sg["finish_reason"] == "finished"


def test_finished_crawl_leaves_nothing_pending(crawled: dict[str, Any]) -> None:
    for run in ("first", "second"):
        for name, summary in crawled[run]["spiders"].items():
            assert summary["frontier"].get("pending", 0) == 0, f"{run} {name}: {summary['frontier']}"
            assert summary["resumed"] is False
    assert crawled["second"]["spiders"]["un_sg"]["run"] == crawled["first"]["spiders"]["un_sg"]["run"] + 1
