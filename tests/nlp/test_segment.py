"""Segmentation: paragraphs are the base unit, long ones are cut into 1-3 sentence groups, offsets exact."""

from __future__ import annotations

import hashlib

import pytest

from core.models import passage_id_for
from nlp.segment import Segmenter

TEXT = (
    "Secretary-General's message on Human Rights Day\n"
    "\n"
    "  Today we honour those who defend the rights of others.  \n"
    "They are harassed, detained and sometimes killed. Governments must protect them. "
    "Civic space is shrinking in many countries. Laws restrict the funding of associations. "
    "Journalists are jailed for their reporting. I call for their release.\n"
    "Thank you."
)


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


def test_offsets_are_exact(segmenter: Segmenter) -> None:
    passages = segmenter.segment("abc", TEXT)
    assert passages, "no passages"
    for p in passages:
        assert TEXT[p.start : p.end] == p.text
        assert p.text == p.text.strip()
        assert p.text_hash == hashlib.sha1(p.text.encode("utf-8")).hexdigest()


def test_paragraphs_and_long_paragraph_split(segmenter: Segmenter) -> None:
    passages = segmenter.segment("abc", TEXT)
    texts = [p.text for p in passages]
    assert texts[0] == "Secretary-General's message on Human Rights Day"
    assert texts[1] == "Today we honour those who defend the rights of others."
    assert texts[-1] == "Thank you."
    middle = texts[2:-1]
    # The 6-sentence paragraph becomes several passages of at most three sentences each.
    assert len(middle) >= 2
    assert " ".join(middle) == TEXT.splitlines()[3]
    for chunk in middle:
        assert chunk.count(".") <= 3
    assert middle[0].startswith("They are harassed")


def test_ids_and_indexes(segmenter: Segmenter) -> None:
    passages = segmenter.segment("stmt1", TEXT)
    assert [p.index for p in passages] == list(range(len(passages)))
    assert [p.id for p in passages] == [passage_id_for("stmt1", i) for i in range(len(passages))]
    assert all(p.statement_id == "stmt1" for p in passages)


def test_short_paragraphs_are_kept_whole(segmenter: Segmenter) -> None:
    text = "One sentence here. And a second one.\nAnother paragraph."
    assert [p.text for p in segmenter.segment("s", text)] == ["One sentence here. And a second one.",
                                                              "Another paragraph."]


def test_long_single_sentence_paragraph_stays_within_bounds(segmenter: Segmenter) -> None:
    text = "This is a very long sentence " + "that keeps going " * 60 + "and finally ends."
    passages = segmenter.segment("s", text)
    assert passages and all(text[p.start : p.end] == p.text for p in passages)


def test_empty_and_blank(segmenter: Segmenter) -> None:
    assert segmenter.segment("s", "") == []
    assert segmenter.segment("s", "\n  \n\t\n") == []


def test_segment_many_matches_segment(segmenter: Segmenter) -> None:
    items = [("a", TEXT), ("b", "Short text."), ("c", "")]
    many = list(segmenter.segment_many(items))
    assert len(many) == 3
    for (sid, text), got in zip(items, many):
        assert [p.model_dump() for p in got] == [p.model_dump() for p in segmenter.segment(sid, text)]


def test_only_senter_is_loaded(segmenter: Segmenter) -> None:
    segmenter.segment("s", TEXT)
    assert segmenter.nlp.pipe_names == ["senter"]
