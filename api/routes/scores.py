"""GET /scores/monthly (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import EmbedderProvider, get_agenda, get_embedder_provider, get_store
from api.routes.common import SourceParam, check_priority, check_range, parse_month_or_day, priority_ids
from core.models import MonthlyScore
from core.store.base import Store

router = APIRouter(tags=["scores"])

CSV_COLUMNS = [
    "month", "priority", "statements", "addressing", "share", "passages", "explicit_passages",
    "strength", "score", "agenda_version", "model",
]

EVIDENCE_K = 5


def compute_monthly(
    store: Store, agenda: Any, model: str, date_from: date | None, date_to: date | None,
    priority: str | None, source: str | None, evidence_k: int = EVIDENCE_K,
) -> list[MonthlyScore]:
    """Monthly scores for one priority (or all of the agenda's), month then priority order."""
    from core.scores import monthly_scores  # the scoring module pulls in nothing heavy, but keep edges lazy

    pids = [priority] if priority else priority_ids(agenda)
    scores = monthly_scores(
        store, agenda.version, pids, model,
        date_from=date_from, date_to=date_to, source=source, evidence_k=evidence_k,
    )
    order = {pid: i for i, pid in enumerate(priority_ids(agenda))}
    return sorted(scores, key=lambda s: (s.month, order.get(s.priority, len(order))))


def scores_csv(scores: list[MonthlyScore]) -> str:
    """One row per month x priority with the numbers (no evidence text)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for s in scores:
        writer.writerow({c: getattr(s, c) for c in CSV_COLUMNS})
    return buf.getvalue()


@router.get(
    "/scores/monthly",
    response_model=None,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON list, or CSV when format=csv."}},
)
def monthly(
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    date_from: Annotated[
        str | None, Query(alias="from", description="First month, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", description="Last month, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    priority: Annotated[str | None, Query(description="One agenda priority id (P1..P9); all when omitted.")] = None,
    source: Annotated[SourceParam | None, Query(description="Only statements found on this site.")] = None,
    fmt: Annotated[
        Literal["json", "csv"], Query(alias="format", description="json (with evidence) or csv (numbers only).")
    ] = "json",
) -> Any:
    """Monthly compliance scores per priority, with the passages behind each number (JSON) or as CSV."""
    d_from = parse_month_or_day("from", date_from, end=False)
    d_to = parse_month_or_day("to", date_to, end=True)
    check_range(d_from, d_to)
    pid = check_priority(agenda, priority)
    scores = compute_monthly(store, agenda, embedder.model_id, d_from, d_to, pid, source)
    if fmt == "csv":
        name = "sgwatch-scores"
        if d_from:
            name += f"-{d_from:%Y-%m}"
        if d_to:
            name += f"-to-{d_to:%Y-%m}"
        return Response(
            scores_csv(scores),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return [s.model_dump(mode="json") for s in scores]
