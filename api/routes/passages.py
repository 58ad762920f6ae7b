"""GET /passages/search and GET /passages/export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from api import exports
from api.deps import EmbedderProvider, get_embedder_provider, get_store
from api.routes.common import Q_MAX_LENGTH, FiltersDep, PageDep, match_json
from api.schemas import PassageSearchOut
from core.errors import InvalidQuery
from core.store.base import PassageHit, Store

router = APIRouter(tags=["passages"])

Mode = Literal["keyword", "semantic", "hybrid"]
QParam = Annotated[
    str,
    Query(min_length=1, max_length=Q_MAX_LENGTH,
          description='What to look for: words, "exact phrases", OR, NOT, parentheses, prefix* (keyword); '
                      "any sentence (semantic)."),
]
ModeParam = Annotated[
    Mode,
    Query(description="keyword (full text, bm25), semantic (meaning, by the embedding model) or hybrid "
                      "(both, reciprocal-rank fusion)."),
]


def _hit_json(hit: PassageHit) -> dict[str, Any]:
    p = hit.passage
    return {
        "id": p.id,
        "statement_id": p.statement_id,
        "index": p.index,
        "text": p.text,
        "snippet": hit.snippet,
        "score": float(hit.score),
        "statement_title": hit.statement_title,
        "url": hit.url,
        "date": hit.date.isoformat() if hit.date else None,
        "source": hit.source,
        "doc_type": hit.doc_type,
        "matches": [match_json(m) for m in hit.matches],
    }


def _query_vector(q: str, mode: Mode, embedder: EmbedderProvider) -> np.ndarray | None:
    if not q.strip():
        raise InvalidQuery("q: must not be blank")
    if mode == "keyword":
        return None
    return np.asarray(embedder.get().encode([q]), dtype=np.float32)[0]


@router.get("/passages/search", response_model=PassageSearchOut)
def search_passages(
    store: Annotated[Store, Depends(get_store)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    filters: FiltersDep,
    page: PageDep,
    q: QParam,
    mode: ModeParam = "hybrid",
    facets: Annotated[bool, Query(description="Add counts by priority, source, type, year and speaker.")] = False,
) -> dict[str, Any]:
    """Search passages by keyword, by meaning, or both, with their statement and matches."""
    vector = _query_vector(q, mode, embedder)
    result = store.search_passages(
        q, filters, mode=mode, query_vector=vector, limit=page.limit, offset=page.offset, facets=facets
    )
    return {
        "total": result.total,
        "limit": page.limit,
        "offset": page.offset,
        "mode": mode,
        "next_cursor": page.next_cursor(result.total),
        "items": [_hit_json(h) for h in result.items],
        "facets": result.facets,
    }


@router.get(
    "/passages/export",
    response_class=StreamingResponse,
    responses={200: {"description": "Every matching passage, streamed (no cap).", "content": {
        "text/csv": {"example": "passage_id,statement_id,index,date,source,doc_type,statement_title,url,score,"
                                "priorities,text\n"},
        "application/x-ndjson": {"example": '{"passage_id": "3f2a9c81d04b6e75-0000", "score": 7.1, "matches": '
                                            '[{"priority": "P1", "score": 0.82}], "text": "…"}\n'}}}},
)
def export_passages(
    store: Annotated[Store, Depends(get_store)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    filters: FiltersDep,
    q: QParam,
    mode: ModeParam = "keyword",
    fmt: Annotated[Literal["csv", "jsonl"], Query(alias="format", description="csv or jsonl (JSON Lines).")] = "csv",
) -> StreamingResponse:
    """Every passage the same search finds, in the same order, streamed as CSV or JSON Lines (no cap)."""
    vector = _query_vector(q, mode, embedder)
    hits = store.iter_passage_hits(q, filters, mode=mode, query_vector=vector)
    return StreamingResponse(
        exports.primed(exports.stream(hits, fmt, "passages")), media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{exports.filename("passages", fmt)}"'})
