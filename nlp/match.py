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
- ``title``      the document title has strong/pair/proxy evidence for the priority (cue-based, so
                 re-scoring stored passages needs no title embedding);
- ``doc_ev``     share of the document's passages with strong/pair/proxy evidence for the priority
                 (a message about attacks on journalists is about them from start to end);
- ``doc_point``  the passage makes the priority's point (a point cue) in a document that is about the
                 priority (strong/pair evidence in another passage or in the title): "murdered after
                 giving testimony to a Special Rapporteur" in a speech on reprisals.

Weights are shared by all priorities, plus a per-priority bias and per-priority deviations for
``sem``, ``strong``, ``pair`` and ``proxy_pair`` (fitted with a strong penalty towards zero).

The score is ``sigmoid(bias + bias_k + w . features)``; a priority is decided when the score reaches
its threshold. The weights, per-priority biases and thresholds are the only fitted numbers; they
live in the agenda file's ``defaults`` or in ``<agenda>.fitted.json`` keyed by agenda version and
model, never in code.

Level: ``explicit`` when the passage itself has subject + point (or strong + subject) cues and the
score reaches the explicit threshold; otherwise ``implicit``.

Stance (README "Stance rules"): the agenda's ``stance_cues`` kinds are tried in file order; the
first kind with a cue in the passage wins; none gives ``mention``.

Everything is computed for a batch of documents at once (``features_many``): one matrix product for
all passages x all exemplars, one cue pass, context by shifting within documents. That is what lets
``sgwatch rescore`` re-score hundreds of thousands of stored passage vectors in seconds.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.models import Match, Passage, Statement
from nlp.agenda import CUE_KINDS, Agenda
from nlp.cues import EXACT, CueIndex, tokens
from nlp.embed import Embedder

log = logging.getLogger(__name__)

FEATURES = ("sem", "neg", "strong", "pair", "proxy_pair", "subject", "ctx_pair", "ctx_sem", "title", "doc_ev",
            "doc_point")
# Features whose weight may deviate per priority (shrunk towards the shared weight when fitting):
# how much a cue or an exemplar match is worth differs between, say, "reprisals" and "peace".
PER_PRIORITY = ("sem", "strong", "pair", "proxy_pair", "doc_point")

# A passage that stops mid-sentence (PDF line breaks, headlines split over two lines): it ends without
# closing punctuation and the next passage starts in lower case, or it ends on a word that cannot end a
# sentence ("... the", "... and").
_CLOSED = re.compile(r"[.!?:;\"\u201d\u2019')\]\u2026]\s*$")
_OPEN_END = re.compile(
    r"\b(?:the|a|an|and|or|of|to|for|with|in|on|by|at|from|against|that|who|which|its|their|his|her|"
    r"our|as|between|including|such|around|into|than)\s*$", re.IGNORECASE)
_LOWER_START = re.compile(r"^\W*[a-z\u00e0-\u00ff]")


def continues(text: str, following: str) -> bool:
    """True when `text` stops mid-sentence and `following` carries on the same sentence."""
    t = text.strip()
    if not t or not following.strip() or _CLOSED.search(t):
        return False
    return bool(_LOWER_START.match(following) or _OPEN_END.search(t))


