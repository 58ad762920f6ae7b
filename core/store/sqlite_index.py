"""In-memory search structures of the SQLite store: passage metadata as numpy arrays, vectors as a matrix.

At 600,000 passages SQL joins per search are too slow (a filter on a date range visits every passage
of the range; bm25 over 180,000 FTS matches takes 250 ms), so the SQLite store keeps, per open store:

* ``PassageIndex`` — one row per passage, ordered by passage id (so ties break by id), with the
  statement's metadata gathered into small integer arrays: filters become boolean masks and facets
  become ``bincount`` s. Matches of one agenda version are arrays too (priority, score, level,
  stance), for the priority / level / stance / min-score filters and the priority facet.
* ``VectorMatrix`` — the passage vectors of one model aligned with the index rows. Up to
  ``EXACT_VECTORS`` rows it is an exact float32 matrix; above, an int8 matrix with per-row scales
  scanned with torch's int8 kernel (4x less memory traffic than float32); the best candidates are
  re-ranked with their stored float32 vectors, so the top results are ordered by exact cosine.
* ``approx_bm25`` — BM25 with term frequency taken as 1 (passages are one to three sentences),
  for keyword queries whose match set is too large for FTS5's per-row bm25 (see store).

Both are rebuilt when the database changes (the store decides when); nothing here touches SQL
strings built from user input.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SOURCES = ("un.org/sg", "press.un.org")
EXACT_VECTORS = 50_000  # below this, a float32 matrix scan is fast enough and exact
RERANK_POOL = 256  # extra candidates re-ranked with their float32 vectors on top of what is asked
LEVELS = ("explicit", "implicit")
STANCES = ("mention", "concern", "condemnation", "call_to_action", "commitment")
BM25_K1, BM25_B = 1.2, 0.75
_PAD = 64


class _Vocab:
    """String values -> small integer codes (code 0 = missing)."""

    def __init__(self) -> None:
        self.values: list[str | None] = [None]
        self._codes: dict[str | None, int] = {None: 0}

    def code(self, value: str | None) -> int:
        if value is None or value == "":
            return 0
        c = self._codes.get(value)
        if c is None:
            c = self._codes[value] = len(self.values)
            self.values.append(value)
        return c

    def codes_exact(self, wanted: str) -> list[int]:
        """The code of exactly this value (none when absent)."""
        c = self._codes.get(wanted)
        return [c] if c else []

    def codes_casefold(self, wanted: str) -> list[int]:
        """Codes of the values equal to wanted, ignoring case and surrounding spaces."""
        w = wanted.strip().casefold()
        return [i for i, v in enumerate(self.values) if v is not None and v.strip().casefold() == w]


@dataclass
class MatchArrays:
    """The matches of one agenda version, one entry per (passage, priority, model)."""

    rows: np.ndarray  # passage index rows
    prio: np.ndarray  # codes into priorities
    score: np.ndarray
    level: np.ndarray  # index into LEVELS (-1 unknown)
    stance: np.ndarray  # index into STANCES (-1 unknown)
    priorities: list[str]


@dataclass
class PassageIndex:
    """Passage rows (ordered by passage id) with their statement's metadata as arrays."""

    n: int
    pk: np.ndarray  # passages.pk per row
    row_of_pk: np.ndarray  # pk -> row (-1: none)
    st_row: np.ndarray  # row -> statement row
    p_st_pk: np.ndarray  # row -> statements.pk
    length: np.ndarray  # characters of the passage text (BM25 length normalisation)
    st_pk: np.ndarray  # statements.pk per statement row (ascending)
    st_ids: list[str]
    st_date: np.ndarray  # effective date as a proleptic ordinal (0: undated)
    st_year: np.ndarray  # year of the effective date (0: undated)
    st_src: np.ndarray  # bit i set: found on SOURCES[i]
    cols: dict[str, tuple[_Vocab, np.ndarray]]  # doc_type, speaker, speaker_role, location, language
    matches: dict[str, MatchArrays] = field(default_factory=dict)
    doc_counts: dict[str, int] = field(default_factory=dict)  # FTS operand -> passages holding it
    _id_rank: np.ndarray | None = None

    # --- building ---------------------------------------------------------------------------------

    @classmethod
    def build(cls, conn: sqlite3.Connection, previous: PassageIndex | None = None) -> PassageIndex:
        """Read statements and passages (no text) into arrays; with previous, re-read statements only."""
        t0 = time.monotonic()
        st_rows = conn.execute(
            "SELECT pk, id, source, sources, doc_type, speaker, speaker_role, location, language, "
            "COALESCE(delivery_date, release_date, url_date) FROM statements ORDER BY pk").fetchall()
        ns = len(st_rows)
        st_pk = np.fromiter((r[0] for r in st_rows), dtype=np.int64, count=ns)
        st_date = np.zeros(ns, dtype=np.int32)
        st_year = np.zeros(ns, dtype=np.int16)
        st_src = np.zeros(ns, dtype=np.uint8)
        names = ("doc_type", "speaker", "speaker_role", "location", "language")
        vocabs = {name: _Vocab() for name in names}
        codes = {name: np.zeros(ns, dtype=np.int32) for name in names}
        for i, r in enumerate(st_rows):
            srcs = {r[2]}
            if r[3]:
                try:
                    srcs.update(ref.get("source") for ref in json.loads(r[3]) if isinstance(ref, dict))
                except (ValueError, TypeError):
                    pass
            st_src[i] = sum(1 << k for k, s in enumerate(SOURCES) if s in srcs)
            for j, name in enumerate(names):
                codes[name][i] = vocabs[name].code(r[4 + j])
            if r[9]:
                try:
                    d = date.fromisoformat(r[9])
                    st_date[i], st_year[i] = d.toordinal(), d.year
                except ValueError:
                    pass
        st_ids = [r[1] for r in st_rows]
        del st_rows
        if previous is not None:
            pk, p_st_pk, length = previous.pk, previous.p_st_pk, previous.length
        else:
            # Passages in id order (ties in every ranking break by passage id), with their statement's pk.
            p_rows = conn.execute("SELECT p.pk, s.pk, length(p.text) FROM passages p JOIN statements s "
                                  "ON s.id = p.statement_id ORDER BY p.id").fetchall()
            n = len(p_rows)
            pk = np.fromiter((r[0] for r in p_rows), dtype=np.int64, count=n)
            p_st_pk = np.fromiter((r[1] for r in p_rows), dtype=np.int64, count=n)
            length = np.fromiter((r[2] or 0 for r in p_rows), dtype=np.float32, count=n)
            del p_rows
        pos = np.clip(np.searchsorted(st_pk, p_st_pk), 0, max(ns - 1, 0))
        if ns == 0 or not np.array_equal(st_pk[pos], p_st_pk):
            if previous is not None:
                return cls.build(conn)  # a statement went away: read the passages again
            keep = (st_pk[pos] == p_st_pk) if ns else np.zeros(pk.size, dtype=bool)
            pk, p_st_pk, length, pos = pk[keep], p_st_pk[keep], length[keep], pos[keep]
        n = int(pk.size)
        if previous is not None:
            row_of_pk = previous.row_of_pk
        else:
            row_of_pk = np.full(int(pk.max()) + 1 if n else 1, -1, dtype=np.int32)
            row_of_pk[pk] = np.arange(n, dtype=np.int32)
        idx = cls(n=n, pk=pk, row_of_pk=row_of_pk, st_row=pos.astype(np.int32), p_st_pk=p_st_pk, length=length,
                  st_pk=st_pk, st_ids=st_ids, st_date=st_date, st_year=st_year, st_src=st_src,
                  cols={name: (vocabs[name], codes[name]) for name in names})
        log.info("search index: %d passages of %d statements in %.2f s%s", n, ns, time.monotonic() - t0,
                 " (statements only)" if previous is not None else "")
        return idx

    def match_arrays(self, conn: sqlite3.Connection, version: str) -> MatchArrays:
        """The matches of an agenda version as arrays (cached on the index)."""
        cached = self.matches.get(version)
        if cached is not None:
            return cached
        rows = conn.execute("SELECT p.pk, m.priority, m.score, m.level, m.stance FROM matches m "
                            "JOIN passages p ON p.id = m.passage_id WHERE m.agenda_version = ?",
                            (version,)).fetchall()
        prios = sorted({r[1] for r in rows}, key=_natural_key)
        pcode = {p: i for i, p in enumerate(prios)}
        lcode = {v: i for i, v in enumerate(LEVELS)}
        scode = {v: i for i, v in enumerate(STANCES)}
        n = len(rows)
        pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        mrows = self.rows_of_pks(pks)
        arrays = MatchArrays(
            rows=mrows,
            prio=np.fromiter((pcode[r[1]] for r in rows), dtype=np.int16, count=n),
            score=np.fromiter((r[2] for r in rows), dtype=np.float32, count=n),
            level=np.fromiter((lcode.get(r[3], -1) for r in rows), dtype=np.int8, count=n),
            stance=np.fromiter((scode.get(r[4], -1) for r in rows), dtype=np.int8, count=n),
            priorities=prios)
        ok = mrows >= 0
        if not ok.all():
            arrays = MatchArrays(arrays.rows[ok], arrays.prio[ok], arrays.score[ok], arrays.level[ok],
                                 arrays.stance[ok], prios)
        self.matches = {version: arrays}  # one agenda version at a time is what the API asks for
        return arrays

    def rows_of_pks(self, pks: np.ndarray) -> np.ndarray:
        """Index rows of passage pks (-1 for a pk the index does not know)."""
        pks = np.asarray(pks, dtype=np.int64)
        out = np.full(pks.size, -1, dtype=np.int32)
        inside = (pks >= 0) & (pks < self.row_of_pk.size)
        out[inside] = self.row_of_pk[pks[inside]]
        return out

    # --- filters and facets -----------------------------------------------------------------------

    def _statement_conditions(self, f: Any) -> np.ndarray | None:
        """Mask over statement rows for the statement-level filters (None: none given)."""
        st_mask: np.ndarray | None = None

        def narrow(m: np.ndarray) -> None:
            nonlocal st_mask
            st_mask = m if st_mask is None else (st_mask & m)

        if f.date_from is not None:
            narrow(self.st_date >= f.date_from.toordinal())
        if f.date_to is not None:
            narrow((self.st_date <= f.date_to.toordinal()) & (self.st_date > 0))
        if f.source is not None:
            bit = 1 << SOURCES.index(f.source) if f.source in SOURCES else 0
            narrow((self.st_src & bit) > 0 if bit else np.zeros(self.st_src.size, dtype=bool))
        for name, value in (("doc_type", f.doc_type), ("speaker_role", f.speaker_role), ("language", f.language)):
            if value is not None:  # exact, as the SQL filters
                vocab, codes = self.cols[name]
                narrow(np.isin(codes, vocab.codes_exact(value)))
        location = getattr(f, "location", None)
        if location is not None:
            vocab, codes = self.cols["location"]
            narrow(np.isin(codes, vocab.codes_casefold(location)))
        speaker = getattr(f, "speaker", None)
        if speaker is not None:
            # One parameter for a name ("António Guterres") or a role ("Spokesperson").
            v1, c1 = self.cols["speaker"]
            v2, c2 = self.cols["speaker_role"]
            narrow(np.isin(c1, v1.codes_casefold(speaker)) | np.isin(c2, v2.codes_casefold(speaker)))
        return st_mask

    def _matched_rows(self, conn: sqlite3.Connection, f: Any, version: str | None) -> np.ndarray | None:
        """Passage rows with a match meeting the priority / level / stance / min-score filters (None: none given)."""
        level, stance, min_score = getattr(f, "level", None), getattr(f, "stance", None), getattr(f, "min_score", None)
        if f.priority is None and level is None and stance is None and min_score is None:
            return None
        ma = self.match_arrays(conn, version) if version else None
        if ma is None or ma.rows.size == 0:
            return np.zeros(0, dtype=np.int64)
        sel = np.ones(ma.rows.size, dtype=bool)
        if f.priority is not None:
            sel &= ma.prio == (ma.priorities.index(f.priority) if f.priority in ma.priorities else -1)
        if level is not None:
            sel &= ma.level == (LEVELS.index(level) if level in LEVELS else -2)
        if stance is not None:
            sel &= ma.stance == (STANCES.index(stance) if stance in STANCES else -2)
        if min_score is not None:
            sel &= ma.score >= np.float32(min_score)
        return ma.rows[sel].astype(np.int64)

    def mask(self, conn: sqlite3.Connection, f: Any, version: str | None) -> np.ndarray | None:
        """Boolean mask over passage rows for StatementFilters f (None: no filter at all)."""
        st_mask = self._statement_conditions(f)
        mask = st_mask[self.st_row] if st_mask is not None else None
        matched = self._matched_rows(conn, f, version)
        if matched is not None:
            hit = np.zeros(self.n, dtype=bool)
            hit[matched] = True
            mask = hit if mask is None else (mask & hit)
        return mask

    def statement_mask(self, conn: sqlite3.Connection, f: Any, version: str | None) -> np.ndarray | None:
        """Boolean mask over statement rows (a match filter keeps statements with such a matched passage)."""
        st_mask = self._statement_conditions(f)
        matched = self._matched_rows(conn, f, version)
        if matched is not None:
            hit = np.zeros(len(self.st_ids), dtype=bool)
            hit[self.st_row[matched]] = True
            st_mask = hit if st_mask is None else (st_mask & hit)
        return st_mask

    def facets(self, conn: sqlite3.Connection, rows: np.ndarray, version: str | None) -> dict[str, dict[str, int]]:
        """Counts of passage rows by priority, source, type, year and speaker (role)."""
        sel = np.zeros(self.n, dtype=bool)
        sel[rows] = True
        return self._facet_dict(conn, self.st_row[rows], version, lambda ma: (ma.rows, sel[ma.rows]))

    def statement_facets(self, conn: sqlite3.Connection, st_rows: np.ndarray,
                         version: str | None) -> dict[str, dict[str, int]]:
        """Counts of statement rows by priority, source, type, year and speaker (role)."""
        sel = np.zeros(len(self.st_ids), dtype=bool)
        sel[st_rows] = True

        def owners(ma: MatchArrays) -> tuple[np.ndarray, np.ndarray]:
            st = self.st_row[ma.rows]
            return st, sel[st]

        return self._facet_dict(conn, st_rows, version, owners)

    def statement_rows_of_pks(self, pks: np.ndarray, keep_unknown: bool = False) -> np.ndarray:
        """Statement rows of statement pks (unknown pks dropped, or -1 with keep_unknown)."""
        pks = np.asarray(pks, dtype=np.int64)
        pos = np.searchsorted(self.st_pk, pks)
        pos = np.clip(pos, 0, max(self.st_pk.size - 1, 0)).astype(np.int64)
        ok = self.st_pk[pos] == pks if self.st_pk.size else np.zeros(pks.size, dtype=bool)
        if keep_unknown:
            return np.where(ok, pos, -1)
        return pos[ok]

    def statement_id_rank(self) -> np.ndarray:
        """Per statement row, its position in statement-id order (ties in statement rankings break by id)."""
        if self._id_rank is None:
            order = np.argsort(np.array(self.st_ids, dtype=object)) if self.st_ids else np.zeros(0, np.int64)
            rank = np.empty(len(self.st_ids), dtype=np.int64)
            rank[order] = np.arange(len(self.st_ids))
            self._id_rank = rank
        return self._id_rank

    def _facet_dict(self, conn: sqlite3.Connection, st: np.ndarray, version: str | None,
                    owners: Any) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {"priority": {}}
        if version:
            ma = self.match_arrays(conn, version)
            owner, keep = owners(ma)
            # A passage (or statement) counts once per priority, however many matches it has.
            pairs = np.unique(owner[keep].astype(np.int64) * 1024 + ma.prio[keep])
            counts = np.bincount((pairs % 1024).astype(np.int64), minlength=len(ma.priorities))
            out["priority"] = {p: int(counts[i]) for i, p in enumerate(ma.priorities) if counts[i]}
        src = self.st_src[st]
        out["source"] = {s: c for k, s in enumerate(SOURCES) if (c := int(np.count_nonzero(src & (1 << k))))}
        out["type"] = self._count(self.cols["doc_type"], st)
        years = self.st_year[st].astype(np.int64)
        yc = np.bincount(years) if years.size else np.zeros(1, dtype=np.int64)
        out["year"] = {str(y): int(yc[y]) for y in range(yc.size - 1, 0, -1) if yc[y]}
        out["speaker"] = self._count(self.cols["speaker_role"], st)
        return out

    @staticmethod
    def _count(col: tuple[_Vocab, np.ndarray], st: np.ndarray) -> dict[str, int]:
        vocab, codes = col
        c = np.bincount(codes[st], minlength=len(vocab.values)) if st.size else np.zeros(len(vocab.values), np.int64)
        pairs = [(vocab.values[i], int(c[i])) for i in range(1, len(vocab.values)) if c[i]]
        return {str(k): v for k, v in sorted(pairs, key=lambda kv: (-kv[1], str(kv[0])))}

    def newest_first(self, rows: np.ndarray) -> np.ndarray:
        """Rows ordered by their statement's date (newest first, undated last), then passage id."""
        d = self.st_date[self.st_row[rows]].astype(np.int64)
        return rows[np.lexsort((rows, -d))]


