"""Reciprocal rank fusion: rank lists from different scorers merged without calibrating scores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence


def rrf(rankings: Sequence[Sequence[Hashable]], k: int = 60) -> list[tuple[Hashable, float]]:
    """Items of all ``rankings`` by sum of 1/(k + rank), best first; ties keep first-seen order."""
    scores: dict[Hashable, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] += 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
