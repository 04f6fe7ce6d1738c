"""The calibrated confidence: scoring, the threshold for a target precision, and the file."""

import json

import pytest

from rag.answer import confidence
from rag.answer.confidence import CalibrationError
from rag.answer.features import FEATURES, TOKEN_FEATURES


def _model(name, features, coef, intercept=0.0, points=()):
    return {
        "name": name,
        "features": features,
        "mean": [0.0] * len(features),
        "scale": [1.0] * len(features),
        "coef": coef,
        "intercept": intercept,
        "operating_points": [dict(zip(("threshold", "precision", "coverage"), p)) for p in points],
    }


def _write(tmp_path, *models):
    path = tmp_path / "calibration.json"
    confidence.dump(list(models), {"about": "test"}, path)
    return path


def test_a_model_scores_with_the_logistic_of_its_weighted_features(tmp_path):
    cal = confidence.load(_write(tmp_path, _model("m", ["a", "b"], [2.0, -1.0], intercept=0.5)))
    model = cal.model_for({"a": 1.0, "b": 3.0})
    # z = 0.5 + 2*1 - 1*3 = -0.5
    assert model.score({"a": 1.0, "b": 3.0}) == pytest.approx(1 / (1 + 2.718281828**0.5))


def test_the_threshold_is_the_lowest_that_reached_the_target_on_held_out_corpora(tmp_path):
    points = [(0.9, 1.0, 0.2), (0.7, 0.96, 0.5), (0.5, 0.93, 0.7), (0.3, 0.97, 0.8), (0.1, 0.8, 0.9)]
    model = confidence.load(_write(tmp_path, _model("m", ["a"], [1.0], points=points))).models[0]
    assert model.threshold(0.95) == 0.3
    assert model.threshold(0.98) == 0.9
    assert model.threshold(1.01) > 1.0  # no point reached it: nothing is shown


def test_a_backend_without_token_probabilities_gets_the_model_that_needs_none(tmp_path):
    cal = confidence.load(
        _write(tmp_path, _model("full", ["a", "p"], [1.0, 1.0]), _model("no probs", ["a"], [1.0]))
    )
    assert cal.model_for({"a": 1.0, "p": 0.5}).name == "full"
    assert cal.model_for({"a": 1.0, "p": None}).name == "no probs"
    assert cal.missing({"a": 1.0, "p": None}) == ["p"]
    with pytest.raises(CalibrationError, match="lacking a"):
        cal.model_for({"a": None, "p": None})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"models": []}',
        '{"models": [{"name": "m"}]}',
        json.dumps({"models": [_model("m", ["a"], [1, 2])]}),
    ],
)
def test_a_broken_calibration_file_is_a_clear_error(tmp_path, text):
    path = tmp_path / "calibration.json"
    path.write_text(text)
    with pytest.raises(CalibrationError, match=str(path)):
        confidence.load(path)


def test_a_missing_calibration_file_names_the_setting(tmp_path):
    with pytest.raises(CalibrationError, match="RAG_CALIBRATION_PATH"):
        confidence.load(tmp_path / "nope.json")


def test_the_packaged_calibration_is_data_not_code():
    path = confidence.DEFAULT_PATH
    assert path.suffix == ".json"
    raw = path.read_bytes()
    assert not raw.startswith(b"\x80")  # no pickle protocol header
    data = json.loads(raw)

    def plain(node):  # only JSON's own types, all the way down
        if isinstance(node, dict):
            return all(isinstance(k, str) and plain(v) for k, v in node.items())
        if isinstance(node, list):
            return all(plain(v) for v in node)
        return node is None or isinstance(node, str | int | float | bool)

    assert plain(data)
    cal = confidence.load(path)
    # The first model weighs every signal; the last one scores answers without token probabilities.
    assert set(cal.models[0].features) <= set(FEATURES) and set(cal.models[0].features) & set(TOKEN_FEATURES)
    assert not set(cal.models[-1].features) & set(TOKEN_FEATURES)
    assert all(0 < p.threshold <= 1 and 0 <= p.precision <= 1 for m in cal.models for p in m.points)
