"""The Elasticsearch backend without a server: mappings vs the documents and queries the code builds, the
real client against a closed port (StoreUnavailable, API 503, CLI message), and docker-compose.yml."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from core.config import PROJECT_ROOT, Settings
from core.errors import ConfigError, StoreUnavailable
from core.models import Match, Passage, SourceRef
from core.store.base import MAPPINGS_DIR, StatementFilters
from core.store.elastic import (
    EFFECTIVE_DATE_RUNTIME,
    INDEXES,
    analysis_doc,
    crawl_doc,
    crawl_stats_request,
    filter_clauses,
    index_body,
    knn_request,
    load_mapping,
    match_doc,
    matches_request,
    mentions_query,
    monthly_matches_request,
    monthly_statements_request,
    passage_doc,
    passage_search_request,
    statement_doc,
    statement_ids_request,
    statement_meta,
    statement_priorities_request,
    statement_search_request,
    undeclared_fields,
)
from tests.store.factory import statement


def _props(name: str) -> dict[str, Any]:
    props: dict[str, Any] = load_mapping(name)["mappings"]["properties"]
    return props


def _full_statement():  # type: ignore[no-untyped-def]
    """A statement with every optional field filled, as the crawler can produce it."""
    return statement("full", "Defenders must be protected. Reprisals are unacceptable", day=date(2024, 5, 2),
                     delivery_date=date(2024, 5, 1), url_date=date(2024, 5, 1), lead="Following is the text",
                     location="Geneva", speaker="António Guterres", delivered_by="the Deputy",
                     delivery_status="as_delivered", symbols=["SG/SM/1"],
                     translations=[{"language": "fr", "text": "Des mots"}], turns=[{"speaker": "SG", "text": "Hi"}],
                     sources=[SourceRef(source="press.un.org", url="https://press.un.org/x", title="T",
                                        release_date=date(2024, 5, 3), symbols=["SG/SM/1"])],
                     extraction={"title": "selector"}, fetched_at=datetime(2024, 5, 3, 12, 0))


# --- mappings are the schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", INDEXES)
def test_mapping_files_load_and_are_strict(name: str) -> None:
    doc = json.loads((MAPPINGS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert set(doc) == {"settings", "mappings"}
    assert doc["mappings"]["dynamic"] in ("strict", False, "false")
    assert doc["mappings"]["properties"]


def test_passage_vectors_are_hnsw_cosine_and_dates_are_dates() -> None:
    vec = _props("passages")["vector"]
    assert (vec["type"], vec["similarity"], vec["index_options"]["type"], vec["dims"]) == (
        "dense_vector", "cosine", "hnsw", 384)
    st = _props("statements")
    assert all(st[f]["type"] == "date" for f in ("release_date", "delivery_date", "url_date"))
    assert st["text"]["analyzer"] == "english" and st["source"]["type"] == "keyword"
    assert _props("passages")["matches"]["type"] == "nested"


def test_every_field_the_code_writes_is_declared() -> None:
    st = _full_statement()
    assert undeclared_fields(statement_doc(st), _props("statements")) == []
    p = Passage(id=f"{st.id}-0000", statement_id=st.id, index=0, text="Defenders must be protected", start=0,
                end=27, text_hash="abc")
    m = Match(passage_id=p.id, statement_id=st.id, priority="P1", score=0.9, level="explicit", stance="concern",
              agenda_version="v1", model="m", explanation={"cues": ["defenders"], "nested": {"x": 1}})
    pdoc = passage_doc(p, st.id, statement_meta(st), "v1", [match_doc(m, st.id)], [0.1] * 384, "m")
    assert set(pdoc) >= {"vector", "model", "matches", "date", "source"}
    assert undeclared_fields(pdoc, _props("passages")) == []
    assert undeclared_fields(analysis_doc(st.id, "v1", "m", "hash", 3, 1), _props("analyses")) == []
    assert undeclared_fields({"alias_id": "a", "statement_id": "b"}, _props("aliases")) == []
    assert undeclared_fields(crawl_doc("un.org/sg", "https://x", "stored", None, "2024-05", {"title": "selector"}),
                             _props("crawl_log")) == []


def test_the_drift_check_fails_when_code_and_mapping_disagree() -> None:
    st = _full_statement()
    props = copy.deepcopy(_props("statements"))
    del props["delivery_status"]
    del props["sources"]["properties"]["symbols"]
    assert undeclared_fields(statement_doc(st), props) == ["delivery_status", "sources.symbols"]
    pprops = copy.deepcopy(_props("passages"))
    del pprops["matches"]["properties"]["stance"]
    p = Passage(id="s-0000", statement_id="s", index=0, text="x", start=0, end=1)
    m = Match(passage_id=p.id, statement_id="s", priority="P1", score=0.5, level="implicit", agenda_version="v",
              model="m")
    assert undeclared_fields(passage_doc(p, "s", statement_meta(st), "v", [match_doc(m, "s")], None, None),
                             pprops) == ["matches.stance"]


def _field_paths(node: Any) -> set[str]:
    """Field names a request refers to (term/terms/range/wildcard/exists/sort keys, "field" values, fields lists)."""
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("term", "terms", "range", "wildcard") and isinstance(value, dict) and "field" not in value:
                out |= set(value)  # a query on fields (a terms *aggregation* names its field under "field")
            elif key == "field" and isinstance(value, str):
                out.add(value)
            elif key == "fields" and isinstance(value, list):
                out |= {f.split("^")[0] for f in value if isinstance(f, str)}
            elif key == "sort" and isinstance(value, list):
                out |= {k for item in value if isinstance(item, dict) for k in item if k != "_score"}
            elif key == "path" and isinstance(value, str):
                out.add(value)
            if key not in ("runtime_mappings", "highlight"):
                out |= _field_paths(value)
    elif isinstance(node, list):
        for item in node:
            out |= _field_paths(item)
    return out


def _declared(props: dict[str, Any], path: str) -> bool:
    head, _, rest = path.partition(".")
    spec = props.get(head)
    if spec is None:
        return False
    if not rest:
        return True
    return _declared(spec.get("properties", {}) or spec.get("fields", {}), rest)


def test_every_field_the_queries_use_is_declared() -> None:
    f = StatementFilters(priority="P1", date_from=date(2024, 1, 1), date_to=date(2024, 2, 1), source="un.org/sg",
                         doc_type="speech", speaker_role="Secretary-General", language="en")
    by_index = {
        "statements": [statement_search_request({"multi_match": {"query": "x", "type": "phrase",
                                                                 "fields": ["title^3", "text"]}},
                                                filter_clauses(f, "statement", "v", ["a"]), 10, 0),
                       statement_search_request(None, [mentions_query("x")], 10, 0),
                       monthly_statements_request(filter_clauses(f, "statement", None))],
        "passages": [passage_search_request(None, filter_clauses(f, "passage", "v"), 10, 0),
                     knn_request([1.0], 5, filter_clauses(f, "passage", "v"), "m"),
                     monthly_matches_request("v", filter_clauses(f, "passage", None), ["P1"], 3),
                     matches_request("v", "P1", "s", date(2024, 1, 1), date(2024, 2, 1), 10),
                     statement_priorities_request(["s"], "v"), statement_ids_request({"match_all": {}})],
        "crawl_log": [crawl_stats_request()],
    }
    runtime = set(EFFECTIVE_DATE_RUNTIME)
    for index, requests in by_index.items():
        props = _props(index)
        for body in requests:
            unknown = {p for p in _field_paths(body) if p not in runtime and not _declared(props, p)}
            assert not unknown, f"{index} queries use fields its mapping does not declare: {sorted(unknown)}"


def test_index_bodies_are_versioned_by_content() -> None:
    plain = index_body("passages")
    dynamic = index_body("passages", vector_dims=0)
    other = index_body("passages", vector_dims=768)
    assert "dims" not in dynamic["mappings"]["properties"]["vector"]
    assert other["mappings"]["properties"]["vector"]["dims"] == 768
    hashes = {b["mappings"]["_meta"]["sgwatch_mapping_hash"] for b in (plain, dynamic, other)}
    assert len(hashes) == 3  # a changed mapping is a new index version for `sgwatch index migrate`
    assert index_body("passages") == plain  # stable


# --- unreachable Elasticsearch: a real client and a port nobody listens on --------------------------------


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # the socket is closed: connections are refused


def test_unreachable_elasticsearch_is_store_unavailable(closed_url: str) -> None:
    from core.store import open_store

    start = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        open_store(Settings(store="elasticsearch", elasticsearch_url=closed_url, elasticsearch_timeout=2))
    assert time.monotonic() - start < 20
    assert closed_url in str(info.value) and "docker compose up -d elasticsearch" in str(info.value)
    with pytest.raises(ConfigError, match="SGWATCH_ELASTICSEARCH_URL"):
        open_store(Settings(store="elasticsearch", elasticsearch_url=None))
    with pytest.raises(ConfigError, match="index prefix"):
        from core.store.elastic import ElasticStore

        ElasticStore(closed_url, "Bad Prefix")


def test_api_answers_503_when_elasticsearch_is_down(closed_url: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    settings = Settings(store="elasticsearch", elasticsearch_url=closed_url, elasticsearch_timeout=2,
                        data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        for path in ("/health", "/statements", "/passages/search?q=defenders"):
            r = client.get(path)
            assert r.status_code == 503, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["title"] == "Store unavailable"
        assert client.get("/priorities").status_code == 200  # what needs no store still works


def test_cli_says_what_to_start(closed_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, SGWATCH_STORE="elasticsearch", SGWATCH_ELASTICSEARCH_URL=closed_url,
               SGWATCH_ELASTICSEARCH_TIMEOUT="2", SGWATCH_DATA_DIR=str(tmp_path), COLUMNS="200")
    for args in (["status"], ["index", "migrate"]):
        run = subprocess.run([sys.executable, "-m", "core.cli", *args], check=False, env=env, capture_output=True,
                             text=True, timeout=120, cwd=PROJECT_ROOT)
        assert run.returncode == 1, run.stderr
        text = " ".join((run.stdout + run.stderr).split())
        assert "cannot be reached" in text and "docker compose up -d elasticsearch" in text, text
        assert "Traceback" not in text
    # No URL at all: the index commands name the setting.
    env.pop("SGWATCH_ELASTICSEARCH_URL")
    run = subprocess.run([sys.executable, "-m", "core.cli", "index", "migrate"], check=False, env=env,
                         capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert run.returncode == 1 and "SGWATCH_ELASTICSEARCH_URL" in " ".join((run.stdout + run.stderr).split())


def test_index_subcommands_document_their_options() -> None:
    import typer.main

    from core.cli import app

    group = typer.main.get_command(app).commands["index"]  # type: ignore[attr-defined]
    assert sorted(group.commands) == ["migrate", "sync"]
    for name, command in group.commands.items():
        assert command.help and command.help.strip(), name
        for param in command.params:
            if getattr(param, "param_type_name", "") == "option" and param.name != "help":
                assert param.help and param.help.strip(), f"sgwatch index {name} {param.opts}"


# --- docker-compose.yml -------------------------------------------------------------------------------------


def test_compose_runs_an_elasticsearch_of_the_clients_major_version() -> None:
    import elasticsearch
    import yaml

    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    es = services["elasticsearch"]
    image, tag = es["image"].rsplit(":", 1)
    assert image == "docker.elastic.co/elasticsearch/elasticsearch"
    assert int(tag.split(".")[0]) == int(elasticsearch.__versionstr__.split(".")[0]) == 8
    assert es["environment"]["discovery.type"] == "single-node"
    heap = es["environment"]["ES_JAVA_OPTS"]
    assert "-Xmx512m" in heap  # fits a laptop
    assert "_cluster/health" in " ".join(es["healthcheck"]["test"])
    for name in ("api", "pipeline"):
        svc = services[name]
        assert svc["environment"]["SGWATCH_STORE"] == "elasticsearch"
        assert svc["environment"]["SGWATCH_ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
        assert svc["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert "sgwatch index migrate" in " ".join(services["pipeline"]["command"])
    assert services["pipeline"]["restart"] == "no"  # one-shot
    assert (PROJECT_ROOT / "Dockerfile").is_file()
