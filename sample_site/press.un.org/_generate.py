"""Regenerate the press.un.org sample pages and their expected parsed fields from the gold texts.

Run: ``.venv/bin/python sample_site/press.un.org/_generate.py ../shared/data/gold/dev.jsonl``.
Bodies are real SG texts (data/gold/dev.jsonl) except where a page's ``note`` says "constructed". The
markup imitates press.un.org in three eras: ``old`` (2007-2012: DPI header table inside the body field,
no symbol/date fields), ``mid`` (2013-2019: symbol field, Drupal date-display span) and ``new``
(2020-2025: ISO "date" field). Expected values are written by hand here, never computed by the spider.
It holds every press.un.org item of the SOURCES.md §7 checklist, including the "not available in English"
notice and its French release (/fr/2018/sgsm19057), a French listing, a noon briefing (db160531), blog
duplicates, ?page=0 / middle / past-the-end listing pages and robots.txt; ``_expected/expected.json`` also
holds the per-file manifest (URL, fetch time, headers, expected JSON).
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent.parent))
from crawler.extract import join_paragraphs, normalize_inline

GOLD: dict = {}
BASE = "https://press.un.org"
MONTHS = ["January","February","March","April","May","June","July","August","September","October","November","December"]

def load_gold(path: str) -> None:
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        GOLD[d["id"]] = d


load_gold(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/gold/dev.jsonl")


def P(doc, a, b=None):
    ps = [p["text"] for p in GOLD[doc]["passages"]]
    return ps[a:b]

def dmy(iso):
    y, m, d = iso.split("-")
    return f"{int(d)} {MONTHS[int(m)-1]} {y}"

e = html.escape

CHROME_HEAD = """<!DOCTYPE html>
<html lang="en" dir="ltr" prefix="og: https://ogp.me/ns#">
<head>
<meta charset="utf-8" />
<title>{title} | UN Meetings Coverage and Press Releases</title>
<link rel="canonical" href="{canonical}" />
<meta property="og:title" content="{title}" />
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)" />
<link rel="alternate" type="application/rss+xml" title="UN Meetings Coverage and Press Releases" href="https://press.un.org/en/rss.xml" />
</head>
<body class="path-node page-node-type-press-release">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas">
<header role="banner" class="site-header">
  <div class="un-brand"><a href="https://www.un.org/en/">Welcome to the United Nations</a></div>
  <div class="site-name"><a href="/en" rel="home">Meetings Coverage and Press Releases</a></div>
  <nav role="navigation" aria-label="Main navigation" class="main-nav">
    <ul>
      <li><a href="/en/content/secretary-general">Secretary-General</a></li>
      <li><a href="/en/content/general-assembly">General Assembly</a></li>
      <li><a href="/en/content/security-council">Security Council</a></li>
      <li><a href="/en/content/economic-and-social-council">Economic and Social Council</a></li>
      <li><a href="/en/noon-briefings">Noon Briefings</a></li>
      <li><a href="/en/official-observances">Official Observances</a></li>
      <li><a href="/fr/content/secretary-general">Français</a></li>
    </ul>
  </nav>
  <form class="search-block-form" action="/en/search/node" method="get"><input type="search" name="keys" placeholder="Search" /></form>
</header>
<div class="in-progress-unhq block">
  <h2>In progress at UNHQ</h2>
  <ul>
    <li><a href="https://media.un.org/">Security Council: meeting on the situation in the Middle East</a></li>
    <li><a href="https://media.un.org/">General Assembly: plenary meeting</a></li>
    <li><a href="/en/noon-briefings">Noon briefing by the Spokesperson for the Secretary-General</a></li>
  </ul>
</div>
"""

CHROME_FOOT = """
<footer role="contentinfo" class="site-footer">
  <div class="footer-note">For information media. Not an official record.</div>
  <ul class="footer-links">
    <li><a href="https://www.un.org/en/about-us/copyright">Copyright</a></li>
    <li><a href="https://www.un.org/en/about-us/fraud-alert">Fraud Alert</a></li>
    <li><a href="https://www.un.org/en/about-us/privacy-notice">Privacy Notice</a></li>
    <li><a href="https://www.un.org/en/about-us/terms-of-use">Terms of Use</a></li>
  </ul>
