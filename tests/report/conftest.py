"""The demo data (sample sites crawled and analysed by the CLI), served by `sgwatch serve`, and Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sample_site.server import SampleSites

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _sgwatch(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "core.cli", *args], env=env, capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 0, f"sgwatch {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_server(sample_sites: SampleSites, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `sgwatch serve` on the demo data: the sample sites crawled and analysed by the CLI."""
    data_dir = tmp_path_factory.mktemp("report-demo")
    env = dict(os.environ, SGWATCH_DATA_DIR=str(data_dir), SGWATCH_UN_SG_BASE_URL=sample_sites.un_sg,
               SGWATCH_UN_PRESS_BASE_URL=sample_sites.un_press, SGWATCH_UN_SG_DOWNLOAD_DELAY="0",
               SGWATCH_UN_PRESS_DOWNLOAD_DELAY="0")
    _sgwatch(env, "crawl")
    _sgwatch(env, "analyze")
    port = _free_port()
    log = (data_dir / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sgwatch serve did not come up on {base}: {(data_dir / 'serve.log').read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium through its chromedriver; fails loudly when they are not installed."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"the report's browser test needs Debian's Chromium, but {' and '.join(missing)} "
                    "is missing: run `make browser` (or `apt-get install -y chromium chromium-driver`)",
                    pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="sgwatch-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
