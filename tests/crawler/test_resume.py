"""A backfill killed with SIGKILL mid-crawl resumes where it stopped: every statement stored exactly once.

Real crawl over HTTP of both sample sites in a subprocess (``python -m crawler.runner``), a small per-host
download delay so the kill lands mid-crawl, ``kill -9`` once a few statements are committed, then a second
run that resumes from the durable frontier (``crawler.state``) and finishes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from core.models import statement_id_for
from core.store import open_store
from sample_site.server import SAMPLE_ROOT, SampleSites

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SG = json.loads((SAMPLE_ROOT / "www.un.org" / "_expected" / "expected.json").read_text(encoding="utf-8"))
PRESS = json.loads((SAMPLE_ROOT / "press.un.org" / "_expected" / "expected.json").read_text(encoding="utf-8"))
EXPECTED_URLS = [p["url"] for p in SG["pages"]] + [p["url"] for p in PRESS["pages"] if not p.get("cross_site")]


def _env(sites: SampleSites, data_dir: Path, delay: float) -> dict[str, str]:
    return dict(os.environ, SGWATCH_DATA_DIR=str(data_dir), SGWATCH_UN_SG_BASE_URL=sites.un_sg,
                SGWATCH_UN_PRESS_BASE_URL=sites.un_press, SGWATCH_UN_SG_DOWNLOAD_DELAY=str(delay),
                SGWATCH_UN_PRESS_DOWNLOAD_DELAY=str(delay))


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0])
    except sqlite3.OperationalError:  # table not created yet
        return 0


def _frontier(state_db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{state_db}?mode=ro", uri=True, timeout=5) as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT state, COUNT(*) FROM frontier GROUP BY state")}


@pytest.fixture(scope="module")
def killed_and_resumed(sample_sites: SampleSites, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Crawl with a 0.3 s delay, SIGKILL after >= 5 statements are committed, then resume to the end."""
    data_dir = tmp_path_factory.mktemp("resume")
    db = Settings(data_dir=data_dir).db_path
    proc = subprocess.Popen([sys.executable, "-m", "crawler.runner", "--no-progress"], cwd=ROOT,
                            env=_env(sample_sites, data_dir, 0.3), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    stored_at_kill = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            stored_at_kill = _stored(db)
            if stored_at_kill >= 5:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl finished before it could be killed (raise the delay)"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    after_kill = {"stored": _stored(db), "frontier": _frontier(data_dir / "crawl" / "state.sqlite3")}
    out = data_dir / "summary.json"
    resumed = subprocess.run([sys.executable, "-m", "crawler.runner", "--no-progress", "--summary-out", str(out)],
                             cwd=ROOT, env=_env(sample_sites, data_dir, 0), capture_output=True, text=True,
                             timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    store = open_store(Settings(data_dir=data_dir))
    try:
        statements = list(store.iter_statements())
        by_url = {url: store.statement(statement_id_for(url)) for url in EXPECTED_URLS}
        stats = store.stats()
    finally:
        store.close()
    return {"returncode": proc.returncode, "after_kill": after_kill, "summary": json.loads(out.read_text()),
            "statements": statements, "by_url": by_url, "stats": stats,
            "frontier_end": _frontier(data_dir / "crawl" / "state.sqlite3")}


def test_the_kill_landed_mid_crawl(killed_and_resumed: dict[str, Any]) -> None:
    r = killed_and_resumed
    assert r["returncode"] == -signal.SIGKILL
    assert 5 <= r["after_kill"]["stored"] < len(EXPECTED_URLS)
    assert r["after_kill"]["frontier"].get("pending", 0) > 0, "nothing was left to resume"


def test_resume_continues_the_interrupted_run(killed_and_resumed: dict[str, Any]) -> None:
    spiders = killed_and_resumed["summary"]["spiders"]
    assert any(s["resumed"] for s in spiders.values())
    assert all(s["finish_reason"] == "finished" for s in spiders.values())
    assert killed_and_resumed["frontier_end"].get("pending", 0) == 0


def test_every_statement_stored_exactly_once(killed_and_resumed: dict[str, Any]) -> None:
    r = killed_and_resumed
    missing = [url for url, st in r["by_url"].items() if st is None]
    assert missing == []
    assert len(r["statements"]) == len(EXPECTED_URLS)
    assert len({s.id for s in r["statements"]}) == len(r["statements"])
    assert len({s.fingerprint for s in r["statements"]}) == len(r["statements"])
    assert r["stats"]["by_source"] == {"press.un.org": len(PRESS["pages"]), "un.org/sg": len(SG["pages"])}


def test_cross_site_speeches_keep_both_sources_after_resume(killed_and_resumed: dict[str, Any]) -> None:
    cross = [p["url"] for p in SG["pages"] if p["cross_site"]]
    assert cross
    for url in cross:
        st = killed_and_resumed["by_url"][url]
        assert st is not None
        assert sorted(s.source for s in st.sources) == ["press.un.org", "un.org/sg"]
