"""The second agenda (journalists' safety) works with no code change: load, match, analyse, score."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, Settings
from core.models import Statement, statement_id_for
from core.pipeline import Analyzer, analyze_pending
from core.scores import monthly_scores
from core.store.sqlite import SQLiteStore
from nlp.agenda import load_agenda
from nlp.embed import Embedder
from nlp.match import Matcher
from nlp.segment import Segmenter

AGENDA = PROJECT_ROOT / "agendas" / "journalists_safety.yaml"


def test_agenda_loads() -> None:
    agenda = load_agenda(AGENDA)
    assert agenda.id == "journalists_safety" and agenda.ids == ["P1", "P2", "P3", "P4"]
    assert agenda.version.startswith("journalists_safety@")


@pytest.mark.slow
def test_matches_journalist_passages_only(embedder: Embedder) -> None:
    matcher = Matcher(load_agenda(AGENDA), embedder)
    texts = [
        "I condemn the killing of the journalist and call for a swift and independent investigation.",
        "Journalists must never be jailed for their reporting; I call for the release of those detained.",
        "The Security Council must act with unity to maintain international peace and security.",
    ]
    decisions = matcher.score(texts, embedder.encode(texts))
    assert "P1" in decisions[0].priorities and decisions[0].stances["P1"] == "condemnation"
    assert "P3" in decisions[1].priorities and decisions[1].stances["P3"] == "call_to_action"
    assert decisions[2].priorities == []


@pytest.mark.slow
def test_analysis_and_monthly_scores(tmp_path: Path, embedder: Embedder) -> None:
    agenda = load_agenda(AGENDA)
    url = "https://press.un.org/en/test/impunity-day"
    st = Statement(id=statement_id_for(url), url=url, source="press.un.org", release_date=date(2024, 11, 2),
                   title="Message on the International Day to End Impunity for Crimes against Journalists",
                   text="Around the globe, journalists are attacked every day for doing their work.\n"
                        "Nearly 9 out of 10 killings of journalists go unpunished. I call on all Governments "
                        "to investigate every case and bring the perpetrators to justice.")
    store = SQLiteStore(tmp_path / "sgwatch.sqlite3")
    store.upsert_statements([st])
    analyzer = Analyzer(Settings(data_dir=tmp_path, agenda_path=AGENDA),
                        _parts=(agenda, Segmenter(), embedder, Matcher(agenda, embedder)))
    summary = analyze_pending(store, analyzer)
    assert summary.by_priority.get("P1", 0) >= 1 and summary.by_priority.get("P2", 0) >= 1
    scores = {s.priority: s for s in monthly_scores(store, agenda, None, embedder.model_id)}
    assert set(scores) == {"P1", "P2", "P3", "P4"}
    assert scores["P1"].score > 0 and scores["P2"].score > 0
    assert scores["P2"].evidence and scores["P2"].evidence[0].stance == "call_to_action"
    store.close()
