"""The signals the calibrated confidence weighs, computed for one answer candidate.

Each is a number (or None where the backend gave no token probabilities). They say how
well the cited sentences cover what was asked and how sure the model was of what it
wrote. Wrong answers that get through with a citation mostly cite a sentence that lacks a
key word of the question ("Arizona", "ambassador", "died"), so the coverage signals weigh
each question word by its IDF in the library: a rare word missing says more than a common
one. Every feature is recorded with each answer; the calibration
(rag/answer/calibration.json) says which ones its models weigh.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from rag.answer.checks import Candidate
from rag.answer.claims import new_claims
from rag.text.words import stems
from rag.types import REFUSAL_TEXT

Idf = Callable[[str], float]  # a stem's IDF in the library; unseen stems weigh the most
Features = dict[str, float | None]

# Features read from the model's token probabilities: missing where the backend gives none.
TOKEN_FEATURES = ("min token logprob", "mean token logprob", "claim token logprob", "refusal prob")
FEATURES: tuple[str, ...] = (
    "coverage",
    "key coverage",
    "context coverage",
    "coverage share",
    "key term missing",
    "better passage",
    "cited score",
    "best score",
    *TOKEN_FEATURES,
    "repaired",
    "dropped sentences",
    "brief",
)
# A long multi-clause question is answered by a sentence that covers one clause; its heaviest
# few words are what any answering sentence must still contain.
KEY_TERMS = 5
_FLOOR = 1e-4  # probabilities below this are read as this: log(0) has no place in a sum
_REFUSAL_START = REFUSAL_TEXT.split()[0]


def question_terms(candidate: Candidate) -> set[str]:
    """The question's content stems, without the outlets it names as sources: "according to
    Gestion" names where the answer comes from, not a word the answer's sentence must contain."""
    terms = stems(candidate.question)
    for name, _ in candidate.sources:
        terms -= stems(name)
    return terms


def coverage(terms: set[str], texts: Iterable[str], idf: Idf) -> float:
    """The IDF-weighted share of ``terms`` that ``texts`` contain (1.0 with no terms)."""
    total = sum(idf(t) for t in terms)
    if not total:
        return 1.0
    found = terms & set().union(*(stems(t) for t in texts))
    return sum(idf(t) for t in found) / total


def key_coverage(terms: set[str], texts: Iterable[str], idf: Idf) -> float:
    """The IDF weight of ``terms`` that ``texts`` contain, over that of the ``KEY_TERMS``
    heaviest terms (at most 1): coverage that a long question does not dilute."""
    heaviest = sum(sorted((idf(t) for t in terms), reverse=True)[:KEY_TERMS])
    if not heaviest:
        return 1.0
    found = terms & set().union(*(stems(t) for t in texts))
    return min(1.0, sum(idf(t) for t in found) / heaviest)


def _coverage_features(c: Candidate, idf: Idf) -> Features:
    terms = question_terms(c)
    cited = coverage(terms, c.cited_texts, idf)
    context = coverage(terms, (p.text for p in c.passages), idf)
    cited_found = set().union(*(stems(t) for t in c.cited_texts))
    missing = [idf(t) for t in terms - cited_found]
    heaviest = max((idf(t) for t in terms), default=0.0)
    cited_ns = {p.n for p in c.cited}
    best_cited = max((coverage(terms, [p.text], idf) for p in c.cited), default=0.0)
    best_other = max((coverage(terms, [p.text], idf) for p in c.passages if p.n not in cited_ns), default=0.0)
    return {
        "coverage": cited,
        "key coverage": key_coverage(terms, c.cited_texts, idf),
        "context coverage": context,
        "coverage share": cited / context if context else 1.0,
        "key term missing": max(missing, default=0.0) / heaviest if heaviest else 0.0,
        "better passage": max(0.0, best_other - best_cited),
        "cited score": max((p.score for p in c.cited), default=0.0),
        "best score": max((p.score for p in c.passages), default=0.0),
    }


def log_prob(p: float) -> float:
    """log(p), with p read as at least ``_FLOOR``."""
    return math.log(max(p, _FLOOR))


def _claim_tokens(tokens: list[str], claims: list[str]) -> list[int]:
    """Indices of the tokens that write one of ``claims`` in the reply ``"".join(tokens)``."""
    text = "".join(tokens)
    spans = [(m.start(), m.end()) for claim in claims for m in re.finditer(re.escape(claim), text)]
    out, pos = [], 0
    for i, tok in enumerate(tokens):
        start, pos = pos, pos + len(tok)
        if tok.strip() and any(start < b and a < pos for a, b in spans):
            out.append(i)
    return out


def token_features(c: Candidate) -> Features:
    """How sure the model was: its weakest token, its average, its weakest token of a name or
    figure the answer adds, and how much it leaned to the refusal before writing."""
    probs, tokens = c.attempt.token_probs, c.attempt.tokens
    written = probs[:-1] if len(probs) > 1 else probs  # the last one is the stop
    if not written:
        return dict.fromkeys(TOKEN_FEATURES)
    claims = _claim_tokens(tokens[: len(written)], new_claims(c.plain, c.question))
    refusal = sum(p for t, p in c.attempt.first_top if t.strip() == _REFUSAL_START)
    return {
        "min token logprob": log_prob(min(written)),
        "mean token logprob": sum(map(log_prob, written)) / len(written),
        "claim token logprob": log_prob(min((written[i] for i in claims), default=min(written))),
        "refusal prob": refusal if c.attempt.first_top else None,
    }


def features(c: Candidate, idf: Idf) -> Features:
    """Every feature of ``FEATURES`` for ``c``."""
    sentences = c.checked.sentences
    out: Features = {
        **_coverage_features(c, idf),
        **token_features(c),
        "repaired": float(any(s.repaired_from for s in sentences if s.supported)),
        "brief": float(c.attempt.brief),
        "dropped sentences": sum(not s.supported for s in sentences) / len(sentences) if sentences else 0.0,
    }
    return {name: out[name] for name in FEATURES}
