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


LISTING = EXPECTED["listing"]


def _listing(page: int, spider: UnSgSpider) -> list[Request]:
    query = f"?page={page}" if page else ""
    path = LISTING["path"]
    resp = file_response(site_file(SITE, path + query), f"{spider.base}{path}{query}")
    return list(spider.parse_listing(resp, page=page))


def test_listing_has_a_first_a_middle_and_a_last_page() -> None:
    assert len(LISTING["items"]) == 3
    assert LISTING["next_page"] == [True, True, False]
    assert all(LISTING["pages"]) and LISTING["pages"] == [len(items) for items in LISTING["items"]]


@pytest.mark.parametrize("page", range(3), ids=["first", "middle", "last"])
def test_listing_page_follows_its_english_items_and_the_next_page(page: int) -> None:
    local = "http://127.0.0.1:8000"
    spider = make_spider(base=local)
    reqs = _listing(page, spider)
    details = [r for r in reqs if r.callback == spider.parse_detail]
    nxt = [r for r in reqs if r.callback == spider.parse_listing]
    items = [i for i in LISTING["items"][page] if i["followed"]]
    # Every English item, in listing order, on the configured base; dates and venues from the item line.
    assert [r.url for r in details] == [i["url"].replace(BASE, local) for i in items]
    assert [r.meta["listed_date"] for r in details] == [i["date"] for i in items]
    assert [r.meta["listed_venue"] for r in details] == [i["venue"] for i in items]
    assert not any("/sg/ar/" in r.url for r in reqs)
    expected_next = [f"{local}{LISTING['path']}?page={page + 1}"] if LISTING["next_page"][page] else []
    assert [r.url for r in nxt] == expected_next


def test_listing_skips_the_untranslated_item_and_keeps_the_rev_1_item() -> None:
    every = [i for page in LISTING["items"] for i in page]
    untranslated = [i for i in every if i["title"].startswith("English translation unavailable")]
    assert len(untranslated) == 1 and not untranslated[0]["followed"]
    rev1 = [i for i in every if i["title"].endswith("Rev. 1")]
    assert len(rev1) == 1 and rev1[0]["followed"]
    requested = {r.url for page in range(3) for r in _listing(page, make_spider())}
    assert untranslated[0]["url"] not in requested
    assert rev1[0]["url"] in requested


def test_listing_first_item() -> None:
    spider = make_spider()
    first = next(r for r in _listing(0, spider) if r.callback == spider.parse_detail)
    assert first.url == LISTING["first_item"]["url"]
    assert first.meta["listed_date"] == LISTING["first_item"]["date"]
    assert first.meta["listed_venue"] == LISTING["first_item"]["venue"]


SINCE = date.fromisoformat(LISTING["items"][1][3]["date"])  # a date inside the middle page


@pytest.mark.parametrize("page", range(3), ids=["first", "middle", "last"])
def test_listing_with_since_skips_older_items_and_stops_paging(page: int) -> None:
    spider = make_spider(since=SINCE)
    reqs = _listing(page, spider)
    details = [r.url for r in reqs if r.callback == spider.parse_detail]
    items = LISTING["items"][page]
    assert details == [i["url"] for i in items if i["followed"] and i["date"] >= SINCE.isoformat()]
    # The next page is asked for only while this one still had items on or after --since.
    more = LISTING["next_page"][page] and any(i["date"] >= SINCE.isoformat() for i in items)
    assert any(r.callback == spider.parse_listing for r in reqs) == more


def test_rss_links_are_canonicalised_onto_the_base() -> None:
    spider = make_spider(base="http://127.0.0.1:8000")
    resp = file_response(SITE / "sg/en/rss.xml", "http://127.0.0.1:8000/sg/en/rss.xml")
    reqs = list(spider.parse_rss(resp))
    assert [r.url.replace("http://127.0.0.1:8000", BASE) for r in reqs] == EXPECTED["rss"]["links"]


def test_rss_with_since() -> None:
    spider = make_spider(since=date(2020, 1, 1))
    resp = file_response(SITE / "sg/en/rss.xml", BASE + "/sg/en/rss.xml")
    assert len(list(spider.parse_rss(resp))) == 3


SPK = EXPECTED["spokesperson_rss"]


def _spokesperson_feed(spider: UnSgSpider) -> list[Request]:
    # Served as rss.asp: file_response gives an HtmlResponse, as Scrapy would for a text/html Content-Type.
    resp = file_response(SITE / SPK["path"].lstrip("/"), spider.base + SPK["path"])
    return list(spider.parse_rss(resp))


