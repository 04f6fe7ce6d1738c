"""PDF and DOCX articles: text, metadata, offsets, and the files that must be refused."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from rag.errors import BadArticle
from rag.factory import build
from rag.ingest import documents
from rag.ingest.reader import list_articles, parse_bytes, read_text
from tests.docfiles import ARTICLE_LINES, encrypt_pdf, make_docx, make_pdf
from tests.fakes import HashEmbedder, ScriptedLLM

DOCX_PARAGRAPHS = [
    "Border talks resume in Mexico City",
    "Secretary of State Antony Blinken met President López Obrador at the National Palace.",
    "Customs and Border Protection recorded 242,000 encounters in November.",
]


def _sentences(article):
    return [s for c in article.chunks for s in c.sentences]


def test_pdf_text_title_date_and_offsets():
    data = make_pdf([ARTICLE_LINES], title="Talks resume", created="D:20231227093000Z", author="Ana Ruiz")
    article = parse_bytes(data, "clip.pdf", "clip", 600)
    assert (article.meta.title, article.meta.date, article.meta.author) == (
        "Talks resume",
        "2023-12-27",
        "Ana Ruiz",
    )
    text, _ = read_text(data, "clip.pdf")
    sentences = _sentences(article)
    # Soft line wraps are undone: the sentence is whole, and its offsets point into the extracted text.
    meeting = next(s for s in sentences if "Blinken" in s.text)
    assert meeting.text.endswith(
        "at the National Palace on Wednesday to discuss the migration surge at the southern border."
    )
    assert text.text[meeting.start : meeting.end] == meeting.text
    assert any(
        s.text.endswith(
            "within days, after Customs and Border Protection recorded 242,000 encounters in November."
        )
        for s in sentences
    )


def test_pdf_without_metadata_takes_title_and_date_from_the_text():
    lines = ["Border talks resume in Mexico City", "December 27, 2023", *ARTICLE_LINES[2:]]
    article = parse_bytes(make_pdf([lines]), "clip.pdf", "clip", 600)
    assert article.meta.title == "Border talks resume in Mexico City"
    assert article.meta.date == "2023-12-27"


def test_pdf_tool_titles_are_not_headlines():
    data = make_pdf([ARTICLE_LINES], title="Microsoft Word - talks_final.docx")
    assert parse_bytes(data, "clip.pdf", "clip", 600).meta.title == "Border talks resume in Mexico City"


def test_pdf_pages_and_page_numbers():
    pages = [ARTICLE_LINES[:5] + ["1"], ["Page 2 of 2", *ARTICLE_LINES[5:]]]
    text, _ = read_text(make_pdf(pages), "two.pdf")
    assert "Page 2" not in text.text and "\n1\n" not in text.text
    assert "southern border." in text.text and "242,000 encounters" in text.text


def test_a_pdf_locked_only_against_editing_is_read():
    data = encrypt_pdf(make_pdf([ARTICLE_LINES]), user_password="")
    article = parse_bytes(data, "locked.pdf", "locked", 600)
    assert any("242,000" in s.text for s in _sentences(article))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: encrypt_pdf(make_pdf([ARTICLE_LINES]), user_password="secret"), "encrypted"),
        (lambda: make_pdf([[]]), "no text layer"),
        (lambda: b"%PDF-1.4\n" + bytes(range(256)) * 8, "damaged"),
        (lambda: make_pdf([ARTICLE_LINES])[:300], "damaged"),
        (lambda: b"just some text pretending", "damaged"),
    ],
    ids=["password", "scanned", "garbage", "truncated", "not-a-pdf"],
)
def test_unreadable_pdfs_are_refused_naming_file_and_reason(make, reason):
    with pytest.raises(BadArticle) as err:
        parse_bytes(make(), "print-edition.pdf", "print-edition", 600)
    assert str(err.value).startswith("print-edition.pdf: ")
    assert reason in str(err.value)


def test_docx_text_title_date_and_offsets():
    created = datetime(2023, 12, 28, 8, 0, tzinfo=UTC)
    data = make_docx(DOCX_PARAGRAPHS, title="Talks in Mexico", created=created)
    article = parse_bytes(data, "memo.docx", "memo", 600)
    assert (article.meta.title, article.meta.date) == ("Talks in Mexico", "2023-12-28")
    text, _ = read_text(data, "memo.docx")
    sentence = next(s for s in _sentences(article) if "López Obrador" in s.text)
    assert text.text[sentence.start : sentence.end] == sentence.text == DOCX_PARAGRAPHS[1]


def test_docx_without_metadata_uses_its_headline():
    article = parse_bytes(make_docx(DOCX_PARAGRAPHS), "memo.docx", "memo", 600)
    assert article.meta.title == "Border talks resume in Mexico City"


def test_python_docx_template_metadata_is_not_the_article_s():
    from docx import Document

    doc = Document()  # author "python-docx", created 2013-12-23: the library's template
    doc.add_paragraph("Border talks resume in Mexico City")
    doc.add_paragraph("December 27, 2023")
    doc.add_paragraph(DOCX_PARAGRAPHS[1])
    out = io.BytesIO()
    doc.save(out)
    article = parse_bytes(out.getvalue(), "memo.docx", "memo", 600)
    assert (article.meta.date, article.meta.author) == ("2023-12-27", "")


def test_docx_tables_are_read():
    from docx import Document

    doc = Document()
    doc.add_paragraph(DOCX_PARAGRAPHS[1])
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "November encounters"
    table.rows[0].cells[1].text = "242,000"
    out = io.BytesIO()
    doc.save(out)
    text, _ = read_text(out.getvalue(), "t.docx")
    assert "November encounters | 242,000" in text.text


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return out.getvalue()


def test_a_docx_that_unpacks_too_large_is_refused_before_unpacking():
    # 51 MB of zeros packs into about 50 kB: a zip bomb costs nothing to upload.
    bomb = _zip({"word/document.xml": bytes(documents.MAX_UNPACKED_BYTES + 1_000_000)})
    assert len(bomb) < 200_000
    with pytest.raises(BadArticle, match=r"^bomb.docx: .*unpacks to 51,000,000 bytes, over the"):
        parse_bytes(bomb, "bomb.docx", "bomb", 600)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: documents._OLE_MAGIC + bytes(512), "encrypted"),
        (lambda: b"PK\x03\x04" + bytes(range(200)), "damaged"),
        (lambda: _zip({"hello.txt": b"not a word file"}), "damaged"),
        (lambda: make_docx(DOCX_PARAGRAPHS)[:-200], "damaged"),
        (lambda: make_docx([" "]), "no text"),
    ],
    ids=["encrypted", "garbage", "not-word", "truncated", "empty"],
)
def test_unreadable_docx_are_refused_naming_file_and_reason(make, reason):
    with pytest.raises(BadArticle) as err:
        parse_bytes(make(), "memo.docx", "memo", 600)
    assert str(err.value).startswith("memo.docx: ")
    assert reason in str(err.value)


def test_folders_list_documents(tmp_path):
    for name in ("a.pdf", "b.docx", "c.doc"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in list_articles(tmp_path)] == ["a.pdf", "b.docx"]


def test_refused_documents_lose_nothing_already_indexed(settings, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "clip.pdf").write_bytes(make_pdf([ARTICLE_LINES], title="Talks resume"))
    (folder / "memo.docx").write_bytes(make_docx(DOCX_PARAGRAPHS))
    rag = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    assert sorted(rag.ingestor.ingest_path(folder).added) == ["clip", "memo"]
    before = rag.store.chunks.count()
    # The same names come back locked or broken, and a scan joins them: all skipped, old copies kept.
    (folder / "clip.pdf").write_bytes(encrypt_pdf(make_pdf([ARTICLE_LINES]), user_password="pw"))
    (folder / "memo.docx").write_bytes(b"PK\x03\x04broken")
    (folder / "scan.pdf").write_bytes(make_pdf([[]]))
    report = rag.ingestor.ingest_path(folder)
    reasons = {name.rsplit("/", 1)[-1]: why for name, why in report.skipped}
    assert set(reasons) == {"clip.pdf", "memo.docx", "scan.pdf"}
    assert "encrypted" in reasons["clip.pdf"] and "damaged" in reasons["memo.docx"]
    assert "no text layer" in reasons["scan.pdf"]
    assert rag.store.chunks.count() == before
    assert set(rag.store.articles()) == {"clip", "memo"}
    assert rag.store.articles()["clip"].title == "Talks resume"
