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


def test_sentence_not_supported_by_its_source_is_left_out():
    raw = "CBP detained 242,000 migrants [1]. The talks collapsed after a bitter dispute over tariffs [2]."
    checked = check_answer(raw, PASSAGES, 0.5)
    assert not checked.abstained
    assert checked.text == "CBP detained 242,000 migrants [1]."
    assert checked.unsupported == ["The talks collapsed after a bitter dispute over tariffs [2]."]


def test_number_missing_from_sources_makes_general_knowledge_abstain():
    checked = check_answer("Mexico City has about 9 million people [1].", PASSAGES, 0.5)
    assert checked.abstained and checked.text == ABSTAIN_TEXT


def test_model_abstention_is_normalised():
    checked = check_answer("The sources do not mention this.", PASSAGES, 0.5)
    assert checked.abstained and checked.text == ABSTAIN_TEXT and checked.citations == []


def test_marker_after_full_stop_moves_inside():
    assert drop_invalid_markers("At the palace. [2] Yes [9].", {2}) == "At the palace [2]. Yes."


def test_source_number_in_parentheses_is_a_citation():
    assert drop_invalid_markers("The Federal Reserve (2)", {1, 2}) == "The Federal Reserve [2]"
    assert drop_invalid_markers("Obrador (C) in 2023 (12)", {1, 2}) == "Obrador (C) in 2023 (12)"


def test_bare_marker_answer_quotes_its_source():
    checked = check_answer("[2]", PASSAGES, 0.5)
    assert checked.text == "Blinken met López Obrador in the National Palace [2]."
    assert not checked.abstained and [c.n for c in checked.citations] == [2]


def test_wrong_neighbouring_citation_is_repointed():
    checked = check_answer("They met in the National Palace [1].", PASSAGES, 0.5)
    assert checked.text == "They met in the National Palace [2]."
    assert checked.sentences[0].repaired_from == [1]
    assert [c.n for c in checked.citations] == [2]


def test_entity_only_answer_with_a_valid_citation_is_complete():
    checked = check_answer(
        "López Obrador [2].", PASSAGES, 0.5, question="Whom did Blinken meet in the palace?"
    )
    assert not checked.abstained and checked.text == "López Obrador [2]."
    assert [c.n for c in checked.citations] == [2]


def test_name_no_passage_states_is_never_shown():
    raw = "Senator Bob Menendez said Blinken met López Obrador in the National Palace [2]."
    checked = check_answer(raw, PASSAGES, 0.5, question="What did officials say about the meeting?")
    assert checked.abstained and checked.text == ABSTAIN_TEXT
    assert checked.unsupported == [raw]


def test_claims_spread_over_two_passages_cite_both_and_three_are_too_many():
    raw = "Blinken met López Obrador in the National Palace as 242,000 migrants were detained [1]."
    checked = check_answer(raw, PASSAGES, 0.5)
    assert checked.text == raw.replace("[1]", "[1, 2]")
    assert checked.sentences[0].repaired_from == [1]
    three = _passages("Blinken spoke.", "They met in the National Palace.", "CBP counted 242,000.")
    assert check_answer(
        "Blinken met them in the National Palace after 242,000 were counted.", three, 0.5
    ).abstained


def test_uncited_sentence_gets_the_passage_that_states_it():
    checked = check_answer("CBP detained 242,000 migrants.", PASSAGES, 0.5)
    assert checked.text == "CBP detained 242,000 migrants [1]."
    assert [c.doc_id for c in checked.citations] == ["d0"]


def test_withheld_keeps_the_checks_but_shows_an_abstention():
    checked = check_answer("They met in the National Palace [2].", PASSAGES, 0.5).withheld()
    assert checked.abstained and checked.text == ABSTAIN_TEXT and checked.citations == []
    assert len(checked.sentences) == 1 and checked.sentences[0].supported
