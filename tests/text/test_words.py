"""Word-level normalisation: folding, overlap and stems (rag/text/words.py)."""

from rag.text.words import fold, jaccard, stems


def test_fold_and_jaccard():
    assert fold("López 242,000") == "lopez 242000"
    assert jaccard({"a", "b"}, {"b", "c"}) == 1 / 3
    assert jaccard(set(), {"a"}) == 0.0


def test_stems_meet_across_inflections():
    assert stems("detain detained detains") == {"detain"}
    assert stems("live living lives") == {"liv"}
