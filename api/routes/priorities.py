"""GET /priorities and GET /priorities/{id}/quotes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import get_agenda, get_store
from api.routes.common import (
    DocTypeParam,
    PageDep,
    SourceParam,
    check_priority,
    check_range,
    parse_month_or_day,
)
from api.schemas import QuotesOut
from core.errors import InvalidQuery, NotFound
from core.models import Level, Stance
from core.store.base import PassageHit, StatementFilters, Store

router = APIRouter(tags=["agenda"])


@router.get("/priorities", responses={200: {"content": {"application/json": {"example": {
    "agenda": {"id": "hrd_2016", "title": "A Human Rights Defenders Agenda", "version": "hrd_2016@1a2b3c4d5e6f"},
    "items": [{"id": "P1", "key": "speak_out", "title": "Speak out against attacks on defenders",
               "text": "Publicly and consistently condemn attacks on human rights defenders…"}]}}}}})
def priorities(agenda: Annotated[Any, Depends(get_agenda)]) -> dict[str, Any]:
    """The agenda's priorities: id, key, title and the letter's text."""
    return {
        "agenda": {"id": agenda.id, "title": agenda.title, "version": agenda.version},
        "items": [{"id": p.id, "key": p.key, "title": p.title, "text": p.text} for p in agenda.priorities],
    }


def _reason(explanation: dict[str, Any], level: str, stance: str) -> str:
    try:
        from core.scores import why_matched  # the words the report page uses, when that module has them
    except ImportError:
        return f"{level} · {stance.replace('_', ' ')}"
    return str(why_matched(explanation, level, stance))


def _quote(hit: PassageHit, priority: str) -> dict[str, Any]:
    m = next((m for m in hit.matches if m.priority == priority), None)
    level, stance = (m.level, m.stance) if m else ("implicit", "mention")
    explanation = m.explanation if m else {}
    return {
        "passage_id": hit.passage.id, "statement_id": hit.passage.statement_id,
        "statement_title": hit.statement_title, "date": hit.date.isoformat() if hit.date else None,
        "url": hit.url, "source": hit.source, "doc_type": hit.doc_type, "text": hit.passage.text,
        "score": round(float(hit.score), 4), "level": level, "stance": stance,
        "reason": _reason(explanation, level, stance), "explanation": explanation,
    }


@router.get("/priorities/{priority_id}/quotes", response_model=QuotesOut)
def quotes(
    priority_id: Annotated[str, Path(max_length=50, description="Agenda priority id (P1..P9).")],
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    page: PageDep,
    date_from: Annotated[
        str | None, Query(alias="from", description="First month or day, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", description="Last month or day, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    source: Annotated[SourceParam | None, Query(description="Site the text was found on.")] = None,
    doc_type: Annotated[DocTypeParam | None, Query(alias="type", description="Kind of text.")] = None,
    level: Annotated[Level | None, Query(description="Only matches of this level.")] = None,
    stance: Annotated[Stance | None, Query(description="Only matches of this stance.")] = None,
    min_score: Annotated[float | None, Query(ge=0.0, le=1.0, description="Only matches scoring at least this.")] = None,
) -> dict[str, Any]:
    """The strongest passages for a priority in a period: quote, statement, date, link, score and why it matched."""
    try:
        pid = check_priority(agenda, priority_id)
    except InvalidQuery:  # an unknown id in the path is a missing resource, not a bad parameter
        pid = None
    if pid is None:
        raise NotFound(f"no priority {priority_id!r} in the agenda (P1..P{len(agenda.priorities)})")
    d_from: date | None = parse_month_or_day("from", date_from, end=False)
    d_to: date | None = parse_month_or_day("to", date_to, end=True)
    check_range(d_from, d_to)
    filters = StatementFilters(date_from=d_from, date_to=d_to, source=source, doc_type=doc_type,
                               agenda_version=agenda.version, level=level, stance=stance, min_score=min_score)
    result = store.top_matches(pid, filters, limit=page.limit, offset=page.offset)
    prio = next(p for p in agenda.priorities if p.id == pid)
    return {
        "priority": {"id": pid, "title": prio.title},
        "total": result.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_cursor": page.next_cursor(result.total),
        "items": [_quote(h, pid) for h in result.items],
    }
