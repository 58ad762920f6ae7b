"""Unit tests for crawler.extract: normalisation, dates, URLs, error/binary detection, languages, turns."""

from __future__ import annotations

import random
from datetime import date

import pytest

from crawler import extract as x


def test_normalize_inline_maps_nbsp_hyphen_quotes_and_spaces() -> None:
    raw = "Secretary\u2011General\u00a0Guterres \u2018said\u2019  \u201cno\u201d\t\u200bnow "
    assert x.normalize_inline(raw) == "Secretary-General Guterres 'said' \"no\" now"


def test_normalize_text_keeps_paragraphs_and_collapses_blank_runs() -> None:
    raw = "  First  line \r\n\r\n\r\n\nSecond\u00a0\u00a0para  \n"
    assert x.normalize_text(raw) == "First line\n\nSecond para"


def test_join_paragraphs_drops_empty_ones() -> None:
    assert x.join_paragraphs([" a ", "", "\u00a0", "b\u2019s"]) == "a\n\nb's"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 October 2017", date(2017, 10, 24)),
        ("08 March 2022", date(2022, 3, 8)),
        ("04/11/2024 - 16:06", date(2024, 11, 4)),  # DD/MM/YYYY on the spokesperson feed
        ("2021-09-17", date(2021, 9, 17)),
        ("2018-12-18T00:00:00-05:00", date(2018, 12, 18)),
        ("Tue, 18 Dec 2018 15:00:00 +0000", date(2018, 12, 18)),
        ("October 24, 2017", date(2017, 10, 24)),
        ("1er janvier 2020", date(2020, 1, 1)),
        ("31 February 2020", None),
        ("no date here", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert x.parse_date(text) == expected


def test_is_date_line_only_for_bare_dates() -> None:
    assert x.is_date_line("13 September 2012")
    assert not x.is_date_line("On 13 September 2012 we met")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("16 May 2021, Security Council", (date(2021, 5, 16), "Security Council")),
        ("14 May 2021, Moscow", (date(2021, 5, 14), "Moscow")),
        ("26 August 2019, Salt Lake City, Utah", (date(2019, 8, 26), "Salt Lake City, Utah")),
        ("16 May 2021", (date(2021, 5, 16), None)),
        ("Secretary-General's remarks", None),
    ],
)
def test_parse_listing_line(line: str, expected: tuple[date, str | None] | None) -> None:
    assert x.parse_listing_line(line) == expected


