"""Fit the answer confidence on eval runs, and measure it on corpora it was not fitted on.

    python -m eval calibrate RUN [RUN ...] [--out FILE] [--c C]
    python -m eval loco RUN [RUN ...] [--target P] [--out DIR]

Each RUN is one corpus's eval run (made or replayed with the current code, so that its
rows hold the current features). ``calibrate`` fits one logistic regression per set of
signals (with token probabilities, and without them for backends that give none), reads
its operating points from predictions for questions held out of the fit, and writes the
calibration file. ``loco`` does the whole fit on all runs but one, and reports the held-out run's
figures at the threshold that fit chose: what a new corpus can expect.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from eval import metrics as m
from eval.compare import load_run
from eval.scoring import TARGET_PRECISION, Row, score_row, trust, weighed
from rag.answer import confidence
from rag.answer.checks import CONFIDENCE
from rag.answer.features import FEATURES

# The signals each model weighs, best first: a backend without token probabilities is scored
# by the second. Chosen by the held-out AURC on all three corpora, by question and by corpus
# (docs/answer-checks.md); the other features are recorded for the next refit to weigh.
MODELS = {
    "with token probabilities": ("min token logprob", "claim token logprob", "key coverage", "cited score"),
    "without token probabilities": ("key coverage", "cited score"),
}
# L2 strength (scikit-learn's C): a few hundred answers need a firm prior.
DEFAULT_C = 0.03
# Operating points come from predictions for questions the fit did not see: FOLDS folds of
# every corpus's questions, each predicted by a fit on all the others, the folds drawn REPEATS
# times; the thresholds are the held-out scores to GRID_DECIMALS places.
FOLDS = 5
REPEATS = 20
GRID_DECIMALS = 3


class CalibrateError(Exception):
    """The runs cannot be fitted (no candidates, stale features); the message says why."""


@dataclass
class Corpus:
    name: str
    rows: list[Row]

    @property
    def candidates(self) -> list[Row]:
        return [r for r in self.rows if weighed(r)]


def load_corpora(runs: list[Path]) -> list[Corpus]:
    corpora = []
    for run in runs:
        rows = [score_row(dict(r)) for r in load_run(run)[1]]
        corpus = Corpus(run.name, rows)
        stale = [r["id"] for r in corpus.candidates if set(r["features"]) != set(FEATURES)]
        if stale:
            raise CalibrateError(
                f"{run}: {len(stale)} rows were made with other features (e.g. {stale[0]}); "
                f"replay the run first: python -m eval.replay {run} --out NEW --corpus CORPUS"
            )
        corpora.append(corpus)
    if not any(c.candidates for c in corpora):
        raise CalibrateError("the runs hold no answer candidates to fit")
    return corpora


def _matrix(rows: list[Row], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[float(r["features"][n]) for n in names] for r in rows], dtype=np.float64)


def fit_model(rows: list[Row], names: tuple[str, ...], c: float = DEFAULT_C) -> dict[str, Any]:
    """A standardised L2 logistic regression of "the candidate is right" on ``names``."""
    from sklearn.linear_model import LogisticRegression

    usable = [r for r in rows if all(r["features"].get(n) is not None for n in names)]
    x, y = _matrix(usable, names), np.array([r["candidate_correct"] for r in usable])
    if len(set(y)) < 2:
        raise CalibrateError("the candidates are all right or all wrong: nothing to tell apart")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature: weighed 0, divided by 1
    reg = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
    return {
        "features": list(names),
        "mean": _round(mean),
        "scale": _round(scale),
        "coef": _round(reg.coef_[0]),
        "intercept": round(float(reg.intercept_[0]), 6),
    }


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def _scorer(fitted: dict[str, Any]) -> confidence.Model:
    return confidence._model({**fitted, "name": "", "operating_points": []})  # noqa: SLF001


def fold_of(row: Row, repeat: int) -> int:
    """A question's fold in one repeat: fixed by its id, so a refit on the same runs is the same
    whatever the run folders are called."""
    return int(hashlib.sha256(f"{repeat}/{row['id']}".encode()).hexdigest(), 16) % FOLDS


Scored = dict[str, list[tuple[float, Row]]]  # each corpus's candidates with a held-out score


def held_out_scores(corpora: list[Corpus], names: tuple[str, ...], c: float, repeat: int = 0) -> Scored:
    """Each corpus's candidates, scored by fits that did not see their question."""
    every = [(corpus.name, r) for corpus in corpora for r in corpus.candidates]
    out: Scored = {corpus.name: [] for corpus in corpora}
    for k in range(FOLDS):
        scorer = _scorer(fit_model([r for _, r in every if fold_of(r, repeat) != k], names, c))
        for n, r in every:
            if fold_of(r, repeat) == k and scorer.applies(r["features"]):
                out[n].append((scorer.score(r["features"]), r))
    return out


