"""Regenerate the www.un.org/sg sample pages and their expected parsed fields from the gold texts.

Run: ``.venv/bin/python sample_site/www.un.org/_generate.py ../shared/data/gold/dev.jsonl``.
Bodies are real SG texts (data/gold/dev.jsonl); the markup imitates Drupal 7 (theme bootstrap_un_sg).
Three markup eras exercise the spider's three extraction paths: field classes (selector), old pages
whose body field starts with location/date/title lines (text_shape), and a page with no known classes
(generic main-text extraction).
It holds every www.un.org/sg item of the SOURCES.md §7 checklist (both feeds, a first, middle and last listing
page, the note to correspondents, the bilingual "as delivered" speech, the 2024 video message, the item whose
URL, release and delivery dates differ); each page's ``note`` says where its text comes from and what is
invented for shape. ``_expected/expected.json`` also holds the per-file manifest (URL, fetch time, headers,
expected JSON).
"""

from __future__ import annotations

import html
import json
import random
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PUBLIC = "https://www.un.org"


def gold(path: Path) -> dict[str, dict]:
    docs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        docs[d["id"]] = d
    return docs


def P(doc: dict, a: int, b: int) -> list[str]:
    return [p["text"] for p in doc["passages"] if a <= p["i"] <= b]


def path_date(path: str) -> date:
    """The /YYYY-MM-DD/ segment of a statement path (the URL date, which can differ from the page date)."""
    seg = next(part for part in path.split("/") if len(part) == 10 and part[4] == "-" and part[7] == "-")
    return date.fromisoformat(seg)


def long_date(d: date) -> str:
    return f"{d.day:02d} {d.strftime('%B %Y')}"


def head(title: str, path: str, nid: int) -> str:
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr" prefix="content: http://purl.org/rss/1.0/modules/content/ dc: http://purl.org/dc/terms/ foaf: http://xmlns.com/foaf/0.1/ og: http://ogp.me/ns# sioc: http://rdfs.org/sioc/ns#">
<head profile="http://www.w3.org/1999/xhtml/vocab">
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
  <link rel="shortcut icon" href="https://www.un.org/sg/sites/www.un.org.sg/files/favicon_0.ico" type="image/vnd.microsoft.icon" />
  <meta name="Generator" content="Drupal 7 (http://drupal.org)" />
  <link rel="canonical" href="{PUBLIC}{path}" />
  <link rel="shortlink" href="{PUBLIC}/sg/en/node/{nid}" />
  <meta property="og:site_name" content="United Nations Secretary-General" />
  <meta property="og:title" content="{t}" />
  <link rel="alternate" type="application/rss+xml" title="Latest Statements, Off-the-Cuff and Readouts" href="https://www.un.org/sg/en/spokesperson/rss.asp" />
  <title>{t} | United Nations Secretary-General</title>
  <link type="text/css" rel="stylesheet" href="https://www.un.org/sg/sites/www.un.org.sg/files/css/css_bootstrap_un_sg.css" media="all" />
  <script src="https://www.un.org/sg/sites/www.un.org.sg/files/js/js_bootstrap_un_sg.js"></script>
</head>
"""


NAV = """<div id="skip-link"><a href="#main-content" class="element-invisible element-focusable">Skip to main content</a></div>
<div class="un-global-header"><ul class="language-switcher-locale-url"><li class="ar first"><a href="/sg/ar" lang="ar">عربي</a></li><li class="zh-hans"><a href="/sg/zh" lang="zh-hans">中文</a></li><li class="en active"><a href="/sg/en" class="active" lang="en">English</a></li><li class="fr"><a href="/sg/fr" lang="fr">Français</a></li><li class="ru"><a href="/sg/ru" lang="ru">Русский</a></li><li class="es last"><a href="/sg/es" lang="es">Español</a></li></ul></div>
<header id="navbar" role="banner" class="navbar container navbar-default">
  <div class="navbar-header"><a class="logo navbar-btn pull-left" href="/sg/en" title="Home"><img src="https://www.un.org/sg/sites/www.un.org.sg/files/un-logo.png" alt="Home" /></a>
  <a class="name navbar-brand" href="/sg/en" title="Home">United Nations Secretary-General</a></div>
  <div class="navbar-collapse collapse"><nav role="navigation"><ul class="menu nav navbar-nav">
    <li class="first expanded dropdown"><a href="/sg/en/content/sg/biography" class="dropdown-toggle">The Secretary-General</a></li>
    <li class="expanded dropdown"><a href="/sg/en/content/ossg/latest-statements">Statements</a></li>
    <li class="leaf"><a href="/sg/en/content/sg/appointments-secretary-general">Appointments</a></li>
    <li class="leaf"><a href="/sg/en/spokesperson">Spokesperson</a></li>
    <li class="last leaf"><a href="/sg/en/search/node">Search</a></li>
  </ul></nav></div>
</header>
"""

SIDEBAR = """<aside class="col-sm-3" role="complementary"><div class="region region-sidebar-second">
  <section id="block-menu-block-3" class="block block-menu-block clearfix"><h2 class="block-title">Statements</h2>
    <ul class="menu nav"><li class="first leaf"><a href="/sg/en/content/ossg/latest-statements">Latest statements</a></li>
    <li class="leaf"><a href="/sg/en/sg-speech-topics/human-rights">Statements by topic</a></li>
    <li class="leaf"><a href="/sg/en/regions/africa">Statements by region</a></li>
    <li class="last leaf"><a href="/sg/en/spokesperson">Off-the-cuff and readouts</a></li></ul></section>
  <section id="block-block-12" class="block block-block clearfix"><h2 class="block-title">Follow the Secretary-General</h2>
    <p>Subscribe to the feed of the latest statements and read the daily noon briefing transcripts of the Spokesperson.</p></section>
</div></aside>
"""

FOOTER = """<footer class="footer container"><div class="region region-footer">
  <section id="block-menu-menu-footer" class="block block-menu clearfix"><ul class="menu nav">
    <li class="first leaf"><a href="https://www.un.org/en/about-us/copyright">Copyright</a></li>
    <li class="leaf"><a href="https://www.un.org/en/about-us/fraud-alert">Fraud Alert</a></li>
    <li class="leaf"><a href="https://www.un.org/en/about-us/privacy-notice">Privacy Notice</a></li>
    <li class="leaf"><a href="https://www.un.org/en/about-us/terms-of-use">Terms of Use</a></li>
    <li class="last leaf"><a href="/sg/en/rss.xml">RSS</a></li></ul></section>
</div></footer>
<script src="https://www.un.org/sg/sites/www.un.org.sg/files/js/js_footer.js"></script>
</body>
</html>
"""


def breadcrumb(kind: str) -> str:
    return f"""<header role="banner" id="page-header"><ol class="breadcrumb"><li><a href="/sg/en">Home</a></li>
