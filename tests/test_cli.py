import json
import os
import re
import subprocess
import sys

from rag.cli import settings_table
from tests.conftest import ROOT


def _cli(*args, tmp_path):
    env = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = [
        row.split("`")[1] for row in settings_table().splitlines()[2:] if row.split("`")[1] not in readme
    ]
    assert missing == []


def test_empty_question_is_a_clear_error_not_a_traceback(tmp_path):
    out = _cli("ask", "   ", tmp_path=tmp_path)
    assert out.returncode == 2
    assert "The question is empty" in out.stderr and "Traceback" not in out.stderr


def test_ask_without_index_says_how_to_ingest(tmp_path):
    out = _cli("ask", "Where did they meet?", tmp_path=tmp_path)
    assert out.returncode == 2
    assert "python -m rag ingest" in out.stderr and "Traceback" not in out.stderr


def test_ingest_missing_folder_is_a_clear_error(tmp_path):
    out = _cli("ingest", str(tmp_path / "nope"), tmp_path=tmp_path)
    assert out.returncode == 2 and "does not exist" in out.stderr


def test_ask_prints_the_checked_answer_not_the_models_draft(capsys):
    from rag import cli
    from rag.types import Answer, AnswerStream

    withheld = Answer(
        question="q", standalone_question="q", answer="I could not find that in the articles.", abstained=True
    )

    def draft():  # noqa: ANN202 - the model's draft, then the checked answer
        yield "The official "
        yield "said it [1]."
        return withheld

    cli._print_stream(AnswerStream(draft()))
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "I could not find that in the articles."
    assert "The official" not in out  # not a terminal: no draft at all


def test_filter_flags_parse_into_one_filter():
    from rag.cli import _parser, filters_from
    from rag.retrieval.filters import Filters

    args = _parser().parse_args(
        ["ask", "--source", "VOA", "--source", "La Opinión", "--since", "2023-12-27", "--article", "a1", "Q?"]
    )
    assert args.question == "Q?"
    assert filters_from(args) == Filters(
        sources=["VOA", "La Opinión"], since="2023-12-27", until=None, articles=["a1"]
    )
    chat = _parser().parse_args(["chat", "--until", "2024-01-01"])
    assert filters_from(chat) == Filters(until="2024-01-01")
    assert filters_from(_parser().parse_args(["ask", "Q?"])) is None


def _fake_rag(settings, seeds):  # noqa: ANN001, ANN202
    from rag.factory import build
    from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with

    rag = build(settings, llm=ScriptedLLM(cite_source_with("agreement")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds)
    return rag


def test_ask_and_chat_pass_the_filter_to_the_service(settings, seeds_copy, capsys, monkeypatch):
    from rag.cli import _ask, _chat
    from rag.retrieval.filters import Filters
    from rag.service import AskOptions

    service = _fake_rag(settings, seeds_copy).service
    late = AskOptions(filters=Filters(since="2023-12-29"))
    question = "What agreement was reached about the border crossings?"
    assert _ask(service, question, late, as_json=True) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["retrieved"] == ["004_3f19723b59c844a4"] and result["citations"]
    assert {c["doc_id"] for c in result["citations"]} == {"004_3f19723b59c844a4"}

    replies = iter([question, ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(replies))
    assert _chat(service, late) == 0
    out = capsys.readouterr().out
    assert "Answering only from articles dated on or after 2023-12-29." in out
    cited = re.findall(r"^  \[\d+\] (\S+)", out, flags=re.M)
    assert cited and set(cited) == {"004_3f19723b59c844a4"}


def test_a_malformed_date_flag_is_a_clear_error_not_a_traceback(tmp_path):
    out = _cli("ask", "--since", "2023-13-01", "Where did they meet?", tmp_path=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == "error: The since date '2023-13-01' is not a date; write it as YYYY-MM-DD."
    out = _cli("chat", "--since", "2024-02-01", "--until", "2024-01-01", tmp_path=tmp_path)
    assert out.stderr.strip() == "error: The since date 2024-02-01 is after the until date 2024-01-01."


def test_an_impossible_filter_over_an_index_is_a_clear_error(settings, seeds_copy, tmp_path):
    _fake_rag(settings, seeds_copy)  # the index the CLI opens (RAG_DATA_DIR); no model is loaded
    out = _cli("ask", "--source", "Foo", "Where did they meet?", tmp_path=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == "error: No article is from outlet 'Foo'. Known outlets: Gestion."
    out = _cli("ask", "--since", "2024-01-01", "--source", "gestión", "Where?", tmp_path=tmp_path)
    assert out.stderr.strip() == "error: No article is dated on or after 2024-01-01."


def test_checks_lists_every_check_and_the_threshold_in_force(tmp_path):
    from rag.answer.checks import CHECK_NAMES

    out = _cli("checks", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert all(f"| {name} | veto |" in out.stdout for name in CHECK_NAMES)
    assert "with token probabilities:" in out.stdout and "shows answers at" in out.stdout
    env_off = _cli_env("checks", tmp_path=tmp_path, RAG_DISABLED_CHECKS="off topic")
    assert "| off topic | off |" in env_off.stdout


def _cli_env(*args, tmp_path, **env):
    full = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, env=full, cwd=ROOT
    )


def test_an_unknown_check_name_is_refused_with_the_names_there_are(tmp_path):
    out = _cli_env("checks", tmp_path=tmp_path, RAG_DISABLED_CHECKS="of topic")
    assert out.returncode == 2 and "no check named 'of topic'" in out.stderr and "off topic" in out.stderr
    assert "Traceback" not in out.stderr
