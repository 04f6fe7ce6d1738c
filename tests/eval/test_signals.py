"""eval.signals: check firings and signal AUCs, worked out by hand."""

import json

from eval.scoring import score_row
from eval.signals import auc, check_counts, signal_aucs, write
from rag.answer.features import FEATURES
from tests.eval.test_calibrate import _row


def test_auc_counts_pairs_ranked_right_over_wrong_and_ties_as_half():
    assert auc([(0.9, True), (0.1, False)]) == 1.0
    assert auc([(0.1, True), (0.9, False)]) == 0.0
    assert auc([(0.5, True), (0.5, False), (0.9, True)]) == 0.75
    assert auc([(0.5, True)]) is None


def test_a_check_is_counted_on_the_candidates_it_fired_on():
    vetoed = score_row({**_row(1, 0.2, right=False), "flags": ["answer kind"], "withheld_by": "answer kind"})
    fine = _row(2, 0.9, right=True)
    counts = check_counts([vetoed, fine])
    assert counts["answer kind"] == {"fired": 1, "right": 0} and counts["off topic"] == {
        "fired": 0,
        "right": 0,
    }
    # A vetoed candidate is no evidence about a signal: the confidence never weighs it.
    assert signal_aucs([vetoed, fine])["key coverage"] is None


def test_write_keeps_both_files_per_run(tmp_path):
    run = tmp_path / "corpus"
    run.mkdir()
    rows = [_row(i, i / 10, right=i > 4) for i in range(10)]
    (run / "metrics.json").write_text("{}")
    (run / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    write([run], tmp_path / "out")
    signals = json.loads((tmp_path / "out" / "signals.json").read_text())
    assert signals["corpus"]["key coverage"] == 1.0 and set(signals["corpus"]) == set(FEATURES)
    assert json.loads((tmp_path / "out" / "checks.json").read_text())["corpus"]["answer kind"]["fired"] == 0
