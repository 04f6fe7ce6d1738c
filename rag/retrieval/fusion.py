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


def rrf_top(
    rankings: Sequence[Sequence[Hashable]], n: int, k: int = 60, keep_first: int = 1
) -> list[tuple[Hashable, float]]:
    """The ``n`` best of :func:`rrf`, except that each ranking's first ``keep_first`` items stay.

    A chunk that one scorer ranks first and the other ranks below its candidate list gets
    half of a shared item's fused score, so a sentence that repeats the question's words
    ("admitted an increase in migrants from Venezuela, Haiti, Cuba, and Ecuador") fell out
    of the context behind chunks both scorers found middling. Kept items replace the
    lowest-scoring others, so the result is still ``n`` items in fused order.
    """
    fused = rrf(rankings, k)
    top = fused[:n]
    kept = {item for ranking in rankings for item in ranking[:keep_first]}
    missing = [(item, s) for item, s in fused[n:] if item in kept]
    for pair in missing:
        spare = [i for i, (item, _) in enumerate(top) if item not in kept]
        if not spare:
            break
        del top[spare[-1]]
        top.append(pair)
    return top
