"""GET /report (the coordinators' page, server-rendered) and GET /report/heatmap.png (its heatmap as PNG)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import EmbedderProvider, get_agenda, get_embedder_provider, get_store
from api.routes.common import SourceParam, priority_ids
from api.routes.scores import FiltersDep, compute_monthly, csv_name
from core.errors import InvalidQuery
from core.models import MonthlyScore
from core.scores import (
    BASELINE_MONTHS,
    COVERAGE_SATURATION,
    FEW_STATEMENTS,
    FORMULA_VERSION,
    GROUPINGS,
    LEVEL_WEIGHTS,
    SPEAKERS,
    STANCE_WEIGHTS,
    TERMS,
    VENUES,
    W_COVERAGE,
    W_EXPLICIT,
    W_INTENSITY,
    ScoreFilters,
    code_version,
    compare,
    month_index,
)
from core.store.base import Store

router = APIRouter(tags=["report"])

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# Heatmap colour bins: (upper bound inclusive, background, text colour, legend label). Light to dark
# blue; every pair keeps a contrast ratio of at least 4.5:1 (WCAG AA) for the number in the cell.
BINS: list[tuple[float, str, str, str]] = [
    (0.0, "#f0f0f0", "#555555", "0 · not addressed"),
    (20.0, "#deebf7", "#111111", "0.1–20"),
    (40.0, "#c6dbef", "#111111", "20.1–40"),
    (60.0, "#9ecae1", "#111111", "40.1–60"),
    (80.0, "#2171b5", "#ffffff", "60.1–80"),
    (100.0, "#08306b", "#ffffff", "80.1–100"),
]
COMPARE_TITLES = {"term": "By Secretary-General term", "venue": "By venue or kind of text",
                  "speaker": "By speaker"}


def colour(score: float) -> tuple[str, str]:
    """Background and text colour of a heatmap cell."""
    for upper, bg, fg, _ in BINS:
        if score <= upper:
            return bg, fg
    return BINS[-1][1], BINS[-1][2]


def _trend(points: list[tuple[str, float]], width: int = 240, height: int = 40) -> dict[str, Any]:
    """Polyline coordinates of one priority's scores across the shown months (0 at the bottom, 100 top)."""
    if not points:
        return {"points": "", "width": width, "height": height, "dots": []}
    n = len(points)
    step = width / max(1, n - 1)
    coords = [(round(i * step if n > 1 else width / 2, 1), round(height - 2 - (s / 100) * (height - 4), 1))
              for i, (_, s) in enumerate(points)]
    return {"points": " ".join(f"{x},{y}" for x, y in coords), "width": width, "height": height,
            "dots": [(x, y, m, s) for (x, y), (m, s) in zip(coords, points, strict=True)]}


def _trend_label(pid: str, points: list[tuple[str, float]]) -> str:
    if not points:
        return f"{pid}: no months shown"
    hi = max(points, key=lambda p: p[1])
    return (f"{pid} trend over {len(points)} months: {points[0][1]:.1f} in {points[0][0]}, "
            f"{points[-1][1]:.1f} in {points[-1][0]}, highest {hi[1]:.1f} in {hi[0]}")


