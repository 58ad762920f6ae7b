"""The `store` fixture: every contract test runs once per backend (SQLite always, Elasticsearch when set)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings
from core.store.base import Store


def elastic_url() -> str:
    """The real Elasticsearch server of the run, or a visible skip (never a fake or mocked server)."""
    url = Settings().elasticsearch_url
    if not url:
        pytest.skip("SGWATCH_ELASTICSEARCH_URL not set: Elasticsearch contract tests need a real server "
                    "(`docker compose up -d elasticsearch`, then SGWATCH_ELASTICSEARCH_URL=http://localhost:9200)")
    return url


def _make_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        from core.store.sqlite import SQLiteStore

        return SQLiteStore(tmp_path / "contract.sqlite3")
    from core.store.elastic import ElasticStore

    # Own indexes per test (a unique prefix), dropped afterwards; vector dims left to the first vector
    # stored because the contract uses 8- and 384-dimensional vectors.
    return ElasticStore(elastic_url(), f"sgwatch-test-{uuid.uuid4().hex[:12]}", vector_dims=0)


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each backend."""
    s = _make_store(request.param, tmp_path)
    yield s
    drop = getattr(s, "drop_indices", None)
    try:
        if drop is not None:
            drop()
    finally:
        s.close()
