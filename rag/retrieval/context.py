"""Pick the sentences worth the model's time, under a token budget.

Prefill runs at about 75 tokens a second here, so sending whole chunks costs
seconds per answer. We score each sentence of the retrieved chunks against the
question (embedding cosine plus IDF-weighted word overlap), fold near-identical
sentences from different outlets into one passage that lists every article
carrying it, and keep the best passages until the budget is spent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rag.components.embedder import Embedder
from rag.retrieval.text import jaccard, stems
from rag.types import Hit, Passage, Sentence, Support


def estimate_tokens(text: str) -> int:
    # English averages about four characters a token in Qwen's vocabulary.
    return len(text) // 4 + 1


@dataclass
class _Candidate:
    doc_id: str
    title: str
    sentence: Sentence
    rank: int
    words: set[str]
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

    def select(self, question: str, hits: list[Hit], weight: Callable[[str], float]) -> list[Passage]:
        """Numbered passages for the prompt; ``weight`` gives a stem's IDF."""
        cands = self._candidates(hits)
        if not cands:
            return []
        self._score(question, cands, weight)
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

    def _candidates(self, hits: list[Hit]) -> list[_Candidate]:
        cands, seen = [], set()
        for rank, hit in enumerate(hits):
            for sent in _with_antecedents(hit.chunk.sentences):
                key = (hit.chunk.doc_id, sent.start, sent.end)  # a carried sentence starts with another
                if key in seen or len(sent.text) < 12:
                    continue
                seen.add(key)
                cands.append(_Candidate(hit.chunk.doc_id, hit.title, sent, rank, stems(sent.text)))
        return cands

    def _score(self, question: str, cands: list[_Candidate], weight: Callable[[str], float]) -> None:
        vectors = self.embedder.embed([question] + [c.sentence.text for c in cands])
        cosines = vectors[1:] @ vectors[0]
        q_words = stems(question)
        q_weight = sum(weight(w) for w in q_words) or 1.0
        for cand, cos in zip(cands, cosines):
            lexical = sum(weight(w) for w in q_words & cand.words) / q_weight
            cand.score = float((1 - self.lexical_weight) * cos + self.lexical_weight * lexical)

    def _dedup(self, ranked: list[_Candidate]) -> list[_Candidate]:
        groups: list[_Candidate] = []
        for cand in ranked:
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


_PRONOUN_START = re.compile(r"^[\"'“‘(]*(he|she|they|it|his|her|their|its|this|these|those|we)\b", re.I)


def _with_antecedents(sentences: list[Sentence]) -> list[Sentence]:
    """Each sentence, where one opening with a pronoun ("They said ...") carries the one before.

    Alone, such a sentence names nobody, so neither the model nor the claim check
    could tell whom it is about.
    """
    out = []
    for prev, sent in zip([None, *sentences], sentences):
        if prev is not None and _PRONOUN_START.match(sent.text):
            sent = Sentence(text=f"{prev.text} {sent.text}", start=prev.start, end=sent.end)
        out.append(sent)
    return out


def best_score(passages: list[Passage]) -> float:
    return max((p.score for p in passages), default=0.0)
