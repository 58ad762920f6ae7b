"""Gold-set evaluation of the matcher (data/gold/EVALUATION.md): predictions file, P/R/F1, cross-validation."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import GoldFileError
from nlp.agenda import Agenda, load_agenda
from nlp.embed import Embedder
from nlp.match import DocFeatures, Matcher, MatcherParams, default_params, fit_params, save_fitted


@dataclass
class PRF:
    """Counts and precision / recall / F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp), 0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn), 0 when there is no gold positive."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    @property
    def support(self) -> int:
        """Gold positives."""
        return self.tp + self.fn

    def as_dict(self) -> dict[str, float | int]:
        """Counts and rates, rounded."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class EvalReport:
    """Metrics of one evaluation run."""

    priorities: list[str]
    passage: dict[str, PRF]
    document: dict[str, PRF]
    passage_micro: PRF
    document_micro: PRF
    passage_macro_f1: float
    document_macro_f1: float
    explicit_recall: float
    explicit_total: int
    n_documents: int
    n_passages: int
    mode: str = "fitted"
    wall_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passage_micro_f1(self) -> float:
        """Micro-F1 over (passage, priority) pairs."""
        return self.passage_micro.f1

    @property
    def document_micro_f1(self) -> float:
        """Micro-F1 over (document, priority) pairs."""
        return self.document_micro.f1

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {
            "mode": self.mode,
            "documents": self.n_documents,
            "passages": self.n_passages,
            "passage_micro_f1": round(self.passage_micro_f1, 4),
            "document_micro_f1": round(self.document_micro_f1, 4),
            "passage_macro_f1": round(self.passage_macro_f1, 4),
            "document_macro_f1": round(self.document_macro_f1, 4),
            "explicit_recall": round(self.explicit_recall, 4),
            "per_priority": {
                k: {"passage": self.passage[k].as_dict(), "document": self.document[k].as_dict()}
                for k in self.priorities
            },
            "wall_s": round(self.wall_s, 2),
        }


def read_gold(path: Path) -> list[dict[str, Any]]:
    """Gold documents, one JSON object per line (EVALUATION.md); a line that is not a document with an
    id and passages (each with `i`, `text` and `labels`) is a GoldFileError naming the line."""
    docs = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}, line {n}"
            try:
                doc = json.loads(line)
            except ValueError as exc:
                raise GoldFileError(f"{where}: not JSON ({exc})") from exc
            if not isinstance(doc, dict) or "id" not in doc or not isinstance(doc.get("passages"), list):
                raise GoldFileError(f"{where}: expected an object with 'id' and a 'passages' list")
            for k, ps in enumerate(doc["passages"]):
                if not isinstance(ps, dict) or not isinstance(ps.get("text"), str) or "i" not in ps \
                        or not isinstance(ps.get("labels", []), list):
                    raise GoldFileError(f"{where}: passage {k} of {doc['id']!r} needs 'i', 'text' and a 'labels' list")
            docs.append(doc)
    return docs


def compute_metrics(
    gold_docs: Sequence[dict[str, Any]], predictions: Sequence[dict[str, Any]], priorities: Sequence[str]
) -> EvalReport:
    """Passage and document P/R/F1 per priority, micro/macro F1 and explicit recall."""
    pred_by_key = {(p["id"], int(p["i"])): set(p.get("priorities", [])) for p in predictions}
    passage = {k: PRF() for k in priorities}
    document = {k: PRF() for k in priorities}
    explicit_total = explicit_hit = 0
    n_passages = 0
    for doc in gold_docs:
        doc_gold: set[str] = set()
        doc_pred: set[str] = set()
        for ps in doc["passages"]:
            n_passages += 1
            gold = {lab["priority"] for lab in ps.get("labels", [])}
            pred = pred_by_key.get((doc["id"], int(ps["i"])), set())
            doc_gold |= gold
            doc_pred |= pred
            for k in priorities:
                if k in gold and k in pred:
                    passage[k].tp += 1
                elif k in pred:
                    passage[k].fp += 1
                elif k in gold:
                    passage[k].fn += 1
            for lab in ps.get("labels", []):
                if lab.get("strength") == "explicit":
                    explicit_total += 1
                    explicit_hit += lab["priority"] in pred
        for k in priorities:
            if k in doc_gold and k in doc_pred:
                document[k].tp += 1
            elif k in doc_pred:
                document[k].fp += 1
            elif k in doc_gold:
                document[k].fn += 1

    def micro(per: dict[str, PRF]) -> PRF:
        return PRF(sum(v.tp for v in per.values()), sum(v.fp for v in per.values()),
                   sum(v.fn for v in per.values()))

    def macro(per: dict[str, PRF]) -> float:
        with_gold = [v.f1 for v in per.values() if v.support > 0]
        return float(np.mean(with_gold)) if with_gold else 0.0

    return EvalReport(
        priorities=list(priorities),
        passage=passage,
        document=document,
        passage_micro=micro(passage),
        document_micro=micro(document),
        passage_macro_f1=macro(passage),
        document_macro_f1=macro(document),
        explicit_recall=explicit_hit / explicit_total if explicit_total else 0.0,
        explicit_total=explicit_total,
        n_documents=len(gold_docs),
        n_passages=n_passages,
    )


def _label_matrix(doc: dict[str, Any], priorities: Sequence[str]) -> np.ndarray:
    idx = {k: j for j, k in enumerate(priorities)}
    y = np.zeros((len(doc["passages"]), len(priorities)), dtype=bool)
    for r, ps in enumerate(doc["passages"]):
        for lab in ps.get("labels", []):
            if lab["priority"] in idx:
                y[r, idx[lab["priority"]]] = True
    return y


def doc_features(matcher: Matcher, docs: Sequence[dict[str, Any]]) -> list[DocFeatures]:
    """Features of every gold document (all passages embedded in one batched call; titles are context)."""
    texts: list[str] = []
    for d in docs:
        texts.extend(ps["text"] for ps in d["passages"])
    vecs = matcher.embedder.encode(texts)
    items = []
    pos = 0
    for d in docs:
        n = len(d["passages"])
        items.append(([ps["text"] for ps in d["passages"]], vecs[pos: pos + n], d.get("title") or None))
        pos += n
    return matcher.features_many(items)


def _predictions(
    matcher: Matcher, docs: Sequence[dict[str, Any]], feats: Sequence[DocFeatures],
    params: MatcherParams | None = None,
) -> list[dict[str, Any]]:
    out = []
    for d, f in zip(docs, feats):
        for ps, dec in zip(d["passages"], matcher.decide(f, params)):
            out.append({"id": d["id"], "i": int(ps["i"]), "priorities": dec.priorities, "scores": dec.scores})
    return out


def write_predictions(predictions: Sequence[dict[str, Any]], path: Path) -> None:
    """One JSON object per gold passage, as EVALUATION.md specifies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for p in predictions:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")


