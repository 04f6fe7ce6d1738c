from rag.answer.prompt import BRIEF_SYSTEM, SYSTEM, answer_messages, is_brief, verify_messages
from rag.types import Passage

SHORT = "Who founded the festival?"
LONG = "Which person, credited in reviews praised by critics, founded the festival that drew people?"


def _passages() -> list[Passage]:
    return [Passage(n=1, text="Marc Blanc founded the festival.", score=0.5, supports=[])]


def test_a_long_question_is_first_asked_under_the_brief_instructions_and_a_short_one_is_not():
    assert not is_brief(SHORT, 12) and is_brief(LONG, 12) and not is_brief(LONG, 40)
    assert answer_messages(SHORT, _passages(), brief=False)[0]["content"] == SYSTEM
    assert answer_messages(LONG, _passages(), brief=True)[0]["content"] == BRIEF_SYSTEM
    # Both keep the worked examples; only the brief one shows a long question answered by a name.
    assert "Example 3" in BRIEF_SYSTEM and "Example 4" in BRIEF_SYSTEM and "Example 4" not in SYSTEM


def test_the_user_message_is_the_same_under_either_instructions():
    plain, brief = answer_messages(LONG, _passages(), False), answer_messages(LONG, _passages(), True)
    assert plain[1] == brief[1]
    assert plain[1]["content"].startswith(f"Question: {LONG}\nSources:\n[1] Marc Blanc founded")


def test_the_verify_question_continues_the_very_prompt_the_answer_was_written_to():
    asked = answer_messages(LONG, _passages(), brief=True)
    verify = verify_messages(LONG, _passages(), "Marc Blanc [1]", "Marc Blanc [1]", brief=True)
    assert verify[:2] == asked
    assert verify[2] == {"role": "assistant", "content": "Marc Blanc [1]"}
