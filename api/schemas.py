"""Response models of the search, quote and export endpoints (they are the OpenAPI schema, with examples)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.models import DocType, Level, Source, Stance

_SID = "3f2a9c81d04b6e75"

MATCH_EXAMPLE: dict[str, Any] = {
    "priority": "P1", "score": 0.82, "level": "explicit", "stance": "condemnation",
    "explanation": {"cues": {"actor": ["human rights defenders"]}, "closest_exemplars": [
        {"exemplar": "I condemn attacks on human rights defenders.", "similarity": 0.81}]},
}


class MatchOut(BaseModel):
    """The matcher's decision for one passage x priority."""

    priority: str = Field(description="Agenda priority id (P1..P9).")
    score: float = Field(description="Match score, 0..1.")
    level: Level
    stance: Stance
    explanation: dict[str, Any] = Field(default_factory=dict, description="Why it matched (cues, closest exemplars).")


class Facets(BaseModel):
    """Counts over every hit of the search (not only this page)."""

    priority: dict[str, int] = Field(default_factory=dict, description="Hits matched to each priority.")
    source: dict[str, int] = Field(default_factory=dict, description="Hits found on each site (a text on both counts twice).")
    type: dict[str, int] = Field(default_factory=dict, description="Hits by document type.")
    year: dict[str, int] = Field(default_factory=dict, description="Hits by year of the text's date (undated left out).")
    speaker: dict[str, int] = Field(default_factory=dict, description="Hits by speaker role.")


FACETS_EXAMPLE: dict[str, Any] = {"priority": {"P1": 41, "P9": 7}, "source": {"un.org/sg": 120, "press.un.org": 95},
                  "type": {"speech": 80, "statement": 60}, "year": {"2024": 30, "2023": 25},
                  "speaker": {"Secretary-General": 150, "Spokesperson": 20}}


class StatementHitOut(BaseModel):
    """A statement found by a search."""

    id: str
    url: str
    source: Source
    doc_type: DocType
    title: str
    date: str | None = Field(description="Delivery date, else release date, else URL date (YYYY-MM-DD).")
    release_date: str | None
    delivery_date: str | None
    speaker: str | None
    speaker_role: str | None
    location: str | None
    score: float | None = Field(description="bm25 relevance (keyword query), null when listing without a query.")
    snippet: str | None = Field(description="HTML-escaped excerpt; <mark> around matched terms.")
    priorities: list[str] = Field(description="Agenda priorities some passage of it is matched to.")


STATEMENT_HIT_EXAMPLE: dict[str, Any] = {
    "id": _SID, "url": "https://www.un.org/sg/en/content/sg/speeches/2024-03-05/remarks-human-rights-council",
    "source": "un.org/sg", "doc_type": "speech", "title": "Remarks to the Human Rights Council",
    "date": "2024-03-05", "release_date": "2024-03-05", "delivery_date": "2024-03-05",
    "speaker": "António Guterres", "speaker_role": "Secretary-General", "location": "Geneva", "score": 7.42,
    "snippet": "…<mark>Human</mark> <mark>rights</mark> <mark>defenders</mark> are being attacked…",
    "priorities": ["P1", "P2"],
}


class StatementSearchOut(BaseModel):
    """One page of statements."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "total": 1, "limit": 20, "offset": 0, "next_cursor": None, "items": [STATEMENT_HIT_EXAMPLE],
        "facets": FACETS_EXAMPLE}]})

    total: int = Field(description="Hits in all (every page).")
    limit: int
    offset: int
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last page.")
    items: list[StatementHitOut]
    facets: Facets | None = Field(default=None, description="With facets=true.")


class PassageHitOut(BaseModel):
    """A passage found by a search, with its statement and its matches."""

    id: str
    statement_id: str
    index: int
    text: str
    snippet: str | None = Field(description="HTML-escaped excerpt; <mark> around matched terms.")
    score: float = Field(description="bm25 (keyword), cosine (semantic) or fused reciprocal rank (hybrid).")
    statement_title: str
    url: str
    date: str | None
    source: Source
    doc_type: DocType
    matches: list[MatchOut]


PASSAGE_HIT_EXAMPLE: dict[str, Any] = {
    "id": f"{_SID}-0000", "statement_id": _SID, "index": 0,
    "text": "Human rights defenders are being attacked, jailed and killed for their peaceful work.",
    "snippet": "<mark>Human</mark> <mark>rights</mark> <mark>defenders</mark> are being attacked, jailed and killed…",
    "score": 0.0325, "statement_title": "Remarks to the Human Rights Council",
    "url": STATEMENT_HIT_EXAMPLE["url"], "date": "2024-03-05", "source": "un.org/sg", "doc_type": "speech",
    "matches": [MATCH_EXAMPLE],
}


class PassageSearchOut(BaseModel):
    """One page of passages."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "total": 1, "limit": 20, "offset": 0, "mode": "hybrid", "next_cursor": None,
        "items": [PASSAGE_HIT_EXAMPLE], "facets": FACETS_EXAMPLE}]})

    total: int = Field(description="Hits in all (hybrid: the fused candidates of both lists).")
    limit: int
    offset: int
    mode: str = Field(description="keyword, semantic or hybrid.")
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last page.")
    items: list[PassageHitOut]
    facets: Facets | None = Field(default=None, description="With facets=true.")


class QuoteOut(BaseModel):
    """A passage quoted as evidence for a priority."""

    passage_id: str
    statement_id: str
    statement_title: str
    date: str | None
    url: str
    source: Source
    doc_type: DocType
    text: str = Field(description="The passage, verbatim.")
    score: float = Field(description="Match score for the priority, 0..1.")
    level: Level
    stance: Stance
    reason: str = Field(description="Why it matched, in words.")
    explanation: dict[str, Any] = Field(default_factory=dict, description="The matcher's raw explanation.")


QUOTE_EXAMPLE: dict[str, Any] = {
    "passage_id": f"{_SID}-0000", "statement_id": _SID, "statement_title": "Remarks to the Human Rights Council",
    "date": "2024-03-05", "url": STATEMENT_HIT_EXAMPLE["url"], "source": "un.org/sg", "doc_type": "speech",
    "text": PASSAGE_HIT_EXAMPLE["text"], "score": 0.82, "level": "explicit", "stance": "condemnation",
    "reason": "explicit · condemnation; cue words: human rights defenders", "explanation": MATCH_EXAMPLE["explanation"],
}


class PriorityRef(BaseModel):
    """An agenda priority."""

    id: str
    title: str


class QuotesOut(BaseModel):
    """The strongest passages for a priority."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "priority": {"id": "P1", "title": "Speak out against attacks on human rights defenders"},
        "total": 1, "limit": 20, "offset": 0, "next_cursor": None, "items": [QUOTE_EXAMPLE]}]})

    priority: PriorityRef
    total: int
    limit: int
    offset: int
    next_cursor: str | None
    items: list[QuoteOut]


class JobOut(BaseModel):
    """A background crawl or analysis started through the API."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "crawl-1", "kind": "crawl", "status": "running", "pid": 4242, "returncode": None,
        "command": ["sgwatch", "crawl", "--spider", "un_sg"], "log": "data/jobs/crawl-1.log",
        "started_at": "2026-05-01T12:00:00+00:00"}]})

    id: str
    kind: str = Field(description="crawl or analyze.")
    status: str = Field(description="running, finished or failed.")
    pid: int
    returncode: int | None
    command: list[str]
    log: str = Field(description="File the job's output goes to.")
    started_at: str
