from rag.retrieval.fusion import rrf, rrf_top
from rag.retrieval.lexical import LexicalIndex
from rag.types import Chunk


def _index(texts: list[str]) -> LexicalIndex:
    index = LexicalIndex(None)
    chunks = [
        Chunk(id=f"d{i}::0", doc_id=f"d{i}", index=0, text=t, start=0, end=len(t), sentences=[])
        for i, t in enumerate(texts)
    ]
    index.put_articles([(c.doc_id, "sha", [c], [None]) for c in chunks])
    return index


def test_bm25_ranks_exact_terms_and_skips_unrelated():
    index = _index(
        ["CBP detained 242,000 migrants in November", "Blinken met López Obrador", "trade and rail"]
    )
    hits = index.search("How many migrants were detained (242000)?", 5)
    assert [c.doc_id for c, _, _ in hits] == ["d0"]
    assert index.search("lopez obrador", 5)[0][0].doc_id == "d1"  # accents folded
    assert index.search("the of and", 5) == []  # stop words only: nothing to match
    assert index.search('"OR" NEAR( x* ^', 5) == []  # FTS5 syntax in a question is only words


def test_idf_weights_like_okapi():
    index = _index(["rail freight", "rail strike", "bridge"])
    assert index.weight("rail") < index.weight("bridg")
    assert index.weight("unknown") == 0.0


def test_rrf_merges_by_rank():
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    assert abs(fused[0][1] - (1 / 62 + 1 / 61)) < 1e-12


def test_rrf_top_keeps_each_rankings_first_item():
    # "z" is BM25's best but the vector index never ranks it: plain fusion puts it last.
    lexical = ["z", "a", "b", "c"]
    dense = ["a", "b", "c", "d"]
    assert [item for item, _ in rrf_top([lexical, dense], n=3, keep_first=0)] == ["a", "b", "c"]
    kept = rrf_top([lexical, dense], n=3, keep_first=1)
    assert [item for item, _ in kept] == ["a", "b", "z"]  # "z" replaces the weakest, order by score
    assert dict(kept)["z"] == dict(rrf([lexical, dense]))["z"]
    # Already in the top n: nothing moves; and never more than n items.
    assert rrf_top([["a", "b"], ["b", "a"]], n=1, keep_first=1) == rrf([["a", "b"], ["b", "a"]])[:1]