def heatmap_png(scores: list[MonthlyScore], pids: list[str], title: str) -> bytes:
    """The priorities x months heatmap as a PNG, with the page's colour bins and a legend."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    months = sorted({s.month for s in scores}, key=month_index)
    cells = {(s.month, s.priority): s.score for s in scores}
    data = [[cells.get((m, p), 0.0) for m in months] for p in pids]
    width = min(40.0, max(6.0, 1.2 + 0.55 * len(months)))
    fig, ax = plt.subplots(figsize=(width, 1.6 + 0.45 * len(pids)), dpi=110)
    try:
        # Bin edges just above each bound so that 0 gets its own colour and 20.0 falls in "0.1-20".
        edges = [-0.5, 0.05, 20.05, 40.05, 60.05, 80.05, 100.5]
        cmap = ListedColormap([b[1] for b in BINS])
        if months:
            ax.imshow(data, cmap=cmap, norm=BoundaryNorm(edges, cmap.N), aspect="auto")
            if len(months) <= 40:
                for i, row in enumerate(data):
                    for j, v in enumerate(row):
                        label = f"{v:.1f}" if len(months) <= 24 else f"{v:.0f}"
                        ax.text(j, i, label, ha="center", va="center", fontsize=8, color=colour(v)[1])
        else:
            ax.text(0.5, 0.5, "No statements in this period", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks(range(len(months)), months, rotation=90, fontsize=8)
        ax.set_yticks(range(len(pids)), pids, fontsize=9)
        ax.set_title(title, fontsize=10, loc="left")
        ax.legend(handles=[Patch(facecolor=b[1], edgecolor="#888", label=b[3]) for b in BINS],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="score", frameon=False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def _context(request: Request, store: Store, agenda: Any, model: str, filters: ScoreFilters,
             month: str | None) -> dict[str, Any]:
    """Everything the page shows, computed once from the same functions as the API."""
    pids = priority_ids(agenda)
    scores = compute_monthly(store, agenda, model, None, None, None, None, filters=filters, evidence_k=0)
    months = sorted({s.month for s in scores}, key=month_index)
    selected = month or (months[-1] if months else None)
    cells = {(s.month, s.priority): s for s in scores}
    month_view: list[MonthlyScore] = []
    if selected and selected in months:
        # Evidence only for the month on view: reading every month's passages would make the page slow.
        month_view = [s for s in compute_monthly(store, agenda, model, None, None, None, None, filters=filters,
                                                 evidence_months=[selected]) if s.month == selected]
    query = filters.query()

    def url(path: str = "/report", **changes: str | None) -> str:
        q = {**query, **changes}
        q = {k: v for k, v in q.items() if v}
        return path + ("?" + urlencode(q) if q else "")

    trends = {}
    for pid in pids:
        points = [(m, cells[(m, pid)].score) for m in months if (m, pid) in cells]
        trends[pid] = {**_trend(points), "label": _trend_label(pid, points)}
    comparisons = {}
    for by in GROUPINGS:
        rows: dict[str, dict[str, Any]] = {}
        for g in compare(store, agenda, model, by, filters):
            row = rows.setdefault(g.group, {"label": g.label, "months": g.months, "statements": g.statements,
                                            "cells": {}})
            row["cells"][g.priority] = g
        comparisons[by] = rows
    return {
        "agenda": agenda, "pids": pids, "months": months, "cells": cells, "selected": selected,
        "month_view": month_view, "filters": filters, "query": query, "url": url, "colour": colour,
        "bins": BINS, "trends": trends, "comparisons": comparisons, "compare_titles": COMPARE_TITLES,
        "sources": list(get_args(SourceParam)), "terms": TERMS, "venues": VENUES, "speakers": SPEAKERS,
        "model": model, "formula_version": FORMULA_VERSION, "code_version": code_version(),
        "weights": {"coverage": W_COVERAGE, "intensity": W_INTENSITY, "explicit": W_EXPLICIT},
        "saturation": COVERAGE_SATURATION, "few": FEW_STATEMENTS, "baseline_months": BASELINE_MONTHS,
        "level_weights": LEVEL_WEIGHTS, "stance_weights": STANCE_WEIGHTS,
        "titles": {p.id: p.title for p in agenda.priorities},
        "any_addressed": any(s.addressing for s in scores),
    }


def _check_month(month: str | None) -> str | None:
    if month is None or month == "":
        return None
    if not _MONTH.match(month):
        raise InvalidQuery(f"month: invalid month {month!r}, expected YYYY-MM")
    return month


@router.get("/report", response_class=HTMLResponse)
def report(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    filters: FiltersDep,
    month: Annotated[str | None, Query(description="Month to show in detail, YYYY-MM (default: the latest).")] = None,
) -> HTMLResponse:
    """The coordinators' report: heatmap, trends, a month's evidence and comparisons, for the filters given."""
    ctx = _context(request, store, agenda, embedder.model_id, filters, _check_month(month))
    return templates.TemplateResponse(request, "report.html", ctx)


@router.get("/report/heatmap.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "The heatmap as a PNG image."}})
def report_png(
    store: Annotated[Store, Depends(get_store)],
    agenda: Annotated[Any, Depends(get_agenda)],
    embedder: Annotated[EmbedderProvider, Depends(get_embedder_provider)],
    filters: FiltersDep,
) -> Response:
    """The report's priorities x months heatmap as a PNG, for the same filters as the page."""
    scores = compute_monthly(store, agenda, embedder.model_id, None, None, None, None, filters=filters,
                             evidence_k=0)
    shown = ", ".join(f"{k} {v}" for k, v in filters.query().items()) or "all months"
    png = heatmap_png(scores, priority_ids(agenda), f"{agenda.title}: monthly score (0-100), {shown}")
    name = csv_name("sgwatch-heatmap", filters).removesuffix(".csv") + ".png"
    return Response(png, media_type="image/png", headers={"Content-Disposition": f'inline; filename="{name}"'})
