"""Check a generated answer against the passages it cites.

A small model cites numbers that do not exist and, asked about something the
articles never say, may answer from memory. So every sentence is checked: its
content words and every number in it must be found in the passages it cites.
An answer with no supported sentence at all becomes an abstention.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.ingest.chunk import split_sentences
from rag.retrieval.text import STOPWORDS, stem, stems, words
from rag.types import ABSTAIN_TEXT, Citation, Passage, SentenceCheck

MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_ABSTAIN_HINT = re.compile(
    r"could not find|couldn't find|cannot find|can't find|not (?:mentioned|stated|provided|"
    r"specified|contain)|no information|do(?:es)? not (?:say|mention|contain|provide)",
    re.I,
)


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


@dataclass
class CheckedAnswer:
    text: str
    abstained: bool
    citations: list[Citation]
    sentences: list[SentenceCheck]

    @property
    def unsupported(self) -> list[str]:
        return [s.sentence for s in self.sentences if not s.supported]


_TRAILING = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")


def drop_invalid_markers(text: str, valid: set[int]) -> str:
    """Remove citation numbers that point at no source; a marker left empty goes entirely.

    Markers written after the full stop ("Palace. [1]") move before it, so they
    stay with the sentence they support.
    """

    def fix(m: re.Match) -> str:
        nums = [n for n in re.findall(r"\d+", m.group(1)) if int(n) in valid]
        return f" [{', '.join(nums)}]" if nums else ""

    text = _TRAILING.sub(lambda m: m.group(2) + m.group(1), text)
    return MARKER.sub(fix, text)


def support_score(sentence: str, sources: list[str]) -> tuple[float, bool]:
    """(share of content words found in ``sources``, every number found)."""
    source_words = {stem(w) for w in words(" ".join(sources))}
    claim = [stem(w) for w in words(strip_markers(sentence)) if w not in STOPWORDS]
    if not claim:
        return 1.0, True
    numbers_ok = all(w in source_words for w in claim if any(ch.isdigit() for ch in w))
    return sum(w in source_words for w in claim) / len(claim), numbers_ok


def question_coverage(question: str, texts: list[str], weight: Callable[[str], float]) -> float:
    """Weighted share of the question's words that the answer and its sources contain.

    An answer that quotes a real but unrelated sentence passes the support check;
    this catches it ("How many people live in Mexico City?" answered with a
    sentence that merely mentions Mexico City). ``weight`` is the corpus IDF; words
    the corpus never uses weigh nothing, as no passage could cover them.
    """
    asked = {term: weight(term) for term in stems(question)}
    total = sum(asked.values())
    if not total:
        return 1.0
    found = set().union(*(stems(t) for t in texts))
    return sum(v for w, v in asked.items() if w in found) / total


def _check_sentence(sentence: str, by_n: dict[int, Passage], threshold: float) -> SentenceCheck:
    nums = [int(n) for g in MARKER.findall(sentence) for n in re.findall(r"\d+", g)]
    pool = [by_n[n].text for n in nums] if nums else [p.text for p in by_n.values()]
    score, numbers_ok = support_score(sentence, pool)
    check = SentenceCheck(
        sentence=sentence, cites=nums, supported=numbers_ok and score >= threshold, score=score
    )
    if check.supported or not nums:
        return check
    # A small model often cites the neighbouring number: re-point the marker at the
    # passage that does support the sentence, if exactly such a passage exists.
    best = max(by_n.values(), key=lambda p: support_score(sentence, [p.text]))
    score, numbers_ok = support_score(sentence, [best.text])
    if numbers_ok and score >= threshold:
        fixed = MARKER.sub("", sentence).rstrip()
        tail = fixed[-1] if fixed[-1:] in ".!?" else ""
        fixed = f"{fixed[: len(fixed) - len(tail)]} [{best.n}]{tail}"
        return SentenceCheck(sentence=fixed, cites=[best.n], supported=True, score=score, repaired_from=nums)
    return check


def check_answer(
    raw: str,
    passages: list[Passage],
    threshold: float,
    question: str = "",
    weight: Callable[[str], float] = lambda w: 1.0,
    min_coverage: float = 0.0,
) -> CheckedAnswer:
    by_n = {p.n: p for p in passages}
    text = drop_invalid_markers(raw.strip(), set(by_n)).strip()
    if text and not strip_markers(text).strip(" .,;:"):
        # A bare "[2]": the model pointed at the answer without writing it, so quote the source.
        nums = dict.fromkeys(int(n) for n in re.findall(r"\d+", text))
        text = " ".join(f"{by_n[n].text.rstrip('.')} [{n}]." for n in nums)
    if not text or _ABSTAIN_HINT.search(text) or not passages:
        return CheckedAnswer(ABSTAIN_TEXT, True, [], [])
    checks = [
        _check_sentence(text[a:b], by_n, threshold)
        for a, b in split_sentences(text)
        if strip_markers(text[a:b]).strip(" .,;:")  # skip a bare "[1]." left by splitting
    ]
    cited = list(dict.fromkeys(n for c in checks for n in c.cites))
    supported = [c for c in checks if c.supported]
    covered = question_coverage(
        question, [c.sentence for c in supported] + [by_n[n].text for n in cited], weight
    )
    if not supported or covered < min_coverage:
        return CheckedAnswer(ABSTAIN_TEXT, True, [], checks)
    return CheckedAnswer(
        " ".join(c.sentence for c in checks), False, [_citation(by_n[n]) for n in cited], checks
    )


def _citation(passage: Passage) -> Citation:
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
