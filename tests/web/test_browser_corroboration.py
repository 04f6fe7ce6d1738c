"""The source card says who reports a sentence and when, in headless Chromium (real model)."""

from __future__ import annotations

import pytest

from tests.facts import states
from tests.web.test_browser import ARTIFACTS, browser  # noqa: F401 - the shared Chromium fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# La Opinión (001) and Gestion (000) carry the same CBP sentence: one passage, two articles.
QUESTION = "How many migrants did US Customs and Border Protection detain at the border in November?"


def test_card_shows_outlets_and_date(browser, real_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        page.goto(real_url)
        box = page.locator("#question textarea")
        box.fill(QUESTION)
        box.press("Enter")
        page.locator("#chat .rag-timings").first.wait_for(timeout=300_000)
        assert states(page.locator("#chat .rag-answer").last.inner_text(), "242,000")
        card = page.locator("#chat details.rag-source").first
        card.locator("summary").click()
        meta = card.locator(".rag-meta").inner_text()
        assert "2023-12-27" in meta or "no date given" in meta
        also = card.locator(".rag-also").inner_text()
        assert also.startswith("Reported by") and "Gestion" in also and "2 articles" in also
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web_corroboration.png"), full_page=True)
    finally:
        page.close()
