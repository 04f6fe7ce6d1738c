"""Read one article file into cleaned, chunked form, refusing what cannot be an article."""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import BadArticle
from rag.ingest.chunk import chunk_article
from rag.ingest.clean import CleanResult, clean
from rag.ingest.documents import DOCUMENT_KINDS, Extracted, extract_document
from rag.ingest.text import MappedText, html_to_text
from rag.types import STAMP_DOC_ID, ArticleMeta, Chunk

SUPPORTED = {
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
    ".html": "html",
    ".htm": "html",
    **DOCUMENT_KINDS,
}


# The modules whose code decides what an article's chunks and sentence vectors hold: reading
# and extracting the text, cleaning, sentence cutting and antecedents (rag/text/sentences.py),
# chunking, the patterns they share, and the word forms the lexical index stores
# (text/words.py). When their code changes, every article is re-indexed
# on the next ingest although its file is unchanged. A hand-bumped number was forgotten.
PARSING_MODULES = (
    "ingest/reader.py",
    "ingest/text.py",
    "ingest/documents.py",
    "ingest/clean.py",
    "ingest/chunk.py",
    "text/sentences.py",
    "text/vocabulary.py",
    "text/words.py",
)
_RAG = Path(__file__).resolve().parents[1]


def fingerprint(sources: Iterable[tuple[str, str]]) -> int:
    """32 bits of sha256 over (name, source) pairs, read as syntax trees without docstrings.

    Comments, blank lines, re-wrapping and docstrings change nothing; any code does.
    """
    digest = hashlib.sha256()
    for name, source in sources:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and _is_docstring(body[0]):
                node.body = body[1:] or [ast.Pass()]
        digest.update(f"{name}\0{ast.dump(tree)}\0".encode())
    # An int, as the hand-bumped version was: a reader of an older version still parses the
    # record (and re-indexes), where a string would fail its validation.
    return int(digest.hexdigest()[:8], 16)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


@functools.cache  # read once a process, at the first article, so `import rag.ingest` stays cheap
def parser_version() -> int:
    """The fingerprint of PARSING_MODULES' code: stored with each article as ``parser``."""
    return fingerprint((name, (_RAG / name).read_text(encoding="utf-8")) for name in PARSING_MODULES)


@dataclass
class ParsedArticle:
    meta: ArticleMeta
    chunks: list[Chunk]


# Path separators of any OS and control characters: a doc id may also name a saved file.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def basename(name: str) -> str:
    """The last path component, whichever OS wrote the separators."""
    return re.split(r"[/\\]", name)[-1]


def safe_id(text: str, shown: str | None = None) -> str:
    """``text`` as a doc id that can only ever name a file directly inside one folder.

    Uploads arrive with names like ``../../x.txt`` or ``C:\\x.txt``; whatever a caller
    passes, the id holds no directory part, no control character, and is not ``..``.
    """
    doc_id = _UNSAFE.sub("_", basename(text)).strip().lstrip(".")[:150]
    if not doc_id:
        raise BadArticle(f"{shown or text!r} is not a usable article name; give the file a name.")
    if doc_id == STAMP_DOC_ID:
        raise BadArticle(f"{shown or text!r}: the name {STAMP_DOC_ID!r} is reserved by the index; rename it.")
    return doc_id


def doc_id_for(path: Path | str) -> str:
    """A file's doc id: its stem, made safe."""
    return safe_id(Path(basename(str(path))).stem, shown=repr(str(path)))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise BadArticle(f"{name}: the file is empty.")
    if b"\x00" in data[:8192]:
        raise BadArticle(f"{name}: looks like a binary file, not a text article.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise BadArticle(f"{name}: not valid UTF-8 (byte {err.start}); re-save the file as UTF-8.") from None
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise BadArticle(f"{name}: looks like a binary file, not a text article.")
    return text


def read_text(data: bytes, name: str) -> tuple[MappedText, Extracted]:
    """The article's readable text, each character mapped to its offset in the reference text.

    The reference is the decoded file for text and HTML (offsets into the original file,
    as an editor shows it), and the extracted text for PDF and DOCX, whose bytes hold no
    readable offsets (see :mod:`rag.ingest.documents`). The second value carries what the
    file's own metadata says (empty for text and HTML).
    """
    kind = SUPPORTED.get(Path(name).suffix.lower())
    if kind is None:
        raise BadArticle(f"{name}: unsupported file type; use one of {', '.join(sorted(SUPPORTED))}.")
    if not data.strip():
        raise BadArticle(f"{name}: the file is empty.")
    if kind in ("pdf", "docx"):
        extracted = extract_document(data, name, kind)
        return MappedText.identity(extracted.text), extracted
    text = decode(data, name)
    mapped = html_to_text(text) if kind == "html" else MappedText.identity(text)
    return mapped, Extracted(text=text)


def parse_bytes(data: bytes, name: str, doc_id: str, max_chars: int) -> ParsedArticle:
    """Clean and chunk an article given as bytes; ``name`` is only for messages and type."""
    mapped, from_file = read_text(data, name)
    cleaned = clean(mapped)
    chunks = chunk_article(doc_id, cleaned.text, max_chars)
    if not chunks:
        raise BadArticle(f"{name}: no article text left after removing page boilerplate.")
    meta = ArticleMeta(
        doc_id=doc_id,
        path=name,
        # A document's own metadata names its title and date where it has them.
        title=from_file.title or cleaned.title,
        date=from_file.date or cleaned.date,
        date_from=_date_from(from_file.date, cleaned),
        source=cleaned.source,
        author=from_file.author or cleaned.author,
        sha256=sha256_bytes(data),
        parser=parser_version(),
        n_chunks=len(chunks),
    )
    return ParsedArticle(meta, chunks)


def _date_from(file_date: str, cleaned: CleanResult) -> str:
    if file_date:
        return "file"
    if cleaned.date:
        return "text" if cleaned.date_in_text else "dateline"
    return ""


def parse_file(path: Path, max_bytes: int, max_chars: int) -> ParsedArticle:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadArticle(f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit.")
        data = path.read_bytes()
    except OSError as err:
        raise BadArticle(f"{path}: cannot be read ({err.strerror or err}).") from None
    return parse_bytes(data, str(path), doc_id_for(path), max_chars)


def _visible_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def list_articles(folder: Path) -> list[Path]:
    """Supported files directly or recursively under ``folder`` (hidden ones skipped)."""
    if folder.is_file():
        return [folder]
    return [p for p in _visible_files(folder) if p.suffix.lower() in SUPPORTED]


def list_other_files(folder: Path) -> list[Path]:
    """Visible files under ``folder`` that are not articles, so a report can name them."""
    if folder.is_file():
        return []
    return [p for p in _visible_files(folder) if p.suffix.lower() not in SUPPORTED]
