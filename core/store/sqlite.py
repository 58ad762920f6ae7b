"""The embedded store: one SQLite file (WAL, foreign keys, FTS5 with bm25, float32 vector blobs).

Layout (schema version 1):

* ``statements`` — one column per field of index_mappings/statements.json (lists/objects as JSON text,
  dates as ISO text) plus an integer ``pk`` (the FTS rowid) and two hashes: ``content_hash`` (every
  field but ``fetched_at``: decides inserted / updated / unchanged) and ``analysis_hash`` (title, text,
  doc_type: an analysis made for another value is stale, so the statement is pending again);
* ``aliases`` — the id of a duplicate (same body on the other site) -> the stored statement's id;
* ``passages`` — the index_mappings/passages.json fields that a Passage has; the rest of that mapping
  (vector, matches, statement metadata) is denormalised only in Elasticsearch and joined here;
* ``vectors`` (passage x model, float32 blob), ``matches`` (passage x priority x agenda version x
  model), ``analysis`` (statement x agenda version x model, with the analysis_hash it was made for);
* ``crawl_log`` — the latest outcome per (source, url);
* ``statements_fts`` / ``passages_fts`` — external-content FTS5 tables kept in sync by triggers.

Threading: one connection per store object, opened with ``check_same_thread=False``; every
operation holds an ``RLock``, so the object can be shared by FastAPI's threadpool and by a crawl
pipeline. Streaming readers (``iter_statements``, ``pending_analysis``, ``passage_vectors``) fetch
keyset-paginated batches and release the lock between batches, so writing while iterating is safe.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Self, get_origin

import numpy as np

from core.errors import InvalidQuery, StoreError
from core.models import Match, Passage, SourceRef, Statement, body_fingerprint
from core.store.base import (
    MonthPriorityAggregate,
    PassageHit,
    SearchPage,
    StatementFilters,
    StatementHit,
    UpsertResult,
    mapping_fields,
)

SCHEMA_VERSION = 1
TOKENIZER = "porter unicode61 remove_diacritics 2"
_BATCH = 500
_FUSION_POOL = 1000  # candidates taken from each list before reciprocal-rank fusion
_RRF_K = 60
_MAX_TERMS = 32  # a 100 KB query must not turn into a 10 000-term FTS expression
_SNIP_OPEN, _SNIP_CLOSE = "\x02", "\x03"  # replaced by <mark> after HTML-escaping the snippet

# Fields a merge (or a re-crawl) fills from the other copy when this copy lacks them.
_FILLABLE_SKIP = {"id", "url", "source", "sources", "title", "text", "fingerprint", "fetched_at"}

_EFF = "COALESCE(s.delivery_date, s.release_date, s.url_date)"


# --------------------------------------------------------------------------------------------------
# Query translation: user syntax never reaches FTS5 raw.
# --------------------------------------------------------------------------------------------------

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OPERATORS = {"AND", "OR", "NOT"}


def _quote(words: list[str], prefix: bool) -> str:
    # Words hold only letters/digits, so a double-quoted FTS5 string is always well formed.
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


def _lex(q: str) -> tuple[list[tuple[str, Any]], bool]:
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


def _fallback(tokens: list[tuple[str, Any]]) -> str | None:
    words = [w for kind, val in tokens if kind == "operand" for w in val[0]][:_MAX_TERMS]
    return " AND ".join(_quote([w], False) for w in words) or None


class _Malformed(Exception):
    """The user's query does not parse; the caller degrades to plain words."""


class _Parser:
    """Recursive descent over lexed tokens: or := and (OR and)*; and := [NOT] unit ([AND] [NOT] unit)*;
    unit := operand | ( or ).  Output is FTS5 syntax built only from quoted words and operators."""

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> str | None:
        expr = self.or_expr()
        if self.peek() is not None:
            raise _Malformed
        return expr

    def or_expr(self) -> str | None:
        parts = [self.and_expr()]
        while self.peek() == ("op", "OR"):
            self.take()
            parts.append(self.and_expr())
        kept = [p for p in parts if p is not None]
        if len(kept) == 1:
            return kept[0]
        return " OR ".join(_group(p) for p in kept) if kept else None

    def and_expr(self) -> str | None:
        positive: list[str | None] = []
        negative: list[str | None] = []
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
        expr = pos[0] if len(pos) == 1 else " AND ".join(_group(p) for p in pos)
        for n in negative:
            if n is not None:
                expr = f"{_group(expr)} NOT {_group(n)}"
        return expr

    def unit(self) -> str | None:
        kind, val = self.take()
        if kind == "operand":
            return _quote(val[0], val[1])
        if (kind, val) == ("paren", "("):
            inner = self.or_expr()
            if self.peek() != ("paren", ")"):
                raise _Malformed
            self.take()
            return inner
        raise _Malformed


def _group(expr: str) -> str:
    """Parenthesise an expression with an operator at its top level (operands and groups need none)."""
    depth, quoted = 0, False
    for c in expr:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "()":
            depth += 1 if c == "(" else -1
        elif not quoted and depth == 0 and c == " ":
            return f"({expr})"
    return expr


def to_fts5_query(q: str) -> str | None:
    """Translate a user query into a safe FTS5 expression (None when it has nothing to search for).

    Supported: bare terms (ANDed), "quoted phrases", upper-case AND / OR / NOT (also AND NOT), parentheses,
    and a trailing * for prefix search. Everything else is punctuation. A query made only of exclusions
    (NOT x) has nothing to search for and matches nothing. Malformed input (an unbalanced quote or
    parenthesis, a dangling operator) degrades to the plain AND of its quoted words.
    """
    q = _CONTROL.sub(" ", q)
    tokens, ok = _lex(q)
    operands = sum(1 for kind, _ in tokens if kind == "operand")
    if operands == 0:
        return None
    if ok and operands <= _MAX_TERMS:
        try:
            return _Parser(tokens).parse()
        except _Malformed:
            pass
    return _fallback(tokens)


def _snippet_html(raw: str | None) -> str | None:
    """HTML-escape an FTS snippet, then turn its markers into <mark> tags (safe to render)."""
    if raw is None:
        return None
    return html.escape(raw).replace(_SNIP_OPEN, "<mark>").replace(_SNIP_CLOSE, "</mark>")


