"""press.un.org text shapes in crawler/extract.py: lead-line grammar, symbols, URL keys, header lines."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.extract import (
    canonical_url,
    is_press_footer_line,
    is_press_header_line,
    is_press_lead_line,
    is_press_symbol_line,
    is_sg_press_key,
    parse_press_date_line,
    parse_press_lead,
    parse_press_symbols,
    press_delivery_date,
    press_url_date,
    press_url_key,
    symbol_from_press_key,
)

# (lead line, expected PressLead fields) — every variant of SOURCES.md §3, French included
LEADS = [
    ("Following is UN Secretary-General Ban Ki-moon’s message for United Nations Day, to be observed on 24 October:",
     {"doc_type": "message", "speaker": "Ban Ki-moon", "speaker_role": "Secretary-General", "location": None,
          "observance_day": 24, "observance_month": 10, "language": "en"}),
    (("Following are UN Secretary-General António Guterres’ remarks to the General Assembly’s United Nations Prize "
      "in the Field of Human Rights award ceremony, in New York today:"),
     {"doc_type": "speech", "speaker": "António Guterres", "speaker_role": "Secretary-General", "location": "New York",
          "today": True, "delivery_status": None}),
    ("Following is UN Secretary-General António Guterres’ video message to the Global Forum, in Geneva today:",
     {"doc_type": "message", "location": "Geneva", "today": True}),
    ("Following is UN Secretary-General António Guterres’ statement to the Human Rights Council, in Geneva today:",
     {"doc_type": "statement", "speaker": "António Guterres", "location": "Geneva"}),
    ("Following is UN Secretary-General António Guterres’ address to the General Assembly, in New York today:",
     {"doc_type": "speech", "location": "New York"}),
    (("Following are UN Secretary-General Ban Ki-moon’s remarks as prepared for delivery to the United Nations "
      "Correspondents Association (UNCA) Directory Reception, in New York today:"),
     {"doc_type": "speech", "delivery_status": "as_prepared", "location": "New York", "speaker": "Ban Ki-moon"}),
    (("Following are UN Secretary-General António Guterres’ remarks, as delivered, on the International Day of "
      "Commemoration and Dignity of the Victims of the Crime of Genocide, observed today:"),
     {"doc_type": "speech", "delivery_status": "as_delivered", "today": True, "observance_day": None}),
    (("Following is UN Secretary-General António Guterres’ message to the Climate Change Conference, delivered by "
      "Patricia Espinosa, Executive Secretary of the UNFCCC, in Bonn today:"),
     {"doc_type": "message", "delivered_by": "Patricia Espinosa", "location": "Bonn", "speaker": "António Guterres"}),
    (("Following are UN Secretary-General Ban Ki-moon’s remarks to the High-Level Event on Supporting Civil Society, "
      "delivered by Deputy Secretary-General Jan Eliasson, in New York today:"),
     {"delivered_by": "Jan Eliasson", "speaker": "Ban Ki-moon", "speaker_role": "Secretary-General"}),
    ("The following statement was issued today by the Spokesman for UN Secretary-General Ban Ki-moon:",
     {"doc_type": "statement", "speaker_role": "Spokesperson", "speaker": "Ban Ki-moon", "today": True}),
    ("The following statement was issued today by the Spokesperson for UN Secretary-General António Guterres:",
     {"doc_type": "statement", "speaker_role": "Spokesperson", "speaker": "António Guterres"}),
    ("The following statement by UN Secretary-General António Guterres was issued today:",
     {"doc_type": "statement", "speaker_role": "Secretary-General", "speaker": "António Guterres", "today": True}),
    ("Following is UN Secretary-General António Guterres’ message for Human Rights Day, observed on 10 December:",
     {"doc_type": "message", "observance_day": 10, "observance_month": 12, "today": False}),
    ("Following is UN Secretary-General António Guterres’ message for World Oceans Day, observe on 8 June:",
     {"doc_type": "message", "observance_day": 8, "observance_month": 6}),
    ("The following is UN Secretary-General Ban Ki-moon’s message for World Press Freedom Day, observed on 3 May:",
     {"doc_type": "message", "speaker": "Ban Ki-moon", "observance_day": 3, "observance_month": 5}),
    ("Following is the transcript of UN Secretary-General António Guterres’ press conference, in New York today:",
     {"doc_type": "press_encounter", "location": "New York", "speaker": "António Guterres"}),
    (("Following is the text of UN Secretary-General António Guterres’ video message to the High-Level Conference "
      "on Human Rights, Civil Society and Counter-Terrorism, in Málaga, Spain, today:"),
     {"doc_type": "message", "location": "Málaga, Spain", "today": True}),
    (("Following are Secretary-General Ban Ki-Moon’s remarks at the ceremony for the handover of the presidency of "
      "the Economic and Social Council in New York, 17 January:"),
     {"doc_type": "speech", "speaker": "Ban Ki-moon", "location": "New York", "observance_day": 17, "observance_month": 1}),
    (("Following is the text of remarks by UN Deputy Secretary-General Asha-Rose Migiro at the conclusion of the "
      "annual meeting of UN Civil Society Focal Points in New York, 10 July:"),
     {"doc_type": "speech", "speaker": "Asha-Rose Migiro", "speaker_role": "Deputy Secretary-General",
          "location": "New York", "observance_day": 10, "observance_month": 7}),
    (("On trouvera ci-après le message du Secrétaire général de l’ONU, M. António Guterres, à l’occasion de la "
      "Journée des droits de l’homme, célébrée le 10 décembre :"),
     {"doc_type": "message", "language": "fr", "speaker": "António Guterres", "speaker_role": "Secretary-General",
          "observance_day": 10, "observance_month": 12}),
    (("La déclaration suivante a été communiquée, aujourd’hui, par le Porte-parole du Secrétaire général de l’ONU, "
      "M. António Guterres :"),
     {"doc_type": "statement", "language": "fr", "speaker_role": "Spokesperson", "speaker": "António Guterres", "today": True}),
]


@pytest.mark.parametrize(("line", "field", "expected"),
                         [(line, f, v) for line, fields in LEADS for f, v in fields.items()],
                         ids=[f"{i}-{f}" for i, (_, fields) in enumerate(LEADS) for f in fields])
def test_lead_line_field(line: str, field: str, expected: object) -> None:
    assert getattr(parse_press_lead(line), field) == expected


@pytest.mark.parametrize("line", [line for line, _ in LEADS])
def test_lead_lines_are_recognised(line: str) -> None:
    assert is_press_lead_line(line)


@pytest.mark.parametrize("line", [
    "It gives me great pleasure to attend this annual reception.",
    "Human rights defenders give voice to the voiceless and shield the powerless against injustice.",
    "SG/SM/19413",
])
def test_body_lines_are_not_lead_lines(line: str) -> None:
    assert not is_press_lead_line(line)


@pytest.mark.parametrize(("header", "symbols"), [
    ("SG/SM/17246-OBV/1537-ORG/1612", ["SG/SM/17246", "OBV/1537", "ORG/1612"]),
    ("SG/SM/13186-OBV/925", ["SG/SM/13186", "OBV/925"]),
    ("Secretary-General SG/SM/13186 OBV/925", ["SG/SM/13186", "OBV/925"]),
    ("SG/SM/19903-HR/5455-OBV/1946", ["SG/SM/19903", "HR/5455", "OBV/1946"]),
    ("DSG/SM/1724", ["DSG/SM/1724"]),
    ("SG/SM/10843\u2011ECOSOC/6247", ["SG/SM/10843", "ECOSOC/6247"]),
    ("SG/SM/12345/Rev.1", ["SG/SM/12345/Rev.1"]),
    ("SG/SM/19413 SG/SM/19413", ["SG/SM/19413"]),
])
def test_parse_press_symbols(header: str, symbols: list[str]) -> None:
    assert parse_press_symbols(header) == symbols
    assert is_press_symbol_line(header)


def test_text_with_a_symbol_is_not_a_symbol_line() -> None:
    assert not is_press_symbol_line("The Secretary-General referred to SG/SM/19413 in his remarks.")


@pytest.mark.parametrize(("url", "key", "symbol", "is_sg"), [
    ("https://press.un.org/en/2018/sgsm19413.doc.htm", "sgsm19413", "SG/SM/19413", True),
    ("https://press.un.org/en/blog/sgsm19413", "sgsm19413", "SG/SM/19413", True),
    ("https://www.un.org/press/en/2016/SGSM17831.doc.htm", "sgsm17831", "SG/SM/17831", True),
    ("https://press.un.org/en/2024/dsgsm1904.doc.htm", "dsgsm1904", "DSG/SM/1904", True),
    ("https://press.un.org/en/2026/sc16444.doc.htm", "sc16444", "SC/16444", False),
    ("https://press.un.org/en/2022/sgt3337.doc.htm", "sgt3337", "SGT/3337", False),
    ("https://press.un.org/en/2025/db251028.doc.htm", "db251028", "DB/251028", False),
])
def test_url_keys(url: str, key: str, symbol: str, is_sg: bool) -> None:
    assert press_url_key(url) == key
    assert symbol_from_press_key(key) == symbol
    assert is_sg_press_key(key) is is_sg


def test_url_date_only_for_full_dates() -> None:
    assert press_url_date("https://press.un.org/en/2025/db251028.doc.htm") == date(2025, 10, 28)
    assert press_url_date("https://press.un.org/en/2018/sgsm19413.doc.htm") is None


@pytest.mark.parametrize(("line", "release", "expected"), [
    (("Following is UN Secretary-General António Guterres’ message for the International Day to End Impunity for "
      "Crimes against Journalists, observed on 2 November:"), date(2025, 10, 23), date(2025, 11, 2)),
    ("Following is UN Secretary-General Ban Ki-moon’s message for the World Day of Peace, observed on 1 January:",
     date(2015, 12, 28), date(2016, 1, 1)),
    ("Following are UN Secretary-General António Guterres’ remarks, in New York today:", date(2018, 12, 18),
     date(2018, 12, 18)),
    ("Following is UN Secretary-General António Guterres’ message on Human Rights Day:", date(2019, 12, 9), None),
])
def test_delivery_date(line: str, release: date, expected: date | None) -> None:
    assert press_delivery_date(parse_press_lead(line), release) == expected


def test_delivery_date_needs_a_release_date() -> None:
    assert press_delivery_date(parse_press_lead("Following is ... message, observed on 2 November:"), None) is None


@pytest.mark.parametrize(("line", "expected"), [
    ("15 October 2010", date(2010, 10, 15)),
    ("date 2021-09-17", date(2021, 9, 17)),
    ("2021-09-17", date(2021, 9, 17)),
    ("On 15 October 2010 the Secretary-General spoke.", None),
])
def test_parse_press_date_line(line: str, expected: date | None) -> None:
    assert parse_press_date_line(line) == expected


HEADLINE = "Secretary-General Outlines Five Critical Ways ECOSOC Can Advance Ambitious Global Development Agenda"


@pytest.mark.parametrize(("line", "expected"), [
    ("SG/SM/13186-OBV/925", True),
    ("17 January 2007", True),
    ("Department of Public Information • News and Media Division • New York", True),
    ("SECRETARY-GENERAL OUTLINES FIVE CRITICAL WAYS ECOSOC CAN ADVANCE AMBITIOUS", True),
    ("Secretary-General", True),
    ("It is an honour to join you for today’s handover ceremony.", False),
])
def test_header_lines(line: str, expected: bool) -> None:
    assert is_press_header_line(line, HEADLINE) is expected


@pytest.mark.parametrize(("line", "expected"), [
    ("For information media. Not an official record.", True),
    ("* *** *", True),
    ("Happy Human Rights Day.", False),
])
def test_footer_lines(line: str, expected: bool) -> None:
    assert is_press_footer_line(line) is expected


@pytest.mark.parametrize("legacy", [
    "https://www.un.org/press/en/2016/sgsm17831.doc.htm",
    "http://www.un.org/News/Press/docs/2016/sgsm17831.doc.htm",
    "https://static.un.org/press/en/2016/sgsm17831.doc.htm",
    "https://press.un.org/en/2016/sgsm17831.doc.htm?utm_source=x#top",
])
def test_legacy_hosts_canonicalise_to_press(legacy: str) -> None:
    assert canonical_url(legacy) == "https://press.un.org/en/2016/sgsm17831.doc.htm"
