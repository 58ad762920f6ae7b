"""Item pipelines: validate and normalise what spiders yield, then write statements to the store.

Both pipelines read sgwatch's ``Settings`` from the Scrapy setting ``SGWATCH_SETTINGS`` (put there by
``crawler.settings.scrapy_settings``; a plain ``scrapy crawl`` falls back to ``Settings()`` from the
environment) and open the store with ``core.store.open_store`` in ``open_spider``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.spiders import Spider
from scrapy.statscollectors import StatsCollector

from core.config import Settings
from core.errors import StoreError
from core.models import SourceRef, Statement, body_fingerprint, statement_id_for
from core.store import Store, open_store
from crawler import extract as x
from crawler.items import SkippedPage

logger = logging.getLogger(__name__)

_INLINE_FIELDS = ("title", "location", "speaker", "speaker_role", "delivered_by", "lead")


def sgwatch_settings(crawler: Crawler) -> Settings:
    """The sgwatch Settings carried by a crawler (or a fresh one from the environment)."""
    sg = crawler.settings.get("SGWATCH_SETTINGS")
    return sg if isinstance(sg, Settings) else Settings()


def normalise_item(item: dict[str, Any]) -> dict[str, Any]:
    """Normalised copy of a statement item: text fields cleaned, id and fingerprint derived from url and text."""
    out = dict(item)
    out["text"] = x.normalize_text(out.get("text"))
    for f in _INLINE_FIELDS:
        if out.get(f) is not None:
            out[f] = x.normalize_inline(out[f]) or None
    if not out.get("title"):
        out["title"] = ""
    out["translations"] = [
        {"language": t["language"], "text": x.normalize_text(t["text"])}
        for t in out.get("translations") or [] if t.get("text")
    ]
    out["turns"] = [
        {"speaker": x.normalize_inline(t["speaker"]), "text": x.normalize_text(t["text"])}
        for t in out.get("turns") or []
    ]
    out["symbols"] = [x.normalize_inline(s) for s in out.get("symbols") or [] if s]
    out.pop("id", None)
    out.pop("crawl_key", None)
    out["url"] = x.canonical_url(out["url"]) if out.get("url") else ""
    out["id"] = statement_id_for(out["url"])
    out["fingerprint"] = body_fingerprint(out["text"])
    if not out.get("sources"):
        out["sources"] = [{"source": out.get("source"), "url": out["url"], "title": out.get("title"),
                           "release_date": out.get("release_date"), "symbols": out["symbols"]}]
    return out


class _StorePipeline:
    """Shared plumbing: sgwatch settings from the crawler, one store per spider run, stats."""

    def __init__(self, settings: Settings, stats: StatsCollector) -> None:
        self.settings = settings
        self.stats = stats
        self.store: Store | None = None
        self.crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        """Build from the crawler's SGWATCH_SETTINGS and stats."""
        assert crawler.stats is not None
        pipe = cls(sgwatch_settings(crawler), crawler.stats)
        pipe.crawler = crawler
        return pipe

    def _crawl_state(self) -> Any:
        """The running spider's CrawlState (None in tests without a crawl)."""
        spider = getattr(self.crawler, "spider", None) if self.crawler is not None else None
        return getattr(spider, "crawl_state", None)

    def _pending_keys(self) -> dict[str, list[str]]:
        """Statement id -> frontier keys waiting for that statement's commit (shared by both pipelines)."""
        spider = getattr(self.crawler, "spider", None) if self.crawler is not None else None
        if spider is None:
            return {}
        keys: dict[str, list[str]] | None = getattr(spider, "sgwatch_pending_keys", None)
        if keys is None:
            keys = {}
            spider.sgwatch_pending_keys = keys
        return keys

    def open_spider(self, spider: Spider | None = None) -> None:
        """Open the store (creating the data directory)."""
        self.settings.ensure_dirs()
        self.store = open_store(self.settings)

    def close_spider(self, spider: Spider | None = None) -> None:
        """Close the store."""
        if self.store is not None:
            self.store.close()
            self.store = None

    def _event(self, source: str, url: str, outcome: str, reason: str | None = None,
               month: str | None = None, extraction: dict[str, str] | None = None) -> None:
        assert self.store is not None
        try:
            self.store.record_crawl_event(source, url, outcome, reason=reason, month=month, extraction=extraction)
        except StoreError as exc:
            # Losing a log line must not stop the crawl; the statement itself is what matters.
            logger.warning("could not record crawl event for %s: %s", url, exc)


