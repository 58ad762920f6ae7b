"""SQLite-specific behaviour: query translation, schema and migration, files, errors, the factory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.config import Settings
from core.errors import ConfigError, StoreError
from core.store import open_store
from core.store.base import StatementFilters, Store
from core.store.sqlite import SCHEMA_VERSION, SQLiteStore, to_fts5_query
from tests.store.factory import statement


@pytest.mark.parametrize(("q", "expected"), [
    ("human rights", '"human" AND "rights"'),
    ('"civic space" AND reprisals', '"civic space" AND "reprisals"'),
    ("a OR b NOT c", '"a" OR ("b" NOT "c")'),
    ("x AND NOT y", '"x" NOT "y"'),
    ("NOT y x", '"x" NOT "y"'),
    ("a AND (b OR c)", '"a" AND ("b" OR "c")'),
    ("(a OR b) NOT (c OR d)", '("a" OR "b") NOT ("c" OR "d")'),
    ("NOT x", None),  # only an exclusion: nothing to search for, nothing matches
    ("defend*", '"defend"*'),
    ('"human rights"*', '"human rights"*'),
    ("human-rights", '"human rights"'),
    ("and or not", '"and" AND "or" AND "not"'),  # lower-case operators are words
    # Malformed: plain AND of quoted words.
    ("((a", '"a"'),
    ("a)", '"a"'),
    ("x AND", '"x"'),
    ("x AND OR y", '"x" AND "y"'),
    ('"open phrase', '"open" AND "phrase"'),
    ("NEAR(a b, 3)", '"NEAR" AND ("a" AND "b" AND "3")'),
    ("x\x00y", '"x" AND "y"'),
    ("'; DROP TABLE statements; --", '"DROP" AND "TABLE" AND "statements"'),
    ("*", None),
    ("AND OR", None),
    ("", None),
])
def test_query_translation(q: str, expected: str | None) -> None:
    assert to_fts5_query(q) == expected


def test_huge_query_is_capped() -> None:
    expr = to_fts5_query("word " * 50_000)
    assert expr is not None and expr.count('"word"') == 32


def test_translated_queries_are_valid_fts5(tmp_path: Path) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    for q in ['"a" b', "a OR NOT b", "((a", "NEAR(a", "a:b", "^a", "-a", "a*b*", '"*"*', "x" * 5000]:
        expr = to_fts5_query(q)
        if expr is not None:
            conn.execute("SELECT * FROM t WHERE t MATCH ?", (expr,)).fetchall()


def test_schema_version_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = SQLiteStore(path)
    store.upsert_statements([statement("a", "Persisted words")])
    store.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    reopened = SQLiteStore(path)
    try:
        assert reopened._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert reopened.search_statements("persisted", StatementFilters()).total == 1
    finally:
        reopened.close()


def test_migration_adds_columns_for_new_mapping_fields(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE statements DROP COLUMN location")  # an older file without this field
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    try:
        store.upsert_statements([statement("a", "Words", location="Geneva")])
        assert store.statement(statement("a", "Words").id).location == "Geneva"  # type: ignore[union-attr]
    finally:
        store.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_sqlite_errors_become_store_errors(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError):
        SQLiteStore(tmp_path / "dir.sqlite3")
    store = SQLiteStore(tmp_path / "ok.sqlite3")
    store.close()
    with pytest.raises(StoreError):
        store.stats()


def test_open_store_factory(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path / "data"))
    try:
        assert isinstance(store, SQLiteStore) and isinstance(store, Store)
        assert (tmp_path / "data" / "sgwatch.sqlite3").exists()
    finally:
        store.close()
    with pytest.raises(ConfigError, match="SGWATCH_ELASTICSEARCH_URL"):
        open_store(Settings(data_dir=tmp_path, store="elasticsearch", elasticsearch_url=None))


def test_vector_cache_sees_writes_from_another_connection(tmp_path: Path) -> None:
    import numpy as np

    from tests.store.factory import AGENDA, MODEL, split

    path = tmp_path / "shared.sqlite3"
    api, worker = SQLiteStore(path), SQLiteStore(path)
    try:
        a, b = statement("a", "First body"), statement("b", "Second body")
        worker.upsert_statements([a, b])
        e0, e1 = np.eye(8, dtype=np.float32)[0], np.eye(8, dtype=np.float32)[1]
        worker.save_analysis(a.id, split(a), e0[None, :], [], AGENDA, MODEL)
        first = api.search_passages(None, StatementFilters(), mode="semantic", query_vector=e1)
        assert [h.passage.statement_id for h in first.items] == [a.id]
        worker.save_analysis(b.id, split(b), e1[None, :], [], AGENDA, MODEL)
        second = api.search_passages(None, StatementFilters(), mode="semantic", query_vector=e1)
        assert [h.passage.statement_id for h in second.items] == [b.id, a.id]
        assert second.items[0].score == 1.0
    finally:
        api.close()
        worker.close()
