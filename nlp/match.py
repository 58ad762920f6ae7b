"""Passage x priority scoring: exemplar similarity, counter-exemplars, cue evidence, context, title.

For each passage and priority the matcher builds a small feature vector:

- ``sem``        mean of the top-k cosine similarities to the priority's exemplars;
- ``neg``        best cosine similarity to its counter-exemplars (plus the agenda-wide ones);
- ``strong``     a strong cue fired (a phrase that alone carries the priority);
- ``pair``       a subject cue and a point cue fired together (the guide's "explicit");
- ``proxy_pair`` a proxy cue (e.g. journalists for defenders) and a point cue fired together;
- ``subject``    a subject cue fired;
- ``ctx_pair``   the passage opens with an anaphor ("They", "Their work", "To them") and the previous
                 passage had strong/pair evidence: the pronoun is resolved to it;
- ``ctx_sem``    the same anaphor gate times the previous passage's ``sem``;
- ``title``      ``sem`` of the document title;
- ``doc_ev``     share of the document's passages with strong/pair/proxy evidence for the priority
                 (a message about attacks on journalists is about them from start to end).

Weights are shared by all priorities, plus a per-priority bias and per-priority deviations for
``sem``, ``strong``, ``pair`` and ``proxy_pair`` (fitted with a strong penalty towards zero).

The score is ``sigmoid(bias + bias_k + w . features)``; a priority is decided when the score reaches
its threshold. The weights, per-priority biases and thresholds are the only fitted numbers; they
live in the agenda file's ``defaults`` or in ``<agenda>.fitted.json`` keyed by agenda version and
model, never in code.

Level: ``explicit`` when the passage itself has subject + point (or strong + subject) cues and the
score reaches the explicit threshold; otherwise ``implicit``.

Stance: the agenda's ``stance_cues`` are tried in file order (condemnation, call_to_action,
commitment, concern); the first kind with a cue in the passage wins; none gives ``mention``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.models import Match, Passage, Statement
from nlp.agenda import CUE_KINDS, Agenda
from nlp.embed import Embedder

log = logging.getLogger(__name__)

FEATURES = ("sem", "neg", "strong", "pair", "proxy_pair", "subject", "ctx_pair", "ctx_sem", "title", "doc_ev")
# Features whose weight may deviate per priority (shrunk towards the shared weight when fitting):
# how much a cue or an exemplar match is worth differs between, say, "reprisals" and "peace".
PER_PRIORITY = ("sem", "strong", "pair", "proxy_pair")

# Openings that point back to the previous passage (pronoun / ellipsis resolution).
_ANAPHOR = re.compile(
    r"^\W*(?:and\s+|but\s+|yet\s+|so\s+|to\s+|when\s+|for\s+)?"
    r"(?:they|their|them|these|those|this|that|such|he|she|his|her|it|its|we must defend them)\b",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-", "\u2013": "-"})


@dataclass
class MatcherParams:
    """The fitted (or default) numbers of the matcher."""

    weights: dict[str, float]
    priority_bias: dict[str, float] = field(default_factory=dict)
    priority_weights: dict[str, dict[str, float]] = field(default_factory=dict)
    decision: dict[str, float] = field(default_factory=dict)
    explicit: dict[str, float] = field(default_factory=dict)
    source: str = "agenda defaults"

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the fitted artefact."""
        return {
            "weights": self.weights,
            "priority_bias": self.priority_bias,
            "priority_weights": self.priority_weights,
            "thresholds": {
                k: {"decision": self.decision[k], "explicit": self.explicit.get(k, self.decision[k])}
                for k in self.decision
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> MatcherParams:
        """Inverse of to_json."""
        th = data.get("thresholds", {})
        return cls(
            weights={k: float(v) for k, v in data["weights"].items()},
            priority_bias={k: float(v) for k, v in data.get("priority_bias", {}).items()},
            priority_weights={
                k: {f: float(x) for f, x in v.items()} for k, v in data.get("priority_weights", {}).items()
            },
            decision={k: float(v["decision"]) for k, v in th.items()},
            explicit={k: float(v["explicit"]) for k, v in th.items()},
            source=source,
        )


@dataclass
class PassageDecision:
    """The matcher's output for one passage."""

    scores: dict[str, float]
    priorities: list[str]
    levels: dict[str, str] = field(default_factory=dict)
    stances: dict[str, str] = field(default_factory=dict)
    explanations: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class DocFeatures:
    """Features of one document's passages: X has shape (passages, priorities, len(FEATURES))."""

    X: np.ndarray
    texts: list[str]
    cues: list[dict[str, list[str]]]  # per passage: "P1|subject" -> matched phrases
    stances: list[str]
    top_exemplars: np.ndarray  # (passages, priorities, 2) indices into the priority's exemplars
    top_sims: np.ndarray  # (passages, priorities, 2)
    anaphoric: np.ndarray  # (passages,) bool
    title_sem: np.ndarray  # (priorities,)


def fitted_path_for(agenda: Agenda) -> Path | None:
    """Where the fitted artefact of an agenda lives: beside it, `<stem>.fitted.json`."""
    if agenda.path is None:
        return None
    return agenda.path.with_name(agenda.path.stem + ".fitted.json")


def load_fitted(agenda: Agenda, model_id: str, path: Path | None = None) -> MatcherParams | None:
    """Fitted params for this agenda version and model, or None when absent or stale."""
    path = path or fitted_path_for(agenda)
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("cannot read fitted matcher params %s", path)
        return None
    entry = data.get("fits", {}).get(agenda.version, {}).get(model_id)
    if entry is None:
        log.info("no fit for %s / %s in %s: using agenda defaults", agenda.version, model_id, path)
        return None
    return MatcherParams.from_json(entry, source=f"{path.name}:{agenda.version}:{model_id}")


def save_fitted(
    agenda: Agenda, model_id: str, params: MatcherParams, meta: dict[str, Any], path: Path | None = None
) -> Path:
    """Write params for this agenda version and model (fits for older agenda versions are dropped)."""
    path = path or fitted_path_for(agenda)
    if path is None:
        raise ValueError("agenda has no path; pass the fitted file path")
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
    fits = {agenda.version: data.get("fits", {}).get(agenda.version, {})}
    fits[agenda.version][model_id] = {**params.to_json(), "meta": meta}
    out = {
        "about": "Fitted matcher numbers (nlp/match.py), keyed by agenda version then model id.",
        "fits": fits,
    }
    path.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def default_params(agenda: Agenda) -> MatcherParams:
    """Params from the agenda file alone (no fit)."""
    w = {name: float(agenda.defaults.weights.get(name, 0.0)) for name in ("bias", *FEATURES)}
    return MatcherParams(
        weights=w,
        priority_bias={pid: 0.0 for pid in agenda.ids},
        decision={pid: agenda.decision_threshold(pid) for pid in agenda.ids},
        explicit={pid: agenda.explicit_threshold(pid) for pid in agenda.ids},
    )


def _token_spec(tok: str) -> dict[str, Any]:
    if tok == "*":
        return {}
    if tok.endswith("*") and len(tok) > 1:
        return {"LOWER": {"REGEX": "^" + re.escape(tok[:-1])}}
    return {"LOWER": tok}


class CueMatcher:
    """Compiles the agenda's cue phrases into one spaCy Matcher over a tokenizer-only pipeline."""

    def __init__(self, agenda: Agenda) -> None:
        import spacy
        from spacy.matcher import Matcher as SpacyMatcher
        from spacy.matcher import PhraseMatcher

        self.nlp = spacy.blank("en")
        self.matcher = SpacyMatcher(self.nlp.vocab)
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.stance_order = [k for k in agenda.stance_cues]
        groups: dict[str, list[str]] = {}
        for pid in agenda.ids:
            for kind in CUE_KINDS:
                groups[f"{pid}|{kind}"] = agenda.expand_cues(pid, kind)
        for stance, phrases in agenda.stance_cues.items():
            groups[f"stance|{stance}"] = phrases
        for key, phrases in groups.items():
            exact: list[Any] = []
            wild: list[list[dict[str, Any]]] = []
            for phrase in phrases:
                toks = phrase.lower().translate(_QUOTES).split()
                if not toks:
                    continue
                if any(t.endswith("*") for t in toks):
                    wild.append([_token_spec(t) for t in toks])
                else:
                    # Exact phrases go through the (much faster) PhraseMatcher.
                    exact.append(self.nlp.make_doc(" ".join(toks)))
            if exact:
                self.phrases.add(key, exact)
            if wild:
                self.matcher.add(key, wild)

    def run(self, texts: Sequence[str]) -> list[dict[str, list[str]]]:
        """Per text: cue group key -> matched phrases."""
        out: list[dict[str, list[str]]] = []
        for doc in self.nlp.pipe([t.translate(_QUOTES) for t in texts], batch_size=256):
            hits: dict[str, list[str]] = {}
            for match_id, start, end in [*self.matcher(doc), *self.phrases(doc)]:
                key = self.nlp.vocab.strings[match_id]
                hits.setdefault(key, []).append(doc[start:end].text)
            out.append(hits)
        return out


class Matcher:
    """Scores passages against an agenda's priorities."""

    def __init__(
        self,
        agenda: Agenda,
        embedder: Embedder,
        params: MatcherParams | None = None,
        fitted_path: Path | None = None,
    ) -> None:
        self.agenda = agenda
        self.embedder = embedder
        self.ids = agenda.ids
        loaded = params or load_fitted(agenda, embedder.model_id, fitted_path)
        self.params = loaded or default_params(agenda)
        self.fitted = loaded is not None
        self._cues: CueMatcher | None = None
        self._ex_vecs: list[np.ndarray] | None = None
        self._neg_vecs: list[np.ndarray] | None = None

    @property
    def cues(self) -> CueMatcher:
        """The compiled cue matcher (built on first use)."""
        if self._cues is None:
            self._cues = CueMatcher(self.agenda)
        return self._cues

    def _vectors(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Exemplar and counter-exemplar vectors per priority (embedded once, cached by the embedder)."""
        if self._ex_vecs is None or self._neg_vecs is None:
            texts: list[str] = []
            spans: list[tuple[int, int, int, int]] = []
            shared = list(self.agenda.defaults.counter_exemplars)
            for p in self.agenda.priorities:
                a = len(texts)
                texts.extend(p.exemplars)
                b = len(texts)
                texts.extend(p.counter_exemplars)
                spans.append((a, b, b, len(texts)))
            s0 = len(texts)
            texts.extend(shared)
            vecs = self.embedder.encode(texts)
            shared_vecs = vecs[s0:]
            self._ex_vecs = [vecs[a:b] for a, b, _, _ in spans]
            self._neg_vecs = [np.vstack([vecs[c:d], shared_vecs]) for _, _, c, d in spans]
        return self._ex_vecs, self._neg_vecs

    def _sem(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(sem, neg, top-2 exemplar indices, top-2 sims) for each vector x priority."""
        ex, neg = self._vectors()
        k = self.agenda.defaults.top_k
        n = vectors.shape[0]
        P = len(ex)
        sem = np.zeros((n, P), dtype=np.float32)
        negs = np.zeros((n, P), dtype=np.float32)
        top_i = np.zeros((n, P, 2), dtype=np.int64)
        top_s = np.zeros((n, P, 2), dtype=np.float32)
        for j in range(P):
            sims = vectors @ ex[j].T  # (n, m)
            order = np.argsort(-sims, axis=1)
            kk = min(k, sims.shape[1])
            sem[:, j] = np.take_along_axis(sims, order[:, :kk], axis=1).mean(axis=1)
            t = min(2, sims.shape[1])
            top_i[:, j, :t] = order[:, :t]
            top_s[:, j, :t] = np.take_along_axis(sims, order[:, :t], axis=1)
            negs[:, j] = (vectors @ neg[j].T).max(axis=1) if neg[j].shape[0] else 0.0
        return sem, negs, top_i, top_s

    def features(
        self, passages: Sequence[str], vectors: np.ndarray, title: str | None = None,
        title_vector: np.ndarray | None = None,
    ) -> DocFeatures:
        """Feature tensor of one document's passages (in order)."""
        texts = list(passages)
        n, P = len(texts), len(self.ids)
        X = np.zeros((n, P, len(FEATURES)), dtype=np.float32)
        if n == 0:
            return DocFeatures(X, texts, [], [], np.zeros((0, P, 2), np.int64), np.zeros((0, P, 2)),
                               np.zeros(0, bool), np.zeros(P, np.float32))
        vectors = np.asarray(vectors, dtype=np.float32)
        sem, neg, top_i, top_s = self._sem(vectors)
        if title_vector is None and title:
            title_vector = self.embedder.encode([title])[0]
        title_sem = (
            self._sem(title_vector[None, :])[0][0] if title_vector is not None else np.zeros(P, np.float32)
        )
        cue_hits = self.cues.run(texts)
        anaphoric = np.array([bool(_ANAPHOR.match(t)) for t in texts])
        has = np.zeros((n, P, len(CUE_KINDS)), dtype=bool)
        for i, hits in enumerate(cue_hits):
            for j, pid in enumerate(self.ids):
                for c, kind in enumerate(CUE_KINDS):
                    has[i, j, c] = f"{pid}|{kind}" in hits
        strong, subject, proxy, point = (has[:, :, c] for c in range(4))
        pair = subject & point
        evidence = strong | pair
        X[:, :, 0] = sem
        X[:, :, 1] = neg
        X[:, :, 2] = strong
        X[:, :, 3] = pair
        X[:, :, 4] = proxy & point & ~pair
        X[:, :, 5] = subject
        if n > 1:
            gate = anaphoric[1:, None]
            X[1:, :, 6] = gate & evidence[:-1]
            X[1:, :, 7] = gate * sem[:-1]
        X[:, :, 8] = title_sem[None, :]
        X[:, :, 9] = (evidence | (proxy & point)).mean(axis=0)[None, :]
        stances = []
        for hits in cue_hits:
            stance = "mention"
            for kind in self.cues.stance_order:
                if f"stance|{kind}" in hits:
                    stance = kind
                    break
            stances.append(stance)
        return DocFeatures(X, texts, cue_hits, stances, top_i, top_s, anaphoric, title_sem)

    def logits(self, X: np.ndarray, params: MatcherParams | None = None) -> np.ndarray:
        """Logits of a (..., priorities, features) tensor."""
        p = params or self.params
        W = np.array(
            [[p.weights.get(f, 0.0) + p.priority_weights.get(pid, {}).get(f, 0.0) for f in FEATURES]
             for pid in self.ids],
            dtype=np.float32,
        )
        b = np.array([p.priority_bias.get(pid, 0.0) for pid in self.ids], dtype=np.float32)
        return np.einsum("...pf,pf->...p", X, W) + b + p.weights.get("bias", 0.0)

    def probabilities(self, feats: DocFeatures, params: MatcherParams | None = None) -> np.ndarray:
        """Scores in [0, 1], shape (passages, priorities)."""
        z = self.logits(feats.X, params)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def decide(self, feats: DocFeatures, params: MatcherParams | None = None) -> list[PassageDecision]:
        """Turn features into decisions with levels, stances and explanations."""
        p = params or self.params
        probs = self.probabilities(feats, p)
        out: list[PassageDecision] = []
        for i in range(len(feats.texts)):
            scores = {pid: round(float(probs[i, j]), 4) for j, pid in enumerate(self.ids)}
            dec = PassageDecision(scores=scores, priorities=[])
            for j, pid in enumerate(self.ids):
                if probs[i, j] < p.decision.get(pid, 0.5):
                    continue
                dec.priorities.append(pid)
                x = feats.X[i, j]
                explicit_cues = bool(x[3]) or (bool(x[2]) and bool(x[5]))
                explicit = explicit_cues and probs[i, j] >= p.explicit.get(pid, p.decision.get(pid, 0.5))
                dec.levels[pid] = "explicit" if explicit else "implicit"
                dec.stances[pid] = feats.stances[i]
                dec.explanations[pid] = self._explain(feats, i, j)
            out.append(dec)
        return out

    def _explain(self, feats: DocFeatures, i: int, j: int) -> dict[str, Any]:
        prio = self.agenda.priorities[j]
        pid = prio.id
        hits = feats.cues[i]
        closest = [
            {"exemplar": prio.exemplars[int(feats.top_exemplars[i, j, r])],
             "similarity": round(float(feats.top_sims[i, j, r]), 3)}
            for r in range(min(2, len(prio.exemplars)))
        ]
        x = feats.X[i, j]
        return {
            "closest_exemplars": closest,
            "counter_similarity": round(float(x[1]), 3),
            "cues": {kind: sorted(set(hits.get(f"{pid}|{kind}", []))) for kind in CUE_KINDS
                     if hits.get(f"{pid}|{kind}")},
            "context": {
                "previous_passage": bool(feats.anaphoric[i]) and i > 0,
                "previous_evidence": bool(x[6]),
                "previous_similarity": round(float(x[7]), 3),
                "title_similarity": round(float(feats.title_sem[j]), 3),
            },
            "params": self.params.source,
        }

    def score(
        self, passages: Sequence[str], vectors: np.ndarray, title: str | None = None
    ) -> list[PassageDecision]:
        """Decisions for one document's passages, in order (neighbours and title are context)."""
        return self.decide(self.features(passages, vectors, title))

    def match_statement(
        self, statement: Statement, passages: list[Passage], vectors: np.ndarray, agenda_version: str
    ) -> list[Match]:
        """Matches (decided passage x priority pairs) for a statement's passages."""
        decisions = self.score([p.text for p in passages], vectors, statement.title)
        out: list[Match] = []
        for passage, dec in zip(passages, decisions):
            for pid in dec.priorities:
                out.append(
                    Match(
                        passage_id=passage.id,
                        statement_id=statement.id,
                        priority=pid,
                        score=min(1.0, max(0.0, dec.scores[pid])),
                        level=dec.levels[pid],  # type: ignore[arg-type]
                        stance=dec.stances[pid],  # type: ignore[arg-type]
                        agenda_version=agenda_version,
                        model=self.embedder.model_id,
                        explanation=dec.explanations[pid],
                    )
                )
        return out


# ---------------------------------------------------------------------------------------------
# Fitting: a pooled logistic regression (shared feature weights + per-priority bias), then
# per-priority thresholds shrunk towards one global threshold. Few numbers, so it generalises.


def _fit_logistic(X: np.ndarray, y: np.ndarray, l2: np.ndarray, iters: int = 50) -> np.ndarray:
    """Newton-Raphson for L2-penalised logistic regression (X includes the intercept column)."""
    w = np.zeros(X.shape[1])
    for _ in range(iters):
        z = np.clip(X @ w, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = X.T @ (p - y) + l2 * w
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(l2)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def _best_threshold(probs: np.ndarray, gold: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    best_t, best_f = 0.5, -1.0
    for t in grid:
        pred = probs >= t
        tp = float((pred & gold).sum())
        fp = float((pred & ~gold).sum())
        fn = float((~pred & gold).sum())
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f > best_f:
            best_t, best_f = float(t), f
    return best_t, best_f


def fit_params(
    matcher: Matcher,
    docs: Sequence[DocFeatures],
    labels: Sequence[np.ndarray],
    l2_weights: float = 1.0,
    l2_bias: float = 4.0,
    l2_dev: float = 4.0,
    shrink: float = 10.0,
) -> MatcherParams:
    """Fit weights, per-priority biases and thresholds on documents with gold labels (passages x priorities)."""
    P, F = len(matcher.ids), len(FEATURES)
    X = np.concatenate([d.X.reshape(-1, F) for d in docs if len(d.texts)], axis=0).astype(np.float64)
    Y = np.concatenate([lab.reshape(-1) for lab, d in zip(labels, docs) if len(d.texts)]).astype(np.float64)
    n_rows = X.shape[0]
    prio = np.tile(np.arange(P), n_rows // P)
    onehot = np.zeros((n_rows, P))
    onehot[np.arange(n_rows), prio] = 1.0
    dev_idx = [FEATURES.index(f) for f in PER_PRIORITY]
    # Interaction columns: feature f only on rows of priority k (its deviation from the shared weight).
    inter = np.hstack([onehot * X[:, [c]] for c in dev_idx])
    design = np.hstack([np.ones((n_rows, 1)), X, onehot, inter])
    l2 = np.concatenate([[1e-4], np.full(F, l2_weights), np.full(P, l2_bias), np.full(P * len(dev_idx), l2_dev)])
    w = _fit_logistic(design, Y, l2)
    dev = w[1 + F + P :].reshape(len(dev_idx), P)
    params = MatcherParams(
        weights={"bias": float(w[0]), **{f: float(v) for f, v in zip(FEATURES, w[1 : 1 + F])}},
        priority_bias={pid: float(v) for pid, v in zip(matcher.ids, w[1 + F : 1 + F + P])},
        priority_weights={
            pid: {f: float(dev[a, j]) for a, f in enumerate(PER_PRIORITY)} for j, pid in enumerate(matcher.ids)
        },
        source="fit",
    )
    probs = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30, 30)))
    gold = Y.astype(bool)
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    t_all, _ = _best_threshold(probs, gold, grid)
    for j, pid in enumerate(matcher.ids):
        sel = prio == j
        n_pos = int(gold[sel].sum())
        t_k = _best_threshold(probs[sel], gold[sel], grid)[0] if n_pos else t_all
        t = (n_pos * t_k + shrink * t_all) / (n_pos + shrink)
        params.decision[pid] = round(float(t), 4)
        params.explicit[pid] = round(float(t), 4)
    return params
