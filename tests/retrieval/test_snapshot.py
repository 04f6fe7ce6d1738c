"""The manifest snapshot: read whole only when its stamp says it changed (real Chroma)."""

from __future__ import annotations

from rag.components.store import open_store
from rag.retrieval.retriever import Snapshot
from rag.types import STAMP_DOC_ID
from tests.fakes import offline_rag

ARTICLE = "Harbour pilots in Valparaiso counted 7319 containers on Tuesday. They blamed the fog."


class _Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _second_app(settings, tmp_path, clock=None):  # noqa: ANN001, ANN202
    """Another app's snapshot of the same manifest, checking it at every refresh, and a count
    of its whole-manifest reads since it started."""
    store = open_store(settings)
    snap = Snapshot(store, ttl_s=0.0, lexical_dir=tmp_path / "machine2", clock=clock or _Clock()).refresh()
    started = store.timings.calls["articles"]
    return snap, lambda: store.timings.calls["articles"] - started


def test_every_manifest_write_changes_the_stamp_and_the_stamp_is_no_article(settings, seeds_copy):
    rag = offline_rag(settings)
    assert rag.store.stamp() is None  # a new index: never written
    rag.ingestor.ingest_path(seeds_copy)
    after_ingest = rag.store.stamp()
    assert after_ingest is not None
    assert STAMP_DOC_ID not in rag.store.articles() and len(rag.store.articles()) == 5
    rag.ingestor.delete("000_28062022011ac162")
    assert rag.store.stamp() not in (None, after_ingest)


def test_an_unchanged_stamp_skips_the_read_and_a_new_article_is_still_seen(settings, seeds_copy, tmp_path):
    one = offline_rag(settings)
    one.ingestor.ingest_path(seeds_copy)
    snap, reads = _second_app(settings, tmp_path)
    for _ in range(3):
        snap.refresh()
    assert reads() == 0  # nothing changed: one record was read each time, not the manifest

    (seeds_copy / "harbour.txt").write_text(ARTICLE)
    one.ingestor.ingest_path(seeds_copy)
    snap.refresh()
    assert reads() == 1 and "harbour" in snap.articles
    assert snap.lexical.synced()["harbour"] == one.store.articles()["harbour"].version

    one.ingestor.delete("harbour")
    snap.refresh()
    assert reads() == 2 and "harbour" not in snap.articles


def test_a_writer_that_keeps_no_stamp_is_seen_at_the_next_full_read(settings, seeds_copy, tmp_path):
    one = offline_rag(settings)
    one.ingestor.ingest_path(seeds_copy)
    clock = _Clock()
    snap, reads = _second_app(settings, tmp_path, clock)
    doc = "001_0a0b291abecde7a8"
    record = one.store.articles()[doc].model_copy(update={"source": "La Opinión"}).model_dump()
    one.store.docs.upsert(ids=[doc], embeddings=[[0.0]], metadatas=[record])  # as an older version writes
    snap.refresh()
    assert reads() == 0 and snap.articles[doc].source != "La Opinión"
    clock.now += snap.full_s  # the periodic full read is due
    snap.refresh()
    assert reads() == 1 and snap.articles[doc].source == "La Opinión"
