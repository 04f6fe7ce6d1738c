"""The checks between the model's reply and what the user sees, in one place.

The service runs them on every answer; ``python -m eval.replay`` runs the very same
function on a finished eval run's raw answers, so a check can be calibrated on both
corpora in seconds instead of re-running the model for half an hour.
"""

from __future__ import annotations

from collections.abc import Mapping

from rag.answer.citations import CheckedAnswer, check_answer, strip_markers
from rag.answer.claims import Known, adds_nothing, also_known, named, vocabulary
from rag.answer.conflicts import other_figures
from rag.answer.dates import with_dates
from rag.answer.lists import more_items
from rag.retrieval.attribution import OutletIndex, articles_of, source_mentions
from rag.types import ArticleMeta, Passage, Retry


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
    outlets: OutletIndex | None = None,
) -> tuple[CheckedAnswer, str | None]:
    """The checked answer and the name of the check that withheld it (None: shown, or a refusal).

    A shown answer also gets every other figure the passages give for what it counts, the
    items other passages add to a list, and the calendar date of each relative day
    ("on Wednesday") by its article's own date.
    """
    sources = source_mentions(question, outlets)
    if sources:  # "According to Gestion, ...": the outlet is the cited article's, not a word of its text
        known = also_known(known, vocabulary(" ".join(name for name, _ in sources)))
    checked = check_answer(raw, passages, support_threshold, question, known)
    if checked.abstained:
        return checked, ("citation check" if checked.sentences else None)
    # The bar a prompt's best passage must clear holds for the passage an answer rests on:
    # a name taken from a sentence unrelated to the question is not its answer.
    cited = {c.n for c in checked.citations}
    if max((p.score for p in passages if p.n in cited), default=1.0) < min_relevance:
        return checked.withheld(), "relevance check"
    asked_of = articles_of(sources)
    if asked_of and not asked_of & {d for c in checked.citations for d in c.doc_ids}:
        return checked.withheld(), "source check"  # true, maybe, but not what that outlet reported
    if confidence is not None and confidence < min_confidence:
        return checked.withheld(), "confidence"
    checked = more_items(question, other_figures(question, checked, passages), passages)
    return with_dates(checked, passages, articles or {}), None


def retry_reason(raw: str, question: str, withheld_by: str | None) -> Retry | None:
    """Why a withheld reply is worth asking again under the other instructions (None: it is not).

    "restated": the reply only restates the question ("The Secretary of Homeland Security took
    part [2]"); the other wording, brief or not, often names the answer. "unsure": the model
    wrote a token of it with low probability. Other withheld replies name something the
    passages do not back; asked again, the model mostly names another wrong thing (README
    "Evaluation").
    """
    if withheld_by == "citation check" and adds_nothing(strip_markers(raw), question):
        return "restated"
    if withheld_by == "confidence":
        return "unsure"
    return None


def take_second(reason: Retry, first_raw: str, second_raw: str, second: CheckedAnswer, question: str) -> bool:
    """Whether the second reply is shown: it passed every check, it names something itself (a
    bare "[2]" would be shown as its passage, which answered nothing the first time either),
    and, where the first was only unsure, it names something the first named too ("Trump
    [1]", then "... Donald Trump [1]"). Two wordings agreeing is evidence; one confident reply
    after an unsure one is not."""
    names = named(strip_markers(second_raw), question)
    if second.abstained or not names:
        return False
    return reason == "restated" or bool(names & named(strip_markers(first_raw), question))
