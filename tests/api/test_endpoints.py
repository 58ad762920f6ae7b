"""Happy paths of every endpoint on a real SQLite store."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import CORPUS, Corpus, sid


def test_health_reports_store_counts_agenda_and_unloaded_model(client: TestClient, corpus: Corpus) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["store"]["stats"]["statements"] == len(CORPUS)
    assert body["store"]["stats"]["passages"] == sum(len(row["sentences"]) for row in CORPUS)
    assert body["store"]["stats"]["matches"] == sum(len(row["matches"]) for row in CORPUS)
    assert body["agenda"]["id"] == corpus.agenda.id
    assert body["agenda"]["version"] == corpus.agenda.version
    assert body["model"]["id"] == "all-MiniLM-L6-v2"
    # Keyword-only traffic must never load the model.
    assert body["model"]["loaded"] is False


def test_priorities_list_the_agenda(client: TestClient, corpus: Corpus) -> None:
    r = client.get("/priorities")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [p["id"] for p in items] == [p.id for p in corpus.agenda.priorities]
    first = corpus.agenda.priorities[0]
    assert items[0] == {"id": first.id, "key": first.key, "title": first.title, "text": first.text}


def test_statements_lists_all_newest_first(client: TestClient) -> None:
    r = client.get("/statements")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 4
    assert (body["limit"], body["offset"]) == (20, 0)
    assert [i["id"] for i in body["items"]] == [sid(3), sid(2), sid(1), sid(0)]
    first = body["items"][0]
    assert first["title"] == "Press encounter on media freedom"
    assert first["date"] == "2024-05-02"
    assert first["source"] == "press.un.org"
    assert first["doc_type"] == "press_encounter"
    assert first["priorities"] == ["P1"]


def test_statements_keyword_query_has_snippet(client: TestClient) -> None:
    body = client.get("/statements", params={"q": "reprisals"}).json()
    assert body["total"] == 1
    hit = body["items"][0]
    assert hit["id"] == sid(2)
    assert "eprisals" in (hit["snippet"] or "")
    assert hit["priorities"] == ["P9"]


def test_statements_filters(client: TestClient) -> None:
    by_priority = client.get("/statements", params={"priority": "P1"}).json()
    assert {i["id"] for i in by_priority["items"]} == {sid(0), sid(3)}
    assert by_priority["total"] == 2
    by_source = client.get("/statements", params={"source": "press.un.org"}).json()
    assert {i["id"] for i in by_source["items"]} == {sid(1), sid(3)}
    by_type = client.get("/statements", params={"type": "message"}).json()
    assert [i["id"] for i in by_type["items"]] == [sid(2)]
    by_dates = client.get("/statements", params={"from": "2024-03-10", "to": "2024-04-30"}).json()
    assert {i["id"] for i in by_dates["items"]} == {sid(1), sid(2)}
    # lower-case priority ids are accepted and normalised
    assert client.get("/statements", params={"priority": "p9"}).json()["total"] == 1


def test_statements_paging(client: TestClient) -> None:
    page1 = client.get("/statements", params={"limit": 3, "offset": 0}).json()
    page2 = client.get("/statements", params={"limit": 3, "offset": 3}).json()
    assert page1["total"] == page2["total"] == 4
    assert len(page1["items"]) == 3 and len(page2["items"]) == 1
    ids = [i["id"] for i in page1["items"] + page2["items"]]
    assert len(set(ids)) == 4


def test_statement_detail_has_sources_passages_and_matches(client: TestClient, corpus: Corpus) -> None:
    r = client.get(f"/statements/{sid(0)}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == sid(0)
    assert body["title"] == "Remarks to the Human Rights Council"
    assert body["sources"][0]["url"] == CORPUS[0]["url"]
    assert body["delivery_date"] == "2024-03-05"
    assert body["priorities"] == ["P1", "P2"]
    passages = body["passages"]
    assert [p["text"] for p in passages] == CORPUS[0]["sentences"]
    assert passages[0]["matches"] == [
        {"priority": "P1", "score": 0.82, "level": "explicit", "stance": "condemnation",
         "explanation": {"similarity": 0.82, "cues": ["test"]}}
    ]
    assert passages[1]["matches"][0]["priority"] == "P2"
    assert passages[1]["matches"][0]["level"] == "implicit"
    assert passages[2]["matches"] == []
    text = body["text"]
    assert text[passages[1]["start"]:passages[1]["end"]] == CORPUS[0]["sentences"][1]


def test_passages_keyword_search(client: TestClient) -> None:
    r = client.get("/passages/search", params={"q": "journalists", "mode": "keyword"})
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "keyword"
    assert body["total"] == 1
    hit = body["items"][0]
    assert hit["statement_id"] == sid(3)
    assert hit["text"] == CORPUS[3]["sentences"][0]
    assert hit["statement_title"] == "Press encounter on media freedom"
    assert hit["url"] == CORPUS[3]["url"]
    assert hit["date"] == "2024-05-02"
    assert [m["priority"] for m in hit["matches"]] == ["P1"]


def test_passages_keyword_search_with_filters(client: TestClient) -> None:
    body = client.get("/passages/search",
                      params={"q": "reprisals", "mode": "keyword", "priority": "P9"}).json()
    assert {i["id"] for i in body["items"]} == {f"{sid(2)}-0000", f"{sid(2)}-0001"}
    none = client.get("/passages/search",
                      params={"q": "reprisals", "mode": "keyword", "source": "press.un.org"}).json()
    assert none["total"] == 0 and none["items"] == []


def test_openapi_documents_routes_and_parameters(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ["/health", "/priorities", "/statements", "/statements/{statement_id}", "/passages/search",
                 "/scores/monthly", "/report"]:
        op = spec["paths"][path]["get"]
        assert op.get("description") or op.get("summary"), path
        for param in op.get("parameters", []):
            assert param.get("description"), (path, param["name"])
        assert "application/problem+json" in op["responses"]["422"]["content"], path
    assert client.get("/docs").status_code == 200
