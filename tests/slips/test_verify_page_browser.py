"""The public verification page in headless Debian chromium (selenium + chromedriver), against a real server."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_backend.models import SlipLookup
from kiosk_backend.slips.signing import blob_from_qr_text, blob_to_base32
from tests.helpers import require_tool
from tests.slips.conftest import SlipWorld

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def submit(browser: webdriver.Chrome) -> None:
    """Press 校验 and wait for the answer page (no JavaScript: a plain form POST)."""
    button = browser.find_element(By.ID, "submit")
    button.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(button))
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "status")))


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = require_tool("chromium")
    with tempfile.TemporaryDirectory(prefix="kiosk-chromium-") as profile:
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=412,915"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=require_tool("chromedriver")), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def test_scanning_url_opens_the_genuine_page(served: tuple[SlipWorld, str], browser: webdriver.Chrome) -> None:
    world, _base = served
    doc = world.issue("QYJLD", now=datetime.now(UTC))
    browser.get(doc.qr_text)  # what a phone camera opens: upper-case scheme and host, /V/<base32>
    status = browser.find_element(By.ID, "status").text
    assert "真实有效" in status
    page = browser.find_element(By.TAG_NAME, "body").text
    assert doc.serial in page and doc.masked_id in page and doc.holder_name in page
    assert "校验时间" in page
    assert "640104198003152314" not in browser.page_source
    assert browser.find_element(By.ID, "details").text.count("2025-") == 12


def test_tampered_url_shows_invalid(served: tuple[SlipWorld, str], browser: webdriver.Chrome) -> None:
    world, _base = served
    doc = world.issue("CBZM", now=datetime.now(UTC))
    blob = bytearray(blob_from_qr_text(doc.qr_text))
    blob[25] ^= 0x01
    browser.get(doc.qr_text.rsplit("/", 1)[0] + "/" + blob_to_base32(bytes(blob)))
    assert "无效" in browser.find_element(By.ID, "status").text
    assert doc.serial not in browser.find_element(By.TAG_NAME, "body").text  # nothing archived is shown


def test_serial_and_check_code_form(served: tuple[SlipWorld, str], browser: webdriver.Chrome) -> None:
    world, base = served
    doc = world.issue("JFMX", now=datetime.now(UTC))
    browser.get(f"{base}/verify")
    browser.find_element(By.ID, "serial").send_keys(doc.serial)
    browser.find_element(By.ID, "code").send_keys(doc.check_code.replace("-", "").lower())
    submit(browser)
    assert "真实有效" in browser.find_element(By.ID, "status").text
    assert doc.serial in browser.find_element(By.ID, "archived").text

    browser.get(f"{base}/verify")
    browser.find_element(By.ID, "serial").send_keys(doc.serial)
    browser.find_element(By.ID, "code").send_keys("0000-0000-0000")
    submit(browser)
    assert "无效" in browser.find_element(By.ID, "status").text
    assert "校验码不正确" in browser.find_element(By.ID, "reason").text
    with Session(world.engine) as db:
        doors = [(r.door, r.status) for r in db.scalars(select(SlipLookup).order_by(SlipLookup.id))]
    assert doors == [("form", "genuine"), ("form", "invalid")]
