"""The v2 monthly score formula pinned on hand-computed cases, its context (deltas, baseline, silence
streak) and the group filters, over a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.scores import (
    FORMULA_VERSION,
    ScoreFilters,
    code_version,
    compare,
    components,
    monthly_scores,
    score_month,
    why_matched,
    wilson_interval,
)
from core.store.base import MonthPriorityAggregate
from core.store.sqlite import SQLiteStore
from tests.store.factory import AGENDA, MODEL, match, split, statement, unit_vectors


def agg(statements: int, addressing: int, top: list[tuple[float, str, str]]) -> MonthPriorityAggregate:
    """An aggregate with (score, level, stance) top matches (every match its own passage)."""
    return MonthPriorityAggregate(
        month="2024-01", priority="P1", statements=statements, addressing=addressing, passages=len(top),
        explicit_passages=sum(1 for _, lv, _ in top if lv == "explicit"),
        top=[(f"p{i}", f"s{i}", s, lv, st) for i, (s, lv, st) in enumerate(top)])


# --- the formula on hand-computed cases ------------------------------------------------------------

def test_no_statements_in_the_month() -> None:
    c = components(agg(0, 0, []))
    assert (c.coverage, c.intensity, c.explicitness, c.score, c.score_low, c.score_high) == (0, 0, 0, 0, 0, 0)
    assert (c.coverage_low, c.coverage_high) == (0.0, 1.0)  # nothing said: nothing known


def test_statements_but_none_addressing() -> None:
    c = components(agg(12, 0, []))
    assert (c.score, c.score_low, c.score_high) == (0.0, 0.0, 0.0)
    # Wilson upper bound for 0 of n is z^2 / (n + z^2) = 3.8416 / 15.8416
    assert c.coverage_high == pytest.approx(0.2425, abs=1e-4)


def test_one_statement_one_explicit_condemnation() -> None:
    # coverage 1/1 -> 1.0 (saturated); intensity 0.8 x 1.0 x 1.0 = 0.8; explicitness 1/1
    # score = 100 x (0.5 x 1 + 0.35 x 0.8 + 0.15 x 1) = 93.0
    c = components(agg(1, 1, [(0.8, "explicit", "condemnation")]))
    assert (c.intensity, c.explicitness, c.score) == (0.8, 1.0, 93.0)
    # one statement is little evidence: Wilson low for 1/1 is n / (n + z^2) = 0.2065, so the band
    # reaches down to 100 x (0.5 x 0.2065 / 0.25 + 0.28 + 0.15) = 84.3
    assert c.coverage_low == pytest.approx(0.2065, abs=1e-4)
    assert (c.score_low, c.score_high) == (84.3, 93.0)
    assert score_month(agg(1, 1, [(0.8, "explicit", "condemnation")])) == (0.8, 93.0)


def test_intensity_is_the_mean_of_the_top_three_weighted_matches() -> None:
    # 0.9x1x1 = 0.9, 0.8x0.6x0.85 = 0.408, 0.5x1x0.7 = 0.35 -> 0.55267; the fourth match is ignored.
    # explicitness 3 of 4 passages = 0.75; coverage 2/20 = 0.1 -> 0.4
    # score = 100 x (0.2 + 0.35 x 0.55267 + 0.15 x 0.75) = 50.6
    c = components(agg(20, 2, [(0.9, "explicit", "call_to_action"), (0.8, "implicit", "concern"),
                               (0.5, "explicit", "mention"), (0.45, "explicit", "commitment")]))
    assert c.intensity == pytest.approx((0.9 + 0.408 + 0.35) / 3, abs=1e-4)
    assert c.explicitness == 0.75
    assert c.score == 50.6


def test_fewer_than_three_matches_average_what_there_is() -> None:
    # 0.6 x 0.6 x 0.7 = 0.252; coverage 1/8 -> 0.5; implicit only: explicitness 0
    # 100 x (0.25 + 0.35 x 0.252) = 33.8
    assert score_month(agg(8, 1, [(0.6, "implicit", "mention")])) == (0.252, 33.8)


def test_coverage_saturates_at_a_quarter_and_is_normalised_by_what_was_said() -> None:
    top = [(1.0, "explicit", "commitment")]
    assert score_month(agg(4, 1, top))[1] == 100.0  # exactly 25 %
    assert score_month(agg(4, 4, top))[1] == 100.0  # 100 % scores no higher
    # the same one statement in a month in which the SG said 10 things: 100 x (0.2 + 0.35 + 0.15)
    assert score_month(agg(10, 1, top))[1] == 70.0


def test_strong_month_beats_weak_month_with_same_coverage() -> None:
    # strong: intensity (0.9 + 0.7) / 2 = 0.8, all explicit, coverage 0.2 -> 0.8: 100 x (0.4 + 0.28 + 0.15)
    strong = score_month(agg(10, 2, [(0.9, "explicit", "condemnation"), (0.7, "explicit", "call_to_action")]))
    # weak: (0.5x0.6x0.7 + 0.45x0.6x0.7) / 2 = 0.1995, implicit: 100 x (0.4 + 0.35 x 0.1995) = 47.0
    weak = score_month(agg(10, 2, [(0.5, "implicit", "mention"), (0.45, "implicit", "mention")]))
    assert strong == (0.8, 83.0)
    assert weak == (0.1995, 47.0)


def test_wilson_interval_known_value() -> None:
    lo, hi = wilson_interval(3, 10)  # the textbook 95 % Wilson interval for 3 of 10
    assert (round(lo, 4), round(hi, 4)) == (0.1078, 0.6032)


def test_why_matched_names_cues_and_exemplar() -> None:
    why = why_matched({"cues": {"strong": ["defenders"], "point": ["jailed", "defenders"]},
                       "closest_exemplars": [{"exemplar": "Defenders are jailed.", "similarity": 0.61}]},
                      "explicit", "call_to_action")
    assert why == ("explicit · call to action; cue words: defenders, jailed; "
                   "closest agenda example (similarity 0.61): “Defenders are jailed.”")
    assert why_matched(None, "implicit", "mention") == "implicit · mention"


def test_term_filter_intersects_the_period() -> None:
    assert ScoreFilters(term="ban", date_from=date(2015, 6, 1)).date_range() == (date(2015, 6, 1),
                                                                                   date(2016, 12, 31))
    assert ScoreFilters(term="next").date_range() == (date(2027, 1, 1), None)
    assert ScoreFilters(term="guterres", date_to=date(2010, 1, 31)).date_range() is None
    with pytest.raises(ValueError, match="venue: unknown value"):
        ScoreFilters(venue="pub")


# --- over a real store -----------------------------------------------------------------------------

@pytest.fixture
def scored_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """Jan: 4 statements (P1 in two, P2 in one of them too); Feb: 1 about P2; May: 1 implicitly about P1."""
    store = SQLiteStore(tmp_path / "scores.sqlite3")
    jan = [statement(f"j{i}", f"Defenders sentence {i}. Other sentence {i}", day=date(2024, 1, 3 + i))
           for i in range(4)]
    feb = statement("f", "Reprisals must end. Thank you", day=date(2024, 2, 2), doc_type="message")
    may = statement("m", "Journalists are detained. Thank you", day=date(2024, 5, 7),
                    speaker_role="Spokesperson", location="Security Council")
    store.upsert_statements([*jan, feb, may])
    plan = {
        jan[0].id: lambda ps: [match(ps[0], "P1", 0.9, stance="condemnation"), match(ps[1], "P1", 0.5, "implicit")],
        # one statement addressing two priorities counts in both coverages
        jan[1].id: lambda ps: [match(ps[0], "P1", 0.7, stance="concern"),
                               match(ps[1], "P2", 0.6, stance="call_to_action")],
        feb.id: lambda ps: [match(ps[0], "P2", 0.8, stance="call_to_action")],
        may.id: lambda ps: [match(ps[0], "P1", 0.6, "implicit")],
    }
    for st in [*jan, feb, may]:
        ps = split(st)
        make = plan.get(st.id)
        store.save_analysis(st.id, ps, unit_vectors(len(ps)), make(ps) if make else [], AGENDA, MODEL)
    yield store
    store.close()


def test_monthly_scores_over_a_store(scored_store: SQLiteStore) -> None:
    scores = monthly_scores(scored_store, AGENDA, ["P1", "P2", "P3"], MODEL, evidence_k=2)
    got = {(s.month, s.priority): s for s in scores}
    assert [(s.month, s.priority) for s in scores][:4] == [("2024-01", "P1"), ("2024-01", "P2"),
                                                           ("2024-01", "P3"), ("2024-02", "P1")]
    jan_p1 = got[("2024-01", "P1")]
    # intensity: 0.9, 0.7 x 0.85 = 0.595, 0.5 x 0.6 x 0.7 = 0.21 -> 0.56833; explicit 2 of 3 passages
    # coverage 2/4 -> saturated: 100 x (0.5 + 0.35 x 0.56833 + 0.15 x 0.66667) = 79.9
    assert (jan_p1.statements, jan_p1.addressing, jan_p1.share, jan_p1.passages, jan_p1.explicit_passages) == (
        4, 2, 0.5, 3, 2)
    assert jan_p1.intensity == pytest.approx(0.5683, abs=1e-4)
    assert jan_p1.score == 79.9
    assert (jan_p1.agenda_version, jan_p1.model, jan_p1.formula_version) == (AGENDA, MODEL, FORMULA_VERSION)
    assert jan_p1.code_version == code_version() and "+scores." in jan_p1.code_version
    assert [(e.score, e.text, e.stance) for e in jan_p1.evidence] == [
        (0.9, "Defenders sentence 0", "condemnation"), (0.7, "Defenders sentence 1", "concern")]
    assert jan_p1.evidence[0].date == date(2024, 1, 3)
    assert jan_p1.evidence[0].url.endswith("/j0") and jan_p1.evidence[0].statement_title == "Remarks j0"
    assert jan_p1.evidence[0].why.startswith("explicit · condemnation")
    # P2 in January: 1 of 4 statements (= 25 %, saturated), 0.6 call to action, explicit: 86.0
    assert got[("2024-01", "P2")].score == 86.0
    assert (got[("2024-01", "P3")].score, got[("2024-01", "P3")].evidence) == (0.0, [])
    feb_p2 = got[("2024-02", "P2")]
    assert (feb_p2.statements, feb_p2.addressing, feb_p2.intensity, feb_p2.score) == (1, 1, 0.8, 93.0)
    assert feb_p2.few_statements and jan_p1.few_statements  # 1 and 4 statements: fewer than 5
    assert got[("2024-02", "P1")].score == 0.0


def test_change_baseline_and_silence_streak(scored_store: SQLiteStore) -> None:
    got = {(s.month, s.priority): s for s in monthly_scores(scored_store, AGENDA, ["P1", "P2", "P3"], MODEL)}
    jan_p1, feb_p1, may_p1 = got[("2024-01", "P1")], got[("2024-02", "P1")], got[("2024-05", "P1")]
    assert (jan_p1.previous_month, jan_p1.delta_previous, jan_p1.baseline, jan_p1.silence_streak) == (
        None, None, None, 0)
    assert (feb_p1.previous_month, feb_p1.delta_previous, feb_p1.baseline, feb_p1.delta_baseline) == (
        "2024-01", -79.9, 79.9, -79.9)
    # May: addressed, but only implicitly: 100 x (0.5 + 0.35 x 0.252) = 58.8; the silence goes on
    assert may_p1.score == 58.8
    assert (may_p1.silence_streak, may_p1.last_explicit) == (4, "2024-01")
    assert (may_p1.previous_month, may_p1.delta_previous) == ("2024-02", 58.8)
    # baseline: Jan 79.9 and Feb 0.0 (months without statements do not count) -> 40.0 (rounded 39.95)
    assert (may_p1.baseline, may_p1.baseline_months) == (40.0, 2)
    may_p2 = got[("2024-05", "P2")]
    assert (may_p2.silence_streak, may_p2.last_explicit) == (3, "2024-02")
    assert (may_p2.baseline, may_p2.delta_baseline) == (89.5, -89.5)  # mean of 86.0 and 93.0
    # never addressed: the streak counts every month of the record, this one included
    assert (got[("2024-01", "P3")].silence_streak, got[("2024-05", "P3")].silence_streak) == (1, 5)
    assert got[("2024-05", "P3")].last_explicit is None


def test_context_reads_history_before_the_period(scored_store: SQLiteStore) -> None:
    [may_p1] = monthly_scores(scored_store, AGENDA, ["P1"], MODEL, date_from=date(2024, 5, 1))
    assert (may_p1.month, may_p1.previous_month, may_p1.silence_streak, may_p1.baseline) == (
        "2024-05", "2024-02", 4, 40.0)


def test_monthly_scores_accepts_an_agenda_object_and_date_range(scored_store: SQLiteStore) -> None:
    agenda = SimpleNamespace(version=AGENDA, priorities=[SimpleNamespace(id="P2"), SimpleNamespace(id="P1")])
    scores = monthly_scores(scored_store, agenda, None, MODEL, date_from=date(2024, 2, 1), date_to=date(2024, 2, 29))
    assert [(s.month, s.priority, s.score) for s in scores] == [("2024-02", "P2", 93.0), ("2024-02", "P1", 0.0)]


def test_venue_and_speaker_filters_count_only_their_statements(scored_store: SQLiteStore) -> None:
    messages = monthly_scores(scored_store, AGENDA, ["P2"], MODEL, filters=ScoreFilters(venue="message"))
    assert [(s.month, s.statements, s.score) for s in messages] == [("2024-02", 1, 93.0)]
    council = monthly_scores(scored_store, AGENDA, ["P1"], MODEL, filters=ScoreFilters(venue="security_council"))
    assert [(s.month, s.statements, s.score) for s in council] == [("2024-05", 1, 58.8)]
    spokes = monthly_scores(scored_store, AGENDA, ["P1"], MODEL, filters=ScoreFilters(speaker="spokesperson"))
    assert [s.month for s in spokes] == ["2024-05"]
    sg = monthly_scores(scored_store, AGENDA, ["P1"], MODEL, filters=ScoreFilters(speaker="sg"))
    assert [(s.month, s.statements) for s in sg] == [("2024-01", 4), ("2024-02", 1)]
    assert monthly_scores(scored_store, AGENDA, ["P1"], MODEL, filters=ScoreFilters(term="ban")) == []


def test_compare_by_speaker_is_the_mean_of_monthly_scores(scored_store: SQLiteStore) -> None:
    agenda = SimpleNamespace(version=AGENDA, priorities=[SimpleNamespace(id="P1"), SimpleNamespace(id="P2")])
    rows = {(g.group, g.priority): g for g in compare(scored_store, agenda, MODEL, "speaker")}
    sg_p1 = rows[("sg", "P1")]
    # SG months: Jan (P1 79.9) and Feb (P1 0.0) -> mean 40.0 (39.95 rounded); best month January
    assert (sg_p1.months, sg_p1.statements, sg_p1.addressing, sg_p1.months_addressed) == (2, 5, 2, 1)
    assert (sg_p1.mean_score, sg_p1.best_month, sg_p1.best_score) == (40.0, "2024-01", 79.9)
    assert [e.text for e in sg_p1.evidence] == ["Defenders sentence 0", "Defenders sentence 1"]
    assert (rows[("spokesperson", "P1")].mean_score, rows[("dsg", "P1")].months) == (58.8, 0)
    assert rows[("dsg", "P1")].mean_score == 0.0 and rows[("dsg", "P1")].evidence == []
