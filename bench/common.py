"""Pieces every bench section shares: percentiles, the machine's load, gold questions,
and an LLM wrapper that records each model call so a run can say where the time went."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.components.llm import LLM, Message, Usage

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "eval" / "gold.jsonl"


def stats(values: list[float]) -> dict[str, float | int | None]:
    """p50/p95/mean of a sample (None when it is empty), with its size: eval's own definitions."""
    from eval.metrics import mean, percentile

    p50, p95 = percentile(values, 50), percentile(values, 95)
    return {"n": len(values), "p50": p50, "p95": p95, "mean": mean(values)}


def machine() -> dict[str, Any]:
    """What the figures were measured on; load average says how shared the cores were."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


class Clock:
    """``with Clock() as c: ...`` then ``c.s`` (seconds) and the load average around it."""

    def __enter__(self) -> Clock:
        self.load_before = os.getloadavg()[0]
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self._t0
        self.load_after = os.getloadavg()[0]


@dataclass
class Question:
    """The part of a gold item the bench needs (eval.gold owns the schema)."""

    id: str
    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    answers: list[list[str]] = field(default_factory=list)
    answerable: bool = True


def load_questions(path: Path, limit: int | None = None, stride: int = 1, offset: int = 0) -> list[Question]:
    """Gold questions through eval.gold, so the bench and the eval read one file one way."""
    from eval.gold import load_gold

    items = [
        Question(
            id=g.id,
            question=g.question,
            history=[t.model_dump() for t in g.history],
            answers=g.answers,
            answerable=g.answerable,
        )
        for g in load_gold(path)
    ][offset::stride]
    return items[:limit] if limit else items


def fact_recall(answer: str, answers: list[list[str]]) -> float:
    from eval.metrics import fact_recall as recall

    return recall(answer, answers)


@dataclass
class Call:
    messages: list[Message]
    max_tokens: int
    usage: Usage
    wall_s: float = 0.0
    text: str = ""


class RecordingLLM(LLM):
    """Passes every call through to ``inner`` and keeps its messages and usage."""

    def __init__(self, inner: LLM) -> None:
        self.inner = inner
        self.calls: list[Call] = []

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        call = Call(messages, max_tokens, usage)
        self.calls.append(call)
        t0 = time.perf_counter()
        parts = []
        for piece in self.inner.stream(messages, max_tokens, usage):
            parts.append(piece)
            yield piece
        call.wall_s = time.perf_counter() - t0
        call.text = "".join(parts)

    def load(self) -> None:
        self.inner.load()

    def take(self) -> list[Call]:
        calls, self.calls = self.calls, []
        return calls
