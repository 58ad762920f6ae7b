"""Analysis: stored statements -> passages -> vectors -> matches, one transaction per statement.

Statements are taken in batches so the embedding model sees large batches (the cost that matters);
each statement's passages, vectors and matches are then saved atomically, so an interrupted run
leaves only whole statements behind and the next run picks up the rest (`pending_analysis`).

Re-scoring (`rescore_stored`): after an agenda edit the stored passages and their vectors are still
valid, only the matches are stale. They are re-scored from the store in large batches (no
segmentation, no model), and saved with the new agenda version, many statements per transaction.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np

from core.config import Settings
from core.models import Passage, Statement
from core.store.base import Store
from nlp.match import MatchRow, rows_to_matches

log = logging.getLogger(__name__)


@dataclass
class AnalysisSummary:
    """What one analysis run did."""

    statements: int = 0
    passages: int = 0
    matches: int = 0
    by_priority: dict[str, int] = field(default_factory=dict)
    agenda_version: str = ""
    model: str = ""
    seconds: float = 0.0


@dataclass
class Analyzer:
    """Segmenter + embedder + matcher, built once from the settings."""

    settings: Settings
    _parts: tuple | None = None  # (agenda, segmenter, embedder, matcher), built lazily

    def parts(self) -> tuple:
        """Load the agenda and the models (heavy: done once, on first use)."""
        if self._parts is None:
            from nlp.agenda import load_agenda
            from nlp.embed import Embedder
            from nlp.match import Matcher
            from nlp.segment import Segmenter

            agenda = load_agenda(self.settings.agenda_path)
            embedder = Embedder(self.settings.model_name, cache_path=self.settings.embed_cache_path,
                                batch_size=self.settings.embed_batch_size)
            self._parts = (agenda, Segmenter(self.settings.spacy_model), embedder, Matcher(agenda, embedder))
        return self._parts

    @property
    def agenda_version(self) -> str:
        """Version tag of the agenda in use."""
        return str(self.parts()[0].version)

    @property
    def model(self) -> str:
        """Embedding model id in use."""
        return str(self.parts()[2].model_id)


# The matcher a re-scoring worker process uses: set in the parent before the pool forks, so each
# worker inherits it (compiled cues, exemplar vectors) instead of rebuilding or unpickling it.
_WORKER_MATCHER: Any = None


def _rescore_chunk(items: list[tuple[str, str, list[str], list[str], np.ndarray]]) -> list[list[MatchRow]]:
    # plain rows, not Match objects: unpickling pydantic models costs ~40 us each in the parent
    return _WORKER_MATCHER.match_rows_many(items)


def rescore_stored(store: Store, analyzer: Analyzer, batch_passages: int = 20000,
                   on_progress: Callable[[int, int], None] | None = None,
                   workers: int | None = None) -> AnalysisSummary:
    """Re-score every statement whose stored passages and vectors are current but whose matches were
    made with another agenda version: reads vectors, never embeds or segments.

    Matching is pure Python + numpy on stored data, so it is spread over `workers` processes (default
    the `rescore_workers` setting; 0 = one per CPU core) while this process reads and writes the
    store. on_progress(statements_done, passages_done) is called after each saved batch.
    """
    global _WORKER_MATCHER
    agenda, _, embedder, matcher = analyzer.parts()
    version, model = agenda.version, embedder.model_id
    summary = AnalysisSummary(agenda_version=version, model=model)
    t0 = time.perf_counter()
    matcher.cues  # noqa: B018 - compile cues and embed exemplars once, before any fork
    matcher._vectors()
    n_workers = analyzer.settings.rescore_workers if workers is None else workers
    n_workers = n_workers or os.cpu_count() or 1
    pool = None
    if n_workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _WORKER_MATCHER = matcher
        pool = multiprocessing.get_context("fork").Pool(n_workers)

    def score(batch: list[Any]) -> Any:
        items = [(a.statement_id, a.title, a.passage_ids, a.texts, a.vectors) for a in batch]
        if pool is None:
            return batch, matcher.match_many(items, version)
        size = max(1, len(items) // n_workers)
        chunks = [items[i: i + size] for i in range(0, len(items), size)]
        return batch, pool.map_async(_rescore_chunk, chunks)

    def save(batch: list[Any], result: Any) -> None:
        if isinstance(result, list):
            per_statement = result
        else:
            rows = [r for part in result.get() for r in part]
            per_statement = [rows_to_matches(a.statement_id, r, version, model)
                             for a, r in zip(batch, rows, strict=True)]
        saved = store.save_matches([(a.statement_id, len(a.passage_ids), m)
                                    for a, m in zip(batch, per_statement, strict=True)], version, model)
        summary.statements += saved
        summary.passages += sum(len(a.passage_ids) for a in batch)
        for matches in per_statement:
            summary.matches += len(matches)
            for m in matches:
                summary.by_priority[m.priority] = summary.by_priority.get(m.priority, 0) + 1
        if on_progress:
            on_progress(summary.statements, summary.passages)

    try:
        pending = None  # the batch being scored by the workers while the next one is read
        for batch in store.rescorable(version, model, batch_passages=batch_passages):
            current = score(batch)
            if pending is not None:
                save(*pending)
            pending = current
        if pending is not None:
            save(*pending)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        _WORKER_MATCHER = None
    summary.seconds = time.perf_counter() - t0
    log.info("Re-scored %d statements (%d passages) from stored vectors in %.1f s: %d matches (agenda %s)",
             summary.statements, summary.passages, summary.seconds, summary.matches, version)
    return summary


def _batches(items: Iterator[Statement], size: int) -> Iterator[list[Statement]]:
    while batch := list(islice(items, size)):
        yield batch


def _pools(pending: Iterator[Statement], segmenter: Any, batch_statements: int,
           pool_passages: int) -> Iterator[list[tuple[Statement, list[Passage]]]]:
    """Segmented statements, grouped until a group holds about pool_passages passages.

    The embedding model sorts a call's texts by length: big pools mean batches of similar lengths and
    little padding, which is most of the gap between analysis and raw `model.encode` throughput.
    """
    pool: list[tuple[Statement, list[Passage]]] = []
    size = 0
    for batch in _batches(pending, batch_statements):
        for statement, passages in zip(batch, segmenter.segment_many((s.id, s.text) for s in batch), strict=True):
            pool.append((statement, passages))
            size += len(passages)
        if size >= pool_passages:
            yield pool
            pool, size = [], 0
    if pool:
        yield pool


def analyze_pending(store: Store, analyzer: Analyzer, batch_statements: int = 32,
                    on_progress: Callable[[int, int], None] | None = None,
                    limit: int | None = None, pool_passages: int = 1024) -> AnalysisSummary:
    """Analyse every statement not yet analysed with the current agenda version and model.

    on_progress(statements_done, passages_done) is called after each statement is saved.
    """
    agenda, segmenter, embedder, matcher = analyzer.parts()
    version, model = agenda.version, embedder.model_id
    summary = AnalysisSummary(agenda_version=version, model=model)
    pending: Iterator[Statement] = iter(list(store.pending_analysis(version, model)))
    if limit is not None:
        pending = islice(pending, limit)
    for pool in _pools(pending, segmenter, batch_statements, pool_passages):
        texts = [p.text for _, passages in pool for p in passages]
        vectors = embedder.encode(texts) if texts else np.zeros((0, embedder.dim), dtype=np.float32)
        items = []
        offset = 0
        for statement, passages in pool:
            items.append((statement.id, statement.title, [p.id for p in passages], [p.text for p in passages],
                          vectors[offset: offset + len(passages)]))
            offset += len(passages)
        all_matches = matcher.match_many(items, version)
        for (statement, passages), item, matches in zip(pool, items, all_matches, strict=True):
            store.save_analysis(statement.id, passages, item[4], matches, version, model)
            summary.statements += 1
            summary.passages += len(passages)
            summary.matches += len(matches)
            for m in matches:
                summary.by_priority[m.priority] = summary.by_priority.get(m.priority, 0) + 1
            if on_progress:
                on_progress(summary.statements, summary.passages)
    log.info("Analysed %d statements: %d passages, %d matches (agenda %s, model %s)",
             summary.statements, summary.passages, summary.matches, version, model)
    return summary
