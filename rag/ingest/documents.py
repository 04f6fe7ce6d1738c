"""Text, title and date out of PDF and Word (.docx) articles.

PDF and DOCX keep their text compressed inside a binary container, so no character
offset in the file can be highlighted. For these kinds the *extracted text* is the
reference: sentence offsets point into it, and the source card re-extracts it (the
same bytes always give the same text) to show a quote in its paragraph.

Libraries: pypdf (pure Python, no system packages) and python-docx (on lxml, which
ships wheels). Files that cannot give an article are refused with the file's name and
the reason: damaged, encrypted, a scan with no text layer, or a .docx that unpacks
to more than :data:`MAX_UNPACKED_BYTES` (a zip bomb costs nothing to upload).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

from rag.errors import BadArticle

DOCUMENT_KINDS = {".pdf": "pdf", ".docx": "docx"}
# Unpacked size of every part of a .docx together. A text-only news article unpacks
# to well under 1 MB; photos stay about their packed size.
MAX_UNPACKED_BYTES = 50_000_000
# More text than a news article, a report or a whole print edition holds.
MAX_TEXT_CHARS = 2_000_000
# A scan has no text layer; a few stray characters (a page number in a text box) are not an article.
_MIN_LETTERS = 20
# Titles that authoring tools write for the user: not the article's headline.
_JUNK_TITLE = re.compile(
    r"^(untitled|document\d*|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|indd|qxd|rtf|odt|txt))$",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_SENTENCE_END = tuple('.!?:;"”’)')
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .docx, or an old binary .doc

# pypdf logs a warning per odd object in a damaged file; the refusal message says it once.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass
class Extracted:
    """A document's text (the reference for offsets) and what its metadata says."""

    text: str
    title: str = ""
    date: str = ""
    author: str = ""


def extract_document(data: bytes, name: str, kind: str) -> Extracted:
    """The article in a PDF or DOCX file; :class:`BadArticle` names the file and the reason."""
    extracted = _extract_pdf(data, name) if kind == "pdf" else _extract_docx(data, name)
    if len(extracted.text) > MAX_TEXT_CHARS:
        raise BadArticle(
            f"{name}: {len(extracted.text):,} characters of text is over the {MAX_TEXT_CHARS:,} limit; "
            "split the document."
        )
    if sum(c.isalpha() for c in extracted.text) < _MIN_LETTERS:
        what = "no text layer (a scanned image?); run OCR on it first" if kind == "pdf" else "no text"
        raise BadArticle(f"{name}: the document has {what}.")
    return extracted


def _iso_date(value: object) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else ""


def _title(value: object) -> str:
    text = " ".join(str(value or "").split())
    return "" if len(text) < 3 or _JUNK_TITLE.match(text) else text


# --- PDF -------------------------------------------------------------------------------


