"""`sgwatch export statements --format jsonl` validates against index_mappings/statement.schema.json, and the
schema cannot drift from the model or from index_mappings/statements.json."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler import schema
from sample_site.server import SampleSites

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_model_and_mapping() -> None:
    assert schema.check() == []


def test_drift_is_detected() -> None:
    mapping = json.loads(schema.MAPPING_PATH.read_text(encoding="utf-8"))["mappings"]
    extra = copy.deepcopy(mapping)
    extra["properties"]["venue"] = {"type": "keyword"}
    assert schema.mapping_drift(schema.build_schema(), extra) == ["venue: in the mapping, not in the JSON Schema"]
    wrong = copy.deepcopy(mapping)
    wrong["properties"]["release_date"] = {"type": "object"}
    assert any(p.startswith("release_date: mapping type object") for p in schema.mapping_drift(
        schema.build_schema(), wrong))


@pytest.mark.slow
def test_export_of_a_real_crawl_validates(sample_sites: SampleSites, tmp_path: Path) -> None:
    env = dict(os.environ, SGWATCH_DATA_DIR=str(tmp_path), SGWATCH_UN_SG_BASE_URL=sample_sites.un_sg,
               SGWATCH_UN_PRESS_BASE_URL=sample_sites.un_press, SGWATCH_UN_SG_DOWNLOAD_DELAY="0",
               SGWATCH_UN_PRESS_DOWNLOAD_DELAY="0")
    subprocess.run([sys.executable, "-m", "crawler.runner", "--no-progress"], cwd=ROOT, env=env,
                   capture_output=True, check=True, timeout=300)
    out = tmp_path / "export.jsonl"
    subprocess.run([sys.executable, "-m", "core.cli", "export", "statements", "--format", "jsonl", "--output",
                    str(out)], cwd=ROOT, env=env, capture_output=True, check=True, timeout=120)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 20
    validator = schema.validator()
    errors = [(r["url"], e.message) for r in rows for e in validator.iter_errors(r)]
    assert errors == []
    # The schema has teeth: a wrong type, an unknown field, a bad date and a missing field are all refused.
    for bad in ({**rows[0], "doc_type": "tweet"}, {**rows[0], "venue": "x"}, {**rows[0], "release_date": "2020-13-01"},
                {k: v for k, v in rows[0].items() if k != "symbols"}):
        assert list(validator.iter_errors(bad)), bad
    cli = subprocess.run([sys.executable, "-m", "crawler.schema", "--validate", str(out)], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    assert cli.returncode == 0 and f"{len(rows)} lines, 0 errors" in cli.stdout
