"""Spider for press.un.org: SG/SM (and DSG/SM) releases from the RSS feed and the Secretary-General listing.

Start points: ``/en/rss.xml`` (freshness) and ``/en/content/secretary-general?page=N`` (backfill, from
``page=0`` until a page has no items or only items older than ``since``). Detail pages are
``/en/YYYY/{symbol}.doc.htm``; legacy hosts (``www.un.org/press/en``, ``www.un.org/News/Press/docs``,
``static.un.org/press/en``) are rewritten onto the configured base. A live blog ``/en/blog/{symbol}``
is the same document as the release: the spider keys every link on the lowercase symbol and fetches
each symbol once (a blog whose release it has not seen is fetched and followed to its canonical
release). Links to non-SG series (``sc``, ``ga``, ``sga``, ``sgt``, ``db`` ...) are not fetched: each is
yielded once as ``SkippedPage(reason="not_statement")`` so the crawl log shows why it was left out.

Field paths (``extraction``): ``selector`` = press.un.org markup (h1, symbol field, date fields,
``div.field-body``/``article``); ``text_shape`` = symbol/date header lines and the lead-line grammar;
``generic`` = the page ``<title>``, URL and trafilatura.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.extract import (
    briefing_speaker,
    canonical_url,
    error_page_reason,
    fetch_url,
    generic_main_text,
    guess_language,
    is_followed_press_key,
    is_noon_briefing_key,
    is_press_footer_line,
    is_press_header_line,
    is_press_lead_line,
    is_press_symbol_line,
    is_sg_press_key,
    join_paragraphs,
    looks_binary,
    normalize_inline,
    not_in_english_link,
    page_lines,
    parse_date,
    parse_press_date_line,
    parse_press_lead,
    parse_press_symbols,
    press_delivery_date,
    press_url_date,
    press_url_key,
    shape_date,
    split_languages,
    split_turns,
    symbol_from_press_key,
)
from crawler.items import SkippedPage
from crawler.state import FrontierSpider

SOURCE = "press.un.org"
PUBLIC_BASE = "https://press.un.org"
LISTING_PATH = "/en/content/secretary-general"
RSS_PATH = "/en/rss.xml"
_TITLE_SUFFIX = " | UN Meetings Coverage and Press Releases"

def _default_base_url() -> str:
    from core.config import Settings

    # only under a plain `scrapy crawl` (no SGWATCH_SETTINGS): that command is the process edge
    return Settings().un_press_base_url


def _skip(url: str, reason: str, detail: str = "") -> SkippedPage:
    return SkippedPage(url=url, source=SOURCE, reason=reason, detail=detail)


def _paragraphs(root: Any) -> list[str]:
    """Text of each block element under root, in document order; <br> splits become spaces."""
    out: list[str] = []
    blocks = root.xpath(".//p | .//li | .//h2 | .//h3 | .//h4 | .//blockquote[not(.//p)] | .//pre")
    for block in blocks:
        # a block inside another block (p inside li) is read with its parent
        if block.xpath("ancestor::p | ancestor::li[.//p]"):
            continue
        text = normalize_inline(" ".join(block.xpath(".//text()").getall()))
        if text:
            out.append(text)
    if not out:
        text = normalize_inline(" ".join(root.xpath(".//text()").getall()))
        if text:
            out.append(text)
    return out


def _first(response: TextResponse, queries: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    for kind, query in queries:
        sel = response.css(query) if kind == "css" else response.xpath(query)
        value = sel.get()
        if value and normalize_inline(value):
            return normalize_inline(value), query
    return None, None


def parse_press_detail(response: Response, base_url: str = PUBLIC_BASE) -> dict[str, Any] | SkippedPage:
    """Turn one press.un.org detail page into a statement dict, or a SkippedPage saying why not."""
    url = canonical_url(response.url, site_base=base_url, public_base=PUBLIC_BASE)
    if not isinstance(response, TextResponse) or looks_binary(response.body):
        return _skip(url, "not_html", (response.headers.get("Content-Type") or b"").decode("latin-1"))
    raw = response.text
    if "</html>" not in raw[-4096:].lower():
        # a cut-off transfer: a partial body would be stored as if complete and skew the scores
        return _skip(url, "invalid", "truncated page (no closing </html>)")
    page_title = normalize_inline(" ".join(response.xpath("//title//text()").getall()))
    h1 = normalize_inline(" ".join(response.css("main h1 ::text, article h1 ::text").getall())) or normalize_inline(
        " ".join(response.css("h1 ::text").getall()))
    reason = error_page_reason(f"{page_title}\n{h1}") or ("Page not found" if "Page not found" in page_title else None)
    if reason:
        return _skip(url, "error_page", reason)

    key = press_url_key(url)
    extraction: dict[str, str] = {}

    # title: the h1 headline, else the <title> minus the site suffix
    if h1:
        title, extraction["title"] = h1, "selector"
    else:
        title, extraction["title"] = page_title.replace(_TITLE_SUFFIX, "").strip(), "generic"

    # body root: div.field-body, falling back to article, then to the generic extractor
    root = response.css("div.field-body, div.field--name-body")
    if root:
        paragraphs, extraction["text"] = _paragraphs(root[0]), "selector"
    elif response.css("article"):
        paragraphs, extraction["text"] = _paragraphs(response.css("article")[0]), "selector"
    else:
        generic = generic_main_text(raw, url=url)
        paragraphs, extraction["text"] = [p for p in generic.split("\n") if p.strip()], "generic"

    french = not_in_english_link(" ".join(paragraphs[:6]))
    if french:
        return _skip(url, "not_english", f"not available in English; French text at {french}")

    # header lines above the lead: everything before the lead line when there is one
    lead_idx = next((i for i, p in enumerate(paragraphs[:12]) if is_press_lead_line(p)), None)
    if lead_idx is not None:
        header, body = paragraphs[:lead_idx], paragraphs[lead_idx + 1:]
        lead: str | None = paragraphs[lead_idx]
        extraction["lead"] = "text_shape"
    else:
        cut = 0
        while cut < len(paragraphs) and cut < 10 and is_press_header_line(paragraphs[cut], title):
            cut += 1
        header, body, lead = paragraphs[:cut], paragraphs[cut:], None
    body = [p for p in body if not is_press_footer_line(p)]

    # symbols: the symbol field, else the header lines, else the URL
    symbol_field, _ = _first(response, [("css", ".field--name-field-symbol .field__item::text"),
                                        ("css", ".field--name-field-symbol::text")])
    header_symbols = [s for line in header if is_press_header_line(line) for s in parse_press_symbols(line)]
    if symbol_field and parse_press_symbols(symbol_field):
        symbols, extraction["symbols"] = parse_press_symbols(symbol_field), "selector"
    elif header_symbols:
        symbols, extraction["symbols"] = list(dict.fromkeys(header_symbols)), "text_shape"
    else:
        from_url = symbol_from_press_key(key) if key else None
        symbols, extraction["symbols"] = ([from_url] if from_url else []), "generic"
    lines: list[str] | None = None
    if extraction["symbols"] == "generic":
        # No symbol markup and no symbol header kept by the body extractor: look at the page's own lines.
        lines = page_lines(raw)
        shaped = [s for line in lines[:30] if is_press_symbol_line(line) for s in parse_press_symbols(line)]
        if shaped:
            symbols, extraction["symbols"] = list(dict.fromkeys(shaped)), "text_shape"
    briefing = is_noon_briefing_key(key)
    if briefing:
        symbols, extraction["symbols"] = [], "generic"  # briefings carry no document symbol
    elif symbols and not any(s.startswith(("SG/SM/", "DSG/SM/")) for s in symbols):
        return _skip(url, "not_statement", f"not an SG symbol ({symbols[0]})")
    if key and not is_sg_press_key(key) and not symbols and not briefing:
        return _skip(url, "not_statement", f"not an SG symbol ({key})")

    # release date: the page's date fields, else a header date line, else the <time> anywhere
    date_value, _ = _first(response, [
        ("css", "article .field--name-field-dated time::attr(datetime)"),
        ("css", "article span.date-display-single::attr(content)"),
        ("css", "article .field--name-field-dated .field__item::text"),
    ])
    release: date | None = parse_date(date_value[:10]) if date_value else None
    if release:
        extraction["release_date"] = "selector"
    else:
        release = next((d for d in (parse_press_date_line(h) for h in header) if d), None)
        if release:
            extraction["release_date"] = "text_shape"
        else:
            shaped_date, _ = shape_date(lines if lines is not None else page_lines(raw), before=lead)
            if shaped_date:
                release, extraction["release_date"] = shaped_date, "text_shape"
            else:
                any_time = response.css("time::attr(datetime)").get()
                release = parse_date(any_time[:10]) if any_time else None
                if release:
                    extraction["release_date"] = "generic"

    # lead-line grammar: type, speaker, role, venue, delivery and observance date
    info = parse_press_lead(lead) if lead else None
    doc_type = info.doc_type if info and info.doc_type else None
    if doc_type:
        extraction["doc_type"] = "text_shape"
    else:
        low = title.casefold()
        if "press conference" in low or "press encounter" in low or "stakeout" in low:
            doc_type = "press_encounter"
        elif "message" in low:
            doc_type = "message"
        elif "statement" in low:
            doc_type = "statement"
        else:
            doc_type = "press_release"
        extraction["doc_type"] = "generic"

    body, translations = split_languages(body)
    turn_dicts = split_turns(body)
    if briefing:
        # A noon briefing is the Spokesperson's: keep what the office said (opening notes and Spokesperson
        # turns), not the correspondents' questions.
        first_q = next((i for i, p in enumerate(body) if re.match(r"^(?:Question|Q)\s*:", p)), len(body))
        spoken = [t["text"] for t in turn_dicts if t["speaker"] in ("Spokesman", "Spokesperson",
                                                                   "Deputy Spokesperson")]
        text = join_paragraphs(body[:first_q] + [p for turn in spoken for p in turn.split("\n\n")])
        doc_type, extraction["doc_type"] = "noon_briefing", "text_shape"
    elif turn_dicts:
        doc_type = "press_encounter"
        sg_turns = [t["text"] for t in turn_dicts if t["speaker"] in ("Secretary-General", "Deputy Secretary-General")]
        # a turn keeps its paragraphs ("\n\n" inside the turn text)
        text = join_paragraphs([para for turn in sg_turns for para in turn.split("\n\n")])
    else:
        text = join_paragraphs(body)
    if not text:
        return _skip(url, "empty_body", "no text in the body field")

    language = info.language if info else ("fr" if "/fr/" in url else guess_language(text))
    item: dict[str, Any] = {
        "url": url,
        "source": SOURCE,
        "doc_type": doc_type,
        "title": title,
        "text": text,
        "lead": lead,
        "language": language,
        "translations": translations,
        "turns": turn_dicts,
        "release_date": release,
        "delivery_date": press_delivery_date(info, release) if info else None,
        "url_date": press_url_date(url),
        "location": info.location if info else None,
        "speaker": info.speaker if info else None,
        "speaker_role": info.speaker_role if info else None,
        "delivered_by": info.delivered_by if info else None,
        "delivery_status": info.delivery_status if info else None,
        "symbols": symbols,
        "fetched_at": datetime.now(UTC),
    }
    if briefing:
        item["speaker"] = briefing_speaker(lead or "") or None
        item["speaker_role"] = "Spokesperson"
        item["delivery_date"] = item["url_date"]
        if item["release_date"] is None:
            item["release_date"], extraction["release_date"] = item["url_date"], "generic"
        item["location"] = item["location"] or "New York"
    if info:
        for field in ("speaker", "speaker_role", "location", "delivery_date", "delivered_by", "delivery_status"):
            if item[field] is not None:
                extraction[field] = "text_shape"
    if item["url_date"] is not None:
        extraction["url_date"] = "generic"
    item["extraction"] = extraction
    return item


def parse_listing_items(response: TextResponse) -> list[tuple[str, date | None]]:
    """(absolute href, item date) for every .doc.htm / blog link in a listing page's content area."""
    items: list[tuple[str, date | None]] = []
    rows = response.css(".view-content .views-row") or response.css(".view-content > *")
    for row in rows:
        href = row.xpath(".//a[contains(@href, '.doc.htm') or contains(@href, '/blog/')]/@href").get()
        if not href:
            continue
        when = row.css("time::attr(datetime)").get() or row.css("time::text").get()
        items.append((urljoin(response.url, href), parse_date(when[:10] if when and when[:4].isdigit() else when)))
    if items or rows:
        return items
    # A redesigned listing: every release link on the page, dated by the text of its list item / paragraph.
    seen: set[str] = set()
    for a in response.xpath("//body//a[contains(@href, '.doc.htm') or contains(@href, '/blog/')]"):
        absolute = urljoin(response.url, a.attrib.get("href", ""))
        if absolute in seen or press_url_key(absolute) is None:
            continue
        seen.add(absolute)
        container = a.xpath("ancestor::*[self::li or self::p or self::tr or self::article or self::div][1]")
        when = container.css("time::attr(datetime)").get() if container else None
        around = normalize_inline(" ".join(container.css("::text").getall())) if container else ""
        items.append((absolute, parse_date(when[:10]) if when else parse_date(around)))
    return items


