"""Start-up rules: loopback by default, refuse exposure without an API key and logins."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from rag.errors import RagError
from rag.factory import build
from rag.settings import Settings
from rag.web.server import check_exposure, is_loopback, warm_quietly
from rag.web.ui import parse_auth
from tests.conftest import ROOT
from tests.fakes import HashEmbedder, ScriptedLLM


@pytest.mark.parametrize(
    ("host", "loop"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_detection(host, loop):
    assert is_loopback(host) is loop


def test_exposed_host_needs_both_api_key_and_auth(tmp_path):
    base = Settings(data_dir=tmp_path, host="0.0.0.0")
    with pytest.raises(RagError, match="RAG_API_KEY and RAG_AUTH"):
        check_exposure(base)
    with pytest.raises(RagError, match="RAG_AUTH"):
        check_exposure(base.model_copy(update={"api_key": "k"}))
    check_exposure(base.model_copy(update={"api_key": "k", "auth": "ann:pw"}))
    check_exposure(Settings(data_dir=tmp_path))  # the default binds to loopback


def test_app_refuses_to_start_exposed_with_a_clear_message(tmp_path):
    env = dict(os.environ, RAG_HOST="0.0.0.0", RAG_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("RAG_API_KEY", None)
    env.pop("RAG_AUTH", None)
    out = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2
    assert "Refusing to listen on 0.0.0.0" in out.stderr and "Traceback" not in out.stderr


def test_auth_setting_parses_into_gradio_logins():
    assert parse_auth(None) is None
    assert parse_auth("ann:pw1, bob:p:w2") == [("ann", "pw1"), ("bob", "p:w2")]
    with pytest.raises(RagError, match="user:password"):
        parse_auth("ann")


class _LoadingLLM(ScriptedLLM):
    def __init__(self, error: Exception | None = None) -> None:
        super().__init__(lambda messages: "unused")
        self.loads, self.error = 0, error

    def load(self) -> None:
        self.loads += 1
        if self.error:
            raise self.error


def test_warm_up_loads_both_models_before_any_question(tmp_path):
    embedder, llm = HashEmbedder(), _LoadingLLM()
    rag = build(Settings(data_dir=tmp_path), llm=llm, embedder=embedder)
    warm_quietly(rag)
    assert llm.loads == 1
    assert embedder.calls == 1


def test_a_failed_warm_up_is_logged_not_raised(tmp_path, caplog):
    llm = _LoadingLLM(RagError("The model file is missing; run python -m rag model."))
    rag = build(Settings(data_dir=tmp_path), llm=llm, embedder=HashEmbedder())
    with caplog.at_level(logging.WARNING, logger="rag.web.server"):
        warm_quietly(rag)
    assert llm.loads == 1
    assert "models not preloaded: The model file is missing" in caplog.text
