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
