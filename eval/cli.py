"""python -m eval: run a gold set through the real service, write the outputs, gate on thresholds.

    python -m eval --gold eval/gold.jsonl --out runs/x [--limit N] [--set KEY=VALUE ...]
                   [--compare-set KEY=VALUE ...] [--corpus seeds | --no-ingest] [--check [--thresholds F]]
    python -m eval compare RUN_A RUN_B [--out FILE]
    python -m eval check RUN_DIR [--thresholds F]
    python -m eval calibrate RUN [RUN ...] [--out FILE]     refit the answer confidence
    python -m eval loco RUN [RUN ...] [--target P] [--out DIR]   fit on all runs but one, measure on it

Exit codes: 0 fine, 1 the gate failed, 2 bad input (gold file, setting, thresholds, index, model).
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from eval import calibrate, compare, gate, plots, report
from eval.gold import GoldError, load_gold
from eval.runner import ROOT, EvalError, evaluate, parse_overrides
from eval.scoring import TARGET_PRECISION
from rag.answer import confidence
from rag.errors import RagError

OUTPUTS = (
    "predictions.jsonl",
    "metrics.json",
    "report.md",
    plots.RISK_PNG,
    plots.ACCURACY_PNG,
    plots.LATENCY_PNG,
)


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m eval", description="Evaluate the answering service on a gold set."
    )
    p.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold.jsonl", help="gold JSONL file")
    p.add_argument("--out", type=Path, default=None, help="output folder (default runs/<timestamp>)")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="setting override, e.g. --set top_k=4 (repeatable)",
    )
    p.add_argument(
        "--compare-set",
        dest="compare_sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="run twice, the second time with these overrides too, and compare (repeatable)",
    )
    p.add_argument(
        "--corpus",
        type=Path,
        default=ROOT / "seeds",
        help="folder of articles synced into the eval's own index before the run (default seeds/)",
    )
    p.add_argument(
        "--no-ingest",
        action="store_true",
        help="evaluate the index at RAG_DATA_DIR as it is, without syncing a corpus",
    )
    p.add_argument("--check", action="store_true", help="exit 1 if a figure is outside its threshold")
    p.add_argument("--thresholds", type=Path, default=gate.DEFAULT_THRESHOLDS, help="thresholds TOML")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _aux_parser(cmd: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m eval {cmd}")
    if cmd in ("calibrate", "loco"):
        p.add_argument("runs", type=Path, nargs="+", help="one eval run folder per corpus")
        p.add_argument("--c", type=float, default=calibrate.DEFAULT_C, help="inverse L2 strength")
    if cmd == "calibrate":
        p.add_argument("--out", type=Path, default=confidence.DEFAULT_PATH, help="calibration file to write")
    elif cmd == "loco":
        p.add_argument("--target", type=float, default=TARGET_PRECISION, help="target answer precision")
        p.add_argument("--out", type=Path, default=None, help="also write loco.json into this folder")
    elif cmd == "compare":
        p.add_argument("run_a", type=Path, help="baseline run folder")
        p.add_argument("run_b", type=Path, help="run folder to compare with it")
        p.add_argument("--out", type=Path, default=None, help="also write the comparison to this file")
    else:
        p.add_argument("run_dir", type=Path, help="a run folder holding metrics.json")
        p.add_argument("--thresholds", type=Path, default=gate.DEFAULT_THRESHOLDS, help="thresholds TOML")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        if argv[:1] == ["compare"]:
            return _compare(_aux_parser("compare").parse_args(argv[1:]))
        if argv[:1] == ["calibrate"]:
            return _calibrate(_aux_parser("calibrate").parse_args(argv[1:]))
        if argv[:1] == ["loco"]:
            return _loco(_aux_parser("loco").parse_args(argv[1:]))
        if argv[:1] == ["check"]:
            args = _aux_parser("check").parse_args(argv[1:])
            return _gate(compare.load_run(args.run_dir)[0], args.thresholds, str(args.run_dir))
        return _evaluate(_run_parser().parse_args(argv))
    except (GoldError, EvalError, gate.GateError, calibrate.CalibrateError, RagError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the questions answered so far are in predictions.jsonl", file=sys.stderr)
        return 130


def _evaluate(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise EvalError("--limit must be at least 1")
    items = load_gold(args.gold)[: args.limit]
    thresholds = gate.load_thresholds(args.thresholds) if args.check else None  # fail early on a bad file
    base = parse_overrides(args.sets)
    corpus = None if args.no_ingest else args.corpus
    out = args.out or ROOT / "runs" / datetime.now().strftime("%Y%m%d-%H%M%S")
    if not args.compare_sets:
        metrics = evaluate(items, args.gold, out, base, corpus, progress=not args.quiet)[1]
        print_summary(metrics, out)
        return _gate(metrics, args.thresholds, str(out)) if thresholds else 0
    variant = {**base, **parse_overrides(args.compare_sets)}
    rag, ma = evaluate(items, args.gold, out / "a", base, corpus, progress=not args.quiet, label="Run A")
    print_summary(ma, out / "a")
    _, mb = evaluate(
        items, args.gold, out / "b", variant, corpus, progress=not args.quiet, label="Run B", reuse=rag
    )
    print_summary(mb, out / "b")
    text = _write_comparison(out / "a", out / "b", out / "compare.md")
    print(text)
    if not thresholds:
        return 0
    results = [_gate(m, args.thresholds, str(d)) for m, d in ((ma, out / "a"), (mb, out / "b"))]
    return max(results)


def _write_comparison(a: Path, b: Path, target: Path | None) -> str:
    text, ma, mb = compare.render(a, b)
    if target is not None:
        png = target.with_name(plots.COMPARE_PNG)
        plots.compare_by_category(ma, mb, ("A", "B"), png)
        text += f"\n![Accuracy by category, A vs B]({png.name})\n"
        target.write_text(text, encoding="utf-8")
    return text


def _calibrate(args: argparse.Namespace) -> int:
    models = calibrate.write_calibration(args.runs, args.out, args.c)
    for model in models:
        points = model["operating_points"]
        at = confidence._model({**model}).threshold(TARGET_PRECISION)  # noqa: SLF001
        print(f"{model['name']}: {len(model['features'])} features, {len(points)} held-out operating points,")
        print(f"  threshold for precision {TARGET_PRECISION:g}: {at:.3f}")
    print(f"wrote {args.out}")
    return 0


def _loco(args: argparse.Namespace) -> int:
    results = calibrate.write_loco(args.runs, args.out, args.target, args.c)
    print(report.loco_table(results, args.target))
    return 0


def _compare(args: argparse.Namespace) -> int:
    print(_write_comparison(args.run_a, args.run_b, args.out))
    return 0


def _gate(metrics: dict[str, Any], thresholds_path: Path, where: str) -> int:
    checks = gate.check(metrics, gate.load_thresholds(thresholds_path))
    print(f"Gate ({thresholds_path}) on {where}:")
    for c in checks:
        print(f"  {c.line()}")
    if gate.passed(checks):
        print("  all thresholds met")
        return 0
    failed = [c.key for c in checks if c.status == "FAIL"]
    print(f"  FAILED: {len(failed)} figure(s) outside their thresholds: {', '.join(failed)}")
    return 1


def print_summary(metrics: dict[str, Any], out: Path) -> None:
    o = metrics["overall"]
    t = o["trust"]
    shown = [
        ("answer precision", t["answer_precision"], "%"),
        ("coverage", t["coverage"], "%"),
        ("unanswerable answered", t["unanswerable_answered"], "%"),
        ("fact recall", t["fact_recall"], "%"),
        ("AURC", t["aurc"], ""),
        ("coverage at 0.95", t["coverage_at_95"], "%"),
        ("accuracy", o["accuracy"], "%"),
        ("hit@3", o["retrieval"]["hit@3"], "%"),
        ("refusal F1", o["abstention"]["refusal_f1"], "%"),
        ("citation precision", o["citations"]["citation_precision"], "%"),
        ("uncited answers", o["citations"]["uncited_answers"], "n"),
        ("latency p50", o["cost"]["latency_p50_s"], "s"),
    ]
    print(f"{o['n']} questions: " + ", ".join(f"{k} {report.fmt(v, u)}" for k, v, u in shown))
    print(f"wrote {out}/: " + ", ".join(OUTPUTS))
