"""The checks an answer passes before it is shown, under one contract, listed in one place.

Grounding comes first (rag.answer.citations): every sentence shown must be backed by the
passage it cites, so a reply with no such sentence has nothing to show. What is left is a
*candidate*. Each check below looks at one thing about it and returns a :class:`Verdict`
when it fires. A check marked ``veto`` withholds the candidate whatever its confidence;
one that is not is only a signal. The calibrated confidence (rag.answer.confidence)
decides about every candidate no veto stopped. Every check can be switched off by name
(``RAG_DISABLED_CHECKS``), and ``python -m eval.replay --disable NAME`` measures what
removing it changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

from rag.answer.citations import CheckedAnswer
from rag.answer.claims import (
    adds_nothing,
    answer_kind,
    figure_of_other_period,
    has_kind,
    off_topic,
    only_qualifiers,
    other_period,
)
from rag.errors import BadSetting
from rag.retrieval.attribution import OutletIndex, articles_of, source_mentions
from rag.text.vocabulary import strip_markers
from rag.types import ArticleMeta, Attempt, Passage

# The name a withheld answer gives when no single check withheld it: its confidence was too low.
CONFIDENCE = "confidence"
# Grounding: no sentence of the reply is stated by the passage it cites (rag.answer.citations).
GROUNDING = "citation check"
# The model's own yes/no check of a shown answer (RAG_VERIFY_ANSWERS), run after the others.
MODEL_CHECK = "model check"


@dataclass(frozen=True)
class Verdict:
    """A check that fired: its name, whether it withholds the answer by itself, and why."""

    name: str
    veto: bool
    detail: str = ""


@dataclass
class Candidate:
    """What every check may look at: the question, the prompt's passages, the model's reply
    and the grounded answer that would be shown."""

    question: str
    passages: list[Passage]
    attempt: Attempt
    checked: CheckedAnswer
    min_relevance: float = 0.0
    outlets: OutletIndex | None = None
    articles: Mapping[str, ArticleMeta] = field(default_factory=dict)

    @cached_property
    def plain(self) -> str:
        """The answer's text without citation markers."""
        return strip_markers(self.checked.text)

    @cached_property
    def cited(self) -> list[Passage]:
        by_n = {p.n: p for p in self.passages}
        return [by_n[c.n] for c in self.checked.citations if c.n in by_n]

    @cached_property
    def cited_texts(self) -> list[str]:
        return [p.text for p in self.cited]

    @cached_property
    def sources(self) -> list[tuple[str, frozenset[str]]]:
        """The outlets the question names as its sources ("according to Gestion")."""
        return source_mentions(self.question, self.outlets)


class Check(ABC):
    """One test of a candidate. Subclasses set ``name`` (and ``veto``) and define ``check``."""

    name: ClassVar[str]
    # A veto withholds the candidate whatever its confidence. Every check here is one: each was
    # right whenever it fired, on every development corpus (docs/answer-checks.md). A check that
    # is not would be demoted to a feature of the confidence (veto = False) or deleted.
    veto: ClassVar[bool] = True

    @abstractmethod
    def check(self, candidate: Candidate) -> Verdict | None:
        """A verdict when the check fires on ``candidate``; None when it passes."""

    def fires_if(self, condition: bool, detail: str = "") -> Verdict | None:
        return Verdict(self.name, self.veto, detail) if condition else None


class AnswerKind(Check):
    """A "when" question answered without a time, a "who" question without a new name."""

    name = "answer kind"

    def check(self, c: Candidate) -> Verdict | None:
        return self.fires_if(not has_kind(c.plain, answer_kind(c.question), c.question))


class Restates(Check):
    """The answer only restates the question ("The broadcaster reproduced his statements [3].")."""

    name = "restates question"

    def check(self, c: Candidate) -> Verdict | None:
        return self.fires_if(adds_nothing(c.plain, c.question))


class OffTopic(Check):
    """The cited passages share no content word with the question."""

    name = "off topic"

    def check(self, c: Candidate) -> Verdict | None:
        return self.fires_if(off_topic(c.question, c.cited_texts))


class OtherPeriod(Check):
    """The question asks about a month the cited passages do not name while they name others,
    or the answer's figure is given for another month than the one asked about."""

    name = "other period"

    def check(self, c: Candidate) -> Verdict | None:
        return self.fires_if(
            other_period(c.question, c.cited_texts)
            or figure_of_other_period(c.question, c.plain, c.cited_texts)
        )


class QualifierOnly(Check):
    """Every name the answer adds stands in the cited passages only in brackets ("Coahuila")."""

    name = "qualifier only"

    def check(self, c: Candidate) -> Verdict | None:
        return self.fires_if(only_qualifiers(c.plain, c.question, c.cited_texts))


class Relevance(Check):
    """Every cited passage scores below the bar a prompt's best passage must clear."""

    name = "relevance check"

    def check(self, c: Candidate) -> Verdict | None:
        return self.fires_if(max((p.score for p in c.cited), default=1.0) < c.min_relevance)


class Source(Check):
    """The question names outlets as its sources and the answer cites none of their articles:
    true, maybe, but not what that outlet reported."""

    name = "source check"

    def check(self, c: Candidate) -> Verdict | None:
        asked_of = articles_of(c.sources)
        return self.fires_if(bool(asked_of) and not asked_of & {d for p in c.cited for d in p.doc_ids})


# Every check, in the order they run.
CHECKS: tuple[Check, ...] = (
    AnswerKind(),
    Restates(),
    OffTopic(),
    OtherPeriod(),
    QualifierOnly(),
    Relevance(),
    Source(),
)
CHECK_NAMES: tuple[str, ...] = tuple(c.name for c in CHECKS)
# Every name ``withheld_by`` can hold.
WITHHELD_BY: tuple[str, ...] = (GROUNDING, *CHECK_NAMES, CONFIDENCE, MODEL_CHECK)


def disabled_checks(names: Iterable[str]) -> frozenset[str]:
    """The checks ``names`` switches off (RAG_DISABLED_CHECKS); a name of no check is refused.

    A misspelt name would otherwise leave the check on without a word.
    """
    unknown = [n for n in names if n not in CHECK_NAMES]
    if unknown:
        raise BadSetting(
            f"invalid setting: RAG_DISABLED_CHECKS: no check named {', '.join(map(repr, unknown))}; "
            f"the checks: {', '.join(CHECK_NAMES)}"
        )
    return frozenset(names)


def run_checks(candidate: Candidate, disabled: frozenset[str] = frozenset()) -> list[Verdict]:
    """The verdicts of every enabled check that fires on ``candidate``."""
    return [v for c in CHECKS if c.name not in disabled and (v := c.check(candidate)) is not None]