def test_url_date() -> None:
    assert x.url_date("https://www.un.org/sg/en/content/sg/statements/2025-11-22/slug") == date(2025, 11, 22)
    assert x.url_date("https://www.un.org/sg/en/content/sg/statement/2025-13-40/slug") is None
    assert x.url_date("https://press.un.org/en/2018/sgsm19413.doc.htm") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://static.un.org/sg/en/content/sg/statement/2020-09-15/slug?utm_source=rss#top",
         "https://www.un.org/sg/en/content/sg/statement/2020-09-15/slug"),
        ("https://www.un.org:443/sg/en/content/sg/speeches/2024-05-10/slug%C2%A0",
         "https://www.un.org/sg/en/content/sg/speeches/2024-05-10/slug"),
        ("HTTP://WWW.UN.ORG/sg/en/node/258971", "https://www.un.org/sg/en/node/258971"),
        ("http://www.un.org/press/en/2016/sgsm17831.doc.htm", "https://press.un.org/en/2016/sgsm17831.doc.htm"),
        ("https://www.un.org/News/Press/docs/2012/sgsm14515.doc.htm", "https://press.un.org/en/2012/sgsm14515.doc.htm"),
        ("https://example.org/a?b=1", "https://example.org/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert x.canonical_url(url) == expected


def test_canonical_url_maps_the_fetch_base_to_the_public_host() -> None:
    url = "http://127.0.0.1:8123/sg/en/content/ossg/latest-statements?page=2"
    assert x.canonical_url(url, site_base="http://127.0.0.1:8123", public_base="https://www.un.org") == \
        "https://www.un.org/sg/en/content/ossg/latest-statements"


def test_fetch_url_rewrites_public_and_mirror_hosts_onto_the_base() -> None:
    base, public = "http://127.0.0.1:8123", "https://www.un.org"
    assert x.fetch_url("http://static.un.org/sg/en/a/b?x=1", base, public) == "http://127.0.0.1:8123/sg/en/a/b"
    assert x.fetch_url("https://www.un.org/sg/en/a", "https://www.un.org", public) == "https://www.un.org/sg/en/a"
    # Another site's URL is not rewritten onto this base.
    assert x.fetch_url("https://press.un.org/en/2018/x.doc.htm", base, public) == "https://press.un.org/en/2018/x.doc.htm"


@pytest.mark.parametrize(
    "text",
    ["502 Proxy Error The proxy server received", "Service Temporarily Unavailable",
     "The site is undergoing urgent maintenance", "404 Not Found", "Internal server error",
     "HTTP Error 501", "SQLState 42000 error"],
)
def test_error_page_reason_finds_each_phrase(text: str) -> None:
    assert x.error_page_reason(text) is not None


def test_error_page_reason_ignores_ordinary_text_and_phrases_deep_in_a_body() -> None:
    assert x.error_page_reason("Human rights defenders give voice to the voiceless.") is None
    assert x.error_page_reason("x" * 1000 + " Not Found") is None


def test_looks_binary() -> None:
    rnd = random.Random(7)
    assert x.looks_binary(bytes(rnd.getrandbits(8) for _ in range(2000)))
    assert x.looks_binary(b"<html>\x00\x00</html>")
    assert not x.looks_binary("<html><body>António Guterres — “quotes”</body></html>".encode())
    # A multi-byte character cut at the sample boundary is still text.
    assert not x.looks_binary(("é" * 3000).encode(), sample=4095)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("As the world confronts COVID-19, democracy is crucial in ensuring the free flow of information.", "en"),
        ("Alors que le monde est aux prises avec la COVID-19, la démocratie joue un rôle vital.", "fr"),
        ("Doy las gracias a la Presidencia española del Consejo por la organización de esta reunión.", "es"),
        ("", "en"),
    ],
)
def test_guess_language(text: str, lang: str) -> None:
    assert x.guess_language(text) == lang


def test_split_languages_english_body_and_french_translation() -> None:
    paras = ["We must defend those who speak out.", "It is the duty of the United Nations.", "*****",
             "Nous devons défendre ceux qui prennent la parole.", "C'est le devoir des Nations Unies."]
    body, translations = x.split_languages(paras)
    assert body == paras[:2]
    assert translations == [{"language": "fr",
                             "text": "Nous devons défendre ceux qui prennent la parole.\n\nC'est le devoir des Nations Unies."}]


def test_split_languages_french_first_keeps_english_as_body() -> None:
    paras = ["Nous devons défendre les défenseurs des droits de l'homme et la société civile.", "* * * * *",
             "We must defend the defenders of human rights and the civil society."]
    body, translations = x.split_languages(paras)
    assert body == [paras[2]]
    assert [t["language"] for t in translations] == ["fr"]


def test_split_turns() -> None:
    paras = ["Opening words before any label.", "Secretary-General: Good afternoon.", "Second paragraph.",
             "Question: Will you go to Gaza?", "Spokesman: We will see.", "Q: And Haiti?", "SG: Yes."]
    turns = x.split_turns(paras)
    assert [t["speaker"] for t in turns] == ["Secretary-General", "Question", "Spokesman", "Question",
                                             "Secretary-General"]
    assert turns[0]["text"] == "Good afternoon.\n\nSecond paragraph."
    assert turns[-1]["text"] == "Yes."


