"""How each check and each signal behaved on eval runs: the evidence docs/answer-checks.md cites.

    python -m eval.signals RUN [RUN ...] --out DIR

``checks.json``: per corpus, how often each check fired on a candidate and how many of those
candidates were right (a veto must never have withheld a right one). ``signals.json``: per
corpus, how well each recorded signal ranks right candidates above wrong ones (AUC; 0.5 is
chance, below it the signal points the other way).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eval.compare import load_run
from eval.scoring import Row, score_row
from rag.answer.checks import CHECK_NAMES
from rag.answer.features import FEATURES


def auc(pairs: list[tuple[float, bool]]) -> float | None:
    """The probability that a right item outranks a wrong one (ties count half)."""
    right = [s for s, ok in pairs if ok]
    wrong = [s for s, ok in pairs if not ok]
    if not right or not wrong:
        return None
    wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
    return wins / (len(right) * len(wrong))


def _candidates(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.get("candidate") and not r.get("error")]


def check_counts(rows: list[Row]) -> dict[str, dict[str, int]]:
    out = {}
    for name in CHECK_NAMES:
        fired = [r for r in _candidates(rows) if name in (r.get("flags") or [])]
        out[name] = {"fired": len(fired), "right": sum(r["candidate_correct"] for r in fired)}
    return out


def signal_aucs(rows: list[Row]) -> dict[str, float | None]:
    """AUCs over the candidates no veto stopped: the ones the confidence decides about."""
    weighed = [r for r in _candidates(rows) if r.get("withheld_by") in (None, "confidence")]
    out = {}
    for name in FEATURES:
        pairs = [
            (r["features"][name], r["candidate_correct"])
            for r in weighed
            if r["features"].get(name) is not None
        ]
        value = auc(pairs)
        out[name] = round(value, 3) if value is not None else None
    return out


def write(runs: list[Path], out: Path) -> dict[str, Any]:
    by_run = {run.name: [score_row(dict(r)) for r in load_run(run)[1]] for run in runs}
    out.mkdir(parents=True, exist_ok=True)
    checks = {name: check_counts(rows) for name, rows in by_run.items()}
    signals = {name: signal_aucs(rows) for name, rows in by_run.items()}
    (out / "checks.json").write_text(json.dumps(checks, indent=1) + "\n", encoding="utf-8")
    (out / "signals.json").write_text(json.dumps(signals, indent=1) + "\n", encoding="utf-8")
    return {"checks": checks, "signals": signals}


def tables(found: dict[str, Any]) -> str:
    """Both as Markdown tables, corpora as columns."""
    names = list(found["checks"])
    lines = ["| check | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for check in CHECK_NAMES:
        cells = [f"{c[check]['fired']} / {c[check]['right']}" for c in found["checks"].values()]
        lines.append(f"| {check} | " + " | ".join(cells) + " |")
    lines += ["", "| signal | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for signal in FEATURES:
        cells = ["n/a" if s[signal] is None else f"{s[signal]:.2f}" for s in found["signals"].values()]
        lines.append(f"| {signal} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.signals", description=__doc__.split("\n\n")[0])
    p.add_argument("runs", type=Path, nargs="+", help="one eval run folder per corpus")
    p.add_argument("--out", type=Path, required=True, help="folder for checks.json and signals.json")
    args = p.parse_args(argv)
    print(tables(write(args.runs, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