class ValidationPipeline(_StorePipeline):
    """SkippedPage -> crawl log + stats + DropItem; statement dicts -> normalised, validated Statement."""

    def process_item(self, item: Any, spider: Spider | None = None) -> Statement:
        """Validate one item; malformed or skipped items are logged, counted and dropped."""
        if isinstance(item, SkippedPage):
            self.stats.inc_value(f"sgwatch/skipped/{item.reason}")
            month = None
            d = x.url_date(item.url)
            if d:
                month = d.strftime("%Y-%m")
            self._event(item.source, item.url, "skipped", reason=item.reason, month=month)
            state = self._crawl_state()
            if state is not None and item.key:
                if item.retry:
                    attempts = state.failed(item.key)
                    logger.info("%s failed (%s), attempt %d: fetched again next run", item.url, item.detail, attempts)
                else:
                    state.done(item.key)
            raise DropItem(f"skipped {item.url}: {item.reason} {item.detail}".rstrip(), log_level="INFO")
        if isinstance(item, Statement):
            return item
        if not isinstance(item, dict):
            self.stats.inc_value("sgwatch/skipped/invalid")
            raise DropItem(f"unknown item type {type(item).__name__}")
        try:
            norm = normalise_item(item)
            if not norm["text"] or not norm["title"]:
                raise ValueError("empty title or text")
            statement = Statement.model_validate(norm)
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            self.stats.inc_value("sgwatch/skipped/invalid")
            url = str(item.get("url") or "")
            self._event(str(item.get("source") or "unknown"), url, "skipped", reason="invalid")
            state = self._crawl_state()
            if state is not None and item.get("crawl_key"):
                state.done(item["crawl_key"])  # a malformed page stays malformed; do not loop on it
            logger.warning("invalid statement item %s: %s", url, exc)
            raise DropItem(f"invalid statement {url}: {exc}") from exc
        if item.get("crawl_key"):
            self._pending_keys().setdefault(statement.id, []).append(item["crawl_key"])
        if statement.fetched_at is None:
            statement = statement.model_copy(update={"fetched_at": datetime.now(UTC)})
        # The statement's own source reference carries its per-site title/date (kept when merged).
        if not statement.sources:
            statement.sources = [SourceRef(source=statement.source, url=statement.url, title=statement.title,
                                           release_date=statement.release_date, symbols=statement.symbols)]
        return statement


class StoreWriterPipeline(_StorePipeline):
    """Upsert validated statements in small batches; record 'stored' events and count the outcomes."""

    def __init__(self, settings: Settings, stats: StatsCollector, batch_size: int = 20) -> None:
        super().__init__(settings, stats)
        self.batch_size = batch_size
        self.buffer: list[Statement] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreWriterPipeline:
        """Build from the crawler's settings (batch size SGWATCH_STORE_BATCH)."""
        assert crawler.stats is not None
        pipe = cls(sgwatch_settings(crawler), crawler.stats,
                   batch_size=max(1, crawler.settings.getint("SGWATCH_STORE_BATCH", 20)))
        pipe.crawler = crawler
        return pipe

    def process_item(self, item: Statement, spider: Spider | None = None) -> Statement:
        """Buffer a statement; flush when the batch is full."""
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Write the buffered statements in one upsert and log each one."""
        if not self.buffer or self.store is None:
            return
        batch, self.buffer = self.buffer, []
        result = self.store.upsert_statements(batch)
        self.stats.inc_value("sgwatch/items", len(batch))
        self.stats.inc_value("sgwatch/inserted", result.inserted)
        self.stats.inc_value("sgwatch/updated", result.updated)
        self.stats.inc_value("sgwatch/stored", result.inserted + result.updated)
        self.stats.inc_value("sgwatch/merged", result.merged)
        self.stats.inc_value("sgwatch/unchanged", result.unchanged)
        state = self._crawl_state()
        pending = self._pending_keys()
        for st in batch:
            self._event(st.source, st.url, "stored", month=st.month, extraction=st.extraction)
            # Only now, with the statement committed, is its page done: a crawl killed before this line
            # fetches the page again on resume.
            for key in pending.pop(st.id, []):
                if state is not None:
                    state.done(key)
        logger.info("store: %d statements (%d new, %d updated, %d merged, %d unchanged)",
                    len(batch), result.inserted, result.updated, result.merged, result.unchanged)

    def close_spider(self, spider: Spider | None = None) -> None:
        """Flush what is left, then close the store (before the spider's crawl state closes)."""
        try:
            self.flush()
        finally:
            super().close_spider(spider)
