"""Per-file manifest of the sample sites (SOURCES.md §7): every served file has its URL, fetch time, headers
and expected parsed JSON in ``_expected/expected.json``, and the sample server really sends those headers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from sample_site.server import SAMPLE_ROOT, SampleSites, resolve

HOSTS = ("www.un.org", "press.un.org")
EXPECTED: dict[str, dict[str, Any]] = {
    host: json.loads((SAMPLE_ROOT / host / "_expected" / "expected.json").read_text(encoding="utf-8")) for host in HOSTS}
NOT_SERVED = {"_generate.py", "_status.json"}  # the generator and the server's status table


def served_files(host: str) -> set[str]:
    """Every file of a host directory that the sample server can send."""
    root = SAMPLE_ROOT / host
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and p.name not in NOT_SERVED and "_expected" not in p.parts}


@pytest.mark.parametrize("host", HOSTS)
def test_every_served_file_has_a_manifest_entry(host: str) -> None:
    files = {m["file"] for m in EXPECTED[host]["manifest"]}
    assert served_files(host) - files == set()


@pytest.mark.parametrize("host", HOSTS)
def test_manifest_entries_resolve_to_their_files(host: str) -> None:
    root = SAMPLE_ROOT / host
    for entry in EXPECTED[host]["manifest"]:
        parts = urlsplit(entry["url"])
        status, file = resolve(root, parts.path + (f"?{parts.query}" if parts.query else ""))
        assert status == entry["status"], entry["url"]
        assert file is not None and str(file.relative_to(root)) == entry["file"], entry["url"]
        assert int(entry["headers"]["Content-Length"]) == file.stat().st_size
        assert datetime.fromisoformat(entry["fetched_at"]).tzinfo is not None
        assert entry["expected"], entry["url"]


@pytest.mark.parametrize("host", HOSTS)
def test_every_statement_and_skip_is_in_the_manifest_with_its_expected_json(host: str) -> None:
    manifest = {m["url"]: m for m in EXPECTED[host]["manifest"]}
    for page in EXPECTED[host]["pages"]:
        assert manifest[page["url"]]["kind"] == "statement"
        assert manifest[page["url"]]["expected"] == page
        assert manifest[page["url"]]["status"] == 200
    for skip in EXPECTED[host]["skipped"]:
        assert manifest[skip["url"]]["expected"] == skip
        assert manifest[skip["url"]]["status"] == skip.get("status", 200)


def _get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            r.read()
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers)


@pytest.mark.parametrize("host", HOSTS)
def test_sample_server_sends_the_manifest_headers(sample_sites: SampleSites, host: str) -> None:
    base = sample_sites.un_sg if host == "www.un.org" else sample_sites.un_press
    public = EXPECTED[host]["public_base"]
    for entry in EXPECTED[host]["manifest"]:
        status, headers = _get(base + entry["url"][len(public):])
        assert status == entry["status"], entry["url"]
        for name, value in entry["headers"].items():
            assert headers.get(name) == value, (entry["url"], name)