def evaluate(gold_path: Path, matcher: Matcher, predictions_out: Path | None = None) -> EvalReport:
    """Score every gold document in order (title as context), write predictions, compute metrics."""
    t0 = time.perf_counter()
    docs = read_gold(gold_path)
    feats = doc_features(matcher, docs)
    preds = _predictions(matcher, docs, feats)
    if predictions_out is not None:
        write_predictions(preds, Path(predictions_out))
    report = compute_metrics(docs, preds, matcher.ids)
    report.mode = "fitted" if matcher.fitted else "agenda defaults"
    report.wall_s = time.perf_counter() - t0
    return report


def fold_of(docs: Sequence[dict[str, Any]], folds: int, seed: int = 0) -> list[int]:
    """Deterministic document folds, stratified so positive documents spread evenly; another `seed`
    gives another split (documents with the same labels are ordered by a seeded hash of their id)."""
    salt = f"{seed}:" if seed else ""
    order = sorted(
        range(len(docs)),
        key=lambda i: (
            ",".join(sorted(docs[i].get("doc_labels", []))) or "~none",
            hashlib.sha1(f"{salt}{docs[i]['id']}".encode()).hexdigest(),
        ),
    )
    assign = [0] * len(docs)
    for rank, i in enumerate(order):
        assign[i] = rank % folds
    return assign


