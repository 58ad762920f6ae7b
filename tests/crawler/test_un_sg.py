"""un_sg spider on the saved www.un.org/sg pages (sample_site/www.un.org), offline, against expected.json.

Naming chain: spider ``un_sg`` -> files under sample_site/www.un.org/ -> ``EXPECTED`` -> tests, one
assertion per field and page.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from core.config import Settings
from crawler.items import SkippedPage
from crawler.spiders.un_sg import UnSgSpider, is_detail_url
from sample_site.server import SAMPLE_ROOT
from tests.crawler.helpers import file_response, site_file

SITE = SAMPLE_ROOT / "www.un.org"
BASE = "https://www.un.org"
EXPECTED: dict[str, Any] = json.loads((SITE / "_expected" / "expected.json").read_text(encoding="utf-8"))
PAGES: dict[str, dict[str, Any]] = {p["key"]: p for p in EXPECTED["pages"]}
FIELDS = ("url", "source", "doc_type", "title", "release_date", "delivery_date", "url_date", "location", "speaker",
          "speaker_role", "delivered_by", "delivery_status", "symbols", "language", "text", "text_start", "text_end",
          "text_paragraphs", "text_length", "has_french", "french_start", "turns", "turn_speakers", "extraction")


def make_spider(since: date | None = None, base: str = BASE) -> UnSgSpider:
    """A un_sg spider bound to a crawler whose sgwatch settings point at `base`."""
    crawler = get_crawler(UnSgSpider, {"SGWATCH_SETTINGS": Settings(un_sg_base_url=base)})
    return UnSgSpider.from_crawler(crawler, since=since)


def parsed_fields(item: dict[str, Any]) -> dict[str, Any]:
    """The spider item in expected.json's shape (dates ISO, text summarised)."""
    text: str = item["text"]
    fr = [t["text"] for t in item["translations"] if t["language"] == "fr"]
    iso = lambda d: d.isoformat() if d else None
    return {
        "url": item["url"], "source": item["source"], "doc_type": item["doc_type"], "title": item["title"],
        "release_date": iso(item["release_date"]), "delivery_date": iso(item["delivery_date"]),
        "url_date": iso(item["url_date"]), "location": item["location"], "speaker": item["speaker"],
        "speaker_role": item["speaker_role"], "delivered_by": item["delivered_by"],
        "delivery_status": item["delivery_status"], "symbols": item["symbols"], "language": item["language"],
        "text": text, "text_start": text[:60], "text_end": text[-60:], "text_paragraphs": text.count("\n\n") + 1,
        "text_length": len(text), "has_french": bool(fr), "french_start": fr[0][:60] if fr else None,
        "turns": len(item["turns"]), "turn_speakers": [t["speaker"] for t in item["turns"]],
        "extraction": {k: v for k, v in item["extraction"].items() if k in PAGES_EXTRACTION_KEYS},
    }


PAGES_EXTRACTION_KEYS = ("url", "title", "text", "release_date", "location", "speaker")


def detail_item(key: str) -> dict[str, Any]:
    page = PAGES[key]
    results = list(make_spider().parse_detail(file_response(SITE / page["file"], page["url"])))
    assert len(results) == 1
    assert isinstance(results[0], dict), results[0]
    return results[0]


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, Any]]:
    """Every detail page parsed once."""
    return {key: parsed_fields(detail_item(key)) for key in PAGES}


@pytest.mark.parametrize("key", sorted(PAGES))
@pytest.mark.parametrize("field", FIELDS)
def test_detail_field(parsed: dict[str, dict[str, Any]], key: str, field: str) -> None:
    assert parsed[key][field] == PAGES[key][field]


def test_sample_covers_the_page_shapes() -> None:
    pages = EXPECTED["pages"]
    assert len(pages) >= 8
    assert {p["doc_type"] for p in pages} >= {"speech", "message", "press_encounter"}
    assert {urlsplit(p["url"]).path.split("/")[4] for p in pages} >= {"sg", "deputy-secretary-general",
                                                                       "former-secretary-general"}
    assert any("/statements/" in p["url"] for p in pages)
    assert {p["template"] for p in pages} == {"fields", "shaped", "plain"}


def test_cross_site_speech_body_is_gold_passages_2_to_8() -> None:
    gold = None
    gold_file = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gold" / "dev.jsonl"
    for line in gold_file.read_text(encoding="utf-8").splitlines() if gold_file.exists() else []:
        doc = json.loads(line)
        if doc["id"] == "sgsm19413":
            gold = doc
    if gold is None:
        pytest.skip("gold file not available on this machine")
    from crawler.extract import join_paragraphs

    expected = join_paragraphs([p["text"] for p in gold["passages"] if 2 <= p["i"] <= 8])
    assert detail_item("hr-prize-2018")["text"] == expected


def test_press_encounter_turn_texts() -> None:
    turns = detail_item("gyeongju-press-encounter-2016")["turns"]
    assert turns[0]["text"].startswith("Good afternoon,")
    assert turns[1]["text"].startswith("Secretary-General, what do you expect")
    assert turns[2]["text"].count("\n\n") == 2  # the answer runs over three paragraphs


def test_body_has_no_chrome_or_shape_lines() -> None:
    for key in PAGES:
        text = detail_item(key)["text"]
        for junk in ("Skip to main content", "Copyright", "Latest statements", "Watch the video",
                     "Download the video", "UN Photo/", "*****", "[Bilingual", PAGES[key]["location"] + "\n"):
            assert junk not in text, (key, junk)


