"""The on-disk lexical index: incremental per article, follows the manifest, refuses foreign files."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest

from rag.components.store import forget_clients, open_store
from rag.retrieval import lexical, localdb
from rag.retrieval.lexical import LexicalIndex
from tests.fakes import DyingStore, offline_rag

ARTICLE = "Harbour pilots in Valparaiso counted 7319 containers on Tuesday. They blamed the fog."


def _lexical_docs(rag, query: str) -> list[str]:  # noqa: ANN001
    return [h.chunk.doc_id for h in rag.service.retriever.bm25.retrieve(query, 5)]


def _rows(rag, doc_id: str) -> set[int]:  # noqa: ANN001
    conn = rag.service.snapshot.lexical.conn
    return {r for (r,) in conn.execute("SELECT rowid FROM chunks WHERE doc_id = ?", (doc_id,))}


def test_add_change_delete_touch_only_that_article_and_queries_follow(settings, seeds_copy):
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    others = {d: _rows(rag, d) for d in rag.store.articles()}

    (seeds_copy / "harbour.txt").write_text(ARTICLE)
    assert rag.ingestor.ingest_path(seeds_copy).added == ["harbour"]
    assert _lexical_docs(rag, "How many containers in Valparaiso?") == ["harbour"]
    assert {d: _rows(rag, d) for d in others} == others  # no other article's rows were rewritten
    _, passages = rag.service.retrieve("How many containers did harbour pilots count in Valparaiso?")
    assert "7319 containers" in passages[0].text

    (seeds_copy / "harbour.txt").write_text(ARTICLE.replace("Valparaiso", "Antofagasta"))
    assert rag.ingestor.ingest_path(seeds_copy).updated == ["harbour"]
    assert _lexical_docs(rag, "containers Valparaiso") == ["harbour"]  # "containers" still matches
    assert _lexical_docs(rag, "Valparaiso") == []
    assert _lexical_docs(rag, "Antofagasta pilots") == ["harbour"]
    assert {d: _rows(rag, d) for d in others} == others

    (seeds_copy / "harbour.txt").unlink()
    assert rag.ingestor.ingest_path(seeds_copy).removed == ["harbour"]
    assert _lexical_docs(rag, "Antofagasta pilots containers") == []
    assert {d: _rows(rag, d) for d in others} == others


def test_a_question_embeds_only_itself(settings, seeds_copy):
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    embedder = rag.ingestor.embedder
    before = len(embedder.seen)
    q = "How many migrants did CBP detain in November?"
    rag.service.retrieve(q)
    assert embedder.seen[before:] == [
        [q]
    ]  # once, shared by dense retrieval and selection; no sentence is embedded


def test_a_restart_rebuilds_nothing_and_a_lost_index_is_rebuilt_from_the_manifest(settings, seeds_copy):
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    q = "How many migrants did CBP detain in November?"
    want = _lexical_docs(rag, q)
    again = offline_rag(settings)
    assert _lexical_docs(again, q) == want and again.store.timings.calls["chunks_of"] == 0
    rag.service.snapshot.lexical.close()
    again.service.snapshot.lexical.close()
    for f in settings.lexical_path.glob("lexical.sqlite*"):
        f.unlink()
    fresh = offline_rag(settings)
    assert _lexical_docs(fresh, q) == want


def test_sync_follows_the_manifest_after_a_kill_between_commit_and_lexical_write(settings, seeds_copy):
    """The manifest is the commit point: rows the ingest never wrote are filled by the next sync,
    and chunks of a version the manifest never named stay invisible."""
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    # The process dies after Chroma and the manifest were written, before the lexical index.
    dying = offline_rag(settings, DyingStore(open_store(settings), "put_articles", after=True))
    (seeds_copy / "harbour.txt").write_text(ARTICLE)
    with pytest.raises(KeyboardInterrupt):
        dying.ingestor.ingest_path(seeds_copy)
    forget_clients()
    restarted = offline_rag(settings)
    assert _lexical_docs(restarted, "Valparaiso containers") == ["harbour"]
    synced = restarted.service.snapshot.lexical.synced()
    assert synced == {d: m.version for d, m in restarted.store.articles().items()}

    # Chunks written but never committed (killed before the manifest): not in the index.
    dying = offline_rag(settings, DyingStore(restarted.store, "put_articles"))
    (seeds_copy / "harbour.txt").write_text(ARTICLE.replace("Valparaiso", "Antofagasta"))
    with pytest.raises(KeyboardInterrupt):
        dying.ingestor.ingest_path(seeds_copy)
    third = offline_rag(settings)
    assert _lexical_docs(third, "Antofagasta") == []
    assert _lexical_docs(third, "Valparaiso containers") == ["harbour"]


def test_a_second_process_sees_a_new_article_without_a_rebuild(settings, seeds_copy, tmp_path):
    """Two apps on one shared manifest, each with its own lexical index (as on two machines)."""
    one = offline_rag(settings)
    one.ingestor.ingest_path(seeds_copy)
    two = offline_rag(settings.model_copy(update={"lexical_dir": tmp_path / "machine2"}))
    assert _lexical_docs(two, "CBP migrants November")
    fetched = two.store.timings.calls["chunks_of"]
    (seeds_copy / "harbour.txt").write_text(ARTICLE)
    one.ingestor.ingest_path(seeds_copy)
    two.service.snapshot.invalidate()  # as the next manifest check, due in a second, would
    assert _lexical_docs(two, "Valparaiso containers") == ["harbour"]
    assert two.store.timings.calls["chunks_of"] == fetched + 1  # only the new article was read
    _, passages = two.service.retrieve("How many containers did pilots count in Valparaiso?")
    assert "7319" in passages[0].text  # sentence vectors computed there on first use
    conn = two.service.snapshot.lexical.conn
    sql = "SELECT count(*) FROM chunks WHERE doc_id = 'harbour' AND vectors IS NOT NULL"
    assert conn.execute(sql).fetchone()[0] == 1  # and saved for the next question


def _expect_refused(path: Path, caplog) -> None:  # noqa: ANN001
    with caplog.at_level("WARNING"):
        index = LexicalIndex(path)
    assert "not a newsrag index" in caplog.text
    assert len(index) == 0 and index.synced() == {}
    assert list(path.parent.glob(f"{path.name}.refused-*"))
    index.close()


def test_a_pickle_in_place_of_the_index_is_moved_aside_never_loaded(tmp_path, caplog):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # noqa: ANN204
            return (open, (str(marker), "w"))

    path = tmp_path / lexical.FILE
    path.write_bytes(pickle.dumps(Payload()))
    _expect_refused(path, caplog)
    assert not marker.exists()


def test_old_bm25_pickles_are_deleted_unread(settings, seeds_copy, tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # noqa: ANN204
            return (open, (str(marker), "w"))

    folder = settings.data_dir / "bm25"
    folder.mkdir(parents=True)
    (folder / "bm25-0123456789abcdef01234567.pkl").write_bytes(pickle.dumps(Payload()))
    rag = offline_rag(settings)
    rag.ingestor.ingest_path(seeds_copy)
    assert _lexical_docs(rag, "CBP migrants November")
    assert not folder.exists() and not marker.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        "CREATE TRIGGER evil AFTER INSERT ON articles BEGIN DELETE FROM chunks; END",
        "CREATE VIEW evil AS SELECT * FROM chunks",
        "PRAGMA application_id = 1",
        "PRAGMA user_version = 99",
        "CREATE TABLE extra (x)",
    ],
)
def test_a_tampered_index_is_refused_and_rebuilt(tmp_path, caplog, tamper):
    path = tmp_path / lexical.FILE
    LexicalIndex(path).close()
    conn = sqlite3.connect(path)
    conn.execute(tamper)
    conn.commit()
    conn.close()
    _expect_refused(path, caplog)


def test_another_programs_database_is_refused(tmp_path, caplog):
    path = tmp_path / lexical.FILE
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE articles (doc_id TEXT PRIMARY KEY, sha TEXT NOT NULL)")
    conn.commit()
    conn.close()
    _expect_refused(path, caplog)
    assert localdb.check(sqlite3.connect(path), lexical.VERSION, lexical.SCHEMA) is True


def _chunks(doc_id: str, texts: list[str]) -> list:
    from rag.types import Chunk

    return [
        Chunk(id=f"{doc_id}::{i}", doc_id=doc_id, index=i, text=t, start=0, end=len(t), sentences=[])
        for i, t in enumerate(texts)
    ]


def _migration_index() -> LexicalIndex:
    """Three articles that rank first for "migrants", two lesser ones, one without the word."""
    articles = {
        "top1": ["Migrants, migrants and more migrants at the border."],
        "top2": ["Migrants crossed; migrants waited."],
        "top3": ["Migrants and migrants again."],
        "low": [
            "Some migrants crossed the river near the old railway bridge before dawn on Tuesday.",
            "Officials said a few migrants were counted at the checkpoint later in the afternoon.",
        ],
        "lower": ["Trade groups, rail operators and customs brokers met; migrants came up once, late."],
        "none": ["Harbour pilots counted containers in the fog."],
    }
    index = LexicalIndex(None)
    index.put_articles([(d, "sha", (cs := _chunks(d, t)), [None] * len(cs)) for d, t in articles.items()])
    return index


def test_a_restricted_search_ranks_only_the_allowed_articles_and_fills_k():
    index = _migration_index()
    assert {c.doc_id for c, _, _ in index.search("migrants", 3)} == {"top1", "top2", "top3"}
    # Filtering inside the ranking: the three best *allowed* chunks, not the allowed share of the top 3.
    got = index.search("migrants", 3, frozenset({"low", "lower", "none"}))
    assert sorted(c.id for c, _, _ in got) == ["low::0", "low::1", "lower::0"]
    assert [s for _, _, s in got] == sorted((s for _, _, s in got), reverse=True)
    # Scores are the same BM25 as unrestricted (IDF over the whole index), only fewer rows compete.
    unrestricted = {c.id: s for c, _, s in index.search("migrants", 10)}
    assert all(unrestricted[c.id] == s for c, _, s in got)
    assert index.search("migrants", 3, frozenset({"none"})) == []
    assert index.search("migrants", 3, frozenset()) == []
    assert [c.doc_id for c, _, _ in index.search("migrants", 3, frozenset({"top2", "gone"}))] == ["top2"]


def test_a_restricted_search_takes_a_set_larger_than_sqlites_variable_limit():
    index = _migration_index()
    many = frozenset({f"other-{i}" for i in range(40_000)} | {"lower"})
    assert [c.doc_id for c, _, _ in index.search("migrants", 5, many)] == ["lower"]


def _crowd(common_min: int) -> LexicalIndex:
    """40 chunks that all say "migrants"; a few also name a rarer place or number."""
    texts = {f"d{i:02d}": [f"Migrants waited at crossing number {i} for hours."] for i in range(40)}
    texts["d07"] = ["Migrants from Ecuador and Haiti waited; migrants from Ecuador again."]
    texts["d11"] = ["Officials from Ecuador met migrants."]
    texts["d23"] = ["Haiti was named once, with migrants."]
    index = LexicalIndex(None, common_min=common_min)
    index.put_articles([(d, "sha", (cs := _chunks(d, t)), [None] * len(cs)) for d, t in texts.items()])
    return index


def test_common_stems_leave_the_match_but_still_score_the_candidates():
    # "migrant" is in all 40 chunks, past 5% of them: only Ecuador and Haiti pick candidates.
    pruned, full = _crowd(common_min=0), _crowd(common_min=10**9)
    query = "Which migrants came from Ecuador or Haiti?"
    got, want = pruned.search(query, 3), full.search(query, 3)
    assert [c.doc_id for c, _, _ in got] == [c.doc_id for c, _, _ in want] == ["d07", "d11", "d23"]
    # The same BM25 as FTS5's bm25(), computed for the candidates with the common stem included.
    assert [s for _, _, s in got] == pytest.approx([s for _, _, s in want], rel=1e-9)
    # The price: a chunk holding only the common stem is no longer a candidate.
    assert len(full.search(query, 10)) == 10
    assert {c.doc_id for c, _, _ in pruned.search(query, 10)} == {"d07", "d11", "d23"}
    # Below common_min, or with only common stems, the search is FTS5's own.
    assert len(pruned.search("migrants", 10)) == 10


def test_fts5_totals_are_read_from_its_averages_record():
    assert lexical._varints(bytes.fromhex("bd8440998bdc0a")) == [1_000_000, 52_620_810]
    assert lexical._varints(bytes.fromhex("ff")) == []  # cut short: not trusted
    index = _crowd(common_min=0)
    words = sum(len(lexical.stem_text(c.text).split()) for c, _, _ in index.search("migrants", 100))
    assert index._avg_length(len(index)) == pytest.approx(words / 40)
    assert index._avg_length(len(index) + 1) is None  # a record that disagrees is not used