def test_split_turns_needs_two_labels() -> None:
    assert x.split_turns(["Question: is this a transcript?", "No, one label is not."]) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("António Guterres, Secretary-General", ("António Guterres", "Secretary-General")),
        ("Ban Ki-Moon, Former Secretary-General", ("Ban Ki-moon", "Secretary-General")),
        ("Statements | Amina J. Mohammed, Deputy Secretary-General", ("Amina J. Mohammed", "Deputy Secretary-General")),
        ("Ban Ki-moon", ("Ban Ki-moon", None)),
        ("Stéphane Dujarric, Spokesman for the Secretary-General", ("Stéphane Dujarric", "Spokesperson")),
        ("I am pleased to greet this important discussion.", None),
        ("New York", None),
    ],
)
def test_parse_speaker_line(line: str, expected: tuple[str, str | None] | None) -> None:
    assert x.parse_speaker_line(line) == expected


def test_sg_for_date() -> None:
    assert x.sg_for_date(date(2016, 12, 31)) == "Ban Ki-moon"
    assert x.sg_for_date(date(2017, 1, 1)) == "António Guterres"
    assert x.sg_for_date(date(1990, 1, 1)) is None
    assert x.sg_for_date(None) is None


@pytest.mark.parametrize(
    "line",
    ["Watch the video here: https://s3.amazonaws.com/downloads2.unmultimedia.org/x.mp4",
     "Download the video: https://s3.amazonaws.com/x.mp4",
     "Secretary-General Ban Ki-moon at the podium. UN Photo/Mark Garten",
     "[All-English version; scroll down for bilingual, as delivered version]",
     "[Bilingual, as delivered]"],
)
def test_is_media_line(line: str) -> None:
    assert x.is_media_line(line)


def test_is_media_line_not_for_body_text() -> None:
    assert not x.is_media_line("We watch the situation in Gaza closely.")


def test_clean_title_notes() -> None:
    assert x.clean_title("Secretary-General's message on X [scroll down for French version]") == \
        ("Secretary-General's message on X", {"french": "yes"})
    assert x.clean_title("Remarks at Y [delivered by the Deputy Secretary-General]") == \
        ("Remarks at Y", {"delivered_by": "Deputy Secretary-General"})
    assert x.clean_title("Remarks to the Council [as delivered]") == \
        ("Remarks to the Council", {"delivery_status": "as_delivered"})
    assert x.clean_title("Remarks at Z Rev. 1")[0] == "Remarks at Z"
    assert x.clean_title("[Untitled]")[0] == "[Untitled]"


@pytest.mark.parametrize(
    ("url_type", "title", "turns", "expected"),
    [
        ("speeches", "Secretary-General's remarks at the ceremony", False, "speech"),
        ("statement", "Secretary-General's video message to the panel", False, "message"),
        ("statements", "Statement attributable to the Spokesperson on Haiti", False, "statement"),
        ("statement", "Untitled", False, "statement"),
        ("press-encounter", "Secretary-General's press encounter at COP29", False, "press_encounter"),
        ("speeches", "Opening remarks at press conference", True, "press_encounter"),
        ("note-correspondents", "Note to Correspondents on the Panel", False, "note_to_correspondents"),
        (None, "Activities of the Secretary-General", False, "other"),
    ],
)
def test_doc_type_for(url_type: str | None, title: str, turns: bool, expected: str) -> None:
    assert x.doc_type_for(url_type, title, has_turns=turns) == expected


def test_generic_main_text_finds_paragraphs_without_known_markup() -> None:
    html = ("<html><head><title>t</title></head><body><nav><ul><li>Home</li><li>About</li></ul></nav>"
            "<div id='main'><p>Human rights defenders give voice to the voiceless and shield the powerless "
            "against injustice, in every region of the world.</p><p>They stand for all rights, economic, civil, "
            "political, social and cultural, and they deserve our protection.</p></div>"
            "<footer><a href='/c'>Copyright</a></footer></body></html>")
    text = x.generic_main_text(html)
    assert text.startswith("Human rights defenders give voice")
    assert "deserve our protection." in text
    assert "Copyright" not in text
