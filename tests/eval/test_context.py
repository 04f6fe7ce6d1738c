"""eval.context: the model-free measure of what the passages hold."""

from __future__ import annotations

import json

import pytest

from eval.context import context_row, standalone_questions
from eval.gold import GoldItem
from eval.runner import EvalError
from rag.types import Passage, Support

FOLLOWUP = GoldItem(
    id="followup-duration",
    question="How long did they meet?",
    history=[
        {"role": "user", "content": "Where did Blinken meet López Obrador?"},
        {"role": "assistant", "content": "At the National Palace [1]."},
    ],
    answers=[["two hours"]],
    sources=["002"],
    answerable=True,
)


class _Service:
    """Retrieval that finds the meeting's length only when asked who met."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def retrieve(self, question: str):  # noqa: ANN201
        self.asked.append(question)
        text = "They met for two hours." if "Blinken" in question else "Talks were held."
        support = Support(doc_id="002", quote=text, start=0, end=len(text))
        return [], [Passage(n=1, text=text, score=0.5, supports=[support])]


def test_a_followup_is_measured_by_its_rewritten_question(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    rows = [
        {"id": "followup-duration", "history": [{}], "standalone_question": "How long did Blinken meet?"},
        {"id": "fact-x", "history": [], "standalone_question": "Who led it?"},  # not a follow-up
    ]
    (run / "predictions.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (run / "metrics.json").write_text("{}")
    rewritten = standalone_questions(run)
    assert rewritten == {"followup-duration": "How long did Blinken meet?"}

    service = _Service()
    assert context_row(service, FOLLOWUP)["all_facts"] is False  # its own words find nothing
    assert context_row(service, FOLLOWUP, rewritten.get(FOLLOWUP.id))["all_facts"] is True
    assert service.asked == ["How long did they meet?", "How long did Blinken meet?"]


def test_a_folder_that_is_not_a_run_is_refused_clearly(tmp_path):
    with pytest.raises(EvalError, match="not an eval run"):
        standalone_questions(tmp_path)
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / "predictions.jsonl").write_text('{"id": "cut off')
    with pytest.raises(EvalError, match="damaged run output"):
        standalone_questions(tmp_path)
