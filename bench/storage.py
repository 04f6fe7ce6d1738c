"""python -m bench --only storage: what the on-disk indexes cost, model-free and short.

A synthetic corpus (bench.synth) is ingested with precomputed vectors (RandomEmbedder:
checksum-derived unit vectors, so the figure is our overhead plus Chroma, not MiniLM).
Then a fresh process opens the same data directory and we time, in it, restart to the
first retrieval and its memory, and retrieval + sentence selection over many queries.
Queries embed with RandomEmbedder too, so the figures leave out the question's MiniLM
embedding (about 10 ms on this machine; see the latency section for the real one).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Clock, stats

N_QUERIES = 60
# The store's writes during an ingest: the Chroma share of its time (rag.store.timings).
WRITES = ("add_chunks", "put_article", "put_articles", "prune_chunks", "prune_many", "delete_article")


def run(work: Path, n_chunks: int, log=print) -> dict[str, Any]:  # noqa: ANN001
    from bench.scale import build_corpus
    from bench.synth import RandomEmbedder, TimedEmbedder
    from rag.factory import build
    from rag.settings import Settings

    folder, paths = build_corpus(work, n_chunks)
    settings = Settings(data_dir=work / f"storage-data-{len(paths)}")
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    embedder = TimedEmbedder(RandomEmbedder())
    rag = build(settings, embedder=embedder)
    with Clock() as c:
        report = rag.ingestor.ingest_path(folder)
    n = report.chunks
    chroma_s = rag.store.timings.total(*WRITES)
    out: dict[str, Any] = {
        "articles": len(paths),
        "chunks": n,
        "ingest_s": c.s,
        "ingest_chunks_per_s": n / c.s,
        # "Precomputed vectors": making the (random) vectors is not the ingest's cost.
        "ingest_precomputed_chunks_per_s": n / (c.s - embedder.seconds),
        "chroma_s": chroma_s,
        "chroma_chunks_per_s": n / chroma_s,
        "write_batch": settings.write_batch,
        "load": [c.load_before, c.load_after],
    }
    log(f"  ingested {report.chunks} chunks in {c.s:.1f}s ({report.chunks / c.s:.0f} chunks/s)")
    out["disk_mb"] = {
        name: _size_mb(settings.data_dir / name) for name in ("chroma", settings.lexical_path.name)
    }
    out["restart"] = restart(settings.data_dir)
    return out


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def restart(data_dir: Path) -> dict[str, Any]:
    """A fresh process on ``data_dir``: see :func:`probe`."""
    cmd = [sys.executable, "-m", "bench.storage", str(data_dir)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def probe(data_dir: Path) -> dict[str, Any]:
    """In the fresh process: restart to first retrieval, then retrieval latency and memory."""
    t0 = time.perf_counter()
    from bench.scale import queries
    from bench.synth import CountingEmbedder, RandomEmbedder
    from rag.factory import build
    from rag.settings import Settings

    embedder = CountingEmbedder(RandomEmbedder())
    rss_start = _rss_mb()
    rag = build(Settings(data_dir=data_dir), embedder=embedder)  # the LLM is never loaded
    qs = queries(2 * N_QUERIES + 1)
    rag.service.retrieve(qs[0])
    out: dict[str, Any] = {
        "restart_to_first_retrieval_s": time.perf_counter() - t0,
        "synced_articles": len(rag.service.snapshot.lexical.synced()),
    }
    # Each timing on queries not asked before: a repeated query finds its index pages
    # cached, which at 1M chunks made the second call's p95 half the first's.
    full = []
    for q in qs[1 : N_QUERIES + 1]:
        before = embedder.texts
        with Clock() as c:
            rag.service.retrieve(q)
        full.append(c.s)
        out["texts_embedded_per_question"] = embedder.texts - before  # retrieval and selection
    hybrid = []
    for q in qs[N_QUERIES + 1 :]:
        with Clock() as c:
            rag.service.retriever.retrieve(q, rag.settings.top_k)
        hybrid.append(c.s)
    out.update(
        hybrid_s=stats(hybrid),
        retrieve_with_selection_s=stats(full),
        peak_rss_mb=_rss_mb(),
        rss_at_start_mb=rss_start,
    )
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def lines(st: dict[str, Any], row, fmt) -> list[str]:  # noqa: ANN001 - bench.report's helpers
    re_ = st.get("restart", {})
    h, f = re_.get("hybrid_s", {}), re_.get("retrieve_with_selection_s", {})
    return [
        f"Storage ({st['chunks']} chunks, precomputed vectors, write batch {st['write_batch']})",
        row("", "p50", "p95"),
        row("hybrid retrieval", fmt(h.get("p50"), "s", 3), fmt(h.get("p95"), "s", 3)),
        row("retrieval + sentence selection", fmt(f.get("p50"), "s", 3), fmt(f.get("p95"), "s", 3)),
        row("texts embedded per question", str(re_.get("texts_embedded_per_question", "-")), ""),
        row("ingest, precomputed vectors", fmt(st["ingest_precomputed_chunks_per_s"], " ch/s", 0), ""),
        row("  of which Chroma writes alone", fmt(st["chroma_chunks_per_s"], " ch/s", 0), ""),
        row("restart to first retrieval", fmt(re_.get("restart_to_first_retrieval_s"), "s", 2), ""),
        row("process peak memory (no LLM)", fmt(re_.get("peak_rss_mb"), " MB", 0), ""),
        row("disk: chroma / lexical", *(fmt(v, " MB", 0) for v in st["disk_mb"].values())),
    ]


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]))))
