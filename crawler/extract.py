"""Page-shape parsing shared by both spiders: pure functions over strings (no Scrapy, no I/O).

Sections: text normalisation, dates, URLs, error / binary detection, language split and guess,
Q&A turns, un.org/sg text shapes (title notes, speaker lines, media lines), generic main text.
The press.un.org engineer adds symbol and lead-line helpers under their own section at the end.
"""

from __future__ import annotations

import email.utils
import re
from datetime import date, datetime
from urllib.parse import quote, unquote, urlsplit, urlunsplit

# --- text normalisation ---------------------------------------------------------------------------

_CHAR_MAP = {
    "\u00a0": " ",  # NBSP
    "\u202f": " ",  # narrow NBSP (French punctuation spacing)
    "\u2007": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u3000": " ",
    "\u2011": "-",  # non-breaking hyphen ("Secretary‑General")
    "\u2010": "-",
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
}
_TRANS = str.maketrans(_CHAR_MAP)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANKS = re.compile(r"\n{3,}")


def normalize_inline(text: str | None) -> str:
    """Normalise one line: special spaces/hyphens/quotes mapped, all whitespace collapsed to one space."""
    if not text:
        return ""
    return " ".join(text.translate(_TRANS).split())


def normalize_text(text: str | None) -> str:
    """Normalise a multi-paragraph text: like normalize_inline per line, paragraphs kept (blank line between)."""
    if not text:
        return ""
    text = text.translate(_TRANS).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out = "\n".join(lines).strip()
    return _BLANKS.sub("\n\n", out)


def join_paragraphs(paragraphs: list[str]) -> str:
    """Join paragraphs into one body text (blank line between), dropping empty ones."""
    return "\n\n".join(p for p in (normalize_inline(x) for x in paragraphs) if p)


