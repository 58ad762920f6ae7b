"""Matcher: clear defender attacks fire P1, generic human-rights / SDG / peace language does not."""

from __future__ import annotations

import numpy as np
import pytest

from core.models import Statement
from nlp.embed import Embedder
from nlp.match import FEATURES, Matcher
from nlp.segment import Segmenter

pytestmark = pytest.mark.slow

ATTACK = ("I strongly condemn the murder of a human rights defender last week and the arrest of activists "
          "who peacefully criticised the authorities.")
GENERIC = [
    "Human rights are universal and indivisible, and every person is born free and equal in dignity.",
    "We must accelerate progress on the Sustainable Development Goals and end extreme poverty by 2030.",
    "The Security Council must act with unity to maintain international peace and security.",
    "Gender equality and the empowerment of women and girls remain the unfinished business of our time.",
]


def _score(matcher: Matcher, embedder: Embedder, texts: list[str], title: str | None = None):  # type: ignore[no-untyped-def]
    return matcher.score(texts, embedder.encode(texts), title)


def test_defender_attack_fires_p1_explicit_condemnation(matcher: Matcher, embedder: Embedder) -> None:
    (dec,) = _score(matcher, embedder, [ATTACK])
    assert set(dec.scores) == {f"P{i}" for i in range(1, 10)}
    assert all(0.0 <= v <= 1.0 for v in dec.scores.values())
    assert dec.scores["P1"] >= matcher.params.decision["P1"]
    assert "P1" in dec.priorities
    assert dec.levels["P1"] == "explicit"
    assert dec.stances["P1"] == "condemnation"
    exp = dec.explanations["P1"]
    assert exp["closest_exemplars"] and exp["closest_exemplars"][0]["similarity"] > 0.4
    assert "defender" in " ".join(exp["cues"]["subject"]).lower()
    assert {"murder", "arrest"} <= {c.lower() for c in exp["cues"]["point"]}


def test_generic_language_does_not_fire(matcher: Matcher, embedder: Embedder) -> None:
    decisions = _score(matcher, embedder, GENERIC)
    for text, dec in zip(GENERIC, decisions):
        assert dec.priorities == [], (text, dec.scores)
        assert dec.scores["P1"] < matcher.params.decision["P1"]


def test_generic_scores_lower_than_attack(matcher: Matcher, embedder: Embedder) -> None:
    decisions = _score(matcher, embedder, [ATTACK, *GENERIC])
    assert decisions[0].scores["P1"] > max(d.scores["P1"] for d in decisions[1:]) + 0.3


def test_reprisals_fire_p9(matcher: Matcher, embedder: Embedder) -> None:
    text = ("No one who cooperates with the United Nations on human rights should face reprisals "
            "or intimidation, and I call on States to investigate every case.")
    (dec,) = _score(matcher, embedder, [text])
    assert "P9" in dec.priorities, dec.scores
    assert dec.stances["P9"] == "call_to_action"


def test_previous_passage_resolves_pronouns(matcher: Matcher, embedder: Embedder) -> None:
    texts = ["Human rights defenders are under attack in many countries.",
             "They are smeared, detained and silenced."]
    feats = matcher.features(texts, embedder.encode(texts))
    j = matcher.ids.index("P1")
    assert feats.anaphoric.tolist() == [False, True]
    assert feats.X[1, j, FEATURES.index("ctx_pair")] == 1.0
    assert feats.X[1, j, FEATURES.index("ctx_sem")] > 0.3
    # Without the previous passage the same sentence gets no context features.
    alone = matcher.features(texts[1:], embedder.encode(texts[1:]))
    assert alone.X[0, j, FEATURES.index("ctx_pair")] == 0.0
    with_ctx = matcher.decide(feats)[1].scores["P1"]
    without = matcher.decide(alone)[0].scores["P1"]
    assert with_ctx >= without


