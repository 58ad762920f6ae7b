"""GET /report: a server-rendered priorities x months table with the evidence below it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import EmbedderProvider, get_agenda, get_embedder_provider, get_store
from api.routes.common import SourceParam, check_range, parse_month_or_day
from api.routes.scores import compute_monthly
from core.store.base import Store

router = APIRouter(tags=["report"])

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


@router.get("/report", response_class=HTMLResponse)
def report(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    date_from: Annotated[
        str | None, Query(alias="from", description="First month, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", description="Last month, YYYY-MM or YYYY-MM-DD (inclusive).")
    ] = None,
    source: Annotated[SourceParam | None, Query(description="Only statements found on this site.")] = None,
) -> HTMLResponse:
    """HTML report: monthly scores per priority, each cell linking to its evidence."""
    d_from = parse_month_or_day("from", date_from, end=False)
    d_to = parse_month_or_day("to", date_to, end=True)
    check_range(d_from, d_to)
    scores = compute_monthly(store, agenda, embedder.model_id, d_from, d_to, None, source)
    months = sorted({s.month for s in scores})
    cells = {(s.month, s.priority): s for s in scores}
    return templates.TemplateResponse(
        request,
        "report.html",
        {
            "agenda": agenda,
            "months": months,
            "cells": cells,
            "addressed_months": {s.month for s in scores if s.addressing},
            "scores": scores,
            "date_from": d_from,
            "date_to": d_to,
            "source": source,
        },
    )
