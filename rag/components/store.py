"""The Chroma vector store: chunk vectors plus a small manifest of articles.

The manifest (one record per article, holding its content hash) lives in Chroma
too, so that a team sharing a Chroma server shares it. It is also the commit
point of an ingest: a chunk counts only when its hash matches its article's
manifest record, so an ingest killed half-way leaves the old state visible.
"""

from __future__ import annotations

import functools
import inspect
import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np

from rag.errors import RagError
from rag.settings import Settings
from rag.types import STAMP_DOC_ID, ArticleMeta, Chunk, Sentence

_PAGE = 5000  # records per Chroma get(); keeps memory flat on large indexes
_REBUILD = "Rebuild it from the articles with: python -m rag ingest --rebuild PATH"
F = TypeVar("F", bound=Callable)


def _explain(store: VectorStore, err: Exception) -> str:
    """A message a user can act on for whatever chromadb raised."""
    text = f"{type(err).__name__}: {err}"
    if "dimension" in str(err).lower():
        return (
            f"The index was built with a different embedding model ({text}). {_REBUILD} "
            "(or set RAG_EMBEDDING_MODEL back to the model it was built with)."
        )
    if store.where.startswith("http"):
        return (
            f"The Chroma server at {store.where} failed or cannot be reached ({text}); check it is running."
        )
    return (
        f"The Chroma index at {store.where} is damaged or from an incompatible version ({text}). {_REBUILD}"
    )


@contextmanager
def _translated(store: VectorStore) -> Iterator[None]:
    try:
        yield
    except RagError:
        raise
    except Exception as err:  # chromadb raises many unrelated types
        raise RagError(_explain(store, err)) from err


class StoreTimings:
    """Seconds each store operation has spent, Chroma's calls inside it included, and how
    often it ran, since the store was opened (the storage benchmark reads them).

    An operation that calls another (``put_article`` -> ``put_articles``) counts once, under
    its own name. Generators (``iter_chunks``) are not timed: their time is their consumer's too.
    """

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: defaultdict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._depth = threading.local()

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        depth = getattr(self._depth, "n", 0)
        self._depth.n = depth + 1
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self._depth.n = depth
            if not depth:
                with self._lock:
                    self.seconds[name] += time.perf_counter() - t0
                    self.calls[name] += 1

    def total(self, *names: str) -> float:
        """Seconds spent in the operations ``names``."""
        with self._lock:
            return sum(self.seconds.get(n, 0.0) for n in names)


def _guarded(method: F) -> F:
    """Turn any chromadb failure inside ``method`` into a RagError with a remedy, and time it.

    A damaged sqlite file, an index from another Chroma version or a lost server
    surface only when a collection is read, so every store operation is wrapped.
    """
    if inspect.isgeneratorfunction(method):
        # A generator fails while it is consumed, not when it is called.
        def wrapper(self: VectorStore, *args, **kwargs):  # noqa: ANN202
            with _translated(self):
                yield from method(self, *args, **kwargs)
    else:

        def wrapper(self: VectorStore, *args, **kwargs):  # noqa: ANN202
            with _translated(self), self.timings.timing(method.__name__):
                return method(self, *args, **kwargs)

    return functools.wraps(method)(wrapper)  # type: ignore[return-value]