# Openings that point back to the previous passage (pronoun / ellipsis resolution).
_ANAPHOR = re.compile(
    r"^\W*(?:and\s+|but\s+|yet\s+|so\s+|to\s+|when\s+|for\s+)?"
    r"(?:they|their|them|these|those|this|that|such|he|she|his|her|it|its|we must defend them)\b",
    re.IGNORECASE,
)
# A demonstrative naming what the previous passage reported ("Almost 9 out of 10 of these killings go
# unpunished"): points back wherever it stands in the passage.
_BACK_REFERENCE = re.compile(
    r"\b(?:these|those|such)\s+(?:killings|murders|attacks|crimes|cases|abuses|threats|acts|violations|"
    r"reprisals|restrictions|laws|measures|individuals|people|men and women|women and men|brave)\b",
    re.IGNORECASE,
)


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
    hits: list[dict[int, list[str]]]  # per passage: cue group id -> matched phrases (see `cues`)
    vectors: np.ndarray  # (passages, dim): kept for explanations (closest exemplars)
    anaphoric: np.ndarray  # (passages,) bool
    skip: np.ndarray  # (passages,) bool: ruled out by the agenda's skip_passages cues
    title_cues: dict[str, list[str]] = field(default_factory=dict)  # "P1|strong" -> phrases in the title
    names: list[str] = field(default_factory=list)  # cue group names, by group id
    _title_by_priority: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)

    def title_cues_of(self, pid: str) -> dict[str, list[str]]:
        """Cue kind -> phrases of priority `pid` in the title (computed once per document and priority)."""
        got = self._title_by_priority.get(pid)
        if got is None:
            got = self._title_by_priority[pid] = {
                kind: sorted(set(self.title_cues[f"{pid}|{kind}"])) for kind in CUE_KINDS
                if self.title_cues.get(f"{pid}|{kind}")}
        return got

    @property
    def cues(self) -> list[dict[str, list[str]]]:
        """Per passage: "P1|subject" -> matched phrases."""
        return [{self.names[g]: v for g, v in h.items()} for h in self.hits]


# One decided (passage, priority) pair without its statement, agenda version and model: (passage id,
# priority, score, level, stance, explanation). Plain tuples pickle ~15x faster than pydantic models,
# which matters when worker processes send back hundreds of thousands of matches (`sgwatch rescore`).
MatchRow = tuple[str, str, float, str, str, dict[str, Any]]


def rows_to_matches(statement_id: str, rows: Sequence[MatchRow], agenda_version: str, model: str) -> list[Match]:
    """Matches from rows. Built without re-validation: every field is valid by construction, and
    re-scoring builds hundreds of thousands of these."""
    return [Match.model_construct(passage_id=pid, statement_id=statement_id, priority=prio, score=score,
                                  level=level, stance=stance, agenda_version=agenda_version, model=model,
                                  explanation=explanation)
            for pid, prio, score, level, stance, explanation in rows]


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


