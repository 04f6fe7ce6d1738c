"""A deterministic synthetic news corpus, generated offline from a fixed seed.

Words come from the seed articles' vocabulary plus made-up names and terms built from
syllables, drawn with a Zipf-like distribution so BM25 posting lists look like real
text (a few words everywhere, most words rare). Articles have a title line and
paragraphs of 3-5 sentences; the same seed always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import time
import zlib
from pathlib import Path

import numpy as np

from rag.components.embedder import Embedder

_SYLLABLES = (
    "ka lo mi ren sa tor vel an bri cos da el fin gar hul is jor ken lum mar nes or pel qui ras sol tem"
).split()


def vocabulary(seeds: Path, size: int = 20_000, seed: int = 7) -> list[str]:
    """Seed-article words (most frequent first) topped up with syllable words."""
    counts: dict[str, int] = {}
    for path in sorted(seeds.glob("*.txt")):
        for word in re.findall(r"[A-Za-z]{2,}", path.read_text(encoding="utf-8")):
            counts[word.lower()] = counts.get(word.lower(), 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))
    rng = np.random.default_rng(seed)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 5))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words[:size]


class Generator:
    def __init__(self, vocab: list[str], seed: int = 0) -> None:
        self.vocab = np.array(vocab)
        ranks = np.arange(1, len(vocab) + 1)
        weights = 1.0 / (ranks + 2.7)
        # Inverse-CDF sampling: rng.choice(p=...) would rebuild the CDF on every call.
        self.cdf = np.cumsum(weights / weights.sum())
        self.rng = np.random.default_rng(seed)

    def words(self, n: int) -> list[str]:
        idx = np.searchsorted(self.cdf, self.rng.random(n) * self.cdf[-1], side="right")
        return list(self.vocab[np.minimum(idx, len(self.vocab) - 1)])

    def sentence(self) -> str:
        n = int(self.rng.integers(8, 24))
        words = self.words(n)
        if self.rng.random() < 0.3:
            words.insert(int(self.rng.integers(1, n)), f"{int(self.rng.integers(2, 99_000)):,}")
        if self.rng.random() < 0.5:
            name = self.rng.choice(self.vocab[2000:], size=2)
            words.insert(int(self.rng.integers(0, n)), " ".join(w.capitalize() for w in name))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def article(self, paragraphs: int) -> str:
        title = " ".join(w.capitalize() for w in self.rng.choice(self.vocab[:3000], size=7, p=None))
        body = [
            " ".join(self.sentence() for _ in range(int(self.rng.integers(3, 6)))) for _ in range(paragraphs)
        ]
        return title + "\n\n" + "\n\n".join(body) + "\n"


def write_corpus(folder: Path, n_articles: int, paragraphs: int, seeds: Path, seed: int = 0) -> list[Path]:
    """``n_articles`` files of ``paragraphs`` paragraphs each (about 1.4 chunks per paragraph)."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = Generator(vocabulary(seeds), seed)
    paths = []
    for i in range(n_articles):
        path = folder / f"synth_{seed}_{i:06d}.txt"
        path.write_text(gen.article(paragraphs), encoding="utf-8")
        paths.append(path)
    return paths


def corpus_digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


class RandomEmbedder(Embedder):
    """Unit vectors derived from each text's checksum: embedding cost without the model.

    Only for the retrieval-at-scale test, when MiniLM would take too long on two cores;
    search latency depends on the index size and dimension, not on what vectors mean.
    """

    dim = 384

    def __init__(self) -> None:
        self.texts = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            vec = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(self.dim)
            out[i] = vec / np.linalg.norm(vec)
        return out


class CountingEmbedder(Embedder):
    """Counts the texts it embeds, so a restart can prove it re-embedded nothing."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


class TimedEmbedder(Embedder):
    """Notes the seconds spent embedding: what an ingest spent on vectors, not on storing them."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0

    def embed(self, texts: list[str]) -> np.ndarray:
        t0 = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - t0
