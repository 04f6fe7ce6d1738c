"""A PDF and a DOCX uploaded in the page, then asked about (headless Chromium, real model)."""

from __future__ import annotations

import pytest

from tests.docfiles import make_docx, make_pdf
from tests.web.test_browser import ARTIFACTS, browser  # noqa: F401 - the shared Chromium fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Facts no seed article states, so an answer can only come from the uploaded files.
PDF_LINES = [
    "Zebra crossing talks in Oaxaca",
    "Delegates from both countries met in Oaxaca on Friday to discuss the zebra crossing",
    "programme for border towns.",
    "The programme will paint 4,800 zebra crossings in border towns by March.",
]
DOCX_PARAGRAPHS = [
    "Llama census in Puno",
    "The regional census in Puno counted 61,300 llamas in the highland districts.",
]


def _ask(page, question: str) -> str:  # noqa: ANN001 - a Playwright page
    page.get_by_role("tab", name="Chat").click()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    n = page.locator("#chat .rag-timings").count()
    page.locator("#chat .rag-timings").nth(n).wait_for(timeout=300_000)
    return page.locator("#chat .rag-answer, #chat .rag-notice").last.inner_text()


def test_upload_pdf_and_docx_then_ask(browser, real_url, real_rag, tmp_path):  # noqa: F811
    pdf, docx = tmp_path / "zebra-talks.pdf", tmp_path / "llama-census.docx"
    pdf.write_bytes(make_pdf([PDF_LINES], title="Zebra crossing talks in Oaxaca"))
    docx.write_bytes(make_docx(DOCX_PARAGRAPHS))
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        page.goto(real_url)
        page.get_by_role("tab", name="Library").click()
        page.locator("#library-upload input[type=file]").set_input_files([str(pdf), str(docx)])
        page.get_by_role("button", name="Ingest uploaded files").click()
        status = page.locator("#library-status")
        status.get_by_text("Added llama-census").wait_for(timeout=120_000)
        assert "Added zebra-talks" in status.inner_text() and "Refused" not in status.inner_text()

        answer = _ask(page, "How many zebra crossings will the programme paint?")
        assert "4,800" in answer
        card = page.locator("#chat details.rag-source").last
        assert card.locator(".rag-doc").inner_text() == "zebra-talks"
        card.locator("summary").click()
        assert "4,800" in card.locator("mark").inner_text()  # highlighted in the extracted text

        answer = _ask(page, "How many llamas did the census in Puno count?")
        assert "61,300" in answer
        assert (
            page.locator("#chat details.rag-source").last.locator(".rag-doc").inner_text() == "llama-census"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web_documents.png"), full_page=True)
    finally:
        page.close()
        # The index is shared by the session's other real tests: leave it as it was.
        from rag.web.library import Library

        for doc_id in ("zebra-talks", "llama-census"):
            Library(real_rag).delete(doc_id)  # the saved upload goes too
