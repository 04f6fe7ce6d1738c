from rag.retrieval.bm25 import BM25
from rag.retrieval.fusion import rrf
from rag.retrieval.text import fold, jaccard


def test_bm25_ranks_exact_terms_and_skips_unrelated():
    index = BM25(["CBP detained 242,000 migrants in November", "Blinken met López Obrador", "trade and rail"])
    hits = index.search("How many migrants were detained (242000)?", 5)
    assert [doc for doc, _ in hits] == [0]
    assert index.search("lopez obrador", 5)[0][0] == 1  # accents folded


def test_rrf_merges_by_rank():
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    assert abs(fused[0][1] - (1 / 62 + 1 / 61)) < 1e-12


def test_fold_and_jaccard():
    assert fold("López 242,000") == "lopez 242000"
    assert jaccard({"a", "b"}, {"b", "c"}) == 1 / 3
    assert jaccard(set(), {"a"}) == 0.0


def test_stems_meet_across_inflections():
    from rag.retrieval.text import stems

    assert stems("detain detained detains") == {"detain"}
    assert stems("live living lives") == {"liv"}
