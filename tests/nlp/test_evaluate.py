"""Evaluation: metrics on a hand-made gold file (hand-computed figures) and the predictions format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nlp.agenda import Agenda
from nlp.embed import Embedder
from nlp.evaluate import compute_metrics, cross_validate, evaluate, format_report, read_gold
from nlp.match import Matcher

PRIORITIES = [f"P{i}" for i in range(1, 10)]


def _lab(p: str, s: str) -> dict[str, str]:
    return {"priority": p, "strength": s, "why": "test"}


GOLD: list[dict[str, Any]] = [
    {"id": "A", "title": "Message on human rights defenders", "doc_labels": ["P1", "P9"], "passages": [
        {"i": 0, "text": "I condemn the killing of human rights defenders and the jailing of activists.",
         "labels": [_lab("P1", "explicit")]},
        {"i": 1, "text": "Defenders who cooperate with the United Nations face reprisals and smear campaigns.",
         "labels": [_lab("P1", "implicit"), _lab("P9", "explicit")]},
        {"i": 2, "text": "Thank you.", "labels": []},
    ]},
    {"id": "B", "title": "Remarks to the Security Council", "doc_labels": ["P5"], "passages": [
        {"i": 0, "text": "Mr. President, thank you for convening this meeting.", "labels": []},
        {"i": 1, "text": "Serious violations are warning signs that we must act on early.",
         "labels": [_lab("P5", "explicit")]},
    ]},
]

# Hand-made predictions for the metric arithmetic.
PREDS = [
    {"id": "A", "i": 0, "priorities": ["P1"]},
    {"id": "A", "i": 1, "priorities": ["P9"]},
    {"id": "A", "i": 2, "priorities": ["P1"]},
    {"id": "B", "i": 0, "priorities": ["P1"]},
    {"id": "B", "i": 1, "priorities": []},
]


@pytest.fixture()
def gold_file(tmp_path: Path) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in GOLD), encoding="utf-8")
    return path


def test_metrics_hand_computed() -> None:
    r = compute_metrics(GOLD, PREDS, PRIORITIES)
    # Passage level. P1: TP A0; FP A2, B0; FN A1.
    p1 = r.passage["P1"]
    assert (p1.tp, p1.fp, p1.fn) == (1, 2, 1)
    assert p1.precision == pytest.approx(1 / 3) and p1.recall == pytest.approx(1 / 2)
    assert p1.f1 == pytest.approx(0.4)
    assert r.passage["P9"].f1 == pytest.approx(1.0)
    assert (r.passage["P5"].tp, r.passage["P5"].fn, r.passage["P5"].f1) == (0, 1, 0.0)
    # Micro: TP 2, FP 2, FN 2.
    assert r.passage_micro_f1 == pytest.approx(0.5)
    # Macro over P1, P5, P9 (the only ones with gold): (0.4 + 0 + 1) / 3.
    assert r.passage_macro_f1 == pytest.approx(1.4 / 3)
    # Document level. A: gold {P1, P9}, predicted {P1, P9}; B: gold {P5}, predicted {P1}.
    d1 = r.document["P1"]
    assert (d1.tp, d1.fp, d1.fn) == (1, 1, 0) and d1.f1 == pytest.approx(2 / 3)
    assert r.document_micro_f1 == pytest.approx(4 / 6)
    assert r.document_macro_f1 == pytest.approx((2 / 3 + 0 + 1) / 3)
    # Explicit gold pairs: A0 P1 (hit), A1 P9 (hit), B1 P5 (missed).
    assert r.explicit_total == 3 and r.explicit_recall == pytest.approx(2 / 3)
    assert (r.n_documents, r.n_passages) == (2, 5)


def test_missing_predictions_count_as_negative() -> None:
    r = compute_metrics(GOLD, [], PRIORITIES)
    assert r.passage_micro.tp == 0 and r.passage_micro.fn == 4 and r.passage_micro_f1 == 0.0
    assert r.explicit_recall == 0.0


def test_format_report_lists_every_priority() -> None:
    text = format_report(compute_metrics(GOLD, PREDS, PRIORITIES))
    for k in PRIORITIES:
        assert f"\n{k} " in text
    assert "passage micro-F1 0.500" in text and "explicit recall 0.667" in text


@pytest.mark.slow
def test_evaluate_writes_predictions_format(gold_file: Path, matcher: Matcher, tmp_path: Path) -> None:
    out = tmp_path / "pred.jsonl"
    report = evaluate(gold_file, matcher, out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["i"]) for r in rows] == [("A", 0), ("A", 1), ("A", 2), ("B", 0), ("B", 1)]
    for r in rows:
        assert set(r) == {"id", "i", "priorities", "scores"}
        assert sorted(r["scores"]) == PRIORITIES
        assert all(0.0 <= v <= 1.0 for v in r["scores"].values())
        assert set(r["priorities"]) <= set(PRIORITIES)
    assert "P1" in rows[0]["priorities"]
    assert rows[2]["priorities"] == [] and rows[3]["priorities"] == []
    # The report agrees with recomputing the metrics from the written file.
    again = compute_metrics(read_gold(gold_file), rows, PRIORITIES)
    assert again.passage_micro_f1 == pytest.approx(report.passage_micro_f1)
    assert report.n_passages == 5


@pytest.mark.slow
def test_cross_validation_predicts_every_passage_once(
    gold_file: Path, embedder: Embedder, agenda: Agenda, tmp_path: Path
) -> None:
    out = tmp_path / "cv.jsonl"
    report = cross_validate(gold_file, embedder, agenda, folds=2, predictions_out=out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["id"], r["i"]) for r in rows) == [("A", 0), ("A", 1), ("A", 2), ("B", 0), ("B", 1)]
    assert report.mode == "2-fold cross-validation" and report.n_documents == 2


def test_folds_are_stratified_deterministic_and_vary_with_the_seed() -> None:
    from nlp.evaluate import fold_of

    docs = [{"id": f"d{i}", "doc_labels": ["P1"] if i % 3 == 0 else []} for i in range(30)]
    a = fold_of(docs, 5)
    assert a == fold_of(docs, 5)  # deterministic
    for fold in range(5):  # positives and negatives spread evenly
        assert sum(1 for d, f in zip(docs, a) if f == fold and d["doc_labels"]) == 2
        assert a.count(fold) == 6
    others = [fold_of(docs, 5, seed) for seed in (1, 2, 3)]
    assert all(o != a for o in others) and others[0] != others[1]
    assert sorted(fold_of(docs, 30, 0)) == list(range(30))  # as many folds as documents: leave one out


@pytest.mark.slow
def test_repeated_cross_validation_reports_spread(gold_file: Path, embedder: Embedder, agenda: Agenda) -> None:
    report = cross_validate(gold_file, embedder, agenda, folds=2, repeats=3)
    rep = report.extra["repeats"]
    assert rep["splits"] == 3
    for key in ("passage_micro_f1", "document_micro_f1", "explicit_recall"):
        assert 0.0 <= rep[key]["min"] <= rep[key]["mean"] <= 1.0 and rep[key]["sd"] >= 0.0
    assert "over 3 different splits" in format_report(report)


@pytest.mark.parametrize(("line", "says"), [
    ("not json", "line 2: not JSON"),
    ('["a list"]', "line 2: expected an object with 'id' and a 'passages' list"),
    ('{"id": "z", "passages": [{"text": "no index"}]}', "passage 0 of 'z' needs 'i', 'text'"),
])
def test_malformed_gold_line_is_a_clear_error(tmp_path: Path, line: str, says: str) -> None:
    from core.errors import GoldFileError

    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(GOLD[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match=says.replace("(", r"\(").replace("[", r"\[")):
        read_gold(path)