def parse_rss_items(response: Response) -> list[tuple[str, date | None]]:
    """(link, pubDate) of each RSS 2.0 item."""
    items: list[tuple[str, date | None]] = []
    sel = scrapy.Selector(text=response.body.decode("utf-8", errors="replace"), type="xml")
    for node in sel.xpath("//item"):
        link = normalize_inline(node.xpath("link/text()").get())
        if link:
            items.append((urljoin(response.url, link), parse_date(node.xpath("pubDate/text()").get())))
    return items


class UnPressSpider(FrontierSpider):
    """press.un.org SG/SM, DSG/SM releases and noon briefings: RSS for freshness, the SG listing for backfill."""

    name = "un_press"
    custom_settings = {"ROBOTSTXT_OBEY": True}  # noqa: RUF012 (Scrapy declares it on Spider)

    def __init__(self, base_url: str | None = None, since: str | date | None = None, max_pages: int | str = 0,
                 start: str = "both", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = (base_url or "").rstrip("/") or None
        self.since = since if isinstance(since, date) else parse_date(since) if since else None
        self.max_pages = int(max_pages or 0)
        self.start_from = start  # "both" | "rss" | "listing"
        self.state_dir: Any = None
        # Without a crawl state (spider tests), the per-symbol dedupe of one run lives here.
        self._keys: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> UnPressSpider:
        """Base URL: spider argument, else SGWATCH_SETTINGS.un_press_base_url; listing page cap from the settings."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        sg_settings = crawler.settings.get("SGWATCH_SETTINGS")
        if not spider.base_url:
            configured = getattr(sg_settings, "un_press_base_url", None) if sg_settings is not None else None
            # A plain Scrapy process (no SGWATCH_SETTINGS) may name the base as a Scrapy setting.
            configured = crawler.settings.get("SGWATCH_UN_PRESS_BASE_URL") or configured
            spider.base_url = str(configured or _default_base_url()).rstrip("/")
        if not kwargs.get("max_pages") and sg_settings is not None:
            spider.max_pages = int(getattr(sg_settings, "crawl_max_listing_pages", 0) or 0)
        if sg_settings is not None:
            spider.state_dir = sg_settings.crawl_state_dir
        return spider

    @property
    def base(self) -> str:
        """Where requests go (the public site, or the sample server in tests)."""
        return self.base_url or _default_base_url()

    def _url(self, path_or_url: str) -> str:
        return fetch_url(urljoin(self.base + "/", path_or_url), site_base=self.base, public_base=PUBLIC_BASE)

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Unfinished pages of an interrupted run, RSS (fresh items), then the first listing page."""
        if self.crawl_state is None and self.state_dir is not None:
            self.open_state(self.state_dir)
        yield from self.resumed_requests()
        if self.start_from in ("both", "rss"):
            yield scrapy.Request(self._url(RSS_PATH), callback=self.parse_rss, errback=self.errback, priority=10,
                                 meta={"conditional": True}, dont_filter=True)
        if self.start_from in ("both", "listing"):
            first = self._listing_request(0)
            if first is not None:
                yield first

    async def start(self):  # type: ignore[no-untyped-def]  # Scrapy >= 2.13 entry point
        """Same start points as start_requests (Scrapy >= 2.13)."""
        for request in self.start_requests():
            yield request

    def _count(self, stat: str) -> None:
        self._stat(stat)

    def _listing_request(self, page: int) -> scrapy.Request | None:
        request = scrapy.Request(f"{self._url(LISTING_PATH)}?page={page}", callback=self.parse_listing,
                                 errback=self.errback, cb_kwargs={"page": page},
                                 meta={"conditional": page == 0 and not self.backfill_active})
        return self.track(request, f"listing:{LISTING_PATH}?page={page}", "listing")

    @staticmethod
    def link_key(href: str) -> str | None:
        """Frontier key of a listing/feed link: 'sym:sgsm19413' for a release and its blog copy alike."""
        key = press_url_key(href)
        if key is None:
            return None
        return f"sym:{key}" if is_followed_press_key(key) else f"skip:{key}"

    def _follow(self, href: str, when: date | None) -> Iterator[scrapy.Request | SkippedPage]:
        """One request per symbol: releases and their blog copies share a key; non-SG series are logged, not fetched."""
        if self.since and when and when < self.since:
            return
        url = self._url(href)
        key = press_url_key(url)
        public = canonical_url(url, site_base=self.base, public_base=PUBLIC_BASE)
        fkey = self.link_key(url) or f"url:{public}"
        if key and not is_followed_press_key(key):
            if self.crawl_state is not None:
                if self.crawl_state.is_done(fkey) or fkey in self.crawl_state._scheduled:
                    return
                self.crawl_state._scheduled.add(fkey)
            elif fkey in self._keys:
                return
            self._keys.add(fkey)
            self._count("un_press/not_followed")
            yield SkippedPage(url=public, source=SOURCE, reason="not_statement",
                              detail=f"not an SG symbol ({key}): not fetched")
            return
        is_blog = "/blog/" in url
        if self.crawl_state is None:
            if fkey in self._keys:
                self._count("un_press/duplicate_link")
                return
            if not is_blog:  # a blog's key is taken when it leads to its release (parse_blog)
                self._keys.add(fkey)
        callback = self.parse_blog if is_blog else self.parse_detail
        request = self.track(scrapy.Request(url, callback=callback, errback=self.errback), fkey, "detail")
        if request is None:
            self._count("un_press/duplicate_link")
            return
        yield request

    def parse_rss(self, response: Response) -> Iterator[scrapy.Request | SkippedPage]:
        """Follow feed items; releases before blogs so a blog copy of a listed release is never fetched."""
        if response.status == 304:
            self._count("sgwatch/not_modified")
            return
        items = parse_rss_items(response)
        items.sort(key=lambda item: "/blog/" in item[0])
        for href, when in items:
            yield from self._follow(href, when)
        self.finish_page(response)

    def parse_listing(self, response: Response, page: int = 0) -> Iterator[scrapy.Request | SkippedPage]:
        """Follow a listing page's items and ask for the next page while it can hold new items."""
        if response.status == 304:
            self._count("sgwatch/not_modified")
            self.finish_page(response)
            return
        if not isinstance(response, TextResponse):
            yield _skip(response.url, "not_html", "listing")
            return
        items = parse_listing_items(response)
        self._count("sgwatch/listing/pages")
        for href, when in items:
            yield from self._follow(href, when)
        more = self.keep_paging([(self.link_key(href), when) for href, when in items])
        if more and not (self.max_pages and page + 1 >= self.max_pages):
            nxt = self._listing_request(page + 1)
            if nxt is not None:
                yield nxt
        self.finish_page(response)

    def parse_blog(self, response: Response) -> Iterator[scrapy.Request | dict[str, Any] | SkippedPage]:
        """A live blog duplicates its release: fetch the canonical .doc.htm under the same key, else parse the blog."""
        canonical = response.xpath("//link[@rel='canonical']/@href").get() if isinstance(response, TextResponse) else None
        if canonical and ".doc.htm" in canonical:
            if self.crawl_state is None:
                fkey = self.link_key(canonical) or canonical
                if fkey in self._keys:
                    return
                self._keys.add(fkey)
            meta = {"crawl_key": self.key_of(response)} if self.key_of(response) else {}
            yield scrapy.Request(self._url(canonical), callback=self.parse_detail, errback=self.errback, meta=meta)
            return
        yield from self.parse_detail(response)

    def parse_detail(self, response: Response) -> Iterator[scrapy.Request | dict[str, Any] | SkippedPage]:
        """Yield the statement dict or a SkippedPage for one detail page (following a French-only text)."""
        result = parse_press_detail(response, self.base)
        key = self.key_of(response)
        if isinstance(result, SkippedPage):
            result.key = key
            french = result.detail.split("French text at ", 1)[1] if "French text at " in result.detail else None
            if result.reason == "not_english" and french:
                # "Not available in English": the French release is the only text; fetch it under its own key.
                request = self.track(scrapy.Request(self._url(french), callback=self.parse_detail,
                                                    errback=self.errback), f"url:{canonical_url(french)}", "detail")
                if request is not None:
                    yield request
        else:
            result["crawl_key"] = key
        yield result

    def errback(self, failure: Failure) -> Iterator[SkippedPage]:
        """HTTP errors and network failures become SkippedPage(reason='http_error'); 5xx ones are retried next run."""
        request = failure.request  # type: ignore[attr-defined]
        key = self.key_of(request)
        response = getattr(failure.value, "response", None)
        if response is None and failure.check(IgnoreRequest):
            self.logger.info("un_press: not fetched %s (%s)", request.url, failure.getErrorMessage() or "ignored")
            self.mark_done(key)
            return
        detail = f"HTTP {response.status}" if response is not None else repr(failure.value)[:200]
        retry = response is None or response.status >= 500 or response.status == 429
        url = canonical_url(request.url, site_base=self.base, public_base=PUBLIC_BASE)
        if (key or "").startswith("listing:") or request.callback == self.parse_rss:
            self.logger.warning("un_press: listing/feed %s failed (%s); asked for again next run", request.url, detail)
            return
        yield SkippedPage(url=url, source=SOURCE, reason="http_error", detail=detail, key=key, retry=retry)
