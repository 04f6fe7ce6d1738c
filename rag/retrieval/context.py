"""Pick the sentences worth the model's time, under a token budget.

Prefill runs at about 75 tokens a second here, so sending whole chunks costs
seconds per answer. We score each sentence of the retrieved chunks against the
question (embedding cosine plus IDF-weighted word overlap; the sentence vectors
were stored at ingest, so a question embeds only itself), fold near-identical
sentences from different outlets into one passage that lists every article
carrying it, and keep the best passages until the budget is spent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rag.components.embedder import Embedder
from rag.text.sentences import with_antecedents, with_bylines
from rag.text.words import jaccard, stems
from rag.types import Chunk, Hit, Passage, Sentence, Support


def estimate_tokens(text: str) -> int:
    # English averages about four characters a token in Qwen's vocabulary.
    return len(text) // 4 + 1


class SentenceStore(Protocol):
    """Sentence vectors kept per chunk id (rag/retrieval/lexical.py), one row per sentence."""

    def sentence_vectors(self, ids: Iterable[str]) -> dict[str, np.ndarray]: ...

    def save_sentence_vectors(self, found: dict[str, np.ndarray]) -> None: ...


@dataclass
class _Candidate:
    doc_id: str
    title: str
    sentence: Sentence
    rank: int
    words: set[str]
    chunk_id: str
    position: int  # the sentence's place in its chunk: its row in the stored vectors
    score: float = 0.0
    supports: list[_Candidate] = field(default_factory=list)


@dataclass
class ContextSelector:
    embedder: Embedder
    budget_tokens: int = 220
    max_passages: int = 6
    dedup_jaccard: float = 0.6
    lexical_weight: float = 0.35
    spread_articles: int = 3
    # Where ingest stored each chunk's sentence vectors; None embeds every sentence per question.
    sentences: SentenceStore | None = None

    def select(self, question: str, hits: list[Hit], weight: Callable[[str], float]) -> list[Passage]:
        """Numbered passages for the prompt; ``weight`` gives a stem's IDF."""
        cands = self._candidates(hits, bylines=bool(_BYLINE_Q.search(question)))
        if not cands:
            return []
        self._score(question, hits, cands, weight)
        groups = self._dedup(sorted(cands, key=lambda c: -c.score))
        return self._fill(self._spread(groups))

    def _spread(self, groups: list[_Candidate]) -> list[_Candidate]:
        """The best passage of each of the top ``spread_articles`` articles first, then by score.

        List and multi-article questions need an item from every article; by score alone
        one article's near-paraphrases fill the budget.
        """
        firsts: dict[str, _Candidate] = {}
        for group in groups:
            if len(firsts) >= self.spread_articles:
                break
            firsts.setdefault(group.doc_id, group)
        head = list(firsts.values())
        return head + [g for g in groups if all(g is not h for h in head)]

    def _candidates(self, hits: list[Hit], bylines: bool = False) -> list[_Candidate]:
        cands, seen = [], set()
        for rank, hit in enumerate(hits):
            sentences = with_antecedents(hit.chunk.sentences)
            for pos, sent in enumerate(with_bylines(sentences) if bylines else sentences):
                key = (hit.chunk.doc_id, sent.start, sent.end)  # a carried sentence starts with another
                if key in seen or len(sent.text) < 12:
                    continue
                seen.add(key)
                cands.append(
                    _Candidate(hit.chunk.doc_id, hit.title, sent, rank, stems(sent.text), hit.chunk.id, pos)
                )
        return cands

    def _score(
        self, question: str, hits: list[Hit], cands: list[_Candidate], weight: Callable[[str], float]
    ) -> None:
        cosines = self._cosines(question, hits, cands)
        q_words = stems(question)
        q_weight = sum(weight(w) for w in q_words) or 1.0
        for cand, cos in zip(cands, cosines):
            lexical = sum(weight(w) for w in q_words & cand.words) / q_weight
            cand.score = float((1 - self.lexical_weight) * cos + self.lexical_weight * lexical)

    def _cosines(self, question: str, hits: list[Hit], cands: list[_Candidate]) -> np.ndarray:
        """Question-sentence cosines from stored sentence vectors, embedding only what is missing.

        Ingest stores every sentence's vector, so a question costs its own embedding. A chunk
        without them (synced from another process's ingest, or no store) has its sentences
        embedded with the question, in the same call, and saved for the next question.
        """
        chunks = {h.chunk.id: h.chunk for h in hits}
        stored = self.sentences.sentence_vectors(chunks) if self.sentences else {}
        todo = [c for cid, c in chunks.items() if not _fits(stored.get(cid), c)]
        q, fresh = self._embed(question, todo)
        stale = [chunks[cid] for cid, v in stored.items() if v.shape[1] != q.shape[0]]
        if stale:  # stored under another embedding model: replaced
            fresh.update(self._embed(question, stale)[1])
        if self.sentences is not None and fresh:
            self.sentences.save_sentence_vectors(fresh)
        table = {**stored, **fresh}
        return np.array([table[c.chunk_id][c.position] @ q for c in cands], dtype=np.float32)

    def _embed(self, question: str, chunks: list[Chunk]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The question's vector and, per chunk, its sentences' vectors, from one embedder call."""
        texts = [s.text for c in chunks for s in with_antecedents(c.sentences)]
        vectors = self.embedder.embed([question] + texts)
        out, offset = {}, 1
        for chunk in chunks:
            out[chunk.id] = vectors[offset : offset + len(chunk.sentences)]
            offset += len(chunk.sentences)
        return vectors[0], out

    def _dedup(self, ranked: list[_Candidate]) -> list[_Candidate]:
        groups: list[_Candidate] = []
        for cand in ranked:
            if any(_overlap(g, cand) for g in groups):
                continue  # "S" and "S It said ..." (a pronoun sentence carrying S): S is quoted once
            twin = next((g for g in groups if jaccard(g.words, cand.words) >= self.dedup_jaccard), None)
            if twin is None:
                groups.append(cand)
            elif cand.doc_id not in {twin.doc_id, *(s.doc_id for s in twin.supports)}:
                twin.supports.append(cand)
        return groups

    def _fill(self, groups: list[_Candidate]) -> list[Passage]:
        passages: list[Passage] = []
        spent = 0
        for group in groups:
            cost = estimate_tokens(group.sentence.text) + 3  # "[n] " and a newline
            if passages and (spent + cost > self.budget_tokens or len(passages) >= self.max_passages):
                break
            spent += cost
            supports = [
                Support(
                    doc_id=c.doc_id,
                    title=c.title,
                    quote=c.sentence.text,
                    start=c.sentence.start,
                    end=c.sentence.end,
                )
                for c in [group, *group.supports]
            ]
            passages.append(
                Passage(n=len(passages) + 1, text=group.sentence.text, score=group.score, supports=supports)
            )
        return passages


# Questions about who wrote or published an article: their answer is a byline.
_BYLINE_Q = re.compile(
    r"\bwho (wrote|authored|penned)\b|\bauthor(s|ed)?\b|\bwritten by\b|\bbyline\b|"
    r"\b(reporter|journalist|writer)s? (of|behind|who)\b|"
    r"\bwhich (news )?(outlet|newspaper|publication|paper|website|site|magazine)\b",
    re.I,
)


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    """Whether two candidates quote overlapping text of one article."""
    return a.doc_id == b.doc_id and a.sentence.start < b.sentence.end and b.sentence.start < a.sentence.end


def _fits(vectors: np.ndarray | None, chunk: Chunk) -> bool:
    return vectors is not None and len(vectors) == len(chunk.sentences)


def best_score(passages: list[Passage]) -> float:
    return max((p.score for p in passages), default=0.0)
