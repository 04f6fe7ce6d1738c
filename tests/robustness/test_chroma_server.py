"""A Chroma server instead of the embedded store (RAG_VECTOR_STORE=chroma_http), as a team runs it.

Each test starts a real ``chroma run`` on a free loopback port and stops it in teardown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.factory import build
from rag.settings import Settings
from tests.conftest import ROOT, SEEDS
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with
from tests.robustness.conftest import free_port

QUESTION = "How many migrants did CBP detain on the Mexican border in November?"


@dataclass
class ChromaServer:
    port: int
    process: subprocess.Popen

    def settings(self, data_dir: Path) -> Settings:
        return Settings(data_dir=data_dir, vector_store="chroma_http", chroma_port=self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_chroma(path: Path) -> ChromaServer:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = ChromaServer(port, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                return server
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"chroma run did not answer on port {port}")


@pytest.fixture
def chroma_server(tmp_path) -> Iterator[ChromaServer]:
    server = start_chroma(tmp_path / "chroma-server")
    yield server
    server.stop()


def test_two_processes_share_one_index_through_the_server(chroma_server, tmp_path):
    settings = chroma_server.settings(tmp_path / "app1")
    rag = build(settings, llm=ScriptedLLM(cite_source_with("242,000")), embedder=HashEmbedder())
    assert len(rag.ingestor.ingest_path(SEEDS).added) == 5
    assert not (settings.data_dir / "chroma").exists()  # nothing embedded on this side

    # A second app process with its own data dir sees the same manifest: nothing to re-embed.
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), RAG_DATA_DIR=str(tmp_path / "app2"),
        RAG_VECTOR_STORE="chroma_http", RAG_CHROMA_PORT=str(chroma_server.port),
    )
    out = subprocess.run(
        [sys.executable, "-m", "rag", "ingest", str(SEEDS)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("0 added, 0 updated, 5 unchanged, 0 removed, 0 skipped (0 chunks embedded)")

    result = rag.service.ask(QUESTION)
    assert "242,000" in result.answer and result.citations


_WATCHER = """
import json, sys, time
from rag.factory import build
from tests.fakes import HashEmbedder, ScriptedLLM
rag = build(llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
lexical = rag.service.retriever.bm25
def docs():
    return [h.chunk.doc_id for h in lexical.retrieve(sys.argv[1], 5)]
print(json.dumps(docs()), flush=True)
sys.stdin.readline()
t0 = time.monotonic()
while not docs() and time.monotonic() - t0 < 20:
    time.sleep(0.2)
seen = {"docs": docs(), "after_s": time.monotonic() - t0}
print(json.dumps({**seen, "synced": len(rag.service.snapshot.lexical.synced())}), flush=True)
"""


def test_an_article_ingested_by_one_app_is_found_by_another_within_seconds(chroma_server, tmp_path):
    settings = chroma_server.settings(tmp_path / "app1")
    rag = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    rag.ingestor.ingest_path(SEEDS)
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), RAG_DATA_DIR=str(tmp_path / "app2"),
        RAG_VECTOR_STORE="chroma_http", RAG_CHROMA_PORT=str(chroma_server.port),
    )
    other = subprocess.Popen(
        [sys.executable, "-c", _WATCHER, "Valparaiso harbour pilots"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    try:
        assert json.loads(other.stdout.readline()) == []  # synced the five seeds, nothing matches yet
        folder = tmp_path / "new"
        folder.mkdir()
        (folder / "harbour.txt").write_text("Harbour pilots in Valparaiso counted 7319 containers.")
        assert rag.ingestor.ingest_path(folder).added == ["harbour"]
        other.stdin.write("go\n")
        other.stdin.flush()
        seen = json.loads(other.stdout.readline())
    finally:
        other.kill()
        other.wait(10)
    assert seen["docs"] == ["harbour"] and seen["synced"] == 6
    assert seen["after_s"] < 5  # the manifest is re-read every 2 s; one article is then synced


def test_rebuild_clears_the_server_collections(chroma_server, tmp_path):
    from rag.components.store import reset_store

    settings = chroma_server.settings(tmp_path / "app")
    rag = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    rag.ingestor.ingest_path(SEEDS)
    reset_store(settings)
    fresh = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder())
    assert fresh.store.articles() == {} and fresh.store.count() == 0


def test_a_server_that_goes_away_is_a_clear_error_and_nothing_is_lost(chroma_server, tmp_path):
    settings = chroma_server.settings(tmp_path / "app")
    rag = build(settings, llm=ScriptedLLM(cite_source_with("242,000")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(SEEDS)
    n_chunks = rag.store.count()
    chroma_server.stop()

    rag.service.snapshot.invalidate()
    with pytest.raises(RagError) as err:
        rag.service.ask(QUESTION)
    assert str(err.value).startswith(f"The Chroma server at http://127.0.0.1:{chroma_server.port} failed")
    assert "check it is running" in str(err.value)

    # Restarted on the same files, the index is all there.
    restarted = start_chroma(tmp_path / "chroma-server")
    try:
        again = build(restarted.settings(tmp_path / "app"), llm=rag.service.llm, embedder=HashEmbedder())
        assert again.store.count() == n_chunks and len(again.store.articles()) == 5
        assert "242,000" in again.service.ask(QUESTION).answer
    finally:
        restarted.stop()


@pytest.mark.e2e
def test_real_model_answers_through_a_chroma_server(chroma_server, tmp_path, real_llm, real_embedder):
    rag = build(chroma_server.settings(tmp_path / "app"), llm=real_llm, embedder=real_embedder)
    assert len(rag.ingestor.ingest_path(SEEDS).added) == 5
    result = rag.service.ask(QUESTION)
    assert not result.abstained, result.model_dump_json(indent=1)
    assert "242,000" in result.answer
    cited = {d for c in result.citations for d in c.doc_ids}
    assert cited & {"000_28062022011ac162", "001_0a0b291abecde7a8"}, cited
