"""What spiders yield. Two kinds of item travel the pipeline:

* a *statement item*: a dict with the fields of ``core.models.Statement`` (without ``id`` and
  ``fingerprint``, which the pipeline derives from the canonical ``url`` and the ``text``); dates may be
  ``datetime.date`` or ISO strings; ``extraction`` maps each field to the path that produced it:
  ``"selector"`` (site-specific markup), ``"text_shape"`` (date lines, symbol headers, lead lines) or
  ``"generic"`` (the main-text extractor);
* a *skipped page*: ``SkippedPage(url=..., source=..., reason=..., detail=...)`` for a page that is not a
  statement (error page, empty body, binary, maintenance page, not English ...). The pipeline records
  it in the store's crawl log, counts it in the Scrapy stats, marks it done in the crawl state (or failed,
  to be retried next run, when ``retry``), and drops it.

A statement item carries ``crawl_key``, the frontier key of its request; the writer pipeline marks that key
done only once the statement is committed (``crawler.state``).
"""

from __future__ import annotations

from dataclasses import dataclass

SKIP_REASONS = (
    "http_error",  # 4xx / 5xx
    "error_page",  # a 200 page whose body is a maintenance / proxy / not-found message
    "empty_body",
    "not_html",  # binary or undecodable content
    "not_statement",  # a page that is not an SG text (e.g. a listing reached by accident)
    "not_english",
    "invalid",  # failed validation in the pipeline
)


@dataclass
class SkippedPage:
    """A fetched page that produced no statement, and why."""

    url: str
    source: str  # "un.org/sg" | "press.un.org"
    reason: str  # one of SKIP_REASONS
    detail: str = ""
    key: str | None = None  # the crawl-state frontier key of the request (None for links never fetched)
    retry: bool = False  # a transient failure (5xx, network): fetch again in the next run
