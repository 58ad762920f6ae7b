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

from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from core.config import Settings
from crawler import extract as x
from crawler.items import SkippedPage
from crawler.state import FrontierSpider

SOURCE = "un.org/sg"
PUBLIC_BASE = x.PUBLIC_BASES[SOURCE]
LISTING_PATH = "/sg/en/content/ossg/latest-statements"
RSS_PATH = "/sg/en/rss.xml"
SPOKESPERSON_RSS_PATH = "/sg/en/spokesperson/rss.asp"

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
    all_english = False
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
            all_english = all_english or x.is_all_english_note(p)
        else:
            break
        i += 1
    paragraphs = paragraphs[i:]

    if release is None or speaker is None:
        # The markup gave neither: read the page's header lines (place, date, byline) whatever their classes.
        lines = x.page_lines(html)
        first_body = paragraphs[0] if paragraphs else None
        if release is None:
            found, idx = x.shape_date(lines, before=first_body)
            if found:
                release, ext["release_date"] = found, "text_shape"
                prev = lines[idx - 1] if idx > 0 else ""
                if (location is None and prev and len(prev) <= 80 and not prev.endswith((".", ":"))
                        and x.clean_title(prev)[0] != title and x.parse_speaker_line(prev) is None):
                    location, ext["location"] = prev, "text_shape"
        if speaker is None:
            for line in lines:
                if first_body is not None and line == first_body:
                    break
                if (parsed_line := x.parse_speaker_line(line)) is not None:
                    speaker, role = parsed_line[0], parsed_line[1] or role
                    ext["speaker"] = "text_shape"
                    break

    english, translations = x.split_languages(paragraphs)
    if all_english:
        # "[All-English version; scroll down for bilingual, as delivered version]": the part after the
        # separator is the same speech in two languages, not a French version of it.
        english = x.split_language_blocks(paragraphs)[0]
        translations = []
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
        # A note to correspondents is issued by the Spokesperson's office (about, not by, the SG).
        role = "Spokesperson" if doc_type == "note_to_correspondents" else OWNER_ROLES.get(owner)
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


def listing_entries(response: Response) -> list[tuple[str | None, str, date | None, str | None, str]]:
    """(href, title, date, venue, path) of each listing item: Drupal view rows, else any detail link on the page.

    The fallback ("generic") reads every link to a dated statement URL and takes the date from the text of
    the link's list item or paragraph, so a redesigned listing still pages and still finds its items.
    """
    out: list[tuple[str | None, str, date | None, str | None, str]] = []
    for row in response.css(".view-content .views-row"):
        parsed = x.parse_listing_line(_first(row, ".views-field-field-statement-date"))
        out.append((row.css(".views-field-title a::attr(href)").get(), _first(row, ".views-field-title"),
                    parsed[0] if parsed else None, parsed[1] if parsed else None, "selector"))
    if out:
        return out
    seen: set[str] = set()
    for a in response.css("main a[href], body a[href]"):
        href = a.attrib.get("href", "")
        absolute = response.urljoin(href)
        if not DETAIL_PATH.match(urlsplit(absolute).path) or absolute in seen:
            continue
        seen.add(absolute)
        container = a.xpath("ancestor::*[self::li or self::p or self::tr or self::article or self::div][1]")
        around = x.normalize_inline(" ".join(container.css("::text").getall())) if container else ""
        out.append((href, x.normalize_inline(" ".join(a.css("::text").getall())), x.parse_date(around) or
                    x.url_date(absolute), None, "generic"))
    return out


def is_last_listing_page(response: Response) -> bool:
    """True when the page has a pager without a "next" link (the listing's last page).

    A page without any pager (a redesign, or a one-page listing) is not known to be the last: paging then
    stops at the first page with no items.
    """
    pager = response.css("ul.pager, nav.pager, .item-list .pager, nav[role=navigation] ul.pager__items")
    if not pager:
        return False
    return not response.css('li.pager-next a, li.pager__item--next a, a[rel="next"]')


