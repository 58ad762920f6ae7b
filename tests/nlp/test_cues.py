"""Cue phrases: exact tokens, prefixes, any-token gaps, sentence starts, masking; stance rules."""

from __future__ import annotations

import pytest

from nlp.agenda import Agenda
from nlp.cues import CueIndex, compile_phrase, tokens
from nlp.match import CueMatcher


def _named(index: CueIndex, text: str) -> dict[str, list[str]]:
    return index.match_named(text)


def test_tokens_fold_case_quotes_and_dashes() -> None:
    assert tokens("Women’s NON‑Governmental groups") == ["women", "'", "s", "non", "-", "governmental", "groups"]


def test_prefix_and_exact() -> None:
    idx = CueIndex({"who": ["human rights defender*", "activist*"], "what": ["attack*", "civic space"]})
    hits = _named(idx, "Attacks on Human Rights Defenders and on activists shrink civic space.")
    assert hits["who"] == ["human rights defenders", "activists"]
    assert hits["what"] == ["attacks", "civic space"]
    assert _named(idx, "The defence of human rights.") == {}


def test_any_token_gap_and_overlapping_phrases() -> None:
    idx = CueIndex({"call": ["call * for", "call for"], "who": ["those * to defend"]})
    assert _named(idx, "I call again for restraint.") == {"call": ["call again for"]}
    assert _named(idx, "I call for restraint.") == {"call": ["call for"]}
    assert _named(idx, "those who dare to defend rights") == {}  # two tokens in the gap, not one
    assert _named(idx, "those brave to defend rights") == {"who": ["those brave to defend"]}


def test_hyphen_and_apostrophe_phrases() -> None:
    idx = CueIndex({"g": ["non - governmental organization*", "women 's rights organization*"]})
    hits = _named(idx, "Non-governmental organizations and women’s rights organizations")
    assert hits["g"] == ["non - governmental organizations", "women ' s rights organizations"]


def test_sentence_start_only() -> None:
    idx = CueIndex({"imp": ["^stand with"]})
    assert _named(idx, "Stand with women activists.") == {"imp": ["stand with"]}
    assert _named(idx, "We are proud. Stand with them!") == {"imp": ["stand with"]}
    assert _named(idx, "We stand with them.") == {}


def test_mask_removes_occasion_names() -> None:
    idx = CueIndex({"day": ["international day to end impunity for crimes against journalists"]})
    toks = tokens("Message on the International Day to End Impunity for Crimes against Journalists today")
    masked = idx.mask(toks)
    assert masked[:3] == ["message", "on", "the"] and masked[-1] == "today"
    assert set(masked[3:-1]) == {""}


def test_phrase_cannot_start_with_wildcard() -> None:
    with pytest.raises(ValueError, match="cannot start"):
        compile_phrase("* defenders", 0)


@pytest.mark.parametrize(("text", "stance"), [
    ("I condemn the killing of the activist and call for an investigation.", "condemnation"),
    ("I call on all States to release detained defenders.", "call_to_action"),
    ("He calls on the authorities to release journalists.", "call_to_action"),
    ("I call once again for independent investigations.", "call_to_action"),
    ("Stand with women activists.", "call_to_action"),
    ("I have appointed a senior official to lead our work on reprisals.", "commitment"),
    ("I am deeply concerned by the shrinking of civic space.", "concern"),
    ("Human rights defenders give voice to the voiceless.", "mention"),
])
def test_stance_rules(agenda: Agenda, text: str, stance: str) -> None:
    assert CueMatcher(agenda).stance(text) == stance


def test_occasion_name_is_not_evidence(agenda: Agenda) -> None:
    cm = CueMatcher(agenda)
    header = "Message on the International Day to End Impunity for Crimes against Journalists"
    assert not any(k.startswith("P1|point") for k in cm.run([header])[0])
    body = "Journalists are killed and harassed for their work."
    assert "P1|point" in cm.run([body])[0] and "P1|proxy" in cm.run([body])[0]
