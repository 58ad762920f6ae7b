"""The report page in headless Chromium on the demo data: heatmap, evidence links, drill-down, screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _api(base: str, path: str, **params: str) -> Any:
    r = httpx.get(base + path, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _cells(driver: Any) -> dict[tuple[str, str], float]:
    from selenium.webdriver.common.by import By

    out = {}
    for td in driver.find_elements(By.CSS_SELECTOR, "#heatmap td[data-score]"):
        shown = td.text.strip()
        assert shown == td.get_attribute("data-score"), "a cell shows another number than it carries"
        out[(td.get_attribute("data-month"), td.get_attribute("data-priority"))] = float(shown)
    return out


def _click_and_load(driver: Any, element: Any, url_part: str) -> None:
    """Click a link or submit button and wait until the browser has loaded the page it leads to
    (reading current_url right after click() races the navigation)."""
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()
    WebDriverWait(driver, 30).until(
        lambda d: url_part in d.current_url and d.execute_script("return document.readyState") == "complete")


def _save(driver: Any, path: Path, width: int) -> None:
    """A full-page screenshot at this width."""
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height) + 40, 8000))
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_report_heatmap_evidence_and_drill_down(demo_server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(f"{demo_server}/report")
    assert "sgwatch report" in driver.title
    # Every heatmap cell equals the API's number for the same (empty) filters, and none is missing.
    api = _api(demo_server, "/scores/monthly")
    cells = _cells(driver)
    assert cells == {(i["month"], i["priority"]): i["score"] for i in api}
    assert any(v > 0 for v in cells.values())
    headers = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#heatmap thead th")][1:]
    assert headers == sorted({i["month"] for i in api})
    legend = driver.find_elements(By.CSS_SELECTOR, ".legend li")
    assert len(legend) == 6 and "not addressed" in legend[0].text

    # The month view (latest month) lists each addressed priority's passages with working source links.
    latest = max(i["month"] for i in api)
    assert driver.find_element(By.ID, "h-month").text == f"Month view: {latest}"
    expected_links = {e["url"] for i in api if i["month"] == latest for e in i["evidence"]}
    shown_links = {a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#month-view a.source")}
    assert shown_links == expected_links and shown_links
    _save(driver, tmp_path / "report-desktop.png", 1280)

    # Click the strongest cell: the page drills down to that month and shows its passages.
    month, pid = max(cells, key=lambda k: (cells[k], k))
    driver.set_window_size(1280, 900)
    link = driver.find_element(By.CSS_SELECTOR, f'#heatmap td[data-month="{month}"][data-priority="{pid}"] a')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    _click_and_load(driver, link, f"month={month}")
    assert f"month={month}" in driver.current_url and driver.current_url.endswith(f"#m-{pid}")
    assert driver.find_element(By.ID, "h-month").text == f"Month view: {month}"
    section = driver.find_element(By.ID, f"m-{pid}")
    assert float(section.find_element(By.CSS_SELECTOR, "span.score").text) == cells[(month, pid)]
    [item] = [i for i in api if i["month"] == month and i["priority"] == pid]
    quotes = [q.text for q in section.find_elements(By.TAG_NAME, "blockquote")]
    assert quotes == [e["text"].strip() for e in item["evidence"]]
    links = [a.get_attribute("href") for a in section.find_elements(By.CSS_SELECTOR, "a.source")]
    assert links == [e["url"] for e in item["evidence"]]
    whys = section.find_elements(By.CSS_SELECTOR, "p.why")
    assert whys and all(w.text.startswith("Why it matched: ") for w in whys)
    streak = driver.find_element(By.CSS_SELECTOR, f'#month-table tr[data-priority="{pid}"] td[data-streak]')
    assert int(streak.get_attribute("data-streak")) == item["silence_streak"]
    _save(driver, tmp_path / "report-drilldown.png", 1280)

    # On a phone the page does not scroll sideways (the heatmap scrolls inside its own box).
    driver.set_window_size(390, 844)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
    _save(driver, tmp_path / "report-phone.png", 390)
    # Printing hides the filter form and keeps the heatmap.
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not driver.find_element(By.CSS_SELECTOR, "form.filters").is_displayed()
    assert driver.find_element(By.ID, "heatmap").is_displayed()
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    print(f"screenshots in {tmp_path}")


def test_report_filters_match_the_api(demo_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.set_window_size(1280, 900)
    driver.get(f"{demo_server}/report")
    Select(driver.find_element(By.ID, "f-term")).select_by_value("ban")
    Select(driver.find_element(By.ID, "f-source")).select_by_value("press.un.org")
    _click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"), "term=ban")
    assert "term=ban" in driver.current_url
    api = _api(demo_server, "/scores/monthly", term="ban", source="press.un.org")
    assert api and all(i["month"] <= "2016-12" for i in api)
    assert _cells(driver) == {(i["month"], i["priority"]): i["score"] for i in api}
    png = httpx.get(driver.find_element(By.ID, "dl-png").get_attribute("href"), timeout=60)
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