@dataclass
class GoldSet:
    """A gold file read once: documents, their features under the agenda's cues, their label matrices."""

    docs: list[dict[str, Any]]
    matcher: Matcher
    feats: list[DocFeatures]
    labels: list[np.ndarray]

    @classmethod
    def load(cls, gold_path: Path, embedder: Embedder, agenda: Agenda) -> GoldSet:
        docs = read_gold(gold_path)
        matcher = Matcher(agenda, embedder, params=default_params(agenda))
        return cls(docs, matcher, doc_features(matcher, docs), [_label_matrix(d, matcher.ids) for d in docs])


def _cross_validate(gs: GoldSet, folds: int, seed: int = 0) -> tuple[list[dict[str, Any]], list[MatcherParams]]:
    """Held-out predictions of every document: fit on the other folds, predict its fold."""
    assign = fold_of(gs.docs, folds, seed)
    preds: list[dict[str, Any]] = []
    fold_params = []
    for k in range(folds):
        train = [i for i in range(len(gs.docs)) if assign[i] != k]
        test = [i for i in range(len(gs.docs)) if assign[i] == k]
        if not test:
            continue
        params = fit_params(gs.matcher, [gs.feats[i] for i in train], [gs.labels[i] for i in train])
        fold_params.append(params)
        preds.extend(_predictions(gs.matcher, [gs.docs[i] for i in test], [gs.feats[i] for i in test], params))
    return preds, fold_params


def cross_validate(
    gold_path: Path, embedder: Embedder, agenda: Agenda, folds: int = 5,
    predictions_out: Path | None = None, repeats: int = 1,
) -> EvalReport:
    """Fit on k-1 folds of documents, predict the held-out fold; metrics over all held-out predictions.

    With `repeats` > 1 the cross-validation is run again on `repeats - 1` other splits (seeds 1, 2, ...)
    and the mean and standard deviation of the headline figures over all splits go in
    `report.extra["repeats"]` (one split is a noisy estimate on a few dozen documents).
    """
    t0 = time.perf_counter()
    gs = GoldSet.load(gold_path, embedder, agenda)
    preds, fold_params = _cross_validate(gs, folds)
    if predictions_out is not None:
        write_predictions(preds, Path(predictions_out))
    report = compute_metrics(gs.docs, preds, gs.matcher.ids)
    report.mode = f"{folds}-fold cross-validation"
    report.extra["fold_thresholds"] = [p.decision for p in fold_params]
    if repeats > 1:
        runs = [report] + [compute_metrics(gs.docs, _cross_validate(gs, folds, seed)[0], gs.matcher.ids)
                           for seed in range(1, repeats)]
        figures = {
            "passage_micro_f1": [r.passage_micro_f1 for r in runs],
            "document_micro_f1": [r.document_micro_f1 for r in runs],
            "explicit_recall": [r.explicit_recall for r in runs],
        }
        report.extra["repeats"] = {
            "splits": repeats,
            **{k: {"mean": round(float(np.mean(v)), 4), "sd": round(float(np.std(v)), 4),
                   "min": round(float(np.min(v)), 4)} for k, v in figures.items()},
        }
    report.wall_s = time.perf_counter() - t0
    return report


def fit(gold_path: Path, embedder: Embedder, agenda: Agenda, out: Path | None = None) -> tuple[MatcherParams, Path]:
    """Fit the matcher on the whole gold file and save the artefact beside the agenda."""
    gs = GoldSet.load(gold_path, embedder, agenda)
    params = fit_params(gs.matcher, gs.feats, gs.labels)
    meta = {
        "gold": Path(gold_path).name,
        "gold_sha1": hashlib.sha1(Path(gold_path).read_bytes()).hexdigest()[:12],
        "documents": len(gs.docs),
        "fitted_at": time.strftime("%Y-%m-%d"),
    }
    path = save_fitted(agenda, embedder.model_id, params, meta, out)
    return params, path


