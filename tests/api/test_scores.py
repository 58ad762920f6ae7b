"""GET /scores/monthly (JSON and CSV) and GET /report."""

from __future__ import annotations

import csv
import io
import re

import pytest
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


def _heatmap(html: str) -> dict[tuple[str, str], float]:
    """(month, priority) -> the number shown in the page's heatmap cell."""
    table = html[html.index('id="heatmap"'):]
    table = table[: table.index("</table>")]
    cells = re.findall(r'<td data-month="([0-9-]+)" data-priority="(P\d+)" data-score="([0-9.]+)"[^>]*>'
                       r'<a [^>]*>([0-9.]+)</a>', table)
    out = {}
    for month, pid, attr, shown in cells:
        assert attr == shown, (month, pid, attr, shown)
        out[(month, pid)] = float(shown)
    return out


@pytest.mark.parametrize("params", [
    {}, {"from": "2024-04", "to": "2024-05"}, {"source": "press.un.org"}, {"term": "guterres"},
    {"venue": "human_rights_council"}, {"speaker": "sg"}, {"from": "2024-03-15"},
])
def test_report_numbers_equal_the_api_for_the_same_filters(client: TestClient, params: dict) -> None:
    html = client.get("/report", params=params).text
    api = client.get("/scores/monthly", params=params).json()
    assert api, params
    assert _heatmap(html) == {(i["month"], i["priority"]): i["score"] for i in api}
    # the month view (latest month by default) shows the same numbers, band and streak as the API
    latest = max(i["month"] for i in api)
    view = html[html.index('id="month-table"'):]
    view = view[: view.index("</table>")]
    rows = re.findall(r'<tr data-priority="(P\d+)" data-score="([0-9.]+)">.*?'
                      r'<td>([0-9.]+)</td>\s*<td>([0-9.]+)–([0-9.]+)</td>.*?data-streak="(\d+)"', view, re.DOTALL)
    expected = [(i["priority"], i["score"], i["score_low"], i["score_high"], i["silence_streak"])
                for i in api if i["month"] == latest]
    assert [(p, float(a), float(lo), float(hi), int(st)) for p, a, _, lo, hi, st in rows] == expected
    # the comparison tables equal /scores/compare for the same filters
    for by in ("term", "venue", "speaker"):
        groups = client.get("/scores/compare", params={**params, "by": by}).json()
        table = html[html.index(f'id="compare-{by}"'):]
        table = table[: table.index("</table>")]
        shown = {}
        for group, body in re.findall(r'<tr data-group="([a-z_]+)">(.*?)</tr>', table, re.DOTALL):
            for pid, score in re.findall(r'data-priority="(P\d+)" data-score="([0-9.]+)"', body):
                shown[(group, pid)] = float(score)
        assert shown == {(g["group"], g["priority"]): g["mean_score"] for g in groups}


def test_report_month_view_traces_numbers_to_passages(client: TestClient, corpus: Corpus) -> None:
    html = client.get("/report", params={"month": "2024-03"}).text
    # the heatmap cell links to the month view's section, which holds the quote, date, link and reasons
    assert 'href="/report?month=2024-03#m-P1"' in html
    section = html[html.index('id="m-P1"'):]
    section = section[: section.index("</section>")]
    assert CORPUS[0]["sentences"][0] in section
    assert "2024-03-05" in section and f'href="{CORPUS[0]["url"]}"' in section
    assert "match score 0.82" in section and "explicit · condemnation" in section
    score = _cell(client.get("/scores/monthly").json(), "2024-03", "P1")
    assert f'<span class="score">{score["score"]:.1f}</span>' in section
    assert f"{score['addressing']} of {score['statements']} statements" in section
    # unaddressed priorities have no evidence section, and say so in the table
    assert 'id="m-P3"' not in html
    assert client.get("/report", params={"month": "2024-13"}).status_code == 422


def test_report_downloads_follow_the_filters(client: TestClient) -> None:
    html = client.get("/report", params={"from": "2024-04", "source": "un.org/sg"}).text
    csv_link = re.search(r'id="dl-csv" href="([^"]+)"', html)
    png_link = re.search(r'id="dl-png" href="([^"]+)"', html)
    assert csv_link and png_link
    csv_url, png_url = (m.group(1).replace("&amp;", "&") for m in (csv_link, png_link))
    assert csv_url == "/scores/monthly?from=2024-04-01&source=un.org%2Fsg&format=csv"
    rows = list(csv.DictReader(io.StringIO(client.get(csv_url).text)))
    assert {(r["month"], r["priority"]): float(r["score"]) for r in rows} == _heatmap(html)
    png = client.get(png_url)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 5000


def test_report_escapes_and_filters(client: TestClient) -> None:
    html = client.get("/report", params={"from": "2024-04", "to": "2024-04"}).text
    assert set(_heatmap(html)) == {("2024-04", p) for p in [f"P{i}" for i in range(1, 10)]}
    r = client.get("/report", params={"from": "<script>"})
    assert r.status_code == 422 and "from:" in r.json()["detail"]
    r = client.get("/report", params={"term": "<b>"})
    assert r.status_code == 422 and "term:" in r.json()["detail"]
    # an empty choice (as the filter form sends "All") means no filter
    assert _heatmap(client.get("/report", params={"term": "", "source": ""}).text) == _heatmap(
        client.get("/report").text)


def test_scores_compare_and_new_filters(client: TestClient) -> None:
    terms = client.get("/scores/compare", params={"by": "term"}).json()
    g = {(r["group"], r["priority"]): r for r in terms}
    monthly = client.get("/scores/monthly", params={"priority": "P1"}).json()
    mean = round(sum(i["score"] for i in monthly) / len(monthly), 1)
    assert (g[("guterres", "P1")]["months"], g[("guterres", "P1")]["mean_score"]) == (3, mean)
    assert (g[("ban", "P1")]["months"], g[("ban", "P1")]["mean_score"]) == (0, 0.0)
    assert g[("guterres", "P1")]["best_month"] == max(monthly, key=lambda i: i["score"])["month"]
    venue = client.get("/scores/monthly", params={"venue": "press_encounter"}).json()
    assert {(i["month"], i["statements"]) for i in venue} == {("2024-05", 1)}
    hrc = client.get("/scores/monthly", params={"venue": "human_rights_council", "priority": "P1"}).json()
    assert [(i["month"], i["statements"], i["addressing"]) for i in hrc] == [("2024-03", 1, 1)]
    assert client.get("/scores/compare", params={"by": "planet"}).status_code == 422
    assert client.get("/scores/monthly", params={"speaker": "pope"}).status_code == 422
    csv_text = client.get("/scores/compare", params={"by": "venue", "format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("by,group,label,priority,months")
