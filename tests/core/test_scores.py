"""The v1 monthly score formula, pinned on hand-computed cases, and monthly_scores over a real store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.scores import monthly_scores, score_month
from core.store.base import MonthPriorityAggregate
from core.store.sqlite import SQLiteStore
from tests.store.factory import AGENDA, MODEL, match, split, statement, unit_vectors


def agg(statements: int, addressing: int, top: list[tuple[float, str, str]]) -> MonthPriorityAggregate:
    """An aggregate with (score, level, stance) top matches."""
    return MonthPriorityAggregate(
        month="2024-01", priority="P1", statements=statements, addressing=addressing, passages=len(top),
        explicit_passages=sum(1 for _, lv, _ in top if lv == "explicit"),
        top=[(f"p{i}", f"s{i}", s, lv, st) for i, (s, lv, st) in enumerate(top)])


def test_no_statements_in_the_month() -> None:
    assert score_month(agg(0, 0, [])) == (0.0, 0.0)


def test_statements_but_none_addressing() -> None:
    assert score_month(agg(12, 0, [])) == (0.0, 0.0)


def test_one_statement_one_explicit_condemnation() -> None:
    # coverage 1/1 -> saturated 1.0; strength 0.8 x 1.0 x 1.0 = 0.8; 100 x (0.5 + 0.4) = 90.0
    assert score_month(agg(1, 1, [(0.8, "explicit", "condemnation")])) == (0.8, 90.0)


def test_strength_is_the_mean_of_the_top_three_weighted_matches() -> None:
    # 0.9x1x1=0.9, 0.8x0.6x0.85=0.408, 0.5x1x0.7=0.35 -> mean 0.5527; the fourth match is ignored.
    # coverage 2/20 = 0.1 -> 0.1/0.25 = 0.4; score = 100 x (0.2 + 0.27633) = 47.6
    a = agg(20, 2, [(0.9, "explicit", "call_to_action"), (0.8, "implicit", "concern"),
                    (0.5, "explicit", "mention"), (0.45, "explicit", "commitment")])
    strength, score = score_month(a)
    assert strength == pytest.approx((0.9 + 0.408 + 0.35) / 3, abs=1e-4)
    assert score == 47.6


def test_fewer_than_three_matches_average_what_there_is() -> None:
    # 0.6 x 0.6 x 0.7 = 0.252; coverage 1/8 = 0.125 -> 0.5; 100 x (0.25 + 0.126) = 37.6
    assert score_month(agg(8, 1, [(0.6, "implicit", "mention")])) == (0.252, 37.6)


def test_coverage_saturates_at_a_quarter() -> None:
    top = [(1.0, "explicit", "commitment")]
    assert score_month(agg(4, 1, top))[1] == 100.0  # exactly 25 %
    assert score_month(agg(4, 4, top))[1] == 100.0  # 100 % scores no higher
    assert score_month(agg(10, 1, top))[1] == 70.0  # 10 % -> 0.4 -> 100 x (0.2 + 0.5)


def test_strong_month_beats_weak_month_with_same_coverage() -> None:
    strong = score_month(agg(10, 2, [(0.9, "explicit", "condemnation"), (0.8, "explicit", "call_to_action")]))
    weak = score_month(agg(10, 2, [(0.5, "implicit", "mention"), (0.45, "implicit", "mention")]))
    # strong: strength 0.85, coverage 0.2 -> 0.8: 100 x (0.4 + 0.425) = 82.5
    assert strong == (0.85, 82.5)
    # weak: strength (0.21 + 0.189)/2 = 0.1995: 100 x (0.4 + 0.09975) = 50.0
    assert weak == (0.1995, 50.0)
    assert strong[1] > weak[1]


@pytest.fixture
def scored_store(tmp_path: Path) -> SQLiteStore:
    """Jan: 4 statements, 2 about P1; Feb: 1 statement about P2; hand-made analyses."""
    store = SQLiteStore(tmp_path / "scores.sqlite3")
    jan = [statement(f"j{i}", f"Defenders sentence {i}. Other sentence {i}", day=date(2024, 1, 3 + i)) for i in range(4)]
    feb = statement("f", "Reprisals must end. Thank you", day=date(2024, 2, 2))
    store.upsert_statements([*jan, feb])
    plan = {
        jan[0].id: lambda ps: [match(ps[0], "P1", 0.9, stance="condemnation"), match(ps[1], "P1", 0.5, "implicit")],
        jan[1].id: lambda ps: [match(ps[0], "P1", 0.7, stance="concern")],
        feb.id: lambda ps: [match(ps[0], "P2", 0.8, stance="call_to_action")],
    }
    for st in [*jan, feb]:
        ps = split(st)
        make = plan.get(st.id)
        store.save_analysis(st.id, ps, unit_vectors(len(ps)), make(ps) if make else [], AGENDA, MODEL)
    yield store
    store.close()


def test_monthly_scores_over_a_store(scored_store: SQLiteStore) -> None:
    scores = monthly_scores(scored_store, AGENDA, ["P1", "P2"], MODEL, evidence_k=2)
    got = {(s.month, s.priority): s for s in scores}
    assert [(s.month, s.priority) for s in scores] == [("2024-01", "P1"), ("2024-01", "P2"),
                                                       ("2024-02", "P1"), ("2024-02", "P2")]
    jan_p1 = got[("2024-01", "P1")]
    # strength: 0.9 x 1 x 1 = 0.9, 0.7 x 1 x 0.85 = 0.595, 0.5 x 0.6 x 0.7 = 0.21 -> 0.5683
    # coverage 2/4 = 0.5 -> saturated: 100 x (0.5 + 0.28417) = 78.4
    assert (jan_p1.statements, jan_p1.addressing, jan_p1.share, jan_p1.passages, jan_p1.explicit_passages) == (
        4, 2, 0.5, 3, 2)
    assert jan_p1.strength == pytest.approx(0.5683, abs=1e-4)
    assert jan_p1.score == 78.4
    assert (jan_p1.agenda_version, jan_p1.model) == (AGENDA, MODEL)
    assert [(e.score, e.text, e.stance) for e in jan_p1.evidence] == [
        (0.9, "Defenders sentence 0", "condemnation"), (0.7, "Defenders sentence 1", "concern")]
    assert jan_p1.evidence[0].date == date(2024, 1, 3)
    assert jan_p1.evidence[0].url.endswith("/j0") and jan_p1.evidence[0].statement_title == "Remarks j0"
    assert (got[("2024-01", "P2")].score, got[("2024-01", "P2")].evidence) == (0.0, [])
    feb_p2 = got[("2024-02", "P2")]
    # 1/1 coverage, strength 0.8: 100 x (0.5 + 0.4) = 90.0
    assert (feb_p2.statements, feb_p2.addressing, feb_p2.strength, feb_p2.score) == (1, 1, 0.8, 90.0)
    assert got[("2024-02", "P1")].score == 0.0


def test_monthly_scores_accepts_an_agenda_object_and_date_range(scored_store: SQLiteStore) -> None:
    agenda = SimpleNamespace(version=AGENDA, priorities=[SimpleNamespace(id="P2"), SimpleNamespace(id="P1")])
    scores = monthly_scores(scored_store, agenda, None, MODEL, date_from=date(2024, 2, 1))
    assert [(s.month, s.priority, s.score) for s in scores] == [("2024-02", "P2", 90.0), ("2024-02", "P1", 0.0)]
