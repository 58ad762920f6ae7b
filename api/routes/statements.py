"""GET /statements, GET /statements/export and GET /statements/{id}."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from api import exports
from api.deps import get_agenda, get_store
from api.routes.common import Q_MAX_LENGTH, FiltersDep, PageDep, match_json
from api.schemas import STATEMENT_HIT_EXAMPLE, StatementSearchOut
from core.errors import NotFound
from core.models import Statement
from core.store.base import StatementHit, Store

router = APIRouter(tags=["statements"])

QParam = Annotated[
    str | None,
    Query(max_length=Q_MAX_LENGTH,
          description='Keyword query: words (all must occur), "exact phrases", OR, NOT, parentheses, prefix*.'),
]


def statement_summary(s: Statement) -> dict[str, Any]:
    """The fields a statement list shows."""
    d = s.effective_date
    return {
        "id": s.id,
        "url": s.url,
        "source": s.source,
        "doc_type": s.doc_type,
        "title": s.title,
        "date": d.isoformat() if d else None,
        "release_date": s.release_date.isoformat() if s.release_date else None,
        "delivery_date": s.delivery_date.isoformat() if s.delivery_date else None,
        "speaker": s.speaker,
        "speaker_role": s.speaker_role,
        "location": s.location,
    }


def _hit_json(hit: StatementHit) -> dict[str, Any]:
    out = statement_summary(hit.statement)
    out["score"] = hit.score
    out["snippet"] = hit.snippet
    out["priorities"] = list(hit.priorities)
    return out


@router.get("/statements", response_model=StatementSearchOut)
def list_statements(
    store: Annotated[Store, Depends(get_store)],
    filters: FiltersDep,
    page: PageDep,
    q: QParam = None,
    facets: Annotated[bool, Query(description="Add counts by priority, source, type, year and speaker.")] = False,
) -> dict[str, Any]:
    """Search statements by keyword and filters (newest first without a query), with snippets and priorities."""
    query = q if q and q.strip() else None
    result = store.search_statements(query, filters, limit=page.limit, offset=page.offset, facets=facets)
    return {
        "total": result.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_cursor": page.next_cursor(result.total),
        "items": [_hit_json(h) for h in result.items],
        "facets": result.facets,
    }


@router.get(
    "/statements/export",
    response_class=StreamingResponse,
    responses={200: {"description": "Every matching statement, streamed (no cap).", "content": {
        "text/csv": {"example": "id,date,source,doc_type,title,url,speaker,speaker_role,location,score,priorities,text\n"},
        "application/x-ndjson": {"example": '{"id": "3f2a9c81d04b6e75", "title": "Remarks to the Human Rights '
                                            'Council", "priorities": ["P1"]}\n'}}}},
)
def export_statements(
    store: Annotated[Store, Depends(get_store)],
    filters: FiltersDep,
    q: QParam = None,
    fmt: Annotated[Literal["csv", "jsonl"], Query(alias="format", description="csv or jsonl (JSON Lines).")] = "csv",
) -> StreamingResponse:
    """Every statement the same search finds, in the same order, streamed as CSV or JSON Lines (with full text)."""
    query = q if q and q.strip() else None
    hits = store.iter_statement_hits(query, filters)
    return StreamingResponse(
        exports.primed(exports.stream(hits, fmt, "statements")), media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{exports.filename("statements", fmt)}"'})


@router.get(
    "/statements/{statement_id}",
    responses={200: {"content": {"application/json": {"example": {
        **STATEMENT_HIT_EXAMPLE, "text": "Human rights defenders are being attacked…", "month": "2024-03",
        "sources": [{"source": "un.org/sg", "url": STATEMENT_HIT_EXAMPLE["url"]}],
        "passages": [{"id": "3f2a9c81d04b6e75-0000", "index": 0, "text": "Human rights defenders are being "
                      "attacked, jailed and killed for their peaceful work.", "start": 0, "end": 86,
                      "matches": [{"priority": "P1", "score": 0.82, "level": "explicit", "stance": "condemnation",
                                   "explanation": {}}]}]}}}}},
)
def get_statement(
    statement_id: Annotated[str, Path(max_length=200, description="Statement id (hash of its canonical URL).")],
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
) -> dict[str, Any]:
    """One statement with its sources, and its passages with their matches to the agenda."""
    statement = store.statement(statement_id)
    if statement is None:
        raise NotFound(f"no statement with id {statement_id!r}")
    by_passage: dict[str, list[dict[str, Any]]] = {}
    for m in store.matches(statement_id=statement.id, agenda_version=agenda.version):
        by_passage.setdefault(m.passage_id, []).append(match_json(m))
    passages = [
        {
            "id": p.id,
            "index": p.index,
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "matches": sorted(by_passage.get(p.id, []), key=lambda x: -x["score"]),
        }
        for p in store.passages(statement.id)
    ]
    body = statement.model_dump(mode="json")
    body["date"] = statement.effective_date.isoformat() if statement.effective_date else None
    body["month"] = statement.month
    body["priorities"] = sorted(
        {m["priority"] for ms in by_passage.values() for m in ms}, key=lambda pid: (len(pid), pid)
    )
    body["passages"] = passages
    return body