<li><a href="/sg/en/content/ossg/latest-statements">Statements</a></li><li class="active">{html.escape(kind)}</li></ol></header>
"""


def paras(items: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(x)}</p>" for x in items)


def page_fields(pg: dict) -> str:
    """Era 2016+: Drupal field classes for location, date, speaker and body."""
    path, nid = pg["path"], pg["nid"]
    d: date = pg["date"]
    speaker = ""
    if pg.get("speaker_line"):
        name, _, role = pg["speaker_line"].partition(", ")
        who = f'<a href="/sg/en/content/sg/biography">{html.escape(name)}</a>' + (f", {html.escape(role)}" if role else "")
        speaker = f"""  <div class="field field-name-field-speaker field-type-text field-label-hidden"><div class="field-items"><div class="field-item even">{who}</div></div></div>\n"""
    caption = ""
    if pg.get("caption"):
        caption = f"""  <div class="field field-name-field-image field-type-image field-label-hidden"><div class="field-items"><div class="field-item even"><img typeof="foaf:Image" class="img-responsive" src="https://www.un.org/sg/sites/www.un.org.sg/files/photo-{nid}.jpg" alt="" /><div class="caption">{html.escape(pg['caption'])}</div></div></div></div>\n"""
    body = (pg["pre_body"] + pg["body"] + (["*****"] + pg["french"] if pg.get("french") else [])
            + (["*****"] + pg["bilingual"] if pg.get("bilingual") else []))
    return (head(pg["title_raw"], path, nid)
            + f'<body class="html not-front not-logged-in one-sidebar sidebar-second page-node page-node-{nid} node-type-sg-statement i18n-en">\n'
            + NAV + '<div class="main-container container">\n' + breadcrumb(pg["crumb"])
            + '<div class="row">\n<section class="col-sm-9">\n<a id="main-content"></a>\n'
            + '<div class="region region-content"><section id="block-system-main" class="block block-system clearfix">\n'
            + f'<article id="node-{nid}" class="node node-sg-statement clearfix" about="{path}" typeof="sioc:Item foaf:Document">\n'
            + f'  <div class="field field-name-field-location field-type-text field-label-hidden"><div class="field-items"><div class="field-item even">{html.escape(pg["location"])}</div></div></div>\n'
            + f'  <div class="field field-name-field-statement-date field-type-datetime field-label-hidden"><div class="field-items"><div class="field-item even"><span class="date-display-single" property="dc:date" datatype="xsd:dateTime" content="{d.isoformat()}T00:00:00-04:00">{long_date(d)}</span></div></div></div>\n'
            + f'  <h1 class="page-header">{html.escape(pg["title_raw"])}</h1>\n'
            + speaker + caption
            + '  <div class="field field-name-body field-type-text-with-summary field-label-hidden"><div class="field-items"><div class="field-item even" property="content:encoded">\n'
            + paras(body) + "\n</div></div></div>\n</article>\n</section></div>\n</section>\n" + SIDEBAR + "</div></div>\n" + FOOTER)


def page_shaped(pg: dict) -> str:
    """Era 2012-2013: only the title is marked up; location, date, title, speaker are body lines."""
    path, nid = pg["path"], pg["nid"]
    lead = [pg["location"], long_date(pg["date"]), pg["title_raw"]]
    if pg.get("speaker_line"):
        lead.append(pg["speaker_line"])
    if pg.get("caption"):
        lead.append(pg["caption"])
    body = lead + pg["pre_body"] + pg["body"] + (["*****"] + pg["french"] if pg.get("french") else [])
    return (head(pg["title_raw"], path, nid)
            + f'<body class="html not-front not-logged-in one-sidebar sidebar-second page-node page-node-{nid} node-type-statement i18n-en">\n'
            + NAV + '<div class="main-container container">\n' + breadcrumb(pg["crumb"])
            + '<div class="row">\n<section class="col-sm-9">\n<a id="main-content"></a>\n'
            + f'<h1 class="page-header">{html.escape(pg["title_raw"])}</h1>\n'
            + '<div class="region region-content"><section id="block-system-main" class="block block-system clearfix">\n'
            + f'<article id="node-{nid}" class="node node-statement clearfix" about="{path}" typeof="sioc:Item foaf:Document">\n'
            + '  <div class="field field-name-body field-type-text-with-summary field-label-hidden"><div class="field-items"><div class="field-item even" property="content:encoded">\n'
            + paras(body) + "\n</div></div></div>\n</article>\n</section></div>\n</section>\n" + SIDEBAR + "</div></div>\n" + FOOTER)


def page_plain(pg: dict) -> str:
    """A page whose template lost its field classes (a redesign in progress): only generic extraction works."""
    path, nid = pg["path"], pg["nid"]
    lead = [pg["location"], long_date(pg["date"])]
    return (head(pg["title_raw"], path, nid)
            + f'<body class="html not-front page-node-{nid}">\n' + NAV
            + '<div id="wrapper"><div id="main">\n'
            + f'<div class="statement">\n{paras(lead)}\n<h2>{html.escape(pg["title_raw"])}</h2>\n{paras(pg["body"])}\n</div>\n'
            + "</div></div>\n" + FOOTER)


def build(docs: dict[str, dict]) -> None:
    g = docs
    pages: list[dict] = []

    def add(**kw: object) -> dict:
        kw.setdefault("pre_body", [])
        kw.setdefault("french", [])
        pages.append(kw)
        return kw

    hr = g["sgsm19413"]
    add(key="hr-prize-2018", gold="sgsm19413", template="fields", nid=190101,
        path="/sg/en/content/sg/speeches/2018-12-18/secretary-generals-remarks-united-nations-human-rights-prize-award-ceremony",
        title_raw="Secretary-General's remarks at the United Nations Human Rights Prize award ceremony",
        location="New York", date=date(2018, 12, 18), speaker_line="António Guterres, Secretary-General",
        caption="Secretary-General António Guterres speaks at the Human Rights Prize ceremony. UN Photo/Manuel Elías",
        crumb="Speeches", body=P(hr, 2, 8),
        expect=dict(doc_type="speech", title="Secretary-General's remarks at the United Nations Human Rights Prize award ceremony",
                    speaker="António Guterres", speaker_role="Secretary-General", delivery_date="2018-12-18",
                    delivered_by=None, delivery_status=None, cross_site=True))

    dem = g["unsg-2020-09-15-democracy-day"]
    add(key="democracy-day-2020", gold=dem["id"], template="fields", nid=170515,
        path="/sg/en/content/sg/statement/2020-09-15/secretary-generals-message-the-international-day-of-democracy-scroll-down-for-french-version",
        title_raw="Secretary-General's message on the International Day of Democracy [scroll down for French version]",
        location="New York", date=date(2020, 9, 15), speaker_line="António Guterres, Secretary-General",
        crumb="Statements", pre_body=P(dem, 4, 4), body=P(dem, 5, 8), french=P(dem, 10, 10),
        expect=dict(doc_type="message", title="Secretary-General's message on the International Day of Democracy",
                    speaker="António Guterres", speaker_role="Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None))

    hrd = g["sgsm22934"]
    add(key="human-rights-day-2025", gold=hrd["id"], template="fields", nid=281204,
        path="/sg/en/content/sg/statements/2025-12-10/secretary-generals-message-human-rights-day",
        title_raw="Secretary-General’s message for Human Rights Day 2025: “Human Rights: Our Everyday Essentials”",
        location="New York", date=date(2025, 12, 10), speaker_line="António Guterres, Secretary-General",
        crumb="Statements", pre_body=["Download the video: https://s3.amazonaws.com/downloads2.unmultimedia.org/public/video/evergreen/MSG+SG+HUMAN+RIGHTS+DAY+2025.mp4"],
        body=P(hrd, 1, 6),
        expect=dict(doc_type="message", title='Secretary-General\'s message for Human Rights Day 2025: "Human Rights: Our Everyday Essentials"',
                    speaker="António Guterres", speaker_role="Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None))

    gy = g["unsg-2016-05-30-gyeongju-presser"]
    opening = P(gy, 4, 14)
    opening[0] = "Secretary-General: " + opening[0]
    qa = [
        "Question: Secretary-General, what do you expect from the non-governmental organizations gathered here in Gyeongju?",
        "Secretary-General: " + P(gy, 15, 15)[0],
        P(gy, 16, 16)[0],
        P(gy, 17, 17)[0],
        "Question: And what is your message to Governments that restrict their work?",
        "Secretary-General: Governments must listen to the voices of their people. NGOs can often link communities and officials.",
    ]
    add(key="gyeongju-press-encounter-2016", gold=gy["id"], template="fields", nid=98712,
        path="/sg/en/content/sg/press-encounter/2016-05-30/secretary-generals-press-conference-opening-66th-annual-un-dpingo-conference",
        title_raw="Secretary-General's Press Conference at opening of 66th Annual UN DPI/NGO Conference",
        location="Gyeongju", date=date(2016, 5, 30), speaker_line="Ban Ki-Moon, Former Secretary-General",
        crumb="Press encounters", body=opening + qa,
        expect=dict(doc_type="press_encounter", title="Secretary-General's Press Conference at opening of 66th Annual UN DPI/NGO Conference",
                    speaker="Ban Ki-moon", speaker_role="Secretary-General", delivery_date="2016-05-30",
                    delivered_by=None, delivery_status=None, turns=5,
                    turn_speakers=["Secretary-General", "Question", "Secretary-General", "Question", "Secretary-General"],
                    note="The questions and the labels are sample framing around the real opening remarks and answers."))

    dsg = g["unsg-dsg-2023-05-30-sdg16-conference"]
    add(key="dsg-sdg16-2023", gold=dsg["id"], template="fields", nid=272233,
        path="/sg/en/content/deputy-secretary-general/statement/2023-05-30/deputy-secretary-generals-video-message-the-sdg16-conference-sdg-16-compass-for-navigating-intersecting-crises",
        title_raw='Deputy Secretary-General\'s video message to the SDG16 Conference, "SDG 16 as a compass for navigating intersecting crises"',
        location="Rome, Italy", date=date(2023, 5, 30), speaker_line="Amina J. Mohammed, Deputy Secretary-General",
        crumb="Deputy Secretary-General", body=P(dsg, 4, 13),
        expect=dict(doc_type="message", title='Deputy Secretary-General\'s video message to the SDG16 Conference, "SDG 16 as a compass for navigating intersecting crises"',
                    speaker="Amina J. Mohammed", speaker_role="Deputy Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None))

    tor = g["unsg-2016-06-26-torture-day"]
    add(key="torture-day-2016-former-sg", gold=tor["id"], template="fields", nid=99120,
        path="/sg/en/content/former-secretary-general/statement/2016-06-26/secretary-generals-message-international-day-support-victims-torture",
        title_raw="Secretary-General's message on the International Day in Support of Victims of Torture [Scroll down for French version]",
        location="New York", date=date(2016, 6, 26), speaker_line=None,
        crumb="Former Secretary-General", body=P(tor, 3, 6),
        french=[P(tor, 8, 8)[0].rstrip() + " des acteurs non étatiques et en application directe de politiques d’État."],
        expect=dict(doc_type="message", title="Secretary-General's message on the International Day in Support of Victims of Torture",
                    speaker="Ban Ki-moon", speaker_role="Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None))

    rep = g["unsg-2012-09-13-reprisals-panel"]
    rep_body = P(rep, 3, 17)
    rep_body[1:3] = [rep_body[1] + " " + rep_body[2]]  # the gold copy broke one sentence over two lines
    add(key="reprisals-panel-2012", gold=rep["id"], template="shaped", nid=64210,
        path="/sg/en/content/sg/statement/2012-09-13/secretary-generals-video-message-panel-intimidation-or-reprisal",
        title_raw="Secretary-General's video message to Panel on Intimidation or Reprisal Against Individuals and Groups Who Cooperate or Have Cooperated with the United Nations and its Representatives and Mechanisms in the Field of Human Rights",
        location="Geneva, Switzerland", date=date(2012, 9, 13), speaker_line="Ban Ki-moon",
        caption="Secretary-General Ban Ki-moon records a video message. UN Photo/Mark Garten",
        crumb="Statements", body=rep_body,
        expect=dict(doc_type="message", title="Secretary-General's video message to Panel on Intimidation or Reprisal Against Individuals and Groups Who Cooperate or Have Cooperated with the United Nations and its Representatives and Mechanisms in the Field of Human Rights",
                    speaker="Ban Ki-moon", speaker_role="Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None))

    cs = g["unsg-2013-09-23-supporting-civil-society"]
    add(key="civil-society-2013", gold=cs["id"], template="shaped", nid=71532,
        path="/sg/en/content/sg/statement/2013-09-23/secretary-generals-remarks-high-level-event-supporting-civil-society",
        title_raw="Secretary-General's remarks at High-Level Event on Supporting Civil Society [delivered by the Deputy Secretary-General]",
        location="New York", date=date(2013, 9, 23), speaker_line=None,
        crumb="Statements", body=P(cs, 3, 17),
        expect=dict(doc_type="speech", title="Secretary-General's remarks at High-Level Event on Supporting Civil Society",
                    speaker="Ban Ki-moon", speaker_role="Secretary-General", delivery_date="2013-09-23",
                    delivered_by="Deputy Secretary-General", delivery_status=None,
                    # The press.un.org sample carries the same body (its sgsm99002): the store merges them.
                    cross_site=True))

    oc = g["unsg-2013-06-08-oceans"]
    add(key="oceans-day-2013", gold=oc["id"], template="shaped", nid=70118,
        path="/sg/en/content/sg/statement/2013-06-08/secretary-generals-message-world-oceans-day",
        title_raw="Secretary-General's Message on World Oceans Day",
        location="New York", date=date(2013, 6, 8), speaker_line=None,
        crumb="Statements", body=P(oc, 3, 3),
        expect=dict(doc_type="message", title="Secretary-General's Message on World Oceans Day",
                    speaker="Ban Ki-moon", speaker_role="Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None))

    ngo = g["unsg-2016-05-30-dpi-ngo-opening"]
    ngo_body = P(ngo, 3, 14)
    add(key="dpi-ngo-opening-2016", gold=ngo["id"], template="plain", nid=98711,
        path="/sg/en/content/sg/statement/2016-05-30/secretary-generals-remarks-opening-66th-un-dpingo-conference",
        title_raw="Secretary-General's remarks at the opening of the 66th UN DPI/NGO conference",
        location="Gyeongju, Republic of Korea", date=date(2016, 5, 30), speaker_line=None,
        crumb="Statements", body=ngo_body,
        expect=dict(doc_type="speech", title="Secretary-General's remarks at the opening of the 66th UN DPI/NGO conference",
                    speaker="Ban Ki-moon", speaker_role="Secretary-General", delivery_date="2016-05-30",
                    delivered_by=None, delivery_status=None))

    pb = g["unsg-2021-10-12-sc-peacebuilding"]
    add(key="sc-peacebuilding-2021", gold=pb["id"], template="fields", nid=260344,
        path="/sg/en/content/sg/speeches/2021-10-12/remarks-security-council-ministerial-open-debate-peacebuilding-and-sustainable-peace",
        title_raw='Remarks to the Security Council Ministerial Open Debate: "Peacebuilding and Sustainable Peace: Diversity, Statebuilding and the Search for Peace"',
        location="Security Council", date=date(2021, 10, 12), speaker_line="António Guterres",
        crumb="Speeches", pre_body=P(pb, 4, 4), body=P(pb, 5, 24),
        expect=dict(doc_type="speech", title='Remarks to the Security Council Ministerial Open Debate: "Peacebuilding and Sustainable Peace: Diversity, Statebuilding and the Search for Peace"',
                    speaker="António Guterres", speaker_role="Secretary-General", delivery_date="2021-10-12",
                    delivered_by=None, delivery_status="as_delivered"))

    # --- SOURCES.md §7 items added for issue 3 ---
    t3104 = g["sgt3104"]
    add(key="note-correspondents-2016", gold=t3104["id"], template="fields", nid=98790,
        path="/sg/en/content/sg/note-correspondents/2016-05-27/note-correspondents-secretary-generals-activities-the-republic-of-korea",
        title_raw="Note to Correspondents on the Secretary-General's activities in the Republic of Korea",
        location="New York", date=date(2016, 5, 27), speaker_line=None,
        crumb="Notes to correspondents", body=P(t3104, 2, 4) + P(t3104, 6, 7),
        expect=dict(doc_type="note_to_correspondents",
                    title="Note to Correspondents on the Secretary-General's activities in the Republic of Korea",
                    speaker="Ban Ki-moon", speaker_role="Spokesperson", delivery_date=None,
                    delivered_by=None, delivery_status=None,
                    note="real sentences of the SG/T/3104 activities release (dev.jsonl sgt3104) published as a note "
                         "to correspondents for the shape; linked only from the spokesperson feed, whose item date "
                         "(26 May) precedes the URL date (27 May)"))

    evaw = g["unbangladesh-evaw-2023"]
    add(key="evaw-2024-video-french", gold=evaw["id"], template="fields", nid=294410,
        path="/sg/en/content/sg/statement/2024-11-25/secretary-generals-message-the-international-day-for-the-elimination-of-violence-against-women-scroll-down-for-french-version",
        title_raw="Secretary-General's message on the International Day for the Elimination of Violence against Women [scroll down for French version]",
        location="New York", date=date(2024, 11, 25), speaker_line="António Guterres, Secretary-General",
        crumb="Statements",
        pre_body=["Watch the video on webtv.un.org: https://webtv.un.org/en/asset/k1s/k1s2v7x3qa",
                  "Download the video: https://s3.amazonaws.com/downloads2.unmultimedia.org/public/video/evergreen/MSG+SG+EVAW+DAY+25+NOV+24.mp4"],
        body=P(evaw, 3, 15),
        french=["La violence à l'égard des femmes est une violation horrible des droits humains, une crise de santé "
                "publique et un obstacle majeur au développement durable.",
                "Elle est persistante, généralisée – et elle s'aggrave.",
                "Du harcèlement sexuel et des abus jusqu'au féminicide, cette violence prend de nombreuses formes. "
                "Mais toutes ont leur source dans une injustice structurelle, ancrée par des millénaires de patriarcat."],
        expect=dict(doc_type="message",
                    title="Secretary-General's message on the International Day for the Elimination of Violence against Women",
                    speaker="António Guterres", speaker_role="Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None,
                    note="real English text of the 2023 message (dev.jsonl unbangladesh-evaw-2023) on a page dated 2024: "
                         "dev.jsonl holds no 2024 message; date, video links and the French half (a translation "
                         "written for the fixture) are illustrative"))

    hrc = g["unis-sgsm918-2019-hrc"]
    add(key="hrc-2019-bilingual-as-delivered", gold=hrc["id"], template="fields", nid=243016,
        path="/sg/en/content/sg/speeches/2019-02-25/secretary-generals-remarks-the-human-rights-council",
        title_raw="Secretary-General's remarks to the Human Rights Council",
        location="Geneva", date=date(2019, 2, 25), speaker_line="António Guterres, Secretary-General",
        crumb="Speeches", pre_body=["[All-English version; scroll down for bilingual, as delivered version]"],
        body=P(hrc, 6, 19),
        bilingual=["Monsieur le Président du Conseil des droits de l'homme,",
                   "Madame la Haute-Commissaire, c'est la première fois que je m'adresse à ce Conseil depuis votre "
                   "prise de fonctions. Et je sais que votre leadership apportera une valeur ajoutée considérable à "
                   "la promotion des droits de l'homme dans le monde entier.",
                   "Excellences, chers collègues, chers amis,",
                   "Le Conseil des droits de l'homme est l'épicentre du dialogue et de la coopération internationale "
                   "pour la protection de tous les droits de l'homme – civils, politiques, économiques, sociaux et "
                   "culturels.",
                   "Chaque porte que vous ouvrez aide à promouvoir les opportunités. Chaque droit que vous garantissez "
                   "est une nouvelle pierre dans la construction d'un monde meilleur.",
                   "Vos efforts soulignent que les droits de l'homme ont une valeur en eux-mêmes et ne doivent jamais "
                   "être instrumentalisés, et qu'ils sont aussi essentiels pour faire progresser la paix et la dignité "
                   "humaine."] + P(hrc, 13, 14),
        expect=dict(doc_type="speech", title="Secretary-General's remarks to the Human Rights Council",
                    speaker="António Guterres", speaker_role="Secretary-General", delivery_date="2019-02-25",
                    delivered_by=None, delivery_status="as_delivered",
                    note="real as-delivered English text (dev.jsonl unis-sgsm918-2019-hrc); the bilingual version after "
                         "***** (mostly French, written for the fixture, then two English paragraphs) is the same "
                         "speech, so it is not kept as a French version"))

    wrd = g["sgsm22684"]
    add(key="world-refugee-day-2025-three-dates", gold=wrd["id"], template="fields", nid=289761,
        path="/sg/en/content/sg/statements/2025-06-12/secretary-generals-message-world-refugee-day",
        title_raw="Secretary-General's message on World Refugee Day",
        location="New York", date=date(2025, 6, 13), speaker_line="António Guterres, Secretary-General",
        crumb="Statements", body=P(wrd, 1, 6),
        expect=dict(doc_type="message", title="Secretary-General's message on World Refugee Day",
                    speaker="António Guterres", speaker_role="Secretary-General", delivery_date=None,
                    delivered_by=None, delivery_status=None, cross_site=True,
                    note="real text (dev.jsonl sgsm22684): posted under embargo on 12 June (URL date), released on "
                         "13 June (page date; press.un.org SG/SM/22684), delivered on World Refugee Day, 20 June "
                         "(the press lead); the URL date is illustrative"))

    renderers = {"fields": page_fields, "shaped": page_shaped, "plain": page_plain}
    for pg in pages:
        out = ROOT / (pg["path"].lstrip("/") + ".html")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(renderers[pg["template"]](pg), encoding="utf-8")

    # The robots-blocked shortlink: a real page body, served if a crawler ignored robots.txt.
    oca = g["unsg-2021-09-10-oca-ga"]
    blocked = dict(key="oca-shortlink", template="fields", nid=258971, path="/sg/en/node/258971",
                   title_raw="Secretary-General's remarks to the General Assembly presenting “Our Common Agenda”",
                   location="New York", date=date(2021, 9, 10), speaker_line="António Guterres, Secretary-General",
                   crumb="Speeches", pre_body=[], body=P(oca, 4, 17), french=[])
    (ROOT / "sg/en/node").mkdir(parents=True, exist_ok=True)
    (ROOT / "sg/en/node/258971.html").write_text(page_fields(blocked), encoding="utf-8")

    # --- malformed pages ---
    wv = g["unsg-2019-08-26-cs-conference"]
    trunc = dict(key="truncated", template="fields", nid=241508,
                 path="/sg/en/content/sg/statement/2019-08-26/secretary-generals-video-message-the-68th-united-nations-civil-society-conference",
                 title_raw="Secretary-General's video message to the 68th United Nations Civil Society Conference",
                 location="Salt Lake City, Utah", date=date(2019, 8, 26), speaker_line="António Guterres, Secretary-General",
                 crumb="Statements", pre_body=[], body=P(wv, 4, 11), french=[])
    full = page_fields(trunc)
    cut = full.index('<li class="leaf"><a href="/sg/en/content/sg/appointments') + 26  # mid-tag, inside the navbar
    (ROOT / (trunc["path"].lstrip("/") + ".html")).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / (trunc["path"].lstrip("/") + ".html")).write_text(full[:cut], encoding="utf-8")

    empty = dict(key="empty", template="fields", nid=214877,
                 path="/sg/en/content/sg/statement/2018-06-26/secretary-generals-message-international-day-support-victims-torture",
                 title_raw="", location="", date=date(2018, 6, 26), speaker_line=None,
                 crumb="Statements", pre_body=[], body=[], french=[])
    e_html = (head("United Nations Secretary-General", empty["path"], empty["nid"])
              + '<body class="html not-front one-sidebar sidebar-second page-node">\n' + NAV
              + '<div class="main-container container">\n' + breadcrumb("Statements")
              + '<div class="row">\n<section class="col-sm-9">\n<a id="main-content"></a>\n'
              + '<div class="region region-content"><section id="block-system-main" class="block block-system clearfix">\n'
              + '<article class="node node-sg-statement clearfix"><div class="field field-name-body"><div class="field-items"><div class="field-item even"></div></div></div></article>\n'
              + "</section></div>\n</section>\n" + SIDEBAR + "</div></div>\n" + FOOTER)
    p = ROOT / (empty["path"].lstrip("/") + ".html")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(e_html, encoding="utf-8")

    binary_path = "/sg/en/content/sg/speeches/2024-05-10/secretary-generals-opening-remarks-press-conference-ahead-of-the-closing-session-of-the-united-nations-civil-society-conference"
    rnd = random.Random(20240510)
    p = ROOT / (binary_path.lstrip("/") + ".html")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(bytes(rnd.getrandbits(8) for _ in range(3000)))

    proxy_path = "/sg/en/content/sg/statement/2016-05-26/secretary-generals-remarks-jeju-forum"
    p = ROOT / (proxy_path.lstrip("/") + ".html")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("""<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>502 Proxy Error</title>
