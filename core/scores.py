"""Monthly compliance scores per agenda priority, their uncertainty and context, and group comparisons.

THE FORMULA (v2), for one month m and one priority k

    statements   = the month's stored SG statements (all of them, matched or not), after the filters
    addressing   = those with at least one passage matched to k
    coverage     = addressing / statements                       (0 when statements == 0)
    intensity    = mean over the month's top 3 matches for k of  score × level_weight × stance_weight
                   level_weight:  explicit 1.0, implicit 0.6
                   stance_weight: mention 0.7, concern 0.85, condemnation / call_to_action / commitment 1.0
    explicitness = explicit matched passages / matched passages  (0 when no passage matched)
    score        = 100 × (0.5 × min(1, coverage / 0.25) + 0.35 × intensity + 0.15 × explicitness),
                   one decimal; 0 when no statement of the month addresses k.

Coverage is a share, so a month in which the SG said more needs more addressing statements for the
same score (the normalisation for how much was said); it saturates at 25 % because few SG texts are
about defenders. The uncertainty band is the Wilson 95 % interval on coverage, carried through the
formula (score_low / score_high); months with fewer than FEW_STATEMENTS statements are flagged.

Context per month x priority: the change against the previous month with statements, against the mean
of the trailing 12 months that had statements (the baseline), and the silence streak: calendar months
since the priority was last addressed explicitly (0 when it was this month; when it never was in the
stored record, the months since the record starts, counting this one). Context is computed over the
whole stored history before the period asked for, with the same source / venue / speaker filters.

Every score carries the agenda version, the model, the formula version and the code version (the
package version and a hash of this file), so a number can be recomputed and compared.
"""

from __future__ import annotations

import gc
import hashlib
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from core.models import Evidence, MonthlyScore, Passage, Statement
from core.store.base import EvidenceDetail, MonthPriorityAggregate, Store

FORMULA_VERSION = "v2"
TOP_MATCHES = 3
COVERAGE_SATURATION = 0.25
W_COVERAGE, W_INTENSITY, W_EXPLICIT = 0.5, 0.35, 0.15
FEW_STATEMENTS = 5
WILSON_Z = 1.96  # 95 %
BASELINE_MONTHS = 12
MEMO_ENTRIES = 32  # monthly results kept per data version (each a few MB with its evidence)
LEVEL_WEIGHTS: dict[str, float] = {"explicit": 1.0, "implicit": 0.6}
STANCE_WEIGHTS: dict[str, float] = {
    "mention": 0.7,
    "concern": 0.85,
    "condemnation": 1.0,
    "call_to_action": 1.0,
    "commitment": 1.0,
}


# --- the comparison groups -------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A Secretary-General's term of office (a date range)."""

    key: str
    label: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Venue:
    """A venue or kind of text: a doc_type, or a phrase in the statement's location or title."""

    key: str
    label: str
    doc_type: str | None = None
    phrase: str | None = None


TERMS: list[Term] = [
    Term("ban", "Ban Ki-moon (2007–2016)", date(2007, 1, 1), date(2016, 12, 31)),
    Term("guterres", "António Guterres (2017–2026)", date(2017, 1, 1), date(2026, 12, 31)),
    Term("next", "Next Secretary-General (2027–)", date(2027, 1, 1), None),
]
VENUES: list[Venue] = [
    Venue("security_council", "Security Council", phrase="Security Council"),
    Venue("human_rights_council", "Human Rights Council", phrase="Human Rights Council"),
    Venue("general_assembly", "General Assembly", phrase="General Assembly"),
    Venue("press_encounter", "Press encounters", doc_type="press_encounter"),
    Venue("message", "Messages", doc_type="message"),
]
SPEAKERS: dict[str, str] = {
    "sg": "Secretary-General",
    "dsg": "Deputy Secretary-General",
    "spokesperson": "Spokesperson",
}
TERM_BY_KEY = {t.key: t for t in TERMS}
VENUE_BY_KEY = {v.key: v for v in VENUES}
GROUPINGS = ("term", "venue", "speaker")


