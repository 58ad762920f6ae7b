"""Serve the offline copy of the UN sites on 127.0.0.1, one HTTP server per host directory.

Layout: ``sample_site/<host>/<url path>`` holds each page, with these rules:

* ``/a/b/c`` is served from ``a/b/c`` if that file exists, else ``a/b/c.html``, else ``a/b/c/index.html``;
* ``?page=N`` (N > 0) is served from the same name with ``.page-N`` before the extension
  (``c.page-2.html``); ``page=0`` or no page is the plain file;
* ``_status.json`` in the host directory maps a URL path to an HTTP status (404, 500, 503 ...) and the
  body file to send with it; any other missing path is a 404 with ``_404.html`` if present;
* every 200 response carries an ``ETag`` and ``Last-Modified``; ``If-None-Match`` gets a 304.

Run ``python -m sample_site.server`` to browse it, or use :func:`serve_sites` from tests and the demo.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

SAMPLE_ROOT = Path(__file__).resolve().parent
HOSTS = {"un_sg": "www.un.org", "un_press": "press.un.org"}
_FIXED_MTIME = email.utils.formatdate(1_767_225_600, usegmt=True)  # 2026-01-01, stable across runs


def _content_type(path: Path) -> str:
    name = path.name
    if name.endswith((".htm", ".html")) or "." not in name:
        return "text/html; charset=utf-8"
    if name.endswith((".xml", ".asp")) and "rss" in name:
        return "application/rss+xml; charset=utf-8"
    if name == "robots.txt":
        return "text/plain; charset=utf-8"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def resolve(root: Path, raw_path: str) -> tuple[int, Path | None]:
    """Map a request path (with query) to (status, file) under one host directory."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path)
    statuses: dict[str, dict[str, object]] = {}
    status_file = root / "_status.json"
    if status_file.exists():
        statuses = json.loads(status_file.read_text(encoding="utf-8"))
    if path in statuses:
        entry = statuses[path]
        body = entry.get("body")
        return int(entry["status"]), (root / str(body)) if body else None  # type: ignore[call-overload]
    rel = path.lstrip("/")
    if ".." in Path(rel).parts:
        return 404, root / "_404.html"
    page = parse_qs(parts.query).get("page", ["0"])[0]
    candidates = [root / rel, root / f"{rel}.html", root / rel / "index.html"]
    if page.isdigit() and int(page) > 0:
        paged = []
        for c in candidates:
            stem, dot, ext = c.name.partition(".")
            paged.append(c.with_name(f"{stem}.page-{page}{dot}{ext}" if dot else f"{stem}.page-{page}"))
        candidates = paged
    for c in candidates:
        if c.is_file():
            return 200, c
    return 404, root / "_404.html"


def _handler_for(root: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "sgwatch-sample/1.0"

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            status, file = resolve(root, self.path)
            body = file.read_bytes() if file is not None and file.is_file() else b""
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", _content_type(file) if file else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", _FIXED_MTIME)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server API)
            pass  # quiet: tests and the demo read Scrapy's log instead

    return Handler


@dataclass
class SampleSites:
    """Base URLs of the running sample servers."""

    un_sg: str
    un_press: str


def _start(root: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(root))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"sample-{root.name}", daemon=True).start()
    port = server.server_address[1]
    return server, f"http://127.0.0.1:{port}"


@contextmanager
def serve_sites(root: Path = SAMPLE_ROOT) -> Iterator[SampleSites]:
    """Serve both sample hosts on ephemeral 127.0.0.1 ports for the duration of the block."""
    servers = []
    try:
        sg, sg_url = _start(root / HOSTS["un_sg"])
        servers.append(sg)
        press, press_url = _start(root / HOSTS["un_press"])
        servers.append(press)
        yield SampleSites(un_sg=sg_url, un_press=press_url)
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()


def main() -> None:
    """Serve the sample sites until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=SAMPLE_ROOT, help="sample_site directory")
    args = parser.parse_args()
    with serve_sites(args.root) as sites:
        print(f"www.un.org   -> {sites.un_sg}/sg/en/\npress.un.org -> {sites.un_press}/en/\nCtrl-C to stop.")
        threading.Event().wait()


if __name__ == "__main__":
    main()
