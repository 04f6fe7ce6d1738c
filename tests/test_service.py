"""The service over a real (temporary) Chroma index, with a fake embedder and generator."""

import math

import pytest

from rag.answer.prompt import BRIEF_SYSTEM, SYSTEM
from rag.errors import BadQuestion, IndexMissing
from rag.factory import build
from rag.retrieval.filters import Filters
from rag.service import AskOptions
from rag.types import ABSTAIN_TEXT, Answer
from tests.conftest import rebuilt
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
    stream = rag.service.stream("How many migrants did CBP detain in November?")
    pieces = list(stream)
    assert pieces and all(isinstance(p, str) for p in pieces) and isinstance(stream.answer, Answer)
    assert "".join(pieces).strip().startswith(stream.answer.answer.split(" [")[0][:20])
    assert stream.answer.citations and stream.answer is stream.answer  # read once drained, not asked again


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
    rag = rebuilt(rag, llm)
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
    rag = rebuilt(rag, _judging(verdict), verify_answers=True)
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
    rag = rebuilt(rag, _judging("No."), verify_answers=False)
    result = rag.service.ask("How many migrants did CBP detain on the Mexican border in November?")
    assert not result.abstained and result.verified is None
    assert len(rag.service.llm.prompts) == 1


def _confidences(rag, reply, *sureness):
    """The calibrated confidence of ``reply`` written at each of these token probabilities."""
    out = []
    for sure in sureness:
        out.append(rebuilt(rag, ScriptedLLM(reply, sureness=sure)).service.ask(CBP_Q).confidence)
    return out


def test_the_calibrated_confidence_withholds_an_answer_the_model_wrote_hesitantly(rag):
    reply = cite_source_with("242,000")
    hesitant, sure = _confidences(rag, reply, 0.05, 0.95)
    assert 0 < hesitant < sure < 1  # the packaged calibration weighs the model's own certainty
    threshold = (hesitant + sure) / 2
    for sureness, shown in ((0.95, True), (0.05, False)):
        llm = ScriptedLLM(reply, sureness=sureness)
        result = rebuilt(rag, llm, answer_threshold=threshold, retry_answers=False).service.ask(CBP_Q)
        assert result.abstained is not shown and result.withheld_by == (None if shown else "confidence")
        assert result.threshold == threshold and "242,000" in result.candidate
        # Which token the model was unsure of is reported with the answer, and what was weighed.
        assert "".join(result.tokens) == result.raw_answer and len(result.tokens) == len(result.token_probs)
        assert result.features["min token logprob"] == pytest.approx(math.log(sureness))
        assert result.missing_signals == []
        if not shown:  # withheld: the closest passages come with it, as evidence only
            assert result.citations == [] and result.evidence and "242,000" in result.evidence[0].quote


def test_a_backend_without_token_probabilities_says_so_and_is_scored_without_them(rag):
    result = rebuilt(rag, ScriptedLLM(cite_source_with("242,000"))).service.ask(CBP_Q)
    assert result.confidence is not None and result.features["min token logprob"] is None
    assert "min token logprob" in result.missing_signals


CBP_Q = "How many migrants did CBP detain on the Mexican border in November?"


def _by_instructions(plain: str | None, brief: str | None):
    """Replies one way under the plain instructions, another under the brief ones (None: cite 242,000)."""
    cite = cite_source_with("242,000")

    def reply(messages):
        text = brief if messages[0]["content"] == BRIEF_SYSTEM else plain
        return cite(messages) if text is None else text

    return reply


def test_a_reply_that_restates_the_question_is_asked_again_under_the_other_instructions(rag):
    restating = _by_instructions("CBP detained migrants on the Mexican border in November [1].", None)
    rag = rebuilt(rag, ScriptedLLM(restating))
    stream = rag.service.stream(CBP_Q)
    pieces = list(stream)
    result = stream.answer
    assert not result.abstained and "242,000" in result.answer and result.withheld_by is None
    assert result.retry == "restated"
    assert [(a.brief, a.withheld_by) for a in result.attempts] == [(False, "answer kind"), (True, None)]
    assert result.raw_answer == result.attempts[1].raw_answer
    # Both drafts stream; the checked answer is the last word.
    assert "".join(pieces).startswith("CBP detained") and "242,000" in "".join(pieces)
    first, second = rag.service.llm.prompts
    assert (first[0]["content"], second[0]["content"]) == (SYSTEM, BRIEF_SYSTEM) and first[1] == second[1]
    assert result.prompt_tokens == sum(len(m["content"].split()) for p in (first, second) for m in p)


