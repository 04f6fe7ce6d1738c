"""Dense search restricted to some articles, on a real (temporary) Chroma index of the seeds."""

from __future__ import annotations

import time

import pytest

from rag.components.store import VectorStore
from rag.factory import build
from rag.types import ArticleMeta
from tests.fakes import HashEmbedder, ScriptedLLM

QUESTION = "Where did Blinken meet López Obrador?"
LATE = "004_3f19723b59c844a4"  # 6 chunks, the only seed dated 2023-12-29
UNDATED = {"000_28062022011ac162", "003_1223d51fc53dc40e"}  # 8 and 11 chunks


@pytest.fixture
def rag(settings, seeds_copy):
    rag = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds_copy)
    return rag


def _docs(found: list) -> list[str]:
    return [chunk.doc_id for chunk, _, _ in found]


def test_a_restricted_query_returns_n_neighbours_from_the_allowed_articles_only(rag):
    vector = HashEmbedder().embed([QUESTION])[0]
    top = rag.store.query(vector, 6)
    assert LATE not in _docs(top)[:5]  # unrestricted, the late article barely makes the top 6

    only_late = rag.store.query(vector, 6, frozenset({LATE}))
    assert _docs(only_late) == [LATE] * 6  # all six of its chunks, best first
    scores = [s for _, _, s in only_late]
    assert scores == sorted(scores, reverse=True)

    two = rag.store.query(vector, 10, frozenset(UNDATED))
    assert len(two) == 10 and set(_docs(two)) <= UNDATED


def test_asking_for_more_than_the_allowed_articles_hold_returns_what_they_have(rag):
    vector = HashEmbedder().embed([QUESTION])[0]
    assert _docs(rag.store.query(vector, 50, frozenset({LATE}))) == [LATE] * 6
    assert rag.store.query(vector, 5, frozenset({"no-such-article"})) == []
    assert rag.store.query(vector, 5, frozenset()) == []


def test_hybrid_retrieval_fills_top_k_from_the_allowed_articles(rag):
    retriever = rag.service.retriever
    unrestricted = retriever.retrieve(QUESTION, 8)
    assert sum(h.chunk.doc_id in UNDATED for h in unrestricted) < 8  # a post-filter would come up short
    hits = retriever.retrieve(QUESTION, 8, frozenset(UNDATED))
    assert len(hits) == 8 and {h.chunk.doc_id for h in hits} <= UNDATED
    assert len({h.chunk.id for h in hits}) == 8


def test_chunk_text_is_kept_as_metadata_and_old_document_records_still_read(rag):
    late = rag.store.chunks_of(LATE, rag.store.articles()[LATE].version)
    raw = rag.store.chunks.get(ids=[late[0].id], include=["documents", "metadatas"])
    assert raw["documents"] == [None]  # no Chroma document, so no full-text index to write
    assert raw["metadatas"][0]["text"] == late[0].text and late[0].text

    # A record written before the move: its text is the document, the metadata has none.
    old_meta = {k: v for k, v in raw["metadatas"][0].items() if k != "text"}
    rag.store.chunks.upsert(
        ids=[late[0].id],
        embeddings=_vector_of(rag, late[0].id),
        documents=[late[0].text],
        metadatas=[old_meta],
    )
    again = rag.store.chunks_of(LATE, rag.store.articles()[LATE].version)
    assert [c.text for c in again] == [c.text for c in late]
    vector = HashEmbedder().embed([late[0].text])[0]
    found = {chunk.id: chunk.text for chunk, _, _ in rag.store.query(vector, 6, frozenset({LATE}))}
    assert found[late[0].id] == late[0].text


def _vector_of(rag, record_id: str) -> list:
    return rag.store.chunks.get(ids=[record_id], include=["embeddings"])["embeddings"]


class _SlowCollection:
    """A Chroma collection whose writes take 20 ms and whose reads find nothing."""

    def upsert(self, **_records) -> None:
        time.sleep(0.02)

    def get(self, **_query) -> dict:
        return {"ids": [], "metadatas": [], "documents": []}


class _SlowClient:
    def get_or_create_collection(self, _name: str) -> _SlowCollection:
        return _SlowCollection()


def test_the_store_times_its_own_operations_each_once_under_its_own_name():
    store = VectorStore(_SlowClient(), "news")
    meta = ArticleMeta(doc_id="a", sha256="0" * 64)
    store.put_article(meta)  # calls put_articles, whose two upserts are its time
    store.put_articles([meta, meta])
    assert store.articles() == {}
    timings = store.timings
    assert dict(timings.calls) == {"put_article": 1, "put_articles": 1, "articles": 1}
    assert timings.seconds["put_article"] >= 0.04 and timings.seconds["put_articles"] >= 0.04
    assert timings.total("put_article", "put_articles") >= 0.08 > timings.seconds["articles"]
    assert timings.total("add_chunks") == 0.0


def test_an_ingest_is_timed_by_the_store_it_writes_to(rag):
    timings = rag.store.timings
    assert timings.calls["add_chunks"] >= 1 and timings.seconds["add_chunks"] > 0
    assert timings.calls["put_articles"] >= 1
    before = timings.calls.get("iter_chunks", 0)
    assert list(rag.store.iter_chunks())  # a generator: its consumer's time is not the store's
    assert timings.calls.get("iter_chunks", 0) == before == 0
