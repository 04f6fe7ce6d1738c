from rag.retrieval.context import ContextSelector
from rag.types import Chunk, Hit, Sentence
from tests.fakes import HashEmbedder


def _hit(doc_id, *texts, rank_score=1.0):
    sentences, pos = [], 0
    for text in texts:
        sentences.append(Sentence(text=text, start=pos, end=pos + len(text)))
        pos += len(text) + 1
    chunk = Chunk(
        id=f"{doc_id}::0", doc_id=doc_id, index=0, text=" ".join(texts), start=0, end=pos, sentences=sentences
    )
    return Hit(chunk=chunk, score=rank_score, title=doc_id.upper())


def test_near_duplicates_collapse_into_one_passage_with_every_article():
    hits = [
        _hit(
            "a",
            "The CBP detained 242,000 migrants on the border with Mexico in November.",
            "Talks were held in the palace.",
        ),
        _hit("b", "The United States CBP detained 242,000 migrants on the border with Mexico in November."),
    ]
    passages = ContextSelector(HashEmbedder(), budget_tokens=200).select(
        "How many migrants detained in November?", hits, lambda w: 1.0
    )
    first = passages[0]
    assert "242,000" in first.text
    assert first.doc_ids == ["b", "a"] or first.doc_ids == ["a", "b"]
    assert len(passages) == 2
    assert [p.n for p in passages] == [1, 2]


def test_budget_limits_passages_but_keeps_the_best():
    hits = [_hit("a", *(f"Sentence number {i} about trade and rail bridges." for i in range(20)))]
    passages = ContextSelector(HashEmbedder(), budget_tokens=30).select("rail bridges", hits, lambda w: 1.0)
    assert 1 <= len(passages) <= 2
    assert sum(len(p.text) // 4 + 4 for p in passages) <= 30 + 20
