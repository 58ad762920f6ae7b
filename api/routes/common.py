"""Query parameters shared by several routes, declared once: filters, paging, dates, priorities."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query

from api.deps import get_agenda
from core.errors import InvalidQuery
from core.models import DocType, Source
from core.store.base import StatementFilters

# The models' Literal types, so a new source or doc type reaches the API's validation and docs.
SourceParam = Source
DocTypeParam = DocType

# Long enough for any real question; a cap keeps a 100 KB query away from FTS and the model.
Q_MAX_LENGTH = 1000

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def parse_day(name: str, value: str | None) -> date | None:
    """Parse a YYYY-MM-DD parameter; InvalidQuery naming the parameter otherwise."""
    if value is None or value == "":
        return None
    if _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidQuery(f"{name}: invalid date {value!r}, expected YYYY-MM-DD")


def parse_month_or_day(name: str, value: str | None, *, end: bool) -> date | None:
    """Parse YYYY-MM or YYYY-MM-DD; a month means its first day (end=False) or its last day (end=True)."""
    if value is None or value == "":
        return None
    if _MONTH.match(value):
        year, month = int(value[:4]), int(value[5:])
        if 1 <= month <= 12 and year >= 1:
            day = calendar.monthrange(year, month)[1] if end else 1
            return date(year, month, day)
    elif _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidQuery(f"{name}: invalid date {value!r}, expected YYYY-MM or YYYY-MM-DD")


def check_range(date_from: date | None, date_to: date | None) -> None:
    """from must not be after to."""
    if date_from and date_to and date_from > date_to:
        raise InvalidQuery(f"from: {date_from.isoformat()} is after to: {date_to.isoformat()}")


def priority_ids(agenda: Any) -> list[str]:
    """The agenda's priority ids in order (P1..P9)."""
    return [p.id for p in agenda.priorities]


def check_priority(agenda: Any, value: str | None) -> str | None:
    """Validate a priority id against the agenda (case-insensitive); InvalidQuery otherwise."""
    if value is None or value == "":
        return None
    ids = priority_ids(agenda)
    for pid in ids:
        if pid.casefold() == value.strip().casefold():
            return pid
    raise InvalidQuery(f"priority: unknown priority {value!r}, expected one of {', '.join(ids)}")


@dataclass
class Page:
    """Paging parameters."""

    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Results per page (1-100).")] = 20,
    offset: Annotated[int, Query(ge=0, description="Results to skip (0 or more).")] = 0,
) -> Page:
    """limit and offset."""
    return Page(limit=limit, offset=offset)


def filter_params(
    agenda: Annotated[Any, Depends(get_agenda)],
    priority: Annotated[
        str | None, Query(description="Agenda priority id (P1..P9): only texts matched to it.")
    ] = None,
    date_from: Annotated[
        str | None, Query(alias="from", description="First date, YYYY-MM-DD (inclusive).")
    ] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Last date, YYYY-MM-DD (inclusive).")] = None,
    source: Annotated[SourceParam | None, Query(description="Site the text was found on.")] = None,
    doc_type: Annotated[DocTypeParam | None, Query(alias="type", description="Kind of text.")] = None,
) -> StatementFilters:
    """The statement/passage filters, validated (priority against the agenda, from <= to)."""
    d_from = parse_day("from", date_from)
    d_to = parse_day("to", date_to)
    check_range(d_from, d_to)
    pid = check_priority(agenda, priority)
    return StatementFilters(
        priority=pid,
        date_from=d_from,
        date_to=d_to,
        source=source,
        doc_type=doc_type,
        agenda_version=agenda.version,
    )


FiltersDep = Annotated[StatementFilters, Depends(filter_params)]
PageDep = Annotated[Page, Depends(page_params)]


def match_json(m: Any) -> dict[str, Any]:
    """A match as the API shows it."""
    return {
        "priority": m.priority,
        "score": round(float(m.score), 4),
        "level": m.level,
        "stance": m.stance,
        "explanation": m.explanation,
    }
