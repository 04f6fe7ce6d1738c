"""The gate on hand-made metrics dicts, and the committed thresholds file."""

import pytest

from eval import gate
from eval.scoring import aggregate
from tests.eval.test_scoring import make_row


def metrics(accuracy=0.8, tokens=350.0):
    return {
        "overall": {
            "accuracy": accuracy,
            "answers": {"fact_recall": 0.9},
            "cost": {"prompt_tokens_p50": tokens},
        },
        "by_category": {"fact": {"accuracy": 1.0}},
    }


THRESHOLDS = {"min": {"overall.accuracy": 0.75, "overall.answers.fact_recall": 0.85},
              "max": {"overall.cost.prompt_tokens_p50": 400}}  # fmt: skip


def test_gate_passes_at_or_above_every_minimum():
    checks = gate.check(metrics(), THRESHOLDS)
    assert [c.status for c in checks] == ["pass", "pass", "pass"]
    assert gate.passed(checks)


def test_gate_fails_on_a_figure_below_its_minimum():
    checks = gate.check(metrics(accuracy=0.7), THRESHOLDS)
    assert not gate.passed(checks)
    failed = [c for c in checks if c.status == "FAIL"]
    assert [c.key for c in failed] == ["overall.accuracy"]
    assert failed[0].line() == "FAIL  overall.accuracy = 0.7 (needs >= 0.75)"


def test_gate_fails_on_a_figure_above_its_maximum():
    checks = gate.check(metrics(tokens=401), THRESHOLDS)
    assert [c.key for c in checks if c.status == "FAIL"] == ["overall.cost.prompt_tokens_p50"]


def test_missing_category_is_not_measured_but_a_typo_is_an_error():
    checks = gate.check(metrics(), {"min": {"by_category.unanswerable.accuracy": 0.9}})
    assert checks[0].status == "n/a" and gate.passed(checks)
    with pytest.raises(gate.GateError, match="no figure at that path"):
        gate.check(metrics(), {"min": {"overall.acuracy": 0.5}})
    with pytest.raises(gate.GateError, match="holds a dict"):
        gate.check(metrics(), {"min": {"overall.answers": 0.5}})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[min\n", "not valid TOML"),
        ('[floor]\n"overall.accuracy" = 1\n', "unknown table"),
        ('[min]\n"overall.accuracy" = "high"\n', "must be a number"),
    ],
)
def test_bad_thresholds_file(tmp_path, text, message):
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(gate.GateError, match=message):
        gate.load_thresholds(path)


@pytest.mark.parametrize("name", ["thresholds.toml", "thresholds-multihop.toml", "thresholds-rgb.toml"])
def test_committed_thresholds_name_real_figures(name):
    thresholds = gate.load_thresholds(gate.DEFAULT_THRESHOLDS.with_name(name))
    assert len(thresholds["min"]) >= 6 and "overall.trust.answer_precision" in thresholds["min"]
    shown = dict(candidate="CBP detained 242,000 migrants [1].", confidence=0.9)
    rows = [
        make_row(**shown),
        make_row(id="u", category="unanswerable", answerable=False, expected=[], sources=[], **shown),
    ]
    checks = gate.check(aggregate(rows), thresholds)  # raises on a key that names no figure
    assert all(c.value is not None for c in checks if c.key.startswith("overall."))
