"""Problem+json errors: 404, 422 naming the parameter, hostile queries never 500."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import sid

PROBLEM = "application/problem+json"


def _problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    return body


def test_unknown_statement_is_404(client: TestClient) -> None:
    body = _problem(client.get("/statements/doesnotexist"), 404)
    assert "doesnotexist" in body["detail"]


def test_unknown_route_is_problem_404(client: TestClient) -> None:
    _problem(client.get("/nothing-here"), 404)


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        ("/statements", {"from": "2020-13-01"}, "from: invalid date '2020-13-01', expected YYYY-MM-DD"),
        ("/statements", {"to": "yesterday"}, "to: invalid date 'yesterday', expected YYYY-MM-DD"),
        ("/statements", {"from": "2024-05-01", "to": "2024-04-01"}, "from: 2024-05-01 is after to: 2024-04-01"),
        ("/passages/search", {"q": "x", "from": "2024-02-30"},
         "from: invalid date '2024-02-30', expected YYYY-MM-DD"),
        ("/scores/monthly", {"from": "2024-13"}, "from: invalid date '2024-13', expected YYYY-MM or YYYY-MM-DD"),
        ("/scores/monthly", {"from": "2024-05", "to": "2024-04"}, "from: 2024-05-01 is after to: 2024-04-30"),
    ],
)
def test_bad_dates_are_422(client: TestClient, path: str, params: dict, detail: str) -> None:
    assert _problem(client.get(path, params=params), 422)["detail"] == detail


@pytest.mark.parametrize("path", ["/statements", "/passages/search?q=x", "/scores/monthly"])
@pytest.mark.parametrize("value", ["P10", "P0", "defenders", "P1;DROP TABLE"])
def test_unknown_priority_is_422(client: TestClient, path: str, value: str) -> None:
    body = _problem(client.get(path, params={"priority": value}), 422)
    assert body["detail"].startswith(f"priority: unknown priority {value!r}")
    assert "P1, P2" in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "start"),
    [
        ("/statements", {"limit": 0}, "limit: must be at least 1"),
        ("/statements", {"limit": 1000}, "limit: must be at most 100"),
        ("/statements", {"limit": "ten"}, "limit: expected an integer"),
        ("/statements", {"offset": -1}, "offset: must be at least 0"),
        ("/passages/search", {"q": "x", "limit": 1000}, "limit: must be at most 100"),
        ("/passages/search", {"q": "x", "mode": "fuzzy"}, "mode: must be one of"),
        ("/passages/search", {}, "q: required parameter is missing"),
        ("/passages/search", {"q": ""}, "q: must not be empty"),
        ("/passages/search", {"q": "   "}, "q: must not be blank"),
        ("/scores/monthly", {"format": "xml"}, "format: must be one of"),
        ("/statements", {"source": "bbc.co.uk"}, "source: must be one of"),
        ("/statements", {"type": "tweet"}, "type: must be one of"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client: TestClient, path: str, params: dict,
                                                     start: str) -> None:
    body = _problem(client.get(path, params=params), 422)
    assert body["detail"].startswith(start), body["detail"]


def test_mode_error_lists_the_choices(client: TestClient) -> None:
    detail = _problem(client.get("/passages/search", params={"q": "x", "mode": "fuzzy"}), 422)["detail"]
    assert "'keyword'" in detail and "'semantic'" in detail and "'hybrid'" in detail and "'fuzzy'" in detail


def test_store_unavailable_is_503(corpus) -> None:  # type: ignore[no-untyped-def]
    from api.main import create_app

    with TestClient(create_app(corpus.settings)) as c:
        store = c.app.state.store
        c.app.state.store = None  # as when the backend could not be opened at startup
        try:
            body = _problem(c.get("/statements"), 503)
            assert "store" in body["detail"]
            assert c.get("/priorities").status_code == 200
        finally:
            c.app.state.store = store


HOSTILE = [
    '"', "'", '"unbalanced', "(", ")", "((a)", "a OR", "AND", "NOT x", "NEAR(", "NEAR(a b, 2)", "*", "a*",
    "*a", "^start", "col:value", "title:defenders", "'; DROP TABLE statements; --", "1' OR '1'='1",
    "\\", "%", "_", "{}", "[]", "a - b", "+", "défenseurs des droits", "人权", "\x00", "rights\u200b",
    "-", "\"human rights\" NEAR \"defenders\"", "a" * 999,
]


@pytest.mark.parametrize("q", HOSTILE)
@pytest.mark.parametrize("path", ["/statements", "/passages/search"])
def test_hostile_queries_never_500(client: TestClient, path: str, q: str) -> None:
    params = {"q": q}
    if path == "/passages/search":
        params["mode"] = "keyword"
    r = client.get(path, params=params)
    assert r.status_code in (200, 422), (q, r.status_code, r.text)
    body = r.json()
    if r.status_code == 200:
        assert isinstance(body["items"], list) and body["total"] >= len(body["items"])
    else:
        assert body["detail"].startswith("q:")


def test_hostile_query_still_finds_words(client: TestClient) -> None:
    # Operators are treated as text: the words inside must still match.
    body = client.get("/statements", params={"q": '"Reprisals"'}).json()
    assert [i["id"] for i in body["items"]] == [sid(2)]
    body = client.get("/passages/search", params={"q": "journalists*", "mode": "keyword"}).json()
    assert body["total"] >= 1


def _raw_get(app, path: str, query: bytes) -> tuple[int, dict[str, str], dict]:  # type: ignore[no-untyped-def]
    """GET straight through ASGI: HTTP clients refuse URLs over 64 KB, a hostile one may not."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
             "root_path": "", "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1),
             "server": ("testserver", 80), "state": {}}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, json.loads(body)


@pytest.mark.parametrize("path", ["/statements", "/passages/search"])
def test_100kb_query_is_422_not_500(client: TestClient, path: str) -> None:
    q = ("human rights defenders NEAR( * \" ' " * 4000)[:100_000]
    status, headers, body = _raw_get(client.app, path, urlencode({"q": q}).encode())
    assert status == 422
    assert headers["content-type"].startswith(PROBLEM)
    assert body["detail"].startswith("q: too long (100000 characters)")