class CueMatcher:
    """The agenda's cue phrases (per priority and kind) and its stance cues, each compiled into a CueIndex.

    Stance cues are matched only for passages that matched a priority (a few per cent of them).
    """

    def __init__(self, agenda: Agenda) -> None:
        self.ids = agenda.ids
        self.stance_order = list(agenda.stance_cues)
        groups: dict[str, list[str]] = {}
        for pid in agenda.ids:
            for kind in CUE_KINDS:
                groups[f"{pid}|{kind}"] = agenda.expand_cues(pid, kind)
        self.index = CueIndex(groups)
        self.ignore = CueIndex({"ignore": agenda.defaults.ignore_phrases})
        first = self.ignore.first_tokens()
        self._ignore_first = first if first is not None else set()
        self._ignore_any = first is None  # a prefix-pattern first token: mask every passage
        # phrases of plain tokens can be pre-checked as substrings of the joined tokens (C speed)
        phrases = self.ignore.phrases
        self._ignore_plain: list[str] | None = (
            [" ".join(v for _, v in ph.specs) for ph in phrases]
            if all(kind == EXACT for ph in phrases for kind, _ in ph.specs) else None)
        self.skip = CueIndex({"skip": agenda.defaults.skip_passages})
        # a passage sharing no token with the skip phrases' first tokens cannot match one
        self._skip_first = self.skip.first_tokens()
        self.stance_index = CueIndex({s: agenda.stance_cues[s] for s in self.stance_order})
        # group id of (priority j, cue kind c)
        self.kind_groups = np.array([[self.index.names.index(f"{pid}|{kind}") for kind in CUE_KINDS]
                                     for pid in agenda.ids], dtype=np.int64)
        self.kind_group_pairs = [list(zip(CUE_KINDS, row)) for row in self.kind_groups.tolist()]
        # priority index of each cue group; and of the groups that name a priority's subject (all
        # kinds but "point"), which let a sentence fragment take its sentence's cues
        self.group_priority = {g: j for j, row in enumerate(self.kind_groups.tolist()) for g in row}
        self.subject_group_priority = {g: j for j, row in enumerate(self.kind_groups.tolist())
                                       for c, g in enumerate(row) if CUE_KINDS[c] != "point"}

    def _tokens(self, text: str) -> list[str]:
        toks = tokens(text)
        if self._ignore_any or not self._ignore_first.isdisjoint(toks):
            toks = self.ignore.mask(toks)
        return toks

    def run_ids(self, texts: Sequence[str]) -> list[dict[int, list[str]]]:
        """Per text: group id -> matched phrases (occasion names masked first)."""
        return self.analyse(texts)[0]

    def analyse(self, texts: Sequence[str]) -> tuple[list[dict[int, list[str]]], np.ndarray]:
        """(per text: group id -> matched phrases, which texts a skip_passages cue rules out); one
        tokenization per text."""
        match = self.index.match_tokens
        check_skip = bool(self.skip.phrases)
        skip = np.zeros(len(texts), dtype=bool)
        out: list[dict[int, list[str]]] = []
        ignore_first, ignore_any, mask = self._ignore_first, self._ignore_any, self.ignore.mask
        plain = self._ignore_plain
        for i, text in enumerate(texts):
            toks = tokens(text)
            if check_skip and (self._skip_first is None or not self._skip_first.isdisjoint(toks)) \
                    and self.skip.match_tokens(toks):
                skip[i] = True
            if ignore_any or not ignore_first.isdisjoint(toks):
                joined = " ".join(toks)
                if plain is None or any(p in joined for p in plain):
                    toks = mask(toks)
            out.append(match(toks))
        return out, skip

    def skipped(self, texts: Sequence[str]) -> np.ndarray:
        """Which texts a skip_passages cue rules out."""
        return self.analyse(texts)[1]

    def named(self, hits: dict[int, list[str]]) -> dict[str, list[str]]:
        """Group id keys turned into "P1|subject" names."""
        names = self.index.names
        return {names[g]: v for g, v in hits.items()}

    def run(self, texts: Sequence[str]) -> list[dict[str, list[str]]]:
        """Per text: cue group key ("P1|subject", "stance|concern") -> matched phrases."""
        names = self.index.names
        out = []
        for text, hits in zip(texts, self.run_ids(texts)):
            named = {names[g]: v for g, v in hits.items()}
            named.update({f"stance|{k}": v for k, v in self.stance_cues(text).items()})
            out.append(named)
        return out

    def hit_matrix(self, hits: Sequence[dict[int, list[str]]]) -> np.ndarray:
        """(texts, priorities, cue kinds) booleans."""
        G = len(self.index.names)
        flat = np.zeros((len(hits), G), dtype=bool)
        for i, h in enumerate(hits):
            if h:
                flat[i, list(h)] = True
        return flat[:, self.kind_groups]

    def stance_cues(self, text: str) -> dict[str, list[str]]:
        """Stance kind -> stance cues found in the text."""
        return self.stance_index.match_named(text)

    def stance(self, text: str) -> str:
        """The stance of a passage: the first kind in the agenda's order with a cue in it, else 'mention'."""
        found = self.stance_cues(text)
        for name in self.stance_order:
            if name in found:
                return name
        return "mention"


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
        self._bank: tuple[np.ndarray, list[tuple[int, int]], list[np.ndarray]] | None = None
        self._wcache: tuple[MatcherParams, np.ndarray, np.ndarray] | None = None

    @property
    def cues(self) -> CueMatcher:
        """The compiled cue matcher (built on first use)."""
        if self._cues is None:
            self._cues = CueMatcher(self.agenda)
        return self._cues

    def _vectors(self) -> tuple[np.ndarray, list[tuple[int, int]], list[np.ndarray]]:
        """All exemplar vectors stacked, each priority's (start, end) in the stack, and index arrays of
        each priority's counter-exemplars (its own + the agenda-wide ones) in the stack."""
        if self._bank is None:
            texts: list[str] = []
            ex_spans: list[tuple[int, int]] = []
            own_neg: list[tuple[int, int]] = []
            for p in self.agenda.priorities:
                a = len(texts)
                texts.extend(p.exemplars)
                b = len(texts)
                texts.extend(p.counter_exemplars)
                ex_spans.append((a, b))
                own_neg.append((b, len(texts)))
            s0 = len(texts)
            texts.extend(self.agenda.defaults.counter_exemplars)
            shared = np.arange(s0, len(texts))
            vecs = np.asarray(self.embedder.encode(texts), dtype=np.float32)
            negs = [np.concatenate([np.arange(c, d), shared]).astype(np.int64) for c, d in own_neg]
            self._bank = (vecs, ex_spans, negs)
        return self._bank

    def _sem(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sem, neg), each (n, priorities): top-k mean exemplar similarity, best counter similarity."""
        bank, spans, negs = self._vectors()
        k = self.agenda.defaults.top_k
        n, P = vectors.shape[0], len(spans)
        sims = vectors @ bank.T  # one product for every exemplar and counter-exemplar
        sem = np.zeros((n, P), dtype=np.float32)
        neg = np.zeros((n, P), dtype=np.float32)
        for j, (a, b) in enumerate(spans):
            block = sims[:, a:b]
            kk = min(k, b - a)
            if kk == b - a:
                sem[:, j] = block.mean(axis=1)
            else:
                sem[:, j] = -np.partition(-block, kk - 1, axis=1)[:, :kk].mean(axis=1)
            if negs[j].size:
                neg[:, j] = sims[:, negs[j]].max(axis=1)
        return sem, neg

    def features_many(
        self, docs: Sequence[tuple[Sequence[str], np.ndarray, str | None]]
    ) -> list[DocFeatures]:
        """Features of many documents at once; each document is (passage texts in order, vectors, title)."""
        P, F = len(self.ids), len(FEATURES)
        texts: list[str] = []
        lengths: list[int] = []
        vec_parts: list[np.ndarray] = []
        for doc_texts, vecs, _ in docs:
            texts.extend(doc_texts)
            lengths.append(len(doc_texts))
            if len(doc_texts):
                vec_parts.append(np.asarray(vecs, dtype=np.float32).reshape(len(doc_texts), -1))
        N = len(texts)
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        X = np.zeros((N, P, F), dtype=np.float32)
        cm = self.cues
        hits, skip = cm.analyse(texts)
        hits = self._join_fragments(texts, lengths, hits)
        anaphoric = np.array([bool(_ANAPHOR.match(t) or _BACK_REFERENCE.search(t)) for t in texts], dtype=bool)
        title_hits = cm.run_ids([title or "" for _, _, title in docs])
        if N:
            V = np.concatenate(vec_parts, axis=0)
            sem, neg = self._sem(V)
            has = cm.hit_matrix(hits)
            strong, subject, proxy, point = (has[:, :, c] for c in range(4))
            pair = subject & point
            evidence = strong | pair
            proxy_pair = proxy & point & ~pair
            th = cm.hit_matrix(title_hits)
            title_ev = th[:, :, 0] | (th[:, :, 1] & th[:, :, 3]) | (th[:, :, 2] & th[:, :, 3])
            doc_of = np.repeat(np.arange(len(docs)), lengths)
            X[:, :, 0] = sem
            X[:, :, 1] = neg
            X[:, :, 2] = strong
            X[:, :, 3] = pair
            X[:, :, 4] = proxy_pair
            X[:, :, 5] = subject
            if N > 1:
                # context from the previous passage of the same document only
                gate = (anaphoric[1:] & (doc_of[1:] == doc_of[:-1]))[:, None]
                X[1:, :, 6] = gate & evidence[:-1]
                X[1:, :, 7] = gate * sem[:-1]
            X[:, :, 8] = title_ev[doc_of]
            ev = (evidence | proxy_pair).astype(np.float32)
            nonempty = np.array(lengths) > 0
            sums = np.zeros((len(docs), P), dtype=np.float32)
            sums[nonempty] = np.add.reduceat(ev, starts[:-1][nonempty], axis=0)
            share = sums / np.maximum(np.array(lengths, dtype=np.float32), 1.0)[:, None]
            X[:, :, 9] = share[doc_of]
            # evidence elsewhere in the document (or its title) makes a point cue here count
            ev_other = sums[doc_of] - ev > 0
            X[:, :, 10] = point & (ev_other | title_ev[doc_of])
        else:
            V = np.zeros((0, 0), dtype=np.float32)
        out = []
        for d in range(len(docs)):
            a, b = int(starts[d]), int(starts[d + 1])
            out.append(DocFeatures(
                X=X[a:b], texts=texts[a:b], hits=hits[a:b], vectors=V[a:b],
                anaphoric=anaphoric[a:b], skip=skip[a:b], title_cues=cm.named(title_hits[d]), names=cm.index.names))
        return out

    def _join_fragments(self, texts: Sequence[str], lengths: Sequence[int],
                        hits: list[dict[int, list[str]]]) -> list[dict[int, list[str]]]:
        """Cue hits of sentences split over several passages (see `continues`).

        The cues of the whole sentence are read together, and a fragment takes the sentence's cues of
        a priority only when it names that priority's subject itself (a strong, subject or proxy cue;
        labelling guide rule 5: a split fragment is labelled only if it carries the subject).
        """
        cm = self.cues
        runs: list[tuple[int, int]] = []
        pos = 0
        for n in lengths:
            i = pos
            while i < pos + n - 1:
                if continues(texts[i], texts[i + 1]):
                    j = i + 1
                    while j < pos + n - 1 and continues(texts[j], texts[j + 1]):
                        j += 1
                    runs.append((i, j + 1))
                    i = j + 1
                else:
                    i += 1
            pos += n
        if not runs:
            return hits
        joined = cm.run_ids([" ".join(texts[a:b]) for a, b in runs])
        carrier, prio_of = cm.subject_group_priority, cm.group_priority
        out = list(hits)
        for (a, b), jh in zip(runs, joined):
            for i in range(a, b):
                own = {carrier[g] for g in hits[i] if g in carrier}
                if not own:
                    continue
                merged = {g: list(v) for g, v in hits[i].items()}
                for g, v in jh.items():
                    if prio_of.get(g) in own:
                        merged[g] = sorted(set(merged.get(g, [])) | set(v))
                out[i] = merged
        return out

    def features(
        self, passages: Sequence[str], vectors: np.ndarray, title: str | None = None,
    ) -> DocFeatures:
        """Feature tensor of one document's passages (in order)."""
        return self.features_many([(list(passages), vectors, title)])[0]

    def weight_matrix(self, params: MatcherParams | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(W of shape (priorities, features), b of shape (priorities,)) including the shared bias."""
        p = params or self.params
        if self._wcache is not None and self._wcache[0] is p:
            return self._wcache[1], self._wcache[2]
        W = np.array(
            [[p.weights.get(f, 0.0) + p.priority_weights.get(pid, {}).get(f, 0.0) for f in FEATURES]
             for pid in self.ids],
            dtype=np.float32,
        )
        b = np.array([p.priority_bias.get(pid, 0.0) for pid in self.ids], dtype=np.float32)
        b = b + np.float32(p.weights.get("bias", 0.0))
        self._wcache = (p, W, b)
        return W, b

    def logits(self, X: np.ndarray, params: MatcherParams | None = None) -> np.ndarray:
        """Logits of a (..., priorities, features) tensor."""
        W, b = self.weight_matrix(params)
        return np.einsum("...pf,pf->...p", X, W) + b

    def probabilities(self, feats: DocFeatures, params: MatcherParams | None = None) -> np.ndarray:
        """Scores in [0, 1], shape (passages, priorities)."""
        z = self.logits(feats.X, params)
        probs = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        if feats.skip.any():
            probs[feats.skip] = 0.0
        return probs

    def _thresholds(self, p: MatcherParams) -> tuple[np.ndarray, np.ndarray]:
        """(decision, explicit) thresholds per priority."""
        dec_t = np.array([p.decision.get(pid, 0.5) for pid in self.ids], dtype=np.float32)
        exp_t = np.array([p.explicit.get(pid, p.decision.get(pid, 0.5)) for pid in self.ids], dtype=np.float32)
        return dec_t, exp_t

    @staticmethod
    def _explicit(x: np.ndarray, probs: np.ndarray, exp_t: np.ndarray) -> np.ndarray:
        """The level rule for decided pairs (features x, scores, explicit thresholds, aligned): explicit
        when the passage itself has subject + point cues (or a strong cue and a subject) and the score
        reaches the explicit threshold."""
        return ((x[..., 3] > 0) | ((x[..., 2] > 0) & (x[..., 5] > 0))) & (probs >= exp_t)

    def decide(self, feats: DocFeatures, params: MatcherParams | None = None,
               explain: bool = True) -> list[PassageDecision]:
        """Turn features into decisions with levels, stances and (optionally) explanations."""
        p = params or self.params
        probs = self.probabilities(feats, p)
        dec_t, exp_t = self._thresholds(p)
        explicit = self._explicit(feats.X, probs, exp_t)
        out: list[PassageDecision] = []
        rounded = np.round(probs.astype(np.float64), 4)
        for i in range(len(feats.texts)):
            scores = dict(zip(self.ids, rounded[i].tolist()))
            dec = PassageDecision(scores=scores, priorities=[])
            for j in np.flatnonzero(probs[i] >= dec_t):
                pid = self.ids[j]
                dec.priorities.append(pid)
                dec.levels[pid] = "explicit" if explicit[i, j] else "implicit"
                dec.stances[pid] = self.cues.stance(feats.texts[i])
                if explain:
                    dec.explanations[pid] = self._explain(feats, i, int(j))
            out.append(dec)
        return out

    def _explain(self, feats: DocFeatures, i: int, j: int, stance_cues: dict[str, list[str]] | None = None,
                 closest: list[tuple[int, float]] | None = None,
                 x: Sequence[float] | None = None) -> dict[str, Any]:
        """Why passage i matched priority j: closest exemplars, cues, context used."""
        prio = self.agenda.priorities[j]
        pid = prio.id
        if closest is None:
            bank, spans, _ = self._vectors()
            a, b = spans[j]
            sims = bank[a:b] @ feats.vectors[i]
            closest = [(int(r), float(sims[r])) for r in np.argsort(-sims)[:2]]
        hits = feats.hits[i]
        if x is None:
            x = feats.X[i, j].tolist()
        return {
            "closest_exemplars": [{"exemplar": prio.exemplars[r], "similarity": round(sim, 3)}
                                  for r, sim in closest],
            "counter_similarity": round(float(x[1]), 3),
            "cues": {kind: sorted(set(hits[g])) for kind, g in self.cues.kind_group_pairs[j] if g in hits},
            "stance_cues": {k: sorted(set(v)) for k, v in (
                stance_cues if stance_cues is not None else self.cues.stance_cues(feats.texts[i])).items()},
            "context": {
                "previous_passage": bool(feats.anaphoric[i]) and i > 0,
                "previous_evidence": bool(x[6]),
                "previous_similarity": round(float(x[7]), 3),
                "title_cues": feats.title_cues_of(pid),
                "document_evidence_share": round(float(x[9]), 3),
            },
            "params": self.params.source,
        }

    def score(
        self, passages: Sequence[str], vectors: np.ndarray, title: str | None = None
    ) -> list[PassageDecision]:
        """Decisions for one document's passages, in order (neighbours and title are context)."""
        return self.decide(self.features(passages, vectors, title))

    def _match_rows(self, passage_ids: Sequence[str], feats: DocFeatures) -> list[MatchRow]:
        """The decided (passage, priority) pairs of one document, as plain rows (see `MatchRow`)."""
        probs = self.probabilities(feats, self.params)
        dec_t, exp_t = self._thresholds(self.params)
        rows, cols = np.nonzero(probs >= dec_t)
        if rows.size == 0:
            return []
        # closest exemplars of all decided pairs, one small product per priority
        bank, spans, _ = self._vectors()
        top_idx = np.zeros((rows.size, 2), dtype=np.int64)
        top_sim = np.full((rows.size, 2), np.nan, dtype=np.float32)
        for j in np.unique(cols):
            sel = np.flatnonzero(cols == j)
            a, b = spans[j]
            sims = feats.vectors[rows[sel]] @ bank[a:b].T
            t = min(2, b - a)
            order = np.argsort(-sims, axis=1)[:, :t]
            top_idx[sel, :t] = order
            top_sim[sel, :t] = np.take_along_axis(sims, order, axis=1)
        # everything per pair computed as arrays, then read as Python values (numpy scalars are slow)
        x_all = feats.X[rows, cols]
        pr = probs[rows, cols]
        explicit = self._explicit(x_all, pr, exp_t[cols])
        scores = np.clip(np.round(pr.astype(np.float64), 4), 0.0, 1.0).tolist()
        levels = np.where(explicit, "explicit", "implicit").tolist()
        closest_all = [[(int(r), float(v)) for r, v in zip(ri, vi) if not math.isnan(v)]
                       for ri, vi in zip(top_idx.tolist(), top_sim.tolist())]
        stance_of: dict[int, tuple[str, dict[str, list[str]]]] = {}
        out: list[MatchRow] = []
        for k, (i, j, x) in enumerate(zip(rows.tolist(), cols.tolist(), x_all.tolist())):
            if i not in stance_of:
                found = self.cues.stance_cues(feats.texts[i])
                stance_of[i] = (next((s for s in self.cues.stance_order if s in found), "mention"), found)
            stance, found = stance_of[i]
            out.append((passage_ids[i], self.ids[j], scores[k], levels[k], stance,
                        self._explain(feats, i, j, found, closest_all[k], x)))
        return out

    def _matches(self, statement_id: str, passage_ids: Sequence[str], feats: DocFeatures,
                 agenda_version: str) -> list[Match]:
        """Matches of one document: only the decided (passage, priority) pairs are built."""
        return rows_to_matches(statement_id, self._match_rows(passage_ids, feats), agenda_version,
                               self.embedder.model_id)

    def match_statement(
        self, statement: Statement, passages: list[Passage], vectors: np.ndarray, agenda_version: str
    ) -> list[Match]:
        """Matches (decided passage x priority pairs) for a statement's passages."""
        feats = self.features([p.text for p in passages], vectors, statement.title)
        return self._matches(statement.id, [p.id for p in passages], feats, agenda_version)

    def match_many(
        self, items: Sequence[tuple[str, str | None, Sequence[str], Sequence[str], np.ndarray]],
        agenda_version: str,
    ) -> list[list[Match]]:
        """Matches for many statements at once: (statement id, title, passage ids, texts, vectors) each."""
        model = self.embedder.model_id
        return [rows_to_matches(sid, rows, agenda_version, model)
                for (sid, *_), rows in zip(items, self.match_rows_many(items), strict=True)]

    def match_rows_many(
        self, items: Sequence[tuple[str, str | None, Sequence[str], Sequence[str], np.ndarray]],
    ) -> list[list[MatchRow]]:
        """`match_many` as plain rows (cheap to send between processes; `rows_to_matches` rebuilds)."""
        feats = self.features_many([(texts, vecs, title) for _, title, _, texts, vecs in items])
        return [self._match_rows(pids, f) for (_, _, pids, _, _), f in zip(items, feats)]

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
