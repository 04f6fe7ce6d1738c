"""The quality gate: figures of metrics.json checked against eval/thresholds.toml.

The file has a ``[min]`` table (figure must be at least this) and a ``[max]``
table (at most this). Keys are dotted paths into metrics.json, e.g.
``"overall.answers.fact_recall"`` or ``"by_category.unanswerable.accuracy"``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLDS = Path(__file__).with_name("thresholds.toml")


class GateError(Exception):
    """The thresholds file is unusable; the message names the problem."""


@dataclass
class Check:
    key: str
    bound: str  # "min" or "max"
    limit: float
    value: float | None

    @property
    def status(self) -> str:
        if self.value is None:
            return "n/a"
        ok = self.value >= self.limit if self.bound == "min" else self.value <= self.limit
        return "pass" if ok else "FAIL"

    def line(self) -> str:
        shown = "not measured" if self.value is None else f"{self.value:.4g}"
        sign = ">=" if self.bound == "min" else "<="
        return f"{self.status:4}  {self.key} = {shown} (needs {sign} {self.limit:g})"


def load_thresholds(path: str | Path) -> dict[str, dict[str, float]]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateError(f"{path}: no such thresholds file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise GateError(f"{path}: not valid TOML ({err})") from None
    unknown = set(data) - {"min", "max"}
    if unknown:
        raise GateError(f"{path}: unknown table(s) {sorted(unknown)}; use [min] and [max]")
    for bound, table in data.items():
        for key, limit in table.items():
            if isinstance(limit, bool) or not isinstance(limit, int | float):
                raise GateError(f"{path}: [{bound}] {key} must be a number, not {limit!r}")
    return {bound: dict(data.get(bound, {})) for bound in ("min", "max")}


def lookup(metrics: dict[str, Any], key: str) -> float | None:
    """The figure at dotted path ``key``; a category absent from this run reads as None.

    A path that does not exist in any run's layout is a typo and raises GateError.
    """
    node: Any = metrics
    parts = key.split(".")
    for i, part in enumerate(parts):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif i == 1 and parts[0] == "by_category":
            return None  # this gold file has no such category
        else:
            raise GateError(f"threshold {key!r}: metrics.json has no figure at that path")
    if node is not None and (isinstance(node, bool) or not isinstance(node, int | float)):
        raise GateError(f"threshold {key!r}: that path holds a {type(node).__name__}, not a figure")
    return node


def check(metrics: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[Check]:
    return [
        Check(key, bound, float(limit), lookup(metrics, key))
        for bound in ("min", "max")
        for key, limit in thresholds.get(bound, {}).items()
    ]


def passed(checks: list[Check]) -> bool:
    return all(c.status != "FAIL" for c in checks)
