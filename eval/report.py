"""report.md: the figures in one table, per category, why questions failed, and the worst failures."""

from __future__ import annotations

from typing import Any

from eval.scoring import DIAGNOSES, WITHHELD_BY, Row

# (section, key, label, unit, meaning). The one list of figures shown by report and compare;
# the trust figures lead: a wrong answer shown is the worst outcome, a withheld one a cost.
TRUST_FIGURES: list[tuple[str, str, str, str, str]] = [
    (
        "trust",
        "answer_precision",
        "answer precision",
        "%",
        "answers shown (to answerable and unanswerable questions) that are fully right",
    ),
    ("trust", "coverage", "coverage", "%", "answerable questions that got an answer"),
    (
        "trust",
        "unanswerable_answered",
        "unanswerable answered",
        "%",
        "unanswerable questions that got an answer anyway (lower is better)",
    ),
    ("trust", "fact_recall", "fact recall", "%", "share of required facts found in the answers"),
    ("trust", "aurc", "AURC", "", "area under the confidence's risk–coverage curve (lower is better)"),
    (
        "trust",
        "coverage_at_95",
        "coverage at precision 0.95",
        "%",
        "the most coverage a threshold gives while 95% of the answers shown are right",
    ),
]
FIGURES: list[tuple[str, str, str, str, str]] = [
    *TRUST_FIGURES,
    ("", "accuracy", "accuracy", "%", "answerable: every required fact found; unanswerable: abstained"),
    ("answers", "fully_correct", "fully correct", "%", "answerable questions with every fact found"),
    (
        "answers",
        "confidently_wrong",
        "confidently wrong",
        "%",
        "answerable questions answered with citations but missing a fact (lower is better)",
    ),
    ("answers", "token_f1", "token F1", "%", "token overlap with the first alias of each fact"),
    ("retrieval", "hit@1", "hit@1", "%", "a source article ranked first"),
    ("retrieval", "hit@3", "hit@3", "%", "a source article in the top 3"),
    ("retrieval", "hit@5", "hit@5", "%", "a source article in the top 5"),
    ("retrieval", "mrr", "MRR", "", "mean reciprocal rank of the first source article"),
    ("retrieval", "recall@3", "recall@3", "%", "share of source articles in the top 3"),
    ("retrieval", "recall@5", "recall@5", "%", "share of source articles in the top 5"),
    ("retrieval", "fact_in_context", "fact in context", "%", "required facts present in the passages sent"),
    (
        "abstention",
        "refusal_precision",
        "refusal precision",
        "%",
        "refusals that were on unanswerable questions",
    ),
    ("abstention", "refusal_recall", "refusal recall", "%", "unanswerable questions refused"),
    ("abstention", "refusal_f1", "refusal F1", "%", "harmonic mean of the two above"),
    (
        "abstention",
        "false_refusal_rate",
        "false refusals",
        "%",
        "answerable questions refused (lower is better)",
    ),
    ("citations", "cited_sentence_rate", "cited sentences", "%", "answer sentences carrying a valid [n]"),
    ("citations", "uncited_answers", "uncited answers", "n", "answers (not refusals) without any citation"),
    ("citations", "supported_sentence_rate", "supported sentences", "%", "sentences their citations support"),
    ("citations", "citation_precision", "citation precision", "%", "cited articles that state the answer"),
    ("citations", "citation_recall", "citation recall", "%", "stating articles that were cited"),
    (
        "citations",
        "supported_fact_rate",
        "supported facts",
        "%",
        "found facts that appear in a cited passage",
    ),
    ("cost", "latency_p50_s", "latency p50", "s", "wall time per question, median"),
    ("cost", "latency_p95_s", "latency p95", "s", "wall time per question, 95th percentile"),
    ("cost", "prompt_tokens_p50", "prompt tokens p50", "tok", "tokens read by the model per question"),
]
LOWER_IS_BETTER = {
    "unanswerable_answered",
    "aurc",
    "confidently_wrong",
    "uncited_answers",
    "false_refusal_rate",
    "latency_p50_s",
    "latency_p95_s",
    "prompt_tokens_p50",
}
MEANINGS = {
    "retrieval miss": "no article stating the answer was retrieved",
    "fact not in context": "a stating article was retrieved but the sentence with the fact was not sent",
    "over-abstention": "facts in the prompt; the model refused, or the check withheld a right answer",
    "wrong or incomplete answer": "facts in the prompt; the model's answer lacks some (even if withheld)",
    "answered unanswerable": "answered a question the articles cannot answer",
    "error": "the service raised an error for this question",
    "ok": "correct",
}


