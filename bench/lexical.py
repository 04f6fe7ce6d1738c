"""python -m bench --only lexical: the BM25 query alone at a large size, model-free.

A lexical index of synthetic chunks (bench.synth's Zipf vocabulary from the seeds, four
sentences a chunk) is written straight into the FTS5 file, without Chroma, so a million
chunks take minutes rather than the storage section's hour. The same queries then run
with common stems left out of the match (the product's search) and with FTS5 scoring
every stem (``common_min`` out of reach), and the report gives both latencies and how
much of the full top 20 the product's search keeps.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import Clock, stats

N_QUERIES = 60
PER_ARTICLE = 10


def build(path: Path, n_chunks: int, log=print) -> float:  # noqa: ANN001
    """Write ``n_chunks`` synthetic chunks to ``path`` unless it already holds them; seconds spent."""
    from bench.scale import SEEDS
    from bench.synth import Generator, vocabulary
    from rag.retrieval.lexical import LexicalIndex
    from rag.types import Chunk

    if path.exists():
        index = LexicalIndex(path)
        if len(index) == n_chunks:
            return 0.0
        index.close()
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    index, gen, start = LexicalIndex(path), Generator(vocabulary(SEEDS), 0), time.perf_counter()
    for lo in range(0, n_chunks, PER_ARTICLE * 200):
        batch = []
        for a in range(lo, min(n_chunks, lo + PER_ARTICLE * 200), PER_ARTICLE):
            doc, texts = f"a{a:08d}", [" ".join(gen.sentence() for _ in range(4)) for _ in range(PER_ARTICLE)]
            chunks = [
                Chunk(id=f"{doc}::{j}", doc_id=doc, index=j, text=t, start=0, end=len(t), sentences=[])
                for j, t in enumerate(texts[: n_chunks - a])
            ]
            batch.append((doc, "sha", chunks, [None] * len(chunks)))
        index.put_articles(batch)
        if lo and lo % 200_000 == 0:
            log(f"  {lo} chunks written ({time.perf_counter() - start:.0f}s)")
    index.close()
    return time.perf_counter() - start


def run(work: Path, n_chunks: int, log=print) -> dict[str, Any]:  # noqa: ANN001
    from bench.scale import queries
    from rag.retrieval.lexical import LexicalIndex

    path = work / f"lexical-{n_chunks}" / "lexical.sqlite"
    build_s = build(path, n_chunks, log)
    product, full = LexicalIndex(path), LexicalIndex(path, common_min=10**12)
    qs = queries(N_QUERIES + 1)
    product.search(qs[0], 20), full.search(qs[0], 20)  # page cache and vocabulary warm for both
    t_product, t_full, kept20, kept8, same = [], [], [], [], 0
    for q in qs[1:]:
        with Clock() as c:
            got = [ch.id for ch, _, _ in product.search(q, 20)]
        t_product.append(c.s)
        with Clock() as c:
            want = [ch.id for ch, _, _ in full.search(q, 20)]
        t_full.append(c.s)
        kept20.append(_kept(got, want))
        kept8.append(_kept(got[:8], want[:8]))
        same += got == want
    return {
        "chunks": len(product),
        "build_s": build_s,
        "search_s": stats(t_product),
        "full_fts5_s": stats(t_full),
        "top20_kept": sum(kept20) / len(kept20),
        "top8_kept": sum(kept8) / len(kept8),
        "identical_rankings": same,
        "queries": len(qs) - 1,
    }


def _kept(got: list[str], want: list[str]) -> float:
    """Share of FTS5's own ranking that the product's search also returns (both empty: all)."""
    return len(set(got) & set(want)) / len(want) if want else float(not got)


def lines(lx: dict[str, Any], row, fmt) -> list[str]:  # noqa: ANN001 - bench.report's helpers
    s, f = lx["search_s"], lx["full_fts5_s"]
    return [
        f"Lexical search alone ({lx['chunks']} chunks, {lx['queries']} queries)",
        row("", "p50", "p95"),
        row("BM25, common stems pruned", fmt(s["p50"], "s", 3), fmt(s["p95"], "s", 3)),
        row("BM25, FTS5 on every stem", fmt(f["p50"], "s", 3), fmt(f["p95"], "s", 3)),
        row("full top 20 / top 8 kept", fmt(lx["top20_kept"], "", 3), fmt(lx["top8_kept"], "", 3)),
        row("identical rankings", f"{lx['identical_rankings']}/{lx['queries']}", ""),
    ]
