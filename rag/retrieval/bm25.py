"""A small Okapi BM25 over chunk texts, with an inverted index so queries touch few docs.

Terms are crude stems, so "detain" in a question finds "detained" in an article.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from rag.retrieval.text import content_words, stem


class BM25:
    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for i, text in enumerate(texts):
            counts = Counter(stem(w) for w in content_words(text))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings[term].append((i, tf))
        n = len(texts)
        self.avg_len = (sum(self.lengths) / n) if n else 0.0
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def weight(self, term: str) -> float:
        """IDF of a stem; one the corpus never uses tells nothing about a passage."""
        return self.idf.get(term, 0.0)

    def __len__(self) -> int:
        return len(self.lengths)

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        """Top ``n`` (doc index, score), best first; documents sharing no term are left out."""
        scores: dict[int, float] = defaultdict(float)
        for term in {stem(w) for w in content_words(query)}:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for doc, tf in self.postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.avg_len)
                scores[doc] += idf * tf * (self.k1 + 1) / (tf + norm)
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
