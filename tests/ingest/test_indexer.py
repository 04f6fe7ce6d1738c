"""Incremental ingestion into a real Chroma directory (fake embedder)."""

from rag.ingest.reader import parser_version
from tests.fakes import offline_rag


def test_ingest_is_incremental_and_idempotent(settings, seeds_copy):
    rag = offline_rag(settings)
    first = rag.ingestor.ingest_path(seeds_copy)
    assert len(first.added) == 5 and not first.skipped
    n_chunks = rag.store.chunks.count()

    again = rag.ingestor.ingest_path(seeds_copy)
    assert len(again.unchanged) == 5 and again.chunks == 0
    assert rag.store.chunks.count() == n_chunks

    target = seeds_copy / "002_b0aabae521d8c3a1.txt"
    target.write_text(target.read_text() + "\nA new closing sentence about bridges.\n")
    (seeds_copy / "004_3f19723b59c844a4.txt").unlink()
    changed = rag.ingestor.ingest_path(seeds_copy)
    assert changed.updated == ["002_b0aabae521d8c3a1"]
    assert changed.removed == ["004_3f19723b59c844a4"]
    docs = {c.doc_id for c, _ in rag.store.iter_chunks()}
    assert "004_3f19723b59c844a4" not in docs
    texts = [c.text for c, _ in rag.store.iter_chunks() if c.doc_id == "002_b0aabae521d8c3a1"]
    assert any("new closing sentence" in t for t in texts)


def test_bad_file_is_skipped_and_nothing_is_lost(settings, seeds_copy):
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    before = rag.store.chunks.count()
    (seeds_copy / "zz_binary.txt").write_bytes(b"\x00\xff\x00garbage")
    (seeds_copy / "zz_latin1.txt").write_bytes(b"caf\xe9")
    (seeds_copy / "000_28062022011ac162.txt").write_bytes(b"")  # emptied: keep the old version
    report = rag.ingestor.ingest_path(seeds_copy)
    names = sorted(name.rsplit("/", 1)[-1] for name, _ in report.skipped)
    assert names == ["000_28062022011ac162.txt", "zz_binary.txt", "zz_latin1.txt"]
    assert rag.store.chunks.count() == before
    assert "000_28062022011ac162" in rag.store.articles()


def test_metadata_a_newer_reader_extracts_is_refreshed_without_re_embedding(settings, seeds_copy):
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    doc = "004_3f19723b59c844a4"
    old = rag.store.articles()[doc]
    rag.store.put_article(old.model_copy(update={"date_from": ""}))  # as an older version stored it
    rag.service.snapshot.refresh()
    calls = rag.ingestor.embedder.calls
    again = rag.ingestor.ingest_path(seeds_copy)
    assert doc in again.unchanged and again.chunks == 0
    assert rag.store.articles()[doc].date_from == "dateline"
    assert rag.ingestor.embedder.calls == calls
    # A running service sees the refreshed record with no new article version.
    assert rag.service.snapshot.refresh().articles[doc].date_from == "dateline"


def test_new_parsing_rules_re_index_unchanged_files(settings, seeds_copy, monkeypatch):
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    doc = "001_0a0b291abecde7a8"
    old = rag.store.articles()[doc]
    monkeypatch.setattr("rag.ingest.reader.parser_version", lambda: 0x0123ABCD)
    report = rag.ingestor.ingest_path(seeds_copy)
    assert len(report.updated) == 5 and report.chunks > 0
    new = rag.store.articles()[doc]
    assert new.sha256 == old.sha256 and new.version != old.version
    # Only the new parse's chunks are left, and the lexical index follows the manifest.
    assert {sha for c, sha in rag.store.iter_chunks() if c.doc_id == doc} == {new.version}
    assert rag.service.snapshot.refresh().lexical.synced()[doc] == new.version


def test_an_index_from_hand_numbered_parsers_is_read_and_re_indexed(settings, seeds_copy):
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    doc = "001_0a0b291abecde7a8"
    rag.store.put_article(
        rag.store.articles()[doc].model_copy(update={"parser": 1})
    )  # as version 1 stored it
    old = rag.store.articles()[doc]
    assert old.parser == 1 and old.version == f"p1:{old.sha256}"
    report = rag.ingestor.ingest_path(seeds_copy)
    assert doc in report.updated
    assert rag.store.articles()[doc].parser == parser_version()
