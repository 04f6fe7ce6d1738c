"""BM25 postings saved between processes: reused for the same chunks, never for others."""

import pytest

from rag.factory import build
from rag.retrieval import bm25_cache
from rag.retrieval.bm25 import BM25
from tests.fakes import HashEmbedder

TEXTS = [
    "CBP detained 242,000 migrants in November.",
    "Blinken met López Obrador.",
    "Talks resume in January.",
]
IDS = ["a-0::1", "b-0::2", "c-0::3"]


@pytest.fixture
def builds(monkeypatch):
    """Counts BM25 constructions over some texts (unpickling does not construct)."""
    count = {"n": 0}
    original = BM25.__init__

    def counting(self, texts, *args, **kwargs):
        count["n"] += bool(texts)
        original(self, texts, *args, **kwargs)

    monkeypatch.setattr(BM25, "__init__", counting)
    return count


def test_same_chunks_load_the_saved_index_with_the_same_results(tmp_path, builds):
    first = bm25_cache.load_or_build(tmp_path, IDS, TEXTS, min_chunks=0)
    again = bm25_cache.load_or_build(tmp_path, IDS, TEXTS, min_chunks=0)
    assert builds["n"] == 1
    assert again.search("migrants detained", 3) == first.search("migrants detained", 3) != []
    assert len(list(tmp_path.glob("bm25-*.pkl"))) == 1


def test_other_chunks_rebuild_and_replace_the_old_file(tmp_path, builds):
    bm25_cache.load_or_build(tmp_path, IDS, TEXTS, min_chunks=0)
    old = set(tmp_path.glob("bm25-*.pkl"))
    changed = bm25_cache.load_or_build(
        tmp_path, IDS[:2] + ["c-0::4"], TEXTS[:2] + ["Talks end."], min_chunks=0
    )
    assert builds["n"] == 2
    assert changed.search("January", 3) == []
    new = set(tmp_path.glob("bm25-*.pkl"))
    assert len(new) == 1 and new != old


def test_a_damaged_file_is_rebuilt_not_an_error(tmp_path, builds):
    bm25_cache.load_or_build(tmp_path, IDS, TEXTS, min_chunks=0)
    (path,) = tmp_path.glob("bm25-*.pkl")
    path.write_bytes(b"not a pickle")
    index = bm25_cache.load_or_build(tmp_path, IDS, TEXTS, min_chunks=0)
    assert builds["n"] == 2 and index.search("Blinken", 1)[0][0] == 1


def test_small_indexes_and_no_folder_write_nothing(tmp_path, builds):
    bm25_cache.load_or_build(tmp_path, IDS, TEXTS)  # 3 chunks < MIN_CHUNKS
    bm25_cache.load_or_build(None, IDS, TEXTS, min_chunks=0)
    assert builds["n"] == 2 and not list(tmp_path.iterdir())


def test_a_second_process_on_the_same_data_dir_reuses_the_postings(settings, seeds_copy, monkeypatch, builds):
    monkeypatch.setattr(bm25_cache, "MIN_CHUNKS", 0)
    rag = build(settings, embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds_copy)
    first = rag.service.retrieve("How many migrants did CBP detain?")[0]
    made = builds["n"]
    restarted = build(settings, embedder=HashEmbedder())
    again = restarted.service.retrieve("How many migrants did CBP detain?")[0]
    assert builds["n"] == made  # loaded, not rebuilt
    assert [h.chunk.id for h in again] == [h.chunk.id for h in first]
    assert list((settings.data_dir / "bm25").glob("bm25-*.pkl"))
