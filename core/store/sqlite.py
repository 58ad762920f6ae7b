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

Search at scale: passage metadata (as numpy arrays, for filter masks and facets) and one model's
vectors are held in memory by ``core/store/sqlite_index.py``, built on the first search (or by
``warm()``) and rebuilt after any commit that changed passages or vectors (statements-only changes
re-read the statement arrays only).

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
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Self, get_origin

import numpy as np

from core.errors import InvalidQuery, StoreError
from core.models import Match, Passage, SourceRef, Statement, body_fingerprint
from core.store.base import (
    EvidenceDetail,
    MonthPriorityAggregate,
    PassageHit,
    SearchPage,
    StatementFilters,
    StatementHit,
    StoredAnalysis,
    UpsertResult,
    mapping_fields,
)
from core.store.query import AnyOf, Phrase, QueryNode, parse_user_query
from core.store.sqlite_index import SOURCES, PassageIndex, Snippets, VectorMatrix, approx_bm25

SCHEMA_VERSION = 1
TOKENIZER = "porter unicode61 remove_diacritics 2"
_BATCH = 500
_FUSION_POOL = 1000  # candidates taken from each list before reciprocal-rank fusion
_RRF_K = 60
_EXACT_BM25 = 20_000  # up to this many FTS matches, FTS5's own bm25 ranks them (about 1.3 µs per match)
_SCORED_OPERANDS = 8  # approximate BM25 weighs at most this many distinct terms/phrases of a query
_EXPORT_BATCH = 1000
_OPERAND = re.compile(r'"[^"]*"\*?')  # a quoted word or phrase in a translated FTS5 expression
_OR_NOT = re.compile(r"\b(OR|NOT)\b")  # an operator outside quotes (applied with operands blanked out)
_SNIP_OPEN, _SNIP_CLOSE = "\x02", "\x03"  # replaced by <mark> after HTML-escaping the snippet

# Fields a merge (or a re-crawl) fills from the other copy when this copy lacks them.
_FILLABLE_SKIP = {"id", "url", "source", "sources", "title", "text", "fingerprint", "fetched_at"}

_EFF = "COALESCE(s.delivery_date, s.release_date, s.url_date)"


# --------------------------------------------------------------------------------------------------
# Query translation: user syntax never reaches FTS5 raw (parsing lives in core.store.query).
# --------------------------------------------------------------------------------------------------

def _quote(words: list[str] | tuple[str, ...], prefix: bool) -> str:
    # Words hold only letters/digits, so a double-quoted FTS5 string is always well formed.
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


def _fts5(node: QueryNode) -> str:
    """Render a parsed user query as an FTS5 expression."""
    if isinstance(node, Phrase):
        return _quote(node.words, node.prefix)
    if isinstance(node, AnyOf):
        return " OR ".join(_group(_fts5(n)) for n in node.should)
    must = [_fts5(n) for n in node.must]
    expr = must[0] if len(must) == 1 else " AND ".join(_group(m) for m in must)
    for n in node.must_not:
        expr = f"{_group(expr)} NOT {_group(_fts5(n))}"
    return expr


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


def to_fts5_query(q: str, *, plain: bool = False) -> str | None:
    """Translate a user query (syntax in core.store.query) into a safe FTS5 expression; None: nothing to find.

    plain=True gives the AND of the query's words, ignoring its operators.
    """
    node = parse_user_query(q, plain=plain)
    return None if node is None else _fts5(node)


def _snippet_html(raw: str | None) -> str | None:
    """HTML-escape an FTS snippet, then turn its markers into <mark> tags (safe to render)."""
    if raw is None:
        return None
    return html.escape(raw).replace(_SNIP_OPEN, "<mark>").replace(_SNIP_CLOSE, "</mark>")


def _lead_snippet(text: str, chars: int = 240) -> str:
    """The opening of a text, HTML-escaped, as the snippet of an unranked hit."""
    cut = text[:chars]
    return html.escape(cut + ("…" if len(text) > chars else ""))


def _empty_facets() -> dict[str, dict[str, int]]:
    return {"priority": {}, "source": {}, "type": {}, "year": {}, "speaker": {}}


def _scored_rowids(conn: sqlite3.Connection, rank: str, table: str, expr: str) -> np.ndarray:
    """(rowid, rank) of every FTS match as an n x 2 float array.

    One string from SQLite instead of a tuple per row: 20,000 tuples per query are enough garbage to
    set off full garbage collections that stall the request (measured: 50 ms -> 200 ms).
    """
    raw = conn.execute(f"SELECT group_concat(rowid || ' ' || r, ' ') FROM (SELECT rowid, {rank} AS r FROM {table} "
                       f"WHERE {table} MATCH ? ORDER BY rowid)", (expr,)).fetchone()[0]
    if not raw:
        return np.zeros((0, 2), dtype=np.float64)
    return np.fromstring(raw, sep=" ", dtype=np.float64).reshape(-1, 2)


def _best(rows: np.ndarray, scores: np.ndarray, stop: int | None) -> np.ndarray:
    """Positions of the best `stop` scores (all when None), best first, ties broken by row (passage id)."""
    n = int(rows.size)
    if stop is not None and stop <= 0:
        return np.zeros(0, dtype=np.int64)
    if stop is not None and stop < n:
        kth = np.partition(-scores, stop - 1)[stop - 1]
        cand = np.flatnonzero(-scores <= kth)  # everything tied with the last one competes on row
        return cand[np.lexsort((rows[cand], -scores[cand]))][:stop]
    return np.lexsort((rows, -scores))


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


@dataclass
class _ScoreInputs:
    """What monthly aggregates read, per search index and agenda version (rebuilt with the index)."""

    index: PassageIndex
    version: str
    months: list[str | None]  # statement row -> YYYY-MM of its effective date
    dates: list[date | None]  # statement row -> effective date
    row_of: dict[str, int]  # statement id -> statement row
    # (passage_id, statement_id, score, level, stance, priority, statement row), strongest first
    matches: list[tuple[Any, ...]]
    texts: dict[str, tuple[str, str]]  # matched passage id -> (its statement id, its text)
    explanations: dict[tuple[str, str], str | None]  # (passage id, priority) -> the matcher's JSON
    titles: dict[str, tuple[str, str]]  # statement id -> (title, url)
    st_month: np.ndarray  # statement row -> month index (year * 12 + month - 1), -1 undated
    prio_names: list[str]
    prio_code: dict[str, int]
    # per match, aligned with matches: statement row, month index, priority code, score, explicit, passage id rank
    m_row: np.ndarray
    m_month: np.ndarray
    m_prio: np.ndarray
    m_score: np.ndarray
    m_explicit: np.ndarray
    m_prank: np.ndarray
    parsed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # explanations, parsed once
    memo: dict[Any, Any] = field(default_factory=dict)  # results computed from this data (see score_memo)


