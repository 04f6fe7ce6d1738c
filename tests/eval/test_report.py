"""Confidently wrong and uncited answers in report.md, the summary line and `python -m eval compare`."""

import json

from eval import compare, report
from eval.cli import print_summary
from eval.scoring import aggregate
from tests.eval.test_scoring import REFUSAL, TWO_FACTS, make_row

RUN = dict(gold="gold.jsonl", n=4, started="2025-01-01T00:00:00", duration_s=60.0, settings={}, commit="abc")


def rows():
    return [
        make_row(id="right"),
        make_row(id="half", category="list", expected=TWO_FACTS, answer="CBP held 242,000 | [1]."),
        make_row(id="uncited", expected=TWO_FACTS, citations=[]),
        make_row(id="refused", **REFUSAL),
    ]


def metrics_of(scored):
    return {**aggregate(scored), "run": dict(RUN)}


def test_report_shows_both_figures_and_lists_the_confidently_wrong():
    scored = rows()
    text = report.render(metrics_of(scored), scored, plots=[])
    assert "| confidently wrong | 25.0% |" in text  # 1 of 4 answerable
    assert "| uncited answers | 1 |" in text
    header = next(line for line in text.splitlines() if line.startswith("| category | n |"))
    assert "| confidently wrong |" in header and "| uncited answers |" in header
    # answer precision, coverage, unanswerable answered, fact recall, accuracy, confidently wrong
    assert "| list | 1 | 0.0% | 100.0% | n/a | 50.0% | 0.0% | 100.0% |" in text
    # The trust figures lead the summary: 1 of the 3 answers shown is fully right.
    summary = text.split("## Summary\n", 1)[1]
    assert summary.index("| answer precision | 33.3% |") < summary.index("| accuracy |")
    section = text.split("## Confidently wrong (1 of 4 answerable)\n", 1)[1].split("\n## ", 1)[0]
    assert "| `half` | CBP held 242,000 \\| [1]. | 242,000 (found); El Paso (missing) |" in section
    assert "`uncited`" not in section and "`refused`" not in section
    assert "### 1. `refused` (number): over-abstention" in text  # failure details unchanged


def test_report_says_so_when_nothing_is_confidently_wrong():
    scored = [make_row(id="right"), make_row(id="refused", **REFUSAL)]
    text = report.render(metrics_of(scored), scored, plots=[])
    assert "## Confidently wrong (0 of 2 answerable)\n\nNo answerable question" in text


def test_summary_line_shows_both(capsys, tmp_path):
    print_summary(metrics_of(rows()), tmp_path)
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("4 questions: answer precision 33.3%, coverage 75.0%, unanswerable answered n/a,")
    assert ", fact recall 50.0%," in line and ", accuracy 25.0%," in line
    assert ", uncited answers 1," in line


def write_run(path, scored, metrics):
    path.mkdir()
    (path / "metrics.json").write_text(json.dumps(metrics))
    (path / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in scored))


def test_compare_lists_both_with_lower_is_better(tmp_path):
    a, b = rows(), [make_row(id="right"), make_row(id="half", category="list", expected=TWO_FACTS)]
    b += [make_row(id="uncited", expected=TWO_FACTS), make_row(id="refused", **REFUSAL)]
    write_run(tmp_path / "a", a, metrics_of(a))
    write_run(tmp_path / "b", b, metrics_of(b))  # "uncited" now cites, and so is confidently wrong
    text = compare.render(tmp_path / "a", tmp_path / "b")[0]
    assert "| confidently wrong | 25.0% | 50.0% | +25.0 pt worse |" in text
    assert "| uncited answers | 1 | 0 | -1 better |" in text


def test_compare_with_a_run_from_before_the_figures(tmp_path):
    scored = rows()
    old = metrics_of(scored)
    del old["overall"]["answers"]["confidently_wrong"], old["overall"]["citations"]["uncited_answers"]
    write_run(tmp_path / "old", scored, old)
    write_run(tmp_path / "new", scored, metrics_of(scored))
    text = compare.render(tmp_path / "old", tmp_path / "new")[0]
    assert "| confidently wrong | n/a | 25.0% |  |" in text
    assert "| uncited answers | n/a | 1 |  |" in text
