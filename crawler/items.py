"""What spiders yield. Two kinds of item travel the pipeline:

* a *statement item*: a dict with the fields of ``core.models.Statement`` (without ``id`` and
  ``fingerprint``, which the pipeline derives from the canonical ``url`` and the ``text``); dates may be
  ``datetime.date`` or ISO strings; ``extraction`` maps each field to the path that produced it:
  ``"selector"`` (site-specific markup), ``"text_shape"`` (date lines, symbol headers, lead lines) or
  ``"generic"`` (the main-text extractor);
* a *skipped page*: ``SkippedPage(url=..., source=..., reason=..., detail=...)`` for a page that is not a
  statement (error page, empty body, binary, maintenance page, not English ...). The pipeline records
  it in the store's crawl log, counts it in the Scrapy stats, and drops it.
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
