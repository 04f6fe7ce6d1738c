"""Two runs side by side: every figure with its difference, per-category accuracy, and the
questions that changed between them (fixed / broken)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.report import FIGURES, LOWER_IS_BETTER, figure, fmt
from eval.runner import EvalError


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    run_dir = Path(run_dir)
    try:
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        rows = [
            json.loads(line)
            for line in (run_dir / "predictions.jsonl").open(encoding="utf-8")
            if line.strip()
        ]
    except FileNotFoundError as err:
        raise EvalError(f"{run_dir}: not an eval run ({Path(err.filename).name} is missing)") from None
    except json.JSONDecodeError as err:
        raise EvalError(f"{run_dir}: damaged run output ({err})") from None
    return metrics, rows


def _delta(a: float | None, b: float | None, unit: str, key: str) -> str:
    if a is None or b is None:
        return ""
    diff = b - a
    if abs(diff) < 1e-9:
        return "="
    better = (diff < 0) if key in LOWER_IS_BETTER else (diff > 0)
    shown = f"{100 * diff:+.1f} pt" if unit == "%" else (f"{diff:+.2f} s" if unit == "s" else f"{diff:+.3g}")
    return f"{shown} {'better' if better else 'worse'}"


def _label(metrics: dict[str, Any], fallback: str) -> str:
    settings = metrics["run"].get("settings") or {}
    return ", ".join(f"{k}={v}" for k, v in settings.items()) or fallback


def render(a_dir: str | Path, b_dir: str | Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Markdown comparing run A (baseline) with run B."""
    (ma, ra), (mb, rb) = load_run(a_dir), load_run(b_dir)
    la, lb = _label(ma, "defaults"), _label(mb, "defaults")
    out = [
        "# Eval comparison\n",
        f"- **A:** `{a_dir}` ({la}; {ma['run']['n']} questions from `{ma['run']['gold']}`)",
        f"- **B:** `{b_dir}` ({lb}; {mb['run']['n']} questions from `{mb['run']['gold']}`)",
    ]
    if ma["run"]["gold"] != mb["run"]["gold"] or ma["run"]["n"] != mb["run"]["n"]:
        out.append("\n**Warning:** the two runs used different gold sets; differences are not like for like.")
    out += ["", "| figure | A | B | B − A |", "| --- | ---: | ---: | --- |"]
    for group, key, label, unit, _ in FIGURES:
        va, vb = figure(ma["overall"], group, key), figure(mb["overall"], group, key)
        out.append(f"| {label} | {fmt(va, unit)} | {fmt(vb, unit)} | {_delta(va, vb, unit, key)} |")
    out += [
        "",
        "## Accuracy by category\n",
        "| category | n | A | B | B − A |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for cat in sorted(set(ma["by_category"]) | set(mb["by_category"])):
        sa, sb = ma["by_category"].get(cat), mb["by_category"].get(cat)
        va, vb = (sa or {}).get("accuracy"), (sb or {}).get("accuracy")
        n = (sb or sa)["n"]
        out.append(f"| {cat} | {n} | {fmt(va, '%')} | {fmt(vb, '%')} | {_delta(va, vb, '%', 'accuracy')} |")
    out += ["", *_changed(ra, rb)]
    return "\n".join(out) + "\n", ma, mb


def _changed(ra: list[dict[str, Any]], rb: list[dict[str, Any]]) -> list[str]:
    by_id = {r["id"]: r for r in ra}
    fixed = [r for r in rb if r["id"] in by_id and r["correct"] and not by_id[r["id"]]["correct"]]
    broken = [r for r in rb if r["id"] in by_id and not r["correct"] and by_id[r["id"]]["correct"]]
    lines = [f"## Questions that changed ({len(fixed)} fixed, {len(broken)} broken)\n"]
    if not fixed and not broken:
        return lines + ["No question changed between right and wrong."]
    lines += ["| id | change | A answer | B answer |", "| --- | --- | --- | --- |"]
    for change, group in (("fixed", fixed), ("broken", broken)):
        for r in group:
            a = by_id[r["id"]]
            lines.append(f"| `{r['id']}` | {change} | {_cell(a)} | {_cell(r)} |")
    return lines


def _cell(row: dict[str, Any]) -> str:
    text = " ".join((row.get("error") or row["answer"]).split()).replace("|", "\\|")
    return text if len(text) <= 80 else text[:79] + "…"
