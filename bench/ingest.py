"""Ingestion throughput: the whole ingest against sentence-transformers alone.

The corpus is the seed articles plus synthetic articles (bench.synth), ingested by
the real Ingestor into a fresh Chroma directory. The same chunk texts are then
encoded by the bare SentenceTransformer model with the same batch size; the ratio
says what reading, cleaning, chunking and Chroma writes add to the embedding cost.
Ingest also embeds every sentence once (so a question embeds only itself), so a
second ratio compares with encoding all the texts ingest embeds, chunks and sentences:
that one is our overhead alone. Both use an already loaded model.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.common import SEEDS, Clock
from bench.synth import write_corpus


def make_corpus(work: Path, n_synthetic: int) -> Path:
    folder = work / f"ingest-corpus-{n_synthetic}"
    if not folder.exists():
        shutil.copytree(SEEDS, folder)
        write_corpus(folder, n_synthetic, paragraphs=12, seeds=SEEDS, seed=3)
    return folder


def run(work: Path, n_synthetic: int = 60) -> dict[str, Any]:
    from rag.components.embedder import SentenceTransformerEmbedder
    from rag.factory import build
    from rag.settings import Settings

    corpus = make_corpus(work, n_synthetic)
    settings = Settings(data_dir=work / "ingest-data")
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    embedder = SentenceTransformerEmbedder(settings.embedding_model, settings.embed_batch_size)
    embedder.embed(["load the weights before the clock starts"])
    rag = build(settings, embedder=embedder)
    with Clock() as whole:
        report = rag.ingestor.ingest_path(corpus)
    from rag.text.sentences import with_antecedents

    chunks = [chunk for chunk, _ in rag.store.iter_chunks()]
    texts = [chunk.text for chunk in chunks]
    sentences = [s.text for chunk in chunks for s in with_antecedents(chunk.sentences)]
    model = embedder._load()  # noqa: SLF001 - the bare SentenceTransformer
    with Clock() as bare:
        model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True)
    with Clock() as bare_sentences:
        model.encode(sentences, batch_size=settings.embed_batch_size, normalize_embeddings=True)
    return {
        "articles": len(report.added),
        "chunks": report.chunks,
        "ingest_s": whole.s,
        "ingest_chunks_per_s": report.chunks / whole.s,
        "encode_s": bare.s,
        "encode_chunks_per_s": len(texts) / bare.s,
        "ratio": whole.s / bare.s,
        "sentences": len(sentences),
        "encode_all_s": bare.s + bare_sentences.s,
        "ratio_all_texts": whole.s / (bare.s + bare_sentences.s),
        "load": [whole.load_before, bare.load_after],
    }