class VectorStore:
    def __init__(self, client, name: str, where: str = "") -> None:  # noqa: ANN001 - chromadb client
        self.client = client
        self.name = name
        self.where = where  # the directory or server URL, for messages
        self.timings = StoreTimings()  # kept by the store itself around its operations
        try:
            self.chunks = client.get_or_create_collection(name)
            # Chroma wants a vector per record; the manifest needs none, so it gets a 1-d dummy.
            self.docs = client.get_or_create_collection(f"{name}__articles")
        except Exception as err:  # chromadb raises many types for a damaged directory
            raise RagError(_explain(self, err)) from None

    # --- manifest ----------------------------------------------------------
    @_guarded
    def articles(self) -> dict[str, ArticleMeta]:
        got = self.docs.get(include=["metadatas"])
        return {i: ArticleMeta(**m) for i, m in zip(got["ids"], got["metadatas"]) if i != STAMP_DOC_ID}

    @_guarded
    def stamp(self) -> str | None:
        """The manifest's change stamp (None: never written by a version that keeps one)."""
        got = self.docs.get(ids=[STAMP_DOC_ID], include=["metadatas"])
        return str(got["metadatas"][0].get("stamp")) if got["ids"] else None

    def _bump(self) -> None:
        # Written after the records it announces: a reader that sees it sees them.
        self.docs.upsert(ids=[STAMP_DOC_ID], embeddings=[[0.0]], metadatas=[{"stamp": uuid.uuid4().hex}])

    @_guarded
    def put_article(self, meta: ArticleMeta) -> None:
        self.put_articles([meta])

    @_guarded
    def put_articles(self, metas: list[ArticleMeta]) -> None:
        """Several manifest records in one write: each article is still old or new on its own."""
        if metas:
            self.docs.upsert(
                ids=[m.doc_id for m in metas],
                embeddings=[[0.0]] * len(metas),
                metadatas=[m.model_dump() for m in metas],
            )
            self._bump()

    @_guarded
    def delete_article(self, doc_id: str) -> None:
        self.docs.delete(ids=[doc_id])
        self._bump()
        self.chunks.delete(where={"doc_id": doc_id})

    # --- chunks ------------------------------------------------------------
    @_guarded
    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray, sha: str | list[str]) -> None:
        """Upsert chunks with their vectors; ``sha`` is one article version or one per chunk.

        Callers pass many articles' chunks at once: each Chroma call costs milliseconds
        whatever its size, so per-article calls bounded ingest at ~180 chunks/s.
        """
        shas = [sha] * len(chunks) if isinstance(sha, str) else sha
        for lo in range(0, len(chunks), _PAGE):
            part, part_shas = chunks[lo : lo + _PAGE], shas[lo : lo + _PAGE]
            self.chunks.upsert(
                ids=[record_id(c, s) for c, s in zip(part, part_shas)],
                # An array, not .tolist(): Chroma converts lists back, which cost a third of the upsert.
                embeddings=np.asarray(vectors[lo : lo + _PAGE], dtype=np.float32),
                metadatas=[_chunk_meta(c, s) for c, s in zip(part, part_shas)],
            )

    @_guarded
    def prune_chunks(self, doc_id: str, keep_sha: str) -> None:
        """Drop a document's chunks from other versions than ``keep_sha``."""
        self.chunks.delete(where={"$and": [{"doc_id": doc_id}, {"sha": {"$ne": keep_sha}}]})

    @_guarded
    def prune_many(self, keep: dict[str, str]) -> None:
        """Drop chunks of the articles in ``keep`` (doc_id -> sha) from other versions, in one call."""
        if len(keep) == 1:
            ((doc_id, sha),) = keep.items()
            self.prune_chunks(doc_id, sha)
        elif keep:
            # A chunk of one article whose stale sha is another's new sha survives: it is filtered
            # out by the manifest anyway, and the next change of that article prunes it.
            self.chunks.delete(
                where={"$and": [{"doc_id": {"$in": list(keep)}}, {"sha": {"$nin": list(set(keep.values()))}}]}
            )

    @_guarded
    def chunks_of(self, doc_id: str, sha: str) -> list[Chunk]:
        """One article version's chunks, in order (for a process syncing its lexical index)."""
        got = self.chunks.get(
            where={"$and": [{"doc_id": doc_id}, {"sha": sha}]}, include=["documents", "metadatas"]
        )
        chunks = [_to_chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(chunks, key=lambda c: c.index)

    @_guarded
    def count(self) -> int:
        """Stored chunks, including stale versions not yet pruned."""
        return self.chunks.count()

    @_guarded
    def iter_chunks(self) -> Iterable[tuple[Chunk, str]]:
        """Every stored chunk with the hash of the article version it came from."""
        total = self.chunks.count()
        for offset in range(0, total, _PAGE):
            got = self.chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                yield _to_chunk(cid, text, meta), meta["sha"]

    @_guarded
    def query(
        self, vector: np.ndarray, n: int, allowed: frozenset[str] | None = None
    ) -> list[tuple[Chunk, str, float]]:
        """Nearest chunks as (chunk, sha, cosine similarity); ``allowed`` restricts them to those articles.

        The restriction is a ``where`` on the chunks' ``doc_id``, which Chroma applies inside the
        search, so ``n`` neighbours come from the allowed articles when they have that many.
        """
        count = self.chunks.count()
        if not count or allowed is not None and not allowed:
            return []
        where = {"doc_id": {"$in": sorted(allowed)}} if allowed is not None else None
        got = self.chunks.query(
            query_embeddings=[vector.tolist()],
            n_results=min(n, count),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for cid, text, meta, dist in zip(
            got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]
        ):
            # Vectors are unit length, so squared L2 distance d gives cosine 1 - d/2.
            out.append((_to_chunk(cid, text, meta), meta["sha"], 1.0 - dist / 2.0))
        return out


def record_id(chunk: Chunk, sha: str) -> str:
    """The chunk's id in Chroma and in the lexical index: versions of an article never collide."""
    return f"{chunk.id}::{sha[:24]}"


def _chunk_meta(chunk: Chunk, sha: str) -> dict:
    return {
        "doc_id": chunk.doc_id,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "sha": sha,
        # The text is metadata, not a Chroma document: Chroma builds a full-text index of its
        # documents that nothing here searches (the lexical index is ours), and that index was
        # half of each write (a bare upsert of 20,000 chunks: 867/s as documents, 1,716/s so).
        "text": chunk.text,
        "sentences": json.dumps([[s.start, s.end, s.text] for s in chunk.sentences]),
    }


def _to_chunk(cid: str, document: str | None, meta: dict) -> Chunk:
    """A stored record as a chunk; records written before the text moved to metadata keep it
    as their document."""
    text = meta.get("text", document) or ""
    sentences = [Sentence(start=a, end=b, text=t) for a, b, t in json.loads(meta["sentences"])]
    return Chunk(
        id=cid,
        doc_id=meta["doc_id"],
        index=meta["index"],
        text=text,
        start=meta["start"],
        end=meta["end"],
        sentences=sentences,
    )


def open_store(settings: Settings) -> VectorStore:
    """The one place that picks the Chroma client; chromadb is imported only here."""
    try:
        import chromadb
    except ImportError:
        raise RagError("chromadb is not installed: run the README's set-up command.") from None
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.vector_store == "chroma_http":
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        except Exception as err:
            raise RagError(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"({err}). Start it with: chroma run --path DIR --host {settings.chroma_host} "
                f"--port {settings.chroma_port}"
            ) from None
        where = f"http://{settings.chroma_host}:{settings.chroma_port}"
    else:
        try:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise RagError(
                f"The data directory {settings.data_dir} cannot be used ({err.strerror or err}); "
                "set RAG_DATA_DIR to a folder you can write to."
            ) from None
        where = str(settings.chroma_dir)
        try:
            client = chromadb.PersistentClient(path=where, settings=chroma_settings)
        except Exception as err:
            raise RagError(
                f"The Chroma directory {where} cannot be opened ({err}). Move it aside "
                f"and rebuild from the articles with: python -m rag ingest --rebuild PATH"
            ) from None
    return VectorStore(client, settings.collection, where)


def reset_store(settings: Settings) -> None:
    """Delete the index so it can be rebuilt from the articles (also mends a damaged directory).

    Stores opened before in this process keep pointing at the deleted index: open a new one.
    """
    import shutil

    if settings.vector_store == "chroma_http":
        store = open_store(settings)
        for name in (store.name, f"{store.name}__articles"):
            store.client.delete_collection(name)
    elif settings.chroma_dir.exists():
        shutil.rmtree(settings.chroma_dir)
        forget_clients()


def forget_clients() -> None:
    """Drop chromadb's per-path client cache.

    chromadb keeps one client per directory for the life of the process; after the
    directory is deleted or replaced, the cached one still reads the old (deleted) files,
    so a store reopened in the same process would silently show the old index.
    """
    try:
        from chromadb.api.client import SharedSystemClient
    except ImportError:  # pragma: no cover - chromadb moved it; nothing cached to drop then
        return
    SharedSystemClient.clear_system_cache()
