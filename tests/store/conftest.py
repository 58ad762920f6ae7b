"""The `store` fixture: every contract test runs once per backend (SQLite always, Elasticsearch when set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings
from core.store.base import Store


def _make_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        from core.store.sqlite import SQLiteStore

        return SQLiteStore(tmp_path / "contract.sqlite3")
    if not Settings().elasticsearch_url:
        pytest.skip("SGWATCH_ELASTICSEARCH_URL not set: Elasticsearch contract tests need a real server")
    pytest.skip("ElasticStore not implemented yet (issue 7)")


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each backend."""
    s = _make_store(request.param, tmp_path)
    yield s
    s.close()
