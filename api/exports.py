"""Streamed CSV and JSON Lines exports of search results: no cap, constant memory, first bytes at once.

The store yields hits one by one from keyset batches; these generators turn them into text in chunks
of CHUNK_ROWS rows, so Starlette's thread hop per chunk costs nothing per row, and nothing but the
current chunk is held in memory.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from core.store.base import PassageHit, StatementHit

CHUNK_ROWS = 500

PASSAGE_COLUMNS = ["passage_id", "statement_id", "index", "date", "source", "doc_type", "statement_title", "url",
                   "score", "priorities", "text"]
STATEMENT_COLUMNS = ["id", "date", "source", "doc_type", "title", "url", "speaker", "speaker_role", "location",
                     "score", "priorities", "text"]

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def _matches_cell(hit: PassageHit) -> str:
    # One cell, readable in a spreadsheet: "P1 0.820 explicit condemnation; P2 0.550 implicit concern".
    return "; ".join(f"{m.priority} {m.score:.3f} {m.level} {m.stance}" for m in hit.matches)


def passage_row(hit: PassageHit) -> dict[str, Any]:
    """A passage hit as an export record (the JSON Lines object; CSV flattens matches)."""
    p = hit.passage
    return {
        "passage_id": p.id, "statement_id": p.statement_id, "index": p.index,
        "date": hit.date.isoformat() if hit.date else None, "source": hit.source, "doc_type": hit.doc_type,
        "statement_title": hit.statement_title, "url": hit.url, "score": round(float(hit.score), 6),
        "matches": [{"priority": m.priority, "score": round(float(m.score), 4), "level": m.level,
                     "stance": m.stance} for m in hit.matches],
        "text": p.text,
    }


def statement_row(hit: StatementHit) -> dict[str, Any]:
    """A statement hit as an export record."""
    s = hit.statement
    d = s.effective_date
    return {
        "id": s.id, "date": d.isoformat() if d else None, "source": s.source, "doc_type": s.doc_type,
        "title": s.title, "url": s.url, "speaker": s.speaker, "speaker_role": s.speaker_role,
        "location": s.location, "score": round(hit.score, 6) if hit.score is not None else None,
        "priorities": list(hit.priorities), "sources": [ref.url for ref in s.sources], "text": s.text,
    }


def _csv_passage(rec: dict[str, Any], hit: PassageHit) -> list[Any]:
    return [rec["passage_id"], rec["statement_id"], rec["index"], rec["date"] or "", rec["source"],
            rec["doc_type"], rec["statement_title"], rec["url"], rec["score"], _matches_cell(hit), rec["text"]]


def _csv_statement(rec: dict[str, Any], _: StatementHit) -> list[Any]:
    return [rec["id"], rec["date"] or "", rec["source"], rec["doc_type"], rec["title"], rec["url"],
            rec["speaker"] or "", rec["speaker_role"] or "", rec["location"] or "",
            "" if rec["score"] is None else rec["score"], " ".join(rec["priorities"]), rec["text"]]


def stream(hits: Iterable[Any], fmt: str, kind: str) -> Iterator[str]:
    """Text chunks of an export: CSV with a header row, or one JSON object per line."""
    to_rec: Callable[[Any], dict[str, Any]] = passage_row if kind == "passages" else statement_row
    to_csv: Callable[[dict[str, Any], Any], list[Any]] = _csv_passage if kind == "passages" else _csv_statement
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(PASSAGE_COLUMNS if kind == "passages" else STATEMENT_COLUMNS)
    n = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for hit in hits:
        rec = to_rec(hit)
        if fmt == "csv":
            writer.writerow(to_csv(rec, hit))
        else:
            buf.write(dumps(rec))
            buf.write("\n")
        n += 1
        if n % CHUNK_ROWS == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    tail = buf.getvalue()
    if tail or n == 0:
        yield tail


def primed(chunks: Iterator[str]) -> Iterator[str]:
    """Compute the first chunk now, so an error (a bad query, the store down) is still a problem+json answer."""
    first = next(chunks)
    return itertools.chain([first], chunks)


def filename(kind: str, fmt: str) -> str:
    """Download name, e.g. sgwatch-passages-20260501T120000Z.csv."""
    return f"sgwatch-{kind}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{fmt}"
