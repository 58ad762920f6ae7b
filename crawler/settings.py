"""Scrapy settings for sgwatch (scrapy.cfg points here) and :func:`scrapy_settings`, which builds them.

The module-level names are the static defaults (what ``scrapy crawl un_sg`` sees). Runtime crawls go
through :func:`scrapy_settings`, which adds what depends on sgwatch's ``Settings``: User-Agent, per-host
delays, HTTP cache, page limit (crawl state and resume live in ``crawler.state``, not in a JOBDIR). The
sgwatch ``Settings`` object itself travels in the
Scrapy settings as ``SGWATCH_SETTINGS``; spiders and pipelines read it from there (and build a fresh
``Settings()`` from the environment only when it is missing, i.e. under the plain ``scrapy`` command).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.extensions.throttle import AutoThrottle
from scrapy.settings import Settings as ScrapySettings

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from core.config import Settings

BOT_NAME = "sgwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
USER_AGENT = "sgwatch/0.1 (+https://github.com/sgwatch/sgwatch)"
# Politeness: one request at a time per host; the delays come from sgwatch Settings (DOWNLOAD_SLOTS).
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 10.0
DOWNLOAD_DELAY_JITTER = 0
DOWNLOAD_TIMEOUT = 60
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Nothing else listens: no remote-control HTTP endpoint during crawls.
REMOTE_CONTROL_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# AutoThrottle may slow down on a struggling server, never go below the per-host delay.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 10.0
AUTOTHROTTLE_MAX_DELAY = 120.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOADER_MIDDLEWARES = {"crawler.settings.NetlocSlotMiddleware": 50, "crawler.state.ConditionalGetMiddleware": 60}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.settings.SlotFloorAutoThrottle": 0,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ValidationPipeline": 100,
    "crawler.pipelines.StoreWriterPipeline": 800,
}
# Statements are written in small batches (flushed on close). A batch lost to a kill is fetched again on resume
# (crawler.state), so small batches only bound that re-work; at www.un.org's 10 s delay, 5 pages is under a minute.
SGWATCH_STORE_BATCH = 5

LOG_LEVEL = "INFO"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"


def netloc(url: str) -> str:
    """host:port of a URL, lower-cased (the download-slot key: sample sites share 127.0.0.1)."""
    return urlsplit(url).netloc.lower()


class NetlocSlotMiddleware:
    """Key download slots by host:port so two sites on one host (the sample servers) get their own delays."""

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Set meta['download_slot'] to the request's netloc unless a slot is already chosen."""
        request.meta.setdefault("download_slot", netloc(request.url))


class SlotFloorAutoThrottle(AutoThrottle):
    """AutoThrottle whose lower bound is each slot's configured delay (DOWNLOAD_SLOTS), not one global delay."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._floors: dict[str, float] = {
            k: float(v.get("delay", 0.0)) for k, v in crawler.settings.getdict("DOWNLOAD_SLOTS").items()
        }

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        key, slot = self._get_slot(request, spider)
        if slot is None or key is None:
            return
        floor = self._floors.get(key, self.mindelay)
        super()._response_downloaded(response, request, spider)
        slot.delay = max(slot.delay, floor)


def site_delays(settings: Settings) -> dict[str, float]:
    """Per-netloc delay for each configured site (www.un.org 10 s by default)."""
    delays: dict[str, float] = {}
    for base, delay in ((settings.un_sg_base_url, settings.un_sg_download_delay),
                        (settings.un_press_base_url, settings.un_press_download_delay)):
        key = netloc(base)
        # If two sites share a netloc, the stricter delay wins.
        delays[key] = max(delay, delays.get(key, 0.0))
    return delays


def scrapy_settings(settings: Settings) -> ScrapySettings:
    """Build the runtime Scrapy settings from sgwatch's Settings (pass the result to CrawlerProcess)."""
    s = ScrapySettings()
    s.setmodule("crawler.settings", priority="project")
    delays = site_delays(settings)
    slots: dict[str, dict[str, Any]] = {k: {"concurrency": 1, "delay": d} for k, d in delays.items()}
    min_delay = min(delays.values()) if delays else 0.0
    overrides: dict[str, Any] = {
        "SGWATCH_SETTINGS": settings,
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_SLOTS": slots,
        # Hosts outside the configured sites (none expected) get the gentlest configured delay.
        "DOWNLOAD_DELAY": min_delay,
        "AUTOTHROTTLE_ENABLED": max(delays.values(), default=0.0) > 0,
        "AUTOTHROTTLE_START_DELAY": max(delays.values(), default=0.0),
        "CLOSESPIDER_PAGECOUNT": max(0, settings.crawl_max_pages),
        "LOG_LEVEL": "INFO",
    }
    if settings.http_cache:
        overrides.update({
            "HTTPCACHE_ENABLED": True,
            "HTTPCACHE_DIR": str((settings.crawl_state_dir / "httpcache").resolve()),
            # RFC 2616 policy revalidates with If-None-Match / If-Modified-Since (conditional GETs).
            "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
            "HTTPCACHE_IGNORE_HTTP_CODES": [500, 502, 503, 504],
        })
    s.setdict(overrides, priority="cmdline")
    return s