@dataclass(frozen=True)
class ScoreFilters:
    """What a set of scores is restricted to; None means no restriction."""

    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None
    term: str | None = None  # a key of TERMS
    venue: str | None = None  # a key of VENUES
    speaker: str | None = None  # a key of SPEAKERS

    def __post_init__(self) -> None:
        for name, allowed in (("term", TERM_BY_KEY), ("venue", VENUE_BY_KEY), ("speaker", SPEAKERS)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ValueError(f"{name}: unknown value {value!r}, expected one of {', '.join(allowed)}")

    def date_range(self) -> tuple[date | None, date | None] | None:
        """The period after intersecting it with the term; None when they do not overlap."""
        lo, hi = self.date_from, self.date_to
        if self.term is not None:
            t = TERM_BY_KEY[self.term]
            lo = max(lo, t.start) if lo else t.start
            hi = (min(hi, t.end) if hi else t.end) if t.end else hi
        if lo and hi and lo > hi:
            return None
        return lo, hi

    def statement_filters(self) -> dict[str, Any]:
        """The store arguments for source, venue and speaker."""
        v = VENUE_BY_KEY.get(self.venue or "")
        return {"source": self.source, "doc_type": v.doc_type if v else None,
                "mentions": v.phrase if v else None,
                "speaker_role": SPEAKERS[self.speaker] if self.speaker else None}

    def query(self) -> dict[str, str]:
        """The filters as URL query parameters (the API's names)."""
        q = {"from": self.date_from.isoformat() if self.date_from else None,
             "to": self.date_to.isoformat() if self.date_to else None,
             "source": self.source, "term": self.term, "venue": self.venue, "speaker": self.speaker}
        return {k: v for k, v in q.items() if v}


# --- the formula ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Components:
    """The parts of one month x priority score."""

    coverage: float
    coverage_low: float
    coverage_high: float
    intensity: float
    explicitness: float
    score: float
    score_low: float
    score_high: float


def match_weight(score: float, level: str, stance: str) -> float:
    """One match's contribution to intensity: score × level_weight × stance_weight."""
    return score * LEVEL_WEIGHTS.get(level, 0.0) * STANCE_WEIGHTS.get(stance, 0.0)


def wilson_interval(k: int, n: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when n == 0 (nothing is known)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _combine(coverage: float, intensity: float, explicitness: float) -> float:
    return 100.0 * (W_COVERAGE * min(1.0, coverage / COVERAGE_SATURATION) + W_INTENSITY * intensity
                    + W_EXPLICIT * explicitness)


def components(agg: MonthPriorityAggregate) -> Components:
    """Coverage with its interval, intensity, explicitness and the score with its band (v2 formula)."""
    top = agg.top[:TOP_MATCHES]
    intensity = sum(match_weight(s, level, stance) for _, _, s, level, stance in top) / len(top) if top else 0.0
    explicitness = agg.explicit_passages / agg.passages if agg.passages else 0.0
    coverage = agg.addressing / agg.statements if agg.statements else 0.0
    lo, hi = wilson_interval(agg.addressing, agg.statements)
    if agg.addressing == 0 or agg.statements == 0:
        # Nothing was said about k: no intensity to weigh, so the score and its band are 0.
        score = score_low = score_high = 0.0
    else:
        score = round(_combine(coverage, intensity, explicitness), 1)
        score_low = round(_combine(lo, intensity, explicitness), 1)
        score_high = round(_combine(hi, intensity, explicitness), 1)
    return Components(coverage=round(coverage, 4), coverage_low=round(lo, 4), coverage_high=round(hi, 4),
                      intensity=round(intensity, 4), explicitness=round(explicitness, 4), score=score,
                      score_low=score_low, score_high=score_high)


def score_month(agg: MonthPriorityAggregate) -> tuple[float, float]:
    """(intensity, score) of one month x priority."""
    c = components(agg)
    return c.intensity, c.score


# --- months --------------------------------------------------------------------------------------

def month_index(month: str) -> int:
    """YYYY-MM as a count of months, so that differences are calendar months."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_index(i: int) -> str:
    """Inverse of month_index."""
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM month."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    nxt = month_from_index(month_index(month) + 1)
    return first, date(int(nxt[:4]), int(nxt[5:7]), 1) - timedelta(days=1)


def term_of(month: str) -> Term | None:
    """The SG term a month falls in."""
    d = date(int(month[:4]), int(month[5:7]), 1)
    for t in TERMS:
        if t.start <= d and (t.end is None or d <= t.end):
            return t
    return None


@lru_cache(maxsize=1)
def code_version() -> str:
    """sgwatch's version and a hash of this file: changes whenever the scoring code does."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg = version("sgwatch")
    except PackageNotFoundError:  # running from a checkout that was never installed
        pkg = "0+unknown"
    digest = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:10]
    return f"{pkg}+scores.{digest}"


def why_matched(explanation: dict[str, Any] | None, level: str, stance: str) -> str:
    """The matcher's reasons for one passage in words: level, stance, cue words, closest exemplar."""
    parts = [f"{level} · {stance.replace('_', ' ')}"]
    explanation = explanation or {}
    cues: list[str] = []
    raw = explanation.get("cues") or {}
    # The matcher writes {kind: [words]}; older or hand-made analyses may hold a plain list.
    groups = raw.values() if isinstance(raw, dict) else [raw]
    for words in groups:
        for w in words if isinstance(words, list) else [words]:
            if str(w) not in cues:
                cues.append(str(w))
    if cues:
        parts.append("cue words: " + ", ".join(cues[:8]))
    closest = explanation.get("closest_exemplars") or []
    if closest and isinstance(closest[0], dict) and closest[0].get("exemplar"):
        sim = closest[0].get("similarity")
        sim_txt = f" (similarity {float(sim):.2f})" if isinstance(sim, (int, float)) else ""
        parts.append(f"closest agenda example{sim_txt}: “{closest[0]['exemplar']}”")
    return "; ".join(parts)


# --- evidence ------------------------------------------------------------------------------------

class _EvidenceResolver:
    """Turns (passage, statement, score, level, stance) tuples into Evidence.

    Stores that offer ``evidence_details`` (SQLite) are asked once for every passage shown, by passage
    id; others are read one statement at a time (its statement, passages and matches, each once).
    """

    def __init__(self, store: Store, version: str, built: dict[Any, Evidence] | None = None) -> None:
        self.store, self.version = store, version
        # Evidence already built from the same data (kept by the store until its next write): another
        # period or filter shows mostly the same passages.
        self.built: dict[Any, Evidence] = built if built is not None else {}
        self.statements: dict[str, Statement | None] = {}
        self.passages: dict[str, dict[str, Passage]] = {}
        self.explanations: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self.details: dict[tuple[str, str], EvidenceDetail] | None = None

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read everything these (passage id, priority) pairs will show at once (when the store can)."""
        fetch = getattr(self.store, "evidence_details", None)
        if fetch is not None:
            self.details = fetch(self.version, [k for k in keys if k not in self.built])

    def __call__(self, entry: tuple[str, str, float, str, str], priority: str) -> Evidence | None:
        pid, sid, score, level, stance = entry
        if self.details is not None:
            key = (pid, priority)
            done = self.built.get(key)
            if done is not None and (done.statement_id, done.score, done.level, done.stance) == (sid, score, level,
                                                                                               stance):
                return done
            d = self.details.get(key)
            if d is None and done is not None:  # built for another match of the passage: read it again
                d = self.store.evidence_details(self.version, [key]).get(key)  # type: ignore[attr-defined]
            if d is None or d.statement_id != sid:
                return None
            ev = self.built[key] = Evidence(
                passage_id=pid, statement_id=d.statement_id, statement_title=d.title, url=d.url, date=d.date,
                text=d.text, score=score, level=level,  # type: ignore[arg-type]
                stance=stance,  # type: ignore[arg-type]
                why=why_matched(d.explanation, level, stance))
            return ev
        if sid not in self.statements:
            self.statements[sid] = self.store.statement(sid)
            self.passages[sid] = {p.id: p for p in self.store.passages(sid)}
            self.explanations[sid] = {(m.passage_id, m.priority): m.explanation
                                      for m in self.store.matches(statement_id=sid, agenda_version=self.version)}
        st, passage = self.statements[sid], self.passages[sid].get(pid)
        if st is None or passage is None:
            return None
        return Evidence(passage_id=pid, statement_id=st.id, statement_title=st.title, url=st.url,
                        date=st.effective_date, text=passage.text, score=score, level=level,  # type: ignore[arg-type]
                        stance=stance,  # type: ignore[arg-type]
                        why=why_matched(self.explanations[sid].get((pid, priority)), level, stance))


# --- monthly scores ------------------------------------------------------------------------------

def _agenda_parts(agenda: Any, priorities: Sequence[str] | None) -> tuple[str, list[str] | None]:
    """Accept an agenda version string, or any object with .version and .priorities[*].id."""
    if isinstance(agenda, str):
        return agenda, list(priorities) if priorities is not None else None
    version = str(agenda.version)
    if priorities is None:
        priorities = [p.id for p in agenda.priorities]
    return version, list(priorities)


def _contexts(series: dict[str, Components], explicit_months: set[str],
              first_month: str | None) -> dict[str, dict[str, Any]]:
    """Change against the previous month and the baseline, and the silence streak, for every month.

    One pass over the months in calendar order: the previous month is the one before, the baseline
    window slides, and the last explicit month only moves forward.
    """
    # sorted() is stable: series built in calendar order keep their order (and so the baseline's sum).
    months = sorted(series, key=month_index)
    idx = [month_index(x) for x in months]
    scores = [series[x].score for x in months]
    said = sorted(((month_index(x), x) for x in explicit_months), key=lambda t: t[0])
    first = month_index(first_month) if first_month is not None else None
    out: dict[str, dict[str, Any]] = {}
    start = j = 0
    last: tuple[int, str] | None = None
    for i, month in enumerate(months):
        m, score = idx[i], scores[i]
        ctx: dict[str, Any] = {}
        if i > 0:
            ctx["previous_month"] = months[i - 1]
            ctx["delta_previous"] = round(score - scores[i - 1], 1)
        while m - idx[start] > BASELINE_MONTHS:
            start += 1
        window = scores[start:i]
        if window:
            ctx["baseline"] = round(sum(window) / len(window), 1)
            ctx["baseline_months"] = len(window)
            ctx["delta_baseline"] = round(score - ctx["baseline"], 1)
        while j < len(said) and said[j][0] <= m:
            last = said[j]
            j += 1
        if last is not None:
            ctx["last_explicit"] = last[1]
            ctx["silence_streak"] = m - last[0]
        elif first is not None:
            ctx["silence_streak"] = m - first + 1
        out[month] = ctx
    return out


def monthly_scores(store: Store, agenda_version: Any, priority_ids: Sequence[str] | None, model: str,
                   date_from: date | None = None, date_to: date | None = None, source: str | None = None,
                   evidence_k: int = 3, *, filters: ScoreFilters | None = None,
                   evidence_months: Iterable[str] | None = None, context: bool = True) -> list[MonthlyScore]:
    """Monthly scores for every month with statements x every priority, with evidence and context.

    ``agenda_version`` is the version string (or an agenda object with ``.version`` and
    ``.priorities``); ``priority_ids`` None means the agenda's priority ids (with a plain version
    string: those that have matches). ``filters`` (term, venue, speaker, and period/source, which
    then replace the plain arguments) restrict the statements counted. Evidence (the top
    ``evidence_k`` passages) is read for every month, or only for ``evidence_months``. Ordered by
    month, then priority in the order given.
    """
    version, prio_ids = _agenda_parts(agenda_version, priority_ids)
    f = filters or ScoreFilters(date_from=date_from, date_to=date_to, source=source)
    # Stores that can tell when their data changed (SQLite) keep results until the next write.
    memo_of = getattr(store, "score_memo", None)
    memo: dict[Any, Any] | None = memo_of(version) if memo_of is not None else None
    key = (model, tuple(prio_ids) if prio_ids is not None else None, f, evidence_k,
           tuple(sorted(set(evidence_months))) if evidence_months is not None else None, context)
    results: dict[Any, list[MonthlyScore]] = memo.setdefault("results", {}) if memo is not None else {}
    if key in results:
        return list(results[key])
    with _gc_paused():
        out = _monthly_scores(store, version, prio_ids, model, f, evidence_k, key[4], context,
                              memo.setdefault("evidence", {}) if memo is not None else None)
    if memo is not None:
        while len(results) >= MEMO_ENTRIES:  # oldest first; another request may be evicting too
            results.pop(next(iter(results), None), None)
        results[key] = out
        return list(out)
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a result is built (nothing it makes is cyclic).

    Twenty years are ~15,000 new objects; in the API process, whose heap holds the search index
    and the model, the full collections they trigger cost more than the work itself (~40 %).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _monthly_scores(store: Store, version: str, prio_ids: list[str] | None, model: str, f: ScoreFilters,
                    evidence_k: int, evidence_months: Iterable[str] | None, context: bool,
                    built: dict[Any, Evidence] | None = None) -> list[MonthlyScore]:
    span = f.date_range()
    if span is None:
        return []
    lo, hi = span
    where = f.statement_filters()
    aggs = store.monthly_aggregates(version, date_from=lo, date_to=hi, priorities=prio_ids,
                                    top_k=max(TOP_MATCHES, evidence_k), **where)
    if prio_ids is None:
        prio_ids = list(dict.fromkeys(a.priority for a in aggs))
    history: list[MonthPriorityAggregate] = []
    if context and lo is not None and aggs:
        # Baseline and silence streak look back before the period: read the months before it.
        before = date(lo.year, lo.month, 1) - timedelta(days=1)
        history = store.monthly_aggregates(version, date_from=None, date_to=before, priorities=prio_ids,
                                           top_k=TOP_MATCHES, **where)
    series: dict[str, dict[str, Components]] = {p: {} for p in prio_ids}
    explicit: dict[str, set[str]] = {p: set() for p in prio_ids}
    for a in [*history, *aggs]:
        series.setdefault(a.priority, {})[a.month] = components(a)
        if a.explicit_passages:
            explicit.setdefault(a.priority, set()).add(a.month)
    all_months = [a.month for a in [*history, *aggs]]
    first_month = min(all_months, key=month_index) if all_months else None
    wanted = set(evidence_months) if evidence_months is not None else None
    resolve = _EvidenceResolver(store, version, built)
    shown = [agg for agg in aggs if evidence_k > 0 and (wanted is None or agg.month in wanted)]
    resolve.prefetch((t[0], agg.priority) for agg in shown for t in agg.top[:evidence_k])
    shown_cells = {(agg.month, agg.priority) for agg in shown}
    contexts = {p: _contexts(months, explicit.get(p, set()), first_month) for p, months in series.items()} \
        if context else {}
    stamp: dict[str, Any] = {"agenda_version": version, "model": model, "formula_version": FORMULA_VERSION,
             "code_version": code_version()}
    out = []
    for agg in aggs:
        c = series[agg.priority][agg.month]
        ev: list[Evidence] = []
        if (agg.month, agg.priority) in shown_cells:
            ev = [e for e in (resolve(t, agg.priority) for t in agg.top[:evidence_k]) if e is not None]
        extra = contexts[agg.priority][agg.month] if context else {}
        out.append(MonthlyScore(
            month=agg.month, priority=agg.priority, statements=agg.statements, addressing=agg.addressing,
            share=c.coverage, passages=agg.passages, explicit_passages=agg.explicit_passages,
            strength=c.intensity, score=c.score, evidence=ev, intensity=c.intensity,
            explicitness=c.explicitness, coverage_low=c.coverage_low, coverage_high=c.coverage_high,
            score_low=c.score_low, score_high=c.score_high, few_statements=agg.statements < FEW_STATEMENTS,
            **extra, **stamp))
    return out


# --- comparisons ---------------------------------------------------------------------------------

class GroupScore(BaseModel):
    """One group (a term, a venue, a speaker) x priority over the period: its monthly scores summarised."""

    by: str = Field(description="term, venue or speaker")
    group: str = Field(description="The group's key, usable as the filter of the same name.")
    label: str
    priority: str
    months: int = Field(description="Months in which the group has statements.")
    statements: int
    addressing: int = Field(description="Statements of the group addressing the priority.")
    months_addressed: int
    mean_score: float = Field(description="Mean of the group's monthly scores over its months (0 when none).")
    best_month: str | None = Field(default=None, description="The group's highest-scoring month.")
    best_score: float = 0.0
    evidence: list[Evidence] = Field(default_factory=list, description="The group's strongest passages.")
    agenda_version: str
    model: str
    formula_version: str
    code_version: str


def _groups(by: str) -> list[tuple[str, str]]:
    if by == "term":
        return [(t.key, t.label) for t in TERMS]
    if by == "venue":
        return [(v.key, v.label) for v in VENUES]
    if by == "speaker":
        return list(SPEAKERS.items())
    raise ValueError(f"by: unknown grouping {by!r}, expected one of {', '.join(GROUPINGS)}")


def compare(store: Store, agenda: Any, model: str, by: str, filters: ScoreFilters | None = None,
            evidence_k: int = 2) -> list[GroupScore]:
    """The same monthly formula per group (term, venue or speaker), summarised over the period.

    A group's number is the mean of its monthly scores, each computed on the group's statements
    only, over the months in which the group has statements. The group filter replaces any filter of
    the same kind in ``filters``. Ordered by group, then priority.
    """
    base = filters or ScoreFilters()
    version, prio_ids = _agenda_parts(agenda, None)
    out: list[GroupScore] = []
    for key, label in _groups(by):
        f = ScoreFilters(**{**base.__dict__, by: key})
        scores = monthly_scores(store, agenda, prio_ids, model, filters=f, evidence_k=0, context=False)
        months = sorted({s.month for s in scores}, key=month_index)
        statements = {s.month: s.statements for s in scores}
        per_prio: dict[str, list[MonthlyScore]] = {}
        for s in scores:
            per_prio.setdefault(s.priority, []).append(s)
        for pid in prio_ids or []:
            rows = per_prio.get(pid, [])
            best = max(rows, key=lambda s: (s.score, month_index(s.month)), default=None)
            ev: list[Evidence] = []
            if evidence_k > 0 and best is not None and best.score > 0:
                # The strongest passages of the best month: one click from the number on the page.
                first, last = month_bounds(best.month)
                ev = monthly_scores(store, agenda, [pid], model, filters=ScoreFilters(
                    **{**f.__dict__, "date_from": first, "date_to": last}), evidence_k=evidence_k,
                    context=False)[0].evidence
            out.append(GroupScore(
                by=by, group=key, label=label, priority=pid, months=len(months),
                statements=sum(statements.values()), addressing=sum(s.addressing for s in rows),
                months_addressed=sum(1 for s in rows if s.addressing),
                mean_score=round(sum(s.score for s in rows) / len(rows), 1) if rows else 0.0,
                best_month=best.month if best is not None and best.score > 0 else None,
                best_score=best.score if best is not None else 0.0, evidence=ev,
                agenda_version=version, model=model, formula_version=FORMULA_VERSION,
                code_version=code_version()))
    return out
