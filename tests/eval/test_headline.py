"""The README's headline table is the rendering of the committed results, figure for figure."""

import json

from eval import headline
from tests.conftest import ROOT

RESULTS = sorted((ROOT / "eval" / "results").iterdir())[-1]  # the newest dated folder


def test_the_readme_holds_the_table_of_the_newest_committed_results():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert headline.table(RESULTS.relative_to(ROOT)) in readme


def test_every_after_figure_comes_from_a_run_of_the_committed_calibration():
    for corpus in headline.CORPORA:
        after = json.loads((RESULTS / f"after-{corpus}.json").read_text())
        assert 0 <= after["answer_precision"] <= 1 and after["n"] > 0
        assert after["run"]["gold"].endswith("gold.jsonl")


def test_a_saved_summary_keeps_the_trust_figures_and_drops_the_curve(tmp_path):
    metrics = {
        "overall": {
            "n": 3,
            "trust": {"answer_precision": 0.5, "coverage": 1.0, "risk_coverage": [{"threshold": 1}]},
            "cost": {"latency_p50_s": 2.0},
        },
        "run": {"gold": "g.jsonl", "n": 3, "commit": "abc", "index": "/somewhere"},
    }
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.json").write_text(json.dumps(metrics))
    (tmp_path / "run" / "predictions.jsonl").write_text("")
    headline.save(tmp_path / "run", tmp_path / "out.json")
    saved = json.loads((tmp_path / "out.json").read_text())
    assert saved == {
        "answer_precision": 0.5,
        "coverage": 1.0,
        "latency_p50_s": 2.0,
        "n": 3,
        "run": {"gold": "g.jsonl", "n": 3, "commit": "abc"},
    }
