"""The generator as a separate OpenAI-compatible server: llama-cpp-python's own, on loopback.

This is how a team shares one loaded model between several app processes. The server
needs llama-cpp-python's [server] extra (sse-starlette, starlette-context), which the
lock installs; without it the test fails saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from rag.components.llm import resolve_model_path
from rag.factory import build
from rag.settings import Settings
from tests.conftest import ROOT, SEEDS
from tests.facts import states
from tests.robustness.conftest import free_port

pytestmark = pytest.mark.e2e

SERVER_EXTRA = "sse-starlette and starlette-context (llama-cpp-python[server])"


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path)


@pytest.fixture(scope="module")
def model_server() -> Iterator[str]:
    probe = subprocess.run(
        [sys.executable, "-c", "import llama_cpp.server.app"], capture_output=True, text=True, env=_env()
    )
    if probe.returncode != 0:
        pytest.fail(f"llama_cpp.server cannot start here: {SERVER_EXTRA} not installed\n{probe.stderr}")
    port = free_port()
    model = resolve_model_path(Settings(), progress=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(),
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not come up on port {port}") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def test_cli_answers_through_an_openai_compatible_model_server(model_server, tmp_path, real_embedder):
    settings = Settings(data_dir=tmp_path / "data")
    build(settings, llm=None, embedder=real_embedder).ingestor.ingest_path(SEEDS)
    env = _env() | {
        "RAG_DATA_DIR": str(settings.data_dir),
        "RAG_LLM_BACKEND": "openai",
        "RAG_OPENAI_BASE_URL": model_server,
    }
    out = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "--json",
         "How many migrants did CBP detain on the Mexican border in November?"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert states(result["answer"], "242,000"), result["answer"]
    cited = {d for c in result["citations"] for d in c["doc_ids"]}
    assert cited & {"000_28062022011ac162", "001_0a0b291abecde7a8"}, cited
    # The stream carries no usage: the prompt's texts are counted by the server's tokenizer,
    # and the answer says the counts are estimates.
    assert 150 < result["prompt_tokens"] < 1000 and result["completion_tokens"] > 0
    assert result["estimated"] == ["completion_tokens", "prompt_tokens"], result["estimated"]
    # The server's logprobs give the confidence the model's token probabilities, as in-process.
    assert result["features"]["min token logprob"] is not None, result["features"]
    assert result["missing_signals"] == [], result["missing_signals"]
