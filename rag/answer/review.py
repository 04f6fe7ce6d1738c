"""What happens between the model's reply and what the reader sees, in one place.

1. Grounding: every sentence must be stated by the passage it cites (else it is re-pointed
   or left out); a reply with nothing left has nothing to show.
2. The checks (rag.answer.checks) look at what is left, the candidate.
3. One calibrated confidence (rag.answer.confidence) weighs the candidate's signals and the
   checks' verdicts; the candidate is shown if it reaches the threshold for the target
   answer precision and no veto fired.
4. A shown answer also gets every other figure the passages give for what it counts, the
   items other passages add to a list, and the calendar date of each relative day.

The service runs this on every answer; ``python -m eval.replay`` runs the very same code on
a finished run's recorded replies, so a change is measured on every corpus in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field

from rag.answer.checks import CONFIDENCE, GROUNDING, Candidate, Verdict, run_checks
from rag.answer.citations import CheckedAnswer, check_answer
from rag.answer.claims import Known, adds_nothing, also_known, named, vocabulary
from rag.answer.confidence import Calibrator
from rag.answer.conflicts import other_figures
from rag.answer.dates import with_dates
from rag.answer.features import Features, Idf, features, log_prob
from rag.answer.lists import more_items
from rag.retrieval.attribution import OutletIndex, source_mentions
from rag.text.vocabulary import strip_markers
from rag.types import ArticleMeta, Attempt, Passage, Retry

# One reply of the model under the brief (True) or plain instructions, streamed as it is
# written; None where there is none (a replayed run that never asked twice).
Drafter = Callable[[bool], Generator[str, None, "Attempt | None"]]


@dataclass
class ReviewRequest:
    """What one question's replies are reviewed against, in one object (as LlamaIndex's
    ``QueryBundle``): the question the passages were found for, the passages the model
    read, and where its replies come from (the model, or a finished run's records)."""

    question: str
    passages: list[Passage]
    draft: Drafter | None = None  # None: replies are given to ``review`` one by one


@dataclass
class Review:
    """What the review made of one reply."""

    shown: CheckedAnswer  # what the reader gets: the answer, or an abstention
    candidate: CheckedAnswer | None = None  # the grounded answer that was weighed (None: none)
    verdicts: list[Verdict] = field(default_factory=list)
    features: Features = field(default_factory=dict)
    confidence: float | None = None
    threshold: float | None = None
    withheld_by: str | None = None
    missing: list[str] = field(default_factory=list)  # signals the backend did not give


@dataclass
class Reviewer:
    """The review, bound to one library (its vocabulary, IDF, outlets) and one calibration."""

    calibrator: Calibrator
    known: Known
    idf: Idf
    support_threshold: float = 0.5
    min_relevance: float = 0.0
    target_precision: float = 0.95
    answer_threshold: float | None = None  # a fixed threshold instead of the target's
    disabled: frozenset[str] = frozenset()
    articles: Mapping[str, ArticleMeta] = field(default_factory=dict)
    outlets: OutletIndex | None = None

    def review(self, request: ReviewRequest, attempt: Attempt) -> Review:
        question, passages = request.question, request.passages
        known = self.known
        sources = source_mentions(question, self.outlets)
        if sources:  # "According to Gestion, ...": the outlet is the cited article's, not a word of its text
            known = also_known(known, vocabulary(" ".join(name for name, _ in sources)))
        checked = check_answer(attempt.raw_answer, passages, self.support_threshold, question, known)
        if checked.abstained:  # a refusal (no sentences), or nothing the passages state
            return Review(checked, withheld_by=GROUNDING if checked.sentences else None)
        cand = Candidate(
            question, passages, attempt, checked, self.min_relevance, self.outlets, self.articles
        )
        verdicts = run_checks(cand, self.disabled)
        feats = features(cand, self.idf)
        model = self.calibrator.model_for(feats)
        confidence = model.score(feats)
        threshold = self.answer_threshold
        threshold = model.threshold(self.target_precision) if threshold is None else threshold
        veto = next((v.name for v in verdicts if v.veto), None)
        withheld_by = veto or (CONFIDENCE if confidence < threshold else None)
        answer = more_items(question, other_figures(question, checked, passages), passages)
        answer = with_dates(answer, passages, self.articles)
        return Review(
            answer.withheld() if withheld_by else answer,
            answer,
            verdicts,
            feats,
            confidence,
            threshold,
            withheld_by,
            self.calibrator.missing(feats),
        )


def retry_reason(raw: str, question: str, review: Review, min_prob: float) -> Retry | None:
    """Why a withheld reply is worth asking again under the other instructions (None: it is not).

    "restated": the reply only restates the question ("The Secretary of Homeland Security took
    part [2]"); the other wording, brief or not, often names the answer. "unsure": the model
    wrote a token of it with a probability below ``min_prob``. Other withheld replies name
    something the passages do not back; asked again, the model mostly names another wrong
    thing (docs/answer-checks.md).
    """
    if not review.shown.abstained:
        return None
    if adds_nothing(strip_markers(raw), question):
        return "restated"
    weakest = review.features.get("min token logprob")
    if review.withheld_by == CONFIDENCE and weakest is not None and weakest < log_prob(min_prob):
        return "unsure"
    return None


def take_second(reason: Retry, first_raw: str, second_raw: str, second: Review, question: str) -> bool:
    """Whether the second reply is shown: it passed every check, it names something itself (a
    bare "[2]" would be shown as its passage, which answered nothing the first time either),
    and, where the first was only unsure, it names something the first named too ("Trump
    [1]", then "... Donald Trump [1]"). Two wordings agreeing is evidence; one confident reply
    after an unsure one is not."""
    names = named(strip_markers(second_raw), question)
    if second.shown.abstained or not names:
        return False
    return reason == "restated" or bool(names & named(strip_markers(first_raw), question))
