"""End to end on the sample site: crawl over HTTP, analyse with the real model, read it back through the API.

Each CLI step runs in its own process, as a user runs it (Scrapy's reactor cannot restart in-process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from sample_site.server import serve_sites

pytestmark = pytest.mark.slow

DEFENDER_MONTHS = {"2012-09", "2018-12"}  # sample statements on reprisals (2012) and defenders (2018)


def _sgwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "core.cli", *args], env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    assert result.returncode == 0, f"sgwatch {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _counts(env: dict[str, str]) -> dict[str, Any]:
    stats = json.loads(_sgwatch(env, "status", "--json").stdout)
    return {k: stats[k] for k in ("statements", "passages", "matches")}


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("e2e-data")
    with serve_sites() as sites:
        env = dict(os.environ, SGWATCH_DATA_DIR=str(data_dir), SGWATCH_UN_SG_BASE_URL=sites.un_sg,
                   SGWATCH_UN_PRESS_BASE_URL=sites.un_press, SGWATCH_UN_SG_DOWNLOAD_DELAY="0",
                   SGWATCH_UN_PRESS_DOWNLOAD_DELAY="0")
        _sgwatch(env, "crawl")
        _sgwatch(env, "analyze")
        first = _counts(env)
        _sgwatch(env, "crawl")
        _sgwatch(env, "analyze")
        second = _counts(env)
        yield env, data_dir, first, second


def test_crawl_and_analyze_twice_leave_the_same_counts(demo_env) -> None:
    _, _, first, second = demo_env
    assert first["statements"] >= 16
    assert first["passages"] > first["statements"]
    assert first["matches"] > 0
    assert second == first


def test_status_reports_skipped_malformed_pages(demo_env) -> None:
    env, _, _, _ = demo_env
    stats = json.loads(_sgwatch(env, "status", "--json").stdout)
    skipped = stats["crawl"]["skipped"]
    for reason in ("http_error", "empty_body", "not_html", "error_page"):
        assert skipped.get(reason, 0) >= 1, f"no page skipped as {reason}: {skipped}"
    human = _sgwatch(env, "status").stdout
    assert "skipped" in human and "http_error" in human


def test_export_writes_every_statement_with_all_fields(demo_env, tmp_path: Path) -> None:
    env, _, first, _ = demo_env
    out = tmp_path / "statements.jsonl"
    _sgwatch(env, "export", "statements", "--format", "jsonl", "--output", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == first["statements"]
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        for key in ("id", "url", "source", "sources", "doc_type", "title", "text", "release_date",
                    "symbols", "speaker", "language"):
            assert key in row
        assert row["text"].strip()
    merged = [r for r in rows if len({s["source"] for s in r["sources"]}) == 2]
    assert merged, "the speech present on both sites should be one statement with two sources"


def test_api_monthly_scores_and_statement_evidence(demo_env) -> None:
    _, data_dir, _, _ = demo_env
    from api.main import create_app

    with TestClient(create_app(Settings(data_dir=data_dir))) as client:
        r = client.get("/scores/monthly", params={"priority": "P1"})
        assert r.status_code == 200, r.text
        rows = r.json()
        rows = rows["items"] if isinstance(rows, dict) else rows
        nonzero = {row["month"] for row in rows if row["score"] > 0}
        assert DEFENDER_MONTHS <= nonzero, f"P1 should score in {DEFENDER_MONTHS}; non-zero months: {nonzero}"
        best = max((row for row in rows if row["evidence"]), key=lambda row: row["score"])
        statement_id = best["evidence"][0]["statement_id"]
        detail = client.get(f"/statements/{statement_id}")
        assert detail.status_code == 200, detail.text
        body = detail.json()
        matched = [p for p in body["passages"] if p["matches"]]
        assert matched, "the statement behind the best P1 month should show its matched passages"
        assert all(0.0 < m["score"] <= 1.0 for p in matched for m in p["matches"])
        assert client.get("/statements/does-not-exist").status_code == 404
        assert client.get("/scores/monthly", params={"priority": "P42"}).status_code == 422


def test_second_agenda_runs_on_the_crawled_sample_without_reembedding(demo_env, tmp_path: Path) -> None:
    """Issue 4: the journalists'-safety agenda, pointed to by a setting, re-scores the stored sample
    (no new crawl, no passage embedded again) and the API reports its priorities and scores."""
    import shutil

    from api.main import create_app
    from core.config import PROJECT_ROOT

    env, data_dir, first, _ = demo_env
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    agenda = PROJECT_ROOT / "agendas" / "journalists_safety.yaml"
    env2 = dict(env, SGWATCH_DATA_DIR=str(copy), SGWATCH_AGENDA_PATH=str(agenda))
    result = _sgwatch(env2, "analyze")
    said = " ".join((result.stdout + result.stderr).split())
    assert f"Re-scored {first['statements']} statements ({first['passages']} passages)" in said, said
    assert "Analysed 0 statements" in said, said  # nothing segmented or embedded again
    stats = json.loads(_sgwatch(env2, "status", "--json").stdout)
    assert stats["statements"] == first["statements"] and stats["passages"] == first["passages"]
    with TestClient(create_app(Settings(data_dir=copy, agenda_path=agenda))) as client:
        prios = client.get("/priorities").json()
        prios = prios["items"] if isinstance(prios, dict) else prios
        assert [p["id"] for p in prios] == ["P1", "P2", "P3", "P4"]
        rows = client.get("/scores/monthly").json()
        rows = rows["items"] if isinstance(rows, dict) else rows
        scored = [row for row in rows if row["score"] > 0]
        assert scored, "the sample's press-freedom and impunity-day messages should score"
        assert all(row["agenda_version"].startswith("journalists_safety@") for row in rows)
        best = max(scored, key=lambda row: row["score"])
        statement = client.get(f"/statements/{best['evidence'][0]['statement_id']}").json()
        text = " ".join(p["text"] for p in statement["passages"] if p["matches"]).lower()
        assert "journalist" in text or "media" in text or "press" in text
