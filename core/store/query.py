"""The user's keyword-query syntax, parsed once into a tree that each store renders for its engine.

Syntax: bare terms (ANDed), "quoted phrases", upper-case AND / OR / NOT (also AND NOT), parentheses and a
trailing * for prefix search; everything else is punctuation. Only words (letters and digits) survive into
the tree, so no user syntax ever reaches SQLite FTS5 or Elasticsearch raw. A query made only of exclusions
(NOT x) has nothing to search for (None). Malformed input (an unbalanced quote or parenthesis, a dangling
operator) degrades to the AND of its words; at most MAX_TERMS operands are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_TERMS = 32  # a 100 KB query must not turn into a 10 000-term search expression

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OPERATORS = {"AND", "OR", "NOT"}


def lex(q: str) -> tuple[list[tuple[str, Any]], bool]:
    """Split a user query into operands and operators; the flag says whether it was well formed."""
    tokens: list[tuple[str, Any]] = []
    ok = True
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            tokens.append(("paren", c))
            i += 1
            continue
        if c == '"':
            j = q.find('"', i + 1)
            if j == -1:
                ok = False  # unbalanced quote: keep its words for the fallback
                body, i = q[i + 1:], n
                prefix = False
            else:
                body, i = q[i + 1:j], j + 1
                prefix = i < n and q[i] == "*"
                if prefix:
                    i += 1
            words = _WORDS.findall(body)
            if words:
                tokens.append(("operand", (words, prefix)))
            continue
        j = i
        while j < n and not q[j].isspace() and q[j] not in '"()':
            j += 1
        raw, i = q[i:j], j
        if raw in _OPERATORS:
            tokens.append(("op", raw))
            continue
        words = _WORDS.findall(raw)
        if words:
            tokens.append(("operand", (words, raw.endswith("*"))))
    return tokens, ok


@dataclass(frozen=True)
class Phrase:
    """Words that must appear in this order; prefix: the last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class AllOf:
    """Every `must` node and none of the `must_not` nodes."""

    must: tuple[QueryNode, ...]
    must_not: tuple[QueryNode, ...] = ()


@dataclass(frozen=True)
class AnyOf:
    """At least one of the nodes."""

    should: tuple[QueryNode, ...]


QueryNode = Phrase | AllOf | AnyOf


class _Malformed(Exception):
    """The user's query does not parse; the caller degrades to plain words."""


class _Parser:
    """Recursive descent producing a tree:
    or := and (OR and)*; and := [NOT] unit ([AND] [NOT] unit)*; unit := operand | ( or )."""

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> QueryNode | None:
        node = self.or_expr()
        if self.peek() is not None:
            raise _Malformed
        return node

    def or_expr(self) -> QueryNode | None:
        parts = [self.and_expr()]
        while self.peek() == ("op", "OR"):
            self.take()
            parts.append(self.and_expr())
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else AnyOf(tuple(kept))

    def and_expr(self) -> QueryNode | None:
        positive: list[QueryNode | None] = []
        negative: list[QueryNode | None] = []
        while True:
            tok = self.peek()
            if tok == ("op", "AND"):
                if not positive and not negative:
                    raise _Malformed  # a leading AND
                self.take()
                tok = self.peek()
            negate = tok == ("op", "NOT")
            if negate:
                self.take()
                tok = self.peek()
            if tok is None or tok[0] == "op" or tok == ("paren", ")"):
                if negate or (positive or negative) and self.tokens[self.i - 1] == ("op", "AND"):
                    raise _Malformed  # an operator with nothing after it
                break
            (negative if negate else positive).append(self.unit())
        pos = [p for p in positive if p is not None]
        if not pos and not negative:
            raise _Malformed
        if not pos:
            return None  # only exclusions: nothing to search for, so nothing matches
        neg = [n for n in negative if n is not None]
        if len(pos) == 1 and not neg:
            return pos[0]
        return AllOf(tuple(pos), tuple(neg))

    def unit(self) -> QueryNode | None:
        kind, val = self.take()
        if kind == "operand":
            return Phrase(tuple(val[0]), bool(val[1]))
        if (kind, val) == ("paren", "("):
            inner = self.or_expr()
            if self.peek() != ("paren", ")"):
                raise _Malformed
            self.take()
            return inner
        raise _Malformed


def _plain_words(tokens: list[tuple[str, Any]]) -> QueryNode | None:
    words = [w for kind, val in tokens if kind == "operand" for w in val[0]][:MAX_TERMS]
    if not words:
        return None
    nodes = tuple(Phrase((w,)) for w in words)
    return nodes[0] if len(nodes) == 1 else AllOf(nodes)


def parse_user_query(q: str, *, plain: bool = False) -> QueryNode | None:
    """Parse the user's syntax (terms ANDed, "phrases", AND / OR / NOT, parentheses, trailing *) into a tree.

    None: nothing to search for (matches nothing). Malformed input, or plain=True, gives the AND of its
    words.
    """
    tokens, ok = lex(_CONTROL.sub(" ", q))
    operands = sum(1 for kind, _ in tokens if kind == "operand")
    if operands == 0:
        return None
    if ok and operands <= MAX_TERMS and not plain:
        try:
            return _Parser(tokens).parse()
        except _Malformed:
            pass
    return _plain_words(tokens)
