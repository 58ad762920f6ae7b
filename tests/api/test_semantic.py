"""Semantic and hybrid passage search with the real MiniLM model."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CORPUS, sid

pytestmark = pytest.mark.slow


def test_semantic_search_finds_meaning_without_shared_words(semantic_client: TestClient) -> None:
    r = semantic_client.get("/passages/search",
                            params={"q": "activists threatened and imprisoned", "mode": "semantic"})
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "semantic"
    assert body["total"] >= 1
    top = body["items"][0]
    assert top["id"] == f"{sid(0)}-0000"
    assert top["text"] == CORPUS[0]["sentences"][0]
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_semantic_search_respects_filters(semantic_client: TestClient) -> None:
    body = semantic_client.get("/passages/search", params={
        "q": "activists threatened and imprisoned", "mode": "semantic", "source": "press.un.org"}).json()
    assert body["items"] and all(i["source"] == "press.un.org" for i in body["items"])
    assert all(i["statement_id"] in {sid(1), sid(3)} for i in body["items"])


def test_hybrid_search_is_default(semantic_client: TestClient) -> None:
    body = semantic_client.get("/passages/search", params={"q": "money for climate adaptation"}).json()
    assert body["mode"] == "hybrid"
    assert body["items"][0]["statement_id"] == sid(1)
    assert semantic_client.get("/health").json()["model"]["loaded"] is True


@pytest.mark.parametrize("q", ['NEAR(', '"', "*", "'; DROP TABLE passages; --", "((", "人权"])
def test_hostile_semantic_queries_never_500(semantic_client: TestClient, q: str) -> None:
    for mode in ("semantic", "hybrid"):
        r = semantic_client.get("/passages/search", params={"q": q, "mode": mode})
        assert r.status_code == 200, (q, mode, r.text)
        assert isinstance(r.json()["items"], list)


def test_app_loads_the_model_lazily_on_first_semantic_query(semantic_corpus, semantic_client) -> None:  # type: ignore[no-untyped-def]
    from api.main import create_app

    params = {"q": "activists threatened and imprisoned", "mode": "semantic"}
    with TestClient(create_app(semantic_corpus.settings)) as c:
        assert c.get("/health").json()["model"]["loaded"] is False
        assert c.get("/passages/search", params={"q": "journalists", "mode": "keyword"}).status_code == 200
        assert c.get("/health").json()["model"]["loaded"] is False
        own = c.get("/passages/search", params=params).json()
        assert c.get("/health").json()["model"]["loaded"] is True
    injected = semantic_client.get("/passages/search", params=params).json()
    assert [i["id"] for i in own["items"]] == [i["id"] for i in injected["items"]]
    assert [round(i["score"], 4) for i in own["items"]] == [round(i["score"], 4) for i in injected["items"]]
