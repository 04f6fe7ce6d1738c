"""The chat UI in headless Chromium against the real server and the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.facts import states
from tests.web.conftest import MEETING_DOCS, QUESTION

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "artifacts"
# Counts DOM changes while the answer is still streaming: more than one means it arrived in pieces.
# It also keeps what a streaming draft said of itself: it must say it is being checked.
COUNT_STREAMING = """() => {
  window.__streamed = 0; window.__draftLabel = "";
  new MutationObserver(() => {
    const draft = document.querySelector('#chat .rag-draft');
    if (draft) { window.__streamed++; window.__draftLabel = draft.querySelector('.rag-label').innerText; }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}; the browser test needs it. "
            "./test.sh installs it, or run: apt-get update && apt-get install -y chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def test_chat_streams_an_answer_with_its_source(browser, real_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    outside = []  # the product is offline: the page may load nothing from elsewhere
    page.on(
        "request", lambda r: None if r.url.startswith((real_url, "data:", "blob:")) else outside.append(r.url)
    )
    page.goto(real_url)
    page.evaluate(COUNT_STREAMING)
    box = page.locator("#question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    page.locator("#chat .rag-timings").first.wait_for(timeout=300_000)  # the final answer is in

    answer = page.locator("#chat .rag-answer").last.inner_text()
    assert states(answer, "National Palace") and "[" in answer, answer
    assert page.evaluate("window.__streamed") > 1
    # The draft said it was a draft, and the checked answer replaced it.
    assert "checking" in page.evaluate("window.__draftLabel").lower()
    assert page.locator("#chat .rag-draft").count() == 0
    assert "confidence" in page.locator("#chat .rag-timings").first.inner_text()
    card = page.locator("#chat details.rag-source").first
    assert card.locator(".rag-doc").inner_text() in MEETING_DOCS
    card.locator("summary").click()
    assert card.locator("mark").is_visible() and "National Palace" in card.locator("mark").inner_text()
    assert "passages used" in page.locator("#chat .rag-timings").first.inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_chat.png"), full_page=True)
    page.get_by_role("tab", name="Library").click()
    page.locator("#library-table").get_by_text("001_0a0b291abecde7a8").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # the table draws itself after its text is in place
    page.screenshot(path=str(ARTIFACTS / "web_library.png"), full_page=True)
    assert outside == []


def test_an_abstention_shows_the_closest_passages_labelled_as_not_an_answer(browser, real_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(real_url)
    box = page.locator("#question textarea")
    box.fill("Which Mexican state governors attended the meeting at the National Palace?")
    box.press("Enter")
    page.locator("#chat .rag-timings").first.wait_for(timeout=300_000)
    assert page.locator("#chat .rag-abstained").count() == 1
    assert page.locator("#chat .rag-answer").count() == 0
    evidence = page.locator("#chat .rag-evidence")
    assert "not an answer" in evidence.locator(".rag-label").inner_text().lower()
    assert evidence.locator("details.rag-source").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_abstention.png"), full_page=True)
