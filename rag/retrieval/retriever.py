"""Retrievers: one abstract batch method each; the single query wraps it.

The hybrid retriever fuses BM25 (exact names and numbers) with dense vectors
(paraphrases) by reciprocal rank. Both read one snapshot of the live chunks:
those whose article version matches the manifest, so a half-finished ingest
is invisible.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path

from rag.components.embedder import Embedder
from rag.components.store import VectorStore
from rag.retrieval import bm25_cache
from rag.retrieval.bm25 import BM25
from rag.retrieval.fusion import rrf
from rag.types import ArticleMeta, Chunk, Hit


class Retriever(ABC):
    @abstractmethod
    def retrieve_batch(self, queries: list[str], k: int) -> list[list[Hit]]:
        """Top ``k`` chunks for each query, best first."""

    def retrieve(self, query: str, k: int) -> list[Hit]:
        return self.retrieve_batch([query], k)[0]


class Snapshot:
    """The live chunks and their BM25 index, rebuilt only when the manifest changes."""

    def __init__(self, store: VectorStore, ttl_s: float = 2.0, bm25_dir: Path | None = None) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.bm25_dir = bm25_dir  # where BM25 postings are saved between processes (None: never)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._checked = 0.0
        self.articles: dict[str, ArticleMeta] = {}
        self.chunks: list[Chunk] = []
        self.by_id: dict[str, int] = {}
        self.bm25 = BM25([])

    def invalidate(self) -> None:
        with self._lock:
            self._checked = 0.0

    def refresh(self) -> Snapshot:
        with self._lock:
            # Other processes may share a Chroma server, so the manifest is re-read now and then.
            if time.monotonic() - self._checked < self.ttl_s:
                return self
            version = self.store.version()
            self._checked = time.monotonic()
            if version != self._version:
                self._rebuild()
                self._version = version
        return self

    def _rebuild(self) -> None:
        articles = self.store.articles()
        live = {doc: meta.sha256 for doc, meta in articles.items()}
        chunks = [c for c, sha in self.store.iter_chunks() if live.get(c.doc_id) == sha]
        chunks.sort(key=lambda c: (c.doc_id, c.index))
        self.articles = articles
        self.chunks = chunks
        self.by_id = {c.id: i for i, c in enumerate(chunks)}
        self.bm25 = bm25_cache.load_or_build(self.bm25_dir, [c.id for c in chunks], [c.text for c in chunks])

    def is_live(self, doc_id: str, sha: str) -> bool:
        meta = self.articles.get(doc_id)
        return meta is not None and meta.sha256 == sha

    def hit(self, chunk: Chunk, score: float) -> Hit:
        meta = self.articles.get(chunk.doc_id)
        return Hit(chunk=chunk, score=score, title=meta.title if meta else "")


class BM25Retriever(Retriever):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def retrieve_batch(self, queries: list[str], k: int) -> list[list[Hit]]:
        snap = self.snapshot.refresh()
        return [[snap.hit(snap.chunks[i], s) for i, s in snap.bm25.search(q, k)] for q in queries]


class DenseRetriever(Retriever):
    def __init__(self, snapshot: Snapshot, embedder: Embedder) -> None:
        self.snapshot = snapshot
        self.embedder = embedder

    def retrieve_batch(self, queries: list[str], k: int) -> list[list[Hit]]:
        snap = self.snapshot.refresh()
        vectors = self.embedder.embed(queries)
        out = []
        for vec in vectors:
            # Over-fetch: stale versions of changed articles may still sit in the collection.
            found = snap.store.query(vec, k * 2)
            hits = [snap.hit(c, s) for c, sha, s in found if snap.is_live(c.doc_id, sha)]
            out.append(hits[:k])
        return out


class HybridRetriever(Retriever):
    def __init__(self, bm25: Retriever, dense: Retriever, candidates: int, rrf_k: int) -> None:
        self.bm25 = bm25
        self.dense = dense
        self.candidates = candidates
        self.rrf_k = rrf_k

    def retrieve_batch(self, queries: list[str], k: int) -> list[list[Hit]]:
        lexical = self.bm25.retrieve_batch(queries, self.candidates)
        semantic = self.dense.retrieve_batch(queries, self.candidates)
        out = []
        for lex, sem in zip(lexical, semantic):
            by_id = {h.chunk.id: h for h in lex + sem}
            fused = rrf([[h.chunk.id for h in lex], [h.chunk.id for h in sem]], k=self.rrf_k)
            out.append([by_id[cid].model_copy(update={"score": s}) for cid, s in fused[:k]])
        return out
