"""The checks between the model's reply and what the user sees, in one place.

The service runs them on every answer; ``python -m eval.replay`` runs the very same
function on a finished eval run's raw answers, so a check can be calibrated on both
corpora in seconds instead of re-running the model for half an hour.
"""

from __future__ import annotations

from collections.abc import Mapping

from rag.answer.citations import CheckedAnswer, check_answer
from rag.answer.claims import Known
from rag.answer.conflicts import other_figures
from rag.answer.dates import with_dates
from rag.answer.lists import more_items
from rag.types import ArticleMeta, Passage


def answer_confidence(token_probs: list[float]) -> float | None:
    """The lowest probability the model gave any token of its answer (None: not reported).

    Where the model hesitated between an answer and a refusal, or between two names, the
    top token's probability drops. On both eval corpora this separated right answers from
    wrong ones better than asking the model afterwards (README "Evaluation").
    """
    written = token_probs[:-1] if len(token_probs) > 1 else token_probs  # the last one is the stop
    return min(written) if written else None


def review(
    raw: str,
    passages: list[Passage],
    question: str,
    confidence: float | None,
    *,
    support_threshold: float,
    min_confidence: float,
    known: Known,
    min_relevance: float = 0.0,
    articles: Mapping[str, ArticleMeta] | None = None,
) -> tuple[CheckedAnswer, str | None]:
    """The checked answer and the name of the check that withheld it (None: shown, or a refusal).

    A shown answer also gets every other figure the passages give for what it counts, the
    items other passages add to a list, and the calendar date of each relative day
    ("on Wednesday") by its article's own date.
    """
    checked = check_answer(raw, passages, support_threshold, question, known)
    if checked.abstained:
        return checked, ("citation check" if checked.sentences else None)
    # The bar a prompt's best passage must clear holds for the passage an answer rests on:
    # a name taken from a sentence unrelated to the question is not its answer.
    cited = {c.n for c in checked.citations}
    if max((p.score for p in passages if p.n in cited), default=1.0) < min_relevance:
        return checked.withheld(), "relevance check"
    if confidence is not None and confidence < min_confidence:
        return checked.withheld(), "confidence"
    checked = more_items(question, other_figures(question, checked, passages), passages)
    return with_dates(checked, passages, articles or {}), None
