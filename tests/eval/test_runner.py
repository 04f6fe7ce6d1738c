"""The whole harness on a second, tiny gold file: real Chroma, real service, fake embedder and model.

The real model runs the full gold set in test_gate_real.py; here the same
command line is exercised fast, with outcomes we can predict.
"""

import json

import pytest

import rag.factory as factory
from eval.cli import main
from eval.runner import EvalError, eval_index_dir, make_settings, parse_overrides
from rag.settings import Settings
from rag.types import ABSTAIN_TEXT
from tests.conftest import SEEDS
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with

A0, A1, A2 = "000_28062022011ac162", "001_0a0b291abecde7a8", "002_b0aabae521d8c3a1"
TINY = [
    {"id": "detained", "question": "How many migrants did CBP detain on the border with Mexico in November?",
     "answers": [["242,000"]], "sources": [A0, A1], "answerable": True},
    {"id": "palace", "question": "In which palace did Blinken meet López Obrador?",
     "answers": [["National Palace"]], "sources": [A1, A2], "answerable": True},
    {"id": "followup", "question": "How many did it detain in November?",
     "history": [{"role": "user", "content": "Which agency detained migrants at the border?"},
                 {"role": "assistant", "content": "Customs and Border Protection [1]."}],
     "answers": [["242,000"]], "sources": [A0, A1], "answerable": True},
    {"id": "withheld", "question": "Roughly how many migrants did CBP detain at the border in November?",
     "answers": [["242,000"]], "sources": [A0, A1], "answerable": True},
    {"id": "population", "question": "How many people live in Mexico City?",
     "answers": [], "sources": [], "answerable": False},
]  # fmt: skip


def reply(messages):
    content = messages[-1]["content"]
    if "Standalone question:" in content:
        return "How many migrants did CBP detain on the border with Mexico in November?"
    question = content.rsplit("Question:", 1)[-1]
    if "Roughly" in question:
        return ABSTAIN_TEXT  # so "withheld" fails as an over-abstention: the fact is in its prompt
    if "detain" in question:
        return cite_source_with("242,000")(messages)
    if "palace" in question:
        return cite_source_with("National Palace")(messages)
    return ABSTAIN_TEXT


@pytest.fixture
def fake_models(monkeypatch, tmp_path):
    real_build = factory.build
    fake_llm, fake_embedder = ScriptedLLM(reply), HashEmbedder()

    def build(settings, llm=None, embedder=None):
        return real_build(settings, llm=llm or fake_llm, embedder=embedder or fake_embedder)

    monkeypatch.setattr(factory, "build", build)
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    return fake_llm


@pytest.fixture
def tiny_gold(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in TINY), encoding="utf-8")
    return path


def read_rows(out):
    return {r["id"]: r for r in map(json.loads, (out / "predictions.jsonl").read_text().splitlines())}


