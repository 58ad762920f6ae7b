"""Durable crawl state: the frontier, runs and HTTP validators of each spider, in SQLite under the data dir.

Why not Scrapy's JOBDIR: its request queue and seen-set are written through buffers and an ``info.json`` on
close, so a ``kill -9`` leaves a seen-set naming requests that were never processed (lost statements on
resume) or a queue without its index. Here every discovered detail or listing request is a row committed
before it is scheduled, and a detail page turns ``done`` only after its statement is committed to the store
(or its skip is logged). A crawl killed at any moment therefore resumes with exactly the requests that did
not finish; the store's stable ids make a page processed twice harmless.

The same rows make crawls incremental: a detail page done in an earlier run is not fetched again, listings
stop paging at a page whose items were all stored before (unless a ``--since`` backfill has not yet been
completed), and feeds and first listing pages are fetched with ``If-None-Match`` / ``If-Modified-Since``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a detail page failing (5xx, network) this many runs in a row is given up and logged

_SCHEMA = (
    ("CREATE TABLE IF NOT EXISTS runs (spider TEXT NOT NULL, run INTEGER NOT NULL, since TEXT, started TEXT NOT "
     "NULL, finished TEXT, reason TEXT, PRIMARY KEY (spider, run))"),
    ("CREATE TABLE IF NOT EXISTS frontier (spider TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL, kind TEXT "
     "NOT NULL, callback TEXT NOT NULL, errback TEXT, cb_kwargs TEXT, meta TEXT, state TEXT NOT NULL, run INTEGER "
     "NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, updated TEXT NOT NULL, PRIMARY KEY (spider, key))"),
    "CREATE INDEX IF NOT EXISTS frontier_state ON frontier (spider, state)",
    "CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT)",
)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class CrawlState:
    """One spider's durable frontier (``state.sqlite3`` in the crawl directory); every write commits at once."""

    def __init__(self, path: Path, spider: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.spider = spider
        # Scrapy calls back from one thread, but pipelines may close from another; one lock keeps it simple.
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # A killed process loses nothing committed with NORMAL in WAL mode (only a power cut could).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        for sql in _SCHEMA:
            self._conn.execute(sql)
        self.run = 0
        self.resumed = False
        self.since: date | None = None
        self._scheduled: set[str] = set()

    # --- runs ---------------------------------------------------------------------------------------

    def begin(self, since: date | None) -> None:
        """Start a run, or resume the last one when it did not finish (its since date is kept if none given)."""
        with self._lock:
            row = self._conn.execute("SELECT run, since, finished FROM runs WHERE spider = ? ORDER BY run DESC "
                                     "LIMIT 1", (self.spider,)).fetchone()
            if row and row[2] is None:
                self.run, self.resumed = row[0], True
                old = date.fromisoformat(row[1]) if row[1] else None
                # Resuming with an earlier --since widens the backfill; the later one never narrows it.
                self.since = min((d for d in (old, since) if d), default=None)
                self._conn.execute("UPDATE runs SET since = ? WHERE spider = ? AND run = ?",
                                   (self.since.isoformat() if self.since else None, self.spider, self.run))
            else:
                self.run, self.resumed, self.since = (row[0] + 1 if row else 1), False, since
                self._conn.execute("INSERT INTO runs (spider, run, since, started) VALUES (?, ?, ?, ?)",
                                   (self.spider, self.run, since.isoformat() if since else None, _now()))

    def finish(self, reason: str) -> None:
        """Close the run when the spider finished normally; any other reason leaves it to be resumed."""
        with self._lock:
            if reason == "finished":
                self._conn.execute("UPDATE runs SET finished = ?, reason = ? WHERE spider = ? AND run = ?",
                                   (_now(), reason, self.spider, self.run))
            else:
                self._conn.execute("UPDATE runs SET reason = ? WHERE spider = ? AND run = ?",
                                   (reason, self.spider, self.run))

    def backfill_covered(self, since: date | None) -> bool:
        """True when a finished run already backfilled the listing back to ``since`` (or earlier)."""
        if since is None:
            return True
        with self._lock:
            row = self._conn.execute("SELECT MIN(since) FROM runs WHERE spider = ? AND finished IS NOT NULL AND "
                                     "since IS NOT NULL", (self.spider,)).fetchone()
        return bool(row and row[0] and date.fromisoformat(row[0]) <= since)

    def first_run(self) -> bool:
        """True when no run of this spider has finished yet (nothing is known: page the whole listing)."""
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*) FROM runs WHERE spider = ? AND finished IS NOT NULL",
                                     (self.spider,)).fetchone()
        return not row[0]

    # --- frontier -------------------------------------------------------------------------------------

    def _row(self, key: str) -> tuple[str, int] | None:
        row = self._conn.execute("SELECT state, run FROM frontier WHERE spider = ? AND key = ?",
                                 (self.spider, key)).fetchone()
        return (row[0], row[1]) if row else None

    def known_before(self, key: str) -> bool:
        """True when this page was finished by an earlier run (the incremental crawl's stop signal)."""
        with self._lock:
            row = self._row(key)
        return bool(row and row[0] == "done" and row[1] < self.run)

    def is_done(self, key: str) -> bool:
        """True when this page was finished (by any run)."""
        with self._lock:
            row = self._row(key)
        return bool(row and row[0] == "done")

    def add(self, request: Request, key: str, kind: str) -> bool:
        """Record a request before it is scheduled; False when it must not be scheduled (done, or already queued).

        Detail pages done by any run are never fetched again; listing pages only count as done within
        the current run (page 0 of tomorrow's listing is new).
        """
        with self._lock:
            if key in self._scheduled:
                return False
            row = self._row(key)
            if row and row[0] == "done" and (kind == "detail" or row[1] == self.run):
                return False
            callback = getattr(request.callback, "__name__", None) or "parse"
            errback = getattr(request.errback, "__name__", None)
            meta = {k: v for k, v in request.meta.items() if isinstance(v, (str, int, float, bool, type(None)))}
            self._conn.execute(
                "INSERT INTO frontier (spider, key, url, kind, callback, errback, cb_kwargs, meta, state, run, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (spider, key) DO UPDATE SET "
                "url = excluded.url, callback = excluded.callback, errback = excluded.errback, cb_kwargs = "
                "excluded.cb_kwargs, meta = excluded.meta, state = 'pending', run = excluded.run, updated = "
                "excluded.updated",
                (self.spider, key, request.url, kind, callback, errback, json.dumps(request.cb_kwargs or {}),
                 json.dumps(meta), self.run, _now()))
            self._scheduled.add(key)
            return True

    def done(self, key: str) -> None:
        """Mark a page finished (its statement committed, or its skip logged)."""
        with self._lock:
            self._conn.execute("UPDATE frontier SET state = 'done', run = ?, updated = ? WHERE spider = ? AND key = ?",
                               (self.run, _now(), self.spider, key))

    def failed(self, key: str) -> int:
        """Count a failed fetch (5xx, network); the page stays queued for the next run until MAX_ATTEMPTS."""
        with self._lock:
            self._conn.execute("UPDATE frontier SET attempts = attempts + 1, state = CASE WHEN attempts + 1 >= ? "
                               "THEN 'done' ELSE 'failed' END, updated = ? WHERE spider = ? AND key = ?",
                               (MAX_ATTEMPTS, _now(), self.spider, key))
            row = self._conn.execute("SELECT attempts FROM frontier WHERE spider = ? AND key = ?",
                                     (self.spider, key)).fetchone()
        return int(row[0]) if row else 0

    def unfinished(self) -> list[dict[str, Any]]:
        """Rows to schedule again: pending ones (an interrupted run) and failed ones (retried next run)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, url, kind, callback, errback, cb_kwargs, meta, state FROM frontier WHERE spider = ? AND "
                "state IN ('pending', 'failed') ORDER BY kind = 'listing', updated", (self.spider,)).fetchall()
        return [{"key": r[0], "url": r[1], "kind": r[2], "callback": r[3], "errback": r[4],
                 "cb_kwargs": json.loads(r[5] or "{}"), "meta": json.loads(r[6] or "{}"), "state": r[7]}
                for r in rows]

    def counts(self) -> dict[str, int]:
        """Frontier rows by state (for the summary and tests)."""
        with self._lock:
            return {r[0]: r[1] for r in self._conn.execute(
                "SELECT state, COUNT(*) FROM frontier WHERE spider = ? GROUP BY state", (self.spider,))}

    # --- conditional GETs -----------------------------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last seen for a URL."""
        with self._lock:
            row = self._conn.execute("SELECT etag, last_modified FROM validators WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, response: Response) -> None:
        """Remember a processed response's ETag / Last-Modified (only after its links are in the frontier)."""
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if response.status != 200 or not (etag or modified):
            return
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO validators (url, etag, last_modified) VALUES (?, ?, ?)",
                               (response.url, etag.decode("latin-1") if etag else None,
                                modified.decode("latin-1") if modified else None))

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()


