from typing import get_args

import pytest

from eval.scoring import WITHHELD_BY
from rag.answer.citations import CheckedAnswer
from rag.answer.review import retry_reason, review, take_second
from rag.retrieval.attribution import outlet_index
from rag.types import Answer, ArticleMeta, Passage, Support


def _passage(n: int, text: str, score: float) -> Passage:
    support = Support(doc_id=f"d{n}", quote=text, start=0, end=0)
    return Passage(n=n, text=text, score=score, supports=[support])


PASSAGES = [
    _passage(1, "Marc Blanc founded the festival in Lyon.", 0.55),
    _passage(2, "Ana Ruiz founded the choir that sang at the festival.", 0.12),
]


@pytest.mark.parametrize(
    ("raw", "withheld_by"), [("Marc Blanc [1]", None), ("Ana Ruiz [2]", "relevance check")]
)
def test_an_answer_resting_on_a_sentence_below_the_relevance_bar_is_withheld(raw, withheld_by):
    checked, by = review(
        raw,
        PASSAGES,
        "Who founded the festival?",
        0.9,
        support_threshold=0.5,
        min_confidence=0.2,
        known=lambda form: True,
        min_relevance=0.2,
    )
    assert by == withheld_by
    assert checked.abstained is (withheld_by is not None)


OUTLETS = outlet_index(
    {"d1": ArticleMeta(doc_id="d1", source="Gestion"), "d3": ArticleMeta(doc_id="d3", source="Post")}
)


@pytest.mark.parametrize(
    ("raw", "withheld_by"),
    [
        ("Marc Blanc [1]", None),
        ("According to Gestion, Marc Blanc founded it [1].", None),  # the outlet is no word of the passage
        ("Marc Blanc [3]", "source check"),  # true, but the Post's
        ("According to Reuters, Marc Blanc founded it [1].", "citation check"),
    ],
)
def test_an_answer_from_another_outlet_than_the_one_asked_about_is_withheld(raw, withheld_by):
    passages = [*PASSAGES, _passage(3, "Marc Blanc founded the festival, the Post says.", 0.5)]
    checked, by = review(
        raw,
        passages,
        "According to Gestion, who founded the festival?",
        0.9,
        support_threshold=0.5,
        min_confidence=0.2,
        known=lambda form: form not in {"reuter", "gestion"},  # outlets: metadata, not text
        min_relevance=0.2,
        outlets=OUTLETS,
    )
    assert by == withheld_by
    assert checked.abstained is (withheld_by is not None)


def test_every_check_name_is_one_the_answer_model_and_the_eval_accept():
    allowed = {a for arg in get_args(Answer.model_fields["withheld_by"].annotation) for a in get_args(arg)}
    assert allowed == set(WITHHELD_BY)
    assert "relevance check" in allowed


QUESTION = "Who founded the festival in Lyon?"


@pytest.mark.parametrize(
    ("raw", "withheld_by", "reason"),
    [
        ("The festival in Lyon was founded [1].", "citation check", "restated"),
        ("Ana Ruiz founded it [2].", "citation check", None),  # names someone: asked again, another name
        ("Marc Blanc [1]", "confidence", "unsure"),
        ("Ana Ruiz [2]", "relevance check", None),
        ("Marc Blanc [1]", None, None),  # shown
    ],
)
def test_only_a_restating_or_an_unsure_reply_is_asked_again(raw, withheld_by, reason):
    assert retry_reason(raw, QUESTION, withheld_by) == reason


SHOWN = CheckedAnswer("Marc Blanc [1]", False, [], [])
WITHHELD = SHOWN.withheld()


@pytest.mark.parametrize(
    ("reason", "first", "second", "checked", "taken"),
    [
        ("restated", "The festival was founded [1].", "Marc Blanc [1]", SHOWN, True),
        ("restated", "The festival was founded [1].", "Marc Blanc [1]", WITHHELD, False),
        ("unsure", "Blanc [1]", "The festival's founder is Marc Blanc [1].", SHOWN, True),
        ("unsure", "Ana Ruiz [2]", "Marc Blanc [1]", SHOWN, False),  # two replies, two names
        ("unsure", "Lyon [1]", "Lyon, by Marc Blanc [1]", SHOWN, False),  # agree only on the question's word
        ("unsure", "The two founders met [1].", "The two of them [1].", SHOWN, False),  # "two" is no name
        ("restated", "The festival was founded [1].", "[1]", SHOWN, False),  # points, names nothing
    ],
)
def test_a_second_reply_is_shown_if_it_passes_and_an_unsure_first_one_agrees(
    reason, first, second, checked, taken
):
    assert take_second(reason, first, second, checked, QUESTION) is taken
