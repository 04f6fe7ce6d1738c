"""What a real-model test asserts about a generated answer: the fact, matched as the eval
matches it (eval/metrics.py: case, accents, punctuation and 1,000s separators folded, whole
words), never the model's exact wording."""

from __future__ import annotations

from eval.metrics import match_fact


def states(text: str, *aliases: str) -> bool:
    """``text`` states the fact: one of its ``aliases``, as whole words after normalisation."""
    return match_fact(text, list(aliases)) is not None


def quoting(citations: list, *aliases: str) -> list:
    """The citations whose quoted sentence states the fact (records or the API's dicts)."""
    return [c for c in citations if states(c["quote"] if isinstance(c, dict) else c.quote, *aliases)]