class SQLiteStore:
    """The Store protocol on one SQLite file (see the module docstring for layout and threading)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._generation = 0  # bumped by every save_analysis; invalidates the vector cache
        # (change stamp, passage index, passage signature, {(model, dim): vector matrix}); see _search_index
        self._index_state: tuple[tuple[int, int, int], PassageIndex, tuple[Any, ...], dict[Any, Any]] | None = None
        self._score_state: _ScoreInputs | None = None  # see _score_inputs
        self._aggregates_in_memory = True  # False: monthly_aggregates always in SQL (tests compare the two)
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

    def _fold_fn(self, conn: sqlite3.Connection) -> None:
        # SQLite's lower() folds ASCII only; "ANTÓNIO" must find "António" as the index's casefold does.
        if not getattr(self, "_fold_registered", False):
            conn.create_function("sg_fold", 1, lambda v: v.strip().casefold() if isinstance(v, str) else v,
                                 deterministic=True)
            self._fold_registered = True

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
        if f.speaker is not None or f.location is not None:
            self._fold_fn(conn)
        if f.speaker is not None:
            where.append("(sg_fold(s.speaker) = ? OR sg_fold(s.speaker_role) = ?)")
            params += [f.speaker.strip().casefold()] * 2
        if f.location is not None:
            where.append("sg_fold(s.location) = ?")
            params.append(f.location.strip().casefold())
        conds: list[str] = []
        mparams: list[Any] = []
        for col, value in (("priority", f.priority), ("level", f.level), ("stance", f.stance)):
            if value is not None:
                conds.append(f"m.{col} = ?")
                mparams.append(value)
        if f.min_score is not None:
            conds.append("m.score >= ?")
            mparams.append(float(f.min_score))
        if conds:
            link = "m.passage_id = p.id" if passage_level else "m.statement_id = s.id"
            where.append(f"EXISTS (SELECT 1 FROM matches m WHERE {link} AND {' AND '.join(conds)} "
                         "AND m.agenda_version = ?)")
            params += [*mparams, version or ""]
        return where, params, version

    # --- in-memory search structures (core/store/sqlite_index.py) -------------------------------

    def _search_index(self, conn: sqlite3.Connection) -> PassageIndex:
        """The passage index, rebuilt when the database changed (this connection or another one)."""
        stamp = (self._conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0], self._generation)
        state = self._index_state
        if state is not None and state[0] == stamp:
            return state[1]
        if state is not None:
            # Cheap signature first: a commit that touched neither passages nor vectors (a crawl log
            # line, a statement's metadata) keeps the passage arrays, only statements/matches reload.
            sig = self._passage_signature(conn)
            if sig == state[2]:
                index = state[1]
                fresh = PassageIndex.build(conn, previous=index)
                self._index_state = (stamp, fresh, sig, state[3])
                return fresh
        sig = self._passage_signature(conn)
        index = PassageIndex.build(conn)
        self._index_state = (stamp, index, sig, {})
        return index

    @staticmethod
    def _passage_signature(conn: sqlite3.Connection) -> tuple[Any, ...]:
        return tuple(conn.execute("SELECT (SELECT COUNT(*) FROM passages), (SELECT MAX(pk) FROM passages), "
                                  "(SELECT COUNT(*) FROM vectors), (SELECT MAX(rowid) FROM vectors)").fetchone())

    def warm(self) -> None:
        """Build the search index and load the latest model's vectors now (the API does it at startup)."""
        with self._read("prepare the search index") as conn:
            index = self._search_index(conn)
            version = self._latest_version(conn)
            if version is not None:
                index.match_arrays(conn, version)
                self._score_inputs(conn, version)  # monthly scores' months, matches and evidence texts
            row = conn.execute("SELECT a.model, (SELECT v.dim FROM vectors v WHERE v.model = a.model LIMIT 1) "
                               "FROM analysis a ORDER BY a.analysed_at DESC LIMIT 1").fetchone()
            if row is not None and row[1]:
                self._vectors(conn, index, row[0], int(row[1]))

    def _vectors(self, conn: sqlite3.Connection, index: PassageIndex, model: str, dim: int) -> VectorMatrix:
        state = self._index_state
        assert state is not None and state[1] is index
        cache: dict[tuple[str, int], VectorMatrix] = state[3]
        vm = cache.get((model, dim))
        if vm is None or vm.n != index.n:
            cache.clear()  # one model at a time: the matrix is the biggest thing the store holds
            vm = cache[(model, dim)] = VectorMatrix(conn, index, model, dim)
        return vm

    def search_statements(self, q: str | None, filters: StatementFilters, limit: int = 20,
                          offset: int = 0, facets: bool = False) -> SearchPage:
        """Statements matching a keyword query (None: all, newest first; else by bm25); items are StatementHit.

        Snippets are HTML-escaped text with <mark> around the matched terms. facets=True adds counts by
        priority, source, type, year and speaker over every hit.
        """
        limit, offset = max(0, int(limit)), max(0, int(offset))
        with self._read("search statements") as conn:
            where, params, version = self._filters(conn, filters)
            expr = to_fts5_query(q) if q is not None and q.strip() else None
            if q is not None and q.strip() and expr is None:
                return SearchPage(total=0, items=[], facets=_empty_facets() if facets else None)
            facet_counts = None
            if expr is None:
                cond = " AND ".join(where) or "1"
                total = conn.execute(f"SELECT COUNT(*) FROM statements s WHERE {cond}", params).fetchone()[0]
                rows = conn.execute(f"SELECT {self._ST_SELECT} FROM statements s WHERE {cond} "
                                    f"ORDER BY {_EFF} DESC NULLS LAST, s.id LIMIT ? OFFSET ?",
                                    params + [limit, offset]).fetchall()
                found: list[tuple[Statement, float | None, str | None]] = [
                    (self._row_statement(r), None, _lead_snippet(r["text"] or "")) for r in rows]
                if facets:
                    raw = conn.execute(f"SELECT group_concat(s.pk) FROM statements s WHERE {cond}", params).fetchone()[0]
                    pk_arr = np.fromstring(raw, sep=",", dtype=np.int64) if raw else np.zeros(0, np.int64)
                    facet_counts = self._statement_facets(conn, pk_arr, version)
            else:
                index = self._search_index(conn)
                used, st_rows, scores = self._keyword_statement_rows(conn, index, expr, q or "", filters, version)
                total = int(st_rows.size)
                order = np.lexsort((index.statement_id_rank()[st_rows], -scores))[offset:offset + limit]
                keys = [int(k) for k in index.st_pk[st_rows[order]].tolist()]
                found = []
                if keys:
                    marks = ", ".join("?" for _ in keys)
                    by_pk = {r["pk"]: r for r in conn.execute(
                        f"SELECT s.pk AS pk, {self._ST_SELECT} FROM statements s WHERE s.pk IN ({marks})", keys)}
                    snips = self._snipper().statements(
                        used, {k: (by_pk[k]["title"] or "", by_pk[k]["text"] or "") for k in keys if k in by_pk},
                        _SNIP_OPEN, _SNIP_CLOSE)
                    found = [(self._row_statement(by_pk[k]), float(sc), _snippet_html(snips.get(k)))
                             for k, sc in zip(keys, scores[order].tolist(), strict=True) if k in by_pk]
                if facets:
                    facet_counts = index.statement_facets(conn, st_rows, version)
            prios = self._statement_priorities(conn, [st.id for st, _, _ in found], version)
        items = [StatementHit(statement=st, score=score, snippet=snip, priorities=prios.get(st.id, []))
                 for st, score, snip in found]
        return SearchPage(total=total, items=items, facets=facet_counts)

    def _keyword_statement_rows(self, conn: sqlite3.Connection, index: PassageIndex, expr: str, q: str,
                                filters: StatementFilters,
                                version: str | None) -> tuple[str, np.ndarray, np.ndarray]:
        """(expression used, allowed matching statement rows, their bm25 scores) — unordered.

        bm25 straight from the FTS table (no join: reading 20,000 statement rows for the filters costs
        more than ranking them); filters are a mask over the index's statement arrays.
        """
        def run(e: str) -> tuple[int, tuple[str, np.ndarray]]:
            pairs = _scored_rowids(conn, "bm25(statements_fts, 3.0, 1.0)", "statements_fts", e)
            return len(pairs), (e, pairs)

        n, res = self._match_safely(run, expr, q)
        if not n:
            return expr, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        used, pairs = res
        pks, scores = pairs[:, 0].astype(np.int64), -pairs[:, 1]
        rows = index.statement_rows_of_pks(pks, keep_unknown=True)
        keep = rows >= 0
        st_mask = index.statement_mask(conn, filters, version)
        if st_mask is not None:
            keep &= st_mask[np.maximum(rows, 0)]
        return used, rows[keep], scores[keep]

    def _statement_facets(self, conn: sqlite3.Connection, pks: np.ndarray,
                          version: str | None) -> dict[str, dict[str, int]]:
        index = self._search_index(conn)
        return index.statement_facets(conn, index.statement_rows_of_pks(pks), version)

    def _statement_order(self, conn: sqlite3.Connection, q: str | None,
                         filters: StatementFilters) -> tuple[list[int], list[float | None], str | None]:
        """Every statement pk a search returns, in its order, with scores, and the agenda version."""
        where, params, version = self._filters(conn, filters)
        expr = to_fts5_query(q) if q is not None and q.strip() else None
        if q is not None and q.strip() and expr is None:
            return [], [], version
        if expr is None:
            cond = " AND ".join(where) or "1"
            rows = conn.execute(f"SELECT s.pk FROM statements s WHERE {cond} ORDER BY {_EFF} DESC NULLS LAST, s.id",
                                params).fetchall()
            return [r[0] for r in rows], [None] * len(rows), version

        index = self._search_index(conn)
        _, st_rows, scores = self._keyword_statement_rows(conn, index, expr, q or "", filters, version)
        order = np.lexsort((index.statement_id_rank()[st_rows], -scores))
        return ([int(k) for k in index.st_pk[st_rows[order]].tolist()], [float(x) for x in scores[order].tolist()],
                version)

    def iter_statement_hits(self, q: str | None, filters: StatementFilters) -> Iterator[StatementHit]:
        """Every statement search_statements would return, in the same order, streamed (no cap, no snippet).

        The order is fixed when iteration starts (pks only); statements are read in batches and the
        lock is released between batches.
        """
        with self._read("list statements to export") as conn:
            pks, scores, version = self._statement_order(conn, q, filters)
        for i in range(0, len(pks), _BATCH):
            chunk = pks[i:i + _BATCH]
            marks = ", ".join("?" for _ in chunk)
            with self._read("read statements to export") as conn:
                rows = {r["pk"]: r for r in conn.execute(
                    f"SELECT s.pk AS pk, {self._ST_SELECT} FROM statements s WHERE s.pk IN ({marks})", chunk)}
                found = [(self._row_statement(rows[pk]), scores[i + j]) for j, pk in enumerate(chunk) if pk in rows]
                prios = self._statement_priorities(conn, [st.id for st, _ in found], version)
            for st, score in found:
                yield StatementHit(statement=st, score=score, snippet=None, priorities=prios.get(st.id, []))

    @staticmethod
    def _match_safely(run: Any, expr: str, q: str) -> Any:
        """Run an FTS query; if SQLite still rejects it, retry with the plain quoted-terms query, else nothing."""
        try:
            return run(expr)
        except sqlite3.OperationalError:
            plain = to_fts5_query(q, plain=True)
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
                        offset: int = 0, facets: bool = False) -> SearchPage:
        """Passages by keyword (FTS bm25), by vector similarity (cosine), or both (RRF, k=60); items are PassageHit.

        Semantic search uses the vectors of the most recently analysed model whose dimension equals the
        query vector's. Filters are applied before ranking. Hybrid without a query vector is keyword
        search; hybrid without a query is semantic search. Keyword queries matching more than
        _EXACT_BM25 passages are ranked by BM25 with term frequency 1 (sqlite_index.approx_bm25)
        instead of FTS5's per-row bm25, which would take seconds at that size.
        facets=True adds counts by priority, source, type, year and speaker over every hit.
        """
        limit, offset = max(0, int(limit)), max(0, int(offset))
        with self._read("search passages") as conn:
            index = self._search_index(conn)
            _, version, expr, rows, scores, candidates = self._rank_passages(
                conn, index, q, filters, mode, query_vector, offset + limit)
            total = int(candidates.size)
            page_rows, page_scores = rows[offset:offset + limit], scores[offset:offset + limit]
            items = self._passage_hits(conn, index.pk[page_rows], page_scores, {}, version, lead=True)
            if expr is not None and items:
                self._mark_passages(expr, items)
            facet_counts = index.facets(conn, candidates, version) if facets else None
        return SearchPage(total=total, items=items, facets=facet_counts)

    def _rank_passages(self, conn: sqlite3.Connection, index: PassageIndex, q: str | None,
                       filters: StatementFilters, mode: str, query_vector: Any,
                       stop: int | None) -> tuple[str, str | None, str | None, np.ndarray, np.ndarray, np.ndarray]:
        """(mode used, agenda version, FTS expression, best rows [:stop] in order, their scores, all candidate rows)."""
        if mode not in ("keyword", "semantic", "hybrid"):
            raise InvalidQuery(f"unknown search mode {mode!r} (keyword, semantic or hybrid)")
        has_q = q is not None and bool(q.strip())
        if mode == "semantic" and query_vector is None:
            raise InvalidQuery("semantic search needs a query vector")
        if mode == "hybrid" and query_vector is None:
            mode = "keyword"
        if mode == "hybrid" and not has_q:
            mode = "semantic"
        version = filters.agenda_version or self._latest_version(conn)
        mask = index.mask(conn, filters, version)
        empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if mode == "keyword" and not has_q:
            cand = np.flatnonzero(mask) if mask is not None else np.arange(index.n, dtype=np.int64)
            ordered = index.newest_first(cand)[:stop]
            return mode, version, None, ordered, np.zeros(ordered.size, dtype=np.float32), cand
        if mode == "keyword":
            expr, rows, scores = self._keyword_rows(conn, index, q or "", mask)
            order = _best(rows, scores, stop)
            return mode, version, expr, rows[order], scores[order], rows
        if mode == "semantic":
            vm, qv = self._semantic_setup(conn, index, query_vector)
            if vm is None:
                return mode, version, None, empty_i, empty_f, empty_i
            if stop is None:
                r, s = vm.order_all(qv, mask)
                return mode, version, None, r, s, r
            total, r, s = vm.top(qv, mask, stop)
            allowed = vm.has if mask is None else (vm.has & mask)
            return mode, version, None, r, s, (np.flatnonzero(allowed) if total else empty_i)
        # hybrid: reciprocal-rank fusion of the best _FUSION_POOL of each list
        expr, kw_rows, kw_scores = self._keyword_rows(conn, index, q or "", mask)
        kw_best = kw_rows[_best(kw_rows, kw_scores, _FUSION_POOL)]
        vm, qv = self._semantic_setup(conn, index, query_vector)
        sem_best = vm.top(qv, mask, _FUSION_POOL, exact=False)[1] if vm is not None else empty_i
        fused: dict[int, float] = defaultdict(float)
        for ranking in (kw_best, sem_best):
            for rank, row in enumerate(ranking.tolist(), start=1):
                fused[row] += 1.0 / (_RRF_K + rank)
        cand = np.fromiter(fused.keys(), dtype=np.int64, count=len(fused))
        fscore = np.fromiter(fused.values(), dtype=np.float64, count=len(fused))
        order = np.lexsort((cand, -fscore))[:stop]
        return mode, version, expr, cand[order], fscore[order], cand

    def _semantic_setup(self, conn: sqlite3.Connection, index: PassageIndex,
                        query_vector: Any) -> tuple[VectorMatrix | None, np.ndarray]:
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
            return None, qv
        return self._vectors(conn, index, row[0], dim), qv / np.float32(norm)

    def _keyword_rows(self, conn: sqlite3.Connection, index: PassageIndex, q: str,
                      mask: np.ndarray | None) -> tuple[str | None, np.ndarray, np.ndarray]:
        """(FTS expression, every allowed matching row, its score) — unordered."""
        expr = to_fts5_query(q)
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if expr is None:
            return None, *empty

        def rows_of(e: str) -> np.ndarray:
            raw = conn.execute("SELECT group_concat(rowid) FROM passages_fts WHERE passages_fts MATCH ?",
                               (e,)).fetchone()[0]
            pks = np.fromstring(raw, sep=",", dtype=np.int64) if raw else np.zeros(0, dtype=np.int64)
            rows = index.rows_of_pks(pks).astype(np.int64)
            return rows[rows >= 0]

        def run(e: str) -> tuple[str, np.ndarray, np.ndarray]:
            rows = rows_of(e)
            if rows.size <= _EXACT_BM25:
                pairs = _scored_rowids(conn, "bm25(passages_fts)", "passages_fts", e)
                pks, sc = pairs[:, 0].astype(np.int64), (-pairs[:, 1]).astype(np.float32)
                rows = index.rows_of_pks(pks).astype(np.int64)
                ok = rows >= 0
                return e, rows[ok], sc[ok]
            ops = list(dict.fromkeys(_OPERAND.findall(e)))[:_SCORED_OPERANDS]
            if not _OR_NOT.search(_OPERAND.sub(" ", e)):
                # Only ANDs: every match holds every operand, so only their document counts are needed
                # (cached per index: they are corpus statistics), not which rows hold which.
                dfs = self._doc_counts(conn, index, ops, e, int(rows.size))
                return e, rows, approx_bm25(index, rows, [(None, df) for df in dfs])
            operands = []
            for op in ops:
                op_rows = rows if op == e else rows_of(op)
                operands.append((op_rows, int(op_rows.size)))
            return e, rows, approx_bm25(index, rows, operands)

        try:
            used, rows, scores = run(expr)
        except sqlite3.OperationalError:
            plain = to_fts5_query(q, plain=True)
            if not plain or plain == expr:
                return expr, *empty
            try:
                used, rows, scores = run(plain)
            except sqlite3.OperationalError:
                return expr, *empty
        if mask is not None and rows.size:
            keep = mask[rows]
            rows, scores = rows[keep], scores[keep]
        return used, rows, scores

    def _doc_counts(self, conn: sqlite3.Connection, index: PassageIndex, ops: list[str], expr: str,
                    expr_count: int) -> list[int]:
        cache = index.doc_counts
        out = []
        for op in ops:
            if op == expr:
                cache[op] = expr_count
            elif op not in cache:
                if len(cache) > 50_000:
                    cache.clear()
                cache[op] = conn.execute("SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH ?",
                                         (op,)).fetchone()[0]
            out.append(cache[op])
        return out

    def _snipper(self) -> Snippets:
        snipper: Snippets | None = getattr(self, "_snippets_db", None)
        if snipper is None:
            snipper = self._snippets_db = Snippets(TOKENIZER)
        return snipper

    def _mark_passages(self, expr: str, hits: list[PassageHit], keyword_pks: set[int] | None = None) -> None:
        """Replace lead snippets by FTS snippets with <mark>ed terms for the hits that match expr."""
        texts = {i: h.passage.text for i, h in enumerate(hits)}
        for i, raw in self._snipper().passages(expr, texts, _SNIP_OPEN, _SNIP_CLOSE).items():
            hits[i].snippet = _snippet_html(raw)

    def iter_passage_hits(self, q: str | None, filters: StatementFilters,
                          mode: Literal["keyword", "semantic", "hybrid"] = "keyword",
                          query_vector: np.ndarray | None = None) -> Iterator[PassageHit]:
        """Every passage search_passages would return, in the same order, streamed (exports, no cap).

        The order (row numbers and scores only) is computed when iteration starts; passages are read
        in batches and the lock is released between batches. Snippets are left out. Above 50,000
        passages a semantic export is ordered by the int8 cosine (±0.005), which is also its score.
        """
        with self._read("list passages to export") as conn:
            index = self._search_index(conn)
            _, version, _, rows, scores, _ = self._rank_passages(conn, index, q, filters, mode, query_vector, None)
            pks = index.pk[rows]
        st_cache: dict[str, tuple[Any, ...]] = {}
        for i in range(0, pks.size, _EXPORT_BATCH):
            with self._read("read passages to export") as conn:
                hits = self._passage_hits(conn, pks[i:i + _EXPORT_BATCH], scores[i:i + _EXPORT_BATCH], {},
                                          version, lead=False, st_cache=st_cache)
            yield from hits

    def top_matches(self, priority: str, filters: StatementFilters, limit: int = 20,
                    offset: int = 0) -> SearchPage:
        """Passages matched to a priority, strongest match first, ties by passage id (quotes).

        Items are PassageHit with score = the match score and the priority's match first in matches.
        The filters' level, stance and min_score apply to that match; the others to the statement.
        """
        limit, offset = max(0, int(limit)), max(0, int(offset))
        with self._read("read quotes") as conn:
            version = filters.agenda_version or self._latest_version(conn)
            if version is None:
                return SearchPage(total=0, items=[])
            st_filters = replace(filters, priority=None, level=None, stance=None, min_score=None)
            where, params, _ = self._filters(conn, st_filters)
            conds = ["m.agenda_version = ?", "m.priority = ?", *where]
            mparams: list[Any] = [version, priority, *params]
            for col, value in (("level", filters.level), ("stance", filters.stance)):
                if value is not None:
                    conds.append(f"m.{col} = ?")
                    mparams.append(value)
            if filters.min_score is not None:
                conds.append("m.score >= ?")
                mparams.append(float(filters.min_score))
            base = f"FROM matches m JOIN statements s ON s.id = m.statement_id WHERE {' AND '.join(conds)}"
            total = conn.execute(f"SELECT COUNT(DISTINCT m.passage_id) {base}", mparams).fetchone()[0]
            rows = conn.execute(f"SELECT m.passage_id, MAX(m.score) AS score {base} GROUP BY m.passage_id "
                                "ORDER BY score DESC, m.passage_id LIMIT ? OFFSET ?",
                                [*mparams, limit, offset]).fetchall()
            if not rows:
                return SearchPage(total=total, items=[])
            ids = [r[0] for r in rows]
            marks = ", ".join("?" for _ in ids)
            pk_of = {r[0]: r[1] for r in conn.execute(f"SELECT id, pk FROM passages WHERE id IN ({marks})", ids)}
            kept = [(pk_of[r[0]], float(r[1])) for r in rows if r[0] in pk_of]
            hits = self._passage_hits(conn, np.array([k for k, _ in kept], dtype=np.int64),
                                      np.array([s for _, s in kept], dtype=np.float64), {}, version, lead=True)
        for h in hits:
            h.matches.sort(key=lambda m: (m.priority != priority, -m.score, m.priority))
        return SearchPage(total=total, items=hits)

    def _passage_hits(self, conn: sqlite3.Connection, pks: np.ndarray, scores: np.ndarray,
                      snippets: dict[int, str | None], version: str | None, lead: bool,
                      st_cache: dict[str, tuple[Any, ...]] | None = None) -> list[PassageHit]:
        """PassageHits for passage pks, in the given order (pks that vanished meanwhile are skipped)."""
        if pks.size == 0:
            return []
        keys = [int(k) for k in pks.tolist()]
        marks = ", ".join("?" for _ in keys)
        rows = {r["pk"]: r for r in conn.execute(
            f"SELECT p.pk AS pk, {self._PA_SELECT} FROM passages p WHERE p.pk IN ({marks})", keys)}
        # Statement fields come after the long text column in the row, so each read walks overflow
        # pages: read each statement once (per page, or per export with a shared cache).
        meta = st_cache if st_cache is not None else {}
        missing = list({r["statement_id"] for r in rows.values()} - meta.keys())
        for i in range(0, len(missing), _BATCH):
            part = missing[i:i + _BATCH]
            for r in conn.execute(f"SELECT s.id, s.title, s.url, {_EFF}, s.source, s.doc_type FROM statements s "
                                  f"WHERE s.id IN ({', '.join('?' for _ in part)})", part):
                meta[r[0]] = (r[1], r[2], date.fromisoformat(r[3]) if r[3] else None, r[4], r[5])
        by_passage: dict[str, list[Match]] = defaultdict(list)
        if version is not None:
            ids = [r["id"] for r in rows.values()]
            id_marks = ", ".join("?" for _ in ids)
            for r in conn.execute(f"SELECT * FROM matches WHERE agenda_version = ? AND passage_id IN ({id_marks}) "
                                  "ORDER BY score DESC, priority", [version, *ids]):
                by_passage[r["passage_id"]].append(self._row_match(r))
        hits = []
        for pk, score in zip(keys, scores.tolist(), strict=True):
            r = rows.get(pk)
            if r is None:
                continue
            passage = self._row_passage(r)
            m = meta.get(r["statement_id"])
            if m is None:
                continue
            snip = snippets.get(pk)
            hits.append(PassageHit(
                passage=passage, statement_title=m[0], url=m[1], date=m[2], source=m[3], doc_type=m[4],
                score=float(score),
                snippet=snip if snip is not None else (_lead_snippet(passage.text) if lead else None),
                matches=by_passage.get(passage.id, [])))
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
                           top_k: int = 5, source: str | None = None, doc_type: str | None = None,
                           speaker_role: str | None = None,
                           mentions: str | None = None) -> list[MonthPriorityAggregate]:
        """Counts per month x priority for months that have statements (every listed priority included).

        Month = delivery date, else release date, else URL date (YYYY-MM); undated statements are left
        out. Priorities None: those with matches under this agenda version. Ordered by month, then
        priority in the order given. ``mentions``: only statements whose location or title contains
        this phrase (case-insensitive), e.g. "Security Council".
        """
        f = StatementFilters(date_from=date_from, date_to=date_to, source=source, doc_type=doc_type,
                             speaker_role=speaker_role)
        with self._read("aggregate months") as conn:
            if self._aggregates_in_memory and not mentions and (source is None or source in SOURCES):
                # The in-memory index has every filter but the title phrase: no statement row is read
                # (their dates sit behind the text, so SQL walks each text's overflow pages).
                return self._aggregates_from_memory(conn, agenda_version, f, priorities, top_k)
            where, params, _ = self._filters(conn, f)
            if mentions:
                # instr on lower() instead of LIKE: the phrase may hold % or _ and must match literally.
                where.append("(instr(lower(COALESCE(s.location, '')), ?) > 0 "
                             "OR instr(lower(s.title), ?) > 0)")
                params += [mentions.lower(), mentions.lower()]
            cond = " AND ".join([f"{_EFF} IS NOT NULL", *where])
            month_counts = {r[0]: r[1] for r in conn.execute(
                f"SELECT substr({_EFF}, 1, 7) AS month, COUNT(*) FROM statements s WHERE {cond} "
                "GROUP BY month ORDER BY month", params)}
            mrows = [tuple(r) for r in conn.execute(
                f"SELECT m.passage_id, m.statement_id, m.priority, m.score, m.level, m.stance, "
                f"substr({_EFF}, 1, 7) AS month FROM matches m JOIN statements s ON s.id = m.statement_id "
                f"WHERE m.agenda_version = ? AND {cond}", [agenda_version, *params])]
        if priorities is None:
            prio_list = sorted({r[2] for r in mrows}, key=_natural_key)
        else:
            prio_list = list(dict.fromkeys(priorities))
        wanted = set(prio_list)
        addressing: dict[tuple[str, str], set[str]] = defaultdict(set)
        best: dict[tuple[str, str], dict[str, tuple[str, str, float, str, str]]] = defaultdict(dict)
        explicit: dict[tuple[str, str], set[str]] = defaultdict(set)
        for passage_id, statement_id, priority, score, level, stance, month in mrows:
            if priority not in wanted:
                continue
            key = (month, priority)
            addressing[key].add(statement_id)
            if level == "explicit":
                explicit[key].add(passage_id)
            entry = (passage_id, statement_id, float(score), level, stance)
            # Several models can match one passage: keep its strongest match once.
            prev = best[key].get(passage_id)
            if prev is None or entry[2] > prev[2]:
                best[key][passage_id] = entry
        out = []
        for month, n in month_counts.items():
            for pid in prio_list:
                key = (month, pid)
                top = sorted(best[key].values(), key=lambda e: (-e[2], e[0]))[:max(0, top_k)] if key in best else []
                out.append(MonthPriorityAggregate(
                    month=month, priority=pid, statements=n, addressing=len(addressing.get(key, ())),
                    passages=len(best.get(key, {})), explicit_passages=len(explicit.get(key, ())), top=top))
        return out

    def _score_inputs(self, conn: sqlite3.Connection, version: str) -> _ScoreInputs:
        """Statement months and one version's matches, kept with the search index (same invalidation)."""
        index = self._search_index(conn)
        cached = self._score_state
        if cached is not None and cached.index is index and cached.version == version:
            return cached
        months: list[str | None] = [None] * len(index.st_ids)
        dates: list[date | None] = [None] * len(index.st_ids)
        for i, o in enumerate(index.st_date.tolist()):
            if o > 0:
                d = dates[i] = date.fromordinal(o)
                months[i] = f"{d.year:04d}-{d.month:02d}"
        row_of = {sid: i for i, sid in enumerate(index.st_ids)}
        matches = []
        texts: dict[str, tuple[str, str]] = {}
        explanations: dict[tuple[str, str], str | None] = {}
        # Matched passages' texts and reasons come along: evidence is drawn from them only, and reading
        # them one by one per request is what made /scores/monthly slow (random pages of a big file).
        # Strongest first, so that with several models the weakest match's explanation is kept last,
        # as evidence_details did when it read them from SQL.
        for pid, sid, prio, score, level, stance, expl, text in conn.execute(
                "SELECT m.passage_id, m.statement_id, m.priority, m.score, m.level, m.stance, m.explanation, "
                "p.text FROM matches m JOIN passages p ON p.id = m.passage_id WHERE m.agenda_version = ? "
                "ORDER BY m.score DESC, m.passage_id, m.priority", (version,)):
            row = row_of.get(sid)
            if row is not None and months[row] is not None:
                matches.append((pid, sid, float(score), level, stance, prio, row))
            texts[pid] = (sid, text)
            explanations[(pid, prio)] = expl
        titles = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, title, url FROM statements")}
        st_month = np.array([int(m[:4]) * 12 + int(m[5:7]) - 1 if m else -1 for m in months], dtype=np.int64)
        prio_names = sorted({m[5] for m in matches}, key=_natural_key)
        prio_code = {p: i for i, p in enumerate(prio_names)}
        # Passage ids ranked as SQL orders text (code points), for ties broken by passage id.
        rank_of = {p: i for i, p in enumerate(sorted({m[0] for m in matches}))}
        n = len(matches)
        m_row = np.fromiter((m[6] for m in matches), dtype=np.int64, count=n)
        self._score_state = _ScoreInputs(
            index=index, version=version, months=months, dates=dates, row_of=row_of, matches=matches,
            texts=texts, explanations=explanations, titles=titles, st_month=st_month,
            prio_names=prio_names, prio_code=prio_code, m_row=m_row,
            m_month=st_month[m_row] if n else np.zeros(0, dtype=np.int64),
            m_prio=np.fromiter((prio_code[m[5]] for m in matches), dtype=np.int64, count=n),
            m_score=np.fromiter((m[2] for m in matches), dtype=np.float64, count=n),
            m_explicit=np.fromiter((m[3] == "explicit" for m in matches), dtype=bool, count=n),
            m_prank=np.fromiter((rank_of[m[0]] for m in matches), dtype=np.int64, count=n))
        return self._score_state

    def score_memo(self, agenda_version: str) -> dict[Any, Any]:
        """A dict for results computed from the current data and agenda version; a new one after any write."""
        with self._read("prepare scores") as conn:
            return self._score_inputs(conn, agenda_version).memo

    def _aggregates_from_memory(self, conn: sqlite3.Connection, version: str, f: StatementFilters,
                                priorities: Sequence[str] | None, top_k: int) -> list[MonthPriorityAggregate]:
        """monthly_aggregates from the in-memory arrays: the same numbers as the SQL, as numpy group-bys."""
        inp = self._score_inputs(conn, version)
        keep = inp.index.statement_mask(conn, f, None)
        dated = inp.st_month >= 0 if keep is None else (inp.st_month >= 0) & keep
        month_ids, month_n = np.unique(inp.st_month[dated], return_counts=True)
        sel = np.ones(inp.m_row.size, dtype=bool) if keep is None else keep[inp.m_row]
        if priorities is None:
            present = np.unique(inp.m_prio[sel])
            prio_list = sorted((inp.prio_names[c] for c in present), key=_natural_key)
        else:
            prio_list = list(dict.fromkeys(priorities))
        n_prio = len(prio_list)
        pos_of = np.full(len(inp.prio_names) + 1, -1, dtype=np.int64)
        for pos, name in enumerate(prio_list):
            code = inp.prio_code.get(name)
            if code is not None:
                pos_of[code] = pos
        pos = pos_of[inp.m_prio]
        sel &= pos >= 0
        idx = np.flatnonzero(sel)  # match numbers kept
        cell = inp.m_month[idx].astype(np.int64) * max(n_prio, 1) + pos[idx]
        n_cells = int(cell.max()) + 1 if cell.size else 0
        prank = inp.m_prank[idx].astype(np.int64)
        n_pass = int(inp.m_prank.max()) + 1 if inp.m_prank.size else 1

        def distinct_per_cell(cells: np.ndarray, other: np.ndarray, width: int) -> np.ndarray:
            pairs = np.unique(cells * width + other)
            return np.bincount(pairs // width, minlength=n_cells)

        addressing = distinct_per_cell(cell, inp.m_row[idx].astype(np.int64), max(inp.st_month.size, 1))
        expl = inp.m_explicit[idx]
        explicit = distinct_per_cell(cell[expl], prank[expl], n_pass)
        # Several models can match one passage: its strongest match counts once (first in match order on ties).
        order = np.lexsort((-inp.m_score[idx], prank, cell))
        first = np.ones(order.size, dtype=bool)
        first[1:] = (cell[order][1:] != cell[order][:-1]) | (prank[order][1:] != prank[order][:-1])
        best = order[first]
        passages = np.bincount(cell[best], minlength=n_cells)
        # Strongest first, ties by passage id; at most top_k per cell.
        ranked = best[np.lexsort((prank[best], -inp.m_score[idx][best], cell[best]))]
        rc = cell[ranked]
        starts = np.flatnonzero(np.r_[True, rc[1:] != rc[:-1]]) if rc.size else np.zeros(0, dtype=np.int64)
        within = np.arange(rc.size) - np.repeat(starts, np.diff(np.r_[starts, rc.size]))
        top: dict[int, list[tuple[str, str, float, str, str]]] = defaultdict(list)
        for c, k in zip(rc[within < max(0, top_k)].tolist(), idx[ranked[within < max(0, top_k)]].tolist()):
            top[c].append(inp.matches[k][:5])
        out = []
        for mi, n in zip(month_ids.tolist(), month_n.tolist()):
            month = f"{mi // 12:04d}-{mi % 12 + 1:02d}"
            for p, pid in enumerate(prio_list):
                c = mi * max(n_prio, 1) + p
                inside = c < n_cells
                out.append(MonthPriorityAggregate(
                    month=month, priority=pid, statements=int(n),
                    addressing=int(addressing[c]) if inside else 0, passages=int(passages[c]) if inside else 0,
                    explicit_passages=int(explicit[c]) if inside else 0, top=list(top.get(c, ()))))
        return out

    def evidence_details(self, agenda_version: str,
                         keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], EvidenceDetail]:
        """What evidence shows for these (passage id, priority) pairs, from memory (no per-statement reads).

        Per pair whose passage is matched under this agenda version: its statement's id, title, URL
        and effective date, the passage text, and the matcher's explanation for that priority (with
        several models, the weakest match's, as reading a statement's matches strongest first did).
        """
        with self._read("read evidence passages") as conn:
            inputs = self._score_inputs(conn, agenda_version)
        out: dict[tuple[str, str], EvidenceDetail] = {}
        for key in keys:
            found = inputs.texts.get(key[0])
            if found is None or key in out:
                continue  # not a matched passage under this version: nothing to show as evidence
            sid, text = found
            title, url = inputs.titles.get(sid, ("", ""))
            row = inputs.row_of.get(sid)
            explanation = inputs.parsed.get(key)
            if explanation is None and key in inputs.explanations:
                raw = inputs.explanations[key]
                explanation = inputs.parsed[key] = json.loads(raw) if raw else {}
            out[key] = EvidenceDetail(statement_id=sid, title=title, url=url,
                                      date=inputs.dates[row] if row is not None else None, text=text,
                                      explanation=explanation)
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

    # --- re-scoring stored vectors (a new agenda version, no re-embedding) -----------------------

    # Statements whose stored passages were made for their current text with this model (some
    # analysis row says so) and that have no current analysis for the agenda version asked for.
    _RESCORABLE = ("FROM statements s WHERE EXISTS (SELECT 1 FROM analysis a WHERE a.statement_id = s.id "
                   "AND a.model = ? AND a.content_hash = s.analysis_hash) AND NOT EXISTS (SELECT 1 FROM "
                   "analysis b WHERE b.statement_id = s.id AND b.agenda_version = ? AND b.model = ? AND "
                   "b.content_hash = s.analysis_hash)")

    def count_rescorable(self, agenda_version: str, model: str) -> tuple[int, int]:
        """(statements, passages) that rescorable() would yield."""
        with self._read("count statements to re-score") as conn:
            row = conn.execute(f"SELECT COUNT(*), COALESCE(SUM((SELECT COUNT(*) FROM passages p WHERE "
                               f"p.statement_id = s.id)), 0) {self._RESCORABLE}",
                               (model, agenda_version, model)).fetchone()
            return int(row[0]), int(row[1])

    def rescorable(self, agenda_version: str, model: str,
                   batch_passages: int = 20000) -> Iterator[list[StoredAnalysis]]:
        """Statements whose passages and vectors (for model) are current but that lack an analysis with
        this agenda version, in batches of about batch_passages passages (whole statements).

        A statement with a passage that has no vector for this model is left out (it needs a full
        analysis). Keyset-paginated: the lock is released between batches.
        """
        last = ""
        batch: list[StoredAnalysis] = []
        size = 0
        while True:
            with self._read("read stored passages to re-score") as conn:
                heads = conn.execute(f"SELECT s.id, s.title {self._RESCORABLE} AND s.id > ? ORDER BY s.id "
                                     "LIMIT ?", (model, agenda_version, model, last, _BATCH)).fetchall()
                if not heads:
                    break
                ids = [h[0] for h in heads]
                marks = ", ".join("?" for _ in ids)
                rows = conn.execute(
                    f'SELECT p.statement_id, p.id, p.text, v.vector FROM passages p LEFT JOIN vectors v '
                    f'ON v.passage_id = p.id AND v.model = ? WHERE p.statement_id IN ({marks}) '
                    f'ORDER BY p.statement_id, p."index"', [model, *ids]).fetchall()
            last = ids[-1]
            by_sid: dict[str, list[tuple[str, str, bytes | None]]] = defaultdict(list)
            for sid, pid, text, blob in rows:
                by_sid[sid].append((pid, text, blob))
            for sid, title in heads:
                parts = by_sid.get(sid, [])
                if any(blob is None for _, _, blob in parts):
                    continue  # a passage without a vector for this model: needs `sgwatch analyze`
                vecs = (np.frombuffer(b"".join(blob for _, _, blob in parts), dtype="<f4")  # type: ignore[misc]
                        .reshape(len(parts), -1).astype(np.float32) if parts
                        else np.zeros((0, 0), dtype=np.float32))
                batch.append(StoredAnalysis(statement_id=sid, title=title or "", passage_ids=[p[0] for p in parts],
                                            texts=[p[1] for p in parts], vectors=vecs))
                size += len(parts)
                if size >= batch_passages:
                    yield batch
                    batch, size = [], 0
        if batch:
            yield batch

    def save_matches(self, results: Sequence[tuple[str, int, Sequence[Match]]], agenda_version: str,
                     model: str) -> int:
        """Save re-scored matches for many statements in one transaction, passages and vectors untouched.

        Each result is (statement id, passage count, matches). A statement whose text changed since its
        passages were stored is skipped (it needs a full analysis). Returns the statements saved.
        """
        saved = 0
        now = datetime.now(UTC).isoformat()
        with self._tx(f"save re-scored matches for {len(results)} statements") as conn:
            for sid, n_passages, matches in results:
                ahash = conn.execute(
                    "SELECT s.analysis_hash FROM statements s WHERE s.id = ? AND EXISTS (SELECT 1 FROM analysis a "
                    "WHERE a.statement_id = s.id AND a.model = ? AND a.content_hash = s.analysis_hash)",
                    (sid, model)).fetchone()
                if ahash is None:
                    continue
                rows = []
                for m in matches:
                    if m.statement_id != sid or m.agenda_version != agenda_version or m.model != model:
                        raise StoreError(f"statement {sid}: match for ({m.statement_id}, {m.agenda_version}, "
                                         f"{m.model}) saved as ({sid}, {agenda_version}, {model})")
                    rows.append((m.passage_id, sid, m.priority, float(m.score), m.level, m.stance,
                                 agenda_version, model, json.dumps(m.explanation, ensure_ascii=False, default=str)))
                conn.execute("DELETE FROM matches WHERE statement_id = ? AND agenda_version = ? AND model = ?",
                             (sid, agenda_version, model))
                conn.executemany("INSERT INTO matches (passage_id, statement_id, priority, score, level, stance, "
                                 "agenda_version, model, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                conn.execute("INSERT OR REPLACE INTO analysis (statement_id, agenda_version, model, content_hash, "
                             "analysed_at, passages, matches) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (sid, agenda_version, model, ahash[0], now, n_passages, len(rows)))
                saved += 1
        return saved

    def stats(self) -> dict[str, Any]:
        """Counts of what is stored. Keys (stable):

        - ``statements``, ``passages``, ``matches``: row counts (matches over all agenda versions/models);
        - ``analysed``: statements with at least one analysis;
        - ``merged``: duplicate ids merged into a stored statement (aliases);
        - ``by_source``: {source: statements found on it} — a statement on both sites counts for both;
        - ``crawl``: {"stored": n, "skipped": {reason: n}, "error": n} over the latest outcome per URL;
        - ``coverage``: ``by_month`` {source: {month: {fetched, stored, skipped: {reason: n}}}}, ``extraction``
          {source: {field: {path: share}}} over stored pages, ``empty_months`` (months with no statement between
          the first and the last);
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
            # Coverage health per source and month (pages fetched = pages with a logged outcome) and the share
            # of each field produced by each extraction path, so a redesign shows up as a jump in fallbacks.
            by_month: dict[str, dict[str, dict[str, Any]]] = {}
            paths: dict[str, dict[str, dict[str, int]]] = {}
            for src, month, outcome, reason, extraction in conn.execute(
                    "SELECT source, month, outcome, reason, extraction FROM crawl_log"):
                cell = by_month.setdefault(src, {}).setdefault(month or "undated",
                                                              {"fetched": 0, "stored": 0, "skipped": {}})
                cell["fetched"] += 1
                if outcome == "skipped":
                    cell["skipped"][reason or "unknown"] = cell["skipped"].get(reason or "unknown", 0) + 1
                elif outcome == "stored":
                    cell["stored"] += 1
                    for field, path in (json.loads(extraction) if extraction else {}).items():
                        per = paths.setdefault(src, {}).setdefault(field, {})
                        per[path] = per.get(path, 0) + 1
            coverage: dict[str, Any] = {"by_month": by_month}
            coverage["extraction"] = {src: {f: {p: round(n / sum(c.values()), 3) for p, n in sorted(c.items())}
                                         for f, c in sorted(fields.items())} for src, fields in sorted(paths.items())}
            months = {r[0]: r[1] for r in conn.execute(
                f"SELECT substr({_EFF}, 1, 7) AS month, COUNT(*) FROM statements s WHERE {_EFF} IS NOT NULL "
                "GROUP BY month ORDER BY month")}
            coverage["empty_months"] = _empty_months(months)
            return {
                "statements": one("SELECT COUNT(*) FROM statements"),
                "passages": one("SELECT COUNT(*) FROM passages"),
                "matches": one("SELECT COUNT(*) FROM matches"),
                "analysed": one("SELECT COUNT(DISTINCT statement_id) FROM analysis"),
                "merged": one("SELECT COUNT(*) FROM aliases"),
                "by_source": by_source,
                "crawl": crawl,
                "coverage": coverage,
                "months": months,
            }


def _empty_months(months: dict[str, int]) -> list[str]:
    """Months between the first and last month with statements that have none (a crawl gap or a quiet month)."""
    if not months:
        return []
    first, last = min(months), max(months)
    y, m = int(first[:4]), int(first[5:7])
    out: list[str] = []
    while f"{y:04d}-{m:02d}" <= last:
        key = f"{y:04d}-{m:02d}"
        if key not in months:
            out.append(key)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


__all__ = ["SQLiteStore", "to_fts5_query"]