@pytest.mark.parametrize("skip", EXPECTED["skipped"], ids=lambda s: s["reason"] + ":" + s["url"].rsplit("/", 2)[1])
def test_malformed_page_skip_reason(skip: dict[str, Any]) -> None:
    path = urlsplit(skip["url"]).path
    spider = make_spider()
    if skip["reason"] == "http_error":
        status, _ = __import__("sample_site.server", fromlist=["resolve"]).resolve(SITE, path)
        assert status == skip["status"]
        return
    results = list(spider.parse_detail(file_response(site_file(SITE, path), skip["url"])))
    assert len(results) == 1
    assert isinstance(results[0], SkippedPage)
    assert results[0].reason == skip["reason"]
    assert results[0].url == skip["url"]


def test_errback_turns_http_errors_into_skipped_pages() -> None:
    from scrapy.http import HtmlResponse
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    url = "http://127.0.0.1:9/sg/en/content/sg/speeches/2021-09-10/remarks-press-conference"
    response = HtmlResponse(url=url, status=500, body=b"Internal server error", request=Request(url))
    failure = Failure(HttpError(response, "Ignoring non-200 response"))
    failure.request = Request(url)  # type: ignore[attr-defined]
    spider = make_spider(base="http://127.0.0.1:9")
    (skipped,) = list(spider.on_error(failure))
    assert skipped.reason == "http_error"
    assert skipped.detail == "HTTP 500"
    assert skipped.url == "https://www.un.org/sg/en/content/sg/speeches/2021-09-10/remarks-press-conference"


def _listing(page: int, spider: UnSgSpider) -> list[Request]:
    query = f"?page={page}" if page else ""
    path = EXPECTED["listing"]["path"]
    resp = file_response(site_file(SITE, path + query), f"{spider.base}{path}{query}")
    return list(spider.parse_listing(resp, page=page))


def test_listing_follows_english_detail_links_and_the_next_page() -> None:
    spider = make_spider(base="http://127.0.0.1:8000")
    reqs = _listing(0, spider)
    details = [r for r in reqs if r.callback == spider.parse_detail]
    nxt = [r for r in reqs if r.callback == spider.parse_listing]
    # All but the "English translation unavailable" item are followed, on the configured base.
    assert len(details) == EXPECTED["listing"]["pages"][0] - 1
    assert all(r.url.startswith("http://127.0.0.1:8000/sg/en/") for r in details)
    assert details[0].url == EXPECTED["listing"]["first_item"]["url"].replace(BASE, "http://127.0.0.1:8000")
    assert details[0].meta["listed_date"] == EXPECTED["listing"]["first_item"]["date"]
    assert details[0].meta["listed_venue"] == EXPECTED["listing"]["first_item"]["venue"]
    assert not any("/sg/ar/" in r.url for r in reqs)
    assert [r.url for r in nxt] == ["http://127.0.0.1:8000/sg/en/content/ossg/latest-statements?page=1"]


def test_listing_stops_at_an_empty_page() -> None:
    spider = make_spider()
    assert len(_listing(1, spider)) == EXPECTED["listing"]["pages"][1] + 1  # items + next page
    assert _listing(2, spider) == []


def test_listing_with_since_skips_older_items_and_stops_paging() -> None:
    spider = make_spider(since=date(2021, 1, 1))
    reqs = _listing(0, spider)
    dates = [r.meta["listed_date"] for r in reqs if r.callback == spider.parse_detail]
    assert dates and all(d >= "2021-01-01" for d in dates)
    assert any(r.callback == spider.parse_listing for r in reqs)  # page 0 still had newer items
    assert _listing(1, spider) == []  # everything on page 1 is older: no items, no next page


def test_rss_links_are_canonicalised_onto_the_base() -> None:
    spider = make_spider(base="http://127.0.0.1:8000")
    resp = file_response(SITE / "sg/en/rss.xml", "http://127.0.0.1:8000/sg/en/rss.xml")
    reqs = list(spider.parse_rss(resp))
    assert [r.url.replace("http://127.0.0.1:8000", BASE) for r in reqs] == EXPECTED["rss"]["links"]


def test_rss_with_since() -> None:
    spider = make_spider(since=date(2020, 1, 1))
    resp = file_response(SITE / "sg/en/rss.xml", BASE + "/sg/en/rss.xml")
    assert len(list(spider.parse_rss(resp))) == 3


def test_is_detail_url() -> None:
    assert is_detail_url(BASE + "/sg/en/content/sg/statements/2025-11-22/some-slug")
    assert is_detail_url(BASE + "/sg/en/content/deputy-secretary-general/statement/2023-05-30/x")
    assert is_detail_url(BASE + "/sg/en/node/258971")
    assert not is_detail_url(BASE + "/sg/ar/content/sg/statements/2025-10-15/x")
    assert not is_detail_url(BASE + "/sg/en/content/ossg/latest-statements")


def test_robots_txt_disallows_the_linked_shortlink() -> None:
    from protego import Protego

    robots = Protego.parse((SITE / "robots.txt").read_text(encoding="utf-8"))
    ua = Settings().user_agent
    for url in EXPECTED["robots_blocked"]:
        assert not robots.can_fetch(url, ua)
        # The listing links to it, so a crawler that ignored robots.txt would fetch it.
        listing = (SITE / "sg/en/content/ossg/latest-statements.html").read_text(encoding="utf-8")
        assert urlsplit(url).path in listing
    for page in EXPECTED["pages"]:
        assert robots.can_fetch(page["url"], ua)
    assert robots.crawl_delay(ua) == 10
    assert not robots.can_fetch(BASE + "/sg/en/content/sg/speeches/x", "GPTBot")
