"""GET /scores/monthly (JSON and CSV) and GET /report."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from tests.api.conftest import CORPUS, Corpus

NUMBERS = ["statements", "addressing", "share", "passages", "explicit_passages", "strength", "score"]


def _cell(items: list[dict], month: str, priority: str) -> dict:
    [cell] = [i for i in items if i["month"] == month and i["priority"] == priority]
    return cell


def test_monthly_scores_json_counts_and_evidence(client: TestClient, corpus: Corpus) -> None:
    r = client.get("/scores/monthly")
    assert r.status_code == 200
    items = r.json()
    n = len(corpus.agenda.priorities)
    assert {i["month"] for i in items} == {"2024-03", "2024-04", "2024-05"}
    assert len(items) == 3 * n
    march_p1 = _cell(items, "2024-03", "P1")
    assert (march_p1["statements"], march_p1["addressing"]) == (2, 1)
    assert (march_p1["passages"], march_p1["explicit_passages"]) == (1, 1)
    assert march_p1["share"] == 0.5
    assert 0 < march_p1["score"] <= 100
    assert march_p1["agenda_version"] == corpus.agenda.version
    [ev] = march_p1["evidence"]
    assert ev["text"] == CORPUS[0]["sentences"][0]
    assert ev["url"] == CORPUS[0]["url"]
    assert ev["date"] == "2024-03-05"
    assert (ev["score"], ev["level"], ev["stance"]) == (0.82, "explicit", "condemnation")
    april_p9 = _cell(items, "2024-04", "P9")
    assert (april_p9["statements"], april_p9["addressing"], april_p9["passages"]) == (1, 1, 2)
    assert [e["score"] for e in april_p9["evidence"]] == [0.9, 0.7]
    # An unaddressed priority scores zero with no evidence; a strong one outranks a weak one.
    march_p3 = _cell(items, "2024-03", "P3")
    assert (march_p3["addressing"], march_p3["score"], march_p3["evidence"]) == (0, 0, [])
    assert april_p9["score"] > _cell(items, "2024-05", "P1")["score"] > 0


def test_monthly_scores_filters(client: TestClient) -> None:
    items = client.get("/scores/monthly", params={"from": "2024-04", "to": "2024-04", "priority": "P9"}).json()
    assert [(i["month"], i["priority"]) for i in items] == [("2024-04", "P9")]
    by_day = client.get("/scores/monthly", params={"from": "2024-03-15", "to": "2024-05-01"}).json()
    # only the 2024-03-20 statement remains in March, the 2024-05-02 one is excluded
    assert {i["month"] for i in by_day} == {"2024-03", "2024-04"}
    assert _cell(by_day, "2024-03", "P1")["statements"] == 1
    press = client.get("/scores/monthly", params={"source": "press.un.org", "priority": "P1"}).json()
    assert {i["month"] for i in press} == {"2024-03", "2024-05"}
    assert _cell(press, "2024-05", "P1")["addressing"] == 1


def test_monthly_scores_csv_equals_json(client: TestClient) -> None:
    items = client.get("/scores/monthly").json()
    r = client.get("/scores/monthly", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert ".csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(items)
    assert "evidence" not in rows[0]
    for row, item in zip(rows, items, strict=True):
        assert (row["month"], row["priority"]) == (item["month"], item["priority"])
        for key in NUMBERS:
            assert float(row[key]) == float(item[key]), (key, row, item)
        assert row["agenda_version"] == item["agenda_version"]


def test_report_page_table_and_evidence(client: TestClient, corpus: Corpus) -> None:
    r = client.get("/report")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "<table>" in html and "<caption>" in html
    assert html.count('<th scope="col">') == 1 + 3  # priority column + three months
    assert html.count('<th scope="row">') == len(corpus.agenda.priorities)
    # each cell links to its evidence, which is on the page with quote, date, link, score and level
    assert 'href="#ev-2024-03-P1"' in html and 'id="ev-2024-03-P1"' in html
    # unaddressed cells show 0.0 without a link to an empty section
    assert 'href="#ev-2024-03-P3"' not in html and 'id="ev-2024-03-P3"' not in html
    section = html[html.index('id="ev-2024-03-P1"'):]
    section = section[: section.index("</section>")]
    assert CORPUS[0]["sentences"][0] in section
    assert "2024-03-05" in section and CORPUS[0]["url"] in section
    assert "0.82" in section and "explicit" in section
    # the number in the cell equals the JSON score
    score = _cell(client.get("/scores/monthly").json(), "2024-03", "P1")["score"]
    cell = re.search(r'href="#ev-2024-03-P1"[^>]*>([0-9.]+)<', html)
    assert cell is not None and float(cell.group(1)) == round(score, 1)


def test_report_escapes_and_filters(client: TestClient) -> None:
    html = client.get("/report", params={"from": "2024-04", "to": "2024-04"}).text
    assert 'id="ev-2024-04-P9"' in html and "2024-03" not in html.split("<h2>Evidence</h2>")[0].split("<table>")[1]
    r = client.get("/report", params={"from": "<script>"})
    assert r.status_code == 422 and "from:" in r.json()["detail"]