class _Curve:
    """One corpus's held-out risk-coverage curve, read at any threshold."""

    def __init__(self, corpus: Corpus, scored: list[tuple[float, Row]]) -> None:
        n_answerable = sum(r["answerable"] for r in corpus.rows)
        ranked = [(s, r["candidate_correct"], r["answerable"]) for s, r in scored]
        points = m.risk_coverage(ranked, n_answerable)
        self.points = points[::-1]  # lowest threshold first
        self.thresholds = [p["threshold"] for p in self.points]

    def at(self, t: float) -> dict[str, float] | None:
        """The figures of the answers at or above ``t`` (None: nothing is shown)."""
        i = bisect.bisect_left(self.thresholds, t)
        return self.points[i] if i < len(self.points) else None


def operating_points(corpora: list[Corpus], repeats: list[Scored]) -> list[dict[str, float]]:
    """At each held-out score, the answer precision and coverage of the answers at or above it:
    averaged over the repeats of the folds (one draw of folds moves the threshold by more than
    the gap between two feature sets), then over the corpora, each library counting once."""
    curves = {corpus.name: [_Curve(corpus, scored[corpus.name]) for scored in repeats] for corpus in corpora}
    grid = {round(s, GRID_DECIMALS) for scored in repeats for pairs in scored.values() for s, _ in pairs}
    points = []
    for t in sorted(grid, reverse=True):
        precision, coverage = [], []
        for per_repeat in curves.values():
            at = [curve.at(t) for curve in per_repeat]
            shown = [p["precision"] for p in at if p is not None]
            if shown:
                precision.append(sum(shown) / len(shown))
            coverage.append(sum(p["coverage"] for p in at if p is not None) / len(at))
        if not precision:
            continue  # rounded up past every score: nothing is shown there
        points.append(
            {
                "threshold": t,
                "precision": round(sum(precision) / len(precision), 6),
                "coverage": round(sum(coverage) / len(coverage), 6),
            }
        )
    return points


def fit(corpora: list[Corpus], names: tuple[str, ...], c: float = DEFAULT_C) -> dict[str, Any]:
    """The model fitted on every corpus, with operating points read from predictions for
    questions held out of the fit (``FOLDS`` folds across all corpora, drawn ``REPEATS`` times)."""
    model = fit_model([r for corpus in corpora for r in corpus.candidates], names, c)
    repeats = [held_out_scores(corpora, names, c, k) for k in range(REPEATS)]
    return {**model, "operating_points": operating_points(corpora, repeats)}


def calibration(corpora: list[Corpus], c: float = DEFAULT_C) -> list[dict[str, Any]]:
    return [{"name": name, **fit(corpora, names, c)} for name, names in MODELS.items()]


def apply(rows: list[Row], model: confidence.Model, threshold: float) -> list[Row]:
    """``rows`` as the service would have answered them under ``model`` and ``threshold``."""
    out = []
    for row in rows:
        row = dict(row)
        if weighed(row):
            row["confidence"] = model.score(row["features"])
            shown = row["confidence"] >= threshold
            row.update(
                answer=row["candidate"] if shown else "",
                abstained=not shown,
                withheld_by=None if shown else CONFIDENCE,
            )
        out.append(score_row(row))
    return out


def loco(corpora: list[Corpus], target: float = TARGET_PRECISION, c: float = DEFAULT_C) -> dict[str, Any]:
    """For each corpus: the trust figures at the threshold for ``target`` of a calibration fitted
    on the other corpora only."""
    results = {}
    for corpus in corpora:
        others = [o for o in corpora if o is not corpus]
        fitted = fit(others, MODELS["with token probabilities"], c)
        model = confidence._model({**fitted, "name": "held out"})  # noqa: SLF001
        threshold = model.threshold(target)
        figures = trust(apply(corpus.rows, model, threshold))
        figures.pop("risk_coverage")
        results[corpus.name] = {"fitted_on": [o.name for o in others], "threshold": threshold, **figures}
    return results


def write_calibration(runs: list[Path], out: Path, c: float = DEFAULT_C) -> list[dict[str, Any]]:
    corpora = load_corpora(runs)
    models = calibration(corpora, c)
    about = {
        "about": "Coefficients of the answer confidence (rag/answer/confidence.py); refit with "
        "python -m eval calibrate RUN...",
        "fitted": date.today().isoformat(),
        "fitted_on": {corpus.name: len(corpus.candidates) for corpus in corpora},
        "label": "the candidate holds every gold fact; an answer to an unanswerable question is wrong",
        "c": c,
    }
    confidence.dump(models, about, out)
    return models


def write_loco(runs: list[Path], out: Path | None, target: float, c: float = DEFAULT_C) -> dict[str, Any]:
    results = loco(load_corpora(runs), target, c)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "loco.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return results