def test_spokesperson_feed_relative_links_and_day_first_dates() -> None:
    raw = (SITE / SPK["path"].lstrip("/")).read_text(encoding="utf-8")
    assert "<link>/sg/en/content/" in raw and " - " in raw  # relative links, "DD/MM/YYYY - HH:MM"
    local = "http://127.0.0.1:8000"
    reqs = _spokesperson_feed(make_spider(base=local))
    assert len(reqs) == SPK["items"]
    assert [r.url for r in reqs] == [u.replace(BASE, local) for u in SPK["links"]]
    assert [r.meta["listed_date"] for r in reqs] == SPK["dates"]


def test_spokesperson_feed_with_since() -> None:
    since = date(2020, 1, 1)
    reqs = _spokesperson_feed(make_spider(since=since))
    assert [r.meta["listed_date"] for r in reqs] == [d for d in SPK["dates"] if d >= since.isoformat()]


def test_spokesperson_feed_mixes_dsg_items_and_notes_and_classifies_them() -> None:
    by_url = {p["url"]: p for p in EXPECTED["pages"]}
    got = []
    for url in SPK["links"]:
        item = detail_item(by_url[url]["key"])
        got.append((item["doc_type"], item["speaker_role"]))
    assert got == list(zip(SPK["doc_types"], SPK["speaker_roles"], strict=True))
    assert {"note_to_correspondents", "message"} <= set(SPK["doc_types"])
    assert {"Deputy Secretary-General", "Spokesperson", "Secretary-General"} <= set(SPK["speaker_roles"])


def test_note_url_date_differs_from_its_feed_date() -> None:
    note = next(p for p in EXPECTED["pages"] if p["doc_type"] == "note_to_correspondents")
    assert "/note-correspondents/" in note["url"]
    assert SPK["dates"][SPK["links"].index(note["url"])] != note["url_date"]


def test_bilingual_as_delivered_page_keeps_the_all_english_version_only() -> None:
    page = next(p for p in EXPECTED["pages"] if p["key"] == "hrc-2019-bilingual-as-delivered")
    item = detail_item(page["key"])
    assert item["delivery_status"] == "as_delivered"
    assert item["translations"] == []
    assert "Monsieur le Président" not in item["text"] and "All-English" not in item["text"]
    raw = (SITE / page["file"]).read_text(encoding="utf-8")
    assert "Monsieur le Président" in raw and "*****" in raw  # the bilingual half is on the page


def test_2024_message_with_video_lines_and_french_slug() -> None:
    page = next(p for p in EXPECTED["pages"] if p["key"] == "evaw-2024-video-french")
    assert page["url_date"].startswith("2024-") and page["url"].endswith("-scroll-down-for-french-version")
    raw = (SITE / page["file"]).read_text(encoding="utf-8")
    assert "Download the video:" in raw and "Watch the video on webtv.un.org:" in raw
    item = detail_item(page["key"])
    assert "video" not in item["text"].lower()
    assert [t["language"] for t in item["translations"]] == ["fr"]


def test_three_dates_page_keeps_url_and_release_dates_apart() -> None:
    three = EXPECTED["three_dates"]
    page = next(p for p in EXPECTED["pages"] if p["url"] == three["url"])
    item = detail_item(page["key"])
    assert item["url_date"].isoformat() == three["url_date"]
    assert item["release_date"].isoformat() == three["release_date"]
    assert page["cross_site"]


META_KEYS = {"key", "gold_id", "template", "file", "cross_site", "note"}


def test_every_expected_field_is_asserted() -> None:
    for page in EXPECTED["pages"]:
        assert set(page) - META_KEYS <= set(FIELDS), page["key"]


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
        # A listing links to it, so a crawler that ignored robots.txt would fetch it.
        assert any(i["url"] == url and i["followed"] for page in LISTING["items"] for i in page)
    for page in EXPECTED["pages"]:
        assert robots.can_fetch(page["url"], ua)
    assert robots.crawl_delay(ua) == 10
    for bot in ("GPTBot", "ClaudeBot", "CCBot"):
        assert not robots.can_fetch(BASE + "/sg/en/content/sg/speeches/x", bot)
    for feed in (EXPECTED["rss"]["path"], SPK["path"], LISTING["path"]):
        assert robots.can_fetch(BASE + feed, ua)
    assert not robots.can_fetch(BASE + "/sg/en/search/node", ua)
    # Drupal's 37 wildcard disallows plus the shortlink block in the * group, no Sitemap (SOURCES.md §2).
    text = (SITE / "robots.txt").read_text(encoding="utf-8")
    star = text.split("User-agent: *", 1)[1]
    assert sum(line.startswith("Disallow:") for line in star.splitlines()) == 38
    assert "Sitemap:" not in text