def _lead_snippet(text: str, chars: int = 240) -> str:
    """The opening of a text, HTML-escaped, as the snippet of an unranked hit."""
    cut = text[:chars]
    return html.escape(cut + ("…" if len(text) > chars else ""))


def _natural_key(pid: str) -> tuple[str, int, str]:
    m = re.match(r"^(\D*)(\d+)(.*)$", pid)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else (pid, 0, "")


# --------------------------------------------------------------------------------------------------
# Column mapping
# --------------------------------------------------------------------------------------------------


def _columns(model: type[Statement | Passage], mapping: str) -> tuple[list[str], set[str]]:
    """Columns = mapping fields the model has (in mapping order); JSON columns = list/dict fields."""
    declared = mapping_fields(mapping)
    cols = [name for name in declared if name in model.model_fields]
    json_cols = {
        name for name in cols if get_origin(model.model_fields[name].annotation) in (list, dict)
    }
    return cols, json_cols


ST_COLS, ST_JSON = _columns(Statement, "statements")
PA_COLS, PA_JSON = _columns(Passage, "passages")


def _q(col: str) -> str:
    return f'"{col}"'


def _hash(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _content_hash(doc: dict[str, Any]) -> str:
    return _hash({k: v for k, v in doc.items() if k != "fetched_at"})


def _analysis_hash(doc: dict[str, Any]) -> str:
    return _hash([doc.get("title"), doc.get("text"), doc.get("doc_type")])


def _is_missing(name: str, value: Any) -> bool:
    if name == "doc_type":
        return value in (None, "", "other")
    return value is None or value == "" or value == [] or value == {}


def _merge_sources(base: list[SourceRef], incoming: list[SourceRef]) -> list[SourceRef]:
    """Union by URL: base order kept, incoming versions replace same-URL refs, new ones appended."""
    by_url = {ref.url: ref for ref in incoming}
    out: list[SourceRef] = []
    seen: set[str] = set()
    for ref in base:
        if ref.url in seen:
            continue
        out.append(by_url.get(ref.url, ref))
        seen.add(ref.url)
    for ref in incoming:
        if ref.url not in seen:
            out.append(ref)
            seen.add(ref.url)
    return out


def _with_own_ref(st: Statement) -> Statement:
    """Ensure sources holds the statement's own ref and fingerprint is set."""
    updates: dict[str, Any] = {}
    if not any(ref.url == st.url for ref in st.sources):
        own = SourceRef(source=st.source, url=st.url, title=st.title, release_date=st.release_date,
                        symbols=list(st.symbols))
        updates["sources"] = [own, *st.sources]
    if not st.fingerprint:
        updates["fingerprint"] = body_fingerprint(st.text)
    return st.model_copy(update=updates) if updates else st


def _fill_missing(target: Statement, donor: Statement) -> Statement:
    """Copy the donor's values into fields the target lacks (symbols, lead, dates, location ...)."""
    updates: dict[str, Any] = {}
    for name in Statement.model_fields:
        if name in _FILLABLE_SKIP:
            continue
        mine, theirs = getattr(target, name), getattr(donor, name)
        if _is_missing(name, mine) and not _is_missing(name, theirs):
            updates[name] = theirs
    return target.model_copy(update=updates) if updates else target


class SQLiteStore:
    """The Store protocol on one SQLite file (see the module docstring for layout and threading)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._generation = 0  # bumped by every save_analysis; invalidates the vector cache
        self._vec_cache: dict[tuple[str, int], tuple[tuple[int, int], list[str], dict[str, int], np.ndarray]] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                         timeout=30.0)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the SQLite store at {self.path}: {exc}") from exc

    # --- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def _tx(self, what: str) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock; any failure rolls everything back."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite store: cannot start a transaction to {what}: {exc}") from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"SQLite store: failed to {what}: {exc}") from exc
                raise

    @contextmanager
    def _read(self, what: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite store: failed to {what}: {exc}") from exc

    def _migrate(self) -> None:
        c = self._conn
        c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = c.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = row[0] or 0
        if current > SCHEMA_VERSION:
            raise StoreError(f"database {self.path} has schema version {current}, newer than this "
                             f"sgwatch ({SCHEMA_VERSION}); upgrade sgwatch")
        c.execute("BEGIN IMMEDIATE")
        try:
            if current < 1:
                self._create_v1()
                c.execute("INSERT INTO schema_version (version) VALUES (?)", (1,))
            # Fields added to the mapping files later become columns without a version bump.
            for table, cols in (("statements", ST_COLS), ("passages", PA_COLS)):
                have = {r["name"] for r in c.execute(f"PRAGMA table_info({table})")}
                for col in cols:
                    if col not in have:
                        c.execute(f"ALTER TABLE {table} ADD COLUMN {_q(col)}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _create_v1(self) -> None:
        c = self._conn
        st_cols = ", ".join(
            f"{_q(col)} TEXT UNIQUE NOT NULL" if col == "id" else _q(col) for col in ST_COLS)
        c.execute(f"CREATE TABLE statements (pk INTEGER PRIMARY KEY, {st_cols}, "
                  "content_hash TEXT NOT NULL, analysis_hash TEXT NOT NULL)")
        c.execute("CREATE INDEX statements_fingerprint ON statements (fingerprint)")
        c.execute("CREATE INDEX statements_date ON statements "
                  "(COALESCE(delivery_date, release_date, url_date))")
        c.execute("CREATE TABLE aliases (alias_id TEXT PRIMARY KEY, statement_id TEXT NOT NULL "
                  "REFERENCES statements(id) ON DELETE CASCADE)")
        pa_defs = []
        for col in PA_COLS:
            if col == "id":
                pa_defs.append(f"{_q(col)} TEXT UNIQUE NOT NULL")
            elif col == "statement_id":
                pa_defs.append(f"{_q(col)} TEXT NOT NULL REFERENCES statements(id) ON DELETE CASCADE")
            else:
                pa_defs.append(_q(col))
        c.execute(f"CREATE TABLE passages (pk INTEGER PRIMARY KEY, {', '.join(pa_defs)})")
        c.execute("CREATE INDEX passages_statement ON passages (statement_id)")
        c.execute("CREATE TABLE vectors (passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE "
                  "CASCADE, model TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL, "
                  "PRIMARY KEY (passage_id, model))")
        c.execute("CREATE INDEX vectors_model ON vectors (model, dim)")
        c.execute("CREATE TABLE matches (passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE "
                  "CASCADE, statement_id TEXT NOT NULL REFERENCES statements(id) ON DELETE CASCADE, "
                  "priority TEXT NOT NULL, score REAL NOT NULL, level TEXT NOT NULL, stance TEXT NOT "
                  "NULL, agenda_version TEXT NOT NULL, model TEXT NOT NULL, explanation TEXT, "
                  "PRIMARY KEY (passage_id, priority, agenda_version, model))")
        c.execute("CREATE INDEX matches_version ON matches (agenda_version, priority, score)")
        c.execute("CREATE INDEX matches_statement ON matches (statement_id, agenda_version)")
        c.execute("CREATE TABLE analysis (statement_id TEXT NOT NULL REFERENCES statements(id) ON "
                  "DELETE CASCADE, agenda_version TEXT NOT NULL, model TEXT NOT NULL, content_hash "
                  "TEXT NOT NULL, analysed_at TEXT NOT NULL, passages INTEGER NOT NULL, matches "
                  "INTEGER NOT NULL, PRIMARY KEY (statement_id, agenda_version, model))")
        c.execute("CREATE INDEX analysis_at ON analysis (analysed_at)")
        c.execute("CREATE TABLE crawl_log (source TEXT NOT NULL, url TEXT NOT NULL, outcome TEXT NOT "
                  "NULL, reason TEXT, month TEXT, extraction TEXT, at TEXT NOT NULL, "
                  "PRIMARY KEY (source, url))")
        c.execute(f"CREATE VIRTUAL TABLE statements_fts USING fts5(title, text, content='statements', "
                  f"content_rowid='pk', tokenize='{TOKENIZER}')")
        c.execute(f"CREATE VIRTUAL TABLE passages_fts USING fts5(text, content='passages', "
                  f"content_rowid='pk', tokenize='{TOKENIZER}')")
        c.execute("CREATE TRIGGER statements_ai AFTER INSERT ON statements BEGIN "
                  "INSERT INTO statements_fts(rowid, title, text) VALUES (new.pk, new.title, new.text); END")
        c.execute("CREATE TRIGGER statements_ad AFTER DELETE ON statements BEGIN "
                  "INSERT INTO statements_fts(statements_fts, rowid, title, text) "
                  "VALUES ('delete', old.pk, old.title, old.text); END")
        c.execute("CREATE TRIGGER statements_au AFTER UPDATE OF title, text ON statements BEGIN "
                  "INSERT INTO statements_fts(statements_fts, rowid, title, text) "
                  "VALUES ('delete', old.pk, old.title, old.text); "
                  "INSERT INTO statements_fts(rowid, title, text) VALUES (new.pk, new.title, new.text); END")
        c.execute("CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN "
                  "INSERT INTO passages_fts(rowid, text) VALUES (new.pk, new.text); END")
        c.execute("CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN "
                  "INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.pk, old.text); END")
        c.execute("CREATE TRIGGER passages_au AFTER UPDATE OF text ON passages BEGIN "
                  "INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.pk, old.text); "
                  "INSERT INTO passages_fts(rowid, text) VALUES (new.pk, new.text); END")

    def close(self) -> None:
        """Release connections."""
        with self._lock:
            try:
                self._conn.close()
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite store: failed to close: {exc}") from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- row <-> model -------------------------------------------------------------------------

    @staticmethod
    def _st_doc(st: Statement) -> dict[str, Any]:
        dumped = st.model_dump(mode="json")
        return {col: dumped.get(col) for col in ST_COLS}

    @staticmethod
    def _st_row_values(doc: dict[str, Any]) -> list[Any]:
        return [json.dumps(doc[c], ensure_ascii=False) if c in ST_JSON else doc[c] for c in ST_COLS]

    @staticmethod
    def _row_statement(row: sqlite3.Row) -> Statement:
        data = {c: (json.loads(row[c]) if c in ST_JSON and row[c] is not None else row[c]) for c in ST_COLS}
        return Statement.model_validate({k: v for k, v in data.items() if v is not None})

    @staticmethod
    def _row_passage(row: sqlite3.Row) -> Passage:
        data = {c: (json.loads(row[c]) if c in PA_JSON and row[c] is not None else row[c]) for c in PA_COLS}
        return Passage.model_validate({k: v for k, v in data.items() if v is not None})

    @staticmethod
    def _row_match(row: sqlite3.Row) -> Match:
        return Match(passage_id=row["passage_id"], statement_id=row["statement_id"],
                     priority=row["priority"], score=row["score"], level=row["level"],
                     stance=row["stance"], agenda_version=row["agenda_version"], model=row["model"],
                     explanation=json.loads(row["explanation"]) if row["explanation"] else {})

    _ST_SELECT = ", ".join(f"s.{_q(c)}" for c in ST_COLS)
    _PA_SELECT = ", ".join(f"p.{_q(c)}" for c in PA_COLS)

    def _load(self, conn: sqlite3.Connection, statement_id: str) -> Statement | None:
        row = conn.execute(f"SELECT {self._ST_SELECT} FROM statements s WHERE s.id = ?",
                           (statement_id,)).fetchone()
        return self._row_statement(row) if row else None

    def _resolve(self, conn: sqlite3.Connection, statement_id: str) -> str | None:
        if conn.execute("SELECT 1 FROM statements WHERE id = ?", (statement_id,)).fetchone():
            return statement_id
        row = conn.execute("SELECT statement_id FROM aliases WHERE alias_id = ?", (statement_id,)).fetchone()
        return row[0] if row else None

    def _latest_version(self, conn: sqlite3.Connection) -> str | None:
        row = conn.execute("SELECT agenda_version FROM analysis ORDER BY analysed_at DESC, rowid DESC "
                           "LIMIT 1").fetchone()
        return row[0] if row else None

    # --- writing -------------------------------------------------------------------------------

    def _write(self, conn: sqlite3.Connection, st: Statement, insert: bool) -> None:
        doc = self._st_doc(st)
        values = self._st_row_values(doc)
        hashes = [_content_hash(doc), _analysis_hash(doc)]
        if insert:
            cols = ", ".join(_q(c) for c in ST_COLS)
            marks = ", ".join("?" for _ in range(len(ST_COLS) + 2))
            conn.execute(f"INSERT INTO statements ({cols}, content_hash, analysis_hash) VALUES ({marks})",
                         values + hashes)
        else:
            sets = ", ".join(f"{_q(c)} = ?" for c in ST_COLS if c != "id")
            vals = [v for c, v in zip(ST_COLS, values, strict=True) if c != "id"]
            conn.execute(f"UPDATE statements SET {sets}, content_hash = ?, analysis_hash = ? WHERE id = ?",
                         vals + hashes + [st.id])

    def upsert_statements(self, statements: Iterable[Statement]) -> UpsertResult:
        """Insert or update statements by id; a body already stored under another id is merged as a source.

        Same id and same content (``fetched_at`` ignored) -> unchanged; same id, other content -> updated
        (fields the new copy lacks keep their stored values, sources are unioned by URL). A statement
        whose fingerprint (filled from the text when empty) equals a stored statement's under another
        id is merged: its sources are appended, missing fields filled, and its id becomes an alias.
        Merging the same duplicate again with nothing new counts as unchanged.
        """
        result = UpsertResult()
        with self._tx("upsert statements") as conn:
            for incoming in statements:
                st = _with_own_ref(incoming)
                stored = self._load(conn, st.id)
                if stored is not None:
                    new = _fill_missing(st, stored)
                    new = new.model_copy(update={"sources": _merge_sources(stored.sources, new.sources)})
                    if _content_hash(self._st_doc(new)) == _content_hash(self._st_doc(stored)):
                        result.unchanged += 1
                    else:
                        self._write(conn, new, insert=False)
                        result.updated += 1
                    continue
                target_id = self._resolve(conn, st.id)
                if target_id is None and st.fingerprint:
                    row = conn.execute("SELECT id FROM statements WHERE fingerprint = ? ORDER BY pk LIMIT 1",
                                       (st.fingerprint,)).fetchone()
                    target_id = row[0] if row else None
                if target_id is None:
                    self._write(conn, st, insert=True)
                    result.inserted += 1
                    continue
                target = self._load(conn, target_id)
                assert target is not None  # resolved ids exist (foreign key)
                merged = _fill_missing(target, st)
                merged = merged.model_copy(update={"sources": _merge_sources(target.sources, st.sources)})
                new_alias = conn.execute("INSERT OR IGNORE INTO aliases (alias_id, statement_id) VALUES (?, ?)",
                                         (st.id, target_id)).rowcount > 0
                changed = _content_hash(self._st_doc(merged)) != _content_hash(self._st_doc(target))
                if changed:
                    self._write(conn, merged, insert=False)
                result.merged_into[st.id] = target_id
                if new_alias or changed:
                    result.merged += 1
                else:
                    result.unchanged += 1
        return result

    def pending_analysis(self, agenda_version: str, model: str) -> Iterator[Statement]:
        """Statements not yet analysed with this agenda version and model (or changed since)."""
        last = ""
        while True:
            with self._read("list statements pending analysis") as conn:
                rows = conn.execute(
                    f"SELECT {self._ST_SELECT} FROM statements s LEFT JOIN analysis a "
                    "ON a.statement_id = s.id AND a.agenda_version = ? AND a.model = ? "
                    "WHERE s.id > ? AND (a.statement_id IS NULL OR a.content_hash != s.analysis_hash) "
                    "ORDER BY s.id LIMIT ?", (agenda_version, model, last, _BATCH)).fetchall()
                batch = [self._row_statement(r) for r in rows]
            if not batch:
                return
            yield from batch
            last = batch[-1].id

    def save_analysis(self, statement_id: str, passages: Sequence[Passage], vectors: np.ndarray | None,
                      matches: Sequence[Match], agenda_version: str, model: str) -> None:
        """Replace a statement's passages, vectors and matches in one transaction (all or nothing).

        Passages whose text/offsets changed (or that are gone) are deleted with everything hanging off
        them; this model's vectors and this (agenda version, model)'s matches are replaced; an
        analysis row records the content it was made for. Any inconsistency raises StoreError and
        leaves the previous analysis untouched.
        """
        with self._tx(f"save the analysis of statement {statement_id}") as conn:
            self._generation += 1
            sid = self._resolve(conn, statement_id)
            if sid is None:
                raise StoreError(f"cannot save an analysis: statement {statement_id!r} is not stored")
            new_ids = {p.id for p in passages}
            if len(new_ids) != len(passages):
                raise StoreError(f"statement {sid}: duplicate passage ids in the analysis")
            new_by_id = {p.id: p for p in passages}
            for row in conn.execute(f"SELECT {self._PA_SELECT} FROM passages p WHERE p.statement_id = ?",
                                    (sid,)).fetchall():
                old = self._row_passage(row)
                fresh = new_by_id.get(old.id)
                if fresh is None or fresh.model_copy(update={"statement_id": sid}).model_dump() != old.model_dump():
                    conn.execute("DELETE FROM passages WHERE id = ?", (old.id,))
            cols = ", ".join(_q(c) for c in PA_COLS)
            marks = ", ".join("?" for _ in PA_COLS)
            for p in passages:
                if p.statement_id != sid and p.statement_id != statement_id:
                    raise StoreError(f"passage {p.id} belongs to {p.statement_id}, not to {sid}")
                doc = p.model_dump(mode="json")
                doc["statement_id"] = sid
                conn.execute(f"INSERT OR IGNORE INTO passages ({cols}) VALUES ({marks})",
                             [json.dumps(doc[c]) if c in PA_JSON else doc[c] for c in PA_COLS])
            conn.execute("DELETE FROM vectors WHERE model = ? AND passage_id IN "
                         "(SELECT id FROM passages WHERE statement_id = ?)", (model, sid))
            if vectors is not None:
                arr = np.asarray(vectors, dtype=np.float32)
                if arr.ndim != 2 or arr.shape[0] != len(passages) or arr.shape[1] == 0:
                    raise StoreError(f"statement {sid}: vectors of shape {arr.shape} do not fit "
                                     f"{len(passages)} passages (expected n x dim)")
                if not np.all(np.isfinite(arr)):
                    raise StoreError(f"statement {sid}: vectors contain NaN or infinity")
                arr = np.ascontiguousarray(arr, dtype="<f4")
                conn.executemany("INSERT INTO vectors (passage_id, model, dim, vector) VALUES (?, ?, ?, ?)",
                                 [(p.id, model, arr.shape[1], arr[i].tobytes()) for i, p in enumerate(passages)])
            conn.execute("DELETE FROM matches WHERE statement_id = ? AND agenda_version = ? AND model = ?",
                         (sid, agenda_version, model))
            rows = []
            for m in matches:
                if m.passage_id not in new_ids:
                    raise StoreError(f"statement {sid}: match for unknown passage {m.passage_id!r}")
                if m.agenda_version != agenda_version or m.model != model:
                    raise StoreError(f"statement {sid}: match tagged ({m.agenda_version}, {m.model}) saved "
                                     f"as ({agenda_version}, {model})")
                rows.append((m.passage_id, sid, m.priority, float(m.score), m.level, m.stance, agenda_version,
                             model, json.dumps(m.explanation, ensure_ascii=False, default=str)))
            conn.executemany("INSERT OR REPLACE INTO matches (passage_id, statement_id, priority, score, level, "
                             "stance, agenda_version, model, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             rows)
            ahash = conn.execute("SELECT analysis_hash FROM statements WHERE id = ?", (sid,)).fetchone()[0]
            conn.execute("INSERT OR REPLACE INTO analysis (statement_id, agenda_version, model, content_hash, "
                         "analysed_at, passages, matches) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (sid, agenda_version, model, ahash, datetime.now(UTC).isoformat(), len(passages),
                          len(rows)))

    def record_crawl_event(self, source: str, url: str, outcome: str, reason: str | None = None,
                           month: str | None = None, extraction: dict[str, str] | None = None) -> None:
        """Log what happened to one fetched page: outcome 'stored' | 'skipped' | 'error' (latest per URL)."""
        if outcome not in ("stored", "skipped", "error"):
            raise StoreError(f"unknown crawl outcome {outcome!r} (expected stored, skipped or error)")
        with self._tx("record a crawl event") as conn:
            conn.execute("INSERT OR REPLACE INTO crawl_log (source, url, outcome, reason, month, extraction, at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (source, url, outcome, reason, month,
                          json.dumps(extraction) if extraction is not None else None,
                          datetime.now(UTC).isoformat()))

    # --- reading -------------------------------------------------------------------------------

    def statement(self, statement_id: str) -> Statement | None:
        """One statement by id (also found by a merged duplicate's id)."""
        with self._read("read a statement") as conn:
            sid = self._resolve(conn, statement_id)
            return self._load(conn, sid) if sid else None

    def iter_statements(self) -> Iterator[Statement]:
        """Every stored statement, in id order, streamed."""
        last = ""
        while True:
            with self._read("list statements") as conn:
                rows = conn.execute(f"SELECT {self._ST_SELECT} FROM statements s WHERE s.id > ? "
                                    "ORDER BY s.id LIMIT ?", (last, _BATCH)).fetchall()
                batch = [self._row_statement(r) for r in rows]
            if not batch:
                return
            yield from batch
            last = batch[-1].id

    def passages(self, statement_id: str) -> list[Passage]:
        """A statement's passages in order."""
        with self._read("read passages") as conn:
            sid = self._resolve(conn, statement_id) or statement_id
            rows = conn.execute(f'SELECT {self._PA_SELECT} FROM passages p WHERE p.statement_id = ? '
                                'ORDER BY p."index"', (sid,)).fetchall()
            return [self._row_passage(r) for r in rows]

    def _filters(self, conn: sqlite3.Connection, f: StatementFilters,
                 passage_level: bool = False) -> tuple[list[str], list[Any], str | None]:
        """SQL conditions on `s` (and `p`) for the filters, their parameters, and the agenda version used."""
        where: list[str] = []
        params: list[Any] = []
        version = f.agenda_version or self._latest_version(conn)
        if f.date_from is not None:
            where.append(f"{_EFF} >= ?")
            params.append(f.date_from.isoformat())
        if f.date_to is not None:
            where.append(f"{_EFF} <= ?")
            params.append(f.date_to.isoformat())
        if f.source is not None:
            where.append("(s.source = ? OR EXISTS (SELECT 1 FROM json_each(s.sources) j "
                         "WHERE json_extract(j.value, '$.source') = ?))")
            params += [f.source, f.source]
        for col in ("doc_type", "speaker_role", "language"):
            value = getattr(f, col)
            if value is not None:
                where.append(f"s.{col} = ?")
                params.append(value)
        if f.priority is not None:
            link = "m.passage_id = p.id" if passage_level else "m.statement_id = s.id"
            where.append(f"EXISTS (SELECT 1 FROM matches m WHERE {link} AND m.priority = ? "
                         "AND m.agenda_version = ?)")
            params += [f.priority, version or ""]
        return where, params, version

    def search_statements(self, q: str | None, filters: StatementFilters, limit: int = 20,
                          offset: int = 0) -> SearchPage:
        """Statements matching a keyword query (None: all, newest first; else by bm25); items are StatementHit.

        Snippets are HTML-escaped text with <mark> around the matched terms.
        """
        limit, offset = max(0, int(limit)), max(0, int(offset))
        with self._read("search statements") as conn:
            where, params, version = self._filters(conn, filters)
            expr = to_fts5_query(q) if q is not None and q.strip() else None
            if q is not None and q.strip() and expr is None:
                return SearchPage(total=0, items=[])
            if expr is None:
                cond = " AND ".join(where) or "1"
                total = conn.execute(f"SELECT COUNT(*) FROM statements s WHERE {cond}", params).fetchone()[0]
                rows = conn.execute(f"SELECT {self._ST_SELECT} FROM statements s WHERE {cond} "
                                    f"ORDER BY {_EFF} DESC NULLS LAST, s.id LIMIT ? OFFSET ?",
                                    params + [limit, offset]).fetchall()
                found: list[tuple[Statement, float | None, str | None]] = [
                    (self._row_statement(r), None, _lead_snippet(r["text"] or "")) for r in rows]
            else:
                def run(e: str) -> tuple[int, list[sqlite3.Row]]:
                    cond = " AND ".join(["statements_fts MATCH ?", *where])
                    base = "FROM statements_fts JOIN statements s ON s.pk = statements_fts.rowid"
                    n = conn.execute(f"SELECT COUNT(*) {base} WHERE {cond}", [e, *params]).fetchone()[0]
                    rs = conn.execute(
                        f"SELECT {self._ST_SELECT}, bm25(statements_fts, 3.0, 1.0) AS rank, "
                        f"snippet(statements_fts, -1, '{_SNIP_OPEN}', '{_SNIP_CLOSE}', '…', 32) AS snip "
                        f"{base} WHERE {cond} ORDER BY rank, s.id LIMIT ? OFFSET ?",
                        [e, *params, limit, offset]).fetchall()
                    return n, rs

                total, rows = self._match_safely(run, expr, q or "")
                found = [(self._row_statement(r), -float(r["rank"]), _snippet_html(r["snip"])) for r in rows]
            prios = self._statement_priorities(conn, [st.id for st, _, _ in found], version)
        items = [StatementHit(statement=st, score=score, snippet=snip, priorities=prios.get(st.id, []))
                 for st, score, snip in found]
        return SearchPage(total=total, items=items)

    @staticmethod
    def _match_safely(run: Any, expr: str, q: str) -> Any:
        """Run an FTS query; if SQLite still rejects it, retry with the plain quoted-terms query, else nothing."""
        try:
            return run(expr)
        except sqlite3.OperationalError:
            plain = _fallback(_lex(_CONTROL.sub(" ", q))[0])
            if plain and plain != expr:
                try:
                    return run(plain)
                except sqlite3.OperationalError:
                    pass
            return 0, []

    def _statement_priorities(self, conn: sqlite3.Connection, ids: list[str],
                              version: str | None) -> dict[str, list[str]]:
        if not ids or version is None:
            return {}
        marks = ", ".join("?" for _ in ids)
        out: dict[str, list[str]] = defaultdict(list)
        for r in conn.execute(f"SELECT DISTINCT statement_id, priority FROM matches WHERE agenda_version = ? "
                              f"AND statement_id IN ({marks})", [version, *ids]):
            out[r[0]].append(r[1])
        return {k: sorted(v, key=_natural_key) for k, v in out.items()}

    def search_passages(self, q: str | None, filters: StatementFilters,
                        mode: Literal["keyword", "semantic", "hybrid"] = "keyword",
                        query_vector: np.ndarray | None = None, limit: int = 20,
                        offset: int = 0) -> SearchPage:
        """Passages by keyword (FTS bm25), by vector similarity (cosine), or both (RRF, k=60); items are PassageHit.

        Semantic search uses the vectors of the most recently analysed model whose dimension equals the
        query vector's. Filters are applied before ranking. Hybrid without a query vector is keyword
        search; hybrid without a query is semantic search.
        """
        if mode not in ("keyword", "semantic", "hybrid"):
            raise InvalidQuery(f"unknown search mode {mode!r} (keyword, semantic or hybrid)")
        limit, offset = max(0, int(limit)), max(0, int(offset))
        has_q = q is not None and bool(q.strip())
        if mode == "semantic" and query_vector is None:
            raise InvalidQuery("semantic search needs a query vector")
        if mode == "hybrid" and query_vector is None:
            mode = "keyword"
        if mode == "hybrid" and not has_q:
            mode = "semantic"
        with self._read("search passages") as conn:
            where, params, version = self._filters(conn, filters, passage_level=True)
            snippets: dict[str, str | None] = {}
            if mode == "keyword":
                if not has_q:
                    cond = " AND ".join(where) or "1"
                    base = "FROM passages p JOIN statements s ON s.id = p.statement_id"
                    total = conn.execute(f"SELECT COUNT(*) {base} WHERE {cond}", params).fetchone()[0]
                    rows = conn.execute(f'SELECT p.id {base} WHERE {cond} ORDER BY {_EFF} DESC NULLS LAST, '
                                        's.id, p."index" LIMIT ? OFFSET ?', params + [limit, offset]).fetchall()
                    ranked = [(r[0], 0.0) for r in rows]
                else:
                    total, kw = self._keyword_passages(conn, q or "", where, params, limit, offset)
                    ranked = [(pid, score) for pid, score, _ in kw]
                    snippets = {pid: snip for pid, _, snip in kw}
            elif mode == "semantic":
                total, ranked = self._semantic_passages(conn, query_vector, where, params, offset, offset + limit)
            else:
                _, kw = self._keyword_passages(conn, q or "", where, params, _FUSION_POOL, 0)
                _, sem = self._semantic_passages(conn, query_vector, where, params, 0, _FUSION_POOL)
                fused: dict[str, float] = defaultdict(float)
                for rank, (pid, _, snip) in enumerate(kw, start=1):
                    fused[pid] += 1.0 / (_RRF_K + rank)
                    snippets[pid] = snip
                for rank, (pid, _) in enumerate(sem, start=1):
                    fused[pid] += 1.0 / (_RRF_K + rank)
                order = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
                total = len(order)
                ranked = order[offset:offset + limit]
            items = self._passage_hits(conn, ranked, snippets, version)
        return SearchPage(total=total, items=items)

    def _keyword_passages(self, conn: sqlite3.Connection, q: str, where: list[str], params: list[Any],
                          limit: int, offset: int) -> tuple[int, list[tuple[str, float, str | None]]]:
        expr = to_fts5_query(q)
        if expr is None:
            return 0, []

        def run(e: str) -> tuple[int, list[sqlite3.Row]]:
            cond = " AND ".join(["passages_fts MATCH ?", *where])
            base = ("FROM passages_fts JOIN passages p ON p.pk = passages_fts.rowid "
                    "JOIN statements s ON s.id = p.statement_id")
            n = conn.execute(f"SELECT COUNT(*) {base} WHERE {cond}", [e, *params]).fetchone()[0]
            rs = conn.execute(f"SELECT p.id, bm25(passages_fts) AS rank, snippet(passages_fts, 0, '{_SNIP_OPEN}', "
                              f"'{_SNIP_CLOSE}', '…', 32) AS snip {base} WHERE {cond} "
                              "ORDER BY rank, p.id LIMIT ? OFFSET ?", [e, *params, limit, offset]).fetchall()
            return n, rs

        total, rows = self._match_safely(run, expr, q)
        return total, [(r["id"], -float(r["rank"]), _snippet_html(r["snip"])) for r in rows]

    def _vector_matrix(self, conn: sqlite3.Connection, model: str,
                       dim: int) -> tuple[list[str], dict[str, int], np.ndarray]:
        """All of a model's passage vectors, row-normalised, cached until the next save_analysis."""
        key = (model, dim)
        # data_version moves when another connection (e.g. `sgwatch analyse` in another process) commits.
        stamp = (self._generation, conn.execute("PRAGMA data_version").fetchone()[0])
        cached = self._vec_cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2], cached[3]
        rows = conn.execute("SELECT passage_id, vector FROM vectors WHERE model = ? AND dim = ? "
                            "ORDER BY passage_id", (model, dim)).fetchall()
        ids = [r[0] for r in rows]
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), dim).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        matrix /= norms
        index = {pid: i for i, pid in enumerate(ids)}
        self._vec_cache = {key: (stamp, ids, index, matrix)}  # one model at a time is enough
        return ids, index, matrix

    def _semantic_passages(self, conn: sqlite3.Connection, query_vector: Any, where: list[str],
                           params: list[Any], start: int = 0,
                           stop: int | None = None) -> tuple[int, list[tuple[str, float]]]:
        """Filtered passages with a vector by cosine similarity to the query, best first: (total, [start:stop])."""
        qv = np.asarray(query_vector, dtype=np.float32).ravel()
        norm = float(np.linalg.norm(qv)) if qv.size else 0.0
        if qv.size == 0 or not np.isfinite(norm) or norm == 0.0:
            raise InvalidQuery("the query vector must be a non-zero, finite vector")
        dim = int(qv.size)
        row = conn.execute("SELECT a.model FROM analysis a WHERE EXISTS (SELECT 1 FROM vectors v "
                           "WHERE v.model = a.model AND v.dim = ?) ORDER BY a.analysed_at DESC LIMIT 1",
                           (dim,)).fetchone()
        if row is None:
            row = conn.execute("SELECT model FROM vectors WHERE dim = ? LIMIT 1", (dim,)).fetchone()
        if row is None:
            return 0, []
        ids, index, matrix = self._vector_matrix(conn, row[0], dim)
        if where:
            # Filters first: only the allowed passages are ranked.
            allowed = conn.execute("SELECT p.id FROM passages p JOIN statements s ON s.id = p.statement_id "
                                   f"WHERE {' AND '.join(where)}", params).fetchall()
            rows_idx = np.array(sorted(index[r[0]] for r in allowed if r[0] in index), dtype=np.int64)
        else:
            rows_idx = np.arange(len(ids), dtype=np.int64)
        if rows_idx.size == 0:
            return 0, []
        sims = matrix[rows_idx] @ (qv / norm)
        # Rows are in passage-id order, so a stable sort breaks ties by id.
        order = np.argsort(-sims, kind="stable")[start:stop]
        return int(rows_idx.size), [(ids[int(rows_idx[i])], float(sims[i])) for i in order]

    def _passage_hits(self, conn: sqlite3.Connection, ranked: list[tuple[str, float]],
                      snippets: dict[str, str | None], version: str | None) -> list[PassageHit]:
        if not ranked:
            return []
        ids = [pid for pid, _ in ranked]
        marks = ", ".join("?" for _ in ids)
        rows = {r["id"]: r for r in conn.execute(
            f"SELECT {self._PA_SELECT}, s.title AS s_title, s.url AS s_url, {_EFF} AS s_date, "
            f"s.source AS s_source, s.doc_type AS s_doc_type FROM passages p "
            f"JOIN statements s ON s.id = p.statement_id WHERE p.id IN ({marks})", ids)}
        by_passage: dict[str, list[Match]] = defaultdict(list)
        if version is not None:
            for r in conn.execute(f"SELECT * FROM matches WHERE agenda_version = ? AND passage_id IN ({marks}) "
                                  "ORDER BY score DESC, priority", [version, *ids]):
                by_passage[r["passage_id"]].append(self._row_match(r))
        hits = []
        for pid, score in ranked:
            r = rows.get(pid)
            if r is None:
                continue
            passage = self._row_passage(r)
            hits.append(PassageHit(
                passage=passage, statement_title=r["s_title"], url=r["s_url"],
                date=date.fromisoformat(r["s_date"]) if r["s_date"] else None, source=r["s_source"],
                doc_type=r["s_doc_type"], score=score,
                snippet=snippets.get(pid) or _lead_snippet(passage.text), matches=by_passage.get(pid, [])))
        return hits

    def matches(self, statement_id: str | None = None, priority: str | None = None,
                agenda_version: str | None = None, date_from: date | None = None,
                date_to: date | None = None, limit: int | None = None) -> list[Match]:
        """Matches, strongest first, filtered (agenda version None: the latest analysed one)."""
        with self._read("read matches") as conn:
            version = agenda_version or self._latest_version(conn)
            if version is None:
                return []
            where: list[str] = ["m.agenda_version = ?"]
            params: list[Any] = [version]
            if statement_id is not None:
                where.append("m.statement_id = ?")
                params.append(self._resolve(conn, statement_id) or statement_id)
            if priority is not None:
                where.append("m.priority = ?")
                params.append(priority)
            if date_from is not None:
                where.append(f"{_EFF} >= ?")
                params.append(date_from.isoformat())
            if date_to is not None:
                where.append(f"{_EFF} <= ?")
                params.append(date_to.isoformat())
            sql = (f"SELECT m.* FROM matches m JOIN statements s ON s.id = m.statement_id "
                   f"WHERE {' AND '.join(where)} ORDER BY m.score DESC, m.passage_id, m.priority")
            if limit is not None:
                sql += " LIMIT ?"
                params.append(max(0, int(limit)))
            return [self._row_match(r) for r in conn.execute(sql, params)]

    def monthly_aggregates(self, agenda_version: str, date_from: date | None = None,
                           date_to: date | None = None, priorities: Sequence[str] | None = None,
                           top_k: int = 5, source: str | None = None) -> list[MonthPriorityAggregate]:
        """Counts per month x priority for months that have statements (every listed priority included).

        Month = delivery date, else release date, else URL date (YYYY-MM); undated statements are left
        out. Priorities None: those with matches under this agenda version. Ordered by month, then
        priority in the order given.
        """
        f = StatementFilters(date_from=date_from, date_to=date_to, source=source)
        with self._read("aggregate months") as conn:
            where, params, _ = self._filters(conn, f)
            cond = " AND ".join([f"{_EFF} IS NOT NULL", *where])
            month_counts = {r[0]: r[1] for r in conn.execute(
                f"SELECT substr({_EFF}, 1, 7) AS month, COUNT(*) FROM statements s WHERE {cond} "
                "GROUP BY month ORDER BY month", params)}
            mrows = conn.execute(
                f"SELECT m.passage_id, m.statement_id, m.priority, m.score, m.level, m.stance, "
                f"substr({_EFF}, 1, 7) AS month FROM matches m JOIN statements s ON s.id = m.statement_id "
                f"WHERE m.agenda_version = ? AND {cond}", [agenda_version, *params]).fetchall()
        if priorities is None:
            prio_list = sorted({r["priority"] for r in mrows}, key=_natural_key)
        else:
            prio_list = list(dict.fromkeys(priorities))
        wanted = set(prio_list)
        addressing: dict[tuple[str, str], set[str]] = defaultdict(set)
        best: dict[tuple[str, str], dict[str, tuple[str, str, float, str, str]]] = defaultdict(dict)
        explicit: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in mrows:
            if r["priority"] not in wanted:
                continue
            key = (r["month"], r["priority"])
            addressing[key].add(r["statement_id"])
            if r["level"] == "explicit":
                explicit[key].add(r["passage_id"])
            entry = (r["passage_id"], r["statement_id"], float(r["score"]), r["level"], r["stance"])
            # Several models can match one passage: keep its strongest match once.
            prev = best[key].get(r["passage_id"])
            if prev is None or entry[2] > prev[2]:
                best[key][r["passage_id"]] = entry
        out = []
        for month, n in month_counts.items():
            for pid in prio_list:
                key = (month, pid)
                top = sorted(best[key].values(), key=lambda e: (-e[2], e[0]))[:max(0, top_k)] if key in best else []
                out.append(MonthPriorityAggregate(
                    month=month, priority=pid, statements=n, addressing=len(addressing.get(key, ())),
                    passages=len(best.get(key, {})), explicit_passages=len(explicit.get(key, ())), top=top))
        return out

    def passage_vectors(self, model: str) -> Iterator[tuple[list[str], np.ndarray]]:
        """Stored passage vectors in batches (ids, float32 matrix n x dim) for re-scoring without re-embedding."""
        last = ""
        while True:
            with self._read("read passage vectors") as conn:
                rows = conn.execute("SELECT passage_id, dim, vector FROM vectors WHERE model = ? AND passage_id > ? "
                                    "ORDER BY passage_id LIMIT ?", (model, last, _BATCH)).fetchall()
            if not rows:
                return
            dim = rows[0]["dim"]
            ids = [r["passage_id"] for r in rows]
            matrix = np.frombuffer(b"".join(r["vector"] for r in rows), dtype="<f4").reshape(len(rows), dim)
            yield ids, matrix.astype(np.float32, copy=True)
            last = ids[-1]

    def stats(self) -> dict[str, Any]:
        """Counts of what is stored. Keys (stable):

        - ``statements``, ``passages``, ``matches``: row counts (matches over all agenda versions/models);
        - ``analysed``: statements with at least one analysis;
        - ``merged``: duplicate ids merged into a stored statement (aliases);
        - ``by_source``: {source: statements found on it} — a statement on both sites counts for both;
        - ``crawl``: {"stored": n, "skipped": {reason: n}, "error": n} over the latest outcome per URL;
        - ``months``: {"YYYY-MM": statements} by effective date (undated statements left out).
        """
        with self._read("compute stats") as conn:
            one = lambda sql: conn.execute(sql).fetchone()[0]
            by_source = {r[0]: r[1] for r in conn.execute(
                "SELECT src, COUNT(DISTINCT id) FROM (SELECT s.id AS id, s.source AS src FROM statements s "
                "UNION ALL SELECT s.id, json_extract(j.value, '$.source') FROM statements s, json_each(s.sources) j) "
                "WHERE src IS NOT NULL GROUP BY src ORDER BY src")}
            crawl: dict[str, Any] = {"stored": 0, "skipped": {}, "error": 0}
            for r in conn.execute("SELECT outcome, reason, COUNT(*) FROM crawl_log GROUP BY outcome, reason"):
                if r[0] == "skipped":
                    crawl["skipped"][r[1] or "unknown"] = crawl["skipped"].get(r[1] or "unknown", 0) + r[2]
                else:
                    crawl[r[0]] = crawl.get(r[0], 0) + r[2]
            months = {r[0]: r[1] for r in conn.execute(
                f"SELECT substr({_EFF}, 1, 7) AS month, COUNT(*) FROM statements s WHERE {_EFF} IS NOT NULL "
                "GROUP BY month ORDER BY month")}
            return {
                "statements": one("SELECT COUNT(*) FROM statements"),
                "passages": one("SELECT COUNT(*) FROM passages"),
                "matches": one("SELECT COUNT(*) FROM matches"),
                "analysed": one("SELECT COUNT(DISTINCT statement_id) FROM analysis"),
                "merged": one("SELECT COUNT(*) FROM aliases"),
                "by_source": by_source,
                "crawl": crawl,
                "months": months,
            }


__all__ = ["SQLiteStore", "to_fts5_query"]
