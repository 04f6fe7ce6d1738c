"""The answering service: the one place questions become cited answers.

The UI, the HTTP API, the CLI and the eval harness all call this in-process.
``stream`` holds the only body; ``ask`` drains it.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

from rag.answer.checks import MODEL_CHECK
from rag.answer.citations import citation_for
from rag.answer.confidence import Calibrator
from rag.answer.corroboration import corroborate
from rag.answer.followup import needs_rewrite, rewrite
from rag.answer.prompt import answer_messages, is_brief, verify_messages
from rag.answer.review import Review, Reviewer, ReviewRequest, retry_reason, take_second
from rag.components.llm import LLM, Usage
from rag.errors import BadQuestion, IndexMissing
from rag.retrieval.context import ContextSelector, best_score
from rag.retrieval.filters import Filters, allowed_docs
from rag.retrieval.retriever import Retriever, Snapshot
from rag.settings import Settings
from rag.text.vocabulary import CONTROL_TOKEN
from rag.types import (
    ABSTAIN_TEXT,
    Answer,
    AnswerStream,
    Attempt,
    Citation,
    Hit,
    Passage,
    Retry,
    Timings,
    Turn,
)


@dataclass
class Settled:
    """What the checks made of the model's replies: the review shown, every reply, the one shown."""

    review: Review
    attempts: list[Attempt]
    shown: Attempt
    retry: Retry | None = None


_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")
# DEL, C1 controls and lone surrogates too: JSON can carry "\ud800", which no model can encode.
_CONTROL.update(dict.fromkeys([*range(0x7F, 0xA0), *range(0xD800, 0xE000)]))
# Chat-template control tokens (<|im_start|> ...): llama.cpp would read them as real ones.
_SPECIAL = re.compile(CONTROL_TOKEN)


def _plain(text: str) -> str:
    return _SPECIAL.sub(" ", text.translate(_CONTROL))


@dataclass
class AskOptions:
    """Per-request knobs a user may change without restarting."""

    top_k: int | None = None
    max_passages: int | None = None
    context_tokens: int | None = None
    # Outlets, dates or articles the answer may come from; retrieval searches only inside them.
    filters: Filters | None = None
    # Passages added after selection, for a diagnostic (eval.ceiling adds the gold facts the
    # selection missed); the service's own retrieval and selection run first, unchanged.
    more_passages: Callable[[list[Passage]], list[Passage]] | None = None


def clean_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise BadQuestion("The question must be text.")
    text = " ".join(_plain(question).split())
    if not text:
        raise BadQuestion("The question is empty; type a question about the articles.")
    if len(text) > max_chars:
        raise BadQuestion(
            f"The question is {len(text):,} characters long; the limit is {max_chars:,} "
            "(RAG_MAX_QUESTION_CHARS)."
        )
    return text


def clean_history(history: list | None) -> list[Turn]:
    turns = []
    for turn in history or []:
        turn = turn if isinstance(turn, Turn) else Turn.model_validate(turn)
        turns.append(turn.model_copy(update={"content": _plain(turn.content)}))
    return turns