class UnSgSpider(FrontierSpider):
    """www.un.org/sg: both RSS feeds and the paginated latest-statements listing, then detail pages."""

    name = "un_sg"
    source = SOURCE

    def __init__(self, since: str | date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.since = x.parse_date(since) if isinstance(since, str) else since
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
    def _key(self, link: str) -> str:
        return x.canonical_url(link, site_base=self.base, public_base=PUBLIC_BASE)

    def _detail_request(self, link: str, **meta: Any) -> Request | None:
        request = Request(x.fetch_url(link, self.base, PUBLIC_BASE), callback=self.parse_detail,
                          errback=self.on_error, meta=meta)
        return self.track(request, self._key(link), "detail")

    def _listing_request(self, page: int) -> Request | None:
        url = f"{self.base}{LISTING_PATH}" + (f"?page={page}" if page else "")
        # The first page is asked for conditionally unless a backfill must walk the listing anyway.
        request = Request(url, callback=self.parse_listing, errback=self.on_error, cb_kwargs={"page": page},
                          meta={"conditional": page == 0 and not self.backfill_active})
        return self.track(request, f"listing:{LISTING_PATH}?page={page}", "listing")

    def start_requests(self) -> Iterator[Request]:
        """Unfinished pages of an interrupted run, the RSS feeds (freshest), then the listing's first page."""
        if self.crawl_state is None and getattr(self, "crawler", None) is not None:
            self.open_state(self.sg_settings.crawl_state_dir)
        yield from self.resumed_requests()
        for path in (RSS_PATH, SPOKESPERSON_RSS_PATH):
            yield Request(f"{self.base}{path}", callback=self.parse_rss, errback=self.on_error, priority=10,
                          meta={"conditional": True}, dont_filter=True)
        first = self._listing_request(0)
        if first is not None:
            yield first

    async def start(self) -> Any:  # Scrapy >= 2.13 entry point
        """Same requests as start_requests()."""
        for request in self.start_requests():
            yield request

    # --- callbacks ---
    def parse_rss(self, response: Response) -> Iterator[Request]:
        """Follow each feed item's link (published on or after `since`); relative links and DD/MM/YYYY dates too."""
        if response.status == 304:
            self._stat("sgwatch/not_modified")
            return
        if not isinstance(response, TextResponse):
            return
        # Parse as XML whatever the Content-Type: rss.asp can come as text/html, and an HTML parser
        # empties RSS <link> elements (a void element in HTML).
        feed = Selector(text=response.text, type="xml")
        feed.remove_namespaces()
        for item in feed.xpath("//item"):
            link = x.normalize_inline(item.xpath("link/text()").get() or "")
            pub = x.parse_date(item.xpath("pubDate/text()").get() or "")
            self.crawler.stats.inc_value("sgwatch/rss/items")
            if not link or (self.since and pub and pub < self.since):
                continue
            absolute = response.urljoin(link)
            if not is_detail_url(absolute):
                continue
            request = self._detail_request(absolute, listed_date=pub.isoformat() if pub else None)
            if request is not None:
                yield request
        self.finish_page(response)

    def parse_listing(self, response: Response, page: int) -> Iterator[Request]:
        """Follow the detail links of one listing page, then the next page while it can hold new items."""
        if response.status == 304:
            self._stat("sgwatch/not_modified")
            self.finish_page(response)
            return
        self.crawler.stats.inc_value("sgwatch/listing/pages")
        seen: list[tuple[str | None, date | None]] = []
        entries = listing_entries(response)
        if entries and entries[0][4] == "generic":
            self._stat("sgwatch/listing/generic_pages")
        for href, title, item_date, venue, _path in entries:
            parsed = (item_date, venue) if item_date else None
            absolute = response.urljoin(href) if href else None
            seen.append((self._key(absolute) if absolute and is_detail_url(absolute) else None, item_date))
            if self.since and item_date and item_date < self.since:
                continue
            if title.startswith("English translation unavailable"):
                self.crawler.stats.inc_value("sgwatch/listing/not_english")
                continue
            if not absolute or not is_detail_url(absolute):
                continue
            request = self._detail_request(absolute, listed_date=item_date.isoformat() if item_date else None,
                                           listed_venue=parsed[1] if parsed else None)
            if request is not None:
                yield request
        if self.keep_paging(seen) and not is_last_listing_page(response):
            nxt = self._listing_request(page + 1)
            if nxt is not None:
                yield nxt
        self.finish_page(response)

    def parse_detail(self, response: Response) -> Iterator[dict[str, Any] | SkippedPage]:
        """Turn a detail page into a statement item (or a SkippedPage)."""
        canon = x.canonical_url(response.url, site_base=self.base, public_base=PUBLIC_BASE)
        key = self.key_of(response)
        if x.looks_binary(response.body) or not isinstance(response, TextResponse):
            yield SkippedPage(url=canon, source=SOURCE, reason="not_html", detail="binary or undecodable body",
                              key=key)
            return
        result = parse_detail_html(response.text, response.url, self.base)
        if isinstance(result, dict):
            result["fetched_at"] = datetime.now(UTC)
            result["crawl_key"] = key
        else:
            result.key = key
        yield result

    def on_error(self, failure: Failure) -> Iterator[SkippedPage]:
        """HTTP errors and network failures become SkippedPage(reason='http_error'); 5xx ones are retried next run."""
        request = failure.request  # type: ignore[attr-defined]
        key = self.key_of(request)
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # Forbidden by robots.txt (or dropped by a middleware): never fetched, so not a skipped page.
            self.logger.info("un_sg: not fetched %s (%s)", request.url, failure.getErrorMessage() or "ignored")
            self.mark_done(key)
            return
        canon = x.canonical_url(request.url, site_base=self.base, public_base=PUBLIC_BASE)
        if failure.check(HttpError):
            status = failure.value.response.status
            detail = f"HTTP {status}"
            retry = status >= 500 or status == 429
        else:
            detail = f"{failure.type.__name__}: {failure.getErrorMessage()}"
            retry = True
        self.logger.warning("un_sg: skipped %s (%s)", request.url, detail)
        if (key or "").startswith("listing:") or request.callback == self.parse_rss:
            # A listing or feed page that failed stays pending in the frontier and is asked for again next run.
            return
        yield SkippedPage(url=canon, source=SOURCE, reason="http_error", detail=detail, key=key, retry=retry)
