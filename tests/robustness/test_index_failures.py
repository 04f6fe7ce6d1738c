"""A damaged, incompatible or unreachable Chroma index: a RagError with a remedy, and --rebuild recovers.

Real Chroma directories; the CLI runs as a real subprocess (its rebuild uses the real embedder).
"""

from __future__ import annotations

import gc
import os
import pickle
import sqlite3
import subprocess
import sys

import pytest

from rag.components.store import forget_clients, reset_store
from rag.errors import RagError
from rag.factory import build
from rag.settings import Settings
from tests.conftest import ROOT
from tests.fakes import HashEmbedder, ScriptedLLM
from tests.robustness.conftest import free_port

REBUILD = "python -m rag ingest --rebuild PATH"


def _fake(settings: Settings):  # noqa: ANN202
    return build(settings, llm=ScriptedLLM(lambda m: "x [1]"), embedder=HashEmbedder())


def _indexed(settings: Settings, seeds_copy) -> None:  # noqa: ANN001
    rag = _fake(settings)
    rag.ingestor.ingest_path(seeds_copy)
    assert len(rag.store.articles()) == 5
    del rag
    gc.collect()
    forget_clients()  # as a new process would: the CLI below damages and rebuilds the files


def _garble(settings: Settings) -> None:
    db = settings.chroma_dir / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    data[100:40_000] = os.urandom(39_900)
    db.write_bytes(bytes(data))


def _old_schema(settings: Settings) -> None:
    """What an index from another Chroma version looks like to this one: a table it does not know."""
    with sqlite3.connect(settings.chroma_dir / "chroma.sqlite3") as db:
        db.execute("ALTER TABLE embeddings RENAME COLUMN embedding_id TO record_id")


def _cli(*args: str, settings: Settings, **env: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, RAG_DATA_DIR=str(settings.data_dir), PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )


@pytest.mark.parametrize("damage", [_garble, _old_schema], ids=["garbled", "other-version"])
def test_a_damaged_index_is_a_rag_error_that_says_how_to_rebuild(settings, seeds_copy, damage):
    _indexed(settings, seeds_copy)
    damage(settings)
    with pytest.raises(RagError) as err:
        rag = _fake(settings)
        rag.service.ask("How many migrants did CBP detain in November?")
    message = str(err.value)
    assert str(settings.chroma_dir) in message and REBUILD in message


def test_chromas_own_pickle_is_never_run_when_tampered(settings, seeds_copy, tmp_path):
    """Chroma keeps each vector segment's id map in ``index_metadata.pickle`` inside the data
    directory. Chroma 1.5.9 reads it in Rust (serde-pickle), which resolves no Python global,
    so a file that would run code is refused as damaged. A Chroma that read it with Python's
    pickle would run the payload in every app process: this guards the pinned version."""
    _indexed(settings, seeds_copy)
    # Chroma writes the segment's files once 1,000 vectors are waiting (its sync threshold);
    # the seeds have fewer chunks, so stale copies of them (as a killed ingest leaves) get there.
    store = _fake(settings).store
    got = store.chunks.get(include=["embeddings", "metadatas"])
    for c in range(-(-1000 // len(got["ids"]))):
        metas = [dict(m, sha=f"stale-{c}") for m in got["metadatas"]]
        store.chunks.add(ids=[f"{i}-{c}" for i in got["ids"]], embeddings=got["embeddings"], metadatas=metas)
    del store
    gc.collect()
    forget_clients()
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # noqa: ANN204
            return (open, (str(marker), "w"))

    pickles = list(settings.chroma_dir.rglob("index_metadata.pickle"))
    assert pickles, "Chroma wrote no index_metadata.pickle: this test no longer covers it"
    for path in pickles:
        path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(RagError) as err:
        _fake(settings).service.ask("How many migrants did CBP detain in November?")
    assert "pickle" in str(err.value) and REBUILD in str(err.value)
    assert not marker.exists()


def test_an_index_built_with_another_embedder_says_so(settings, seeds_copy):
    _indexed(settings, seeds_copy)

    class Wider(HashEmbedder):
        dim = 300

    rag = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=Wider())
    with pytest.raises(RagError, match="built with a different embedding model") as err:
        rag.service.ask("How many migrants did CBP detain in November?")
    assert REBUILD in str(err.value)


def test_cli_reports_a_damaged_index_and_rebuild_recovers(settings, seeds_copy):
    _indexed(settings, seeds_copy)
    _old_schema(settings)
    for args in (("ask", "How many migrants did CBP detain?"), ("ingest", str(seeds_copy))):
        out = _cli(*args, settings=settings)
        assert out.returncode == 2, out.stderr
        last = out.stderr.strip().splitlines()[-1]
        assert last.startswith("error: The Chroma index at") and REBUILD in last
        assert "Traceback" not in out.stderr

    out = _cli("ingest", "--rebuild", str(seeds_copy), settings=settings)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("5 added, 0 updated, 0 unchanged, 0 removed, 0 skipped")
    store = build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder()).store
    assert len(store.articles()) == 5
    assert store.count() == sum(m.n_chunks for m in store.articles().values())


def test_rebuild_in_the_same_process_does_not_see_the_old_index(settings, seeds_copy):
    rag = _fake(settings)
    rag.ingestor.ingest_path(seeds_copy)
    reset_store(settings)
    fresh = _fake(settings)
    assert fresh.store.articles() == {} and fresh.store.count() == 0
    assert len(fresh.ingestor.ingest_path(seeds_copy).added) == 5


def test_cli_names_an_unreachable_chroma_server(settings):
    port = free_port()
    out = _cli("ask", "Where did they meet?", settings=settings, RAG_VECTOR_STORE="chroma_http",
               RAG_CHROMA_PORT=str(port))
    assert out.returncode == 2
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: Cannot reach the Chroma server at 127.0.0.1:{port}")
    assert f"chroma run --path DIR --host 127.0.0.1 --port {port}" in last
    assert "Traceback" not in out.stderr
