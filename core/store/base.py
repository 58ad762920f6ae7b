"""The Store protocol every backend implements (SQLite by default, Elasticsearch at scale).

The contract suite in tests/store/ runs against each backend. Methods take and return the models in
core.models and the small dataclasses below; no backend type crosses this line, and backend errors
are raised as core.errors.StoreError / StoreUnavailable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from core.models import Match, Passage, Statement

MAPPINGS_DIR = Path(__file__).resolve().parent.parent.parent / "index_mappings"


def mapping_fields(name: str) -> dict[str, dict[str, Any]]:
    """Top-level fields declared in index_mappings/<name>.json (the schema every backend follows)."""
    doc = json.loads((MAPPINGS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    props: dict[str, dict[str, Any]] = doc["mappings"]["properties"]
    return props


@dataclass
class UpsertResult:
    """What upsert_statements did with each statement it was given."""

    inserted: int = 0
    updated: int = 0  # same id, changed content
    unchanged: int = 0  # same id, same content
    merged: int = 0  # same body as a stored statement with another id: added as a second source
    merged_into: dict[str, str] = field(default_factory=dict)  # incoming id -> stored id


@dataclass
class StatementFilters:
    """Filters shared by statement and passage searches; None means no filter."""

    priority: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None
    doc_type: str | None = None
    speaker_role: str | None = None
    language: str | None = None
    agenda_version: str | None = None  # which analysis a priority filter refers to
    # Added for the API (issue 5); backends that predate them treat None as "no filter".
    speaker: str | None = None  # speaker name or role, case-insensitive ("António Guterres", "Spokesperson")
    location: str | None = None  # case-insensitive, e.g. "Geneva"
    level: str | None = None  # only texts with a match of this level (explicit | implicit) ...
    stance: str | None = None  # ... of this stance ...
    min_score: float | None = None  # ... and at least this match score (with priority: a match for it)


@dataclass
class StatementHit:
    """A statement found by a search, with the matching priorities and a snippet."""

    statement: Statement
    score: float | None = None
    snippet: str | None = None
    priorities: list[str] = field(default_factory=list)


@dataclass
class PassageHit:
    """A passage found by a search, with its statement's metadata and its matches."""

    passage: Passage
    statement_title: str
    url: str
    date: date | None
    source: str
    doc_type: str
    score: float
    snippet: str | None = None
    matches: list[Match] = field(default_factory=list)


@dataclass
class SearchPage:
    """One page of search results."""

    total: int
    items: list[Any]
    # {facet: {value: count}} over every hit (not just this page), when asked for: priority, source,
    # type, year, speaker (role).
    facets: dict[str, dict[str, int]] | None = None


@dataclass
class MonthPriorityAggregate:
    """Raw counts for one month x priority; core.scores turns these into a MonthlyScore."""

    month: str
    priority: str
    statements: int  # statements dated in that month (all, matched or not)
    addressing: int  # statements with >= 1 match for the priority
    passages: int  # matched passages
    explicit_passages: int
    # strongest matches first: (passage_id, statement_id, score, level, stance), at most top_k
    top: list[tuple[str, str, float, str, str]] = field(default_factory=list)


@dataclass
class EvidenceDetail:
    """What a piece of evidence shows for one passage: its statement, its text, the matcher's reasons."""

    statement_id: str
    title: str
    url: str
    date: date | None  # the statement's effective date
    text: str
    explanation: dict[str, Any] | None = None  # the matcher's reasons for the priority asked about


@dataclass
class StoredAnalysis:
    """One statement's stored passages and vectors: what re-scoring reads instead of re-embedding."""

    statement_id: str
    title: str
    passage_ids: list[str]
    texts: list[str]  # in passage order
    vectors: np.ndarray  # (passages, dim) float32


