"""Session fixtures for the NLP tests: the real agenda, the real MiniLM model (loaded once), a matcher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import DEFAULT_AGENDA
from nlp.agenda import Agenda, load_agenda
from nlp.embed import Embedder
from nlp.match import Matcher


@pytest.fixture(scope="session")
def agenda() -> Agenda:
    """The default agenda file, as shipped."""
    return load_agenda(DEFAULT_AGENDA)


@pytest.fixture(scope="session")
def embed_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh embedding cache file for this test session."""
    return tmp_path_factory.mktemp("embed") / "embeddings.sqlite3"


@pytest.fixture(scope="session")
def embedder(embed_cache: Path) -> Iterator[Embedder]:
    """The real all-MiniLM-L6-v2 embedder with a SQLite cache (the model loads once per session)."""
    emb = Embedder(cache_path=embed_cache)
    yield emb
    emb.close()


@pytest.fixture(scope="session")
def matcher(agenda: Agenda, embedder: Embedder) -> Matcher:
    """The matcher as the product builds it (fitted numbers when present for this agenda version)."""
    return Matcher(agenda, embedder)
