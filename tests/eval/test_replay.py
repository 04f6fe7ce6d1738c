"""eval.replay: the answer checks run again on a finished run's recorded answers, no model."""

import json

from eval.cli import main as run_eval
from eval.replay import main as replay
from rag.answer.prompt import BRIEF_SYSTEM
from tests.eval.test_runner import fake_models, read_rows, tiny_gold  # noqa: F401 - fixtures
from tests.eval.test_runner import reply as tiny_reply


def test_replay_reproduces_the_run_and_scores_a_changed_answer(fake_models, tiny_gold, tmp_path):  # noqa: F811
    run, same, changed = tmp_path / "run", tmp_path / "same", tmp_path / "changed"
    assert run_eval(["--gold", str(tiny_gold), "--out", str(run), "--quiet"]) == 0

    def no_model(messages):
        raise AssertionError("replay asked the model")

    fake_models.reply = no_model

    assert replay([str(run), "--out", str(same)]) == 0
    before, after = read_rows(run), read_rows(same)
    assert {k: (r["answer"], r["correct"]) for k, r in before.items()} == {
        k: (r["answer"], r["correct"]) for k, r in after.items()
    }

    # The recorded raw answer now only restates the question: the current checks withhold it.
    rows = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    for row in rows:
        if row["id"] == "detained":
            row["raw_answer"] = "CBP detained migrants on the border with Mexico in November [1]."
            row["attempts"] = [{"raw_answer": row["raw_answer"], "brief": False, "confidence": None}]
    (run / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert replay([str(run), "--out", str(changed)]) == 0
    detained = read_rows(changed)["detained"]
    assert detained["abstained"] and not detained["correct"]
    assert detained["withheld_by"] == "answer kind"  # grounded, but no figure for "how many"
    metrics = json.loads((changed / "metrics.json").read_text())
    assert metrics["overall"]["accuracy"] == 3 / 5 and metrics["run"]["replayed_from"] == str(run)


def test_replay_decides_between_two_recorded_replies_as_the_service_did(fake_models, tiny_gold, tmp_path):  # noqa: F811
    restated = "CBP detained migrants on the border with Mexico in November [1]."

    def reply(messages):  # restates under the plain instructions, names the figure under the brief
        if messages[0]["content"] == BRIEF_SYSTEM or "detain" not in messages[-1]["content"]:
            return tiny_reply(messages)
        return restated

    fake_models.reply = reply
    run, same, off = tmp_path / "run", tmp_path / "same", tmp_path / "off"
    run_eval(["--gold", str(tiny_gold), "--out", str(run), "--quiet"])
    detained = read_rows(run)["detained"]
    assert detained["correct"] and detained["retry"] == "restated"
    assert [a["raw_answer"] for a in detained["attempts"]][0] == restated

    fake_models.reply = None  # replay must not call the model
    assert replay([str(run), "--out", str(same)]) == 0
    assert read_rows(same)["detained"]["answer"] == detained["answer"]
    # Other wording settings re-check the same recorded replies, in the order the run got them.
    assert replay([str(run), "--out", str(tmp_path / "brief"), "--set", "brief_answer_words=1"]) == 0
    assert {k: r["answer"] for k, r in read_rows(tmp_path / "brief").items()} == {
        k: r["answer"] for k, r in read_rows(same).items()
    }
    assert replay([str(run), "--out", str(off), "--set", "retry_answers=false"]) == 0
    without = read_rows(off)["detained"]
    assert (
        without["abstained"]
        and without["withheld_by"] == "answer kind"
        and without["raw_answer"] == restated
    )


def test_replay_of_a_folder_that_is_not_a_run_says_so(tmp_path, capsys):
    assert replay([str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "not a finished eval run" in capsys.readouterr().err
