"""PNG charts for the report. matplotlib is imported here only, with the Agg backend (no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.scoring import Row

ACCURACY_PNG = "accuracy_by_category.png"
LATENCY_PNG = "latency.png"
COMPARE_PNG = "compare_by_category.png"
RISK_PNG = "risk_coverage.png"


def _pyplot():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _pct(value: float | None) -> float:
    return 100 * value if value is not None else 0.0


def accuracy_by_category(metrics: dict[str, Any], path: Path) -> None:
    """Horizontal bars: accuracy and fact recall per category, with question counts."""
    plt = _pyplot()
    cats = {"overall": metrics["overall"], **metrics["by_category"]}
    names = list(cats)[::-1]  # overall on top
    acc = [_pct(cats[c]["accuracy"]) for c in names]
    recall = [_pct(cats[c]["answers"]["fact_recall"]) for c in names]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(names) + 1.4), dpi=110)
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], acc, height=0.4, color="#2b6cb0", label="accuracy")
    ax.barh([y - 0.2 for y in ys], recall, height=0.4, color="#9ac1e8", label="fact recall (answerable)")
    for y, a in zip(ys, acc):
        ax.text(a + 1, y + 0.2, f"{a:.0f}%", va="center", fontsize=8)
    ax.set_yticks(list(ys), [f"{c} (n={cats[c]['n']})" for c in names])
    ax.set_xlim(0, 110)
    ax.set_xlabel("% of questions")
    ax.set_title("Accuracy by category")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def latency(rows: list[Row], path: Path) -> None:
    """Histogram of wall time per question, answered and refused stacked, with p50/p95 marked."""
    import numpy as np

    plt = _pyplot()
    ok = [r for r in rows if not r.get("error")]
    answered = [r["latency_s"] for r in ok if not r["abstained"]]
    refused = [r["latency_s"] for r in ok if r["abstained"]]
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    every = answered + refused
    if every:
        bins = np.linspace(0, max(every) * 1.05 + 1e-6, 25)
        ax.hist(
            [answered, refused],
            bins=bins,
            stacked=True,
            color=["#2b6cb0", "#e2a03f"],
            label=[f"answered ({len(answered)})", f"refused ({len(refused)})"],
        )
        for q, style in ((50, "--"), (95, ":")):
            x = float(np.percentile(every, q))
            ax.axvline(x, color="black", linestyle=style, linewidth=1, label=f"p{q} = {x:.2f} s")
        ax.legend(fontsize=8)
    ax.set_xlabel("seconds per question (rewrite + retrieval + generation)")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def compare_by_category(a: dict[str, Any], b: dict[str, Any], labels: tuple[str, str], path: Path) -> None:
    """Accuracy per category, run A beside run B."""
    plt = _pyplot()
    cats = ["overall", *sorted(set(a["by_category"]) | set(b["by_category"]))]

    def acc(m: dict[str, Any], c: str) -> float:
        sec = m["overall"] if c == "overall" else m["by_category"].get(c)
        return _pct(sec["accuracy"]) if sec else 0.0

    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(cats) + 2), 3.8), dpi=110)
    xs = range(len(cats))
    ax.bar([x - 0.2 for x in xs], [acc(a, c) for c in cats], width=0.4, color="#9ac1e8", label=labels[0])
    ax.bar([x + 0.2 for x in xs], [acc(b, c) for c in cats], width=0.4, color="#2b6cb0", label=labels[1])
    ax.set_xticks(list(xs), cats, rotation=20, ha="right")
    ax.set_ylim(0, 105)
    ax.set_ylabel("accuracy %")
    ax.set_title("Accuracy by category: A vs B")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def risk_coverage(metrics: dict[str, Any], path: Path, target: float = 0.95) -> None:
    """Answer precision against coverage as the confidence threshold moves, with the point the
    run's own threshold gave and the target precision."""
    plt = _pyplot()
    trust = metrics["overall"]["trust"]
    curve = trust.get("risk_coverage") or []
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    if curve:
        ax.step(
            [_pct(p["coverage"]) for p in curve],
            [_pct(p["precision"]) for p in curve],
            where="post",
            color="#2b6cb0",
            label=f"moving the threshold (AURC {trust['aurc']:.3f})",
        )
    if trust.get("coverage") is not None and trust.get("answer_precision") is not None:
        ax.plot(
            [_pct(trust["coverage"])],
            [_pct(trust["answer_precision"])],
            "o",
            color="#c05621",
            label="this run's threshold",
        )
    ax.axhline(100 * target, color="black", linestyle=":", linewidth=1, label=f"target {target:g}")
    ax.set_xlim(0, 102)
    ax.set_ylim(0, 102)
    ax.set_xlabel("coverage: % of answerable questions answered")
    ax.set_ylabel("answer precision: % of answers shown that are right")
    ax.set_title("Risk–coverage of the answer confidence")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_plots(metrics: dict[str, Any], rows: list[Row], out_dir: Path) -> list[tuple[str, str]]:
    """Draw the report's charts into ``out_dir``; returns (file name, title) pairs."""
    risk_coverage(metrics, out_dir / RISK_PNG)
    accuracy_by_category(metrics, out_dir / ACCURACY_PNG)
    latency(rows, out_dir / LATENCY_PNG)
    return [
        (RISK_PNG, "Risk–coverage of the answer confidence"),
        (ACCURACY_PNG, "Accuracy by category"),
        (LATENCY_PNG, "Latency distribution"),
    ]
