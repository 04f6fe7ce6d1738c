"""The synthetic corpus is deterministic and ingestible; the stand-in embedders behave."""

import numpy as np

from bench.synth import CountingEmbedder, Generator, RandomEmbedder, corpus_digest, vocabulary, write_corpus
from rag.factory import build
from tests.conftest import SEEDS
from tests.fakes import HashEmbedder


def test_same_seed_same_corpus_other_seed_other_corpus(tmp_path):
    a = write_corpus(tmp_path / "a", 3, 4, SEEDS, seed=5)
    b = write_corpus(tmp_path / "b", 3, 4, SEEDS, seed=5)
    c = write_corpus(tmp_path / "c", 3, 4, SEEDS, seed=6)
    assert corpus_digest(a) == corpus_digest(b) != corpus_digest(c)


def test_vocabulary_starts_with_seed_words_and_has_the_asked_size():
    vocab = vocabulary(SEEDS, size=5000)
    assert len(vocab) == len(set(vocab)) == 5000
    assert "the" in vocab[:5] and "migrants" in vocab[:500]


def test_word_frequencies_are_skewed_like_text():
    gen = Generator(vocabulary(SEEDS, size=5000), seed=1)
    words = " ".join(gen.sentence() for _ in range(400)).lower().split()
    top = sum(1 for w in words if w in {"the", "of", "to", "and", "in"})
    assert 0.05 < top / len(words) < 0.4


def test_synthetic_articles_ingest_into_the_expected_number_of_chunks(settings, tmp_path):
    from bench.scale import CHUNKS_PER_PARAGRAPH

    write_corpus(tmp_path / "corpus", 4, 20, SEEDS)
    rag = build(settings, embedder=HashEmbedder())
    report = rag.ingestor.ingest_path(tmp_path / "corpus")
    assert len(report.added) == 4 and not report.skipped
    expected = 4 * 20 * CHUNKS_PER_PARAGRAPH
    assert 0.7 * expected < report.chunks < 1.3 * expected


def test_random_embedder_gives_repeatable_unit_vectors():
    emb = RandomEmbedder()
    a = emb.embed(["one text", "another text"])
    assert a.shape == (2, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert np.array_equal(a, emb.embed(["one text", "another text"]))
    assert abs(float(a[0] @ a[1])) < 0.3
    assert emb.texts == 4


def test_counting_embedder_counts_texts_not_calls():
    emb = CountingEmbedder(HashEmbedder())
    emb.embed(["a b", "c d", "e f"])
    emb.embed([])
    assert emb.texts == 3
