"""End to end with the real model and a real Chroma index built from seeds/."""

import pytest

from rag.types import ABSTAIN_TEXT
from tests.conftest import ask_cli_json, every_checked_answer
from tests.facts import quoting, states

pytestmark = pytest.mark.e2e

FACTS = [
    (
        "How many migrants did CBP detain on the Mexican border in November?",
        "242,000",
        {"000_28062022011ac162", "001_0a0b291abecde7a8"},
    ),
    (
        "Where did Blinken meet López Obrador?",
        "National Palace",
        {"001_0a0b291abecde7a8", "002_b0aabae521d8c3a1"},
    ),
    (
        "How long did López Obrador meet with Blinken and the other US officials?",
        "two hours",
        {"002_b0aabae521d8c3a1"},
    ),
    (
        "How many migrants were in the caravan that left Mexico's southern border on Christmas Eve?",
        "10,000",
        {"000_28062022011ac162"},
    ),
    (
        "In which month will the two countries hold further talks?",
        "January",
        {"002_b0aabae521d8c3a1", "004_3f19723b59c844a4"},
    ),
    ("Who is the Mexican Foreign Minister who attended the meeting?", "Bárcena", {"004_3f19723b59c844a4"}),
]


@pytest.mark.parametrize(("question", "fact", "sources"), FACTS, ids=[f[1] for f in FACTS])
def test_factual_answer_contains_fact_and_cites_a_stating_article(real_rag, question, fact, sources):
    # Every checked answer shown: retrieval and citations are tested here, the threshold apart.
    result = every_checked_answer(real_rag).service.ask(question)
    assert not result.abstained, result.model_dump_json(indent=1)
    assert states(result.answer, fact), result.answer
    stating = {d for c in quoting(result.citations, fact) for d in c.doc_ids}
    assert stating & sources, (result.answer, result.citations)  # a cited sentence states it
    assert result.prompt_tokens < 600


def test_question_the_articles_cannot_answer_abstains(real_rag):
    result = real_rag.service.ask("How many people live in Mexico City?")
    assert result.abstained, result.answer
    assert result.answer == ABSTAIN_TEXT


def test_followup_uses_history(real_rag):
    history = [
        {"role": "user", "content": "Who led the US delegation that met López Obrador?"},
        {"role": "assistant", "content": "Antony Blinken led the US delegation [1]."},
    ]
    result = every_checked_answer(real_rag).service.ask("What is his job title?", history)
    assert "blinken" in result.standalone_question.lower(), result.standalone_question
    assert states(result.answer, "Secretary of State"), result.answer


def test_cli_ask_json(real_rag, real_settings):
    result = ask_cli_json(
        real_settings, "How many migrants did CBP detain on the Mexican border in November?"
    )
    assert states(result["answer"], "242,000"), result["answer"]
    stating = {c["doc_id"] for c in quoting(result["citations"], "242,000")}
    assert stating & {"000_28062022011ac162", "001_0a0b291abecde7a8"}, result["citations"]
