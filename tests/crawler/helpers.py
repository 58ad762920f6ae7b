"""Offline spider-test helpers: a Scrapy response built from a saved sample file."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse

from sample_site.server import resolve


def file_response(path: Path, url: str, meta: dict[str, object] | None = None) -> Response:
    """A Scrapy response for a saved file, as if fetched from url (.xml -> XmlResponse; binary -> Response)."""
    body = path.read_bytes()
    request = Request(url, meta=meta or {})
    if path.suffix == ".xml":
        return XmlResponse(url=url, body=body, encoding="utf-8", request=request)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # What Scrapy gives for a text/html response too: an HtmlResponse over undecodable bytes.
        return HtmlResponse(url=url, body=body, request=request, headers={"Content-Type": "text/html; charset=utf-8"})
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=request)


def site_file(host_dir: Path, url_path_and_query: str) -> Path:
    """The sample file the sample server would send for a URL path (with ?page=N), following its rules."""
    status, path = resolve(host_dir, url_path_and_query)
    if status != 200 or path is None:
        raise FileNotFoundError(f"{url_path_and_query} is served with status {status}")
    return path


__all__ = ["TextResponse", "file_response", "site_file"]