@pytest.mark.parametrize(("second_sureness", "shown"), [(0.9, True), (0.1, False)])
def test_an_unsure_answer_is_shown_only_if_the_second_reply_agrees_and_passes(rag, second_sureness, shown):
    low, high = _confidences(rag, _by_instructions(None, None), 0.1, 0.9)
    sure = lambda m: second_sureness if m[0]["content"] == BRIEF_SYSTEM else 0.1  # noqa: E731
    llm = ScriptedLLM(_by_instructions(None, None), sureness=sure)
    result = rebuilt(rag, llm, min_confidence=0.5, answer_threshold=(low + high) / 2).service.ask(CBP_Q)
    assert result.retry == "unsure" and len(result.attempts) == 2
    assert result.attempts[0].withheld_by == "confidence"
    assert result.abstained is not shown
    # The figures of the reply whose outcome is shown.
    assert result.features["min token logprob"] == pytest.approx(math.log(0.9 if shown else 0.1))


def test_asking_again_can_be_switched_off(rag):
    restating = _by_instructions("CBP detained migrants on the Mexican border in November [1].", None)
    rag = rebuilt(rag, ScriptedLLM(restating), retry_answers=False)
    result = rag.service.ask(CBP_Q)
    assert result.abstained and result.retry is None and len(result.attempts) == 1
    assert len(rag.service.llm.prompts) == 1


UNDATED = {"000_28062022011ac162", "003_1223d51fc53dc40e"}  # Gestion names its outlet; 003 nothing


def test_a_filtered_question_gets_its_full_budget_from_the_allowed_articles(rag):
    question = "How many migrants did CBP detain on the Mexican border in November?"
    opts = AskOptions(top_k=8, max_passages=4)
    plain, _ = rag.service.retrieve(question, opts)
    assert sum(h.chunk.doc_id in UNDATED for h in plain) < 8  # dropping the rest afterwards falls short

    # Both undated seeds, chosen by id: top_k chunks and max_passages passages, all from them.
    chosen = AskOptions(top_k=8, max_passages=4, filters=Filters(articles=sorted(UNDATED)))
    result = rag.service.ask(question, options=chosen)
    hits, _ = rag.service.retrieve(question, chosen)
    assert len(hits) == 8 and {h.chunk.doc_id for h in hits} <= UNDATED
    assert len(result.passages) == 4
    assert {d for p in result.passages for d in p.doc_ids} <= UNDATED
    assert set(result.retrieved) == UNDATED
    assert {d for c in result.citations for d in c.doc_ids} == {"000_28062022011ac162"}
    prompt = rag.service.llm.prompts[-1][-1]["content"]
    assert prompt.count("\n[") == 4 and "242,000" in prompt


def test_a_date_filter_keeps_the_answer_to_articles_of_those_days(rag):
    rag = rebuilt(rag, ScriptedLLM(cite_source_with("agreement")))
    opts = AskOptions(filters=Filters(since="2023-12-29"))
    result = rag.service.ask("What agreement was reached about the border crossings?", options=opts)
    assert result.retrieved == ["004_3f19723b59c844a4"]
    assert not result.abstained and {c.doc_id for c in result.citations} == {"004_3f19723b59c844a4"}
    assert all(c.date == "2023-12-29" for c in result.citations)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(sources=["Foo"]), "No article is from outlet 'Foo'. Known outlets: Gestion."),
        (Filters(since="2024-01-01"), "No article is dated on or after 2024-01-01."),
        (Filters(articles=["nope"]), "No article has the id 'nope'"),
    ],
)
def test_an_impossible_filter_is_refused_before_the_model_runs(rag, filters, message):
    history = [{"role": "user", "content": "Who met?"}, {"role": "assistant", "content": "Blinken [1]."}]
    with pytest.raises(BadQuestion) as err:
        rag.service.ask("When did they meet?", history, AskOptions(filters=filters))  # would be rewritten
    assert str(err.value).startswith(message)
    assert rag.service.llm.prompts == []


GESTION = "000_28062022011ac162"  # the one seed whose outlet is known ("Source: Gestion")


def test_an_answer_from_another_outlet_than_the_one_named_is_withheld(rag):
    # Only 003 gives a yearly count of crossings; Gestion gives November's detentions.
    rag = rebuilt(rag, ScriptedLLM(cite_source_with("2.4 million")))
    result = rag.service.ask(
        "According to Gestion, how many border crossings were there in the previous year?"
    )
    assert "2.4 million" in result.raw_answer and GESTION not in result.passages[0].doc_ids
    assert result.abstained and result.withheld_by == "source check"

    result = rag.service.ask("How many border crossings were there in the previous financial year?")
    assert not result.abstained and "2.4 million" in result.answer  # no outlet named: shown


def test_an_answer_citing_the_outlet_named_is_shown(rag):
    result = rag.service.ask("According to Gestion, how many migrants did CBP detain in November?")
    assert not result.abstained and "242,000" in result.answer
    assert GESTION in {d for c in result.citations for d in c.doc_ids}