def test_match_statement(matcher: Matcher, embedder: Embedder, agenda) -> None:  # type: ignore[no-untyped-def]
    text = GENERIC[0] + "\n" + ATTACK + "\nThank you."
    st = Statement(id="s1", url="https://press.un.org/en/x", source="press.un.org", title="Message", text=text)
    passages = Segmenter().segment(st.id, st.text)
    vectors = embedder.encode([p.text for p in passages])
    matches = matcher.match_statement(st, passages, vectors, agenda.version)
    p1 = [m for m in matches if m.priority == "P1"]
    assert [m.passage_id for m in p1] == [passages[1].id]
    m = p1[0]
    assert m.statement_id == "s1" and m.agenda_version == agenda.version
    assert m.model == "all-MiniLM-L6-v2" and m.level == "explicit" and 0 < m.score <= 1
    assert all(m.passage_id != passages[0].id for m in matches)


def test_scoring_is_cheap_next_to_embedding(matcher: Matcher, embedder: Embedder) -> None:
    import time

    texts = [f"{ATTACK} ({i})" for i in range(200)]
    vecs = np.repeat(embedder.encode([ATTACK]), 200, axis=0)
    matcher.score(texts[:2], vecs[:2])  # warm-up: compiles cues, embeds exemplars
    t0 = time.perf_counter()
    decisions = matcher.score(texts, vecs)
    elapsed = time.perf_counter() - t0
    assert len(decisions) == 200 and all("P1" in d.priorities for d in decisions)
    assert elapsed < 1.0  # embedding 200 passages takes ~1 s on 2 cores; matching must be well under


def test_continues_detects_split_sentences() -> None:
    from nlp.match import continues

    assert continues("All UN entities will introduce a new core value around respecting and",
                     "protecting human rights and include suitable references to it")
    assert continues("reprisals against those who cooperate with the", "United Nations in the field of human rights.")
    assert continues("Secretary-General, 'Deeply Shocked' by Human Rights Defender's Death",
                     "in Democratic Republic of Congo, Offers Help with Investigation")
    assert not continues("Civic space is shrinking.", "activists are under attack")
    assert not continues("Geneva, 13 September 2012", "I am pleased to greet this discussion.")
    assert not continues("", "and more")


def test_fragment_takes_its_sentences_cues_only_when_it_names_the_subject(matcher: Matcher) -> None:
    # a sentence split over two passages: the subject ("UN entities") is on the first line, the point
    # ("protecting human rights") on the second
    texts = ["All UN entities will introduce a new core value around respecting and",
             "protecting human rights and include suitable references to it in the job"]
    vecs = np.zeros((2, 384), dtype=np.float32)
    split = matcher.features(texts, vecs)
    alone = [matcher.features([t], vecs[:1]) for t in texts]
    j, pair = matcher.ids.index("P3"), FEATURES.index("pair")
    assert alone[0].X[0, j, pair] == 0 and alone[1].X[0, j, pair] == 0
    assert split.X[0, j, pair] == 1  # carries the subject: takes the point from the next line
    assert split.X[1, j, pair] == 0  # only the point: labelling guide rule 5
    assert "protecting" in " ".join(split.cues[0]["P3|point"])
    # the same two lines as two finished sentences are not joined
    closed = matcher.features([texts[0] + ".", "Protecting human rights matters."], vecs)
    assert closed.X[0, j, pair] == 0


def test_spanish_french_and_russian_passages_carry_cue_evidence(matcher: Matcher, embedder: Embedder) -> None:
    es = ("Los regímenes autoritarios, con la eliminación de la sociedad civil y la persecución de los "
          "defensores de los derechos humanos, crean las condiciones para el extremismo.")
    fr = "Je condamne l'assassinat de défenseurs des droits humains et les attaques contre la société civile."
    ru = "Я осуждаю убийство правозащитника и преследование гражданского общества."
    decisions = _score(matcher, embedder, [es, fr, ru])
    for text, dec in zip((es, fr, ru), decisions):
        assert "P1" in dec.priorities, (text, dec.scores)
        assert dec.levels["P1"] == "explicit"
    j = matcher.ids.index("P1")
    feats = matcher.features([es, fr, ru], embedder.encode([es, fr, ru]))
    assert feats.X[:, j, FEATURES.index("pair")].all()