</footer>
</div>
</body>
</html>
"""

def paras(ps):
    return "\n".join(f"<p>{e(p)}</p>" for p in ps)

def page(spec):
    """Render one detail page in the shape of its era."""
    era = spec["era"]
    canonical = BASE + spec["path"]
    parts = [CHROME_HEAD.format(title=e(spec["title"]), canonical=canonical)]
    parts.append('<main role="main" class="main-container"><a id="main-content" tabindex="-1"></a>\n')
    parts.append('<article role="article" class="node node--type-press-release node--view-mode-full">\n')
    body_html = ""
    if era == "old":
        # pre-2013 items keep the DPI header table inside the body field; no symbol/date fields
        sym = spec["header_symbol"]
        syms_cells = " ".join(f"<br />{e(s)}" for s in spec["symbols"])
        parts.append(f'<h1 class="page-header"><span class="field field--name-title">{e(spec["title"])}</span></h1>\n')
        body_html = (
            f'<p class="symbol-line">{e(sym)}</p>\n'
            f'<table class="dpi-header" width="100%"><tr>'
            f'<td><p>{e(dmy(spec["release_date"]))}</p></td>'
            f'<td><p>Secretary-General{syms_cells}</p></td></tr>'
            f'<tr><td colspan="2"><p>Department of Public Information &#8226; News and Media Division &#8226; New York</p></td></tr></table>\n'
            + "".join(f"<p><b>{e(h)}</b></p>\n" for h in spec["split_headline"])
            + f"<p>{e(spec['lead'])}</p>\n" + paras(spec["body"])
        )
    elif era == "mid":
        # 2013-2019: symbol field, headline, Drupal date-display span with ISO content
        if spec.get("header_symbol"):
            parts.append(f'<div class="field field--name-field-symbol field--type-string"><div class="field__item">{e(spec["header_symbol"])}</div></div>\n')
        parts.append(f'<h1 class="page-header"><span class="field field--name-title">{e(spec["title"])}</span></h1>\n')
        parts.append(f'<div class="field field--name-field-dated"><span class="date-display-single" property="dc:date" content="{spec["release_date"]}T00:00:00-04:00">{e(dmy(spec["release_date"]))}</span></div>\n')
        body_html = f"<p>{e(spec['lead'])}</p>\n" + paras(spec["body"])
    else:
        # 2020-2025: headline, "date" label with ISO value, symbol field after the date
        parts.append(f'<h1 class="page-header"><span class="field field--name-title">{e(spec["title"])}</span></h1>\n')
        parts.append(f'<div class="field field--name-field-dated field--type-datetime field--label-inline"><div class="field__label">date</div><div class="field__item"><time datetime="{spec["release_date"]}T12:00:00Z">{spec["release_date"]}</time></div></div>\n')
        parts.append(f'<div class="field field--name-field-symbol field--type-string"><div class="field__item">{e(spec["header_symbol"])}</div></div>\n')
        body_html = f"<p>{e(spec['lead'])}</p>\n" + paras(spec["body"])
        if spec.get("footer_in_body"):
            body_html += "\n<p>For information media. Not an official record.</p>"
    parts.append(f'<div class="clearfix text-formatted field field--name-body field-body field--type-text-with-summary field__item">\n{body_html}\n</div>\n')
    parts.append("</article>\n</main>\n")
    parts.append(CHROME_FOOT)
    return "".join(parts)

def french_page(spec):
    """A press.un.org/fr release: the same theme in French (lang, site name, date line)."""
    out = page(spec).replace('<html lang="en"', '<html lang="fr"').replace(
        "UN Meetings Coverage and Press Releases</title>", "Couverture des réunions &amp; communiqués de presse</title>")
    y, m, d = spec["release_date"].split("-")
    return out.replace(f">{dmy(spec['release_date'])}</span>", f">{int(d)} {MOIS[int(m) - 1]} {y}</span>")


MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre"]


def transcript(turns):
    return [f"{s}:  {t}" if s else t for s, t in turns]

SPECS = []
def add(**kw):
    SPECS.append(kw)

# --- 2007 old-host item with the DPI header (hard negative) ---
add(path="/en/2007/sgsm10843.doc.htm", era="old", header_symbol="SG/SM/10843-ECOSOC/6247",
    symbols=["SG/SM/10843", "ECOSOC/6247"], release_date="2007-01-17",
    title=P("sgsm10843", 1, 2)[0], split_headline=P("sgsm10843", 6, 8), lead=P("sgsm10843", 8, 9)[0],
    body=P("sgsm10843", 9, 15),
    exp={"doc_type": "speech", "delivery_date": "2007-01-17", "location": "New York", "speaker": "Ban Ki-moon",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    listing_href="https://www.un.org/News/Press/docs/2007/sgsm10843.doc.htm", page=2,
    note="real text (dev.jsonl sgsm10843); the 2010 SG/SM/13186 page has no text in dev.jsonl, this 2007 release has the same DPI header shape")
# --- 2015 multi-symbol observance message ---
add(path="/en/2015/sgsm16714.doc.htm", era="mid", header_symbol="SG/SM/16714-OBV/1462-PI/2125",
    symbols=["SG/SM/16714", "OBV/1462", "PI/2125"], release_date="2015-05-01",
    title=GOLD["sgsm16714"]["title"], lead=P("sgsm16714", 2, 3)[0], body=P("sgsm16714", 3, 7),
    exp={"doc_type": "message", "delivery_date": "2015-05-03", "location": None, "speaker": "Ban Ki-moon",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    page=2, note="real text (dev.jsonl sgsm16714); release date set two days before the observance, as is usual")
# --- 2016 as prepared for delivery, linked from the listing on the legacy www.un.org/press host ---
add(path="/en/2016/sgsm17831.doc.htm", era="mid", header_symbol="SG/SM/17831",
    symbols=["SG/SM/17831"], release_date="2016-06-08",
    title=GOLD["sgsm17831"]["title"], lead=P("sgsm17831", 2, 3)[0], body=P("sgsm17831", 3, 7),
    exp={"doc_type": "speech", "delivery_date": "2016-06-08", "location": "New York", "speaker": "Ban Ki-moon",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": "as_prepared"},
    listing_href="https://www.un.org/press/en/2016/sgsm17831.doc.htm", page=1, note="real text (dev.jsonl sgsm17831)")
# --- the cross-site speech ---
add(path="/en/2018/sgsm19413.doc.htm", era="mid", header_symbol="SG/SM/19413",
    symbols=["SG/SM/19413"], release_date="2018-12-18",
    title=GOLD["sgsm19413"]["title"], lead=P("sgsm19413", 1, 2)[0], body=P("sgsm19413", 2, 9),
    exp={"doc_type": "speech", "delivery_date": "2018-12-18", "location": "New York", "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    page=1, note="real text (dev.jsonl sgsm19413): body = gold passages 2..8, the same paragraphs as the www.un.org copy")
# --- 2019 observance message ---
add(path="/en/2019/sgsm19716.doc.htm", era="mid", header_symbol="SG/SM/19716-OBV/1909",
    symbols=["SG/SM/19716", "OBV/1909"], release_date="2019-08-30",
    title=GOLD["sgsm19716"]["title"], lead=P("sgsm19716", 2, 3)[0], body=P("sgsm19716", 3, 7),
    exp={"doc_type": "message", "delivery_date": "2019-08-30", "location": None, "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    page=1, note="real text (dev.jsonl sgsm19716)")
# --- 2020 as delivered, observed today ---
add(path="/en/2020/sgsm20488.doc.htm", era="new", header_symbol="SG/SM/20488-OBV/2113",
    symbols=["SG/SM/20488", "OBV/2113"], release_date="2020-12-09",
    title=GOLD["sgsm20488"]["title"], lead=P("sgsm20488", 1, 2)[0], body=P("sgsm20488", 2, 7),
    exp={"doc_type": "speech", "delivery_date": "2020-12-09", "location": None, "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": "as_delivered"},
    page=1, note="real text (dev.jsonl sgsm20488); the OBV symbol is illustrative")
# --- 2021 Human Rights Day message, footer line inside the body field ---
add(path="/en/2021/sgsm21067.doc.htm", era="new", header_symbol="SG/SM/21067-HR/5473-OBV/2180",
    symbols=["SG/SM/21067", "HR/5473", "OBV/2180"], release_date="2021-12-08",
    title=GOLD["sgsm21067"]["title"], lead=P("sgsm21067", 1, 2)[0], body=P("sgsm21067", 2, 7), footer_in_body=True,
    exp={"doc_type": "message", "delivery_date": "2021-12-10", "location": None, "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    page=0, note="real text (dev.jsonl sgsm21067); release date and HR/OBV symbols are illustrative")
# --- 2023 press conference transcript ---
pc_turns = [("Secretary-General", P("sgsm21840", 2, 3)[0].split(":", 1)[1].strip())] + \
    [(None, t) for t in P("sgsm21840", 3, 9)] + \
    [("Question", "Secretary-General, what do you expect from the big emitters before COP 28?"),
     ("Secretary-General", "To help get us there, I have proposed a Climate Solidarity Pact in which all big emitters would make extra efforts to cut emissions.")]
add(path="/en/2023/sgsm21840.doc.htm", era="new", header_symbol="SG/SM/21840",
    symbols=["SG/SM/21840"], release_date="2023-06-15",
    title=P("sgsm21840", 0, 1)[0], lead=P("sgsm21840", 1, 2)[0], body=transcript(pc_turns),
    exp={"doc_type": "press_encounter", "delivery_date": "2023-06-15", "location": "New York", "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None, "turn_count": 3,
             "turn_speakers": ["Secretary-General", "Question", "Secretary-General"]},
    page=0, blog=True,
    note="real opening (dev.jsonl sgsm21840); the last question/answer pair is a constructed fixture; release date illustrative")
# --- 2023 observance message, released early (hard negative) ---
add(path="/en/2023/sgsm21899.doc.htm", era="new", header_symbol="SG/SM/21899-OBV/2234",
    symbols=["SG/SM/21899", "OBV/2234"], release_date="2023-08-07",
    title=GOLD["sgsm21899"]["title"], lead=P("sgsm21899", 0, 1)[0].replace(" date 2023-08-07 ", ""), body=P("sgsm21899", 1, 5),
    exp={"doc_type": "message", "delivery_date": "2023-08-12", "location": None, "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    page=0, rss=True, note="real text (dev.jsonl sgsm21899); OBV symbol illustrative")
# --- 2025 observance message released ten days early ---
add(path="/en/2025/sgsm22876.doc.htm", era="new", header_symbol="SG/SM/22876-OBV/2560-PI/2410",
    symbols=["SG/SM/22876", "OBV/2560", "PI/2410"], release_date="2025-10-23",
    title=GOLD["sgsm22876"]["title"], lead=P("sgsm22876", 0, 1)[0].replace(" date 2025-10-23 ", ""), body=P("sgsm22876", 1, 9),
    exp={"doc_type": "message", "delivery_date": "2025-11-02", "location": None, "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    page=0, rss=True, blog=True, note="real text (dev.jsonl sgsm22876); OBV/PI symbols illustrative")
# --- constructed: Spokesperson statement ---
add(path="/en/2024/sgsm99001.doc.htm", era="new", header_symbol="SG/SM/99001",
    symbols=["SG/SM/99001"], release_date="2024-05-03",
    title="Statement by the Spokesperson for the Secretary-General on World Press Freedom Day",
    lead="The following statement was issued today by the Spokesperson for UN Secretary-General António Guterres:",
    body=["The Secretary-General is following with concern reports of journalists detained while covering protests.",
          "He calls on all authorities to release journalists detained for their work and to ensure that media workers can report freely and safely."],
    exp={"doc_type": "statement", "delivery_date": "2024-05-03", "location": None, "speaker": "António Guterres",
             "speaker_role": "Spokesperson", "delivered_by": None, "delivery_status": None},
    page=0, rss=True, note="constructed fixture (no real Spokesperson statement text in dev.jsonl); symbol is fictitious")
# --- constructed: delivered by the Deputy Secretary-General (real un.org/sg text) ---
civil = GOLD["unsg-2013-09-23-supporting-civil-society"]
add(path="/en/2013/sgsm99002.doc.htm", era="mid", gold_id="unsg-2013-09-23-supporting-civil-society", header_symbol="SG/SM/99002",
    symbols=["SG/SM/99002"], release_date="2013-09-23",
    title="Civil Society Has Never Been More Important or Needed, Secretary-General Tells High-Level Event",
    lead="Following are UN Secretary-General Ban Ki-moon’s remarks to the High-Level Event on Supporting Civil Society, delivered by Deputy Secretary-General Jan Eliasson, in New York today:",
    body=[p["text"].strip() for p in civil["passages"][3:18]],
    exp={"doc_type": "speech", "delivery_date": "2013-09-23", "location": "New York", "speaker": "Ban Ki-moon",
             "speaker_role": "Secretary-General", "delivered_by": "Jan Eliasson", "delivery_status": None},
    page=2, note="real text of the un.org/sg page (dev.jsonl unsg-2013-09-23-supporting-civil-society); press headline, lead and symbol are constructed")

# --- cross-source: released 13 June, delivered 20 June; the un.org/sg copy's URL is dated 12 June ---
add(path="/en/2025/sgsm22684.doc.htm", era="new", header_symbol="SG/SM/22684",
    symbols=["SG/SM/22684"], release_date="2025-06-13",
    title=GOLD["sgsm22684"]["title"], lead=P("sgsm22684", 0, 1)[0].replace(" date 2025-06-13 ", ""),
    body=P("sgsm22684", 1, 7),
    exp={"doc_type": "message", "delivery_date": "2025-06-20", "location": None, "speaker": "António Guterres",
             "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
    page=0, note="real text (dev.jsonl sgsm22684); the same message is on www.un.org/sg under a URL dated 12 June")
# --- French-only release, reached from the English "not available in English" notice ---
torture = GOLD["unsg-2018-06-26-torture-day"]
FRENCH = dict(path="/fr/2018/sgsm19057.doc.htm", era="mid", gold_id="unsg-2018-06-26-torture-day",
              header_symbol="SG/SM/19057", symbols=["SG/SM/19057"], release_date="2018-06-25",
              title="Journée internationale pour le soutien aux victimes de la torture : le Secrétaire général rend hommage aux survivants",
              lead="On trouvera ci-après le message du Secrétaire général de l'ONU, M. António Guterres, à l'occasion de "
                   "la Journée internationale pour le soutien aux victimes de la torture, célébrée le 26 juin :",
              body=[torture["passages"][8]["text"],
                    torture["passages"][9]["text"].split(". ")[0] + "."],
              exp={"doc_type": "message", "delivery_date": "2018-06-26", "location": None, "speaker": "António Guterres",
                   "speaker_role": "Secretary-General", "delivered_by": None, "delivery_status": None},
              language="fr", french=True,
              note="real French text of the 2018 message (dev.jsonl unsg-2018-06-26-torture-day, French half; the "
                   "second paragraph cut at its first sentence, where the gold copy is cut); headline and release "
                   "date constructed, SG/SM/19057 is the symbol SOURCES.md names")
SPECS.append(FRENCH)
NOTICE_PATH = "/en/2018/sgsm19057.doc.htm"
NOTICE_TEXT = ("This text is not available in English. For the French text, please see "
               "www.un.org/press/fr/2018/sgsm19057.doc.htm")
# --- noon briefing: stored as the Spokesperson's statement (doc_type noon_briefing), questions dropped ---
db = GOLD["db160531"]
BRIEFING_QA = [
    ("Question", "Stéphane, will the Secretary-General raise the decision of the NGO Committee with Member States?"),
    ("Spokesman", "He has made his views very clear, and he will continue to raise them with Member States."),
    ("Question", "And on Syria, is there any update on the people trapped near Azaz?"),
    ("Spokesman", "We are in contact with our humanitarian colleagues on the ground and will share any update we have."),
]
add(path="/en/2016/db160531.doc.htm", era="mid", gold_id="db160531", header_symbol=None, symbols=[],
    release_date="2016-05-31", title=P("db160531", 1, 2)[0], lead=P("db160531", 2, 3)[0],
    body=P("db160531", 3, 9) + transcript(BRIEFING_QA),
    exp={"doc_type": "noon_briefing", "delivery_date": "2016-05-31", "location": "New York",
         "speaker": "Stéphane Dujarric", "speaker_role": "Spokesperson", "delivered_by": None, "delivery_status": None,
         "turn_count": 4, "turn_speakers": ["Question", "Spokesman", "Question", "Spokesman"]},
    page=None, rss=True, briefing=True,
    note="real opening notes (dev.jsonl db160531, passages 3-8); the questions and answers are constructed. Stored "
         "as a statement of the Spokesperson (doc_type noon_briefing): the Spokesperson's words, not the questions")

MALFORMED = {
    "/en/2019/sgsm19999.doc.htm": ("http_error", 1, "2019-11-04", "Page that no longer exists (404)"),
    "/en/2020/sgsm20300.doc.htm": ("http_error", 1, "2020-10-05", "Server error page (500)"),
    "/en/2024/sgsm22500.doc.htm": ("empty_body", 0, "2024-06-03", "Secretary-General's message with an empty body"),
    "/en/2022/sgsm21266.doc.htm": ("invalid", 0, "2022-10-10", GOLD["sgsm21266"]["title"]),
}

def write(rel, text):
    p = ROOT / rel.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")

def main():
    pages = []
    for s in SPECS:
        write(s["path"], french_page(s) if s.get("french") else page(s))
        if s["exp"]["doc_type"] == "press_encounter":
            text = join_paragraphs([t for sp, t in pc_turns if sp in ("Secretary-General", None)])
        elif s.get("briefing"):
            text = join_paragraphs(P("db160531", 3, 9) + [t for sp, t in BRIEFING_QA if sp == "Spokesman"])
        else:
            text = join_paragraphs(s["body"])
        ex = {
            "key": s["path"].rsplit("/", 1)[1].split(".")[0], "gold_id": s.get("gold_id", s["path"].rsplit("/", 1)[1].split(".")[0] if s["path"].rsplit("/", 1)[1].split(".")[0] in GOLD else None), "template": s["era"],
            "file": s["path"].lstrip("/"), "url": BASE + s["path"], "source": "press.un.org",
            "doc_type": s["exp"]["doc_type"], "title": normalize_inline(s["title"]),
            "speaker": s["exp"]["speaker"], "speaker_role": s["exp"]["speaker_role"],
            "delivery_date": s["exp"]["delivery_date"], "delivered_by": s["exp"]["delivered_by"],
            "delivery_status": s["exp"]["delivery_status"], "release_date": s["release_date"],
            "url_date": s["release_date"] if s.get("briefing") else None,
            "location": s["exp"]["location"], "symbols": s["symbols"], "language": s.get("language", "en"),
            "lead": normalize_inline(s["lead"]),
            "text_start": text[:60], "text_end": text[-60:], "text_paragraphs": len(text.split("\n\n")),
            "text_length": len(text), "has_french": False, "french_start": None,
            "turns": s["exp"].get("turn_count", 0), "turn_speakers": s["exp"].get("turn_speakers", []),
            "extraction": dict({"title": "selector", "text": "selector", "lead": "text_shape", "doc_type": "text_shape"},
                               **({"symbols": "text_shape", "release_date": "text_shape"} if s["era"] == "old"
                                  else {"symbols": "generic", "release_date": "selector"} if s.get("briefing")
                                  else {"symbols": "selector", "release_date": "selector"})),
            "cross_site": s["path"].endswith(("sgsm19413.doc.htm", "sgsm99002.doc.htm", "sgsm22684.doc.htm")),
            "note": s["note"],
        }
        pages.append(ex)
    # malformed pages
    emp = {"path": "/en/2024/sgsm22500.doc.htm", "era": "new", "header_symbol": "SG/SM/22500", "release_date": "2024-06-03",
               "title": "Secretary-General's message with an empty body", "lead": "", "body": []}
    html_empty = page(emp).replace("<p></p>\n", "")
    write(emp["path"], html_empty)
    trunc = {"path": "/en/2022/sgsm21266.doc.htm", "era": "new", "header_symbol": "SG/SM/21266", "release_date": "2022-10-10",
                 "title": GOLD["sgsm21266"]["title"], "lead": P("sgsm21266", 2, 3)[0], "body": P("sgsm21266", 3, 10)}
    full = page(trunc)
    cut = full.index(P("sgsm21266", 9, 10)[0] + "</p>")
    write(trunc["path"], full[:cut + 1])  # the real copy ends after the letter "A"
    write("/_404.html", """<!DOCTYPE html>