class ConditionalGetMiddleware:
    """Downloader middleware: add If-None-Match / If-Modified-Since to requests marked ``meta['conditional']``.

    The spider saves the validators only after it has processed a response, so a crawl killed in between
    fetches the page in full again instead of being told "304 Not Modified" about links it never queued.
    """

    def __init__(self, crawler: Any = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalGetMiddleware:
        """Keep the crawler: newer Scrapy calls middlewares without the spider."""
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Attach the stored validators to a conditional request and accept a 304 answer."""
        spider = spider or getattr(self.crawler, "spider", None)
        state: CrawlState | None = getattr(spider, "crawl_state", None) if spider is not None else None
        if state is None or not request.meta.get("conditional"):
            return
        etag, modified = state.validators(request.url)
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
        request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", []), 304]


def rebuild(spider: Spider, row: dict[str, Any]) -> Request | None:
    """A Request from a frontier row (None when the spider no longer has its callback)."""
    callback = getattr(spider, row["callback"], None)
    if callback is None:
        logger.warning("%s: cannot resume %s: no callback %s", spider.name, row["url"], row["callback"])
        return None
    errback = getattr(spider, row["errback"], None) if row.get("errback") else None
    meta = dict(row["meta"])
    meta["crawl_key"] = row["key"]
    return Request(row["url"], callback=callback, errback=errback, cb_kwargs=row["cb_kwargs"], meta=meta,
                   dont_filter=True)


def resume_requests(spider: Spider, state: CrawlState) -> Iterator[Request]:
    """Requests left unfinished by an interrupted run (and failed pages due for a retry)."""
    rows = state.unfinished()
    if rows:
        logger.info("%s: resuming %d unfinished pages from %s", spider.name, len(rows), state.path)
    for row in rows:
        request = rebuild(spider, row)
        if request is not None:
            state._scheduled.add(row["key"])
            yield request


class FrontierSpider(Spider):
    """Base of sgwatch's spiders: opens the spider's CrawlState when the crawl starts and closes it at the end.

    Without a crawler (spider tests on saved files) there is no state and every helper is a no-op, so the
    callbacks behave as a plain, stateless spider.
    """

    crawl_state: CrawlState | None = None
    since: date | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        """Connect the state's open/close to the spider's signals."""
        from scrapy import signals

        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._close_state, signal=signals.spider_closed)
        return spider

    def open_state(self, state_dir: Path) -> None:
        """Open (or resume) this spider's run in ``state_dir/state.sqlite3``."""
        self.crawl_state = CrawlState(state_dir / "state.sqlite3", self.name)
        self.crawl_state.begin(self.since)
        self.since = self.crawl_state.since
        if self.crawl_state.resumed:
            self._stat("sgwatch/frontier/resumed", 1)
            self.logger.warning("%s: resuming the interrupted crawl (run %d%s)", self.name, self.crawl_state.run,
                                f", back to {self.since}" if self.since else "")

    def _close_state(self, spider: Spider, reason: str) -> None:
        if spider is self and self.crawl_state is not None:
            self.crawl_state.finish(reason)
            self._stat("sgwatch/frontier/run", self.crawl_state.run)
            for state, n in self.crawl_state.counts().items():
                self._stat(f"sgwatch/frontier/{state}", n)
            self.crawl_state.close()
            self.crawl_state = None

    def _stat(self, key: str, value: int | None = None) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            if value is None:
                crawler.stats.inc_value(key)
            else:
                crawler.stats.set_value(key, value)

    @property
    def backfill_active(self) -> bool:
        """True while a --since backfill has not been completed by a finished run."""
        return self.crawl_state is not None and self.since is not None and not self.crawl_state.backfill_covered(
            self.since)

    def resumed_requests(self) -> Iterator[Request]:
        """Requests an interrupted run left (empty without state)."""
        if self.crawl_state is not None:
            yield from resume_requests(self, self.crawl_state)

    def track(self, request: Request, key: str, kind: str) -> Request | None:
        """The request with its frontier key, or None when it is done or already queued (counted)."""
        request.meta["crawl_key"] = key
        if self.crawl_state is None:
            return request
        if not self.crawl_state.add(request, key, kind):
            self._stat(f"sgwatch/frontier/not_queued_{kind}")
            return None
        return request

    def key_of(self, response_or_request: Any) -> str | None:
        """The frontier key a response's request carried."""
        meta = getattr(response_or_request, "meta", None)
        try:
            return meta.get("crawl_key") if meta is not None else None
        except AttributeError:  # a response built without a request (tests)
            return None

    def finish_page(self, response: Response) -> None:
        """A listing or feed page is processed: mark it done and keep its validators for conditional GETs."""
        if self.crawl_state is None:
            return
        key = self.key_of(response)
        if key:
            self.crawl_state.done(key)
        self.crawl_state.save_validators(response)

    def mark_done(self, key: str | None) -> None:
        """Mark a page finished outside the pipeline (e.g. refused by robots.txt)."""
        if self.crawl_state is not None and key:
            self.crawl_state.done(key)

    def keep_paging(self, items: list[tuple[str | None, date | None]]) -> bool:
        """Whether to fetch the next listing page after one holding ``items`` (frontier key, item date).

        Stop on an empty page and on a page entirely older than --since. Otherwise go on while a backfill is
        incomplete or nothing is known yet; an incremental crawl stops at a page whose items were all stored
        by earlier runs.
        """
        if not items:
            return False
        if self.since and all(d is not None and d < self.since for _, d in items):
            return False
        state = self.crawl_state
        if state is None or self.backfill_active or state.first_run():
            return True
        fresh = [k for k, _ in items if k and not state.known_before(k)]
        if not fresh:
            self._stat("sgwatch/listing/stopped_at_known_page")
        return bool(fresh)
