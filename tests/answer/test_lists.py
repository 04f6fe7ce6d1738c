from rag.answer.citations import check_answer
from rag.answer.lists import asks_for_list, more_items
from tests.answer.test_citations import _passages

_RAIL = (
    "Last week, the United States closed the railroad crossings of Eagle Pass (Texas) with "
    "Piedras Negras (Coahuila) and El Paso (Texas) with Ciudad Juárez (Chihuahua) for five days."
)
_ROAD = (
    "In recent days, the United States has also closed the crossings of vehicles and people in "
    "Lukesville (Arizona) and San Ysidro (California)."
)
_OFF = "Governor Greg Abbott said Texas would keep its own border patrols."
_CROSSINGS = "Which border crossings did the United States close?"


def _answer(raw, passages, question):
    return more_items(question, check_answer(raw, passages, 0.5, question), passages)


def test_list_questions_are_told_from_others():
    assert asks_for_list(_CROSSINGS)
    assert asks_for_list("Which US officials accompanied Blinken?")
    assert asks_for_list("Name the officials who attended.")
    assert not asks_for_list("What is his job title?")
    assert not asks_for_list("Which company has the largest share?")
    assert not asks_for_list("Which Mexican city lies across the border from Eagle Pass?")


def test_items_another_passage_gives_for_the_same_thing_are_added_with_their_citation():
    passages = _passages(_RAIL, _OFF, _ROAD)
    result = _answer("The crossings of Eagle Pass and El Paso [1].", passages, _CROSSINGS)
    assert result.text.endswith("Also: Lukesville and San Ysidro [3].")  # not "(Arizona)": a qualifier
    assert [c.n for c in result.citations] == [1, 3]
    assert "Abbott" not in result.text  # [2] does not say what was closed


def test_a_passage_about_another_owners_items_adds_nothing():
    question = "Which Mexican officials were present at the meeting?"
    passages = _passages(
        "Foreign Minister Alicia Bárcena was present at the meeting.",
        "Blinken and other top U.S. officials were present at the meeting, including Alejandro Mayorkas.",
    )
    result = _answer("Alicia Bárcena [1].", passages, question)
    assert result.text == "Alicia Bárcena [1]." and [c.n for c in result.citations] == [1]


def test_other_questions_and_withheld_answers_are_left_alone():
    passages = _passages(_RAIL, _ROAD)
    single = _answer("Eagle Pass [1].", passages, "Where did the United States close a crossing?")
    assert single.text == "Eagle Pass [1]."
    withheld = _answer("Nogales [1].", passages, _CROSSINGS)
    assert withheld.abstained and withheld.citations == []