@runtime_checkable
class Store(Protocol):
    """Persistence and search for statements, passages and matches."""

    def close(self) -> None:
        """Release connections."""

    # --- writing -------------------------------------------------------------------------------
    def upsert_statements(self, statements: Iterable[Statement]) -> UpsertResult:
        """Insert or update statements by id; a body already stored under another id is merged as a source."""

    def pending_analysis(self, agenda_version: str, model: str) -> Iterator[Statement]:
        """Statements not yet analysed with this agenda version and model (or changed since)."""

    def save_analysis(
        self,
        statement_id: str,
        passages: Sequence[Passage],
        vectors: np.ndarray | None,
        matches: Sequence[Match],
        agenda_version: str,
        model: str,
    ) -> None:
        """Replace a statement's passages, vectors and matches in one transaction (all or nothing)."""

    def record_crawl_event(self, source: str, url: str, outcome: str, reason: str | None = None,
                           month: str | None = None, extraction: dict[str, str] | None = None) -> None:
        """Log what happened to one fetched page: outcome 'stored' | 'skipped' | 'error'."""

    # --- reading -------------------------------------------------------------------------------
    def statement(self, statement_id: str) -> Statement | None:
        """One statement by id (also found by a merged duplicate's id)."""

    def iter_statements(self) -> Iterator[Statement]:
        """Every stored statement, in id order, streamed."""

    def passages(self, statement_id: str) -> list[Passage]:
        """A statement's passages in order."""

    def search_statements(self, q: str | None, filters: StatementFilters, limit: int = 20,
                          offset: int = 0, facets: bool = False) -> SearchPage:
        """Statements matching a keyword query (None: all), newest first; items are StatementHit."""

    def search_passages(self, q: str | None, filters: StatementFilters,
                        mode: Literal["keyword", "semantic", "hybrid"] = "keyword",
                        query_vector: np.ndarray | None = None, limit: int = 20,
                        offset: int = 0, facets: bool = False) -> SearchPage:
        """Passages by keyword (FTS), by vector similarity, or both; items are PassageHit."""

    def iter_statement_hits(self, q: str | None, filters: StatementFilters) -> Iterator[StatementHit]:
        """Every statement search_statements would return, in the same order, streamed (exports, no cap)."""

    def iter_passage_hits(self, q: str | None, filters: StatementFilters,
                          mode: Literal["keyword", "semantic", "hybrid"] = "keyword",
                          query_vector: np.ndarray | None = None) -> Iterator[PassageHit]:
        """Every passage search_passages would return, in the same order, streamed (exports, no cap;
        hybrid: the fused candidate pools). Snippets are left out."""

    def top_matches(self, priority: str, filters: StatementFilters, limit: int = 20,
                    offset: int = 0) -> SearchPage:
        """Passages matched to a priority, strongest match first (quotes); items are PassageHit whose
        score is the match score and whose first match is the priority's."""

    def matches(self, statement_id: str | None = None, priority: str | None = None,
                agenda_version: str | None = None, date_from: date | None = None,
                date_to: date | None = None, limit: int | None = None) -> list[Match]:
        """Matches, strongest first, filtered."""

    def monthly_aggregates(self, agenda_version: str, date_from: date | None = None,
                           date_to: date | None = None, priorities: Sequence[str] | None = None,
                           top_k: int = 5, source: str | None = None, doc_type: str | None = None,
                           speaker_role: str | None = None,
                           mentions: str | None = None) -> list[MonthPriorityAggregate]:
        """Counts per month x priority for months that have statements (every listed priority included).

        doc_type / speaker_role filter on those fields; mentions keeps statements whose location or
        title contains the phrase (case-insensitive).
        """

    def passage_vectors(self, model: str) -> Iterator[tuple[list[str], np.ndarray]]:
        """Stored passage vectors in batches (ids, matrix) for re-scoring without re-embedding."""

    def count_rescorable(self, agenda_version: str, model: str) -> tuple[int, int]:
        """(statements, passages) that rescorable() would yield."""

    def rescorable(self, agenda_version: str, model: str,
                   batch_passages: int = 20000) -> Iterator[list[StoredAnalysis]]:
        """Statements whose passages and vectors (for model) are current but that lack an analysis with
        this agenda version, in batches of about batch_passages passages (whole statements)."""

    def save_matches(self, results: Sequence[tuple[str, int, Sequence[Match]]], agenda_version: str,
                     model: str) -> int:
        """Save re-scored matches for many statements in one transaction, passages and vectors untouched.

        Each result is (statement id, passage count, matches). A statement whose text changed since its
        passages were stored is skipped (it needs a full analysis). Returns the statements saved.
        """

    def stats(self) -> dict[str, Any]:
        """Counts: statements, passages, matches, per source, crawl outcomes and skip reasons."""
