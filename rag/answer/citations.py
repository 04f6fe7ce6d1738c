"""Check a generated answer against the passages it cites.

A small model cites numbers that do not exist and, asked about something the
articles never say, may answer from memory. So every sentence is checked claim by
claim (rag.answer.claims): each name, number and date must be backed by the
passage it cites. A sentence that fails is re-pointed at the one (else two)
passages that do back it, or left out; an answer with nothing left abstains.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rag.answer.claims import Known, also_known, new_claims, ungrounded, vocabulary
from rag.text.sentences import split_sentences
from rag.text.vocabulary import MARKER_PATTERN, SPACED_MARKER, is_refusal, marker_numbers, strip_markers
from rag.text.words import STOPWORDS, stem, words
from rag.types import ABSTAIN_TEXT, Citation, Passage, SentenceCheck


@dataclass
class CheckedAnswer:
    text: str
    abstained: bool
    citations: list[Citation]
    sentences: list[SentenceCheck]

    @property
    def unsupported(self) -> list[str]:
        return [s.sentence for s in self.sentences if not s.supported]

    def withheld(self) -> CheckedAnswer:
        """The same checks, shown as an abstention (a later check rejected the answer)."""
        return CheckedAnswer(ABSTAIN_TEXT, True, [], self.sentences)


_PAREN_MARKER = re.compile(r"\((\d{1,2})\)")
# "(Source: [3])", "(Sources [1], [2])": a citation written out; "Source" is no claim of the answer.
_SOURCE_NOTE = re.compile(rf"\(\s*(?:sources?|see)\s*:?\s*((?:{MARKER_PATTERN}[\s,]*(?:and\s*)?)+)\)", re.I)
_TRAILING = re.compile(rf"([.!?])((?:\s*{MARKER_PATTERN})+)")


def drop_invalid_markers(text: str, valid: set[int]) -> str:
    """Remove citation numbers that point at no source; a marker left empty goes entirely.

    Markers written after the full stop ("Palace. [1]") move before it, so they
    stay with the sentence they support.
    """

    def fix(m: re.Match) -> str:
        nums = [n for n in re.findall(r"\d+", m.group(1)) if int(n) in valid]
        return f" [{', '.join(nums)}]" if nums else ""

    # "(3)" for "[3]": small models slip into it; "(C)" in a caption or "(2023)" stays text.
    text = _SOURCE_NOTE.sub(lambda m: " ".join(re.findall(MARKER_PATTERN, m.group(1))), text)
    text = _PAREN_MARKER.sub(lambda m: f"[{m.group(1)}]" if int(m.group(1)) in valid else m.group(0), text)
    text = _TRAILING.sub(lambda m: m.group(2) + m.group(1), text)
    return SPACED_MARKER.sub(fix, text)


def support_score(sentence: str, sources: list[str]) -> tuple[float, bool]:
    """(share of content words found in ``sources``, every number found)."""
    source_words = {stem(w) for w in words(" ".join(sources))}
    claim = [stem(w) for w in words(strip_markers(sentence)) if w not in STOPWORDS]
    if not claim:
        return 1.0, True
    numbers_ok = all(w in source_words for w in claim if any(ch.isdigit() for ch in w))
    return sum(w in source_words for w in claim) / len(claim), numbers_ok


def _grounded(
    sentence: str, passages: list[Passage], question: str, threshold: float, known: Known
) -> float | None:
    """Word share when ``passages`` back every claim of ``sentence``; None when they do not.

    A sentence that names nothing the question did not ("The talks were cordial") has
    no claims of its own to test, so it must share most of its words with the passages.
    """
    texts, plain = [p.text for p in passages], strip_markers(sentence)
    if ungrounded(plain, " ".join(texts), question, known):
        return None
    share, numbers_ok = support_score(plain, texts)
    if not new_claims(plain, question) and not (numbers_ok and share >= threshold):
        return None
    return share


def _check_sentence(
    sentence: str, by_n: dict[int, Passage], question: str, threshold: float, known: Known
) -> SentenceCheck:
    nums = marker_numbers(sentence)
    if nums:
        share = _grounded(sentence, [by_n[n] for n in nums], question, threshold, known)
        if share is not None:
            return SentenceCheck(sentence=sentence, cites=nums, supported=True, score=share)
    # Uncited, or citing a passage that does not state it (a small model often cites the
    # neighbouring number): point it at the one passage that states all of it, else at the
    # two that do together ("December 27 [1], National Palace [3]" written with one number).
    for group in _groups(list(by_n.values())):
        found = [
            (s, g) for g in group if (s := _grounded(sentence, g, question, threshold, known)) is not None
        ]
        if found:
            share, best = max(found, key=lambda f: (f[0], sum(p.score for p in f[1])))
            cites = sorted(p.n for p in best)
            fixed = strip_markers(sentence).rstrip()
            tail = fixed[-1] if fixed[-1:] in ".!?" else ""
            fixed = f"{fixed[: len(fixed) - len(tail)]} [{', '.join(map(str, cites))}]{tail}"
            return SentenceCheck(sentence=fixed, cites=cites, supported=True, score=share, repaired_from=nums)
    return SentenceCheck(sentence=sentence, cites=nums, supported=False, score=0.0)


def _groups(passages: list[Passage]) -> list[list[list[Passage]]]:
    """Single passages first, then pairs: the fewest sources that can back a sentence."""
    return [[[p] for p in passages], [list(pair) for pair in itertools.combinations(passages, 2)]]


def check_answer(
    raw: str,
    passages: list[Passage],
    threshold: float,
    question: str = "",
    known: Known = lambda stem: False,
) -> CheckedAnswer:
    """Keep the answer's sentences that a passage states, each citing it; else abstain.

    Sentences that fail are left out of the text (and listed as unsupported); an answer
    with none left abstains. What is kept is a candidate for rag.answer.checks.
    """
    by_n = {p.n: p for p in passages}
    text = drop_invalid_markers(raw.strip(), set(by_n)).strip()
    if text and not strip_markers(text).strip(" .,;:"):
        # A bare "[2]": the model pointed at the answer without writing it, so quote the source.
        nums = dict.fromkeys(marker_numbers(text))
        text = " ".join(f"{by_n[n].text.rstrip('.')} [{n}]." for n in nums)
    if not text or is_refusal(text) or not passages:
        return CheckedAnswer(ABSTAIN_TEXT, True, [], [])
    known = _with_passages(known, passages)  # once per answer, not once per sentence
    checks = [
        _check_sentence(text[a:b], by_n, question, threshold, known)
        for a, b in split_sentences(text)
        if strip_markers(text[a:b]).strip(" .,;:")  # skip a bare "[1]." left by splitting
    ]
    kept = [c for c in checks if c.supported]
    if not kept:
        return CheckedAnswer(ABSTAIN_TEXT, True, [], checks)
    cited = list(dict.fromkeys(n for c in kept for n in c.cites))
    shown = " ".join(c.sentence for c in kept)
    return CheckedAnswer(shown, False, [citation_for(by_n[n]) for n in cited], checks)


def _with_passages(known: Known, passages: list[Passage]) -> Known:
    """Names the corpus uses or any passage in the prompt states."""
    return also_known(known, set().union(*(vocabulary(p.text) for p in passages)))


def citation_for(passage: Passage) -> Citation:
    first = passage.supports[0]
    return Citation(
        n=passage.n,
        doc_id=first.doc_id,
        title=first.title,
        quote=first.quote,
        start=first.start,
        end=first.end,
        doc_ids=passage.doc_ids,
        supports=passage.supports,
    )
