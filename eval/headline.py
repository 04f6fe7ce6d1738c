"""The README's headline table, rendered from committed results, so the two cannot disagree.

    python -m eval.headline save RUN --as eval/results/DATE/after-seeds.json
    python -m eval.headline table eval/results/DATE

``save`` keeps the headline figures of a run (small enough to commit: runs/ is not);
``table`` prints the Markdown table the README carries, and tests/eval/test_headline.py
checks that the README holds exactly that.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eval.compare import load_run
from eval.report import fmt
from eval.scoring import aggregate, score_row

CORPORA = ("seeds", "multihop-dev", "rgb-dev")
COLUMNS = [
    ("answer_precision", "answer precision", "%"),
    ("coverage", "coverage", "%"),
    ("unanswerable_answered", "unanswerable answered", "%"),
    ("fact_recall", "fact recall", "%"),
    ("coverage_at_95", "coverage at 0.95", "%"),
    ("latency_p50_s", "latency p50", "s"),
]


def summary(metrics: dict[str, Any]) -> dict[str, Any]:
    """The figures the headline shows, and what run they come from."""
    overall = metrics["overall"]
    trust = {k: v for k, v in overall["trust"].items() if k != "risk_coverage"}
    run = metrics.get("run", {})
    keep = ("gold", "n", "commit", "started", "settings", "replayed_from")
    return {
        **trust,
        "latency_p50_s": overall["cost"]["latency_p50_s"],
        "n": overall["n"],
        "run": {k: run[k] for k in keep if k in run},
    }


def save(run_dir: Path, target: Path) -> None:
    """Keep ``run_dir``'s headline; a run made before the trust figures is scored again from
    its predictions (the answers it showed), so before and after are counted alike."""
    target.parent.mkdir(parents=True, exist_ok=True)
    metrics, rows = load_run(run_dir)
    if "trust" not in metrics["overall"]:
        metrics = {**aggregate([score_row(dict(r)) for r in rows]), "run": metrics.get("run", {})}
    target.write_text(json.dumps(summary(metrics), indent=1) + "\n", encoding="utf-8")


def _row(label: str, figures: dict[str, Any]) -> str:
    cells = " | ".join(fmt(figures.get(k), u) for k, _, u in COLUMNS)
    return f"| {label} | {figures['n']} | {cells} |"


def table(results: Path) -> str:
    """Before and after for each corpus, then the leave-one-corpus-out figures."""
    lines = [
        f"Figures of {results.name} (`{results}`), default settings, one model process on the machine:",
        "",
        "| corpus, code | questions | " + " | ".join(c[1] for c in COLUMNS) + " |",
        "| --- | ---: |" + " ---: |" * len(COLUMNS),
    ]
    loco = json.loads((results / "loco.json").read_text(encoding="utf-8"))
    for corpus in CORPORA:
        for stage in ("before", "after"):
            path = results / f"{stage}-{corpus}.json"
            if path.is_file():
                lines.append(_row(f"{corpus}, {stage}", json.loads(path.read_text(encoding="utf-8"))))
        held = loco.get(corpus)
        if held:
            figures = {**held, "n": json.loads((results / f"after-{corpus}.json").read_text())["n"]}
            lines.append(_row(f"{corpus}, after, fitted without it", {**figures, "latency_p50_s": None}))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.headline", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save", help="keep a run's headline figures")
    s.add_argument("run_dir", type=Path)
    s.add_argument("--as", dest="target", type=Path, required=True)
    t = sub.add_parser("table", help="print the README's headline table")
    t.add_argument("results", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "save":
        save(args.run_dir, args.target)
    else:
        print(table(args.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
