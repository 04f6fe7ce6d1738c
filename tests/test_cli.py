import os
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
    from rag.types import Answer

    withheld = Answer(
        question="q", standalone_question="q", answer="I could not find that in the articles.", abstained=True
    )
    cli._print_stream(iter(["The official ", "said it [1]."] + [withheld]))
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "I could not find that in the articles."
    assert "The official" not in out  # not a terminal: no draft at all