# --- dates ----------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan", "janvier"),
            ("february", "feb", "février", "fevrier"),
            ("march", "mar", "mars"),
            ("april", "apr", "avril"),
            ("may", "mai"),
            ("june", "jun", "juin"),
            ("july", "jul", "juillet"),
            ("august", "aug", "août", "aout"),
            ("september", "sep", "sept", "septembre"),
            ("october", "oct", "octobre"),
            ("november", "nov", "novembre"),
            ("december", "dec", "décembre", "decembre"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DMY_WORDS = re.compile(rf"\b(\d{{1,2}})(?:er)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)
_MDY_WORDS = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _mkdate(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    """Parse the date forms the UN sites use: '24 October 2017', ISO, '04/11/2024 - 16:06' (DD/MM/YYYY), RFC 822."""
    if not text:
        return None
    s = normalize_inline(text)
    m = _ISO.search(s)
    if m:
        return _mkdate(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY_WORDS.search(s)
    if m:
        return _mkdate(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    m = _MDY_WORDS.search(s)
    if m:
        return _mkdate(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    m = _SLASH.search(s)
    if m:
        # The spokesperson feed writes day first (04/11/2024 = 4 November).
        return _mkdate(int(m[3]), int(m[2]), int(m[1]))
    try:
        parsed = email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.date() if isinstance(parsed, datetime) else None


_DATE_LINE = re.compile(rf"^\s*\d{{1,2}}\s+({_MONTH_RE})\s+\d{{4}}\s*$", re.IGNORECASE)


def is_date_line(line: str) -> bool:
    """True for a line that is only a 'D Month YYYY' date."""
    return bool(_DATE_LINE.match(normalize_inline(line)))


_LISTING_LINE = re.compile(rf"^\s*(\d{{1,2}}\s+(?:{_MONTH_RE})\s+\d{{4}})\s*(?:,\s*(.+?))?\s*$", re.IGNORECASE)


def parse_listing_line(line: str) -> tuple[date, str | None] | None:
    """Parse a listing item's 'DD Month YYYY, Venue' line into (date, venue or None)."""
    m = _LISTING_LINE.match(normalize_inline(line))
    if not m:
        return None
    d = parse_date(m[1])
    if d is None:
        return None
    return d, (m[2] or None)


_URL_DATE = re.compile(r"/(\d{4})-(\d{2})-(\d{2})(?:/|$|\.)")
_URL_YEAR = re.compile(r"/(\d{4})/")


def url_date(url: str) -> date | None:
    """The /YYYY-MM-DD/ date in a un.org/sg URL path (None if absent or invalid)."""
    m = _URL_DATE.search(urlsplit(url).path)
    return _mkdate(int(m[1]), int(m[2]), int(m[3])) if m else None


# --- URLs -----------------------------------------------------------------------------------------

# Public homes of each source, and the hosts that mirror them. Canonical URLs always use the public
# home, so statement ids do not depend on where a page was fetched (mirror, sample server, port).
PUBLIC_BASES = {"un.org/sg": "https://www.un.org", "press.un.org": "https://press.un.org"}
MIRROR_HOSTS = {
    "www.un.org": "https://www.un.org",
    "un.org": "https://www.un.org",
    "static.un.org": "https://www.un.org",
    "press.un.org": "https://press.un.org",
}


def _base_netloc(base: str) -> str:
    return urlsplit(base).netloc.lower()


def _host_only(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1]
    if host.endswith((":443", ":80")):
        host = host.rsplit(":", 1)[0]
    return host


def _clean_path(path: str) -> str:
    # Slugs sometimes end in an encoded NBSP or carry raw non-ASCII; normalise the encoding so one
    # page has one spelling.
    raw = unquote(path).replace("\u00a0", " ").rstrip()
    raw = raw.rstrip(" ")
    return quote(raw, safe="/-._~!$&'()*+,;=:@%")


def canonical_url(url: str, site_base: str | None = None, public_base: str | None = None) -> str:
    """Canonical public URL: https, public host (mirrors and the fetch base mapped back), no query/fragment/NBSP.

    ``site_base`` is where the page was fetched from (e.g. the sample server); its netloc is mapped to
    ``public_base`` (default: the mirror table, else www.un.org).
    """
    parts = urlsplit(url.strip())
    netloc = parts.netloc.lower()
    target: str | None = None
    if site_base and netloc == _base_netloc(site_base):
        target = public_base or MIRROR_HOSTS.get(_host_only(_base_netloc(site_base))) or PUBLIC_BASES["un.org/sg"]
    else:
        host = _host_only(netloc)
        if host in MIRROR_HOSTS:
            target = MIRROR_HOSTS[host]
            # Old press paths on www.un.org belong to press.un.org.
            if host in ("www.un.org", "un.org", "static.un.org") and re.match(r"^/(press|News/Press)/", parts.path):
                target = MIRROR_HOSTS["press.un.org"]
    if target is None:
        scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
        return urlunsplit((scheme, _host_only(netloc), _clean_path(parts.path), "", ""))
    t = urlsplit(target)
    path = parts.path
    if t.netloc == "press.un.org":
        # Old press hosts: www.un.org/press/en/YYYY/x.doc.htm and /News/Press/docs/YYYY/x.doc.htm.
        path = re.sub(r"^/press/(en|fr)/", r"/\1/", path)
        path = re.sub(r"^/News/Press/docs/", "/en/", path, flags=re.IGNORECASE)
    return urlunsplit((t.scheme, t.netloc, _clean_path(path), "", ""))


def fetch_url(url: str, site_base: str, public_base: str) -> str:
    """URL to request: a URL of the site at ``public_base`` (or a mirror) rewritten onto ``site_base``.

    Query and fragment are dropped; URLs of other sites are returned canonicalised but not rewritten.
    """
    canon = canonical_url(url, site_base=site_base, public_base=public_base)
    parts = urlsplit(canon)
    if parts.netloc != urlsplit(public_base).netloc:
        return canon
    base = urlsplit(site_base)
    return urlunsplit((base.scheme, base.netloc, parts.path, "", ""))


# --- error / binary detection ---------------------------------------------------------------------

ERROR_PAGE_RE = re.compile(
    r"Proxy Error|urgent maintenance|Not Found|Service Temporarily Unavailable|Internal server error"
    r"|HTTP Error 50[17]|SQLState"
)


def error_page_reason(text: str, head: int = 600) -> str | None:
    """The error-page phrase found near the top of a page's text (title + first chars), else None."""
    m = ERROR_PAGE_RE.search(text[:head])
    return m.group(0) if m else None


def looks_binary(body: bytes, sample: int = 4096) -> bool:
    """True when bytes are not a text document (NUL bytes, undecodable, or mostly control characters)."""
    chunk = body[:sample]
    if not chunk:
        return False
    if b"\x00" in chunk:
        return True
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample boundary is fine; anything else is not UTF-8.
        if exc.start < len(chunk) - 4:
            return True
        text = chunk[: exc.start].decode("utf-8", errors="ignore")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls > max(2, len(text) // 100)


def looks_like_html(body: bytes) -> bool:
    """True when a text body starts like an HTML document."""
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head or b"<body" in head


# --- language -------------------------------------------------------------------------------------

_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "we", "our", "with", "are", "this", "on",
           "it", "be", "as", "have", "all", "by", "their", "from", "must", "not", "will", "a", "an"},
    "fr": {"le", "la", "les", "et", "des", "de", "du", "un", "une", "est", "que", "qui", "pour", "dans",
           "nous", "sur", "au", "aux", "par", "pas", "ce", "cette", "sont", "ont", "avec", "leur", "il"},
    "es": {"el", "la", "los", "las", "y", "de", "del", "que", "en", "un", "una", "es", "por", "para",
           "con", "su", "sus", "nuestro", "se", "al", "como"},
}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(text: str) -> str:
    """Guess 'en', 'fr' or 'es' by stop-word counts ('en' when there is nothing to go on)."""
    tokens = [t.lower() for t in _TOKEN.findall(text[:5000])]
    if not tokens:
        return "en"
    scores = {lang: sum(1 for t in tokens if t in words) for lang, words in _STOPWORDS.items()}
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    return best if scores[best] > 0 else "en"


_SEPARATOR = re.compile(r"^\s*(?:\*\s*){3,}\s*$")


def is_separator(line: str) -> bool:
    """True for the '*****' line that separates language versions."""
    return bool(_SEPARATOR.match(line))


def split_language_blocks(paragraphs: list[str]) -> list[list[str]]:
    """Split paragraphs on '*****' separator lines into blocks (separators dropped, empty blocks dropped)."""
    blocks: list[list[str]] = [[]]
    for p in paragraphs:
        if is_separator(p):
            blocks.append([])
        else:
            blocks[-1].append(p)
    return [b for b in blocks if any(x.strip() for x in b)]


def split_languages(paragraphs: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """English paragraphs and other-language translations ([{language, text}]) from a '*****'-split body.

    The first English block is the body; if no block is English the first block is kept as the body.
    """
    blocks = split_language_blocks(paragraphs)
    if not blocks:
        return [], []
    langs = [guess_language(" ".join(b)) for b in blocks]
    body_idx = langs.index("en") if "en" in langs else 0
    translations = [
        {"language": lang, "text": join_paragraphs(b)}
        for i, (b, lang) in enumerate(zip(blocks, langs))
        if i != body_idx and lang != "en"
    ]
    return blocks[body_idx], translations


# --- Q&A turns ------------------------------------------------------------------------------------

TURN_LABELS = (
    "Question",
    "Q",
    "Secretary-General",
    "SG",
    "Deputy Secretary-General",
    "Spokesman",
    "Spokesperson",
    "Deputy Spokesperson",
)
_TURN_RE = re.compile(
    r"^\s*(" + "|".join(re.escape(x) for x in sorted(TURN_LABELS, key=len, reverse=True)) + r")\s*:\s*(.*)$"
)
_TURN_CANON = {"Q": "Question", "SG": "Secretary-General"}


def split_turns(paragraphs: list[str]) -> list[dict[str, str]]:
    """Speaker turns from paragraphs labelled 'Question:' / 'Secretary-General:' / 'Spokesman:' / ...

    A paragraph without a label continues the current turn; text before the first label is not a turn.
    Returns [] when the text has fewer than two labelled paragraphs (not a transcript).
    """
    turns: list[dict[str, str]] = []
    labelled = 0
    for p in paragraphs:
        line = normalize_inline(p)
        if not line:
            continue
        m = _TURN_RE.match(line)
        if m:
            labelled += 1
            turns.append({"speaker": _TURN_CANON.get(m[1], m[1]), "text": m[2].strip()})
        elif turns:
            turns[-1]["text"] = (turns[-1]["text"] + "\n\n" + line).strip()
    return turns if labelled >= 2 else []


# --- un.org/sg text shapes ------------------------------------------------------------------------

KNOWN_SPEAKERS = {
    "antónio guterres": "António Guterres",
    "antonio guterres": "António Guterres",
    "ban ki-moon": "Ban Ki-moon",
    "kofi annan": "Kofi Annan",
    "kofi a. annan": "Kofi Annan",
    "amina j. mohammed": "Amina J. Mohammed",
    "amina mohammed": "Amina J. Mohammed",
    "jan eliasson": "Jan Eliasson",
    "asha-rose migiro": "Asha-Rose Migiro",
    "stéphane dujarric": "Stéphane Dujarric",
}
ROLES = {
    "secretary-general": "Secretary-General",
    "former secretary-general": "Secretary-General",  # role at the time of the speech
    "deputy secretary-general": "Deputy Secretary-General",
    "spokesman": "Spokesperson",
    "spokesperson": "Spokesperson",
    "spokesman for the secretary-general": "Spokesperson",
    "spokesperson for the secretary-general": "Spokesperson",
}

# (first day, name) of each Secretary-General's term, newest first.
SG_TERMS = [
    (date(2017, 1, 1), "António Guterres"),
    (date(2007, 1, 1), "Ban Ki-moon"),
    (date(1997, 1, 1), "Kofi Annan"),
]


def sg_for_date(d: date | None) -> str | None:
    """Name of the Secretary-General in office on a date."""
    if d is None:
        return None
    for start, name in SG_TERMS:
        if d >= start:
            return name
    return None


def canonical_speaker(name: str) -> str:
    """Known speaker names in one spelling ('Ban Ki-Moon' -> 'Ban Ki-moon'); others unchanged."""
    n = normalize_inline(name)
    return KNOWN_SPEAKERS.get(n.casefold(), n)


def parse_speaker_line(line: str) -> tuple[str, str | None] | None:
    """Parse 'António Guterres, Secretary-General' / 'Statements | Amina J. Mohammed, Deputy ...' / 'Ban Ki-moon'.

    Returns (speaker, role or None), or None when the line is not a speaker line.
    """
    s = normalize_inline(line)
    if "|" in s:
        s = s.rsplit("|", 1)[1].strip()
    if not s or len(s) > 90:
        return None
    name, _, role = s.partition(",")
    name_key = name.strip().casefold()
    role_key = role.strip().casefold()
    if name_key in KNOWN_SPEAKERS:
        return KNOWN_SPEAKERS[name_key], ROLES.get(role_key) if role_key else None
    if role_key in ROLES and 1 <= len(name.split()) <= 5:
        return name.strip(), ROLES[role_key]
    return None


_MEDIA_LINE = re.compile(
    r"^\s*(?:\[?\s*)?(?:Watch the video|Download the video|Watch the webcast|Video:|Photo:)"
    r"|UN Photo\s*/|webtv\.un\.org|unmultimedia\.org|^\s*\[(?:All-English|Bilingual|All English|Scroll|as delivered"
    r"|as prepared)[^\]]*\]\s*$",
    re.IGNORECASE,
)


def is_media_line(line: str) -> bool:
    """True for photo-caption, 'Watch the video' / 'Download the video' and '[All-English version ...]' lines."""
    return bool(_MEDIA_LINE.search(normalize_inline(line)))


def is_all_english_note(line: str) -> bool:
    """True for '[All-English version; scroll down for bilingual, as delivered version]' (a bilingual page's note)."""
    t = normalize_inline(line).lower()
    return bool(re.match(r"^\[\s*all[- ]english\b", t)) and "bilingual" in t


def delivery_status_of(text: str) -> str | None:
    """'as_delivered' / 'as_prepared' from a note such as '[Bilingual, as delivered]' or 'as prepared for delivery'."""
    t = normalize_inline(text).lower()
    if "as prepared" in t:
        return "as_prepared"
    if "as delivered" in t:
        return "as_delivered"
    return None


_TITLE_NOTE = re.compile(r"\s*\[([^\]]*)\]\s*$")


def clean_title(title: str) -> tuple[str, dict[str, str]]:
    """Strip trailing '[...]' notes from a title; return (title, notes) with delivered_by / delivery_status / french.

    '... [delivered by the Deputy Secretary-General]' -> delivered_by 'Deputy Secretary-General';
    '... [scroll down for French version]' -> french 'yes'; '[as delivered]' -> delivery_status.
    """
    t = normalize_inline(title)
    notes: dict[str, str] = {}
    while True:
        m = _TITLE_NOTE.search(t)
        if not m or m.start() == 0:
            break
        note = m[1].strip()
        low = note.lower()
        if low.startswith("delivered by"):
            who = re.sub(r"^delivered by\s+(?:the\s+)?", "", note, flags=re.IGNORECASE).strip()
            notes["delivered_by"] = who
        if "french" in low or "français" in low:
            notes["french"] = "yes"
        status = delivery_status_of(low)
        if status:
            notes["delivery_status"] = status
        t = t[: m.start()].rstrip()
    t = re.sub(r"\s+(?:Rev\.\s?1|REV\.1)$", "", t)
    return t, notes


def doc_type_for(url_type: str | None, title: str, has_turns: bool = False) -> str:
    """Map a un.org/sg URL type segment and title to a core.models DocType."""
    ut = (url_type or "").lower()
    tl = title.lower()
    if ut in ("press-encounter", "press-encounters") or has_turns:
        return "press_encounter"
    if ut in ("note-correspondents", "note-to-correspondents") or "note to correspondents" in tl:
        return "note_to_correspondents"
    if any(w in tl for w in ("press encounter", "stakeout", "press conference")) and "remarks" not in tl:
        return "press_encounter"
    if "message" in tl:
        return "message"
    if any(w in tl for w in ("remarks", "address", "speech", "briefing", "lecture", "toast")):
        return "speech"
    if "statement" in tl:
        return "statement"
    if ut == "speeches":
        return "speech"
    if ut in ("statement", "statements"):
        return "statement"
    return "other"


# --- generic main text ----------------------------------------------------------------------------


def generic_main_text(html: str, url: str | None = None) -> str:
    """Main text of an HTML page by trafilatura (the fallback when no site selector matches); '' if none."""
    import trafilatura  # lazy: trafilatura pulls lxml extras at import

    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        deduplicate=False,
    )
    return normalize_text(text or "")


# --- press.un.org text shapes ---
# Symbol headers, DPI header lines, URL keys and the lead-line grammar of press.un.org releases
# (SOURCES.md §3). Everything runs on normalize_inline() output, so apostrophes are plain "'".

from dataclasses import dataclass as _dataclass

_PRESS_SYM = r"[A-Z]{1,8}(?:/[A-Z]{1,8})*/\d+(?:/Rev\.\s?\d+)?"
_PRESS_SYMBOL = re.compile(rf"\b({_PRESS_SYM})")
_PRESS_SYMBOL_LINE = re.compile(
    rf"^(?:(?:Deputy )?Secretary-General\s*)?{_PRESS_SYM}(?:[\s\-–]+{_PRESS_SYM})*\s*$"
)
_PRESS_URL_KEY = re.compile(r"/(?:blog/)?([a-z]+\d+)(?:\.doc\.htm)?/?$")
_PRESS_DPI = re.compile(r"Department of Public Information|News and Media Division", re.IGNORECASE)
_PRESS_FOOTER = re.compile(r"^(?:For information media\.?\s*Not an official record\.?|\*\s*\*\*\*\s*\*)$", re.IGNORECASE)
_PRESS_ISO_LINE = re.compile(r"^(?:date\s+)?\d{4}-\d{2}-\d{2}(?:T[\d:]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
# URL prefixes of SG texts: SG/SM and DSG/SM. sga (appointments), sgt (activities), bio, db (noon
# briefings), sc, ga ... are not SG statements and are not followed.
PRESS_SG_PREFIXES = ("sgsm", "dsgsm")
_PRESS_TITLES = ("Deputy Secretary-General", "Secretary-General", "Chef de Cabinet", "Under-Secretary-General",
                 "Executive Secretary", "High Commissioner", "Special Envoy", "President")
_EN_MONTH_NUM = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}


def parse_press_symbols(text: str) -> list[str]:
    """Document symbols in a header line: 'SG/SM/17246-OBV/1537-ORG/1612' -> three symbols, in order."""
    out: list[str] = []
    for sym in _PRESS_SYMBOL.findall(normalize_inline(text)):
        sym = re.sub(r"/Rev\.\s?", "/Rev.", sym)
        if sym not in out:
            out.append(sym)
    return out


def is_press_symbol_line(line: str) -> bool:
    """True for a header line made only of symbols ('SG/SM/13186-OBV/925', 'Secretary-General SG/SM/1 OBV/2')."""
    return bool(_PRESS_SYMBOL_LINE.match(normalize_inline(line)))


def press_url_key(url: str) -> str | None:
    """The lowercase symbol a press.un.org URL is named after: 'sgsm19413' for .doc.htm and /en/blog/ URLs."""
    m = _PRESS_URL_KEY.search(urlsplit(url).path.lower())
    return m.group(1) if m else None


def symbol_from_press_key(key: str) -> str | None:
    """'sgsm19413' -> 'SG/SM/19413', 'dsgsm1904' -> 'DSG/SM/1904', 'sc16444' -> 'SC/16444'."""
    m = re.fullmatch(r"([a-z]+?)(sm)?(\d+)", key.lower())
    if not m:
        return None
    return f"{m.group(1).upper()}{'/SM' if m.group(2) else ''}/{m.group(3)}"


def is_sg_press_key(key: str | None) -> bool:
    """True when a URL key names an SG or DSG statement series (SG/SM, DSG/SM)."""
    return bool(key and re.fullmatch(r"(?:" + "|".join(PRESS_SG_PREFIXES) + r")\d+", key))


def press_url_date(url: str) -> date | None:
    """Full date in a press URL: only noon briefings have one ('db251028' = 2025-10-28); SG/SM URLs carry a year."""
    key = press_url_key(url) or ""
    m = re.fullmatch(r"db(\d{2})(\d{2})(\d{2})", key)
    return _mkdate(2000 + int(m[1]), int(m[2]), int(m[3])) if m else None


def parse_press_date_line(line: str) -> date | None:
    """A header date line: '15 October 2010', '2021-09-17' or the metadata form 'date 2021-09-17'."""
    s = normalize_inline(line)
    if _PRESS_ISO_LINE.match(s) or is_date_line(s):
        return parse_date(s)
    return None


def is_press_header_line(line: str, headline: str = "") -> bool:
    """True for the lines a release carries above its lead: symbols, date, DPI line, the headline again."""
    s = normalize_inline(line)
    if not s:
        return True
    if is_press_symbol_line(s) or parse_press_date_line(s) or _PRESS_DPI.search(s):
        return True
    if s in ("Secretary-General", "Deputy Secretary-General", "Press Release", "Statements and Messages"):
        return True
    # old pages repeat the headline in capitals, split over two or three lines
    return bool(headline) and len(s) > 15 and s.casefold() in normalize_inline(headline).casefold()


def is_press_footer_line(line: str) -> bool:
    """True for trailer lines ('For information media. Not an official record.', '* *** *')."""
    return bool(_PRESS_FOOTER.match(normalize_inline(line)))


@_dataclass
class PressLead:
    """What a press.un.org lead line says about the text that follows it."""

    doc_type: str | None = None
    speaker: str | None = None
    speaker_role: str | None = None
    delivered_by: str | None = None
    delivery_status: str | None = None
    location: str | None = None
    language: str = "en"
    today: bool = False
    observance_day: int | None = None  # "observed on 24 October" / "in New York, 17 January"
    observance_month: int | None = None


_LEAD_EN = re.compile(r"^(?:The\s+)?following\s+(?:is|are|statement|message)\b", re.IGNORECASE)
_LEAD_FR = re.compile(r"^(?:On trouvera ci-après|On trouvera ci-dessous|La déclaration suivante|Le message suivant)\b",
                      re.IGNORECASE)
_POSS = r"(?:'s|')"


def is_press_lead_line(line: str) -> bool:
    """True for 'Following is/are ...:', 'The following statement ...' and the French 'On trouvera ci-après ...'."""
    s = normalize_inline(line)
    return bool((_LEAD_EN.search(s) or _LEAD_FR.search(s)) and len(s) < 700)


def _press_name(text: str, title: str) -> str | None:
    m = re.search(title + r",?\s+(?:M\.\s+|Mme\s+)?((?:[A-ZÀ-Ý][\w\-'.]*)(?:\s+[A-ZÀ-Ý][\w\-'.]*){0,3})", text)
    if not m:
        return None
    words: list[str] = []
    for w in m.group(1).split():
        words.append(w)
        if re.search(_POSS + "$", w):
            break
    name = re.sub(_POSS + "$", "", " ".join(words)).strip(" ,")
    return canonical_speaker(name) if name else None


def _press_kind(words: str) -> str | None:
    t = words.casefold()
    if re.search(r"press (?:conference|encounter|stake-?out)|remarks to (?:the )?(?:press|journalists)|"
                 r"conférence de presse|point de presse|rencontre avec la presse", t):
        return "press_encounter"
    if re.search(r"\bmessages?\b", t):
        return "message"
    if re.search(r"\bstatement\b|\bdéclaration\b", t):
        return "statement"
    if re.search(r"\bremarks\b|\baddress\b|\bspeech\b|\blecture\b|\btoast\b|allocution|discours|remarques", t):
        return "speech"
    return None


def parse_press_lead(line: str) -> PressLead:
    """Read type, speaker, role, venue, delivery and observance date out of a lead line (English or French)."""
    s = normalize_inline(line)
    lead = PressLead()
    french = bool(_LEAD_FR.search(s)) or "Secrétaire général" in s
    lead.language = "fr" if french else "en"
    # The type is named before the speaker ("the text of ... video message", "statement was issued") or
    # right after the possessive ("Guterres' remarks"); the event named later can say "statement" too.
    before, _, after = s.partition("Secrétaire général" if french else "Secretary-General")
    poss = re.search(_POSS + r"\s+(.*)$", after)
    kind_words = before + " " + (" ".join(poss.group(1).split()[:4]) if poss else "")
    lead.doc_type = _press_kind(kind_words) or _press_kind(s)
    if lead.doc_type is None and re.search(r"\btranscript\b", s, re.IGNORECASE):
        lead.doc_type = "press_encounter"
    if re.search(r"\btranscript\b", s, re.IGNORECASE) and re.search(r"press|conference", s, re.IGNORECASE):
        lead.doc_type = "press_encounter"
    issuer = re.split(r",?\s+delivered by\b|,?\s+prononcée? par\b", s)[0]
    if re.search(r"\b(?:by|from) the (?:Deputy )?(?:Spokesperson|Spokesman|Spokeswoman)\b|Porte-parole", issuer):
        lead.speaker_role, lead.doc_type = "Spokesperson", "statement"
    elif re.search(r"Deputy Secretary-General|Vice-Secrétaire générale?", issuer):
        lead.speaker_role = "Deputy Secretary-General"
    elif re.search(r"Secretary-General|Secrétaire général", issuer):
        lead.speaker_role = "Secretary-General"
    if lead.speaker_role == "Deputy Secretary-General":
        lead.speaker = _press_name(issuer, r"(?:Deputy Secretary-General|Vice-Secrétaire générale?(?: de l'ONU)?)")
    else:
        lead.speaker = _press_name(issuer, r"(?<!Deputy )(?:Secretary-General|Secrétaire général(?: de l'ONU)?)")
    if re.search(r"as prepared for delivery|tel que préparé", s, re.IGNORECASE):
        lead.delivery_status = "as_prepared"
    elif re.search(r"\bas delivered\b|tel que prononcé", s, re.IGNORECASE):
        lead.delivery_status = "as_delivered"
    m = re.search(r"delivered by\s+(?:the\s+)?([^,:]+)|prononcée? par\s+([^,:]+)", s)
    if m:
        who = (m.group(1) or m.group(2)).strip()
        for title in _PRESS_TITLES:
            if who.startswith(title + " "):
                who = who[len(title) + 1:]
                break
        lead.delivered_by = canonical_speaker(who)
    # Venue: the last "in <place>" before "today" or a "D Month" date that ends the line.
    m = re.search(r"(?:^|[\s,])in\s+((?:(?!\sin\s)[^:])+?),?\s+(?:today|on\s+\d{1,2}\s+[A-Z][a-z]+|\d{1,2}\s+[A-Z][a-z]+)"
                  r"\s*:?\s*$", s)
    if m and not re.match(r"(?:the|a|an|his|her|my|this)\b", m.group(1)):
        lead.location = m.group(1).strip()
    else:
        m = re.search(r"\bà\s+([A-ZÀ-Ý][^,:]+?),?\s+(?:aujourd'hui|le\s+\d)", s)
        if m:
            lead.location = m.group(1).strip()
    lead.today = bool(re.search(r"\btoday\b|aujourd'hui", s))
    # "observed on 24 October", "to be observed on", the typo "observe on", French "célébrée le 10 décembre",
    # or a bare ", 17 January:" closing the line.
    m = re.search(rf"(?:observed?|célébrée?|observée?)\s+(?:on\s+|le\s+)?(\d{{1,2}})(?:er)?\s+({_MONTH_RE})\b", s,
                  re.IGNORECASE) or re.search(rf",\s+(\d{{1,2}})(?:er)?\s+({_MONTH_RE})\s*:?\s*$", s, re.IGNORECASE)
    if m:
        lead.observance_day, lead.observance_month = int(m.group(1)), _MONTHS[m.group(2).lower()]
        lead.today = False
    return lead


def press_delivery_date(lead: PressLead, release: date | None) -> date | None:
    """Delivery date: 'observed on 2 November' -> that day (on or after release); 'today' -> the release date."""
    if release is None:
        return None
    if lead.observance_month and lead.observance_day:
        d = _mkdate(release.year, lead.observance_month, lead.observance_day)
        # a message released in December for a day in January belongs to the next year
        if d is not None and (release - d).days > 180:
            d = _mkdate(release.year + 1, lead.observance_month, lead.observance_day)
        return d
    return release if lead.today else None


# --- press.un.org: followed series, noon briefings, "not available in English" ---

_FOLLOWED_PRESS_KEY = re.compile(r"(?:sgsm|dsgsm)\d+|db\d{6}")
_NOT_ENGLISH = re.compile(r"not available in English\W+(?:For the French text,? )?(?:please )?see\s+"
                          r"((?:https?://)?[\w.\-]+/[\w/.\-]+?\.doc\.htm)", re.IGNORECASE)
_BRIEFING_BY = re.compile(r"briefing by\s+([^,]+?),\s+(?:Deputy\s+)?(Spokesman|Spokesperson|Spokeswoman)", re.IGNORECASE)


def is_followed_press_key(key: str | None) -> bool:
    """True for the press.un.org series the crawler fetches: SG/SM, DSG/SM and noon briefings (db*)."""
    return bool(key and _FOLLOWED_PRESS_KEY.fullmatch(key))


def is_noon_briefing_key(key: str | None) -> bool:
    """True for a noon-briefing URL key ('db251028')."""
    return bool(key and re.fullmatch(r"db\d{6}", key))


def not_in_english_link(text: str) -> str | None:
    """The French URL of a 'not available in English. For the French text, please see ...' page, absolute."""
    m = _NOT_ENGLISH.search(normalize_inline(text))
    if not m:
        return None
    link = m.group(1)
    return link if link.startswith("http") else "https://" + link


def briefing_speaker(lead: str) -> str | None:
    """The Spokesperson named in a noon-briefing lead ('... briefing by Stéphane Dujarric, Spokesman ...')."""
    m = _BRIEFING_BY.search(normalize_inline(lead))
    return canonical_speaker(m.group(1).strip()) if m else None


# --- page text shape (markup-independent) ---

_CHROME = "ancestor::nav or ancestor::footer or ancestor::script or ancestor::style or ancestor::noscript"


def page_lines(html: str, limit: int = 60) -> list[str]:
    """The first visible text lines of a page body, one per text node, without navigation/footer/script text.

    The markup-independent view of a page's header: whatever a redesign calls its blocks, the date line,
    symbol line and speaker line are still lines of text above the body.
    """
    from parsel import Selector

    sel = Selector(text=html)
    out: list[str] = []
    for node in sel.xpath(f"//body//text()[not({_CHROME})]"):
        line = normalize_inline(node.get())
        if line:
            out.append(line)
            if len(out) >= limit:
                break
    return out


def shape_date(lines: list[str], before: str | None = None) -> tuple[date | None, int]:
    """(date, index) of the first 'D Month YYYY' / ISO date line among ``lines`` (before the line ``before``)."""
    for i, line in enumerate(lines):
        if before is not None and line == before:
            break
        if len(line) <= 40 and (is_date_line(line) or parse_press_date_line(line)):
            return parse_date(line), i
    return None, -1
