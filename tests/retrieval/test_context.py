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


def test_sentence_opening_with_a_pronoun_carries_the_one_before():
    hits = [_hit("a", "Rosa Icela Rodríguez attended the meeting.", "She is the security secretary.")]
    passages = ContextSelector(HashEmbedder(), budget_tokens=200).select(
        "Who is the security secretary?", hits, lambda w: 1.0
    )
    texts = [p.text for p in passages]
    assert "Rosa Icela Rodríguez attended the meeting. She is the security secretary." in texts
    carried = next(p for p in passages if p.text.startswith("Rosa") and "She" in p.text)
    assert (carried.supports[0].start, carried.supports[0].end) == (0, len(carried.text))


def test_a_question_about_authorship_gets_the_headline_with_its_byline():
    hit = _hit(
        "a",
        "Talks on migration resume in January",
        "By Ana Ruiz | Example Times | 2023-12-28",
        "Officials from both countries will meet in Washington.",
    )
    selector = ContextSelector(HashEmbedder(), budget_tokens=200)
    texts = [
        p.text
        for p in selector.select("Who wrote the article on the talks on migration?", [hit], lambda w: 1.0)
    ]
    assert "Talks on migration resume in January By Ana Ruiz | Example Times | 2023-12-28" in texts
    assert "By Ana Ruiz | Example Times | 2023-12-28" not in texts  # quoted once, with its headline
    # Other questions keep the headline alone: the byline would take a fact's place.
    texts = [p.text for p in selector.select("When do the talks on migration resume?", [hit], lambda w: 1.0)]
    assert "Talks on migration resume in January" in texts
    assert not any("January By Ana" in t for t in texts)


def test_best_passage_of_each_top_article_comes_before_the_rest():
    question = "Which countries do the migrants come from?"
    hits = [
        _hit(
            "a",
            "Migrants come from Venezuela, officials said.",
            "Migrants come from Cuba and Ecuador this year.",
            "Most migrants come from countries in crisis.",
            "Many migrants come from Nicaragua by bus.",
        ),
        _hit("b", "Officials also named Haiti."),
    ]
    narrow = ContextSelector(HashEmbedder(), budget_tokens=60, spread_articles=0)
    spread = ContextSelector(HashEmbedder(), budget_tokens=60, spread_articles=2)
    assert {d for p in narrow.select(question, hits, lambda w: 1.0) for d in p.doc_ids} == {"a"}
    assert {d for p in spread.select(question, hits, lambda w: 1.0) for d in p.doc_ids} == {"a", "b"}


def test_a_sentence_is_quoted_once_even_when_a_pronoun_sentence_carries_it():
    hits = [
        _hit(
            "a",
            "Barcena said the crossings would reopen after the meeting.",
            "It should be noted that rail traffic resumed on Friday.",
            "Officials discussed trade.",
        )
    ]
    passages = ContextSelector(HashEmbedder(), budget_tokens=200).select(
        "What did Barcena say about the crossings reopening?", hits, lambda w: 1.0
    )
    texts = [p.text for p in passages]
    assert sum("Barcena said" in t for t in texts) == 1, texts
