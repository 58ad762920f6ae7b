"""The product's data: Statement, Passage, Match, MonthlyScore (and small helpers for stable ids)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Source = Literal["un.org/sg", "press.un.org"]
DocType = Literal[
    "speech",  # remarks / address delivered at an event
    "statement",  # statement attributable to the SG or issued by the Spokesperson
    "message",  # written or video message for a day / event
    "press_encounter",  # press encounter / press conference / stake-out (Q&A turns)
    "note_to_correspondents",
    "press_release",  # any other press.un.org release
    "noon_briefing",  # the Spokesperson's daily noon briefing (press.un.org db*)
    "other",
]
Level = Literal["explicit", "implicit"]
Stance = Literal["mention", "concern", "condemnation", "call_to_action", "commitment"]


def stable_id(text: str, length: int = 16) -> str:
    """Short, stable hex id from a string (sha1)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def statement_id_for(canonical_url: str) -> str:
    """Statement id = hash of the canonical URL."""
    return stable_id(canonical_url)


def passage_id_for(statement_id: str, index: int) -> str:
    """Passage id = statement id + index."""
    return f"{statement_id}-{index:04d}"


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def body_fingerprint(text: str, words: int = 200) -> str:
    """Fingerprint of a body for cross-site dedupe: first N words, case/accents/punctuation folded.

    The same speech on un.org/sg and press.un.org differs in title, date and lead line; the body words
    are the same. Only the opening words count so that a trailing footer or French half cannot split
    two copies of one speech.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    tokens = _WORD.findall(folded)[:words]
    return stable_id(" ".join(tokens), 32)


class SourceRef(BaseModel):
    """One place a statement was found (the same speech can be on both sites)."""

    source: Source
    url: str
    title: str | None = None
    release_date: date | None = None
    symbols: list[str] = Field(default_factory=list)


class Translation(BaseModel):
    """Another language version of the statement found on the same page (e.g. the French half)."""

    language: str
    text: str


class Turn(BaseModel):
    """One speaker turn in a multi-speaker transcript (press encounters, conferences)."""

    speaker: str
    text: str


class Statement(BaseModel):
    """One SG (or DSG / Spokesperson) text, as crawled and normalised."""

    id: str
    url: str  # canonical URL of the first source it was found on
    source: Source
    sources: list[SourceRef] = Field(default_factory=list)
    doc_type: DocType = "other"
    title: str
    text: str  # the English body: no navigation, no lead line, no other-language half
    lead: str | None = None  # press.un.org's "Following is ..." line
    language: str = "en"
    translations: list[Translation] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list)
    release_date: date | None = None
    delivery_date: date | None = None
    url_date: date | None = None
    location: str | None = None
    speaker: str | None = None  # e.g. "António Guterres"
    speaker_role: str | None = None  # "Secretary-General", "Deputy Secretary-General", "Spokesperson"
    delivered_by: str | None = None
    delivery_status: Literal["as_prepared", "as_delivered"] | None = None
    symbols: list[str] = Field(default_factory=list)
    fingerprint: str = ""  # body_fingerprint(text); set by the pipeline
    extraction: dict[str, str] = Field(default_factory=dict)  # field -> "selector" | "text_shape" | "generic"
    fetched_at: datetime | None = None

    @property
    def month(self) -> str | None:
        """YYYY-MM used in scores: delivery date when known, else release date, else URL date."""
        d = self.delivery_date or self.release_date or self.url_date
        return d.strftime("%Y-%m") if d else None

    @property
    def effective_date(self) -> date | None:
        """The date scores use."""
        return self.delivery_date or self.release_date or self.url_date


class Passage(BaseModel):
    """A span of a statement's text (one or a few spaCy sentences)."""

    id: str
    statement_id: str
    index: int
    text: str
    start: int  # character offsets into Statement.text
    end: int
    text_hash: str = ""


class Match(BaseModel):
    """The matcher's decision for one passage x priority."""

    passage_id: str
    statement_id: str
    priority: str  # "P1".."P9"
    score: float = Field(ge=0.0, le=1.0)
    level: Level
    stance: Stance = "mention"
    agenda_version: str
    model: str
    explanation: dict[str, Any] = Field(default_factory=dict)


class Evidence(BaseModel):
    """A passage behind a monthly number."""

    passage_id: str
    statement_id: str
    statement_title: str
    url: str
    date: date | None
    text: str
    score: float
    level: Level
    stance: Stance
    why: str = ""  # the matcher's reasons in words (cues, closest exemplar), see core.scores.why_matched


class MonthlyScore(BaseModel):
    """One month x priority, with the numbers and the passages behind them."""

    month: str  # YYYY-MM
    priority: str
    statements: int  # SG statements that month
    addressing: int  # statements with at least one match for the priority
    share: float  # addressing / statements (0 when no statements)
    passages: int  # matched passages
    explicit_passages: int
    strength: float  # mean score of the top passages
    score: float  # 0..100, formula in core/scores.py and README
    agenda_version: str
    model: str
    evidence: list[Evidence] = Field(default_factory=list)
    # Components and context of the score (core/scores.py); defaults keep older callers working.
    intensity: float = 0.0  # = strength: weighted mean of the top matches
    explicitness: float = 0.0  # explicit_passages / passages
    coverage_low: float = 0.0  # Wilson 95 % interval on share
    coverage_high: float = 0.0
    score_low: float = 0.0  # the score with coverage at either end of its interval
    score_high: float = 0.0
    few_statements: bool = False  # fewer statements than core.scores.FEW_STATEMENTS: read with care
    previous_month: str | None = None  # latest earlier month with statements
    delta_previous: float | None = None  # score - that month's score
    baseline: float | None = None  # mean score over the trailing 12 months that had statements
    baseline_months: int = 0
    delta_baseline: float | None = None
    silence_streak: int = 0  # months since the priority was last addressed explicitly (0: this month)
    last_explicit: str | None = None  # that month; None: never in the stored record
    formula_version: str = ""
    code_version: str = ""