def figure(section: dict[str, Any], group: str, key: str) -> float | None:
    return (section.get(group) or {}).get(key) if group else section.get(key)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "%":
        return f"{100 * value:.1f}%"
    if unit == "s":
        return f"{value:.2f} s"
    if unit in ("tok", "n"):  # token counts and question counts
        return f"{value:.0f}"
    return f"{value:.3f}"


def render(metrics: dict[str, Any], rows: list[Row], plots: list[tuple[str, str]], worst: int = 20) -> str:
    out = [f"# Evaluation report\n\n{_run_line(metrics['run'])}\n", "## Summary\n"]
    overall = metrics["overall"]
    out += ["| figure | value | meaning |", "| --- | ---: | --- |"]
    out += [f"| {lab} | {fmt(figure(overall, g, k), u)} | {mean} |" for g, k, lab, u, mean in FIGURES]
    out += ["", "## By category\n", *_category_table(metrics["by_category"]), ""]
    out += [f"![{title}]({name})\n" for name, title in plots]
    out += [*_confidently_wrong_section(rows), ""]
    out += ["## Why questions failed\n", *_diagnosis_table(overall["diagnoses"]), ""]
    out += ["Refusals by who made them:\n", *_refusal_table(overall["refusals"]), ""]
    failures = sorted((r for r in rows if not r["correct"]), key=_badness)
    out += [f"## Failures ({len(failures)} of {len(rows)})\n", *_failure_table(failures), ""]
    if failures:
        out.append(f"## The worst {min(worst, len(failures))} in detail\n")
        for i, row in enumerate(failures[:worst], 1):
            out += _failure_detail(i, row)
    return "\n".join(out) + "\n"


def _run_line(run: dict[str, Any]) -> str:
    settings = ", ".join(f"`{k}={v}`" for k, v in run.get("settings", {}).items()) or "defaults"
    return (
        f"Gold file `{run['gold']}`: {run['n']} questions. Settings: {settings}. "
        f"Started {run['started']}, took {run['duration_s'] / 60:.1f} min. "
        f"Commit `{run.get('commit') or '?'}`."
    )


def _category_table(by_category: dict[str, dict[str, Any]]) -> list[str]:
    cols = [
        ("trust", "answer_precision", "answer precision", "%"),
        ("trust", "coverage", "coverage", "%"),
        ("trust", "unanswerable_answered", "unanswerable answered", "%"),
        ("trust", "fact_recall", "fact recall", "%"),
        ("", "accuracy", "accuracy", "%"),
        ("answers", "confidently_wrong", "confidently wrong", "%"),
        ("retrieval", "hit@3", "hit@3", "%"),
        ("retrieval", "fact_in_context", "fact in context", "%"),
        ("abstention", "false_refusal_rate", "false refusals", "%"),
        ("citations", "citation_precision", "citation precision", "%"),
        ("citations", "uncited_answers", "uncited answers", "n"),
        ("cost", "latency_p50_s", "latency p50", "s"),
    ]
    lines = [
        "| category | n | " + " | ".join(c[2] for c in cols) + " |",
        "| --- | ---: |" + " ---: |" * len(cols),
    ]
    for name, sec in by_category.items():
        cells = " | ".join(fmt(figure(sec, g, k), u) for g, k, _, u in cols)
        lines.append(f"| {name} | {sec['n']} | {cells} |")
    return lines


LOCO_COLUMNS = [
    ("answer_precision", "answer precision", "%"),
    ("coverage", "coverage", "%"),
    ("unanswerable_answered", "unanswerable answered", "%"),
    ("fact_recall", "fact recall", "%"),
    ("aurc", "AURC", ""),
    ("coverage_at_95", "coverage at 0.95", "%"),
    ("threshold", "threshold", ""),
]


def loco_table(results: dict[str, dict[str, Any]], target: float) -> str:
    """The leave-one-corpus-out figures: each corpus measured with a calibration fitted without it."""
    lines = [
        f"Leave-one-corpus-out, target answer precision {target:g}: each row is a corpus measured "
        "with a confidence fitted on the others only.\n",
        "| held out | fitted on | " + " | ".join(c[1] for c in LOCO_COLUMNS) + " | shown (wrong) |",
        "| --- | --- |" + " ---: |" * (len(LOCO_COLUMNS) + 1),
    ]
    for name, r in results.items():
        cells = " | ".join(fmt(r.get(k), u) for k, _, u in LOCO_COLUMNS)
        lines.append(
            f"| {name} | {', '.join(r['fitted_on'])} | {cells} | {r['shown']} ({r['wrong_shown']}) |"
        )
    return "\n".join(lines)


