"""SIGKILL in the middle of ``python -m rag ingest``: the index is old-or-new per article, never half.

Real subprocesses, real embedder, real Chroma directory. The manifest record is each
article's commit point (see rag/components/store.py), so after the kill every article in
the manifest must have exactly its own chunks for its sha, and re-running must finish.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rag.components.store import forget_clients, open_store
from rag.ingest.reader import sha256_bytes
from rag.retrieval.lexical import LexicalIndex
from rag.retrieval.retriever import Snapshot
from rag.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

N_ARTICLES = 40
_INDEXING = re.compile(r"Indexing:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")


def _write_corpus(folder: Path, version: str) -> dict[str, str]:
    """N articles of about two chunks each; returns doc id -> sha256 of this version."""
    folder.mkdir(exist_ok=True)
    shas = {}
    for i in range(N_ARTICLES):
        lines = [f"Border report {i} ({version})"]
        for j in range(6):
            lines.append(
                f"In the {version} edition, officials at crossing {i} reviewed rail freight on day {j} "
                f"and counted {i * 100 + j} trucks waiting near the bridge."
            )
        data = ("\n".join(lines) + "\n").encode()
        (folder / f"report{i:03d}.txt").write_bytes(data)
        shas[f"report{i:03d}"] = sha256_bytes(data)
    return shas


def _env(settings: Settings) -> dict[str, str]:
    # Small write batches, so the kill lands between two commits rather than after the only one.
    env = dict(os.environ, RAG_DATA_DIR=str(settings.data_dir), PYTHONPATH=str(ROOT), RAG_WRITE_BATCH="4")
    env.pop("RAG_LEXICAL_DIR", None)
    return env


def _ingest(folder: Path, settings: Settings) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rag", "ingest", str(folder)],
        capture_output=True, text=True, env=_env(settings), cwd=ROOT, timeout=900,
    )


def _ingest_and_kill(folder: Path, settings: Settings, after: int) -> int:
    """Start an ingest, SIGKILL it once ``after`` articles are indexed; returns how many were."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag", "ingest", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(settings), cwd=ROOT,
    )
    seen = {"done": 0, "log": b""}

    def watch() -> None:
        while chunk := proc.stderr.read1(4096):
            seen["log"] += chunk
            found = _INDEXING.findall(seen["log"][-400:].decode(errors="replace"))
            if found and int(found[-1][0]) >= after:
                seen["done"] = int(found[-1][0])
                proc.send_signal(signal.SIGKILL)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        proc.wait(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
    watcher.join(5)
    assert proc.returncode == -signal.SIGKILL, (
        f"the ingest ended on its own ({proc.returncode}) before it could be killed:\n"
        + seen["log"].decode(errors="replace")[-2000:]
    )
    return seen["done"]


def _live_chunks(settings: Settings) -> tuple[dict, dict[str, list]]:
    """The manifest, and per article the stored chunks of the version the manifest names."""
    forget_clients()  # a fresh view of the files, as a restarted process would have
    store = open_store(settings)
    manifest = store.articles()
    live: dict[str, list] = {doc: [] for doc in manifest}
    for chunk, sha in store.iter_chunks():
        if chunk.doc_id in manifest and manifest[chunk.doc_id].version == sha:
            live[chunk.doc_id].append(chunk)
    return manifest, live


def _check_lexical(settings: Settings, manifest: dict, versions: dict[str, str]) -> None:
    """The killed process's lexical index never holds an uncommitted version, and one sync
    (what the next process start does) makes it match the manifest exactly."""
    index = LexicalIndex(settings.lexical_path / "lexical.sqlite")
    synced = index.synced()
    assert all(manifest[doc].version == sha for doc, sha in synced.items() if doc in manifest), synced
    index.close()
    snapshot = Snapshot(open_store(settings), lexical_dir=settings.lexical_path).refresh()
    assert snapshot.lexical.synced() == {doc: meta.version for doc, meta in manifest.items()}
    assert len(snapshot) == sum(m.n_chunks for m in manifest.values())
    sql = "SELECT text FROM chunks WHERE doc_id = ?"
    for doc, version in versions.items():
        edition = "second" if version == "new" else "first"
        texts = [t for (t,) in snapshot.lexical.conn.execute(sql, (doc,))]
        assert texts and all(f"the {edition} edition" in t for t in texts), doc
    # A real query: "second" is only in the new edition, so it finds exactly the committed new ones.
    found = {c.doc_id for c, _, _ in snapshot.lexical.search("second", 500)}
    assert found == {doc for doc, v in versions.items() if v == "new"}
    snapshot.lexical.close()


def test_sigkill_mid_ingest_leaves_each_article_old_or_new_and_a_rerun_completes(settings, tmp_path):
    folder = tmp_path / "corpus"
    old = _write_corpus(folder, "first")
    first = _ingest(folder, settings)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"{N_ARTICLES} added")

    new = _write_corpus(folder, "second")  # every article changes
    started = time.perf_counter()
    indexed = _ingest_and_kill(folder, settings, after=3)
    print(f"killed after {indexed} of {N_ARTICLES} articles, {time.perf_counter() - started:.1f}s in")

    manifest, live = _live_chunks(settings)
    assert sorted(manifest) == sorted(old), "an article vanished from the manifest"
    versions = {doc: ("new" if meta.sha256 == new[doc] else "old") for doc, meta in manifest.items()}
    assert all(meta.sha256 in (old[doc], new[doc]) for doc, meta in manifest.items())
    assert "new" in versions.values() and "old" in versions.values(), versions  # killed part-way
    for doc, meta in manifest.items():
        chunks = sorted(live[doc], key=lambda c: c.index)
        assert [c.index for c in chunks] == list(range(meta.n_chunks)), doc
        edition = "second" if versions[doc] == "new" else "first"
        assert all(f"the {edition} edition" in c.text for c in chunks), doc

    _check_lexical(settings, manifest, versions)
    # What retrieval sees is exactly the committed chunks, and the vector index answers queries.
    store = open_store(settings)
    probe = np.ones(384, dtype=np.float32) / np.sqrt(384)
    assert store.query(probe, 5)

    again = _ingest(folder, settings)
    assert again.returncode == 0, again.stderr
    n_new = list(versions.values()).count("new")
    assert again.stdout.startswith(f"0 added, {N_ARTICLES - n_new} updated, {n_new} unchanged")
    manifest, live = _live_chunks(settings)
    assert {doc: meta.sha256 for doc, meta in manifest.items()} == new
    assert all(len(live[doc]) == meta.n_chunks for doc, meta in manifest.items())
    # Stale chunks of the first edition were pruned as each article was re-committed.
    assert open_store(settings).count() == sum(m.n_chunks for m in manifest.values())
