"""Retrieval at scale on a synthetic corpus, and what a restart costs on the same data.

The corpus goes through the real ingestion path (parse, clean, chunk, Chroma) into
its own data directory. MiniLM's rate is measured on a sample first; if embedding
every chunk would take longer than ``max_embed_s``, chunks get checksum-derived
random unit vectors instead (said so in the output) -- queries still use MiniLM.
A second process then opens the same directory: it must find everything there,
re-embed nothing, and we time how long it takes before it can answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, SEEDS, Clock, stats
from bench.synth import CountingEmbedder, Generator, RandomEmbedder, vocabulary, write_corpus

CHUNKS_PER_PARAGRAPH = 1.0  # paragraphs (~400 chars) stay under chunk_chars=600, so one chunk each
PARAGRAPHS = 40


def queries(n: int, seed: int = 1) -> list[str]:
    gen = Generator(vocabulary(SEEDS), seed)
    return [f"What happened with {' '.join(gen.sentence().rstrip('.').split()[:6])}?" for _ in range(n)]


def embed_rate(embedder, texts: list[str]) -> float:  # noqa: ANN001
    embedder.embed(texts[:8])  # load the model outside the clock
    with Clock() as c:
        embedder.embed(texts)
    return len(texts) / c.s


def build_corpus(work: Path, n_chunks: int) -> tuple[Path, list[Path]]:
    n_articles = max(1, round(n_chunks / (PARAGRAPHS * CHUNKS_PER_PARAGRAPH)))
    folder = work / f"corpus-{n_articles}"
    paths = sorted(folder.glob("*.txt")) if folder.exists() else []
    if len(paths) != n_articles:
        paths = write_corpus(folder, n_articles, PARAGRAPHS, SEEDS)
    return folder, paths


def run(work: Path, n_chunks: int, max_embed_s: float, n_queries: int = 40, log=print) -> dict[str, Any]:  # noqa: ANN001
    from rag.components.embedder import SentenceTransformerEmbedder
    from rag.factory import build
    from rag.settings import Settings

    out: dict[str, Any] = {"target_chunks": n_chunks}
    with Clock() as c:
        folder, paths = build_corpus(work, n_chunks)
    out.update(articles=len(paths), corpus_write_s=c.s)
    minilm = SentenceTransformerEmbedder()
    sample = [p.read_text()[:550] for p in paths[:64]] * 4
    rate = embed_rate(minilm, sample)
    out["minilm_chunks_per_s"] = rate
    out["minilm_estimate_s"] = n_chunks / rate
    random_vectors = n_chunks / rate > max_embed_s
    out["vectors"] = "random unit vectors (scale test only)" if random_vectors else "MiniLM"
    log(
        f"  MiniLM {rate:.0f} chunks/s: {n_chunks / rate / 60:.1f} min for {n_chunks}; using {out['vectors']}"
    )
    settings = Settings(data_dir=work / f"data-{len(paths)}-{'rnd' if random_vectors else 'mini'}")
    if settings.data_dir.exists():
        import shutil

        shutil.rmtree(settings.data_dir)
    ingest_embedder = RandomEmbedder() if random_vectors else minilm
    rag = build(settings, embedder=ingest_embedder)
    with Clock() as c:
        report = rag.ingestor.ingest_path(folder)
    out.update(chunks=report.chunks, build_s=c.s, build_chunks_per_s=report.chunks / c.s)
    log(f"  built {report.chunks} chunks in {c.s:.0f}s")
    out.update(load_costs(rag))
    # Queries embed with MiniLM even over random vectors: that is the per-question cost.
    rag = build(settings, embedder=minilm)
    out.update(query_latency(rag, queries(n_queries)))
    out["restart"] = restart(settings.data_dir, folder, random_vectors)
    return out


def load_costs(rag) -> dict[str, float]:  # noqa: ANN001 - rag.factory.Rag
    """What every process start pays before its first answer: opening the lexical index.

    (Before it was on disk, this read every chunk and built BM25: 34 s at 100k chunks.)
    """
    from rag.retrieval.lexical import LexicalIndex

    with Clock() as c:
        index = LexicalIndex(rag.settings.lexical_path / "lexical.sqlite")
        n = len(index)
    index.close()
    return {"open_lexical_s": c.s, "lexical_chunks": n}


def query_latency(rag, qs: list[str]) -> dict[str, Any]:  # noqa: ANN001
    service = rag.service
    with Clock() as first:
        service.snapshot.refresh()
    retriever = service.retriever
    retriever.retrieve(qs[0], rag.settings.top_k)  # warm: embedder weights, HNSW pages
    hybrid, full = [], []
    for q in qs:
        with Clock() as c:
            retriever.retrieve(q, rag.settings.top_k)
        hybrid.append(c.s)
        with Clock() as c:
            service.retrieve(q)
        full.append(c.s)
    return {
        "snapshot_refresh_s": first.s,
        "hybrid_s": stats(hybrid),
        "retrieve_with_selection_s": stats(full),
    }


def restart(data_dir: Path, corpus: Path, random_vectors: bool) -> dict[str, Any]:
    """Time a fresh process on the same data directory (see :func:`probe`)."""
    cmd = [sys.executable, "-m", "bench.scale", str(data_dir), str(corpus)]
    if random_vectors:
        cmd.append("--random")
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    if done.returncode:
        return {"error": done.stderr[-2000:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    return result


def probe(data_dir: Path, corpus: Path, random_vectors: bool) -> dict[str, Any]:
    """Run inside the second process: open, refresh, answer a retrieval, re-ingest (a no-op)."""
    t0 = time.perf_counter()
    from rag.components.embedder import SentenceTransformerEmbedder
    from rag.factory import build
    from rag.settings import Settings

    out: dict[str, Any] = {"import_s": time.perf_counter() - t0}
    embedder = CountingEmbedder(SentenceTransformerEmbedder())
    with Clock() as c:
        rag = build(Settings(data_dir=data_dir), embedder=embedder)
    out["build_s"] = c.s
    with Clock() as c:
        snap = rag.service.snapshot.refresh()
    out.update(snapshot_refresh_s=c.s, chunks=len(snap))
    with Clock() as c:
        rag.service.retrieve(queries(1)[0])
    out.update(first_retrieve_s=c.s, embedded_for_query=embedder.texts, ready_s=time.perf_counter() - t0)
    before = embedder.texts
    ingest_embedder = RandomEmbedder() if random_vectors else embedder
    # Its own ingestor, on the same index, rather than swapping the embedder of a running one.
    ingestor = (
        build(Settings(data_dir=data_dir), embedder=ingest_embedder).ingestor
        if random_vectors
        else rag.ingestor
    )
    with Clock() as c:
        report = ingestor.ingest_path(corpus)
    out.update(
        reingest_s=c.s,
        reingest_unchanged=len(report.unchanged),
        reingest_embedded_chunks=report.chunks,
        embedded_by_reingest=(ingest_embedder.texts if random_vectors else embedder.texts - before),
    )
    return out


def main(argv: list[str]) -> int:
    data_dir, corpus = Path(argv[0]), Path(argv[1])
    print(json.dumps(probe(data_dir, corpus, "--random" in argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
