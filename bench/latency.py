"""Answer latency over the gold questions, split into where the time goes.

Each question runs through ``RagService.stream`` exactly as the UI calls it. The
model calls are recorded (``RecordingLLM``), so llama.cpp's own clocks give the
prompt-evaluation and generation parts; retrieval and rewriting come from the
answer's timings, and whatever is left (citation checks, Python) is "other".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.common import Call, Question, RecordingLLM, fact_recall, stats
from rag.types import Answer

Replay = Callable[[list[int], int], dict[str, Any]]


def is_answer_call(call: Call) -> bool:
    """The answer call is the one whose system message is the fixed answer prompt."""
    from rag.answer.prompt import SYSTEM

    return bool(call.messages) and call.messages[0]["content"] == SYSTEM


def ask_timed(service, q: Question, options=None) -> tuple[Answer, float, float]:  # noqa: ANN001
    """(answer, seconds to the first streamed text, seconds in all) as a user would see them."""
    t0 = time.perf_counter()
    first = None
    stream = service.stream(q.question, q.history or None, options)
    for _ in stream:
        if first is None:
            first = time.perf_counter() - t0
    result = stream.answer
    total = time.perf_counter() - t0
    return result, (first if first is not None else total), total


def measure(service, recorder: RecordingLLM, q: Question, options=None) -> dict[str, Any]:  # noqa: ANN001
    """One question: the answer, its recall, and the time split (``options``: AskOptions)."""
    recorder.take()
    answer, first_s, total_s = ask_timed(service, q, options)
    calls = recorder.take()
    final = next((c for c in reversed(calls) if is_answer_call(c)), None)
    t = answer.timings
    row: dict[str, Any] = {
        "id": q.id,
        "answerable": q.answerable,
        "followup": bool(q.history),
        "answer": answer.answer,
        "abstained": answer.abstained,
        "recall": fact_recall(answer.answer, q.answers) if q.answerable else None,
        "total_s": total_s,
        "first_token_s": first_s,
        "rewrite_s": t.rewrite_s,
        "retrieval_s": t.retrieval_s,
        "model_called": final is not None,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "prompt_eval_s": final.usage.prompt_eval_s if final else 0.0,
        "generation_s": final.usage.eval_s if final else 0.0,
        "answer_prompt_tokens": final.usage.prompt_tokens if final else 0,
        "cached_tokens": final.usage.cached_tokens if final else 0,
        "evaluated_tokens": (final.usage.prompt_tokens - final.usage.cached_tokens) if final else 0,
    }
    model_s = row["rewrite_s"] + row["prompt_eval_s"] + row["generation_s"]
    row["other_s"] = max(0.0, total_s - model_s - row["retrieval_s"])
    row["_final"] = final
    return row


def run_one(
    service,  # noqa: ANN001 - RagService built around ``recorder``
    recorder: RecordingLLM,
    q: Question,
    replay: Replay | None = None,
    tokens_of: Callable[[Call], list[int]] | None = None,
) -> dict[str, Any]:
    """One question; with ``replay``, its final prompt is re-run through llama.cpp alone
    right after ours, so both see the same moment's load on the cores."""
    row = measure(service, recorder, q)
    final = row.pop("_final")
    if replay and final is not None and tokens_of is not None:
        raw = replay(tokens_of(final), max(1, final.usage.completion_tokens))
        # Same tokens in, same text out: the replay did the same work as our call.
        row["raw_same_text"] = raw.pop("raw_text", "").strip() == final.text.strip()
        row.update(raw)
        row["overhead"] = row["total_s"] / raw["raw_total_s"] if raw["raw_total_s"] else None
    return row


def describe(row: dict[str, Any]) -> str:
    text = f"{row['id']}: {row['total_s']:.1f}s"
    if row.get("model_called", True) and "answer_prompt_tokens" in row:
        text += f", {row['answer_prompt_tokens']} prompt ({row['cached_tokens']} cached)"
    if "raw_total_s" in row:
        text += f", llama.cpp alone {row['raw_total_s']:.1f}s"
    return text + f", recall {row['recall']}, refused {row['abstained']}"


_SPLIT = ("total_s", "first_token_s", "rewrite_s", "retrieval_s", "prompt_eval_s", "generation_s", "other_s")
_TOKENS = ("prompt_tokens", "answer_prompt_tokens", "evaluated_tokens", "cached_tokens", "completion_tokens")


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Percentiles of each part; parts that did not happen (no model call) are left out."""
    called = [r for r in rows if r["model_called"]]
    out: dict[str, Any] = {"n": len(rows), "model_called": len(called)}
    for key in _SPLIT:
        pool = called if key in ("prompt_eval_s", "generation_s") else rows
        if key == "rewrite_s":
            pool = [r for r in rows if r["followup"]]
        out[key] = stats([r[key] for r in pool])
    for key in _TOKENS:
        out[key] = stats([r[key] for r in (called if key != "prompt_tokens" else rows)])
    out.update(accuracy(rows))
    replayed = [r for r in called if r.get("raw_total_s")]
    if replayed:
        out["overhead"] = {
            "n": len(replayed),
            "ratio_of_totals": sum(r["total_s"] for r in replayed) / sum(r["raw_total_s"] for r in replayed),
            "per_question": stats([r["overhead"] for r in replayed]),
            "raw_total_s": stats([r["raw_total_s"] for r in replayed]),
            "raw_first_token_s": stats([r["raw_first_token_s"] for r in replayed]),
            "raw_cached_tokens": stats([r["raw_cached_tokens"] for r in replayed]),
            "same_text": sum(bool(r.get("raw_same_text")) for r in replayed),
        }
    return out


def accuracy(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Mean fact recall on answerable questions; how often each kind was refused."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    return {
        "recall": _mean([r["recall"] for r in answerable]),
        "abstained_unanswerable": _mean([float(r["abstained"]) for r in unanswerable]),
        "abstained_answerable": _mean([float(r["abstained"]) for r in answerable]),
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
