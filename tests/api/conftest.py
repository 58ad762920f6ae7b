"""A real SQLite store in a temp dir, filled with hand-made statements, passages and matches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core.config import DEFAULT_AGENDA, Settings
from core.models import (
    Match,
    Passage,
    SourceRef,
    Statement,
    body_fingerprint,
    passage_id_for,
    statement_id_for,
)
from core.store import open_store
from nlp.agenda import Agenda, load_agenda

MODEL = "all-MiniLM-L6-v2"

# (url, source, doc_type, title, delivery/release date, sentences, matches: (sentence index, priority,
# score, level, stance))
CORPUS: list[dict[str, Any]] = [
    {
        "url": "https://www.un.org/sg/en/content/sg/speeches/2024-03-05/remarks-human-rights-council",
        "source": "un.org/sg",
        "doc_type": "speech",
        "title": "Remarks to the Human Rights Council",
        "delivery_date": date(2024, 3, 5),
        "sentences": [
            "Human rights defenders are being attacked, jailed and killed for their peaceful work.",
            "I condemn every act of intimidation against those who stand up for the rights of others.",
            "We must also invest in sustainable development for all.",
        ],
        "matches": [(0, "P1", 0.82, "explicit", "condemnation"), (1, "P2", 0.55, "implicit", "concern")],
    },
    {
        "url": "https://press.un.org/en/2024/sgsm22222.doc.htm",
        "source": "press.un.org",
        "doc_type": "statement",
        "title": "Statement on climate finance",
        "release_date": date(2024, 3, 20),
        "sentences": [
            "Climate finance must flow to the most vulnerable countries without delay.",
            "Adaptation funding has to double by 2025.",
        ],
        "matches": [],
    },
    {
        "url": "https://www.un.org/sg/en/content/sg/messages/2024-04-10/message-on-cooperation",
        "source": "un.org/sg",
        "doc_type": "message",
        "title": "Message on cooperation with the United Nations",
        "delivery_date": date(2024, 4, 10),
        "sentences": [
            "Reprisals against people who cooperate with the United Nations are unacceptable.",
            "My senior official on intimidation and reprisals will follow up on every case.",
        ],
        "matches": [(0, "P9", 0.9, "explicit", "condemnation"), (1, "P9", 0.7, "explicit", "commitment")],
    },
    {
        "url": "https://press.un.org/en/2024/sgsm22333.doc.htm",
        "source": "press.un.org",
        "doc_type": "press_encounter",
        "title": "Press encounter on media freedom",
        "release_date": date(2024, 5, 2),
        "sentences": [
            "Journalists must be able to work freely and safely, without fear of arrest.",
            "Civic space is shrinking in too many places.",
        ],
        "matches": [(0, "P1", 0.6, "implicit", "call_to_action")],
    },
]


@dataclass
class Corpus:
    """What the tests put in the store, to compare API answers against."""

    settings: Settings
    agenda: Agenda
    statements: list[Statement]
    passages: dict[str, list[Passage]]
    matches: dict[str, list[Match]]


def _statement(row: dict[str, Any]) -> tuple[Statement, list[Passage]]:
    sid = statement_id_for(row["url"])
    text = " ".join(row["sentences"])
    s = Statement(
        id=sid, url=row["url"], source=row["source"], doc_type=row["doc_type"], title=row["title"],
        text=text, release_date=row.get("release_date"), delivery_date=row.get("delivery_date"),
        speaker="António Guterres", speaker_role="Secretary-General",
        sources=[SourceRef(source=row["source"], url=row["url"], title=row["title"],
                           release_date=row.get("release_date"))],
        fingerprint=body_fingerprint(text),
    )
    passages = []
    for i, sentence in enumerate(row["sentences"]):
        start = text.index(sentence)
        passages.append(Passage(id=passage_id_for(sid, i), statement_id=sid, index=i, text=sentence,
                                start=start, end=start + len(sentence)))
    return s, passages


def build_corpus(data_dir: Path, embedder: Any | None = None) -> Corpus:
    """Fill a fresh SQLite store under data_dir through the store's own methods."""
    settings = Settings(data_dir=data_dir, agenda_path=DEFAULT_AGENDA, model_name=MODEL)
    settings.ensure_dirs()
    agenda = load_agenda(settings.agenda_path)
    corpus = Corpus(settings, agenda, [], {}, {})
    store = open_store(settings)
    try:
        built = [_statement(row) for row in CORPUS]
        store.upsert_statements([s for s, _ in built])
        for (s, passages), row in zip(built, CORPUS, strict=True):
            vectors = embedder.encode([p.text for p in passages]) if embedder is not None else None
            matches = [
                Match(passage_id=passages[i].id, statement_id=s.id, priority=pid, score=score, level=level,
                      stance=stance, agenda_version=agenda.version, model=MODEL,
                      explanation={"similarity": score, "cues": ["test"]})
                for i, pid, score, level, stance in row["matches"]
            ]
            store.save_analysis(s.id, passages, vectors, matches, agenda.version, MODEL)
            corpus.statements.append(s)
            corpus.passages[s.id] = passages
            corpus.matches[s.id] = matches
    finally:
        store.close()
    return corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Keyword-only corpus (no vectors, no model load)."""
    return build_corpus(tmp_path_factory.mktemp("api-data"))


@pytest.fixture(scope="session")
def client(corpus: Corpus) -> Iterator[TestClient]:
    """The app on the keyword corpus; its embedder is never loaded by the fast tests."""
    with TestClient(create_app(corpus.settings)) as c:
        yield c


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real MiniLM embedder, loaded once per session."""
    from nlp.embed import Embedder

    e = Embedder(MODEL, tmp_path_factory.mktemp("emb") / "embeddings.sqlite3")
    e.encode(["warm up"])
    yield e
    e.close()


@pytest.fixture(scope="session")
def semantic_corpus(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Corpus:
    """The same corpus with real passage vectors."""
    return build_corpus(tmp_path_factory.mktemp("api-sem"), embedder)


@pytest.fixture(scope="session")
def semantic_client(semantic_corpus: Corpus, embedder: Any) -> Iterator[TestClient]:
    """The app with the session's embedder injected (the model loads once)."""
    with TestClient(create_app(semantic_corpus.settings, embedder=embedder)) as c:
        yield c


def sid(n: int) -> str:
    """Id of the n-th corpus statement."""
    return statement_id_for(CORPUS[n]["url"])
