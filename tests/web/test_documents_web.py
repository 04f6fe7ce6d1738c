"""PDF and DOCX through the HTTP upload and on the source card (fake model)."""

from __future__ import annotations

from rag.ingest.reader import parse_bytes
from rag.types import ArticleMeta
from rag.web.render import passage_in_context
from rag.web.ui import ACCEPTED
from tests.docfiles import ARTICLE_LINES, encrypt_pdf, make_docx, make_pdf
from tests.web.conftest import json_error

DOCX = [
    "Zebra talks in Oaxaca",
    "Delegations met in Oaxaca on Friday. They discussed the zebra crossing programme.",
]
PDF_MIME = "application/pdf"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_page_accepts_pdf_and_docx():
    assert ".pdf" in ACCEPTED and ".docx" in ACCEPTED


def test_pdf_and_docx_uploads_are_ingested_and_listed(client, fake_rag):
    files = [
        ("files", ("clip.pdf", make_pdf([ARTICLE_LINES], title="Talks resume"), PDF_MIME)),
        ("files", ("zebra.docx", make_docx(DOCX), DOCX_MIME)),
    ]
    got = client.post("/api/articles", files=files)
    assert got.status_code == 201, got.text
    added = {m["doc_id"]: m for m in got.json()["added"]}
    assert added["clip"]["title"] == "Talks resume"
    assert added["zebra"]["title"] == "Zebra talks in Oaxaca"
    assert (fake_rag.settings.data_dir / "library" / "clip.pdf").is_file()


def test_an_encrypted_pdf_upload_is_refused_by_name(client, fake_rag):
    locked = encrypt_pdf(make_pdf([ARTICLE_LINES]), user_password="secret")
    got = client.post("/api/articles", files=[("files", ("locked.pdf", locked, PDF_MIME))])
    message = json_error(got, 422)
    assert message.startswith("locked.pdf: ") and "encrypted" in message
    assert "locked" not in fake_rag.store.articles()
    assert not (fake_rag.settings.data_dir / "library" / "locked.pdf").exists()


def test_the_source_card_highlights_the_quote_in_the_extracted_text(tmp_path):
    for name, data in [("clip.pdf", make_pdf([ARTICLE_LINES])), ("memo.docx", make_docx(DOCX))]:
        path = tmp_path / name
        path.write_bytes(data)
        article = parse_bytes(data, name, path.stem, 600)
        sentence = article.chunks[0].sentences[-1]
        meta = ArticleMeta(doc_id=path.stem, path=str(path))
        before, quote, _ = passage_in_context(meta, sentence.start, sentence.end, sentence.text, 10**6)
        assert quote == sentence.text and before  # found in place, with its paragraph around it
