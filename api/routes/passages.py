"""GET /passages/search."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Query

from api.deps import EmbedderProvider, get_embedder_provider, get_store
from api.routes.common import Q_MAX_LENGTH, FiltersDep, PageDep, match_json
from core.errors import InvalidQuery
from core.store.base import PassageHit, Store

router = APIRouter(tags=["passages"])


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


@router.get("/passages/search")
def search_passages(
    store: Annotated[Store, Depends(get_store)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    filters: FiltersDep,
    page: PageDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=Q_MAX_LENGTH, description="What to look for (words or a sentence)."),
    ],
    mode: Annotated[
        Literal["keyword", "semantic", "hybrid"],
        Query(description="keyword (full text), semantic (meaning, by the embedding model) or hybrid (both)."),
    ] = "hybrid",
) -> dict[str, Any]:
    """Search passages by keyword, by meaning, or both, with their statement and matches."""
    if not q.strip():
        raise InvalidQuery("q: must not be blank")
    vector: np.ndarray | None = None
    if mode != "keyword":
        vector = np.asarray(embedder.get().encode([q]), dtype=np.float32)[0]
    result = store.search_passages(
        q, filters, mode=mode, query_vector=vector, limit=page.limit, offset=page.offset
    )
    return {
        "total": result.total,
        "limit": page.limit,
        "offset": page.offset,
        "mode": mode,
        "items": [_hit_json(h) for h in result.items],
    }
