"""Search filters, facets, cursors, exports, quotes and HTTP conventions (ETag, CORS, token) on a real store."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from tests.api.conftest import CORPUS, Corpus, sid

PROBLEM = "application/problem+json"


def _ids(body: dict[str, Any]) -> list[str]:
    return [i["id"] for i in body["items"]]


# --- filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "expected"), [
    ({"level": "explicit"}, {0, 2}),
    ({"level": "implicit"}, {0, 3}),
    ({"stance": "concern"}, {0}),
    ({"stance": "commitment"}, {2}),
    ({"min_score": 0.85}, {2}),
    ({"min_score": 0.6}, {0, 2, 3}),
    ({"priority": "P1", "level": "implicit"}, {3}),
    ({"priority": "P1", "min_score": 0.8}, {0}),
    ({"priority": "P9", "stance": "concern"}, set()),
    ({"speaker": "antónio GUTERRES"}, {0, 1, 2, 3}),
    ({"speaker": "secretary-general"}, {0, 1, 2, 3}),
    ({"speaker": "Spokesperson"}, set()),
    ({"location": "Geneva"}, set()),
    ({"language": "en"}, {0, 1, 2, 3}),
    ({"language": "fr"}, set()),
])
def test_statement_filters(client: TestClient, params: dict[str, Any], expected: set[int]) -> None:
    body = client.get("/statements", params=params).json()
    assert set(_ids(body)) == {sid(n) for n in expected}
    assert body["total"] == len(expected)


@pytest.mark.parametrize(("params", "expected"), [
    ({"level": "explicit"}, {(0, 0), (2, 0), (2, 1)}),
    ({"stance": "call_to_action"}, {(3, 0)}),
    ({"min_score": 0.75}, {(0, 0), (2, 0)}),
    ({"priority": "P2", "stance": "concern"}, {(0, 1)}),
])
def test_passage_filters_apply_to_the_passage_s_own_matches(client: TestClient, params: dict[str, Any],
                                                             expected: set[tuple[int, int]]) -> None:
    # "human OR journalists OR reprisals OR senior OR attack*" reaches every matched passage of the corpus.
    q = "human OR journalists OR reprisals OR senior OR condemn OR intimidation"
    body = client.get("/passages/search", params={"q": q, "mode": "keyword", **params}).json()
    assert {i["id"] for i in body["items"]} == {f"{sid(s)}-{p:04d}" for s, p in expected}


def test_min_score_out_of_range_is_422(client: TestClient) -> None:
    r = client.get("/statements", params={"min_score": 1.5})
    assert r.status_code == 422 and r.json()["detail"].startswith("min_score: must be at most 1")


# --- facets ----------------------------------------------------------------------------------------


def test_statement_facets_count_every_hit(client: TestClient) -> None:
    body = client.get("/statements", params={"facets": "true", "limit": 1}).json()
    assert len(body["items"]) == 1
    assert body["facets"] == {
        "priority": {"P1": 2, "P2": 1, "P9": 1},
        "source": {"un.org/sg": 2, "press.un.org": 2},
        "type": {"message": 1, "press_encounter": 1, "speech": 1, "statement": 1},
        "year": {"2024": 4},
        "speaker": {"Secretary-General": 4},
    }
    assert client.get("/statements").json()["facets"] is None


def test_passage_facets_follow_query_and_filters(client: TestClient) -> None:
    body = client.get("/passages/search", params={"q": "journalists", "mode": "keyword", "facets": "true"}).json()
    assert body["total"] == 1
    assert body["facets"]["priority"] == {"P1": 1}
    assert body["facets"]["source"] == {"press.un.org": 1}
    assert body["facets"]["type"] == {"press_encounter": 1}
    filtered = client.get("/passages/search", params={
        "q": "reprisals OR intimidation", "mode": "keyword", "facets": "true", "priority": "P9"}).json()
    assert filtered["facets"]["priority"] == {"P9": 2}
    assert filtered["facets"]["type"] == {"message": 2}


# --- cursor pagination -----------------------------------------------------------------------------


def test_cursor_walks_every_statement_once_in_order(client: TestClient) -> None:
    everything = _ids(client.get("/statements").json())
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    for _ in range(10):
        body = client.get("/statements", params=params).json()
        seen += _ids(body)
        if body["next_cursor"] is None:
            break
        params = {"limit": 1, "cursor": body["next_cursor"]}
    assert seen == everything and len(seen) == len(CORPUS)


def test_cursor_keeps_the_query(client: TestClient) -> None:
    first = client.get("/passages/search", params={"q": "the", "mode": "keyword", "limit": 1}).json()
    assert first["total"] > 1 and first["next_cursor"]
    other = client.get("/passages/search", params={"q": "civic", "mode": "keyword", "cursor": first["next_cursor"]})
    assert other.status_code == 422
    assert other.json()["detail"].startswith("cursor: it belongs to another query")
    nxt = client.get("/passages/search", params={"q": "the", "mode": "keyword", "limit": 1,
                                                 "cursor": first["next_cursor"]}).json()
    assert nxt["offset"] == 1 and _ids(nxt) != _ids(first)


@pytest.mark.parametrize("cursor", ["garbage", "e30", "eyJvIjotMSwiayI6IiJ9", "!!!!", "x" * 200])
def test_bad_cursor_is_422(client: TestClient, cursor: str) -> None:
    r = client.get("/statements", params={"cursor": cursor})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["detail"].startswith("cursor:")


def test_cursor_and_offset_together_is_422(client: TestClient) -> None:
    cursor = client.get("/statements", params={"limit": 1}).json()["next_cursor"]
    r = client.get("/statements", params={"limit": 1, "cursor": cursor, "offset": 2})
    assert r.status_code == 422 and "either cursor or offset" in r.json()["detail"]


# --- exports ---------------------------------------------------------------------------------------


def test_statement_export_csv_has_every_statement_in_search_order(client: TestClient, corpus: Corpus) -> None:
    r = client.get("/statements/export", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert "content-length" not in r.headers  # streamed
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == _ids(client.get("/statements").json())
    first = next(row for row in rows if row["id"] == sid(0))
    assert first["title"] == CORPUS[0]["title"] and first["priorities"] == "P1 P2"
    assert first["text"] == " ".join(CORPUS[0]["sentences"])


def test_passage_export_jsonl_matches_search_with_filters(client: TestClient) -> None:
    params = {"q": "human OR journalists OR reprisals", "mode": "keyword", "source": "un.org/sg"}
    r = client.get("/passages/export", params={**params, "format": "jsonl"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    search = client.get("/passages/search", params={**params, "limit": 100}).json()
    assert [x["passage_id"] for x in lines] == [i["id"] for i in search["items"]]
    assert len(lines) == search["total"] >= 2
    assert all(x["source"] == "un.org/sg" for x in lines)
    reprisal = next(x for x in lines if x["text"].startswith("Reprisals"))
    assert reprisal["matches"] == [{"priority": "P9", "score": 0.9, "level": "explicit", "stance": "condemnation"}]


def test_passage_export_csv_round_trips_through_a_csv_reader(client: TestClient) -> None:
    r = client.get("/passages/export", params={"q": "the", "mode": "keyword", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    total = client.get("/passages/search", params={"q": "the", "mode": "keyword"}).json()["total"]
    assert len(rows) == total > 0
    assert set(rows[0]) == {"passage_id", "statement_id", "index", "date", "source", "doc_type",
                            "statement_title", "url", "score", "priorities", "text"}


def test_empty_export_is_a_header_only(client: TestClient) -> None:
    r = client.get("/passages/export", params={"q": "zzzzqqq", "format": "csv"})
    assert r.status_code == 200 and r.text.startswith("passage_id,") and r.text.count("\n") == 1
    assert client.get("/passages/export", params={"q": "zzzzqqq", "format": "jsonl"}).text == ""


# --- quotes ----------------------------------------------------------------------------------------


def test_quotes_are_the_strongest_passages_with_their_context(client: TestClient, corpus: Corpus) -> None:
    body = client.get("/priorities/P9/quotes").json()
    assert body["priority"]["id"] == "P9" and body["total"] == 2
    top, second = body["items"]
    assert (top["score"], second["score"]) == (0.9, 0.7)
    assert top["text"] == CORPUS[2]["sentences"][0]
    assert top["statement_title"] == CORPUS[2]["title"]
    assert top["url"] == CORPUS[2]["url"] and top["date"] == "2024-04-10"
    assert (top["level"], top["stance"]) == ("explicit", "condemnation")
    assert top["reason"].startswith("explicit · condemnation")
    assert second["stance"] == "commitment"


def test_quotes_filters(client: TestClient) -> None:
    may = client.get("/priorities/p1/quotes", params={"from": "2024-05", "to": "2024-05"}).json()
    assert [q["statement_id"] for q in may["items"]] == [sid(3)]
    explicit = client.get("/priorities/P1/quotes", params={"level": "explicit"}).json()
    assert [q["statement_id"] for q in explicit["items"]] == [sid(0)]
    assert client.get("/priorities/P1/quotes", params={"min_score": 0.95}).json()["total"] == 0
    assert client.get("/priorities/P4/quotes").json()["items"] == []


def test_unknown_priority_quotes_is_404(client: TestClient) -> None:
    r = client.get("/priorities/P42/quotes")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    assert "P42" in r.json()["detail"]


# --- ETag, Cache-Control, CORS -----------------------------------------------------------------------


def test_read_endpoints_send_etag_and_answer_304(client: TestClient) -> None:
    r = client.get("/statements", params={"q": "reprisals"})
    etag = r.headers["etag"]
    assert r.headers["cache-control"].startswith("public, max-age=")
    again = client.get("/statements", params={"q": "reprisals"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get("/statements", params={"q": "climate"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_errors_and_exports_carry_no_etag(client: TestClient) -> None:
    err = client.get("/statements/nope")
    assert err.status_code == 404 and "etag" not in err.headers and "cache-control" not in err.headers
    export = client.get("/statements/export")
    assert "etag" not in export.headers and export.headers["cache-control"].startswith("public")


def test_cors_origins_come_from_settings(corpus: Corpus) -> None:
    settings = corpus.settings.model_copy(update={"cors_origins": ["https://newsroom.example"]})
    with TestClient(create_app(settings)) as c:
        ok = c.get("/priorities", headers={"Origin": "https://newsroom.example"})
        assert ok.headers["access-control-allow-origin"] == "https://newsroom.example"
        other = c.get("/priorities", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(corpus.settings)) as c:  # no origins set: no CORS headers at all
        plain = c.get("/priorities", headers={"Origin": "https://newsroom.example"})
        assert "access-control-allow-origin" not in plain.headers


# --- write endpoints need the token --------------------------------------------------------------------


def test_write_endpoints_are_off_without_a_token(client: TestClient) -> None:
    for path in ("/jobs/crawl", "/jobs/analyze"):
        r = client.post(path, headers={"Authorization": "Bearer anything"})
        assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
        assert "SGWATCH_API_TOKEN" in r.json()["detail"]


def test_write_endpoints_check_the_token(corpus: Corpus) -> None:
    settings = corpus.settings.model_copy(update={"api_token": SecretStr("s3cret-token")})
    with TestClient(create_app(settings)) as c:
        missing = c.post("/jobs/crawl")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert c.post("/jobs/crawl", headers={"Authorization": "Bearer s3cret-tokem"}).status_code == 401
        assert c.post("/jobs/crawl", headers={"Authorization": "Basic s3cret-token"}).status_code == 401
        good = {"Authorization": "Bearer s3cret-token"}
        assert c.get("/jobs/none", headers=good).status_code == 404  # past the token check
        bad = c.post("/jobs/crawl", params={"since": "yesterday"}, headers=good)
        assert bad.status_code == 422 and bad.json()["detail"].startswith("since:")
        # read endpoints stay public
        assert c.get("/statements").status_code == 200
