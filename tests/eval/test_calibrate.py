"""eval.calibrate: the fit, its held-out operating points and the leave-one-corpus-out figures,
on synthetic runs whose right and wrong candidates one feature separates."""

import json
import random

import pytest

from eval.calibrate import CalibrateError, Corpus, calibration, load_corpora, loco
from eval.cli import main as run_eval
from eval.scoring import score_row
from rag.answer import confidence
from rag.answer.features import FEATURES, TOKEN_FEATURES


def _row(i, coverage, right, answerable=True, seed=0):
    rng = random.Random(seed * 1000 + i)
    feats = {name: rng.random() for name in FEATURES}
    feats["key coverage"] = coverage
    answer = "Piedras Negras [1]." if right else "Coahuila [1]."
    return score_row(
        dict(
            id=f"q{i}",
            category="fact",
            question="Which city?",
            history=[],
            answerable=answerable,
            expected=[["Piedras Negras"]] if answerable else [],
            sources=["d"] if answerable else [],
            error=None,
            answer=answer,
            abstained=False,
            candidate=answer,
            confidence=0.5,
            withheld_by=None,
            features=feats,
            citations=[],
            retrieved=["d"],
            passages=[],
            sentences=[],
            latency_s=1.0,
            prompt_tokens=1,
        )
    )


def _corpus(name, seed, n=60):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        right = rng.random() < 0.6
        # Right answers cover the question; wrong ones mostly do not.
        cov = rng.uniform(0.5, 1.0) if right else rng.uniform(0.0, 0.6)
        rows.append(_row(i, cov, right, seed=seed))
    return Corpus(name, rows)


CORPORA = [_corpus("a", 1), _corpus("b", 2), _corpus("c", 3)]


def test_the_fit_weighs_the_feature_that_separates_right_from_wrong():
    models = calibration(CORPORA)
    full = dict(zip(models[0]["features"], models[0]["coef"]))
    assert full["key coverage"] > 0 and full["key coverage"] == max(full.values())
    assert not set(models[1]["features"]) & set(TOKEN_FEATURES)
    points = models[0]["operating_points"]
    assert points and points[0]["threshold"] >= points[-1]["threshold"]


def test_held_out_corpora_get_far_more_precise_answers_at_the_threshold_chosen_for_the_target():
    results = loco(CORPORA, target=0.9)
    assert set(results) == {"a", "b", "c"}
    for corpus in CORPORA:
        r = results[corpus.name]
        assert r["fitted_on"] == [c.name for c in CORPORA if c is not corpus]
        everything = sum(row["candidate_correct"] for row in corpus.rows) / len(corpus.rows)
        # Far above showing every candidate, though a little below the target: the threshold is
        # the lowest that reached it on the other corpora, where noise made it look good.
        assert r["answer_precision"] >= max(0.75, everything + 0.15) and r["coverage"] > 0.4, r


def test_a_calibration_written_and_read_back_scores_like_the_fit(tmp_path):
    for corpus in CORPORA:
        run = tmp_path / corpus.name
        run.mkdir()
        (run / "metrics.json").write_text("{}")
        (run / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus.rows))
    out = tmp_path / "calibration.json"
    assert run_eval(["calibrate", *(str(tmp_path / c.name) for c in CORPORA), "--out", str(out)]) == 0
    cal = confidence.load(out)
    model = cal.models[0]
    high = dict(CORPORA[0].rows[0]["features"], **{"key coverage": 1.0})
    low = dict(high, **{"key coverage": 0.0})
    assert model.score(high) > model.score(low)
    assert 0 < model.threshold(0.9) <= 1


def test_runs_with_stale_features_are_refused_with_the_replay_command(tmp_path):
    row = dict(CORPORA[0].rows[0])
    row["features"] = {"coverage": 1.0}
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / "predictions.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(CalibrateError, match="python -m eval.replay"):
        load_corpora([tmp_path])


def test_the_operating_points_do_not_depend_on_what_the_run_folders_are_called():
    renamed = [Corpus(f"runs/{c.name}-renamed", c.rows) for c in CORPORA]
    assert calibration(renamed)[0]["operating_points"] == calibration(CORPORA)[0]["operating_points"]


def test_the_operating_points_average_several_draws_of_folds(monkeypatch):
    # One draw of folds is one sample of the held-out curve; the threshold read from it moves
    # with the draw. The points are the mean over REPEATS draws, so they differ from draw 0's.
    import eval.calibrate as ec

    names = ec.MODELS["with token probabilities"]
    averaged = ec.fit(CORPORA, names)["operating_points"]
    monkeypatch.setattr(ec, "REPEATS", 1)
    one_draw = ec.fit(CORPORA, names)["operating_points"]
    assert averaged != one_draw
    assert len({p["threshold"] for p in averaged}) == len(averaged)