def _extract_pdf(data: bytes, name: str) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:  # the header may follow a little junk, as readers allow
        raise BadArticle(f"{name}: damaged or not a PDF (no PDF header).")
    try:
        reader = PdfReader(io.BytesIO(data))
        # pypdf opens files locked only against printing or editing (empty user password);
        # every reader shows those, so they are read. A real password refuses the file.
        if reader.is_encrypted and not _opens_without_password(reader):
            raise BadArticle(f"{name}: the PDF is encrypted (password-protected); save an unlocked copy.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except BadArticle:
        raise
    except (FileNotDecryptedError, DependencyError):
        raise BadArticle(
            f"{name}: the PDF is encrypted (password-protected); save an unlocked copy."
        ) from None
    except Exception as err:  # pypdf raises many kinds on a broken file; all mean the same here
        raise BadArticle(f"{name}: the PDF is damaged and cannot be read ({_short(err)}).") from None
    if not pages:
        raise BadArticle(f"{name}: the PDF is damaged and cannot be read (it has no pages).")
    text = "\n\n".join(t for t in (_pdf_page_text(p) for p in pages) if t)
    info = _pdf_info(reader)
    return Extracted(text=text, **info)


def _opens_without_password(reader: object) -> bool:
    from pypdf import PasswordType

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - an unsupported cipher is as closed as a password
        return False


def _pdf_info(reader: object) -> dict[str, str]:
    """Title, date and author from the PDF's document information, where usable."""
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a broken info dictionary is no reason to lose the text
        return {}
    if not meta:
        return {}
    out = {"title": _title(meta.get("/Title")), "author": " ".join(str(meta.get("/Author") or "").split())}
    for key in ("creation_date", "modification_date"):
        try:
            out["date"] = _iso_date(getattr(meta, key))
        except Exception:  # noqa: BLE001 - a malformed date string
            out["date"] = ""
        if out["date"]:
            break
    return out


def _pdf_page_text(raw: str) -> str:
    """A page's lines with soft wraps undone, so a sentence is one line as in the article.

    A line is a wrap when it is nearly as long as the page's full lines (80% of the 90th
    percentile of line lengths) and does not end a sentence; shorter lines (headlines,
    bylines, datelines, a paragraph's last line) stay lines of their own, where the
    cleaner recognises them. Measured on the seeds set at four column widths
    (tests/ingest/test_document_quality.py), this keeps 92-97% of sentences word for
    word; the median length with a 60% cut kept 90-94%. Bare page numbers go.
    """
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    lines = [line for line in lines if line and not _PAGE_NUMBER.match(line)]
    widths = sorted(len(line) for line in lines if len(line) >= 20)
    typical = widths[len(widths) * 9 // 10] if widths else 0
    out: list[str] = []
    wrapped = False
    for line in lines:
        if out and wrapped:
            out[-1] += line if out[-1].endswith("-") else " " + line
        else:
            out.append(line)
        wrapped = typical > 0 and len(line) >= 0.8 * typical and not line.endswith(_SENTENCE_END)
    return "\n".join(out)


# --- DOCX ------------------------------------------------------------------------------


def _extract_docx(data: bytes, name: str) -> Extracted:
    if data.startswith(_OLE_MAGIC):
        raise BadArticle(
            f"{name}: the file is encrypted (password-protected) or an old binary .doc; "
            "save it as an unprotected .docx."
        )
    _check_unpacked_size(data, name)
    from docx import Document

    try:
        doc = Document(io.BytesIO(data))
        blocks = list(_docx_blocks(doc))
        props = doc.core_properties
        title, author, created = props.title, props.author, props.created or props.modified
        if author == "python-docx":  # its template's author and 2013 dates, not the article's
            author, created = "", None
    except Exception as err:  # python-docx and lxml raise many kinds on a broken package
        raise BadArticle(f"{name}: the Word file is damaged and cannot be read ({_short(err)}).") from None
    return Extracted(
        text="\n\n".join(blocks),
        title=_title(title),
        date=_iso_date(created),
        author=" ".join((author or "").split()),
    )


def _check_unpacked_size(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            total = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise BadArticle(
            f"{name}: the Word file is damaged and cannot be read (not a valid .docx package)."
        ) from None
    # zipfile stops at each part's declared size (and fails the CRC past it), so the
    # declared sizes bound what reading the parts can unpack.
    if total > MAX_UNPACKED_BYTES:
        raise BadArticle(
            f"{name}: the Word file unpacks to {total:,} bytes, over the {MAX_UNPACKED_BYTES:,}-byte limit."
        )


def _docx_blocks(doc: object) -> list[str]:
    """Paragraph and table text in document order; headers and footers are page furniture."""
    from docx.table import Table

    blocks = []
    for item in doc.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if text and (not cells or cells[-1] != text):  # merged cells repeat
                        cells.append(text)
                if cells:
                    blocks.append(" | ".join(cells))
        else:
            text = item.text.strip()
            if text:
                blocks.append(text)
    return blocks


def _short(err: Exception) -> str:
    text = " ".join(str(err).split())[:120]
    return text or type(err).__name__
