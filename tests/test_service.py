"""The service over a real (temporary) Chroma index, with a fake embedder and generator."""

import pytest

from rag.errors import BadQuestion, IndexMissing
from rag.factory import build
from rag.service import AskOptions
from rag.types import ABSTAIN_TEXT, Answer
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with


@pytest.fixture
def rag(settings, seeds_copy):
    rag = build(settings, llm=ScriptedLLM(cite_source_with("242,000")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds_copy)
    return rag


def test_answer_cites_an_article_that_states_the_fact(rag):
    result = rag.service.ask("How many migrants did CBP detain on the Mexican border in November?")
    assert not result.abstained
    assert "242,000" in result.answer
    cited = {d for c in result.citations for d in c.doc_ids}
    assert cited == {"000_28062022011ac162", "001_0a0b291abecde7a8"}
    assert result.retrieved[0] in cited
    quote = result.citations[0]
    raw = (rag.settings.data_dir.parent / "articles" / f"{quote.doc_id}.txt").read_text()
    assert raw[quote.start : quote.end] == quote.quote


def test_stream_yields_text_then_the_same_result(rag):
    events = list(rag.service.stream("How many migrants did CBP detain in November?"))
    assert all(isinstance(e, str) for e in events[:-1]) and isinstance(events[-1], Answer)
    assert "".join(events[:-1]).strip().startswith(events[-1].answer.split(" [")[0][:20])


def test_unanswerable_question_abstains(rag):
    result = rag.service.ask("What is the capital of Australia?")
    assert result.abstained and result.answer == ABSTAIN_TEXT and result.citations == []


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 5000, "\x00\x01"])
def test_bad_questions_are_refused(rag, question):
    with pytest.raises(BadQuestion):
        rag.service.ask(question)


def test_prompt_is_small_and_instructions_come_first(rag):
    rag.service.ask("How many migrants did CBP detain in November?", options=AskOptions(max_passages=3))
    messages = rag.service.llm.prompts[-1]
    assert messages[0]["role"] == "system"
    assert 1 <= messages[1]["content"].count("\n[") <= 3


def test_empty_index_gives_actionable_error(settings):
    rag = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    with pytest.raises(IndexMissing, match="python -m rag ingest"):
        rag.service.ask("Anything?")


def test_followup_is_rewritten_before_retrieval(rag):
    llm = ScriptedLLM(
        lambda m: (
            "How many migrants did CBP detain in November?"
            if "Follow-up" in m[-1]["content"]
            else cite_source_with("242,000")(m)
        )
    )
    rag.service.llm = llm
    history = [
        {"role": "user", "content": "Who detained migrants at the border?"},
        {"role": "assistant", "content": "CBP did [1]."},
    ]
    result = rag.service.ask("How many did they detain?", history)
    assert result.standalone_question == "How many migrants did CBP detain in November?"
    assert "242,000" in result.answer


def _judging(verdict: str):
    """Answers like ``cite_source_with("242,000")`` and replies ``verdict`` to the answer check."""
    answer = cite_source_with("242,000")

    def reply(messages):
        return verdict if "Reply yes or no" in messages[-1]["content"] else answer(messages)

    return ScriptedLLM(reply)


@pytest.mark.parametrize(("verdict", "shown"), [("Yes.", True), ("No, it does not.", False)])
def test_model_check_decides_whether_a_grounded_answer_is_shown(rag, verdict, shown):
    rag.service.llm = _judging(verdict)
    rag.service.settings = rag.settings.model_copy(update={"verify_answers": True})
    result = rag.service.ask("How many migrants did CBP detain on the Mexican border in November?")
    assert result.abstained is not shown
    assert result.verified == (1.0 if shown else 0.0)
    assert ("242,000" in result.answer) is shown and bool(result.citations) is shown
    assert result.withheld_by == (None if shown else "model check")
    # The check continues the answer's own conversation: same prompt, the answer, one question.
    answer_prompt, check_prompt = rag.service.llm.prompts[-2:]
    assert check_prompt[:2] == answer_prompt
    assert check_prompt[2] == {"role": "assistant", "content": result.raw_answer.strip()}


def test_model_check_can_be_switched_off(rag):
    rag.service.llm = _judging("No.")
    rag.service.settings = rag.settings.model_copy(update={"verify_answers": False})
    result = rag.service.ask("How many migrants did CBP detain on the Mexican border in November?")
    assert not result.abstained and result.verified is None
    assert len(rag.service.llm.prompts) == 1


@pytest.mark.parametrize(("sureness", "shown"), [(0.9, True), (0.3, False)])
def test_answer_the_model_wrote_hesitantly_is_withheld(rag, sureness, shown):
    rag.service.llm = ScriptedLLM(cite_source_with("242,000"), sureness=sureness)
    rag.service.settings = rag.settings.model_copy(update={"min_confidence": 0.5, "verify_answers": False})
    result = rag.service.ask("How many migrants did CBP detain on the Mexican border in November?")
    assert result.confidence == sureness
    assert result.abstained is not shown
    assert result.withheld_by == (None if shown else "confidence")


def test_answer_confidence_is_the_weakest_token_but_the_stop():
    from rag.answer.review import answer_confidence

    assert answer_confidence([0.9, 0.4, 0.8, 0.1, 1.0]) == 0.1
    assert answer_confidence([0.9, 0.95, 0.2]) == 0.9  # the stop token does not count
    assert answer_confidence([]) is None
