"""Pipelines against a real SQLite store: skipped pages logged and counted, statements validated and upserted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from core.config import Settings
from core.models import Statement, body_fingerprint, statement_id_for
from core.store import open_store
from crawler.items import SkippedPage
from crawler.pipelines import StoreWriterPipeline, ValidationPipeline, normalise_item
from crawler.spiders.un_sg import UnSgSpider

BODY = ("Human rights defenders give voice to the voiceless and shield the powerless against injustice.\n\n"
        "They stand for all rights \u2014 economic, civil, political, social and cultural.")


def item(url: str = "https://www.un.org/sg/en/content/sg/speeches/2018-12-18/hr-prize", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "url": url, "source": "un.org/sg", "doc_type": "speech",
        "title": "Secretary\u2011General\u2019s remarks\u00a0at the  ceremony",
        "text": BODY.replace(" give ", "\u00a0give "), "language": "en", "translations": [], "turns": [],
        "release_date": date(2018, 12, 18), "delivery_date": date(2018, 12, 18), "url_date": date(2018, 12, 18),
        "location": "New York", "speaker": "Ant\u00f3nio Guterres", "speaker_role": "Secretary-General",
        "symbols": [], "extraction": {"title": "selector", "text": "selector"},
    }
    base.update(kw)
    return base


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture()
def crawler(settings: Settings) -> Crawler:
    return get_crawler(UnSgSpider, {"SGWATCH_SETTINGS": settings, "SGWATCH_STORE_BATCH": 2})


@pytest.fixture()
def pipelines(crawler: Crawler) -> Iterator[tuple[ValidationPipeline, StoreWriterPipeline]]:
    v = ValidationPipeline.from_crawler(crawler)
    w = StoreWriterPipeline.from_crawler(crawler)
    v.open_spider()
    w.open_spider()
    yield v, w
    w.close_spider()
    v.close_spider()


def run(pipes: tuple[ValidationPipeline, StoreWriterPipeline], it: Any) -> Statement:
    v, w = pipes
    return w.process_item(v.process_item(it))


def test_normalise_item_derives_id_and_fingerprint() -> None:
    out = normalise_item(item(url="http://static.un.org/sg/en/content/sg/speeches/2018-12-18/hr-prize?x=1"))
    assert out["url"] == "https://www.un.org/sg/en/content/sg/speeches/2018-12-18/hr-prize"
    assert out["id"] == statement_id_for(out["url"])
    assert out["fingerprint"] == body_fingerprint(BODY)
    assert out["title"] == "Secretary-General's remarks at the ceremony"
    assert "\u00a0" not in out["text"]


def test_statement_is_validated_and_stored(pipelines: tuple[ValidationPipeline, StoreWriterPipeline],
                                           crawler: Crawler, settings: Settings) -> None:
    st = run(pipelines, item())
    assert isinstance(st, Statement)
    assert st.fetched_at is not None
    pipelines[1].flush()
    store = open_store(settings)
    try:
        stored = store.statement(statement_id_for("https://www.un.org/sg/en/content/sg/speeches/2018-12-18/hr-prize"))
        assert stored is not None
        assert stored.title == "Secretary-General's remarks at the ceremony"
        assert stored.text == BODY
        assert stored.release_date == date(2018, 12, 18)
        assert stored.extraction == {"title": "selector", "text": "selector"}
        assert store.stats()["crawl"]["stored"] == 1
    finally:
        store.close()
    assert crawler.stats.get_value("sgwatch/stored") == 1
    assert crawler.stats.get_value("sgwatch/inserted") == 1


def test_skipped_page_is_logged_counted_and_dropped(pipelines: tuple[ValidationPipeline, StoreWriterPipeline],
                                                    crawler: Crawler, settings: Settings) -> None:
    url = "https://www.un.org/sg/en/content/sg/statement/2015-10-13/remarks"
    with pytest.raises(DropItem):
        run(pipelines, SkippedPage(url=url, source="un.org/sg", reason="http_error", detail="HTTP 503"))
    with pytest.raises(DropItem):
        run(pipelines, SkippedPage(url=url + "-2", source="un.org/sg", reason="not_html"))
    assert crawler.stats.get_value("sgwatch/skipped/http_error") == 1
    assert crawler.stats.get_value("sgwatch/skipped/not_html") == 1
    store = open_store(settings)
    try:
        assert store.stats()["crawl"]["skipped"] == {"http_error": 1, "not_html": 1}
        assert store.stats()["statements"] == 0
    finally:
        store.close()


@pytest.mark.parametrize("bad", [{"text": "  "}, {"title": ""}, {"doc_type": "poem"}, {"source": "bbc.co.uk"},
                                 {"release_date": "not a date"}])
def test_invalid_statement_is_dropped_as_invalid(pipelines: tuple[ValidationPipeline, StoreWriterPipeline],
                                                 crawler: Crawler, settings: Settings, bad: dict[str, Any]) -> None:
    with pytest.raises(DropItem):
        run(pipelines, item(**bad))
    assert crawler.stats.get_value("sgwatch/skipped/invalid") == 1
    store = open_store(settings)
    try:
        assert store.stats()["crawl"]["skipped"] == {"invalid": 1}
    finally:
        store.close()


def test_batches_flush_on_size_and_close(crawler: Crawler, settings: Settings) -> None:
    v = ValidationPipeline.from_crawler(crawler)
    w = StoreWriterPipeline.from_crawler(crawler)
    v.open_spider()
    w.open_spider()
    for i in range(3):
        w.process_item(v.process_item(item(url=f"https://www.un.org/sg/en/content/sg/speeches/2018-12-18/s{i}",
                                           text=f"Speech number {i}. " + BODY)))
    assert len(w.buffer) == 1  # batch size 2: one flush happened
    w.close_spider()
    v.close_spider()
    assert crawler.stats.get_value("sgwatch/items") == 3
    store = open_store(settings)
    try:
        assert store.stats()["statements"] == 3
    finally:
        store.close()


def test_same_body_on_both_sites_is_merged_and_recrawl_is_unchanged(crawler: Crawler, settings: Settings) -> None:
    def crawl_once() -> None:
        v = ValidationPipeline.from_crawler(crawler)
        w = StoreWriterPipeline.from_crawler(crawler)
        v.open_spider()
        w.open_spider()
        w.process_item(v.process_item(item()))
        w.process_item(v.process_item(item(
            url="https://press.un.org/en/2018/sgsm19413.doc.htm", source="press.un.org", doc_type="speech",
            title="Human Rights Defenders Give Voice to Voiceless", symbols=["SG/SM/19413"])))
        w.close_spider()
        v.close_spider()

    crawl_once()
    assert crawler.stats.get_value("sgwatch/merged") == 1
    crawl_once()
    assert crawler.stats.get_value("sgwatch/unchanged") == 2
    store = open_store(settings)
    try:
        st = store.statement(statement_id_for("https://press.un.org/en/2018/sgsm19413.doc.htm"))
        assert st is not None
        assert sorted(s.source for s in st.sources) == ["press.un.org", "un.org/sg"]
        assert store.stats()["statements"] == 1
    finally:
        store.close()


# --- runtime Scrapy settings ------------------------------------------------------------------------

def test_scrapy_settings_from_sgwatch_settings(tmp_path: Path) -> None:
    from crawler.settings import scrapy_settings

    sg = Settings(data_dir=tmp_path, un_sg_base_url="http://127.0.0.1:8001", un_press_base_url="http://127.0.0.1:8002",
                  un_sg_download_delay=0, un_press_download_delay=1.5, crawl_max_pages=7, http_cache=True,
                  contact="mailto:ops@example.org")
    s = scrapy_settings(sg)
    assert s.get("SGWATCH_SETTINGS") is sg
    assert s.getbool("ROBOTSTXT_OBEY")
    assert s.get("USER_AGENT") == "sgwatch/0.1 (+mailto:ops@example.org)"
    # Same host, different ports: one slot each, keyed by host:port.
    assert s.getdict("DOWNLOAD_SLOTS") == {"127.0.0.1:8001": {"concurrency": 1, "delay": 0.0},
                                           "127.0.0.1:8002": {"concurrency": 1, "delay": 1.5}}
    assert s.getint("CLOSESPIDER_PAGECOUNT") == 7
    assert s.getbool("HTTPCACHE_ENABLED")
    assert s.get("HTTPCACHE_DIR") == str((tmp_path / "crawl" / "httpcache").resolve())
    assert s.get("JOBDIR") is None  # resume state lives in crawler.state (kill -9 safe), not a JOBDIR
    assert s.getbool("AUTOTHROTTLE_ENABLED")


def test_scrapy_settings_defaults_are_polite() -> None:
    from crawler.settings import scrapy_settings

    s = scrapy_settings(Settings())
    assert s.getdict("DOWNLOAD_SLOTS")["www.un.org"]["delay"] == 10.0
    assert s.getdict("DOWNLOAD_SLOTS")["press.un.org"]["delay"] == 2.0
    assert not s.getbool("HTTPCACHE_ENABLED")
    assert s.getint("CLOSESPIDER_PAGECOUNT") == 0
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1


def test_netloc_slot_middleware_keys_slots_by_port() -> None:
    from scrapy import Request

    from crawler.settings import NetlocSlotMiddleware

    mw = NetlocSlotMiddleware()
    a, b = Request("http://127.0.0.1:8001/sg/en/rss.xml"), Request("http://127.0.0.1:8002/en/rss.xml")
    mw.process_request(a)
    mw.process_request(b)
    assert (a.meta["download_slot"], b.meta["download_slot"]) == ("127.0.0.1:8001", "127.0.0.1:8002")
