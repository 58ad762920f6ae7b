"""Query parameters shared by several routes, declared once: filters, paging, dates, priorities."""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from api.deps import get_agenda
from core.errors import InvalidQuery
from core.models import DocType, Level, Source, Stance
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


MAX_OFFSET = 10_000_000  # deeper than any corpus; a bigger number is a mistake, not a page
_CURSOR_SKIP = {"limit", "offset", "cursor", "facets", "format"}


@dataclass
class Page:
    """Paging parameters: where the page starts and the fingerprint of the query it belongs to."""

    limit: int
    offset: int
    key: str = ""

    def next_cursor(self, total: int) -> str | None:
        """Opaque cursor of the next page, None on the last one."""
        nxt = self.offset + self.limit
        if nxt >= total or nxt > MAX_OFFSET:
            return None
        raw = json.dumps({"o": nxt, "k": self.key}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def query_key(request: Request) -> str:
    """Fingerprint of a request's search parameters (everything but paging): a cursor only fits its query."""
    items = sorted((k, v) for k, v in request.query_params.multi_items() if k not in _CURSOR_SKIP)
    return hashlib.sha1(json.dumps(items).encode()).hexdigest()[:16]


def decode_cursor(value: str, key: str) -> int:
    """The offset a cursor stands for; InvalidQuery when it is malformed or made for another query."""
    bad = "cursor: not a cursor this API returned (pass next_cursor as it came)"
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = json.loads(raw)
        offset, made_for = data["o"], data["k"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise InvalidQuery(bad) from None
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidQuery(bad)
    if made_for != key:
        raise InvalidQuery("cursor: it belongs to another query; the search parameters must stay the same "
                           "from page to page")
    return offset


def page_params(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100, description="Results per page (1-100).")] = 20,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Results to skip (0 or more); or use cursor.")
    ] = 0,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="next_cursor of the previous page (same query): the next page."),
    ] = None,
) -> Page:
    """limit, and offset or cursor (not both)."""
    key = query_key(request)
    if cursor:
        if offset:
            raise InvalidQuery("cursor: give either cursor or offset, not both")
        offset = decode_cursor(cursor, key)
    return Page(limit=limit, offset=offset, key=key)


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
    speaker: Annotated[
        str | None,
        Query(max_length=200, description="Speaker name or role, any case (António Guterres, Spokesperson)."),
    ] = None,
    location: Annotated[str | None, Query(max_length=200, description="Where it was said, any case (Geneva).")] = None,
    language: Annotated[str | None, Query(max_length=20, description="Language code of the text (en).")] = None,
    level: Annotated[
        Level | None, Query(description="Only texts with a match of this level (with priority: for it).")
    ] = None,
    stance: Annotated[
        Stance | None, Query(description="Only texts with a match of this stance (with priority: for it).")
    ] = None,
    min_score: Annotated[
        float | None,
        Query(ge=0.0, le=1.0, description="Only texts with a match scoring at least this (with priority: for it)."),
    ] = None,
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
        speaker=_clean(speaker),
        location=_clean(location),
        language=_clean(language),
        level=level,
        stance=stance,
        min_score=min_score,
    )


def _clean(value: str | None) -> str | None:
    """Blank means no filter; control characters never reach the store."""
    if value is None:
        return None
    value = "".join(c for c in value if c.isprintable()).strip()
    return value or None


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
