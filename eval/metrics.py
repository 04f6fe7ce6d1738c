"""Scoring: pure functions from a prediction row (answer + gold fields) to figures.

Every figure is defined here once. ``score_row`` derives per-question fields
(facts found, diagnosis, ...); ``aggregate`` turns scored rows into the
sections of metrics.json. Both take plain dicts so they can be tested on
hand-made inputs and re-run on a saved predictions.jsonl.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

import numpy as np

from rag.text.vocabulary import MARKER

K_VALUES = (1, 3, 5)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NON_WORD = re.compile(r"[^\w]+")


# --- matching ----------------------------------------------------------------
def normalize(text: str) -> str:
    """Case, accents, punctuation and whitespace folded; thousands separators and [n] markers dropped.

    'López Obrador' -> 'lopez obrador', '242,000' -> '242000', 'Sherwood-Randall' -> 'sherwood randall'.
    """
    text = unicodedata.normalize("NFKD", MARKER.sub(" ", text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _THOUSANDS.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


def contains(haystack: str, alias: str) -> bool:
    """Whole-word match after normalisation: '20' is not found in '2023'."""
    needle = normalize(alias)
    return bool(needle) and f" {needle} " in f" {normalize(haystack)} "


def match_fact(text: str, aliases: list[str]) -> str | None:
    """The first alias of a fact that ``text`` contains, or None."""
    return next((a for a in aliases if contains(text, a)), None)


def fact_recall(answer: str, answers: list[list[str]]) -> float:
    """Share of required facts (each an alias list) found in ``answer``; 1.0 when nothing is required."""
    if not answers:
        return 1.0
    return sum(match_fact(answer, aliases) is not None for aliases in answers) / len(answers)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1 after normalisation."""
    pred, ref = normalize(prediction).split(), normalize(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not common:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


# --- retrieval ---------------------------------------------------------------
def hit_at_k(retrieved: list[str], sources: list[str], k: int) -> float:
    return float(any(doc in sources for doc in retrieved[:k]))


def recall_at_k(retrieved: list[str], sources: list[str], k: int) -> float:
    return len(set(retrieved[:k]) & set(sources)) / len(set(sources)) if sources else 1.0


def reciprocal_rank(retrieved: list[str], sources: list[str]) -> float:
    return next((1.0 / rank for rank, doc in enumerate(retrieved, 1) if doc in sources), 0.0)


# --- abstention and citations --------------------------------------------------
def abstention_scores(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | None]:
    """From (answerable, abstained) pairs: refusal precision/recall/F1 and the false-refusal rate.

    A refusal on an unanswerable question is the positive class. Precision with no
    refusals at all is 1.0 when there was nothing to refuse, else 0.0.
    """
    pairs = list(pairs)
    unanswerable = sum(not a for a, _ in pairs)
    answerable = len(pairs) - unanswerable
    refused = sum(r for _, r in pairs)
    right = sum(r and not a for a, r in pairs)
    precision = right / refused if refused else float(unanswerable == 0)
    recall = right / unanswerable if unanswerable else None
    f1 = None
    if recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    false_refusals = sum(r and a for a, r in pairs)
    return {
        "refusal_precision": precision if pairs else None,
        "refusal_recall": recall,
        "refusal_f1": f1,
        "false_refusal_rate": false_refusals / answerable if answerable else None,
    }


def cited_docs(citations: list[dict]) -> list[str]:
    """Every article a citation vouches for: a passage stated by several outlets counts for each."""
    docs = [d for c in citations for d in (c.get("doc_ids") or [c["doc_id"]])]
    return sorted(set(docs))


def citation_pr(cited: list[str], sources: list[str]) -> tuple[float | None, float]:
    """Article-level (precision, recall) of the cited articles; precision is None with no citations."""
    good = len(set(cited) & set(sources))
    precision = good / len(set(cited)) if cited else None
    return precision, (good / len(set(sources)) if sources else 1.0)


def cited_texts(citations: list[dict]) -> list[str]:
    return [q for c in citations for q in [c.get("quote", ""), *c.get("quotes", [])] if q]


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


# --- selective answering -------------------------------------------------------
def risk_coverage(
    candidates: Iterable[tuple[float, bool, bool]], n_answerable: int
) -> list[dict[str, float]]:
    """The risk–coverage curve of a confidence, one point per distinct threshold, highest first.

    ``candidates`` are (confidence, right, answerable) for every answer that some threshold
    would show. At threshold t the answers with confidence >= t are shown; a point gives t,
    their answer precision, the coverage (share of answerable questions answered) and how
    many were shown.
    """
    ranked = sorted(candidates, key=lambda c: -c[0])
    points, right, answerable = [], 0, 0
    for i, (conf, ok, asked) in enumerate(ranked):
        right, answerable = right + ok, answerable + asked
        if i + 1 < len(ranked) and ranked[i + 1][0] == conf:
            continue  # ties are shown together
        points.append(
            {
                "threshold": conf,
                "precision": right / (i + 1),
                "coverage": answerable / n_answerable if n_answerable else 0.0,
                "shown": i + 1,
            }
        )
    return points


def aurc(candidates: Iterable[tuple[float, bool, bool]]) -> float | None:
    """Area under the risk–coverage curve: the mean, over k, of the error rate among the k most
    confident answers (lower is better; the error rate itself when the ranking is random)."""
    ranked = sorted(candidates, key=lambda c: -c[0])
    if not ranked:
        return None
    wrong, total = 0, 0.0
    for k, (_, ok, _) in enumerate(ranked, 1):
        wrong += not ok
        total += wrong / k
    return total / len(ranked)


def coverage_at(points: list[dict[str, float]], precision: float) -> float:
    """The largest coverage of a point whose answer precision reaches ``precision`` (0: none)."""
    return max((p["coverage"] for p in points if p["precision"] >= precision), default=0.0)
