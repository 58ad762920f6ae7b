"""GET /priorities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import get_agenda

router = APIRouter(tags=["agenda"])


@router.get("/priorities")
def priorities(agenda: Annotated[Any, Depends(get_agenda)]) -> dict[str, Any]:
    """The agenda's priorities: id, key, title and the letter's text."""
    return {
        "agenda": {"id": agenda.id, "title": agenda.title, "version": agenda.version},
        "items": [{"id": p.id, "key": p.key, "title": p.title, "text": p.text} for p in agenda.priorities],
    }
