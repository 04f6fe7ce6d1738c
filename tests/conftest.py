from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.factory import Rag, build
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


# One real pipeline per test session, shared by every e2e test (the model loads once):
# packaged model, real embedder, real Chroma on disk with seeds/ ingested.
@pytest.fixture(scope="session")
def real_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("e2e") / "data")


@pytest.fixture(scope="session")
def real_rag(real_settings) -> Rag:
    rag = build(real_settings)
    report = rag.ingestor.ingest_path(SEEDS)
    assert len(report.added) == 5
    return rag


def ask_cli_json(settings, *args: str) -> dict:
    """``python -m rag ask --json ARGS`` in a fresh process on ``settings``' index; its JSON."""
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ, RAG_DATA_DIR=str(settings.data_dir), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "rag", "ask", "--json", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, check=True)
    return json.loads(out.stdout)


@pytest.fixture(autouse=True)
def _show_every_checked_answer(request, monkeypatch):
    """Fast tests drive the service with scripted replies, whose confidence the calibration
    (fitted on the real model's replies) says nothing about: there, every answer that passes
    the vetoes is shown. Tests of the threshold set their own; e2e tests use the shipped one."""
    if request.node.get_closest_marker("e2e") is None:
        monkeypatch.setenv("RAG_ANSWER_THRESHOLD", "0")


def rebuilt(rag: Rag, llm=None, **settings) -> Rag:  # noqa: ANN001 - an LLM
    """A new pipeline over ``rag``'s index with ``settings`` changed and, if given, another
    generator; it shares ``rag``'s loaded models. Nothing of ``rag`` is patched."""
    changed = rag.settings.model_copy(update=settings)
    return build(changed, llm=llm or rag.service.llm, embedder=rag.ingestor.embedder)


def every_checked_answer(rag: Rag) -> Rag:
    """``rag`` showing every answer that grounding and the vetoes let through, whatever its
    confidence (a new pipeline on the same index and models; ``rag`` itself is unchanged).

    For real-model tests of what comes before and after the decision (retrieval, citations,
    follow-ups, the figures and list steps): the threshold itself is measured by the eval
    gate and tested in tests/e2e/test_failure_kinds_real.py."""
    return rebuilt(rag, answer_threshold=0.0)
