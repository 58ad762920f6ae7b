"""Spider ``un_sg``: SG statements on www.un.org/sg, from the RSS feed (freshness) and the listing (backfill).

Field order of precedence on a detail page: Drupal field markup (selector), then the text shape of
the body's first lines (location, date, title, speaker, captions), then a generic main-text extractor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from core.config import Settings
from crawler import extract as x
from crawler.items import SkippedPage

SOURCE = "un.org/sg"
PUBLIC_BASE = x.PUBLIC_BASES[SOURCE]
LISTING_PATH = "/sg/en/content/ossg/latest-statements"
RSS_PATH = "/sg/en/rss.xml"

DETAIL_PATH = re.compile(
    r"^/sg/en/content/(?P<owner>sg|deputy-secretary-general|former-secretary-general)/"
    r"(?P<type>[a-z-]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<slug>[^/?#]+)$"
)
SHORTLINK_PATH = re.compile(r"^/sg/en/node/\d+$")
OWNER_ROLES = {
    "sg": "Secretary-General",
    "former-secretary-general": "Secretary-General",
    "deputy-secretary-general": "Deputy Secretary-General",
}
_SHAPE_SCAN = 8  # the location/date/title/speaker lines sit in the first few paragraphs


def is_detail_url(url: str) -> bool:
    """True for a www.un.org/sg English statement page (dated content path or node shortlink)."""
    path = urlsplit(url).path
    return bool(DETAIL_PATH.match(path) or SHORTLINK_PATH.match(path))


def _texts(sel: Selector, css: str) -> list[str]:
    return [x.normalize_inline(" ".join(n.css("::text").getall())) for n in sel.css(css)]


def _first(sel: Selector, css: str) -> str:
    for t in _texts(sel, css):
        if t:
            return t
    return ""


def body_paragraphs(container: Selector) -> list[str]:
    """Paragraph texts of a body container (<p> elements; bare text lines when there are none)."""
    ps = container.css("p")
    if ps:
        return [t for t in (x.normalize_inline(" ".join(p.css("::text").getall())) for p in ps) if t]
    text = "\n".join(container.css("::text").getall())
    return [t for t in (x.normalize_inline(line) for line in text.split("\n")) if t]


def parse_detail_html(html: str, url: str, site_base: str) -> dict[str, Any] | SkippedPage:
    """Parse one un.org/sg detail page into a statement item, or a SkippedPage saying why not."""
    sel = Selector(text=html)
    ext: dict[str, str] = {}
    page_url = x.canonical_url(url, site_base=site_base, public_base=PUBLIC_BASE)

    canon_href = sel.css('link[rel="canonical"]::attr(href)').get()
    if canon_href:
        canon = x.canonical_url(canon_href, site_base=site_base, public_base=PUBLIC_BASE)
        ext["url"] = "selector"
    else:
        canon = page_url
        ext["url"] = "text_shape"

    head_title = x.normalize_inline(sel.css("title::text").get() or "")
    visible = x.normalize_inline(" ".join(sel.css("body ::text").getall()[:80]))
    err = x.error_page_reason(head_title + " " + visible[:400])
    if err:
        return SkippedPage(url=canon, source=SOURCE, reason="error_page", detail=err)

    # --- title ---
    raw_title = _first(sel, "article h1.page-header") or _first(sel, "h1.page-header")
    if raw_title:
        ext["title"] = "selector"

    # --- body ---
    body_nodes = sel.css(".field-name-body .field-item")
    paragraphs: list[str] = []
    for node in body_nodes:
        paragraphs.extend(body_paragraphs(node))
    generic = False
    if paragraphs:
        ext["text"] = "selector"
    elif not body_nodes:
        generic_text = x.generic_main_text(html, url=page_url)
        paragraphs = [p for p in (x.normalize_inline(line) for line in generic_text.split("\n")) if p]
        generic = bool(paragraphs)
        if generic:
            ext["text"] = "generic"

    # --- fields from markup ---
    location = _first(sel, ".field-name-field-location .field-item") or None
    if location:
        ext["location"] = "selector"
    release: date | None = None
    date_node = sel.css(".field-name-field-statement-date .date-display-single, article .date-display-single")
    if date_node:
        release = x.parse_date(date_node.attrib.get("content") or "") or x.parse_date(
            " ".join(date_node[0].css("::text").getall()))
        if release:
            ext["release_date"] = "selector"
    speaker: str | None = None
    role: str | None = None
    speaker_line = _first(sel, ".field-name-field-speaker .field-item")
    if speaker_line:
        parsed = x.parse_speaker_line(speaker_line)
        if parsed:
            speaker, role = parsed
            ext["speaker"] = "selector"

    # --- text shape: leading location / date / title / speaker / caption lines ---
    if generic and not raw_title:
        # Without markup the title is the line after the date (or the page <title>, minus the site name).
        og = sel.css('meta[property="og:title"]::attr(content)').get() or head_title.split(" | ")[0]
        raw_title = x.normalize_inline(og)
        if raw_title:
            ext["title"] = "generic"
    title, notes = x.clean_title(raw_title) if raw_title else ("", {})
    status: str | None = notes.get("delivery_status")
    i = 0
    while i < min(len(paragraphs), _SHAPE_SCAN):
        p = paragraphs[i]
        nxt = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        if (location is None and release is None and len(p) <= 80 and not p.endswith((".", ":"))
                and x.is_date_line(nxt)):
            location = p
            ext["location"] = "text_shape"
        elif x.is_date_line(p):
            if release is None:
                release = x.parse_date(p)
                ext["release_date"] = "text_shape"
        elif raw_title and (p == x.normalize_inline(raw_title) or x.clean_title(p)[0] == title):
            pass
        elif (parsed := x.parse_speaker_line(p)) is not None:
            if speaker is None:
                speaker, role = parsed[0], parsed[1] or role
                ext["speaker"] = "text_shape"
        elif x.is_media_line(p):
            status = status or x.delivery_status_of(p)
        else:
            break
        i += 1
    paragraphs = paragraphs[i:]

    english, translations = x.split_languages(paragraphs)
    text = x.join_paragraphs(english)
    if not title or not text:
        return SkippedPage(url=canon, source=SOURCE, reason="empty_body",
                           detail="no title" if not title else "no body text")
    if translations:
        ext["translations"] = "text_shape"

    # --- URL shape: owner, type, date ---
    m = DETAIL_PATH.match(urlsplit(canon).path)
    owner = m["owner"] if m else "sg"
    url_type = m["type"] if m else None
    u_date = x.url_date(canon)
    turns = x.split_turns(english)
    if turns:
        ext["turns"] = "text_shape"
    doc_type = x.doc_type_for(url_type, title, has_turns=bool(turns))
    ext["doc_type"] = "text_shape"

    if speaker is None and owner in ("sg", "former-secretary-general"):
        # Ban-era pages carry no speaker line: the owner and the date say who spoke.
        speaker = x.sg_for_date(release or u_date)
        ext["speaker"] = "text_shape"
    if role is None:
        role = OWNER_ROLES.get(owner)
    ext["speaker_role"] = "text_shape"

    delivery = release if doc_type in ("speech", "press_encounter") else None
    return {
        "url": canon,
        "source": SOURCE,
        "doc_type": doc_type,
        "title": title,
        "text": text,
        "language": x.guess_language(text),
        "translations": translations,
        "turns": turns,
        "release_date": release,
        "delivery_date": delivery,
        "url_date": u_date,
        "location": location,
        "speaker": speaker,
        "speaker_role": role,
        "delivered_by": notes.get("delivered_by"),
        "delivery_status": status,
        "symbols": [],
        "extraction": ext,
    }


class UnSgSpider(scrapy.Spider):
    """www.un.org/sg: RSS feed and the paginated latest-statements listing, then detail pages."""

    name = "un_sg"
    source = SOURCE

    def __init__(self, since: str | date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.since: date | None = x.parse_date(since) if isinstance(since, str) else since
        self.sg_settings: Settings = Settings()
        self.base = self.sg_settings.un_sg_base_url.rstrip("/")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> UnSgSpider:
        """Read sgwatch Settings from the Scrapy settings (SGWATCH_SETTINGS)."""
        spider: UnSgSpider = super().from_crawler(crawler, *args, **kwargs)
        sg = crawler.settings.get("SGWATCH_SETTINGS")
        if sg is not None:
            spider.sg_settings = sg
            spider.base = sg.un_sg_base_url.rstrip("/")
        return spider

    # --- requests ---
    def _detail_request(self, link: str, **meta: Any) -> Request:
        return Request(x.fetch_url(link, self.base, PUBLIC_BASE), callback=self.parse_detail,
                       errback=self.on_error, meta=meta)

    def _listing_request(self, page: int) -> Request:
        url = f"{self.base}{LISTING_PATH}" + (f"?page={page}" if page else "")
        return Request(url, callback=self.parse_listing, errback=self.on_error, cb_kwargs={"page": page})

    def start_requests(self) -> Iterator[Request]:
        """The RSS feed first (freshest), then the listing's first page."""
        yield Request(f"{self.base}{RSS_PATH}", callback=self.parse_rss, errback=self.on_error, priority=10)
        yield self._listing_request(0)

    async def start(self) -> Any:  # Scrapy >= 2.13 entry point
        """Same requests as start_requests()."""
        for request in self.start_requests():
            yield request

    # --- callbacks ---
    def parse_rss(self, response: Response) -> Iterator[Request]:
        """Follow each feed item's link (published on or after `since`)."""
        if not isinstance(response, TextResponse):
            return
        response.selector.remove_namespaces()
        for item in response.xpath("//item"):
            link = x.normalize_inline(item.xpath("link/text()").get() or "")
            pub = x.parse_date(item.xpath("pubDate/text()").get() or "")
            self.crawler.stats.inc_value("sgwatch/rss/items")
            if not link or (self.since and pub and pub < self.since):
                continue
            absolute = response.urljoin(link)
            if not is_detail_url(absolute):
                continue
            yield self._detail_request(absolute, listed_date=pub.isoformat() if pub else None)

    def parse_listing(self, response: Response, page: int) -> Iterator[Request]:
        """Follow the detail links of one listing page, then the next page while items remain."""
        rows = response.css(".view-content .views-row")
        self.crawler.stats.inc_value("sgwatch/listing/pages")
        older = 0
        for row in rows:
            line = _first(row, ".views-field-field-statement-date")
            parsed = x.parse_listing_line(line)
            item_date = parsed[0] if parsed else None
            title = _first(row, ".views-field-title")
            href = row.css(".views-field-title a::attr(href)").get()
            if self.since and item_date and item_date < self.since:
                older += 1
                continue
            if title.startswith("English translation unavailable"):
                self.crawler.stats.inc_value("sgwatch/listing/not_english")
                continue
            if not href:
                continue
            absolute = response.urljoin(href)
            if not is_detail_url(absolute):
                continue
            yield self._detail_request(absolute, listed_date=item_date.isoformat() if item_date else None,
                                       listed_venue=parsed[1] if parsed else None)
        if rows and older < len(rows):
            yield self._listing_request(page + 1)

    def parse_detail(self, response: Response) -> Iterator[dict[str, Any] | SkippedPage]:
        """Turn a detail page into a statement item (or a SkippedPage)."""
        canon = x.canonical_url(response.url, site_base=self.base, public_base=PUBLIC_BASE)
        if x.looks_binary(response.body) or not isinstance(response, TextResponse):
            yield SkippedPage(url=canon, source=SOURCE, reason="not_html", detail="binary or undecodable body")
            return
        result = parse_detail_html(response.text, response.url, self.base)
        if isinstance(result, dict):
            result["fetched_at"] = datetime.now(UTC)
        yield result

    def on_error(self, failure: Failure) -> Iterator[SkippedPage]:
        """HTTP errors and network failures become SkippedPage(reason='http_error')."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # Forbidden by robots.txt (or dropped by a middleware): never fetched, so not a skipped page.
            self.logger.info("un_sg: not fetched %s (%s)", request.url, failure.getErrorMessage() or "ignored")
            return
        canon = x.canonical_url(request.url, site_base=self.base, public_base=PUBLIC_BASE)
        if failure.check(HttpError):
            status = failure.value.response.status
            detail = f"HTTP {status}"
        else:
            detail = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("un_sg: skipped %s (%s)", request.url, detail)
        yield SkippedPage(url=canon, source=SOURCE, reason="http_error", detail=detail)
