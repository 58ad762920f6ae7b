"""Run sgwatch's spiders in-process and summarise what they did.

Scrapy's Twisted reactor cannot be restarted in one process, so :func:`run_crawl` runs once per
process; the CLI and the tests start a fresh process for each crawl (``python -m crawler.runner``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.logformatter import LogFormatter
from scrapy.settings import Settings as ScrapySettings
from scrapy.spiders import Spider

from core.config import Settings
from core.errors import ConfigError
from crawler.settings import scrapy_settings

logger = logging.getLogger(__name__)

DEFAULT_SPIDERS = ["un_sg", "un_press"]


class ProgressExtension:
    """A rich progress bar per spider: pages fetched, statements stored / merged / unchanged, skipped, rate."""

    _progress: Any = None  # one rich Progress shared by the spiders of this process
    _open = 0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started = time.monotonic()
        self.task: Any = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.update, signal=signals.response_received)
        crawler.signals.connect(self.update, signal=signals.item_scraped)
        crawler.signals.connect(self.update, signal=signals.item_dropped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        """Enabled by run_crawl(progress=True)."""
        return cls(crawler)

    def _fields(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        s = self.crawler.stats.get_stats()
        elapsed = max(time.monotonic() - self.started, 1e-6)
        fetched = int(s.get("response_received_count", 0))
        skipped = sum(v for k, v in s.items() if k.startswith("sgwatch/skipped/"))
        return {"completed": fetched, "stored": s.get("sgwatch/stored", 0), "merged": s.get("sgwatch/merged", 0),
                "unchanged": s.get("sgwatch/unchanged", 0), "skipped": skipped,
                "rate": f"{fetched / elapsed:.1f} pages/s"}

    def opened(self, spider: Spider) -> None:
        """Add this spider's bar (and start the display with the first spider)."""
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        cls = ProgressExtension
        if cls._progress is None:
            cls._progress = Progress(
                SpinnerColumn(), TextColumn("[bold]{task.description:<9}"),
                TextColumn("{task.completed} pages fetched · {task.fields[stored]} stored, "
                           "{task.fields[merged]} merged, {task.fields[unchanged]} unchanged · "
                           "{task.fields[skipped]} skipped · {task.fields[rate]}"),
                TimeElapsedColumn(), console=Console(stderr=True))
            cls._progress.start()
        cls._open += 1
        self.task = cls._progress.add_task(spider.name, total=None, stored=0, merged=0, unchanged=0, skipped=0,
                                           rate="")

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Refresh this spider's counts."""
        if self.task is not None and ProgressExtension._progress is not None:
            ProgressExtension._progress.update(self.task, **self._fields())

    def closed(self, spider: Spider, reason: str) -> None:
        """Final counts; stop the display when the last spider closes."""
        cls = ProgressExtension
        if self.task is None or cls._progress is None:
            return
        cls._progress.update(self.task, description=f"{spider.name} ✓" if reason == "finished" else
                             f"{spider.name} ({reason})", **self._fields())
        cls._open -= 1
        if cls._open == 0:
            cls._progress.stop()
            cls._progress = None


class QuietLogFormatter(LogFormatter):
    """Scrapy's log lines in words, without dumping whole items into the log."""

    def scraped(self, item: Any, response: Any, spider: Spider) -> Any:
        """One short DEBUG line per statement."""
        title = item.get("title") if isinstance(item, dict) else getattr(item, "title", "")
        return {"level": logging.DEBUG, "msg": "Parsed a statement from %(url)s: %(title)s",
                "args": {"url": getattr(response, "url", "?"), "title": title}}

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Spider) -> Any:
        """One INFO line saying which page was skipped and why."""
        return {"level": logging.INFO, "msg": "%(why)s", "args": {"why": str(exception)}}


def _per_spider_settings(base: ScrapySettings, name: str) -> ScrapySettings:
    # No JOBDIR: its queue and seen-set do not survive kill -9; crawler.state keeps a durable frontier instead.
    return base.copy()


