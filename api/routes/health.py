"""GET /health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import EmbedderProvider, get_agenda, get_embedder_provider, get_settings, get_store
from core.config import Settings
from core.store.base import Store

router = APIRouter(tags=["service"])


@router.get("/health", responses={200: {"content": {"application/json": {"example": {
    "status": "ok",
    "store": {"backend": "sqlite", "stats": {"statements": 20000, "passages": 590280, "matches": 29793}},
    "agenda": {"id": "hrd_2016", "title": "A Human Rights Defenders Agenda", "version": "hrd_2016@1a2b3c4d5e6f"},
    "model": {"name": "all-MiniLM-L6-v2", "id": "all-MiniLM-L6-v2", "loaded": False}}}}}})
def health(
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    settings: Annotated[Settings, Depends(get_settings)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
) -> dict[str, Any]:
    """Service status: store counts, the agenda in use and the embedding model."""
    return {
        "status": "ok",
        "store": {"backend": settings.store, "stats": store.stats()},
        "agenda": {"id": agenda.id, "title": agenda.title, "version": agenda.version},
        "model": {"name": settings.model_name, "id": embedder.model_id, "loaded": embedder.loaded},
    }
