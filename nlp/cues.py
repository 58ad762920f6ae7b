"""Fast cue-phrase matching: the agenda's cue phrases over lower-cased word tokens.

A cue phrase is a space-separated list of tokens: a plain token matches itself (case-folded), a token
ending in ``*`` matches any token starting with it (``defender*`` covers defenders, defender's; a
cheap, predictable stand-in for lemma matching), a lone ``*`` matches any one token, and a phrase
starting with ``^`` matches only at the start of a sentence (used for imperatives such as
``^stand with``). Text and phrases are split by the same tokenizer (runs of word characters, and
every other non-space character on its own), so ``non - governmental`` matches "non-governmental"
and ``women 's`` matches "women's" / "women’s".

Why not spaCy's Matcher: with prefix patterns it runs at ~800 passages/s here, slower than the
embedding model it sits next to, and far too slow to re-score 600,000 stored passages in a minute.
This matcher looks each distinct token up once (a per-vocabulary cache), so a passage costs a few
microseconds; tests/nlp/test_cues.py checks it against hand-written cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress

_TOKEN = re.compile(r"\w+|[^\w\s]")
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-",
                       "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u201c": '"', "\u201d": '"'})
_SENT_END = frozenset({".", "!", "?", ";", ":", '"'})

ANY = 0
EXACT = 1
PREFIX = 2


def tokens(text: str) -> list[str]:
    """Lower-cased tokens of a text, quotes and dashes folded (the unit cues match on)."""
    low = text.lower()
    if not low.isascii():  # the fold table only maps non-ASCII characters (and costs ~30 ns a character)
        low = low.translate(_FOLD)
    return _TOKEN.findall(low)


@dataclass(frozen=True)
class Phrase:
    """One compiled cue phrase."""

    group: int
    specs: tuple[tuple[int, str], ...]
    sentence_start: bool
    source: str


def compile_phrase(phrase: str, group: int) -> Phrase | None:
    """Compile a cue phrase; None for an empty one. Raises ValueError for a phrase starting with ``*``."""
    text = phrase.strip()
    start = text.startswith("^")
    if start:
        text = text[1:].strip()
    specs: list[tuple[int, str]] = []
    for piece in text.lower().translate(_FOLD).split():
        if piece == "*":
            specs.append((ANY, ""))
            continue
        star = piece.endswith("*")
        sub = _TOKEN.findall(piece.rstrip("*"))
        if not sub:
            continue
        specs.extend((EXACT, t) for t in sub[:-1])
        specs.append((PREFIX if star else EXACT, sub[-1]))
    if not specs:
        return None
    if specs[0][0] == ANY:
        raise ValueError(f"cue {phrase!r}: a phrase cannot start with a lone '*'")
    return Phrase(group, tuple(specs), start, phrase)


class CueIndex:
    """Cue groups (name -> phrases) compiled into a token trie with per-node transition caches.

    Matching walks the trie from every token; a node's transitions for a token (exact child, prefix
    children, any-token child) are computed once per distinct token and cached, so the work per
    passage is about one dictionary look-up per token.
    """

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        self.names: list[str] = list(groups)
        self.phrases: list[Phrase] = []
        for g, name in enumerate(self.names):
            for raw in groups[name]:
                compiled = compile_phrase(raw, g)
                if compiled is not None:
                    self.phrases.append(compiled)
        self._exact: list[dict[str, int]] = [{}]
        self._prefix: list[list[tuple[str, int]]] = [[]]
        self._any: list[int] = [-1]
        self._ends: list[list[int]] = [[]]  # phrase indices ending at the node
        for k, ph in enumerate(self.phrases):
            node = 0
            for kind, value in ph.specs:
                node = self._child(node, kind, value)
            self._ends[node].append(k)
        self._trans: list[dict[str, tuple[int, ...]]] = [{} for _ in self._exact]

    def _new(self) -> int:
        self._exact.append({})
        self._prefix.append([])
        self._any.append(-1)
        self._ends.append([])
        return len(self._exact) - 1

    def _child(self, node: int, kind: int, value: str) -> int:
        if kind == EXACT:
            child = self._exact[node].get(value)
            if child is None:
                child = self._exact[node][value] = self._new()
            return child
        if kind == ANY:
            if self._any[node] < 0:
                self._any[node] = self._new()
            return self._any[node]
        for prefix, child in self._prefix[node]:
            if prefix == value:
                return child
        child = self._new()
        self._prefix[node].append((value, child))
        return child

    def _step(self, node: int, tok: str) -> tuple[int, ...]:
        """Children of `node` that accept `tok` (cached per node and token)."""
        cache = self._trans[node]
        hit = cache.get(tok)
        if hit is None:
            out = [c for prefix, c in self._prefix[node] if tok.startswith(prefix)]
            exact = self._exact[node].get(tok)
            if exact is not None:
                out.append(exact)
            if self._any[node] >= 0:
                out.append(self._any[node])
            hit = cache[tok] = tuple(out)
        return hit

    def match_tokens(self, toks: Sequence[str]) -> dict[int, list[str]]:
        """Group id -> matched surface phrases (space-joined tokens) for one tokenized text."""
        out: dict[int, list[str]] = {}
        trans = self._trans
        root = trans[0]
        step = self._step
        ends = self._ends
        n = len(toks)
        for tok in set(toks).difference(root):
            step(0, tok)
        firsts = list(map(root.__getitem__, toks))
        # compress() skips, at C speed, the tokens that start no phrase (most of them)
        for i in compress(range(n), firsts):
            active = firsts[i]
            j = i + 1
            while active:
                for node in active:
                    for k in ends[node]:
                        ph = self.phrases[k]
                        if ph.sentence_start and i > 0 and toks[i - 1] not in _SENT_END:
                            continue
                        out.setdefault(ph.group, []).append(" ".join(toks[i:j]))
                if j >= n:
                    break
                nxt = toks[j]
                if len(active) == 1:
                    got = trans[active[0]].get(nxt)
                    active = step(active[0], nxt) if got is None else got
                else:
                    active = tuple(c for node in active for c in step(node, nxt))
                j += 1
        return out

    def first_tokens(self) -> set[str] | None:
        """Exact first tokens of all phrases (None if a phrase starts with a prefix pattern)."""
        if self._prefix[0] or self._any[0] >= 0:
            return None
        return set(self._exact[0])

    def mask(self, toks: Sequence[str]) -> list[str]:
        """The tokens with every token of every phrase match replaced by "" (which starts no cue)."""
        out = list(toks)
        step, ends, n = self._step, self._ends, len(toks)
        root = self._trans[0]
        for tok in set(toks).difference(root):
            step(0, tok)
        firsts = list(map(root.__getitem__, toks))
        for i in compress(range(n), firsts):
            active = firsts[i]
            j = i + 1
            while active:
                if any(ends[node] for node in active):
                    out[i:j] = [""] * (j - i)
                if j >= n:
                    break
                active = tuple(c for node in active for c in step(node, toks[j]))
                j += 1
        return out

    def match(self, text: str) -> dict[int, list[str]]:
        """Group id -> matched phrases for one text."""
        return self.match_tokens(tokens(text))

    def match_named(self, text: str) -> dict[str, list[str]]:
        """Group name -> matched phrases for one text."""
        return {self.names[g]: v for g, v in self.match(text).items()}
