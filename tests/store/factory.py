"""Hand-made statements, passages, vectors and matches for the store tests (no model needed)."""

from __future__ import annotations

from datetime import date

import numpy as np

from core.models import Match, Passage, Statement, body_fingerprint, passage_id_for, statement_id_for

AGENDA = "agenda-v1"
MODEL = "test-model"


def statement(slug: str, text: str, *, source: str = "un.org/sg", title: str | None = None,
              day: date | None = date(2024, 1, 15), **extra: object) -> Statement:
    """A statement whose id is derived from its URL like the pipeline does."""
    host = "https://www.un.org/sg/en/content/sg/" if source == "un.org/sg" else "https://press.un.org/en/2024/"
    url = host + slug
    fields: dict[str, object] = {
        "id": statement_id_for(url), "url": url, "source": source, "title": title or f"Remarks {slug}",
        "text": text, "release_date": day, "fingerprint": body_fingerprint(text), "doc_type": "speech",
        "speaker_role": "Secretary-General",
    }
    fields.update(extra)
    return Statement.model_validate(fields)


def split(st: Statement) -> list[Passage]:
    """One passage per sentence (split on '. '), with offsets into the text."""
    out: list[Passage] = []
    start = 0
    for i, chunk in enumerate(s for s in st.text.split(". ") if s):
        begin = st.text.index(chunk, start)
        end = begin + len(chunk)
        out.append(Passage(id=passage_id_for(st.id, i), statement_id=st.id, index=i, text=chunk,
                           start=begin, end=end))
        start = end
    return out


def unit_vectors(n: int, dim: int = 8, seed: int = 7) -> np.ndarray:
    """n random unit vectors (float32), reproducible."""
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def match(p: Passage, priority: str, score: float, level: str = "explicit", stance: str = "mention",
          version: str = AGENDA, model: str = MODEL) -> Match:
    """A matcher decision for one passage."""
    return Match(passage_id=p.id, statement_id=p.statement_id, priority=priority, score=score,
                 level=level, stance=stance, agenda_version=version, model=model)  # type: ignore[arg-type]
