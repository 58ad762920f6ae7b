"""Monthly compliance scores per agenda priority.

THE FORMULA (v1)

    coverage  = addressing / statements            (0 when statements == 0)
    strength  = mean over the top 3 matches of  score × level_weight × stance_weight
                level_weight: explicit 1.0, implicit 0.6
                stance_weight: mention 0.7, concern 0.85, condemnation 1.0, call_to_action 1.0,
                commitment 1.0                      (0 when no match)
    score     = 100 × (0.5 × min(1, coverage / 0.25) + 0.5 × strength), rounded to 1 decimal;
                0 when no statement addresses the priority.

(coverage saturates at 25 %: a priority raised in a quarter of a month's statements is full coverage;
few SG texts are about defenders, and a monthly share above that is rare.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from core.models import Evidence, MonthlyScore, Passage, Statement
from core.store.base import MonthPriorityAggregate, Store

FORMULA_VERSION = "v1"
TOP_MATCHES = 3
COVERAGE_SATURATION = 0.25
LEVEL_WEIGHTS: dict[str, float] = {"explicit": 1.0, "implicit": 0.6}
STANCE_WEIGHTS: dict[str, float] = {
    "mention": 0.7,
    "concern": 0.85,
    "condemnation": 1.0,
    "call_to_action": 1.0,
    "commitment": 1.0,
}


def match_weight(score: float, level: str, stance: str) -> float:
    """One match's contribution to strength: score × level_weight × stance_weight."""
    return score * LEVEL_WEIGHTS.get(level, 0.0) * STANCE_WEIGHTS.get(stance, 0.0)


def score_month(agg: MonthPriorityAggregate) -> tuple[float, float]:
    """(strength, score) of one month x priority by the v1 formula (module docstring)."""
    top = agg.top[:TOP_MATCHES]
    strength = sum(match_weight(s, level, stance) for _, _, s, level, stance in top) / len(top) if top else 0.0
    if agg.addressing == 0 or agg.statements == 0:
        return round(strength, 4), 0.0
    coverage = agg.addressing / agg.statements
    score = 100.0 * (0.5 * min(1.0, coverage / COVERAGE_SATURATION) + 0.5 * strength)
    return round(strength, 4), round(score, 1)


def _agenda_parts(agenda: Any, priorities: Sequence[str] | None) -> tuple[str, list[str] | None]:
    """Accept an agenda version string, or any object with .version and .priorities[*].id."""
    if isinstance(agenda, str):
        return agenda, list(priorities) if priorities is not None else None
    version = str(agenda.version)
    if priorities is None:
        priorities = [p.id for p in agenda.priorities]
    return version, list(priorities)


def monthly_scores(store: Store, agenda_version: Any, priority_ids: Sequence[str] | None, model: str,
                   date_from: date | None = None, date_to: date | None = None, source: str | None = None,
                   evidence_k: int = 3) -> list[MonthlyScore]:
    """Monthly scores for every month with statements x every priority, with the top matches as evidence.

    ``agenda_version`` is the version string (or an agenda object with ``.version`` and
    ``.priorities``); ``priority_ids`` None means the agenda's priority ids (with a plain version
    string: those that have matches). Ordered by month, then priority in the order given.
    """
    version, prio_ids = _agenda_parts(agenda_version, priority_ids)
    aggs = store.monthly_aggregates(version, date_from=date_from, date_to=date_to, priorities=prio_ids,
                                    top_k=max(TOP_MATCHES, evidence_k), source=source)
    statements: dict[str, Statement | None] = {}
    passages: dict[str, dict[str, Passage]] = {}

    def evidence(entry: tuple[str, str, float, str, str]) -> Evidence | None:
        pid, sid, score, level, stance = entry
        if sid not in statements:
            statements[sid] = store.statement(sid)
            passages[sid] = {p.id: p for p in store.passages(sid)}
        st, passage = statements[sid], passages[sid].get(pid)
        if st is None or passage is None:
            return None
        return Evidence(passage_id=pid, statement_id=st.id, statement_title=st.title, url=st.url,
                        date=st.effective_date, text=passage.text, score=score, level=level,  # type: ignore[arg-type]
                        stance=stance)  # type: ignore[arg-type]

    out = []
    for agg in aggs:
        strength, score = score_month(agg)
        ev = [e for e in (evidence(t) for t in agg.top[:max(0, evidence_k)]) if e is not None]
        out.append(MonthlyScore(
            month=agg.month, priority=agg.priority, statements=agg.statements, addressing=agg.addressing,
            share=round(agg.addressing / agg.statements, 4) if agg.statements else 0.0,
            passages=agg.passages, explicit_passages=agg.explicit_passages, strength=strength, score=score,
            agenda_version=version, model=model, evidence=ev))
    return out
