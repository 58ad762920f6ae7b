"""GET /statements and GET /statements/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import get_agenda, get_store
from api.routes.common import Q_MAX_LENGTH, FiltersDep, PageDep, match_json
from core.errors import NotFound
from core.models import Statement
from core.store.base import StatementHit, Store

router = APIRouter(tags=["statements"])


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


@router.get("/statements")
def list_statements(
    store: Annotated[Store, Depends(get_store)],
    filters: FiltersDep,
    page: PageDep,
    q: Annotated[
        str | None,
        Query(max_length=Q_MAX_LENGTH, description="Keyword query (words or phrases; no operators needed)."),
    ] = None,
) -> dict[str, Any]:
    """Search statements by keyword and filters, newest first, with a snippet and matched priorities."""
    query = q if q and q.strip() else None
    result = store.search_statements(query, filters, limit=page.limit, offset=page.offset)
    return {
        "total": result.total,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_hit_json(h) for h in result.items],
    }


@router.get("/statements/{statement_id}")
def get_statement(
    statement_id: Annotated[str, Path(description="Statement id (hash of its canonical URL).")],
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
