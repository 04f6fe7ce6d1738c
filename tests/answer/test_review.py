from typing import get_args

import pytest

from eval.scoring import WITHHELD_BY
from rag.answer.review import review
from rag.types import Answer, Passage, Support


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


def test_every_check_name_is_one_the_answer_model_and_the_eval_accept():
    allowed = {a for arg in get_args(Answer.model_fields["withheld_by"].annotation) for a in get_args(arg)}
    assert allowed == set(WITHHELD_BY)
    assert "relevance check" in allowed
