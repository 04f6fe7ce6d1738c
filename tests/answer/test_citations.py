from rag.answer.citations import check_answer, drop_invalid_markers
from rag.types import ABSTAIN_TEXT, Passage, Support


def _passages(*texts):
    return [
        Passage(
            n=i + 1,
            text=t,
            score=1.0,
            supports=[Support(doc_id=f"d{i}", title="T", quote=t, start=10 * i, end=10 * i + len(t))],
        )
        for i, t in enumerate(texts)
    ]


PASSAGES = _passages(
    "The CBP detained 242,000 migrants on the border with Mexico in November.",
    "Blinken met López Obrador in the National Palace.",
)


def test_valid_citation_maps_to_article_and_quote():
    checked = check_answer("They met in the National Palace [2].", PASSAGES, 0.5)
    assert not checked.abstained
    assert [(c.n, c.doc_id, c.start) for c in checked.citations] == [(2, "d1", 10)]
    assert checked.unsupported == []


def test_unknown_citation_number_is_dropped():
    checked = check_answer("CBP detained 242,000 migrants in November [1][7].", PASSAGES, 0.5)
    assert checked.text == "CBP detained 242,000 migrants in November [1]."
    assert [c.n for c in checked.citations] == [1]


def test_sentence_not_supported_by_its_source_is_flagged():
    raw = "CBP detained 242,000 migrants [1]. The talks collapsed after a bitter dispute over tariffs [2]."
    checked = check_answer(raw, PASSAGES, 0.5)
    assert not checked.abstained
    assert checked.unsupported == ["The talks collapsed after a bitter dispute over tariffs [2]."]


def test_number_missing_from_sources_makes_general_knowledge_abstain():
    checked = check_answer("Mexico City has about 9 million people [1].", PASSAGES, 0.5)
    assert checked.abstained and checked.text == ABSTAIN_TEXT


def test_model_abstention_is_normalised():
    checked = check_answer("The sources do not mention this.", PASSAGES, 0.5)
    assert checked.abstained and checked.text == ABSTAIN_TEXT and checked.citations == []


def test_marker_after_full_stop_moves_inside():
    assert drop_invalid_markers("At the palace. [2] Yes [9].", {2}) == "At the palace [2]. Yes."


def test_bare_marker_answer_quotes_its_source():
    checked = check_answer("[2]", PASSAGES, 0.5)
    assert checked.text == "Blinken met López Obrador in the National Palace [2]."
    assert not checked.abstained and [c.n for c in checked.citations] == [2]


def test_wrong_neighbouring_citation_is_repointed():
    checked = check_answer("They met in the National Palace [1].", PASSAGES, 0.5)
    assert checked.text == "They met in the National Palace [2]."
    assert checked.sentences[0].repaired_from == [1]
    assert [c.n for c in checked.citations] == [2]


def test_unrelated_quote_fails_question_coverage():
    raw = "Blinken met López Obrador in the National Palace [2]."
    weight = {"peopl": 2.0, "liv": 3.0, "city": 3.0, "mexico": 0.5}.get
    checked = check_answer(
        raw,
        PASSAGES,
        0.5,
        question="How many people live in Mexico City?",
        weight=lambda w: weight(w, 1.0),
        min_coverage=0.4,
    )
    assert checked.abstained
    ok = check_answer(
        raw,
        PASSAGES,
        0.5,
        question="Where did Blinken meet López Obrador?",
        weight=lambda w: 1.0,
        min_coverage=0.4,
    )
    assert not ok.abstained
