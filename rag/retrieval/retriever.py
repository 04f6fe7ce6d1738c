"""Retrievers: one abstract batch method each; the single query wraps it.

The hybrid retriever fuses BM25 (exact names and numbers, from the SQLite FTS5
index) with dense vectors (paraphrases) by reciprocal rank. Both keep only chunks
whose article version matches the manifest, so a half-finished ingest is invisible.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

from rag.components.embedder import Embedder
from rag.components.store import VectorStore
from rag.retrieval import lexical
from rag.retrieval.attribution import OutletIndex, outlet_index
from rag.retrieval.fusion import rrf_top
from rag.retrieval.lexical import LexicalIndex
from rag.types import ArticleMeta, Chunk, Hit

_UNREAD = object()  # no stamp seen yet: the next refresh reads the whole manifest


class Retriever(ABC):
    @abstractmethod
    def retrieve_batch(
        self, queries: list[str], k: int, allowed: frozenset[str] | None = None
    ) -> list[list[Hit]]:
        """Top ``k`` chunks for each query, best first, only from ``allowed`` articles if given.

        The restriction applies inside the search (rag/retrieval/filters.py), not to its results.
        """

    def retrieve(self, query: str, k: int, allowed: frozenset[str] | None = None) -> list[Hit]:
        return self.retrieve_batch([query], k, allowed)[0]


class Snapshot:
    """The live manifest and the lexical index that follows it.

    Nothing is held per chunk: BM25, IDF and sentence vectors are read from the
    lexical index on disk (rag/retrieval/lexical.py), which ``refresh`` syncs with the
    manifest whenever the manifest changes, one article at a time.
    """

    def __init__(
        self,
        store: VectorStore,
        ttl_s: float = 2.0,
        lexical_dir: Path | None = None,
        full_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,  # tests pass their own, to make a read due
    ) -> None:
        self.store = store
        self.clock = clock
        self.ttl_s = ttl_s
        # The stamp alone decides between full reads, except that one happens at least this
        # often: a writer of an older version changes records without changing the stamp.
        self.full_s = full_s
        # None keeps the index in memory (tests); it is rebuilt from the manifest on start.
        self.lexical = LexicalIndex(lexical_dir / lexical.FILE if lexical_dir is not None else None)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._checked = 0.0
        self._stamp: object = _UNREAD
        self._read = 0.0
        self.articles: dict[str, ArticleMeta] = {}
        self.outlets: OutletIndex = outlet_index({})  # how each outlet may be written -> its articles

    @property
    def bm25(self) -> LexicalIndex:
        """The lexical index under the name callers use for IDF (``snapshot.bm25.weight``)."""
        return self.lexical

    def __len__(self) -> int:
        """Live chunks."""
        return len(self.lexical)

    def invalidate(self) -> None:
        with self._lock:
            self._checked = 0.0
            self._stamp = _UNREAD

    def refresh(self) -> Snapshot:
        with self._lock:
            # Other processes may share a Chroma server, so the manifest is checked now and
            # then. Reading it whole takes 1.2 s at 25,000 articles; its stamp, one record.
            now = self.clock()
            if now - self._checked < self.ttl_s:
                return self
            self._checked = now
            stamp = self.store.stamp()
            if stamp == self._stamp and now - self._read < self.full_s:
                return self
            articles = self.store.articles()
            self._stamp, self._read = stamp, now
            # Whole records: a refreshed date or outlet shows without a new article version.
            version = json.dumps(sorted((k, v.model_dump()) for k, v in articles.items()))
            if version != self._version:
                self.lexical.sync(articles, self.store.chunks_of, self.store.iter_chunks)
                self.articles, self.outlets = articles, outlet_index(articles)
                self._version = version
        return self

    def is_live(self, doc_id: str, sha: str) -> bool:
        meta = self.articles.get(doc_id)
        return meta is not None and meta.version == sha

    def hit(self, chunk: Chunk, score: float) -> Hit:
        meta = self.articles.get(chunk.doc_id)
        return Hit(chunk=chunk, score=score, title=meta.title if meta else "")


class BM25Retriever(Retriever):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def retrieve_batch(
        self, queries: list[str], k: int, allowed: frozenset[str] | None = None
    ) -> list[list[Hit]]:
        snap = self.snapshot.refresh()
        out = []
        for q in queries:
            # The index may already hold an article another process committed after our
            # manifest read; it becomes visible with the next refresh, as dense hits do.
            found = snap.lexical.search(q, k, allowed)
            out.append([snap.hit(c, s) for c, sha, s in found if snap.is_live(c.doc_id, sha)])
        return out


class DenseRetriever(Retriever):
    def __init__(self, snapshot: Snapshot, embedder: Embedder) -> None:
        self.snapshot = snapshot
        self.embedder = embedder

    def retrieve_batch(
        self, queries: list[str], k: int, allowed: frozenset[str] | None = None
    ) -> list[list[Hit]]:
        snap = self.snapshot.refresh()
        vectors = self.embedder.embed(queries)
        out = []
        for vec in vectors:
            # Over-fetch: stale versions of changed articles may still sit in the collection.
            found = snap.store.query(vec, k * 2, allowed)
            hits = [snap.hit(c, s) for c, sha, s in found if snap.is_live(c.doc_id, sha)]
            out.append(hits[:k])
        return out


class HybridRetriever(Retriever):
    def __init__(
        self, bm25: Retriever, dense: Retriever, candidates: int, rrf_k: int, keep_first: int = 1
    ) -> None:
        self.bm25 = bm25
        self.dense = dense
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.keep_first = keep_first

    def retrieve_batch(
        self, queries: list[str], k: int, allowed: frozenset[str] | None = None
    ) -> list[list[Hit]]:
        lexical = self.bm25.retrieve_batch(queries, self.candidates, allowed)
        semantic = self.dense.retrieve_batch(queries, self.candidates, allowed)
        out = []
        for lex, sem in zip(lexical, semantic):
            by_id = {h.chunk.id: h for h in lex + sem}
            rankings = [[h.chunk.id for h in lex], [h.chunk.id for h in sem]]
            fused = rrf_top(rankings, k, self.rrf_k, self.keep_first)
            out.append([by_id[cid].model_copy(update={"score": s}) for cid, s in fused])
        return out
