"""Incremental, idempotent ingestion of a folder of articles into the vector store.

Unchanged files (same sha256) are skipped, changed ones replaced, files gone
from the folder removed. Articles are written a batch at a time (``write_batch``
chunks): chunks first, then their manifest records (the commit point: each article
is old or new on its own), then their lexical rows, then stale chunks pruned. A bad
file is reported by name and skipped; nothing already indexed is touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.components.embedder import Embedder
from rag.components.store import VectorStore, record_id
from rag.errors import BadArticle, RagError
from rag.ingest.reader import (
    SUPPORTED,
    ParsedArticle,
    basename,
    doc_id_for,
    list_articles,
    list_other_files,
    parse_bytes,
    parse_file,
    safe_id,
)
from rag.retrieval.retriever import Snapshot
from rag.settings import Settings
from rag.text.sentences import with_antecedents
from rag.types import ArticleMeta

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files of other types in the folder
    chunks: int = 0

    def summary(self) -> str:
        text = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped ({self.chunks} chunks embedded)"
        )
        # Reasons usually start with the file name already; say it once.
        text += "".join(f"\n  skipped {name}: {why.removeprefix(name + ': ')}" for name, why in self.skipped)
        if self.ignored:
            shown = ", ".join(self.ignored[:5]) + (", ..." if len(self.ignored) > 5 else "")
            kinds = ", ".join(sorted(SUPPORTED))
            text += f"\n  ignored {len(self.ignored)} file(s) that are not {kinds}: {shown}"
        return text


class Ingestor:
    def __init__(
        self, settings: Settings, store: VectorStore, embedder: Embedder, snapshot: Snapshot
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.snapshot = snapshot

    def ingest_path(self, path: Path, progress: bool = False, prune: bool = True) -> IngestReport:
        """Bring the index in line with the articles under ``path``.

        Files stream through parse -> embed -> write a batch of ``write_batch`` chunks at a
        time, so memory holds one batch however large the folder. (Writing on a second
        thread while the next batch is parsed was measured: Chroma's writes hold the GIL,
        parsing slowed eightfold alongside them, and ingest gained nothing.)
        """
        path = Path(path)
        if not path.exists():
            raise RagError(
                f"{path} does not exist; give a folder of .txt, .md, .html, .pdf or .docx articles."
            )
        report = IngestReport(ignored=[str(p) for p in list_other_files(path)])
        known = self.store.articles()
        files = list_articles(path)
        refreshed: list[ArticleMeta] = []
        seen: set[str] = set()
        from tqdm import tqdm

        # Articles done (written, unchanged or refused); tests/robustness/test_kill_ingest reads it.
        with tqdm(
            total=len(files), unit="article", desc="Indexing", disable=not progress or not files
        ) as bar:
            batch: list[ParsedArticle] = []
            size = 0  # chunks in the batch
            for i, file in enumerate(files):
                article = self._changed(file, known, seen, report, refreshed)
                if article is not None:
                    batch.append(article)
                    size += len(article.chunks)
                if batch and (i + 1 == len(files) or size >= self.settings.write_batch):
                    self._commit(batch, report)
                    batch, size = [], 0
                bar.update(i + 1 - len(batch) - bar.n)  # rate-limited redraw
        self.store.put_articles(refreshed)
        if prune and path.is_dir():
            root = str(path.resolve())
            for doc_id, meta in known.items():
                if doc_id not in seen and meta.path.startswith(root + "/") and not Path(meta.path).exists():
                    self.store.delete_article(doc_id)
                    self.snapshot.lexical.delete_article(doc_id)
                    report.removed.append(doc_id)
        self.snapshot.invalidate()
        return report

    def _changed(
        self,
        file: Path,
        known: dict[str, ArticleMeta],
        seen: set[str],
        report: IngestReport,
        refreshed: list[ArticleMeta],
    ) -> ParsedArticle | None:
        """The parsed article when it is new or changed; None when unchanged or refused."""
        try:
            doc_id = doc_id_for(file)
            if doc_id in seen:
                raise BadArticle(f"{file}: another file already has the id {doc_id}.")
            seen.add(doc_id)
            article = parse_file(file, self.settings.max_file_bytes, self.settings.chunk_chars)
        except BadArticle as err:
            log.warning("skipped %s", err)
            report.skipped.append((str(file), str(err)))
            return None
        article.meta.path = str(file.resolve())
        old = known.get(doc_id)
        if old and old.version == article.meta.version:
            report.unchanged.append(doc_id)
            if old != article.meta:  # a newer reader extracts more (date_from): no re-embedding
                refreshed.append(article.meta)
            return None
        (report.updated if old else report.added).append(doc_id)
        return article

    def ingest_bytes(
        self, name: str, data: bytes, doc_id: str | None = None, saved_path: str = ""
    ) -> ArticleMeta:
        """One uploaded article; raises :class:`BadArticle` with a message for the user.

        ``doc_id`` (default: the stem of ``name``) is reduced to a safe basename; the
        returned meta carries the id actually used.
        """
        doc_id = safe_id(doc_id) if doc_id else doc_id_for(name)
        name = basename(name)  # messages never echo a client's directory
        if len(data) > self.settings.max_file_bytes:
            raise BadArticle(
                f"{name}: {len(data):,} bytes is over the {self.settings.max_file_bytes:,}-byte limit."
            )
        article = parse_bytes(data, name, doc_id, self.settings.chunk_chars)
        article.meta.path = saved_path
        self._commit([article], IngestReport())
        self.snapshot.invalidate()
        return article.meta

    def delete(self, doc_id: str) -> bool:
        if doc_id not in self.store.articles():
            return False
        self.store.delete_article(doc_id)
        self.snapshot.lexical.delete_article(doc_id)
        self.snapshot.invalidate()
        return True

    def _commit(self, parsed: list[ParsedArticle], report: IngestReport) -> None:
        """Embed and write ``parsed``, one batch."""
        self._write_batch(parsed, *self._vectors(parsed))
        report.chunks += sum(len(a.chunks) for a in parsed)

    def _vectors(self, batch: list[ParsedArticle]) -> tuple[np.ndarray, np.ndarray]:
        """Chunk and sentence vectors of a batch, from one embedding pass: questions then
        embed only themselves."""
        texts = [c.text for a in batch for c in a.chunks]
        sentences = [s.text for a in batch for c in a.chunks for s in with_antecedents(c.sentences)]
        vectors = self._embed(texts + sentences)
        return vectors[: len(texts)], vectors[len(texts) :]

    def _write_batch(self, batch: list[ParsedArticle], chunk_vecs: np.ndarray, sent_vecs: np.ndarray) -> None:
        """Chunks, then manifest records (the commit point), then lexical rows, then prune."""
        chunks = [c for a in batch for c in a.chunks]
        shas = [a.meta.version for a in batch for _ in a.chunks]
        self.store.add_chunks(chunks, chunk_vecs, shas)
        self.store.put_articles([a.meta for a in batch])  # the commit point of these articles
        rows, s_off = [], 0
        for article in batch:
            sha = article.meta.version
            stored, per_chunk = [], []
            for chunk in article.chunks:
                n = len(chunk.sentences)
                per_chunk.append(sent_vecs[s_off : s_off + n] if len(sent_vecs) else None)
                s_off += n
                stored.append(chunk.model_copy(update={"id": record_id(chunk, sha)}))
            rows.append((article.meta.doc_id, sha, stored, per_chunk))
        self.snapshot.lexical.put_articles(rows)
        self.store.prune_many({a.meta.doc_id: a.meta.version for a in batch})

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        batch = self.settings.embed_batch_size * 8
        return np.concatenate(
            [self.embedder.embed(texts[lo : lo + batch]) for lo in range(0, len(texts), batch)]
        )