def summarize(stats: dict[str, Any]) -> dict[str, Any]:
    """The summary of one spider's Scrapy stats: fetched, stored, merged, unchanged, skipped by reason."""
    skipped = {k.split("/", 2)[2]: int(v) for k, v in stats.items() if k.startswith("sgwatch/skipped/")}
    return {
        "fetched": int(stats.get("response_received_count", 0)),
        "items": int(stats.get("sgwatch/items", 0)),
        "stored": int(stats.get("sgwatch/stored", 0)),
        "inserted": int(stats.get("sgwatch/inserted", 0)),
        "updated": int(stats.get("sgwatch/updated", 0)),
        "merged": int(stats.get("sgwatch/merged", 0)),
        "unchanged": int(stats.get("sgwatch/unchanged", 0)),
        "skipped": dict(sorted(skipped.items())),
        "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
        "not_modified": int(stats.get("sgwatch/not_modified", 0)),
        "run": int(stats.get("sgwatch/frontier/run", 0)),
        "resumed": bool(stats.get("sgwatch/frontier/resumed", 0)),
        "frontier": {k.rsplit("/", 1)[1]: int(v) for k, v in stats.items()
                     if k.startswith("sgwatch/frontier/") and k.rsplit("/", 1)[1] in ("pending", "done", "failed")},
        "finish_reason": stats.get("finish_reason"),
    }


def run_crawl(settings: Settings, spiders: list[str] | None = None, since: date | None = None,
              progress: bool = True, log_level: str | None = None) -> dict[str, Any]:
    """Crawl the named spiders in one CrawlerProcess (once per process) and return a summary.

    Summary: {"spiders": {name: {fetched, stored, merged, unchanged, skipped: {reason: n}, ...}},
    "totals": {...}}.
    """
    names = list(spiders) if spiders else list(DEFAULT_SPIDERS)
    settings.ensure_dirs()
    base = scrapy_settings(settings)
    base.set("LOG_FORMATTER", "crawler.runner.QuietLogFormatter", priority="cmdline")
    # With a live progress bar, only warnings (skipped pages, errors) are logged unless asked otherwise.
    base.set("LOG_LEVEL", log_level or ("WARNING" if progress else "INFO"), priority="cmdline")
    if progress:
        ext = dict(base.getdict("EXTENSIONS"))
        ext["crawler.runner.ProgressExtension"] = 900
        base.set("EXTENSIONS", ext, priority="cmdline")

    process = CrawlerProcess(base)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its fallback chatter is not news to a user
    available = set(process.spider_loader.list())
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ConfigError(f"unknown spider(s) {', '.join(unknown)}; available: {', '.join(sorted(available))}")
    crawlers: dict[str, Crawler] = {}
    kwargs: dict[str, Any] = {"since": since.isoformat()} if since else {}
    for i, name in enumerate(names):
        # Own Crawler objects so each spider's stats can be read afterwards; the first one installs the reactor.
        crawler = Crawler(process.spider_loader.load(name), _per_spider_settings(base, name), init_reactor=i == 0)
        crawlers[name] = crawler
        process.crawl(crawler, **kwargs)
    process.start()

    per = {name: summarize(c.stats.get_stats() if c.stats else {}) for name, c in crawlers.items()}
    totals: dict[str, Any] = {k: sum(p[k] for p in per.values())
                              for k in ("fetched", "items", "stored", "inserted", "updated", "merged", "unchanged",
                                        "robots_forbidden")}
    skipped: dict[str, int] = {}
    for p in per.values():
        for reason, n in p["skipped"].items():
            skipped[reason] = skipped.get(reason, 0) + n
    totals["skipped"] = dict(sorted(skipped.items()))
    return {"spiders": per, "totals": totals}


def main(argv: list[str] | None = None) -> int:
    """`python -m crawler.runner`: crawl with settings from the environment, print the summary as JSON."""
    parser = argparse.ArgumentParser(prog="python -m crawler.runner", description="Crawl the UN SG sources.")
    parser.add_argument("--spiders", nargs="+", default=DEFAULT_SPIDERS, help="spider names (default: both)")
    parser.add_argument("--since", type=date.fromisoformat, default=None, help="only items on/after YYYY-MM-DD")
    parser.add_argument("--no-progress", action="store_true", help="no live progress lines")
    parser.add_argument("--summary-out", type=Path, default=None, help="also write the summary JSON here")
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        summary = run_crawl(settings, args.spiders, since=args.since, progress=not args.no_progress)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(summary, indent=2, sort_keys=True)
    if args.summary_out:
        args.summary_out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
