"""The article library behind the UI and the API: list, upload, delete, re-index.

Uploads are saved under ``data_dir/library`` with a sanitized basename, never a
path the client sent, and only once they have been ingested, so a refused file
neither escapes the folder nor replaces a good copy.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import BadArticle
from rag.factory import Rag
from rag.ingest.indexer import IngestReport
from rag.ingest.reader import SUPPORTED, list_articles
from rag.types import ArticleMeta

_UNSAFE = re.compile(r"[^\w.\- ]+")
_MAX_NAME = 120
Progress = Callable[[Iterable], Iterable]


class TooLarge(BadArticle):
    """An upload over ``max_upload_bytes``."""


class TooMany(BadArticle):
    """More files in one upload than ``max_upload_files``."""


@dataclass
class Upload:
    name: str
    data: bytes  # at most max_upload_bytes + 1 bytes are read; ``size`` is the real size
    size: int


@dataclass
class UploadResult:
    added: list[ArticleMeta] = field(default_factory=list)
    refused: list[tuple[str, BadArticle]] = field(default_factory=list)  # messages start with the name

    def message(self) -> str:
        lines = [f"Added {m.doc_id} ({m.n_chunks} chunks): {m.title or 'untitled'}" for m in self.added]
        lines += [f"Refused {err}" for _, err in self.refused]
        return "\n".join(lines) or "No files were given."


def safe_name(name: str) -> str:
    """The basename of a client-supplied file name, reduced to harmless characters."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    # Leading dots would hide the file (or mean ".."); control and shell characters go.
    base = _UNSAFE.sub("_", base).strip(" ._")
    stem, suffix = os.path.splitext(base)
    stem = stem[: _MAX_NAME - len(suffix)].strip(" .")
    if not stem:
        raise BadArticle(f"{name!r}: the file name has no usable characters; rename the file.")
    return stem + suffix


def _plain(items: Iterable) -> Iterable:
    return items


class Library:
    def __init__(self, rag: Rag) -> None:
        self.rag = rag
        self.settings = rag.settings
        self.folder = rag.settings.data_dir / "library"
        # One change to the index at a time; questions keep being answered meanwhile.
        self._lock = threading.Lock()

    def articles(self) -> list[ArticleMeta]:
        return sorted(self.rag.store.articles().values(), key=lambda m: m.doc_id)

    def check_count(self, n: int) -> None:
        limit = self.settings.max_upload_files
        if n > limit:
            raise TooMany(f"{n} files in one upload; at most {limit} are accepted (RAG_MAX_UPLOAD_FILES).")

    def add_many(self, uploads: list[Upload], progress: Progress = _plain) -> UploadResult:
        """Ingest each upload on its own: a refused file is reported and the others still go in."""
        self.check_count(len(uploads))
        result = UploadResult()
        for upload in progress(uploads):
            try:
                result.added.append(self.add(upload))
            except BadArticle as err:
                result.refused.append((upload.name, err))
        return result

    def add(self, upload: Upload) -> ArticleMeta:
        limit = self.settings.max_upload_bytes
        shown = re.split(r"[\\/]", upload.name)[-1] or repr(upload.name)
        if upload.size > limit or len(upload.data) > limit:
            raise TooLarge(
                f"{shown}: {max(upload.size, len(upload.data)):,} bytes is over the upload limit of "
                f"{limit:,} bytes (RAG_MAX_UPLOAD_BYTES)."
            )
        base = safe_name(upload.name)
        if Path(base).suffix.lower() not in SUPPORTED:
            kinds = ", ".join(sorted(SUPPORTED))
            raise BadArticle(f"{shown}: unsupported file type; upload one of {kinds}.")
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / base
        if target.resolve().parent != self.folder.resolve():  # belt and braces after safe_name
            raise BadArticle(f"{shown}: not a plain file name.")
        with self._lock:
            # Written to a hidden temporary first (ingestion skips hidden files), renamed once indexed.
            fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(upload.data)
                meta = self.rag.ingestor.ingest_bytes(
                    base, upload.data, doc_id=Path(base).stem, saved_path=str(target)
                )
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return meta

    def delete(self, doc_id: str) -> bool:
        """Remove an article from the index; its file goes too if it was uploaded here."""
        with self._lock:
            meta = self.rag.store.articles().get(doc_id)
            if meta is None or not self.rag.ingestor.delete(doc_id):
                return False
            path = Path(meta.path) if meta.path else None
            if path and path.resolve().parent == self.folder.resolve() and path.is_file():
                path.unlink()
        return True

    def reindex(self, progress: Progress = _plain) -> IngestReport:
        """Re-read every article's file (and the upload folder): changed files are re-embedded.

        Files that have gone stay in the index (their text is there); delete them explicitly.
        """
        known = {Path(m.path) for m in self.rag.store.articles().values() if m.path}
        files = {p for p in known if p.is_file()}
        if self.folder.is_dir():
            files |= set(list_articles(self.folder))
        total = IngestReport()
        with self._lock:
            for file in progress(sorted(files)):
                report = self.rag.ingestor.ingest_path(file, prune=False)
                for name in ("added", "updated", "unchanged", "removed", "skipped"):
                    getattr(total, name).extend(getattr(report, name))
                total.chunks += report.chunks
        total.skipped += [(str(p), "the file is gone; delete the article to drop it") for p in known - files]
        return total