class RagService:
    def __init__(
        self,
        settings: Settings,
        snapshot: Snapshot,
        retriever: Retriever,
        selector: ContextSelector,
        llm: LLM,
        calibrator: Calibrator,
    ) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.retriever = retriever
        self.selector = selector
        self.llm = llm
        self.calibrator = calibrator

    def ask(self, question: str, history: list | None = None, options: AskOptions | None = None) -> Answer:
        return self.stream(question, history, options).answer

    def stream(
        self, question: str, history: list | None = None, options: AskOptions | None = None
    ) -> AnswerStream:
        """The answer text as it is generated; ``.answer`` is the checked :class:`Answer`.

        Nothing runs until it is iterated (or its answer read): a bad question raises then."""
        return AnswerStream(self._answer(question, history, options or AskOptions()))

    def _answer(self, question: str, history: list | None, opts: AskOptions) -> Generator[str, None, Answer]:
        started = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        turns = clean_history(history)
        # Resolved before any model call, so an impossible filter costs nothing and says why.
        allowed = self.allowed(opts.filters)
        timings = Timings()
        standalone, rewrite_tokens = question, 0
        if self.settings.rewrite_followups and needs_rewrite(question, turns):
            standalone, rewrite_tokens = rewrite(self.llm, question, turns)
            timings.rewrite_s = time.perf_counter() - started

        t0 = time.perf_counter()
        hits = self.retriever.retrieve(standalone, opts.top_k or self.settings.top_k, allowed)
        passages = self.select(standalone, hits, opts)
        timings.retrieval_s = time.perf_counter() - t0
        result = Answer(
            question=question,
            standalone_question=standalone,
            answer=ABSTAIN_TEXT,
            abstained=True,
            retrieved=_doc_ranking(hits),
            passages=passages,
            prompt_tokens=rewrite_tokens,
            timings=timings,
        )
        if passages and best_score(passages) >= self.settings.min_relevance:
            yield from self._generate(standalone, passages, result, started)
        else:
            yield ABSTAIN_TEXT
        if result.abstained:
            result.evidence = evidence(passages, self.settings.evidence_passages)
            corroborate(result.evidence, self.snapshot.articles)
        timings.total_s = time.perf_counter() - started
        return result

    def allowed(self, filters: Filters | None = None) -> frozenset[str] | None:
        """The article ids ``filters`` keeps (None: all); raises if there are none to search."""
        snap = self.snapshot.refresh()
        if not len(snap):
            raise IndexMissing("No articles are indexed yet. Ingest some first: python -m rag ingest seeds/")
        return allowed_docs(filters, snap.articles)

    def retrieve_chunks(
        self, question: str, top_k: int | None = None, filters: Filters | None = None
    ) -> list[Hit]:
        """The fused chunks for ``question``, before sentence selection."""
        return self.retriever.retrieve(question, top_k or self.settings.top_k, self.allowed(filters))

    def retrieve(self, question: str, opts: AskOptions | None = None) -> tuple[list[Hit], list[Passage]]:
        opts = opts or AskOptions()
        hits = self.retrieve_chunks(question, opts.top_k, opts.filters)
        return hits, self.select(question, hits, opts)

    def select(self, question: str, hits: list[Hit], opts: AskOptions) -> list[Passage]:
        """The passages of ``hits`` the model reads, under the (per-request) budget."""
        selector = self.selector
        if opts.max_passages or opts.context_tokens:
            selector = dataclasses.replace(
                selector,
                budget_tokens=opts.context_tokens or selector.budget_tokens,
                max_passages=opts.max_passages or selector.max_passages,
            )
        passages = selector.select(question, hits, self.snapshot.bm25.weight)
        return opts.more_passages(passages) if opts.more_passages else passages

    def reviewer(self) -> Reviewer:
        """The answer review, bound to the library as it is now (its vocabulary and IDF)."""
        s, bm25 = self.settings, self.snapshot.bm25
        weight = bm25.weight
        # A question word no article uses weighs the most: its absence says the most.
        unseen = math.log(1 + (len(bm25) + 0.5) / 0.5)
        return Reviewer(
            self.calibrator,
            known=lambda form: weight(form) > 0,  # a word form the corpus uses has an IDF
            idf=lambda term: weight(term) or unseen,
            support_threshold=s.support_threshold,
            min_relevance=s.min_relevance,
            target_precision=s.target_precision,
            answer_threshold=s.answer_threshold,
            disabled=frozenset(s.disabled_checks),
            articles=self.snapshot.articles,
            outlets=self.snapshot.outlets,
        )

    def review(self, request: ReviewRequest, attempt: Attempt) -> Review:
        """The model-free review of one reply (also replayed by ``python -m eval.replay``);
        ``attempt`` gets its verdict."""
        done = self.reviewer().review(request, attempt)
        attempt.withheld_by, attempt.confidence = done.withheld_by, done.confidence
        attempt.flags = [v.name for v in done.verdicts]
        return done

    def settle(self, request: ReviewRequest) -> Generator[str, None, Settled]:
        """Ask (through ``request.draft``), review, and ask once more under the other
        instructions when :func:`retry_reason` says so. ``eval.replay`` passes a ``draft``
        that returns the recorded replies, so a replayed run decides exactly as the service does."""
        question, draft = request.question, request.draft
        assert draft is not None, "settle asks for replies: the request needs a draft"
        brief = is_brief(question, self.settings.brief_answer_words)
        first = yield from draft(brief)
        done = Settled(self.review(request, first), [first], first)
        reason = retry_reason(first.raw_answer, question, done.review, self.settings.min_confidence)
        if reason and self.settings.retry_answers:
            yield "\n\n"  # the second draft streams after the first; the checked answer replaces both
            second = yield from draft(not brief)
            if second is not None:
                again = self.review(request, second)
                done.attempts.append(second)
                done.retry = reason
                if take_second(reason, first.raw_answer, second.raw_answer, again, question):
                    done.review, done.shown = again, second
        return done

    def _generate(
        self, question: str, passages: list[Passage], result: Answer, started: float
    ) -> Iterator[str]:
        t0 = time.perf_counter()
        usages: dict[bool, Usage] = {}

        def draft(brief: bool) -> Generator[str, None, Attempt]:
            usage = usages[brief] = Usage()
            messages = answer_messages(question, passages, brief)
            raw = yield from _collect(self.llm.stream(messages, self.settings.max_tokens, usage))
            return Attempt(
                raw_answer=raw,
                brief=brief,
                tokens=usage.tokens,
                token_probs=[round(p, 4) for p in usage.token_probs],
                first_top=[(t, round(p, 4)) for t, p in usage.first_top],
            )

        done = yield from self.settle(ReviewRequest(question, passages, draft))
        review, shown = done.review, done.shown
        result.attempts, result.retry = done.attempts, done.retry
        result.raw_answer, result.withheld_by = shown.raw_answer, review.withheld_by
        result.confidence, result.threshold = review.confidence, review.threshold
        result.flags, result.features = [v.name for v in review.verdicts], review.features
        result.missing_signals = review.missing
        result.candidate = review.candidate.text if review.candidate else ""
        result.tokens, result.token_probs = usages[shown.brief].tokens, usages[shown.brief].token_probs
        checked = review.shown
        if not checked.abstained and self.settings.verify_answers:
            # The answer's conversation is still in the KV cache: only the question is new.
            t1 = time.perf_counter()
            result.verified = self.llm.judge(
                verify_messages(question, passages, result.raw_answer, checked.text, shown.brief)
            )
            result.timings.verify_s = time.perf_counter() - t1
            if result.verified is not None and result.verified < self.settings.verify_threshold:
                checked, result.withheld_by = checked.withheld(), MODEL_CHECK
        result.answer = checked.text
        result.abstained = checked.abstained
        result.citations = checked.citations
        corroborate(result.citations, self.snapshot.articles)
        result.sentences = checked.sentences
        result.unsupported = checked.unsupported
        result.prompt_tokens += sum(u.prompt_tokens for u in usages.values())
        result.completion_tokens = sum(u.completion_tokens for u in usages.values())
        result.estimated = sorted({name for u in usages.values() for name in u.estimated})
        # Time to first token counts from the request, as the user waits for it.
        result.timings.first_token_s = (t0 - started) + usages[result.attempts[0].brief].first_token_s
        result.timings.generation_s = time.perf_counter() - t0


def evidence(passages: list[Passage], n: int) -> list[Citation]:
    """The ``n`` passages closest to the question, best first, to show under an abstention."""
    return [citation_for(p) for p in sorted(passages, key=lambda p: -p.score)[:n]]


def _collect(pieces: Iterator[str]) -> Generator[str, None, str]:
    """Yield ``pieces`` on and return them joined."""
    parts = []
    for piece in pieces:
        parts.append(piece)
        yield piece
    return "".join(parts)


def _doc_ranking(hits: list[Hit]) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        if hit.chunk.doc_id not in seen:
            seen.append(hit.chunk.doc_id)
    return seen