<html lang="en" dir="ltr">
<head><meta charset="utf-8" /><title>Page not found | UN Meetings Coverage and Press Releases</title></head>
<body>
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<header role="banner" class="site-header"><div class="site-name"><a href="/en" rel="home">Meetings Coverage and Press Releases</a></div></header>
<main role="main"><a id="main-content" tabindex="-1"></a>
<h1 class="page-header">Page not found</h1>
<div class="field-body"><p>The requested page could not be found.</p></div>
</main>
</body>
</html>
""")
    write("/_500.html", "<!DOCTYPE html><html><head><title>Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The website encountered an unexpected error. Please try again later.</p></body></html>\n")
    write("/_status.json", json.dumps({"/en/2020/sgsm20300.doc.htm": {"status": 500, "body": "_500.html"}}, indent=2) + "\n")
    skipped = []
    for path, (reason, _, _, _) in MALFORMED.items():
        detail = {"invalid": "truncated page (no closing </html>)", "empty_body": "no text in the body field",
                  "http_error": "HTTP 404" if "19999" in path else "HTTP 500"}[reason]
        entry = {"url": BASE + path, "reason": reason, "what": detail, "file": path.lstrip("/") if reason in ("invalid", "empty_body") else None}
        if reason == "http_error":
            entry["status"] = 404 if "19999" in path else 500
        skipped.append(entry)
    notice = {"path": NOTICE_PATH, "era": "mid", "header_symbol": "SG/SM/19057", "release_date": "2018-06-25",
              "title": "Secretary-General's message on the International Day in Support of Victims of Torture",
              "lead": "", "body": [NOTICE_TEXT]}
    write(NOTICE_PATH, page(notice).replace("<p></p>\n", ""))
    skipped.append({"url": BASE + NOTICE_PATH, "reason": "not_english", "file": NOTICE_PATH.lstrip("/"),
                    "what": "not available in English; French text at https://www.un.org/press/fr/2018/sgsm19057.doc.htm",
                    "follows": BASE + FRENCH["path"]})
    skipped.append({"url": BASE + "/en/2026/sc16444.doc.htm", "reason": "not_statement", "file": "en/2026/sc16444.doc.htm",
                    "what": "not an SG symbol (Security Council release in the feed; not fetched by the spider)"})
    # non-SG release, served but never stored as a statement
    sc = {"path": "/en/2026/sc16444.doc.htm", "era": "new", "header_symbol": "SC/16444", "release_date": "2026-01-08",
              "title": "Security Council Press Statement on Terrorist Attack",
              "lead": "The following Security Council press statement was issued today by Council President:",
              "body": ["The members of the Security Council condemned in the strongest terms the heinous and cowardly terrorist attack."]}
    write(sc["path"], page(sc))
    # blog duplicates: same document as the release, points to it with rel=canonical
    for s in SPECS:
        if s.get("blog"):
            sym = s["path"].rsplit("/", 1)[1].split(".")[0]
            b = page(dict(s, title=s["title"] + " — live blog"))
            b = b.replace(f'<link rel="canonical" href="{BASE}{s["path"]}" />', f'<link rel="canonical" href="{BASE}{s["path"]}" />\n<link rel="shortlink" href="{BASE}/en/blog/{sym}" />')
            write(f"/en/blog/{sym}", b)
    # listing pages
    items = []
    for s in SPECS:
        if s.get("page") is not None:
            items.append((s["page"], s["release_date"], s.get("listing_href", s["path"]), s["title"]))
    for path, (_, pg, d, title) in MALFORMED.items():
        items.append((pg, d, path, title))
    items.append((1, notice["release_date"], NOTICE_PATH, notice["title"] + " (not available in English)"))
    listing_counts = []
    for pg in range(4):
        rows = sorted([i for i in items if i[0] == pg], key=lambda i: i[1], reverse=True)
        listing_counts.append(len(rows))
        out = [CHROME_HEAD.format(title="Secretary-General", canonical=BASE + "/en/content/secretary-general" + (f"?page={pg}" if pg else ""))]
        out.append('<main role="main"><a id="main-content" tabindex="-1"></a>\n<h1 class="page-header">Secretary-General</h1>\n<div class="view view-press-releases view-id-press_releases">\n<div class="view-content">\n')
        for _, d, href, title in rows:
            sym = href.rsplit("/", 1)[1].split(".")[0]
            out.append(f'<div class="views-row"><article class="node node--view-mode-teaser">'
                       f'<div class="field field--name-field-dated"><time datetime="{d}T12:00:00Z">{e(dmy(d))}</time></div>'
                       f'<h3 class="node__title"><a href="{e(href)}" hreflang="en">{e(title)}</a></h3>'
                       f'<div class="field field--name-field-symbol">{e(sym.upper())}</div></article></div>\n')
        if not rows:
            out.append('<div class="view-empty"><p>No content found.</p></div>\n')
        out.append("</div>\n")
        if rows:
            out.append(f'<nav class="pager" role="navigation"><ul class="pager__items"><li class="pager__item pager__item--next"><a href="?page={pg+1}" rel="next">Next page</a></li></ul></nav>\n')
        out.append("</div>\n</main>\n" + CHROME_FOOT)
        name = "en/content/secretary-general" + (f".page-{pg}" if pg else "") + ".html"
        write(name, "".join(out))
    # French listing (not crawled: French versions of English releases are not new statements; a French-only
    # text is reached through its English "not available in English" notice)
    fr_rows = [("/fr/2018/sgsm19413.doc.htm", "2018-12-18", "Les défenseurs des droits humains donnent une voix aux sans-voix, déclare le Secrétaire général"),
               (FRENCH["path"], FRENCH["release_date"], FRENCH["title"]),
               ("/fr/2016/sgsm17831.doc.htm", "2016-06-08", "Le Secrétaire général s'engage à continuer de défendre les droits des journalistes")]
    out = [CHROME_HEAD.replace('<html lang="en"', '<html lang="fr"').format(
        title="Secrétaire général", canonical=BASE + "/fr/content/secretary-general")]
    out.append('<main role="main"><a id="main-content" tabindex="-1"></a>\n<h1 class="page-header">Secrétaire général</h1>\n<div class="view view-press-releases view-id-press_releases">\n<div class="view-content">\n')
    for href, d, title in fr_rows:
        y, m, dd = d.split("-")
        out.append(f'<div class="views-row"><article class="node node--view-mode-teaser">'
                   f'<div class="field field--name-field-dated"><time datetime="{d}T12:00:00Z">{int(dd)} {MOIS[int(m) - 1]} {y}</time></div>'
                   f'<h3 class="node__title"><a href="{e(href)}" hreflang="fr">{e(title)}</a></h3>'
                   f'<div class="field field--name-field-symbol">{e(href.rsplit("/", 1)[1].split(".")[0].upper())}</div></article></div>\n')
    out.append("</div>\n</div>\n</main>\n" + CHROME_FOOT)
    write("fr/content/secretary-general.html", "".join(out))

    # RSS
    rss_items = [
        ("/en/2025/sgsm22876.doc.htm", GOLD["sgsm22876"]["title"], "Thu, 23 Oct 2025 16:05:00 +0000"),
        ("/en/blog/sgsm22876", GOLD["sgsm22876"]["title"], "Thu, 23 Oct 2025 16:00:00 +0000"),
        ("/en/2026/sc16444.doc.htm", "Security Council Press Statement on Terrorist Attack", "Thu, 08 Jan 2026 18:30:00 +0000"),
        ("/en/2024/sgsm99001.doc.htm", "Statement by the Spokesperson for the Secretary-General on World Press Freedom Day", "Fri, 03 May 2024 14:00:00 +0000"),
        ("/en/2023/sgsm21899.doc.htm", GOLD["sgsm21899"]["title"], "Mon, 07 Aug 2023 15:00:00 +0000"),
        ("/en/blog/sgsm21840", P("sgsm21840", 0, 1)[0], "Thu, 15 Jun 2023 17:00:00 +0000"),
        ("/en/2016/db160531.doc.htm", P("db160531", 1, 2)[0] + ", 31 May 2016", "Tue, 31 May 2016 16:30:00 +0000"),
    ]
    x = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xml:base="https://press.un.org/en" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n<title>UN Meetings Coverage and Press Releases</title>\n<link>https://press.un.org/en</link>\n<description>Meetings coverage and press releases</description>\n<language>en</language>\n<atom:link href="https://press.un.org/en/rss.xml" rel="self" type="application/rss+xml" />\n']
    for path, title, date in rss_items:
        x.append(f"<item>\n<title>{e(title)}</title>\n<link>{BASE}{path}</link>\n<description>{e(title)}</description>\n<pubDate>{date}</pubDate>\n<dc:creator>UN Meetings Coverage</dc:creator>\n<guid isPermaLink=\"false\">{path.rsplit('/',1)[1].split('.')[0]} at https://press.un.org</guid>\n</item>\n")
    x.append("</channel>\n</rss>\n")
    write("/en/rss.xml", "".join(x))
    write("/robots.txt", """#
