"""Property-based fuzzing of the OpenAPI schema with Schemathesis: no 5xx, no answer outside the schema.

Every operation of /openapi.json gets generated requests (valid and invalid parameters) against the
app on a real SQLite store with real MiniLM vectors (semantic and hybrid queries embed with the real
model). Each answer is checked: not a server error, a documented status code and content type, and a
body valid against the documented schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_app(semantic_corpus: Any, embedder: Any) -> Any:
    """An app of its own: Schemathesis runs the lifespan around each call (and closes the store after)."""
    settings = semantic_corpus.settings.model_copy(update={"api_warm_search": False})
    return create_app(settings, embedder=embedder)


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


# Schemathesis' pytest plugin does not run under pytest 9 here, so each operation is driven with
# Hypothesis directly: the same strategies and checks, one test per operation and generation mode.
OPERATIONS = ["GET /health", "GET /priorities", "GET /priorities/{priority_id}/quotes", "GET /statements",
              "GET /statements/export", "GET /statements/{statement_id}", "GET /passages/search",
              "GET /passages/export", "GET /scores/monthly", "POST /jobs/crawl", "POST /jobs/analyze",
              "GET /jobs/{job_id}"]


def test_the_fuzzed_list_covers_every_operation(fuzz_app: Any) -> None:
    # /report (HTML) and the score comparisons belong to the report page; everything else is fuzzed.
    labels = {op.label for op in _operations(fuzz_app)}
    assert set(OPERATIONS) <= labels
    assert labels - set(OPERATIONS) <= {"GET /report", "GET /scores/compare", "GET /report.png",
                                        "GET /report/heatmap.png"}, labels - set(OPERATIONS)


@pytest.mark.parametrize(("label", "mode"), [
    (label, mode) for label in OPERATIONS for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # without parameters there is nothing invalid to send
    if not (mode == GenerationMode.NEGATIVE and label in ("GET /health", "GET /priorities"))
])
def test_operation_answers_within_its_schema(fuzz_app: Any, label: str, mode: Any) -> None:
    operation = next(op for op in _operations(fuzz_app) if op.label == label)
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def run(case: Any) -> None:
        response = case.call_and_validate(checks=CHECKS)
        # 503 is documented (store down), but here the store is up: a 503 would hide real answers.
        assert response.status_code != 503, response.text
        statuses.append(response.status_code)

    run()
    assert statuses, "no request was generated"
    if mode == GenerationMode.POSITIVE and label in ("GET /statements", "GET /passages/search"):
        assert 200 in statuses, statuses  # the generator does reach the search itself


def test_the_schema_has_an_example_for_every_search_endpoint(semantic_client: TestClient) -> None:
    spec = semantic_client.get("/openapi.json").json()
    missing = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if f"{method.upper()} {path}" not in OPERATIONS or path == "/scores/monthly":
                continue  # the report page's endpoints are documented by their own tests
            ok = op.get("responses", {}).get("200") or op.get("responses", {}).get("202") or {}
            contents = ok.get("content", {})
            examples = [c.get("example") or c.get("examples") for c in contents.values()]
            refs = [c.get("schema", {}).get("$ref") for c in contents.values()]
            has_schema_example = any(
                r and spec["components"]["schemas"][r.rsplit("/", 1)[1]].get("examples") for r in refs)
            if not (any(examples) or has_schema_example):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
