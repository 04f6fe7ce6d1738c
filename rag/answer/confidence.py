"""One calibrated confidence: the probability that an answer candidate is right.

A logistic regression over the signals of rag.answer.features, fitted on eval runs of
every development corpus (``python -m eval calibrate``). Its coefficients live in a small
JSON file next to this module: data, never code, so reading it can run nothing.

The file holds one model per set of available signals: the first whose features are all
present scores the answer, so a backend without token probabilities still gets a
confidence (from fewer signals) and says which ones it lacked. Each model also carries
its operating points, measured on corpora it was not fitted on: the precision that
answers at or above each threshold had there. The threshold for a target answer
precision is read from them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import RagError

DEFAULT_PATH = Path(__file__).with_name("calibration.json")


class CalibrationError(RagError):
    """The calibration file is missing or malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    precision: float  # of the answers whose confidence is at least the threshold
    coverage: float  # the share of answerable questions those answers cover


@dataclass(frozen=True)
class Model:
    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    points: tuple[OperatingPoint, ...]

    def applies(self, features: dict[str, float | None]) -> bool:
        return all(features.get(name) is not None for name in self.features)

    def score(self, features: dict[str, float | None]) -> float:
        z = self.intercept + sum(
            c * (features[n] - m) / s for n, m, s, c in zip(self.features, self.mean, self.scale, self.coef)
        )
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def threshold(self, target_precision: float) -> float:
        """The lowest threshold whose answers reached the target precision on held-out corpora;
        above every score when none did (nothing is shown)."""
        met = [p.threshold for p in self.points if p.precision >= target_precision]
        return min(met, default=1.0 + 1e-9)


@dataclass(frozen=True)
class Calibrator:
    models: tuple[Model, ...]
    source: str = ""

    def model_for(self, features: dict[str, float | None]) -> Model:
        """The first model whose every feature is present (the last needs the fewest)."""
        for model in self.models:
            if model.applies(features):
                return model
        missing = sorted(n for n in self.models[-1].features if features.get(n) is None)
        raise CalibrationError(f"{self.source}: no model can score an answer lacking {', '.join(missing)}")

    def missing(self, features: dict[str, float | None]) -> list[str]:
        """Features the best model would use that ``features`` lacks (what a backend did not give)."""
        return [n for n in self.models[0].features if features.get(n) is None]


def load(path: Path | None = None) -> Calibrator:
    path = path or DEFAULT_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        models = tuple(_model(m) for m in data["models"])
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no calibration file (RAG_CALIBRATION_PATH)") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CalibrationError(
            f"{path}: not a calibration file ({type(err).__name__}: {err}); "
            "refit it with: python -m eval calibrate RUN..."
        ) from None
    if not models:
        raise CalibrationError(f"{path}: the file lists no model")
    return Calibrator(models, str(path))


def _model(m: dict[str, Any]) -> Model:
    names = tuple(str(n) for n in m["features"])
    columns = [tuple(float(x) for x in m[key]) for key in ("mean", "scale", "coef")]
    if any(len(col) != len(names) for col in columns) or any(s <= 0 for s in columns[1]):
        raise ValueError(f"model {m.get('name')!r}: mean, scale and coef must match its features")
    points = tuple(
        OperatingPoint(float(p["threshold"]), float(p["precision"]), float(p["coverage"]))
        for p in m["operating_points"]
    )
    return Model(str(m["name"]), names, *columns, float(m["intercept"]), points)


def dump(models: list[dict[str, Any]], about: dict[str, Any], path: Path) -> None:
    """Write a calibration file: plain JSON, rounded so that a diff of a refit reads."""
    data = {**about, "models": models}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
