"""Analysis: stored statements -> passages -> vectors -> matches, one transaction per statement.

Statements are taken in batches so the embedding model sees large batches (the cost that matters);
each statement's passages, vectors and matches are then saved atomically, so an interrupted run
leaves only whole statements behind and the next run picks up the rest (`pending_analysis`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from core.config import Settings
from core.models import Statement
from core.store.base import Store

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


def _batches(items: Iterator[Statement], size: int) -> Iterator[list[Statement]]:
    while batch := list(islice(items, size)):
        yield batch


def analyze_pending(store: Store, analyzer: Analyzer, batch_statements: int = 32,
                    on_progress: Callable[[int, int], None] | None = None,
                    limit: int | None = None) -> AnalysisSummary:
    """Analyse every statement not yet analysed with the current agenda version and model.

    on_progress(statements_done, passages_done) is called after each statement is saved.
    """
    agenda, segmenter, embedder, matcher = analyzer.parts()
    version, model = agenda.version, embedder.model_id
    summary = AnalysisSummary(agenda_version=version, model=model)
    pending: Iterator[Statement] = iter(list(store.pending_analysis(version, model)))
    if limit is not None:
        pending = islice(pending, limit)
    for batch in _batches(pending, batch_statements):
        segmented = list(segmenter.segment_many((s.id, s.text) for s in batch))
        texts = [p.text for passages in segmented for p in passages]
        vectors = embedder.encode(texts) if texts else np.zeros((0, embedder.dim), dtype=np.float32)
        offset = 0
        for statement, passages in zip(batch, segmented, strict=True):
            vecs = vectors[offset: offset + len(passages)]
            offset += len(passages)
            matches = matcher.match_statement(statement, passages, vecs, version) if passages else []
            store.save_analysis(statement.id, passages, vecs, matches, version, model)
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
