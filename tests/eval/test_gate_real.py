"""CI's quality gate: the whole gold set through the real model and a real Chroma index.

Runs the documented command as a user would. A regression that drops a figure
below eval/thresholds.toml fails this test (and prints which figure).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_full_gold_set_passes_the_gate(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    got = subprocess.run(
        [sys.executable, "-m", "eval", "--gold", "eval/gold.jsonl", "--out", str(out), "--check", "--quiet"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=3600,
    )  # fmt: skip
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
    assert "all thresholds met" in got.stdout
    for name in ("predictions.jsonl", "metrics.json", "report.md", "accuracy_by_category.png", "latency.png"):
        assert (out / name).stat().st_size > 0, name
    rows = (out / "predictions.jsonl").read_text().splitlines()
    gold = (ROOT / "eval" / "gold.jsonl").read_text().splitlines()
    assert len(rows) == len([line for line in gold if line.strip()])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["overall"]["errors"] == 0
    assert (tmp_path / "data" / "eval-index").is_dir()  # seeds/ was ingested into the empty data dir
