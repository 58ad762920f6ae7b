"""Regenerate the *redesigned mirror*: the sample's statements at the real sites' paths, in different markup.

Run: ``.venv/bin/python sample_site/mirror/_generate.py``. It reads each sample page's fields (the expected
JSON) and body (parsed from the sample page) and writes them in a markup the spiders' selectors were never
written for: a Drupal-10-style theme on www.un.org (no ``h1.page-header``, no ``field-name-*`` classes,
meta line and byline in their own blocks) and a "pr-" theme on press.un.org (no ``h1``, no ``field-body``,
no ``<article>``, symbol and dateline as plain blocks), with listings as ``<ul class="teaser-list">``.
The spiders must fall back to page text shape and generic extraction (tests/crawler/test_mirror.py).
"""

from __future__ import annotations

import html
import json
import shutil
import sys
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SAMPLE = ROOT.parent
sys.path.insert(0, str(SAMPLE.parent))

from scrapy.http import HtmlResponse, Request  # noqa: E402

from crawler.spiders.un_press import parse_press_detail  # noqa: E402
from crawler.spiders.un_sg import parse_detail_html  # noqa: E402

E = html.escape
KIND = {"speech": "Speeches", "message": "Messages", "statement": "Statements", "press_encounter": "Press encounters",
        "note_to_correspondents": "Notes to correspondents", "noon_briefing": "Briefings", "other": "Statements"}


def long_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B %Y')}"


def paras(text: str) -> str:
    return "\n".join(f"      <p>{E(p)}</p>" for p in text.split("\n\n") if p.strip())


def sg_page(p: dict, item: dict) -> str:
    body = paras(item["text"])
    for t in item.get("translations") or []:
        body += "\n      <p>*****</p>\n" + paras(t["text"])
    byline = f"{p['speaker']}, {p['speaker_role']}" if p.get("speaker") else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{E(p['title'])} | Secretary-General</title>
<link rel="canonical" href="{E(p['url'])}"></head>
<body class="path-node page-node-type-statement">
<a class="visually-hidden focusable" href="#main">Skip to content</a>
<div class="layout-container">
  <nav class="un-nav"><ul><li><a href="/sg/en">Secretary-General</a></li><li><a href="/sg/en/content/ossg/latest-statements">Statements</a></li><li><a href="/sg/en/spokesperson">Spokesperson</a></li></ul></nav>
  <main id="main" role="main">
    <div class="node node--type-statement node--view-mode-full">
      <div class="node__kicker">{E(KIND.get(p['doc_type'], 'Statements'))}</div>
      <h2 class="node__title"><span>{E(p['title'])}</span></h2>
      <div class="node__meta"><span class="meta__place">{E(p.get('location') or '')}</span>
        <span class="meta__date">{long_date(p['release_date'])}</span></div>
      <div class="node__byline">{E(byline)}</div>
      <div class="node__content clearfix text-formatted">
{body}
      </div>
    </div>
  </main>
  <footer class="un-footer"><ul><li><a href="https://www.un.org/en/about-us/copyright">Copyright</a></li><li><a href="https://www.un.org/en/about-us/terms-of-use">Terms of use</a></li></ul></footer>
</div></body></html>
"""


def press_page(p: dict, item: dict) -> str:
    body = ""
    if item.get("lead"):
        body += f"      <p>{E(item['lead'])}</p>\n"
    if item.get("turns"):
        body += "\n".join(f"      <p>{E(t['speaker'])}: {E(t['text'])}</p>" for t in item["turns"])
    else:
        body += paras(item["text"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{E(p['title'])} | UN Meetings Coverage and Press Releases</title></head>
<body>
<header class="pr-site"><div class="pr-brand">Meetings Coverage and Press Releases</div>
  <div class="pr-inprogress">In progress at UNHQ: Security Council, 9876th meeting</div></header>
<main class="pr-main">
  <div class="pr-doc">
    <div class="pr-symbol">{E(' - '.join(p['symbols']))}</div>
    <div class="pr-dateline">{long_date(p['release_date'])}</div>
    <h2 class="pr-headline">{E(p['title'])}</h2>
    <section class="pr-text">
{body}
    </section>
  </div>
</main>
<footer class="pr-foot">For information media. Not an official record.</footer>
</body></html>
"""


def listing(items: list[tuple[str, str, str]], title: str) -> str:
    rows = "\n".join(f'    <li class="teaser"><span class="teaser__date">{E(d)}</span> '
                     f'<a class="teaser__link" href="{E(u)}">{E(t)}</a></li>' for u, t, d in items)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{E(title)}</title></head>
<body><main id="main"><h2>{E(title)}</h2>
  <ul class="teaser-list">
{rows}
  </ul>
</main></body></html>
"""


def main() -> None:
    for host, make in (("www.un.org", sg_page), ("press.un.org", press_page)):
        src, dst = SAMPLE / host, ROOT / host
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir(parents=True)
        for name in ("robots.txt", "_404.html"):
            shutil.copy(src / name, dst / name)
        expected = json.loads((src / "_expected" / "expected.json").read_text(encoding="utf-8"))
        rows = []
        for p in expected["pages"]:
            path = src / p["file"]
            response = HtmlResponse(url=p["url"], body=path.read_bytes(), encoding="utf-8", request=Request(p["url"]))
            if host == "www.un.org":
                item = parse_detail_html(response.text, p["url"], "https://www.un.org")
            else:
                item = parse_press_detail(response, "https://press.un.org")
            assert isinstance(item, dict), (p["url"], item)
            out = dst / p["file"]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(make(p, item), encoding="utf-8")
            rows.append((p["url"].split("un.org", 1)[1], p["title"], long_date(p["release_date"])))
        rows.sort(key=lambda r: datetime.strptime(r[2], "%d %B %Y"),
                  reverse=True)
        listing_path = ("sg/en/content/ossg/latest-statements" if host == "www.un.org"
                        else "en/content/secretary-general")
        half = (len(rows) + 1) // 2
        pages = [rows[:half], rows[half:], []]
        for i, chunk in enumerate(pages):
            name = f"{listing_path}.html" if i == 0 else f"{listing_path}.page-{i}.html"
            f = dst / name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(listing(chunk, "Latest statements"), encoding="utf-8")
        print(f"{host}: {len(rows)} detail pages, {len(pages)} listing pages")


if __name__ == "__main__":
    main()