</head><body>
<h1>Proxy Error</h1>
<p>The proxy server received an invalid
response from an upstream server.<br />
The proxy server could not handle the request <em><a href="/sg/en/content/sg/statement/2016-05-26/secretary-generals-remarks-jeju-forum">GET&nbsp;/sg/en/content/sg/statement/2016-05-26/secretary-generals-remarks-jeju-forum</a></em>.<p>
Reason: <strong>Error reading from remote server</strong></p></p>
</body></html>
""", encoding="utf-8")

    missing_path = "/sg/en/content/sg/statement/2022-03-08/secretary-generals-message-international-womens-day-scroll-down-for-french-version"
    error500_path = "/sg/en/content/sg/speeches/2021-09-10/remarks-press-conference-prior-opening-of-76th-session-of-general-assembly"
    maint_path = "/sg/en/content/sg/statement/2015-10-13/secretary-generals-remarks-security-council-open-debate-women-peace"
    (ROOT / "_500.html").write_text("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Internal server error | United Nations</title></head>
<body><h1>Internal server error</h1><p>The website encountered an unexpected error. Please try again later.</p>
<p>PDOException: SQLSTATE[HY000] [2002] Connection refused</p></body></html>
""", encoding="utf-8")
    (ROOT / "_maintenance.html").write_text("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Service Temporarily Unavailable</title></head>
<body><h1>Service Temporarily Unavailable</h1>
<p>The United Nations website is undergoing urgent maintenance. We apologize for the inconvenience; please try again shortly.</p></body></html>
""", encoding="utf-8")
    (ROOT / "_404.html").write_text("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found | United Nations Secretary-General</title></head>
<body><h1 class="page-header">Page not found</h1><p>The requested page could not be found.</p></body></html>
""", encoding="utf-8")
    (ROOT / "_status.json").write_text(json.dumps({
        error500_path: {"status": 500, "body": "_500.html"},
        maint_path: {"status": 503, "body": "_maintenance.html"},
        "/sg/en/content/sg/statement/2022-03-08/secretary-generals-message-international-womens-day-scroll-down-for-french-version": {"status": 404, "body": "_404.html"},
    }, indent=2) + "\n", encoding="utf-8")

    # --- robots.txt: Drupal 7 defaults with language wildcards, plus the shortlink block ---
    dis = ["/*/admin/", "/*/comment/reply/", "/*/filter/tips/", "/*/node/add/", "/*/search/", "/*/user/register/",
           "/*/user/password/", "/*/user/login/", "/*/user/logout/", "/*/?q=admin/", "/*/?q=comment/reply/",
           "/*/?q=filter/tips/", "/*/?q=node/add/", "/*/?q=search/", "/*/?q=user/password/", "/*/?q=user/register/",
           "/*/?q=user/login/", "/*/?q=user/logout/", "/*.php$", "/*/includes/", "/*/misc/", "/*/modules/",
           "/*/profiles/", "/*/scripts/", "/*/themes/", "/*/CHANGELOG.txt", "/*/cron.php", "/*/INSTALL.mysql.txt",
           "/*/INSTALL.pgsql.txt", "/*/INSTALL.sqlite.txt", "/*/install.php", "/*/INSTALL.txt", "/*/LICENSE.txt",
           "/*/MAINTAINERS.txt", "/*/update.php", "/*/UPGRADE.txt", "/*/xmlrpc.php"]
    robots = ["#", "# robots.txt", "#", "# This file is to prevent the crawling and indexing of certain parts",
              "# of your site by web crawlers and spiders run by sites like Yahoo!", "# and Google.", "#", "",
              "User-agent: GPTBot", "Disallow: /", "", "User-agent: ClaudeBot", "Disallow: /", "",
              "User-agent: CCBot", "Disallow: /", "", "User-agent: *", "Crawl-delay: 10",
              "# Shortlinks duplicate the canonical statement pages.", "Disallow: /sg/en/node/"]
    robots += [f"Disallow: {d}" for d in dis]
    (ROOT / "robots.txt").write_text("\n".join(robots) + "\n", encoding="utf-8")

    # --- listing pages (newest first) ---
    by_key = {pg["key"]: pg for pg in pages}
    ar_title = "كلمة الأمين العام في اجتماع مجلس الأمن بشأن الوضع في الشرق الأوسط"
    items_p0 = [
        (by_key["human-rights-day-2025"]["date"], "New York", by_key["human-rights-day-2025"]["path"],
         "Secretary-General's message for Human Rights Day 2025", "Nearly 80 years ago, the Universal Declaration of Human Rights defined what every person needs..."),
        (date(2025, 10, 15), "Security Council", "/sg/ar/content/sg/statements/2025-10-15/secretary-generals-remarks-security-council-middle-east",
         f"English translation unavailable for {ar_title}.", ""),
        (by_key["dsg-sdg16-2023"]["date"], "Rome", by_key["dsg-sdg16-2023"]["path"],
         by_key["dsg-sdg16-2023"]["title_raw"], "I send my warm greetings to everyone participating in this conference on SDG 16."),
        (date(2022, 3, 8), "New York", missing_path, "Secretary-General's message on International Women's Day [scroll down for French version]",
         "On International Women's Day, we celebrate women and girls everywhere."),
        (by_key["sc-peacebuilding-2021"]["date"], "Security Council", by_key["sc-peacebuilding-2021"]["path"],
         by_key["sc-peacebuilding-2021"]["title_raw"], "My thanks to the government of Kenya for convening today's debate..."),
        (date(2021, 9, 10), "UN Headquarters", error500_path, "Opening remarks at press conference prior to opening of the 76th session of the General Assembly", ""),
        (date(2021, 9, 10), "General Assembly", "/sg/en/node/258971", "Secretary-General's remarks to the General Assembly presenting “Our Common Agenda”",
         "On almost every front, our world is under enormous stress."),
        (date(2019, 8, 26), "Salt Lake City, Utah", trunc["path"], trunc["title_raw"], "I am pleased to greet this United Nations Civil Society Conference."),
        (by_key["hr-prize-2018"]["date"], "New York", by_key["hr-prize-2018"]["path"], by_key["hr-prize-2018"]["title_raw"],
         "As we celebrate the seventieth anniversary of the Universal Declaration of Human Rights..."),
    ]
    items_p1 = [
        (date(2018, 6, 26), "New York", empty["path"], "Secretary-General's message on the International Day in Support of Victims of Torture", ""),
        (by_key["torture-day-2016-former-sg"]["date"], "New York", by_key["torture-day-2016-former-sg"]["path"],
         by_key["torture-day-2016-former-sg"]["title_raw"], "Around the world, in every region, men, women and children are still being tortured..."),
        (by_key["dpi-ngo-opening-2016"]["date"], "Gyeongju, Republic of Korea", by_key["dpi-ngo-opening-2016"]["path"],
         by_key["dpi-ngo-opening-2016"]["title_raw"], "As Secretary-General of the United Nations, it is a great pleasure..."),
        (by_key["gyeongju-press-encounter-2016"]["date"], "Gyeongju", by_key["gyeongju-press-encounter-2016"]["path"],
         by_key["gyeongju-press-encounter-2016"]["title_raw"], "Good afternoon,"),
        (date(2016, 5, 26), "Jeju", proxy_path, "Secretary-General's remarks at the Jeju Forum", ""),
        (by_key["civil-society-2013"]["date"], "New York", by_key["civil-society-2013"]["path"],
         "Secretary-General's remarks at High-Level Event on Supporting Civil Society [delivered by the Deputy Secretary-General] Rev. 1",
         "Thank you for this initiative which touches on so much of the work that brings world leaders to the United Nations this week."),
        (by_key["reprisals-panel-2012"]["date"], "Geneva", by_key["reprisals-panel-2012"]["path"],
         "Secretary-General's video message to Panel on Intimidation or Reprisal", "I am pleased to greet this important discussion."),
    ]
    # Pages added for the SOURCES.md §7 checklist; the note to correspondents is only in the spokesperson feed.
    added = [by_key[k] for k in ("world-refugee-day-2025-three-dates", "evaw-2024-video-french",
                                 "hrc-2019-bilingual-as-delivered")]
    teasers = {"world-refugee-day-2025-three-dates": "Today, we recognize the millions of refugees forced to flee war...",
               "evaw-2024-video-french": "Violence against women is a horrific violation of human rights...",
               "hrc-2019-bilingual-as-delivered": "Distinguished President of the Human Rights Council..."}
    every = items_p0 + items_p1 + [(pg["date"], pg["location"], pg["path"], pg["title_raw"], teasers[pg["key"]])
                                   for pg in added]
    # Newest first over three pages: the first and the middle page link to the next one, the last does not.
    every = sorted(every, key=lambda item: item[0], reverse=True)
    listing_pages = [every[:8], every[8:15], every[15:]]

    def listing(items: list[tuple], page: int, last: int) -> str:
        rows = []
        for i, (d, venue, path, title, teaser) in enumerate(items):
            cls = "views-row views-row-%d %s" % (i + 1, "views-row-odd" if i % 2 == 0 else "views-row-even")
            rows.append(f"""<div class="{cls}">
  <div class="views-field views-field-field-statement-date"><span class="field-content">{long_date(d)}, {html.escape(venue)}</span></div>
  <div class="views-field views-field-title"><span class="field-content"><a href="{html.escape(path)}">{html.escape(title)}</a></span></div>
  <div class="views-field views-field-body"><div class="field-content">{html.escape(teaser)}</div></div>
</div>""")
        content = ('<div class="view-content">\n' + "\n".join(rows) + "\n</div>") if rows else \
            '<div class="view-empty"><p>There are no more statements.</p></div>'
        pager = []
        if page > 0:
            pager.append(f'<li class="pager-previous"><a href="/sg/en/content/ossg/latest-statements?page={page - 1}">‹ previous</a></li>')
        pager.append(f'<li class="pager-current">{page + 1} of {last + 1}</li>')
        if page < last:
            pager.append(f'<li class="pager-next"><a href="/sg/en/content/ossg/latest-statements?page={page + 1}">next ›</a></li>')
        path = "/sg/en/content/ossg/latest-statements"
        return (head("Latest Statements", path, 164) + '<body class="html not-front one-sidebar sidebar-second page-content page-content-ossg">\n'
                + NAV + '<div class="main-container container">\n' + breadcrumb("Latest statements")
                + '<div class="row">\n<section class="col-sm-9">\n<a id="main-content"></a>\n<h1 class="page-header">Latest Statements</h1>\n'
                + '<div class="region region-content"><div class="view view-latest-statements view-id-latest_statements view-display-id-page">\n'
                + content + '\n<div class="text-center"><ul class="pager">' + "".join(pager) + "</ul></div>\n</div></div>\n</section>\n"
                + SIDEBAR + "</div></div>\n" + FOOTER)

    base = ROOT / "sg/en/content/ossg"
    base.mkdir(parents=True, exist_ok=True)
    for n, chunk in enumerate(listing_pages):
        name = "latest-statements.html" if n == 0 else f"latest-statements.page-{n}.html"
        (base / name).write_text(listing(chunk, n, len(listing_pages) - 1), encoding="utf-8")

    # --- RSS 2.0 feed: absolute public links, one via the static.un.org mirror with a tracking query ---
    def rfc822(d: date, hh: int = 15) -> str:
        return f"{d.strftime('%a, %d %b %Y')} {hh:02d}:00:00 +0000"

    feed = [
        (by_key["human-rights-day-2025"]["title_raw"], PUBLIC + by_key["human-rights-day-2025"]["path"], date(2025, 12, 8),
         "Embargoed until 10 December: Nearly 80 years ago, the Universal Declaration of Human Rights defined what every person needs to survive and thrive."),
        ("Secretary-General's message on the International Day of Democracy [scroll down for French version]",
         "http://static.un.org" + by_key["democracy-day-2020"]["path"] + "?utm_source=rss&utm_medium=feed", date(2020, 9, 14),
         "As the world confronts COVID-19, democracy is crucial in ensuring the free flow of information."),
        ("Secretary-General's opening remarks at press conference ahead of the closing session of the United Nations Civil Society Conference",
         PUBLIC + binary_path, date(2024, 5, 10), "Dear members of the media, It is a pleasure to be back in Nairobi."),
        (by_key["hr-prize-2018"]["title_raw"], PUBLIC + by_key["hr-prize-2018"]["path"], date(2018, 12, 18),
         "As we celebrate the seventieth anniversary of the Universal Declaration of Human Rights."),
        ("Secretary-General's remarks to Security Council open debate on Women, Peace and Security [as delivered]",
         PUBLIC + maint_path, date(2015, 10, 13), "Fifteen years ago, Security Council resolution 1325 underscored the pivotal link."),
        (by_key["oceans-day-2013"]["title_raw"], PUBLIC + by_key["oceans-day-2013"]["path"] + "#main-content", date(2013, 6, 8),
         "From trade to food to climate regulation, the oceans are integral to all of humanity."),
    ]
    items = "\n".join(f"""  <item>
    <title>{html.escape(t)}</title>
    <link>{html.escape(u)}</link>
    <description>{html.escape(desc)}</description>
    <pubDate>{rfc822(d)}</pubDate>
    <dc:creator>United Nations Office of the Spokesperson of the Secretary-General</dc:creator>
    <guid isPermaLink="false">{i + 300000} at https://www.un.org/sg</guid>
  </item>""" for i, (t, u, d, desc) in enumerate(feed))
    (ROOT / "sg/en/rss.xml").write_text(f"""<?xml version="1.0" encoding="utf-8" ?>
<rss version="2.0" xml:base="https://www.un.org/sg/en" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>United Nations Secretary-General</title>
  <link>https://www.un.org/sg/en</link>
  <description>Statements, speeches and messages of the United Nations Secretary-General</description>
  <language>en</language>
  <atom:link href="https://www.un.org/sg/en/rss.xml" rel="self" type="application/rss+xml" />
{items}
</channel>
</rss>
""", encoding="utf-8")

    # --- the spokesperson feed: relative links, DD/MM/YYYY - HH:MM dates, DSG items and notes mixed in ---
    spk = [
        (by_key["world-refugee-day-2025-three-dates"], "12/06/2025 - 18:30"),
        (by_key["dsg-sdg16-2023"], "30/05/2023 - 09:15"),
        (by_key["gyeongju-press-encounter-2016"], "30/05/2016 - 14:02"),
        (by_key["note-correspondents-2016"], "26/05/2016 - 21:40"),
    ]
    spk_items = "\n".join(f"""  <item>
    <title>{html.escape(pg["title_raw"])}</title>
    <link>{html.escape(pg["path"])}</link>
    <description>{html.escape(pg["body"][0][:200])}</description>
    <pubDate>{when}</pubDate>
    <dc:creator>United Nations Office of the Spokesperson of the Secretary-General</dc:creator>
    <guid isPermaLink="false">{pg["nid"]} at https://www.un.org/sg</guid>
  </item>""" for pg, when in spk)
    (ROOT / "sg/en/spokesperson").mkdir(parents=True, exist_ok=True)
    (ROOT / "sg/en/spokesperson/rss.asp").write_text(f"""<?xml version="1.0" encoding="utf-8" ?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Latest Statements, Off-the-Cuff and Readouts</title>
  <link>https://www.un.org/sg/en/spokesperson</link>
  <description>Latest Statements, Off-the-Cuff and Readouts of the Office of the Spokesperson for the Secretary-General</description>
  <language>en</language>
{spk_items}
</channel>
</rss>
""", encoding="utf-8")

    # --- expected parsed fields ---
    from crawler.extract import join_paragraphs  # the normalisation contract: NBSP, quotes, spaces

    expected_pages = []
    for pg in pages:
        text = join_paragraphs(pg["body"])
        fr = join_paragraphs(pg["french"]) if pg["french"] else None
        ex = dict(pg["expect"])
        turns = ex.pop("turns", 0)
        turn_speakers = ex.pop("turn_speakers", [])
        note = ex.pop("note", None)
        cross = ex.pop("cross_site", False)
        extraction = {
            "fields": {"url": "selector", "title": "selector", "text": "selector", "release_date": "selector",
                       "location": "selector", "speaker": "selector"},
            "shaped": {"url": "selector", "title": "selector", "text": "selector", "release_date": "text_shape",
                       "location": "text_shape", "speaker": "text_shape"},
            "plain": {"url": "selector", "title": "generic", "text": "generic", "release_date": "text_shape",
                      "location": "text_shape", "speaker": "text_shape"},
        }[pg["template"]]
        if pg["template"] == "fields" and not pg.get("speaker_line"):
            extraction = dict(extraction, speaker="text_shape")
        row = {
            "key": pg["key"], "gold_id": pg["gold"], "template": pg["template"],
            "file": pg["path"].lstrip("/") + ".html",
            "url": PUBLIC + pg["path"], "source": "un.org/sg", **ex,
            "release_date": pg["date"].isoformat(), "url_date": path_date(pg["path"]).isoformat(),
            "location": pg["location"], "symbols": [], "language": "en",
            "text": text, "text_start": text[:60], "text_end": text[-60:], "text_paragraphs": text.count("\n\n") + 1,
            "text_length": len(text),
            "has_french": bool(fr), "french_start": fr[:60] if fr else None,
            "turns": turns, "turn_speakers": turn_speakers, "extraction": extraction,
            "cross_site": cross,
        }
        if note:
            row["note"] = note
        expected_pages.append(row)
    expected = {
        "site": "www.un.org", "public_base": PUBLIC,
        "pages": expected_pages,
        "skipped": [
            {"url": PUBLIC + trunc["path"], "reason": "empty_body", "what": "HTML truncated mid-tag inside the navbar"},
            {"url": PUBLIC + empty["path"], "reason": "empty_body", "what": "chrome only, empty body field"},
            {"url": PUBLIC + binary_path, "reason": "not_html", "what": "random bytes served as text/html"},
            {"url": PUBLIC + missing_path, "reason": "http_error", "status": 404, "what": "missing page linked from the listing"},
            {"url": PUBLIC + error500_path, "reason": "http_error", "status": 500, "what": "Internal server error"},
            {"url": PUBLIC + maint_path, "reason": "http_error", "status": 503, "what": "urgent maintenance page"},
            {"url": PUBLIC + proxy_path, "reason": "error_page", "what": "200 response whose body is a Proxy Error page"},
        ],
        "robots_blocked": [PUBLIC + "/sg/en/node/258971"],
        "not_followed": ["https://www.un.org/sg/ar/content/sg/statements/2025-10-15/secretary-generals-remarks-security-council-middle-east"],
        "listing": {"path": "/sg/en/content/ossg/latest-statements", "pages": [len(c) for c in listing_pages],
                    "first_item": {"date": every[0][0].isoformat(), "venue": every[0][1], "url": PUBLIC + every[0][2]},
                    "items": [[{"date": d.isoformat(), "venue": venue, "url": PUBLIC + path, "title": title,
                                "followed": path.startswith("/sg/en/")} for d, venue, path, title, _ in chunk]
                              for chunk in listing_pages],
                    "next_page": [n + 1 < len(listing_pages) for n in range(len(listing_pages))]},
        "rss": {"path": "/sg/en/rss.xml", "items": len(feed),
                "links": [canon for canon in (PUBLIC + by_key["human-rights-day-2025"]["path"], PUBLIC + by_key["democracy-day-2020"]["path"],
                                              PUBLIC + binary_path, PUBLIC + by_key["hr-prize-2018"]["path"], PUBLIC + maint_path,
                                              PUBLIC + by_key["oceans-day-2013"]["path"])]},
        "spokesperson_rss": {"path": "/sg/en/spokesperson/rss.asp", "items": len(spk),
                             "links": [PUBLIC + pg["path"] for pg, _ in spk],
                             "dates": [f"{w[6:10]}-{w[3:5]}-{w[0:2]}" for _, w in spk],
                             "doc_types": [pg["expect"]["doc_type"] for pg, _ in spk],
                             "speaker_roles": [pg["expect"]["speaker_role"] for pg, _ in spk]},
        # One statement, three dates: the un.org/sg URL date, the release date, the delivery date (from the
        # press.un.org copy's lead); the stored, merged statement keeps all three.
        "three_dates": {"url": PUBLIC + by_key["world-refugee-day-2025-three-dates"]["path"],
                        "press_url": "https://press.un.org/en/2025/sgsm22684.doc.htm",
                        "url_date": "2025-06-12", "release_date": "2025-06-13", "delivery_date": "2025-06-20"},
    }
    expected["manifest"] = manifest(expected)
    (ROOT / "_expected").mkdir(exist_ok=True)
    (ROOT / "_expected" / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def manifest(expected: dict) -> list[dict]:
    """One entry per served file (SOURCES.md §7): URL, fetch time, the headers the sample server sends, expected JSON.

    The pages were generated, not fetched: ``fetched_at`` is when this script last wrote a file with these
    bytes (kept from the previous expected.json while the bytes are unchanged, so a re-run changes nothing).
    """
    import hashlib
    from datetime import UTC, datetime

    from sample_site.server import _FIXED_MTIME, _content_type, resolve

    old: dict[str, dict] = {}
    previous = ROOT / "_expected" / "expected.json"
    if previous.exists():
        old = {m["url"]: m for m in json.loads(previous.read_text(encoding="utf-8")).get("manifest", [])}
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    entries: list[tuple[str, str, object]] = []
    for pg in expected["pages"]:
        entries.append((pg["url"], "statement", pg))
    for sk in expected["skipped"]:
        entries.append((sk["url"], "skipped", sk))
    for url in expected["robots_blocked"]:
        entries.append((url, "robots_blocked", {"robots": "disallowed for every user agent (Disallow: /sg/en/node/)"}))
    lst = expected["listing"]
    for n, items in enumerate(lst["items"]):
        entries.append((PUBLIC + lst["path"] + (f"?page={n}" if n else ""), "listing",
                        {"page": n, "items": items, "next_page": lst["next_page"][n]}))
    for feed in ("rss", "spokesperson_rss"):
        entries.append((PUBLIC + expected[feed]["path"], "feed", {"items": expected[feed]["items"],
                                                                  "links": expected[feed]["links"]}))
    entries.append((PUBLIC + "/robots.txt", "robots", {"crawl_delay": 10, "disallow_count": 38,
                                                       "blocked_agents": ["GPTBot", "ClaudeBot", "CCBot"]}))
    out = []
    for url, kind, exp in entries:
        path_q = url[len(PUBLIC):]
        status, file = resolve(ROOT, path_q)
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
    sys.path.insert(0, str(ROOT.parent.parent))
    build(gold(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/gold/dev.jsonl")))
