"""GET /scores/monthly and /scores/compare (JSON or CSV), and the filters they share with /report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import TypeAdapter

from api.deps import EmbedderProvider, get_agenda, get_embedder_provider, get_store
from api.routes.common import SourceParam, check_priority, check_range, parse_month_or_day, priority_ids
from core.errors import InvalidQuery
from core.models import MonthlyScore
from core.scores import SPEAKERS, TERMS, VENUES, GroupScore, ScoreFilters
from core.store.base import Store

router = APIRouter(tags=["scores"])

CSV_COLUMNS = [
    "month", "priority", "statements", "addressing", "share", "coverage_low", "coverage_high",
    "passages", "explicit_passages", "strength", "intensity", "explicitness", "score", "score_low",
    "score_high", "few_statements", "previous_month", "delta_previous", "baseline", "baseline_months",
    "delta_baseline", "silence_streak", "last_explicit", "agenda_version", "model", "formula_version",
    "code_version",
]
COMPARE_COLUMNS = [
    "by", "group", "label", "priority", "months", "statements", "addressing", "months_addressed",
    "mean_score", "best_month", "best_score", "agenda_version", "model", "formula_version", "code_version",
]

EVIDENCE_K = 5
_SCORES_JSON = TypeAdapter(list[MonthlyScore])

TERM_KEYS = [t.key for t in TERMS]
VENUE_KEYS = [v.key for v in VENUES]
SPEAKER_KEYS = list(SPEAKERS)


def _choice(name: str, value: str | None, allowed: list[str]) -> str | None:
    """An optional choice parameter: empty means none (as an HTML form sends it); unknown is a 422."""
    if value is None or value.strip() == "":
        return None
    v = value.strip()
    if v not in allowed:
        raise InvalidQuery(f"{name}: unknown value {value!r}, expected one of {', '.join(allowed)}")
    return v


def score_filters(
    date_from: Annotated[
        str | None, Query(alias="from", description="First month, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", description="Last month, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    source: Annotated[str | None, Query(description="Only statements found on this site: "
                                        + ", ".join(get_args(SourceParam)) + ".")] = None,
    term: Annotated[str | None, Query(description="Only this Secretary-General's term: "
                                      + ", ".join(f"{t.key} ({t.label})" for t in TERMS) + ".")] = None,
    venue: Annotated[str | None, Query(description="Only this venue or kind of text: "
                                       + ", ".join(f"{v.key} ({v.label})" for v in VENUES) + ".")] = None,
    speaker: Annotated[str | None, Query(description="Only texts by this speaker: "
                                         + ", ".join(f"{k} ({v})" for k, v in SPEAKERS.items()) + ".")] = None,
) -> ScoreFilters:
    """Period, source, term, venue and speaker, validated (unknown values name the parameter)."""
    d_from = parse_month_or_day("from", date_from, end=False)
    d_to = parse_month_or_day("to", date_to, end=True)
    check_range(d_from, d_to)
    return ScoreFilters(date_from=d_from, date_to=d_to, source=_choice("source", source, list(get_args(SourceParam))),
                        term=_choice("term", term, TERM_KEYS), venue=_choice("venue", venue, VENUE_KEYS),
                        speaker=_choice("speaker", speaker, SPEAKER_KEYS))


FiltersDep = Annotated[ScoreFilters, Depends(score_filters)]


def compute_monthly(
    store: Store, agenda: Any, model: str, date_from: date | None, date_to: date | None,
    priority: str | None, source: str | None, evidence_k: int = EVIDENCE_K, *,
    filters: ScoreFilters | None = None, evidence_months: Iterable[str] | None = None,
) -> list[MonthlyScore]:
    """Monthly scores for one priority (or all of the agenda's), month then priority order."""
    from core.scores import monthly_scores  # the scoring module pulls in nothing heavy, but keep edges lazy

    f = filters or ScoreFilters(date_from=date_from, date_to=date_to, source=source)
    pids = [priority] if priority else priority_ids(agenda)
    scores = monthly_scores(store, agenda.version, pids, model, evidence_k=evidence_k, filters=f,
                            evidence_months=evidence_months)
    order = {pid: i for i, pid in enumerate(priority_ids(agenda))}
    return sorted(scores, key=lambda s: (s.month, order.get(s.priority, len(order))))


def _csv(rows: list[Any], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: "" if getattr(r, c) is None else getattr(r, c) for c in columns})
    return buf.getvalue()


def scores_csv(scores: list[MonthlyScore]) -> str:
    """One row per month x priority with the numbers (no evidence text)."""
    return _csv(scores, CSV_COLUMNS)


def compare_csv(groups: list[GroupScore]) -> str:
    """One row per group x priority with the numbers (no evidence text)."""
    return _csv(groups, COMPARE_COLUMNS)


def csv_name(stem: str, f: ScoreFilters) -> str:
    """A download's file name naming its filters."""
    parts = [stem] + [f"{k}-{v}" for k, v in f.query().items()]
    return "-".join(parts).replace(":", "") + ".csv"


def _csv_response(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/scores/monthly",
    response_model=None,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON list, or CSV when format=csv."}},
)
def monthly(
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    filters: FiltersDep,
    priority: Annotated[str | None, Query(description="One agenda priority id (P1..P9); all when omitted.")] = None,
    fmt: Annotated[
        Literal["json", "csv"], Query(alias="format", description="json (with evidence) or csv (numbers only).")
    ] = "json",
) -> Any:
    """Monthly compliance scores per priority with their band, context and the passages behind each number."""
    pid = check_priority(agenda, priority)
    scores = compute_monthly(store, agenda, embedder.model_id, None, None, pid, None, filters=filters,
                             evidence_k=0 if fmt == "csv" else EVIDENCE_K)
    if fmt == "csv":
        return _csv_response(scores_csv(scores), csv_name("sgwatch-scores", filters))
    # Straight to JSON bytes in pydantic's serializer: 20 years with evidence are ~9 MB, and building
    # dicts first then encoding them with the json module took four times as long.
    return Response(_SCORES_JSON.dump_json(scores), media_type="application/json")


@router.get(
    "/scores/compare",
    response_model=None,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON list, or CSV when format=csv."}},
)
def compare_groups(
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    filters: FiltersDep,
    by: Annotated[Literal["term", "venue", "speaker"], Query(description="Group by SG term, venue or speaker.")],
    fmt: Annotated[
        Literal["json", "csv"], Query(alias="format", description="json (with evidence) or csv (numbers only).")
    ] = "json",
) -> Any:
    """Scores per SG term, venue or speaker: the mean of each group's monthly scores, with its best passages."""
    from core.scores import compare

    groups = compare(store, agenda, embedder.model_id, by, filters, evidence_k=0 if fmt == "csv" else 2)
    if fmt == "csv":
        return _csv_response(compare_csv(groups), csv_name(f"sgwatch-compare-{by}", filters))
    return [g.model_dump(mode="json") for g in groups]
