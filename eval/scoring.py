"""Per-question scoring and the aggregate figures of metrics.json.

A prediction row is a plain dict holding the service's answer (answer,
abstained, citations, retrieved, passages, sentences, latency_s,
prompt_tokens, error) next to the gold fields (expected, sources, answerable,
category). ``score_row`` adds the derived fields; ``summarize`` computes one
metrics section from scored rows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from eval import metrics as m
from rag.answer.checks import CONFIDENCE, WITHHELD_BY
from rag.text.vocabulary import is_refusal

Row = dict[str, Any]

# Why a question failed, in the order the report lists them.
DIAGNOSES = (
    "error",
    "retrieval miss",
    "fact not in context",
    "over-abstention",
    "wrong or incomplete answer",
    "answered unanswerable",
    "ok",
)


# The precision a shown answer should reach: coverage is reported at it (issue: answer trust).
TARGET_PRECISION = 0.95


def refused_by(row: Row) -> str | None:
    """Who turned the answer into a refusal: the relevance gate (no model call), the model's reply,
    or what withheld its answer (a check's name, or the confidence)."""
    if not row["abstained"] or row.get("error"):
        return None
    raw = (row.get("raw_answer") or "").strip()
    if not raw:
        return "relevance gate"
    if is_refusal(raw):  # the reply itself refused, in the words the citation check abstains on
        return "model"
    return row.get("withheld_by") or "citation check"


def score_row(row: Row) -> Row:
    """Add facts_found, fact_recall, correct, confidently_wrong, token_f1, citations and a diagnosis."""
    expected, sources = row["expected"], row["sources"]
    answer = "" if row["abstained"] else row["answer"]
    context = [p["text"] for p in row.get("passages", [])]
    row["facts_found"] = [m.match_fact(answer, aliases) for aliases in expected]
    row["fact_recall"] = m.fact_recall(answer, expected)
    row["facts_in_context"] = [any(m.match_fact(t, aliases) for t in context) for aliases in expected]
    quotes = m.cited_texts(row.get("citations", []))
    row["facts_supported"] = [
        found is not None and any(m.contains(q, found) for q in quotes) for found in row["facts_found"]
    ]
    row["cited_doc_ids"] = m.cited_docs(row.get("citations", []))
    ok = not row.get("error")
    row["fully_correct"] = ok and row["answerable"] and not row["abstained"] and row["fact_recall"] == 1.0
    row["correct"] = row["fully_correct"] if row["answerable"] else ok and row["abstained"]
    row["confidently_wrong"] = confidently_wrong(row)
    reference = " ".join(aliases[0] for aliases in expected)
    row["token_f1"] = m.token_f1(answer, reference) if row["answerable"] and expected else None
    precision, recall = m.citation_pr(row["cited_doc_ids"], sources)
    answered = row["answerable"] and not row["abstained"] and bool(sources)
    row["citation_precision"] = precision if answered else None
    row["citation_recall"] = recall if answered else None
    row["refused_by"] = refused_by(row)
    row["diagnosis"] = diagnose(row)
    candidate = row.get("candidate") or ""
    row["candidate_correct"] = (
        bool(candidate) and ok and row["answerable"] and m.fact_recall(candidate, expected) == 1.0
    )
    return row


def weighed(row: Row) -> bool:
    """Whether the confidence decides this row: it has a candidate answer that nothing but the
    confidence withheld (so some threshold would show it)."""
    return (
        not row.get("error") and bool(row.get("candidate")) and row.get("withheld_by") in (None, CONFIDENCE)
    )


def _gave_answer(row: Row) -> bool:
    """The service gave an answer: no error and no refusal."""
    return not row.get("error") and not row["abstained"]


def confidently_wrong(row: Row) -> bool:
    """An answerable question answered with citations but missing a gold fact.

    The worst outcome for a trust tool: the citations make a wrong or incomplete
    answer look vouched for. A refusal or an uncited answer at least signals doubt.
    Needs ``fact_recall`` (set by ``score_row``).
    """
    cited = bool(row.get("citations"))
    return row["answerable"] and _gave_answer(row) and cited and row["fact_recall"] < 1.0


def diagnose(row: Row) -> str:
    """The first thing that went wrong, from retrieval to wording."""
    if row.get("error"):
        return "error"
    if not row["answerable"]:
        return "ok" if row["abstained"] else "answered unanswerable"
    if row["correct"]:
        return "ok"
    missing = [i for i, found in enumerate(row["facts_found"]) if found is None]
    if row["sources"] and not set(row["retrieved"]) & set(row["sources"]):
        return "retrieval miss"
    if missing and not any(row["facts_in_context"][i] for i in missing):
        return "fact not in context"
    if row["abstained"] and row["refused_by"] in WITHHELD_BY:
        # A check withheld the model's text: a refusal of a right answer, or of a wrong one?
        right = m.fact_recall(row.get("raw_answer") or "", row["expected"]) == 1.0
        return "over-abstention" if right else "wrong or incomplete answer"
    return "over-abstention" if row["abstained"] else "wrong or incomplete answer"


def _retrieval(rows: list[Row]) -> dict[str, float | None]:
    rows = [r for r in rows if r["answerable"] and r["sources"] and not r.get("error")]
    out: dict[str, float | None] = {}
    for k in m.K_VALUES:
        out[f"hit@{k}"] = m.mean(m.hit_at_k(r["retrieved"], r["sources"], k) for r in rows)
    out["mrr"] = m.mean(m.reciprocal_rank(r["retrieved"], r["sources"]) for r in rows)
    for k in m.K_VALUES:
        out[f"recall@{k}"] = m.mean(m.recall_at_k(r["retrieved"], r["sources"], k) for r in rows)
    # Did the required fact reach the model at all? Separates retrieval from generation failures.
    out["fact_in_context"] = m.mean(
        sum(r["facts_in_context"]) / len(r["facts_in_context"]) for r in rows if r["facts_in_context"]
    )
    return out


def _answers(rows: list[Row]) -> dict[str, float | None]:
    rows = [r for r in rows if r["answerable"]]
    return {
        "fact_recall": m.mean(r["fact_recall"] if not r.get("error") else 0.0 for r in rows),
        "fully_correct": m.mean(float(r["fully_correct"]) for r in rows),
        "confidently_wrong": m.mean(float(r["confidently_wrong"]) for r in rows),
        "token_f1": m.mean(r["token_f1"] for r in rows),
    }


def _citations(rows: list[Row]) -> dict[str, float | int | None]:
    answered = [r for r in rows if _gave_answer(r)]
    sentences = [s for r in answered for s in r.get("sentences", [])]
    found = [(f, s) for r in answered for f, s in zip(r["facts_found"], r["facts_supported"]) if f]
    return {
        "cited_sentence_rate": m.mean(float(bool(s["cites"])) for s in sentences),
        "supported_sentence_rate": m.mean(float(s["supported"]) for s in sentences),
        "citation_precision": m.mean(r["citation_precision"] for r in answered),
        "citation_recall": m.mean(r["citation_recall"] for r in answered),
        "supported_fact_rate": m.mean(float(s) for _, s in found),
        # A count, not a share: every answer should cite, so any non-zero figure is worth a look.
        "uncited_answers": sum(not r.get("citations") for r in answered),
    }


def _cost(rows: list[Row]) -> dict[str, float | None]:
    rows = [r for r in rows if not r.get("error")]
    latency = [r["latency_s"] for r in rows]
    return {
        "latency_p50_s": m.percentile(latency, 50),
        "latency_p95_s": m.percentile(latency, 95),
        "prompt_tokens_p50": m.percentile([r["prompt_tokens"] for r in rows], 50),
        "completion_tokens_mean": m.mean(r.get("completion_tokens", 0) for r in rows),
    }


def trust(rows: list[Row]) -> dict[str, Any]:
    """The headline figures of a trust tool: of the answers shown, how many were right; how many
    answerable questions got one; how many unanswerable ones did; and how the confidence ranks
    right answers above wrong ones (the risk–coverage curve)."""
    shown = [r for r in rows if _gave_answer(r)]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    candidates = [
        (r["confidence"], r["candidate_correct"], r["answerable"])
        for r in rows
        if weighed(r) and r.get("confidence") is not None
    ]
    curve = m.risk_coverage(candidates, len(answerable))
    return {
        "answer_precision": m.mean(float(r["fully_correct"]) for r in shown),
        "coverage": m.mean(float(_gave_answer(r)) for r in answerable),
        "unanswerable_answered": m.mean(float(_gave_answer(r)) for r in unanswerable),
        "fact_recall": m.mean(r["fact_recall"] if not r.get("error") else 0.0 for r in answerable),
        "wrong_shown": sum(not r["fully_correct"] for r in shown),
        "shown": len(shown),
        "aurc": m.aurc(candidates),
        "coverage_at_95": m.coverage_at(curve, TARGET_PRECISION) if curve else None,
        "risk_coverage": curve,
    }


def summarize(rows: list[Row]) -> dict[str, Any]:
    """One metrics section (overall or one category) from scored rows; absent figures are None."""
    abstention = m.abstention_scores((r["answerable"], r["abstained"]) for r in rows if not r.get("error"))
    return {
        "n": len(rows),
        "n_answerable": sum(r["answerable"] for r in rows),
        "n_unanswerable": sum(not r["answerable"] for r in rows),
        "errors": sum(bool(r.get("error")) for r in rows),
        "trust": trust(rows),
        "accuracy": m.mean(float(r["correct"]) for r in rows),
        "retrieval": _retrieval(rows),
        "answers": _answers(rows),
        "abstention": abstention,
        "citations": _citations(rows),
        "cost": _cost(rows),
        "diagnoses": dict(Counter(r["diagnosis"] for r in rows)),
        "refusals": {
            kind: dict(
                Counter(
                    r["refused_by"]
                    for r in rows
                    if r["answerable"] == (kind == "answerable") and r["refused_by"]
                )
            )
            for kind in ("answerable", "unanswerable")
        },
    }


def aggregate(rows: list[Row]) -> dict[str, Any]:
    """``{"overall": section, "by_category": {category: section}}`` for scored rows."""
    categories = sorted({r["category"] for r in rows})
    return {
        "overall": summarize(rows),
        "by_category": {c: summarize([r for r in rows if r["category"] == c]) for c in categories},
    }