# robots.txt for press.un.org (sample copy)
#
User-agent: *
# CSS, JS, Images
Allow: /core/*.css$
Allow: /core/*.js$
Allow: /en/rss.xml
# Directories
Disallow: /core/
Disallow: /profiles/
# Paths (clean URLs)
Disallow: /admin/
Disallow: /comment/reply/
Disallow: /filter/tips
Disallow: /node/add/
Disallow: /search/
Disallow: /en/search/
Disallow: /user/register
Disallow: /user/password
Disallow: /user/login
Disallow: /user/logout
Disallow: /en/user/
# Paths (no clean URLs)
Disallow: /index.php/admin/
Disallow: /index.php/search/
Disallow: /index.php/user/
""")
    expected = {
        "site": "press.un.org", "public_base": BASE, "pages": pages, "skipped": skipped,
        "not_followed": [BASE + "/en/2026/sc16444.doc.htm"],
        "duplicates": {BASE + "/en/blog/sgsm22876": BASE + "/en/2025/sgsm22876.doc.htm",
                       BASE + "/en/blog/sgsm21840": BASE + "/en/2023/sgsm21840.doc.htm"},
        "listing": {"path": "/en/content/secretary-general", "pages": listing_counts,
                    "first_item": {"date": "2025-10-23", "url": BASE + "/en/2025/sgsm22876.doc.htm"}},
        "listing_fr": {"path": "/fr/content/secretary-general", "crawled": False,
                       "items": [{"url": BASE + href, "date": d, "title": t} for href, d, t in fr_rows]},
        "rss": {"path": "/en/rss.xml", "items": len(rss_items), "links": [BASE + p for p, _, _ in rss_items]},
        "robots": {"path": "/robots.txt", "crawl_delay": None, "allowed": ["/en/rss.xml", "/en/content/secretary-general",
                                                                             "/en/2018/sgsm19413.doc.htm", "/fr/2018/sgsm19057.doc.htm"],
                   "disallowed": ["/admin/", "/search/", "/en/search/node", "/user/login", "/en/user/1"]},
    }
    expected["manifest"] = manifest(expected)
    out = ROOT / "_expected" / "expected.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(len(pages), "pages;", len(skipped), "skipped")

def manifest(expected):
    """One entry per served file (SOURCES.md §7): URL, fetch time, the headers the sample server sends, expected JSON.

    The pages were generated, not fetched: ``fetched_at`` is when this script last wrote a file with these
    bytes (kept from the previous expected.json while the bytes are unchanged, so a re-run changes nothing).
    """
    import hashlib
    from datetime import UTC, datetime

    from sample_site.server import _FIXED_MTIME, _content_type, resolve

    old = {}
    previous = ROOT / "_expected" / "expected.json"
    if previous.exists():
        old = {m["url"]: m for m in json.loads(previous.read_text(encoding="utf-8")).get("manifest", [])}
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    entries = [(pg["url"], "statement", pg) for pg in expected["pages"]]
    entries += [(sk["url"], "skipped", sk) for sk in expected["skipped"]]
    entries += [(dup, "duplicate", {"same_as": release}) for dup, release in expected["duplicates"].items()]
    lst = expected["listing"]
    for n, count in enumerate(lst["pages"]):
        entries.append((f"{BASE}{lst['path']}?page={n}", "listing", {"page": n, "items": count, "next_page": count > 0}))
    entries.append((BASE + expected["listing_fr"]["path"], "listing", expected["listing_fr"]))
    entries.append((BASE + expected["rss"]["path"], "feed", {"items": expected["rss"]["items"], "links": expected["rss"]["links"]}))
    entries.append((BASE + "/robots.txt", "robots", expected["robots"]))
    entries.append((BASE + "/en/content/latest-news", "not_found", {"status": 404, "title": "Page not found"}))
    out = []
    for url, kind, exp in entries:
        status, file = resolve(ROOT, url[len(BASE):])
        body = file.read_bytes() if file is not None and file.is_file() else b""
        headers = {"Content-Type": _content_type(file) if file else "text/html; charset=utf-8",
                   "Content-Length": str(len(body))}
        if status == 200:
            headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers["Last-Modified"] = _FIXED_MTIME
        rel = str(file.relative_to(ROOT)) if file is not None else None
        prior = old.get(url)
        same = prior is not None and prior.get("file") == rel and prior.get("headers") == headers
        out.append({"url": url, "file": rel, "status": status, "kind": kind,
                    "fetched_at": prior["fetched_at"] if same else now, "headers": headers, "expected": exp})
    return out


if __name__ == "__main__":
    main()
