from rag.answer.followup import needs_rewrite, rewrite
from rag.types import Turn
from tests.fakes import ScriptedLLM

HISTORY = [
    Turn(role="user", content="Who led the US delegation?"),
    Turn(role="assistant", content="Antony Blinken led it [1]."),
]


def test_needs_rewrite_only_for_dependent_questions():
    assert needs_rewrite("What is his job title?", HISTORY)
    assert needs_rewrite("Where will they be held?", HISTORY)
    assert not needs_rewrite("Where did Blinken meet López Obrador?", HISTORY)
    assert not needs_rewrite("What is his job title?", [])


def test_rewrite_uses_last_exchange_without_markers():
    llm = ScriptedLLM(lambda m: "What is Antony Blinken's job title?\nextra")
    question, tokens = rewrite(llm, "What is his job title?", HISTORY)
    assert question == "What is Antony Blinken's job title?"
    prompt = llm.prompts[0][-1]["content"]
    assert "Antony Blinken led it." in prompt and "[1]" not in prompt
    assert tokens > 0


def test_rewrite_falls_back_when_model_returns_nothing():
    question, _ = rewrite(ScriptedLLM(lambda m: ""), "And there?", HISTORY)
    assert question == "Who led the US delegation? And there?"
