"""The filter row in headless Chromium (real model): a date filter leaves only that day's article cited."""

from __future__ import annotations

import re

import pytest

from tests.web.test_browser import ARTIFACTS, browser  # noqa: F401 - the shared Chromium fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LATE = "004_3f19723b59c844a4"  # the only seed dated 2023-12-29
QUESTION = "Who was the US Secretary of Homeland Security at the meeting?"  # as in test_filters_real


def _ask_since(page, url: str, since: str) -> None:
    page.goto(url)
    page.locator("#filter-since textarea, #filter-since input").first.fill(since)
    box = page.locator("#question textarea")
    box.fill(QUESTION)
    box.press("Enter")


def test_a_since_date_in_the_filter_row_keeps_the_citations_to_that_article(browser, real_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    try:
        _ask_since(page, real_url, "2023-12-29")
        page.locator("#chat .rag-timings").first.wait_for(timeout=300_000)
        answer = page.locator("#chat .rag-answer").last.inner_text()
        assert re.search(r"\[\d+\]", answer), answer  # answered with citations, not an abstention
        cards = page.locator("#chat details.rag-source")
        assert cards.count() >= 1
        assert {cards.nth(i).locator(".rag-doc").inner_text() for i in range(cards.count())} == {LATE}
        assert "2023-12-29" in cards.first.locator(".rag-meta").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web_filters.png"), full_page=True)
    finally:
        page.close()


def test_a_malformed_date_in_the_filter_row_is_a_message_in_the_chat(browser, real_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        _ask_since(page, real_url, "29/12/2023")
        error = page.locator("#chat .rag-error").first
        error.wait_for(timeout=60_000)
        assert "is not a date; write it as YYYY-MM-DD" in error.inner_text()
    finally:
        page.close()