def test_run_writes_every_output_for_another_gold_file(fake_models, tiny_gold, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--gold", str(tiny_gold), "--out", str(out), "--quiet"]) == 0
    for name in ("predictions.jsonl", "metrics.json", "report.md"):
        assert (out / name).stat().st_size > 0
    for png in ("accuracy_by_category.png", "latency.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = read_rows(out)
    assert list(rows) == [item["id"] for item in TINY]
    assert rows["detained"]["correct"] and "242,000" in rows["detained"]["answer"]
    assert set(rows["detained"]["cited_doc_ids"]) & {A0, A1}
    assert rows["detained"]["retrieved"] and rows["detained"]["prompt_tokens"] > 0
    assert "November" in rows["followup"]["standalone_question"] and rows["followup"]["correct"]
    assert rows["population"]["abstained"] and rows["population"]["correct"]
    assert rows["withheld"]["diagnosis"] == "over-abstention"
    assert [rows[i]["category"] for i in ("detained", "followup", "population")] == [
        "other",
        "followup",
        "unanswerable",
    ]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["overall"]["accuracy"] == pytest.approx(4 / 5)
    assert metrics["overall"]["abstention"]["refusal_recall"] == 1.0
    assert metrics["run"]["n"] == 5 and metrics["run"]["gold"] == str(tiny_gold)
    report = (out / "report.md").read_text()
    assert "![Accuracy by category](accuracy_by_category.png)" in report
    assert "`withheld` (other): over-abstention" in report and "Roughly how many migrants" in report
    assert "## Confidently wrong (0 of 4 answerable)" in report
    assert metrics["overall"]["answers"]["confidently_wrong"] == 0.0
    assert metrics["overall"]["citations"]["uncited_answers"] == 0
    printed = capsys.readouterr().out
    assert "5 questions: answer precision 100.0%, coverage 75.0%" in printed and "accuracy 80.0%" in printed
    assert "uncited answers 0" in printed
    assert metrics["run"]["index"].startswith(str(tmp_path / "data" / "eval-index"))


def test_gate_fails_below_threshold_and_check_subcommand_agrees(fake_models, tiny_gold, tmp_path, capsys):
    strict, lenient = tmp_path / "strict.toml", tmp_path / "lenient.toml"
    strict.write_text('[min]\n"overall.accuracy" = 0.95\n')
    lenient.write_text('[min]\n"overall.accuracy" = 0.75\n[max]\n"overall.cost.prompt_tokens_p50" = 100000\n')
    out = tmp_path / "run"
    assert (
        main(["--gold", str(tiny_gold), "--out", str(out), "--quiet", "--check", "--thresholds", str(strict)])
        == 1
    )
    assert "FAIL  overall.accuracy = 0.8 (needs >= 0.95)" in capsys.readouterr().out
    assert main(["check", str(out), "--thresholds", str(lenient)]) == 0
    assert "all thresholds met" in capsys.readouterr().out


def test_compare_set_runs_twice_and_writes_the_comparison(fake_models, tiny_gold, tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["--gold", str(tiny_gold), "--out", str(out), "--quiet", "--compare-set", "max_passages=1"])
    assert code == 0
    for run in ("a", "b"):
        assert (out / run / "metrics.json").exists()
    assert json.loads((out / "b" / "metrics.json").read_text())["run"]["settings"] == {"max_passages": "1"}
    text = (out / "compare.md").read_text()
    assert "| accuracy | 80.0% |" in text and "max_passages=1" in text
    assert (out / "compare_by_category.png").exists()
    assert main(["compare", str(out / "a"), str(out / "b")]) == 0
    assert "## Questions that changed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "top_kk=4"], "no setting named 'top_kk'"),
        (["--set", "top_k"], "expected KEY=VALUE"),
        (["--set", "top_k=many"], "invalid setting: top_k"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--check", "--thresholds", "missing.toml"], "no such thresholds file"),
        (["--corpus", "no/such/folder"], "not a folder of articles"),
    ],
)
def test_bad_options_exit_2_with_a_message(fake_models, tiny_gold, tmp_path, capsys, argv, message):
    assert main(["--gold", str(tiny_gold), "--out", str(tmp_path / "o"), "--quiet", *argv]) == 2
    assert message in capsys.readouterr().err


def test_compare_of_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 2
    assert "not an eval run (metrics.json is missing)" in capsys.readouterr().err


def test_index_shaping_overrides_get_their_own_index(tmp_path):
    base = Settings(data_dir=tmp_path)
    assert eval_index_dir(base, SEEDS) == eval_index_dir(Settings(data_dir=tmp_path, top_k=3), SEEDS)
    assert eval_index_dir(base, SEEDS) != eval_index_dir(Settings(data_dir=tmp_path, chunk_chars=300), SEEDS)
    assert parse_overrides(["RAG_TOP_K=4", "context_tokens = 300"]) == {"top_k": "4", "context_tokens": "300"}
    with pytest.raises(EvalError):
        parse_overrides(["=4"])


def test_an_interrupted_run_keeps_the_rows_it_measured(tmp_path):
    from types import SimpleNamespace

    from eval.gold import GoldItem
    from eval.runner import run_items
    from rag.types import Answer

    def ask(question, history, options=None):
        if question == "second":
            raise KeyboardInterrupt
        return Answer(question=question, standalone_question=question, answer="242,000 [1].", abstained=False)

    items = [
        GoldItem(id=q, question=q, answers=[["242,000"]], sources=["a"], answerable=True)
        for q in ("first", "second")
    ]
    sink = tmp_path / "predictions.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_items(SimpleNamespace(service=SimpleNamespace(ask=ask)), items, progress=False, sink=sink)
    rows = [json.loads(line) for line in sink.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["first"] and rows[0]["fact_recall"] == 1.0


def test_a_misspelt_check_to_disable_is_an_eval_error():
    with pytest.raises(EvalError, match="no check named 'of topic'"):
        make_settings({"disabled_checks": "of topic"})
    assert make_settings({"disabled_checks": "off topic"}).disabled_checks == ["off topic"]