def _natural_key(pid: str) -> tuple[str, int, str]:
    import re

    m = re.match(r"^(\D*)(\d+)(.*)$", pid)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else (pid, 0, "")


# --------------------------------------------------------------------------------------------------
# Vectors
# --------------------------------------------------------------------------------------------------


def _int8_kernel() -> Any:
    """torch's int8 x bf16 matrix-vector kernel, or None where this torch lacks it."""
    try:
        import torch

        # The kernel is an internal aten op: it crashes on some small shapes, so every call here pads
        # both dimensions to multiples of _PAD (shapes verified: 64..59008 rows, 64..768 columns).
        w = torch.zeros((_PAD, _PAD), dtype=torch.int8)
        torch.ops.aten._weight_int8pack_mm(torch.zeros((1, _PAD), dtype=torch.bfloat16), w,
                                           torch.ones(_PAD, dtype=torch.bfloat16))
        return torch
    except Exception:  # noqa: BLE001 - any failure means: use the exact numpy path
        return None


class VectorMatrix:
    """One model's passage vectors, row-normalised and aligned with a PassageIndex."""

    def __init__(self, conn: sqlite3.Connection, index: PassageIndex, model: str, dim: int) -> None:
        t0 = time.monotonic()
        self.model, self.dim = model, dim
        self.n = n = index.n
        self.conn, self.index = conn, index  # the store's connection; used under the store's lock
        self.has = np.zeros(n, dtype=bool)
        full = np.zeros((n, dim), dtype=np.float32)
        cur = conn.execute("SELECT p.pk, v.vector FROM vectors v JOIN passages p ON p.id = v.passage_id "
                           "WHERE v.model = ? AND v.dim = ?", (model, dim))
        while True:
            chunk = cur.fetchmany(20_000)
            if not chunk:
                break
            rows = index.rows_of_pks(np.fromiter((r[0] for r in chunk), dtype=np.int64, count=len(chunk)))
            block = np.frombuffer(b"".join(r[1] for r in chunk), dtype="<f4").reshape(len(chunk), dim)
            ok = rows >= 0
            full[rows[ok]] = block[ok]
            self.has[rows[ok]] = True
        norms = np.linalg.norm(full, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        full /= norms
        self.torch: Any = _int8_kernel() if n >= EXACT_VECTORS else None
        self.exact: np.ndarray | None = None
        if self.torch is None:
            self.exact = full
        else:
            torch = self.torch
            scale = np.abs(full).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            self.kpad = -(-dim // _PAD) * _PAD
            npad = -(-n // _PAD) * _PAD
            q8 = np.zeros((npad, self.kpad), dtype=np.int8)
            q8[:n, :dim] = np.round(full / scale[:, None])
            scales = np.ones(npad, dtype=np.float32)
            scales[:n] = scale
            del full  # candidates are re-ranked with their stored float32 vectors (rescore)
            self.q8 = torch.from_numpy(q8)
            self.scale = torch.from_numpy(scales).to(torch.bfloat16)
        log.info("vector matrix: %d x %d (%s) in %.2f s", n, dim, "exact" if self.exact is not None else "int8",
                 time.monotonic() - t0)

    def scores(self, qv: np.ndarray) -> np.ndarray:
        """Cosine of every row with a unit query vector (approximate, about ±0.005, in int8 mode)."""
        if self.exact is not None:
            return self.exact @ qv
        return self._int8_scores(qv).numpy()

    def _int8_scores(self, qv: np.ndarray) -> Any:
        torch = self.torch
        padded = np.zeros(self.kpad, dtype=np.float32)
        padded[:self.dim] = qv
        x = torch.from_numpy(padded)[None, :].to(torch.bfloat16)
        out = torch.ops.aten._weight_int8pack_mm(x, self.q8, self.scale)
        return out[0, :self.n].float()

    def rescore(self, rows: np.ndarray, qv: np.ndarray) -> np.ndarray:
        """Exact cosines of some rows (int8 mode: from the stored float32 vectors)."""
        if self.exact is not None:
            return self.exact[rows] @ qv
        out = np.zeros(rows.size, dtype=np.float32)
        if rows.size == 0:
            return out
        pos = {int(pk): i for i, pk in enumerate(self.index.pk[rows].tolist())}
        keys = list(pos)
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            for pk, blob in self.conn.execute(
                    f"SELECT p.pk, v.vector FROM passages p JOIN vectors v ON v.passage_id = p.id AND v.model = ? "
                    f"WHERE p.pk IN ({', '.join('?' for _ in part)})", [self.model, *part]):
                v = np.frombuffer(blob, dtype="<f4")
                norm = float(np.linalg.norm(v))
                out[pos[pk]] = float(v @ qv) / norm if norm else 0.0
        return out

    def top(self, qv: np.ndarray, allowed: np.ndarray | None, stop: int,
            exact: bool = True) -> tuple[int, np.ndarray, np.ndarray]:
        """(candidates, best rows, their cosines): the `stop` best allowed rows, best first, ties by row.

        exact=False (int8 mode) skips the float32 re-ranking: the order is by int8 cosine (±0.005),
        enough for a rank fusion of a thousand candidates and 20-40 ms cheaper.
        """
        ok = self.has if allowed is None else (self.has & allowed)
        total = int(np.count_nonzero(ok))
        if total == 0 or stop <= 0:
            return total, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        pool = min(total, stop if self.exact is not None else stop + RERANK_POOL)
        if self.exact is None:
            # int8 scan and top-k in torch: no float32 copy of 600,000 scores, no numpy partition.
            torch = self.torch
            t = self._int8_scores(qv)
            if total < self.n:
                t[torch.from_numpy(~ok)] = float("-inf")
            if not exact:
                vals, idx = torch.topk(t, min(stop, total))
                cand, approx = idx.numpy().astype(np.int64), vals.numpy().astype(np.float32)
                keep = ok[cand]
                cand, approx = cand[keep], approx[keep]
                order = np.lexsort((cand, -approx))
                return total, cand[order], approx[order]
            cand = torch.topk(t, pool, sorted=False).indices.numpy().astype(np.int64)
            cand = cand[ok[cand]]
        else:
            sims = self.scores(qv).astype(np.float32, copy=False)
            if total < sims.size:
                sims = np.where(ok, sims, np.float32(-np.inf))
            cand = np.argpartition(-sims, pool - 1)[:pool] if pool < sims.size else np.arange(sims.size)
            cand = cand[np.isfinite(sims[cand])]
        cosines = self.rescore(cand, qv).astype(np.float32)
        order = np.lexsort((cand, -cosines))[:stop]
        return total, cand[order], cosines[order]

    def order_all(self, qv: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Every allowed row, best first (for exports): rows and cosines."""
        ok = self.has if allowed is None else (self.has & allowed)
        rows = np.flatnonzero(ok)
        sims = self.scores(qv)[rows].astype(np.float32)
        order = np.lexsort((rows, -sims))
        return rows[order], sims[order]


def approx_bm25(index: PassageIndex, rows: np.ndarray,
                operands: Sequence[tuple[np.ndarray | None, int]]) -> np.ndarray:
    """BM25 with tf = 1 for the matched rows; operands = (rows holding it, None: all of them; its document count)."""
    n = max(index.n, 1)
    avg = float(index.length.mean()) if index.n else 1.0
    norm = (BM25_K1 + 1.0) / (1.0 + BM25_K1 * (1.0 - BM25_B + BM25_B * index.length[rows] / max(avg, 1.0)))
    weight = np.zeros(rows.size, dtype=np.float32)
    scratch = np.zeros(index.n, dtype=bool)
    for op_rows, df in operands:
        idf = float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))
        if op_rows is None:
            weight += np.float32(idf)
            continue
        scratch[:] = False
        scratch[op_rows[op_rows >= 0]] = True
        weight += np.float32(idf) * scratch[rows]
    return (weight * norm).astype(np.float32)


class Snippets:
    """FTS5 snippets for a handful of texts, from a private in-memory FTS5 table with the store's tokenizer.

    Asking the store's own FTS table for the snippet of one row (``MATCH ? AND rowid = ?``) walks the
    query's whole doclist per row (4 ms for a common prefix); indexing the page's 20 texts in memory
    and matching them there gives the same highlights (same tokenizer, same expression) in about 1 ms.
    """

    def __init__(self, tokenizer: str) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE p USING fts5(text, tokenize='{tokenizer}')")
        self._conn.execute(f"CREATE VIRTUAL TABLE s USING fts5(title, text, tokenize='{tokenizer}')")

    def passages(self, expr: str, texts: dict[int, str], open_: str, close: str) -> dict[int, str]:
        """{key: raw snippet} for the texts (keyed by any int) that match expr."""
        return self._run("p", "snippet(p, 0, ?, ?, '…', 32)", expr, [(k, t) for k, t in texts.items()], open_, close)

    def statements(self, expr: str, docs: dict[int, tuple[str, str]], open_: str, close: str) -> dict[int, str]:
        """{key: raw snippet} over title and text of statements that match expr."""
        return self._run("s", "snippet(s, -1, ?, ?, '…', 32)", expr, [(k, a, b) for k, (a, b) in docs.items()],
                         open_, close)

    def _run(self, table: str, fn: str, expr: str, rows: list[tuple[Any, ...]], open_: str,
             close: str) -> dict[int, str]:
        c = self._conn
        marks = ", ".join("?" for _ in rows[0]) if rows else ""
        try:
            c.execute(f"DELETE FROM {table}")
            if not rows:
                return {}
            cols = "rowid, text" if table == "p" else "rowid, title, text"
            c.executemany(f"INSERT INTO {table}({cols}) VALUES ({marks})", rows)
            return {r[0]: r[1] for r in c.execute(f"SELECT rowid, {fn} FROM {table} WHERE {table} MATCH ?",
                                                  (open_, close, expr))}
        except sqlite3.Error:
            return {}
        finally:
            c.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        """Release the in-memory database."""
        self._conn.close()
