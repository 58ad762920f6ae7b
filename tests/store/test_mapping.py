"""Mapping drift: the index_mappings files are the schema; every model field must be declared there."""

from __future__ import annotations

import pytest

from core.models import Match, Passage, Statement
from core.store.base import mapping_fields


@pytest.mark.parametrize(("model", "mapping"), [(Statement, "statements"), (Passage, "passages")])
def test_every_model_field_is_declared_in_the_mapping(model: type, mapping: str) -> None:
    declared = set(mapping_fields(mapping))
    missing = set(model.model_fields) - declared
    assert not missing, f"{model.__name__} fields missing from index_mappings/{mapping}.json: {sorted(missing)}"


def test_match_fields_are_declared_in_the_nested_passage_matches() -> None:
    nested = set(mapping_fields("passages")["matches"]["properties"])
    # passage_id / statement_id are implied by the parent passage document.
    missing = set(Match.model_fields) - nested - {"passage_id", "statement_id"}
    assert not missing, f"Match fields missing from passages.json matches: {sorted(missing)}"


def test_sqlite_columns_come_from_the_mappings(tmp_path) -> None:
    import sqlite3

    from core.store.sqlite import SQLiteStore

    SQLiteStore(tmp_path / "m.sqlite3").close()
    conn = sqlite3.connect(tmp_path / "m.sqlite3")
    try:
        st_cols = {r[1] for r in conn.execute("PRAGMA table_info(statements)")}
        pa_cols = {r[1] for r in conn.execute("PRAGMA table_info(passages)")}
    finally:
        conn.close()
    assert set(mapping_fields("statements")) <= st_cols
    assert set(Passage.model_fields) <= pa_cols
