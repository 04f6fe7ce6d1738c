"""The command line never shows a traceback: each failure is one ``error:`` line, or a report line.

Every test runs ``python -m rag`` as a real subprocess.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from rag.components.store import forget_clients
from rag.factory import build
from tests.conftest import ROOT
from tests.fakes import HashEmbedder, ScriptedLLM
from tests.robustness.conftest import chunk_counts


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


def _one_error_line(out: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, out.stderr
    return lines[0]


def test_folder_of_bad_files_is_reported_by_name_and_nothing_is_lost(settings, seeds_copy, tmp_path):
    rag = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds_copy)
    before = chunk_counts(rag)
    del rag
    gc.collect()
    forget_clients()

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "image.html").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" * 100)
    (bad / "latin1.md").write_bytes("Canciller Bárcena".encode("latin-1"))
    with (bad / "huge.txt").open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    (bad / "slides.pptx").write_bytes(b"PK\x03\x04")
    out = _cli("ingest", str(bad), RAG_DATA_DIR=str(settings.data_dir))

    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert out.stdout.splitlines() == [
        "0 added, 0 updated, 0 unchanged, 0 removed, 4 skipped (0 chunks embedded)",
        f"  skipped {bad / 'empty.txt'}: the file is empty.",
        f"  skipped {bad / 'huge.txt'}: 52,428,800 bytes is over the 5,000,000-byte limit.",
        f"  skipped {bad / 'image.html'}: looks like a binary file, not a text article.",
        f"  skipped {bad / 'latin1.md'}: not valid UTF-8 (byte 11); re-save the file as UTF-8.",
        "  ignored 1 file(s) that are not .docx, .htm, .html, .markdown, .md, .pdf, .txt: "
        f"{bad / 'slides.pptx'}",
    ]
    after = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    assert chunk_counts(after) == before


def test_a_single_unsupported_file_is_named(tmp_path):
    doc = tmp_path / "minutes.odt"
    doc.write_bytes(b"PK\x03\x04")
    out = _cli("ingest", str(doc), RAG_DATA_DIR=str(tmp_path / "data"))
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert out.stdout.splitlines()[1] == (
        f"  skipped {doc}: unsupported file type; use one of .docx, .htm, .html, .markdown, .md, .pdf, .txt."
    )


def test_a_damaged_pdf_is_named_with_the_reason(tmp_path):
    doc = tmp_path / "minutes.pdf"
    doc.write_bytes(b"%PDF-1.7")
    out = _cli("ingest", str(doc), RAG_DATA_DIR=str(tmp_path / "data"))
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert out.stdout.splitlines()[1].startswith(f"  skipped {doc}: the PDF is damaged and cannot be read")


def test_an_unusable_data_dir_says_which_setting_to_fix(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = _cli("ingest", "seeds", RAG_DATA_DIR=str(blocker / "data"))
    assert out.returncode == 2
    assert _one_error_line(out) == (
        f"error: The data directory {blocker / 'data'} cannot be used (Not a directory); "
        "set RAG_DATA_DIR to a folder you can write to."
    )


def test_an_invalid_setting_names_the_variable(tmp_path):
    out = _cli("ask", "Where did they meet?", RAG_DATA_DIR=str(tmp_path / "d"), RAG_TOP_K="many")
    assert out.returncode == 2
    line = _one_error_line(out)
    assert line.startswith("error: invalid setting: RAG_TOP_K: Input should be a valid integer")


def test_an_unexpected_error_is_one_line_unless_debugging(tmp_path):
    # A stand-in for any bug: the command's body raises something that is not a RagError.
    code = (
        "import sys, rag.cli as cli\n"
        "def boom(*a, **k): raise ZeroDivisionError('simulated bug')\n"
        "cli._run = boom\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAG_DATA_DIR=str(tmp_path / "d"))
    plain, debug = (
        subprocess.run(
            [sys.executable, "-c", code, *flags, "settings"],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
        )
        for flags in ([], ["--debug"])
    )
    assert plain.returncode == 1
    assert _one_error_line(plain) == (
        "error: unexpected ZeroDivisionError: simulated bug (a bug: rerun with --debug and report it)"
    )
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "simulated bug" in debug.stderr


def test_missing_folder(tmp_path):
    out = _cli("ingest", str(tmp_path / "nope"), RAG_DATA_DIR=str(tmp_path / "d"))
    assert out.returncode == 2
    assert _one_error_line(out) == (
        f"error: {Path(tmp_path / 'nope')} does not exist; "
        "give a folder of .txt, .md, .html, .pdf or .docx articles."
    )
