"""Fact recall against the context budget: how many prompt tokens earn their time.

Every gold question is answered at each budget through the service with
``AskOptions(context_tokens=...)``. The pick is the smallest budget whose recall is
within ``tolerance`` of the best one seen: beyond it, tokens cost seconds and buy nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.common import Question, RecordingLLM, stats
from bench.latency import accuracy, measure


def run(
    service,  # noqa: ANN001 - RagService around ``recorder``
    recorder: RecordingLLM,
    questions: list[Question],
    budgets: list[int],
    progress: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    from rag.service import AskOptions

    results = []
    for budget in budgets:
        rows = []
        for q in questions:
            row = measure(service, recorder, q, AskOptions(context_tokens=budget))
            row.pop("_final", None)
            progress(f"    {budget} {q.id}: recall {row['recall']}, {row['answer_prompt_tokens']} tokens")
            rows.append(row)
        called = [r for r in rows if r["model_called"]]
        result = {
            "context_tokens": budget,
            **accuracy(rows),
            "answer_prompt_tokens": stats([r["answer_prompt_tokens"] for r in called])["mean"],
            "evaluated_tokens": stats([r["evaluated_tokens"] for r in called])["mean"],
            "total_s": stats([r["total_s"] for r in rows]),
            "rows": [{k: r[k] for k in ("id", "recall", "abstained", "total_s")} for r in rows],
        }
        progress(
            f"  budget {budget}: recall {result['recall']:.3f}, refused unanswerable "
            f"{result['abstained_unanswerable']}, p50 {result['total_s']['p50']:.1f}s, "
            f"{result['answer_prompt_tokens']:.0f} prompt tokens"
        )
        results.append(result)
    return results


def pick(results: list[dict[str, Any]], tolerance: float = 0.01) -> int:
    """Smallest budget within ``tolerance`` of the best recall and, among those, of the best
    refusal rate on unanswerable questions: extra tokens must buy one or the other."""

    def recall(r: dict[str, Any]) -> float:
        return r["recall"] or 0.0

    def refused(r: dict[str, Any]) -> float:
        return r["abstained_unanswerable"] or 0.0

    top = max(recall(r) for r in results)
    near = [r for r in results if recall(r) >= top - tolerance]
    best_refusal = max(refused(r) for r in near)
    return min(r["context_tokens"] for r in near if refused(r) >= best_refusal - tolerance)
