"""Read one article file into cleaned, chunked form, refusing what cannot be an article."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rag.errors import BadArticle
from rag.ingest.chunk import chunk_article
from rag.ingest.clean import clean
from rag.ingest.text import MappedText, html_to_text
from rag.types import ArticleMeta, Chunk

SUPPORTED = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}


@dataclass
class ParsedArticle:
    meta: ArticleMeta
    chunks: list[Chunk]


def doc_id_for(path: Path) -> str:
    return path.stem


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


def parse_bytes(data: bytes, name: str, doc_id: str, max_chars: int) -> ParsedArticle:
    """Clean and chunk an article given as bytes; ``name`` is only for messages and type."""
    kind = SUPPORTED.get(Path(name).suffix.lower())
    if kind is None:
        raise BadArticle(f"{name}: unsupported file type; use one of {', '.join(sorted(SUPPORTED))}.")
    # Offsets are into the decoded text with its original newlines, as an editor shows it.
    text = decode(data, name)
    mapped = html_to_text(text) if kind == "html" else MappedText.identity(text)
    cleaned = clean(mapped)
    chunks = chunk_article(doc_id, cleaned.text, max_chars)
    if not chunks:
        raise BadArticle(f"{name}: no article text left after removing page boilerplate.")
    meta = ArticleMeta(
        doc_id=doc_id,
        path=name,
        title=cleaned.title,
        date=cleaned.date,
        source=cleaned.source,
        author=cleaned.author,
        sha256=sha256_bytes(data),
        n_chunks=len(chunks),
    )
    return ParsedArticle(meta, chunks)


def parse_file(path: Path, max_bytes: int, max_chars: int) -> ParsedArticle:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadArticle(f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit.")
        data = path.read_bytes()
    except OSError as err:
        raise BadArticle(f"{path}: cannot be read ({err.strerror or err}).") from None
    return parse_bytes(data, str(path), doc_id_for(path), max_chars)


def list_articles(folder: Path) -> list[Path]:
    """Supported files directly or recursively under ``folder`` (hidden ones skipped)."""
    if folder.is_file():
        return [folder]
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
