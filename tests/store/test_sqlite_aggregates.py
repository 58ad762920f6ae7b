"""SQLite monthly aggregates from memory agree with the SQL ones, and cached scores follow every write."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.scores import ScoreFilters, monthly_scores
from core.store.sqlite import SQLiteStore
from tests.store.factory import AGENDA, MODEL, match, split, statement, unit_vectors

PRIORITIES = ["P1", "P2", "P3", "P4"]


@pytest.fixture
def varied(tmp_path: Path) -> SQLiteStore:
    """60 statements over 14 months, two sources, types and speakers, some undated, matched by two models."""
    rng = random.Random(5)
    store = SQLiteStore(tmp_path / "agg.sqlite3")
    sts = []
    for i in range(60):
        day = None if i % 17 == 0 else date(2023, 1, 1) + timedelta(days=rng.randrange(0, 420))
        sts.append(statement(
            f"s{i:02d}", f"Sentence one of {i}. Sentence two of {i}. Sentence three of {i}", day=day,
            source="press.un.org" if i % 3 == 0 else "un.org/sg",
            doc_type=rng.choice(["speech", "message", "press_encounter"]),
            speaker_role=rng.choice(["Secretary-General", "Deputy Secretary-General"]),
            title=f"Remarks to the Security Council {i}" if i % 4 == 0 else f"Remarks {i}"))
    store.upsert_statements(sts)
    for st in sts:
        ps = split(st)
        for model in (MODEL, "other-model"):
            ms = [match(p, rng.choice(PRIORITIES), rng.choice([0.5, 0.7, round(rng.random(), 3)]),
                        rng.choice(["explicit", "implicit"]), rng.choice(["mention", "concern", "commitment"]))
                  for p in ps if rng.random() < 0.6]
            for m in ms:
                m.model = model
            store.save_analysis(st.id, ps, unit_vectors(len(ps), seed=len(st.text)), ms, AGENDA, model)
    return store


FILTERS = [
    {},
    {"date_from": date(2023, 3, 1), "date_to": date(2023, 11, 30)},
    {"source": "press.un.org"},
    {"source": "un.org/sg", "doc_type": "message"},
    {"speaker_role": "Deputy Secretary-General", "date_from": date(2023, 6, 1)},
    {"doc_type": "no such type"},
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("priorities", [None, ["P2", "P1", "P9"]])
@pytest.mark.parametrize("top_k", [0, 2, 5])
def test_memory_aggregates_equal_sql(varied: SQLiteStore, filters: dict, priorities: list[str] | None,
                                     top_k: int) -> None:
    fast = varied.monthly_aggregates(AGENDA, priorities=priorities, top_k=top_k, **filters)
    varied._aggregates_in_memory = False
    try:
        slow = varied.monthly_aggregates(AGENDA, priorities=priorities, top_k=top_k, **filters)
    finally:
        varied._aggregates_in_memory = True
    assert fast == slow
    if filters.get("doc_type") != "no such type":
        assert any(a.addressing for a in fast)  # the comparison is about real numbers, not empty lists


def test_scores_from_memory_equal_scores_from_sql(varied: SQLiteStore) -> None:
    f = ScoreFilters(date_from=date(2023, 4, 1), date_to=date(2024, 1, 31), source="un.org/sg")
    fast = monthly_scores(varied, AGENDA, PRIORITIES, MODEL, filters=f, evidence_k=3)
    varied._aggregates_in_memory = False
    fresh = SQLiteStore(varied.path)  # no memo, SQL aggregates, evidence read per statement
    fresh._aggregates_in_memory = False
    slow = monthly_scores(fresh, AGENDA, PRIORITIES, MODEL, filters=f, evidence_k=3)
    assert [s.model_dump() for s in fast] == [s.model_dump() for s in slow]
    assert sum(len(s.evidence) for s in fast) > 10


def test_cached_scores_follow_writes(varied: SQLiteStore, tmp_path: Path) -> None:
    first = monthly_scores(varied, AGENDA, ["P1"], MODEL, evidence_k=2)
    again = monthly_scores(varied, AGENDA, ["P1"], MODEL, evidence_k=2)
    assert [s.model_dump() for s in first] == [s.model_dump() for s in again]
    # A new statement in a new month through this store, then through another connection.
    extra = statement("late", "Defenders matter. A second sentence", day=date(2025, 6, 3))
    varied.upsert_statements([extra])
    ps = split(extra)
    varied.save_analysis(extra.id, ps, unit_vectors(len(ps)), [match(ps[0], "P1", 0.95)], AGENDA, MODEL)
    after = {s.month: s for s in monthly_scores(varied, AGENDA, ["P1"], MODEL, evidence_k=2)}
    assert after["2025-06"].addressing == 1 and after["2025-06"].evidence[0].passage_id == ps[0].id
    other = SQLiteStore(varied.path)
    more = statement("later", "Another text. Nothing", day=date(2025, 7, 9))
    other.upsert_statements([more])
    other.close()
    months = {s.month for s in monthly_scores(varied, AGENDA, ["P1"], MODEL, evidence_k=2)}
    assert "2025-07" in months
