"""The latency bench's bookkeeping, over a real Chroma index with fake models."""

import pytest

from bench.common import Question, RecordingLLM, stats
from bench.latency import accuracy, describe, is_answer_call, run_one, summarize
from rag.factory import build
from rag.types import ABSTAIN_TEXT
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with

GOLD = [
    Question("cbp", "How many migrants did CBP detain on the Mexican border in November?", [], [["242,000"]]),
    Question("capital", "What is the capital of Australia?", [], [], answerable=False),
    Question(
        "followup",
        "And how many did they detain in November?",
        [
            {"role": "user", "content": "What did CBP report about the border?"},
            {"role": "assistant", "content": "CBP reported record crossings."},
        ],
        [["242,000"]],
    ),
]


@pytest.fixture
def rag(settings, seeds_copy):
    recorder = RecordingLLM(ScriptedLLM(cite_source_with("242,000")))
    rag = build(settings, llm=recorder, embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds_copy)
    return rag, recorder


def test_recording_llm_passes_text_through_and_keeps_each_call(rag):
    rag, recorder = rag
    result = rag.service.ask(GOLD[0].question)
    calls = recorder.take()
    assert len(calls) == 1 and is_answer_call(calls[0])
    assert calls[0].usage.completion_tokens == result.completion_tokens > 0
    assert recorder.take() == []


def test_answered_question_has_a_consistent_time_split(rag):
    rag, recorder = rag
    row = run_one(rag.service, recorder, GOLD[0])
    assert row["model_called"] and not row["abstained"] and row["recall"] == 1.0
    assert 0 < row["first_token_s"] <= row["total_s"]
    parts = (
        row["rewrite_s"] + row["retrieval_s"] + row["prompt_eval_s"] + row["generation_s"] + row["other_s"]
    )
    assert parts == pytest.approx(row["total_s"], abs=1e-6)
    assert row["answer_prompt_tokens"] == row["prompt_tokens"] > 0


def test_refusal_without_a_model_call_is_counted_as_such(rag):
    rag, recorder = rag
    row = run_one(rag.service, recorder, GOLD[1], replay=lambda tokens, n: pytest.fail("no model call"))
    assert row["answer"] == ABSTAIN_TEXT and row["abstained"]
    assert not row["model_called"] and row["recall"] is None and "overhead" not in row


def test_followup_rewrite_is_recorded_apart_from_the_answer_call(rag):
    rag, recorder = rag
    row = run_one(rag.service, recorder, GOLD[2])
    assert row["followup"] and row["rewrite_s"] > 0
    # The rewrite's prompt counts in the answer's total but not in the answer call's.
    assert row["prompt_tokens"] > row["answer_prompt_tokens"]


def test_replay_gets_the_final_prompt_and_its_length_and_yields_the_ratio(rag):
    rag, recorder = rag
    model_text = rag.service.ask(GOLD[0].question).raw_answer
    seen = []

    def replay(tokens, n):
        seen.append((tokens, n))
        return {
            "raw_text": model_text,
            "raw_total_s": 0.5,
            "raw_first_token_s": 0.1,
            "raw_completion_tokens": n,
            "raw_cached_tokens": 0,
        }

    row = run_one(rag.service, recorder, GOLD[0], replay, tokens_of=lambda call: [len(call.messages)])
    assert seen == [([2], row["completion_tokens"])]
    assert row["raw_same_text"] and "raw_text" not in row
    assert row["overhead"] == pytest.approx(row["total_s"] / 0.5)
    assert "llama.cpp alone 0.5s" in describe(row)


def test_replay_that_generates_other_text_is_flagged(rag):
    rag, recorder = rag
    raw = {"raw_text": "something else", "raw_total_s": 1.0, "raw_first_token_s": 0.1, "raw_cached_tokens": 0}
    row = run_one(rag.service, recorder, GOLD[0], lambda t, n: dict(raw), tokens_of=lambda call: [1])
    assert row["raw_same_text"] is False


def _row(i, total, answerable=True, abstained=False, recall=1.0, called=True, followup=False):
    return {
        "id": str(i),
        "answerable": answerable,
        "followup": followup,
        "abstained": abstained,
        "recall": recall if answerable else None,
        "model_called": called,
        "total_s": total,
        "first_token_s": total / 2,
        "rewrite_s": 1.0 if followup else 0.0,
        "retrieval_s": 0.1,
        "prompt_eval_s": total / 2 if called else 0.0,
        "generation_s": 0.2 if called else 0.0,
        "other_s": 0.01,
        "prompt_tokens": 100,
        "answer_prompt_tokens": 100 if called else 0,
        "evaluated_tokens": 40 if called else 0,
        "cached_tokens": 60 if called else 0,
        "completion_tokens": 10 if called else 0,
    }


def test_summary_leaves_out_parts_that_did_not_happen():
    rows = [
        _row(1, 2.0),
        _row(2, 4.0, recall=0.5),
        _row(3, 0.2, answerable=False, abstained=True, called=False),
    ]
    rows.append(_row(4, 6.0, followup=True))
    out = summarize(rows)
    assert out["n"] == 4 and out["model_called"] == 3
    assert out["total_s"]["p50"] == pytest.approx(3.0)
    assert out["prompt_eval_s"]["n"] == 3  # the refusal made no model call
    assert out["rewrite_s"]["n"] == 1
    assert out["cached_tokens"]["p50"] == 60
    assert "overhead" not in out


def test_overhead_summary_is_total_over_llama_alone():
    rows = [_row(1, 2.0), _row(2, 3.0)]
    for row, raw in zip(rows, (1.0, 2.0)):
        row.update(
            raw_total_s=raw, raw_first_token_s=0.5, raw_cached_tokens=60, overhead=row["total_s"] / raw
        )
    over = summarize(rows)["overhead"]
    assert over["ratio_of_totals"] == pytest.approx(5.0 / 3.0)
    assert over["per_question"]["p50"] == pytest.approx((2.0 + 1.5) / 2)


def test_accuracy_separates_answerable_and_unanswerable():
    rows = [
        _row(1, 1.0, recall=1.0),
        _row(2, 1.0, recall=0.0, abstained=True),
        _row(3, 1.0, answerable=False, abstained=True),
        _row(4, 1.0, answerable=False, abstained=False),
    ]
    assert accuracy(rows) == {"recall": 0.5, "abstained_unanswerable": 0.5, "abstained_answerable": 0.5}


def test_stats_of_an_empty_sample_is_none_not_an_error():
    assert stats([]) == {"n": 0, "p50": None, "p95": None, "mean": None}
    assert stats([1.0, 2.0, 3.0, 4.0])["p50"] == 2.5


def test_recording_llm_passes_load_through_to_the_model_it_wraps():
    class Counting(ScriptedLLM):
        loads = 0

        def load(self) -> None:
            self.loads += 1

    inner = Counting(lambda messages: "x")
    RecordingLLM(inner).load()
    assert inner.loads == 1
