"""Re-scoring after an agenda edit: stored vectors only, same matches as a full analysis, stale text skipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.config import DEFAULT_AGENDA, Settings
from core.models import Statement, statement_id_for
from core.pipeline import Analyzer, analyze_pending, rescore_stored
from core.store.sqlite import SQLiteStore
from nlp.agenda import Agenda, load_agenda
from nlp.embed import Embedder
from nlp.match import Matcher
from nlp.segment import Segmenter

pytestmark = pytest.mark.slow

TEXTS = [
    ("Message on Human Rights Day",
     ("Human rights are universal.\nI condemn the murder of a human rights defender last week and the arrest of "
     "activists who peacefully criticised the authorities.\nThey are smeared, detained and silenced.\nThank you.")),
    ("Remarks to the Human Rights Council",
     ("No one who cooperates with the United Nations on human rights should face reprisals or intimidation.\n"
     "We must accelerate progress on the Sustainable Development Goals.")),
    ("Message on press freedom",
     "Journalists are being killed and jailed for their work, and most of these crimes go unpunished."),
]


def _statements() -> list[Statement]:
    out = []
    for i, (title, text) in enumerate(TEXTS):
        url = f"https://press.un.org/en/test/rescore-{i}"
        out.append(Statement(id=statement_id_for(url), url=url, source="press.un.org", title=title, text=text))
    return out


def _analyzer(tmp: Path, agenda: Agenda, embedder: Embedder, segmenter: Segmenter) -> Analyzer:
    return Analyzer(Settings(data_dir=tmp, agenda_path=agenda.path or DEFAULT_AGENDA),
                    _parts=(agenda, segmenter, embedder, Matcher(agenda, embedder)))


def _edited(tmp: Path, name: str, extra_exemplar: str | None, threshold: str | None = None) -> Agenda:
    text = DEFAULT_AGENDA.read_text(encoding="utf-8")
    if extra_exemplar:
        anchor = "    exemplars:\n"
        i = text.index(anchor) + len(anchor)
        text = text[:i] + f'      - "{extra_exemplar}"\n' + text[i:]
    if threshold:
        text = text.replace("    decision: 0.2\n    explicit: 0.2\n",
                            f"    decision: {threshold}\n    explicit: {threshold}\n", 1)
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return load_agenda(path)


def _rows(store: SQLiteStore, version: str) -> list[tuple[str, str, float, str, str]]:
    return sorted((m.passage_id, m.priority, m.score, m.level, m.stance)
                  for m in store.matches(agenda_version=version))


def test_rescore_equals_full_analysis_without_embedding(tmp_path: Path, embedder: Embedder,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    segmenter = Segmenter()
    a = _edited(tmp_path, "a.yaml", None)
    b = _edited(tmp_path, "b.yaml", "We honour the defenders who were jailed for speaking out.", threshold="0.5")
    assert a.version != b.version
    statements = _statements()

    # Store 1: analysed with A, then re-scored with B from stored vectors.
    s1 = SQLiteStore(tmp_path / "one" / "sgwatch.sqlite3")
    s1.upsert_statements(statements)
    first = analyze_pending(s1, _analyzer(tmp_path, a, embedder, segmenter))
    assert first.statements == 3 and first.passages >= 6
    assert s1.count_rescorable(b.version, embedder.model_id) == (3, first.passages)
    passage_texts = {p.text for st in statements for p in s1.passages(st.id)}
    asked: list[str] = []
    real_encode = embedder.encode

    def spy(texts, progress=None):  # type: ignore[no-untyped-def]
        asked.extend(texts)
        return real_encode(texts, progress)

    monkeypatch.setattr(embedder, "encode", spy)
    re_b = rescore_stored(s1, _analyzer(tmp_path, b, embedder, segmenter))
    monkeypatch.setattr(embedder, "encode", real_encode)
    assert not passage_texts & set(asked), "re-scoring embedded a passage"
    assert re_b.statements == 3 and re_b.passages == first.passages
    assert s1.count_rescorable(b.version, embedder.model_id) == (0, 0)
    assert list(s1.pending_analysis(b.version, embedder.model_id)) == []

    # Store 2: analysed with B from scratch.
    s2 = SQLiteStore(tmp_path / "two" / "sgwatch.sqlite3")
    s2.upsert_statements(statements)
    analyze_pending(s2, _analyzer(tmp_path, b, embedder, segmenter))
    rescored, full = _rows(s1, b.version), _rows(s2, b.version)
    assert rescored == full and len(full) == re_b.matches
    assert {p for _, p, *_ in _rows(s1, a.version)} >= {"P1", "P9"}
    assert {p for _, p, *_ in full} >= {"P1"}
    # A's matches are kept beside B's; the two versions really differ (threshold 0.2 vs 0.5).
    assert len(_rows(s1, a.version)) == first.matches and first.matches > re_b.matches
    explanation = s1.matches(agenda_version=b.version, priority="P1")[0].explanation
    assert explanation["closest_exemplars"] and explanation["cues"]
    s1.close()
    s2.close()


def test_changed_statement_is_left_to_analyze(tmp_path: Path, embedder: Embedder) -> None:
    segmenter = Segmenter()
    a = _edited(tmp_path, "a.yaml", None)
    b = _edited(tmp_path, "b.yaml", None, threshold="0.4")
    store = SQLiteStore(tmp_path / "sgwatch.sqlite3")
    statements = _statements()
    store.upsert_statements(statements)
    analyze_pending(store, _analyzer(tmp_path, a, embedder, segmenter))
    changed = statements[0].model_copy(update={"text": statements[0].text + "\nA new closing line."})
    store.upsert_statements([changed])
    n_st, _ = store.count_rescorable(b.version, embedder.model_id)
    assert n_st == 2  # the changed one needs new passages and vectors first
    summary = rescore_stored(store, _analyzer(tmp_path, b, embedder, segmenter))
    assert summary.statements == 2
    assert [s.id for s in store.pending_analysis(b.version, embedder.model_id)] == [changed.id]
    store.close()


def test_match_many_equals_one_by_one(matcher: Matcher, embedder: Embedder) -> None:
    docs = [(text.split("\n"), embedder.encode(text.split("\n")), title) for title, text in TEXTS]
    together = matcher.features_many(docs)
    for (texts, vecs, title), f in zip(docs, together):
        alone = matcher.features(texts, vecs, title)
        assert np.allclose(alone.X, f.X)