def format_report(report: EvalReport) -> str:
    """A readable table of the metrics."""
    lines = [
        f"{report.mode}: {report.n_documents} documents, {report.n_passages} passages",
        f"{'':4} {'passage P':>9} {'R':>6} {'F1':>6} {'gold':>5} | {'doc P':>6} {'R':>6} {'F1':>6} {'gold':>5}",
    ]
    for k in report.priorities:
        p, d = report.passage[k], report.document[k]
        lines.append(
            f"{k:4} {p.precision:9.3f} {p.recall:6.3f} {p.f1:6.3f} {p.support:5d} | "
            f"{d.precision:6.3f} {d.recall:6.3f} {d.f1:6.3f} {d.support:5d}"
        )
    pm, dm = report.passage_micro, report.document_micro
    lines.append(
        f"{'all':4} {pm.precision:9.3f} {pm.recall:6.3f} {pm.f1:6.3f} {pm.support:5d} | "
        f"{dm.precision:6.3f} {dm.recall:6.3f} {dm.f1:6.3f} {dm.support:5d}"
    )
    lines.append(
        f"passage micro-F1 {report.passage_micro_f1:.3f}  document micro-F1 {report.document_micro_f1:.3f}  "
        f"passage macro-F1 {report.passage_macro_f1:.3f}  document macro-F1 {report.document_macro_f1:.3f}  "
        f"explicit recall {report.explicit_recall:.3f} (of {report.explicit_total})  "
        f"[{report.wall_s:.1f}s]"
    )
    rep = report.extra.get("repeats")
    if rep:
        lines.append(
            f"over {rep['splits']} different splits (mean ± sd, min): "
            + "  ".join(f"{name} {rep[key]['mean']:.3f} ± {rep[key]['sd']:.3f} ({rep[key]['min']:.3f})"
                        for key, name in (("passage_micro_f1", "passage micro-F1"),
                                          ("document_micro_f1", "document micro-F1"),
                                          ("explicit_recall", "explicit recall")))
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m nlp.evaluate --gold FILE --predictions-out FILE [--cv K] [--fit]`."""
    from core.config import Settings

    ap = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=__doc__)
    ap.add_argument("--gold", type=Path, required=True, help="gold JSONL file (EVALUATION.md format)")
    ap.add_argument("--predictions-out", type=Path, default=None, help="where to write predictions JSONL")
    ap.add_argument("--cv", type=int, default=0, help="also run K-fold cross-validation by document")
    ap.add_argument("--cv-repeats", type=int, default=1, help="repeat the cross-validation over N different splits")
    ap.add_argument("--fit", action="store_true", help="fit on the gold file and save <agenda>.fitted.json first")
    ap.add_argument("--agenda", type=Path, default=None, help="agenda YAML (default: settings)")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = ap.parse_args(argv)

    settings = Settings()
    agenda = load_agenda(args.agenda or settings.agenda_path)
    embedder = Embedder(settings.model_name, cache_path=settings.embed_cache_path,
                        batch_size=settings.embed_batch_size)
    t0 = time.perf_counter()
    if args.fit:
        _, path = fit(args.gold, embedder, agenda)
        print(f"fitted matcher saved to {path}", file=sys.stderr)
    report = evaluate(args.gold, Matcher(agenda, embedder), args.predictions_out)
    reports = [report]
    if args.cv:
        cv_out = None
        if args.predictions_out is not None:
            cv_out = args.predictions_out.with_name(args.predictions_out.stem + f".cv{args.cv}.jsonl")
        reports.append(cross_validate(args.gold, embedder, agenda, args.cv, cv_out, repeats=args.cv_repeats))
    for r in reports:
        print(json.dumps(r.as_dict(), indent=2) if args.json else format_report(r))
        print()
    print(f"total wall time {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