def _confidently_wrong_section(rows: list[Row]) -> list[str]:
    # Listed on their own, whatever their diagnosis: a cited wrong answer is the one a reader trusts.
    wrong = [r for r in rows if r.get("confidently_wrong")]
    n_answerable = sum(r["answerable"] for r in rows)
    lines = [f"## Confidently wrong ({len(wrong)} of {n_answerable} answerable)\n"]
    if not wrong:
        return lines + ["No answerable question was answered with citations but a missing fact."]
    lines += ["| id | answer | gold facts |", "| --- | --- | --- |"]
    for r in wrong:
        lines.append(f"| `{r['id']}` | {_cell(r['answer'])} | {_cell(_gold_facts(r))} |")
    return lines


def _gold_facts(row: Row) -> str:
    """Each required fact as its aliases, marked found or missing in the answer."""
    return "; ".join(
        f"{' / '.join(aliases)} ({'found' if found else 'missing'})"
        for aliases, found in zip(row["expected"], row["facts_found"])
    )


def _diagnosis_table(counts: dict[str, int]) -> list[str]:
    lines = ["| diagnosis | questions | meaning |", "| --- | ---: | --- |"]
    lines += [f"| {d} | {counts[d]} | {MEANINGS[d]} |" for d in DIAGNOSES if counts.get(d)]
    return lines


def _refusal_table(refusals: dict[str, dict[str, int]]) -> list[str]:
    lines = ["| refused by | answerable (false refusals) | unanswerable (right) |", "| --- | ---: | ---: |"]
    for cause in ("relevance gate", "model", *WITHHELD_BY):
        lines.append(
            f"| {cause} | {refusals['answerable'].get(cause, 0)} | {refusals['unanswerable'].get(cause, 0)} |"
        )
    return lines


def _badness(row: Row) -> tuple:
    return (row["fact_recall"] if row["answerable"] else 0.0, DIAGNOSES.index(row["diagnosis"]), row["id"])


def _cell(text: str) -> str:
    """One line, safe inside a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _short(text: str, n: int = 90) -> str:
    text = _cell(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _failure_table(failures: list[Row]) -> list[str]:
    if not failures:
        return ["Every question passed."]
    lines = ["| id | category | diagnosis | fact recall | answer |", "| --- | --- | --- | ---: | --- |"]
    for r in failures:
        recall = fmt(r["fact_recall"], "%") if r["answerable"] else "–"
        answer = _short(r["error"] or r["answer"])
        lines.append(f"| `{r['id']}` | {r['category']} | {r['diagnosis']} | {recall} | {answer} |")
    return lines


def _facts_line(row: Row) -> str:
    if not row["expected"]:
        return "none (the articles do not answer this: the right answer is a refusal)"
    marks = []
    for aliases, found, ctx in zip(row["expected"], row["facts_found"], row["facts_in_context"]):
        state = "found" if found else ("in prompt, not in answer" if ctx else "not in prompt")
        marks.append(f"{' / '.join(aliases)} ({state})")
    return "; ".join(marks)


def _failure_detail(i: int, row: Row) -> list[str]:
    lines = [
        f"### {i}. `{row['id']}` ({row['category']}): {row['diagnosis']}\n",
        f"- **Question:** {row['question']}",
    ]
    for turn in row["history"]:
        lines.append(f"- **History ({turn['role']}):** {_short(turn['content'], 200)}")
    if row.get("standalone_question") and row["standalone_question"] != row["question"]:
        lines.append(f"- **Rewritten as:** {row['standalone_question']}")
    lines.append(f"- **Expected facts:** {_facts_line(row)}")
    lines.append(f"- **Sources:** {', '.join(row['sources']) or 'none'}")
    refused = f" (refused by the {row['refused_by']})" if row.get("refused_by") else ""
    lines.append(f"- **Answer:** {row['error'] or row['answer']}{refused}")
    if row.get("raw_answer") and row["raw_answer"].strip() != row["answer"].strip():
        lines.append(f"- **Model wrote (before the citation check):** {_short(row['raw_answer'], 300)}")
    for c in row["citations"]:
        also = f" (also {', '.join(c['doc_ids'][1:])})" if len(c["doc_ids"]) > 1 else ""
        lines.append(f"- **[{c['n']}]** {c['doc_id']}{also}: {_short(c['quote'], 200)}")
    lines.append(f"- **Retrieved:** {', '.join(row['retrieved']) or 'nothing'}")
    if row.get("note"):
        lines.append(f"- **Note:** {row['note']}")
    return lines + [""]
