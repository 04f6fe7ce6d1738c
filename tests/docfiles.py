"""Small real PDF and DOCX articles, generated for tests (no binary fixtures in the repo).

The PDF is written by hand: one Helvetica text line per ``Tj``, as print-edition PDFs
lay text out, with a document information dictionary when a title or date is given.
"""

from __future__ import annotations

import io
from datetime import datetime

ARTICLE_LINES = [
    "Border talks resume in Mexico City",
    "By Ana Ruiz",
    "Secretary of State Antony Blinken met President Andres Manuel Lopez Obrador",
    "at the National Palace on Wednesday to discuss the migration surge at the",
    "southern border.",
    "Officials said the Eagle Pass rail crossing would reopen within days, after",
    "Customs and Border Protection recorded 242,000 encounters in November.",
]


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(lines: list[str]) -> bytes:
    ops = [b"BT", b"/F1 11 Tf", b"14 TL", b"72 740 Td"]
    ops += [_pdf_string(line) + b" Tj T*" for line in lines]
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(pages: list[list[str]], title: str = "", created: str = "", author: str = "") -> bytes:
    """A PDF with one page per list of lines; ``created`` is a PDF date ("D:20231227...")."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the page numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for lines in pages:
        stream = _content(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_ref
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    info = b""
    fields = [(b"/Title", title), (b"/CreationDate", created), (b"/Author", author)]
    if any(v for _, v in fields):
        objects.append(b"<< " + b" ".join(k + b" " + _pdf_string(v) for k, v in fields if v) + b" >>")
        info = b" /Info %d 0 R" % len(objects)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % off for off in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R" % (len(objects) + 1) + info + b" >>\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    """The PDF locked with RC4 (pure Python in pypdf, no crypto library needed)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(paragraphs: list[str], title: str = "", created: datetime | None = None) -> bytes:
    """A Word file: the first paragraph as a heading, the rest as body text, one table row."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    # python-docx's template carries its own author and date; a test file states its own or none.
    props.title, props.author = title, ""
    if created:
        props.created = props.modified = created
    else:  # drop the template's dates: a file without them must fall back to the text
        for el in list(props._element):
            if el.tag.endswith(("}created", "}modified")):
                props._element.remove(el)
    doc.add_heading(paragraphs[0], level=1)
    for text in paragraphs[1:]:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
