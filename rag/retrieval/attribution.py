"""Which outlets a question says its answer comes from ("according to Gestion ...").

"What did The Guardian report ...?" is answered by what The Guardian reported: a
name taken from another outlet's article, even a true one, is not that. So when a
question names outlets of the library as its sources, an answer must cite at least
one of their articles. Only outlets the articles themselves give (bylines, "Source:"
lines) are recognised, and only where the question uses them as a source ("reported
by", "according to", "a TechCrunch article", a list after such a cue); "Which company
sued The New York Times?" names the paper as a party, not a source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rag.retrieval.filters import outlet_key
from rag.text.words import unaccent
from rag.types import ArticleMeta

# The words before a source: "reported by", "according to", "articles from", "featured in".
_CUE_BEFORE = re.compile(r"\b(by|from|in|to|per|including|via)\s*[\"'‘“]?\s*$", re.I)
# ... or after it: "a TechCrunch article", "The Guardian's report".
_CUE_AFTER = re.compile(
    r"^[\"'’”]?(?:['’]s)?\s*(articles?|reports?|pieces?|stor(?:y|ies)|coverage|excerpts?)\b", re.I
)
# Between two outlets of one list: "by Fortune, The Age, and TechCrunch".
_LIST_GAP = re.compile(r"^[\s,\"'‘’“”]*(?:and|or|as well as)?[\s\"'‘’“”]*$", re.I)


def _names(outlet: str) -> set[str]:
    """The ways a question may write an outlet: "The Roar | Sports Writers Blog" is also "The Roar"."""
    names = {outlet}
    for sep in (" - ", " | "):
        names |= {outlet.split(sep)[0]} if sep in outlet else set()
    names |= {re.sub(r"^the\s+", "", n, flags=re.I) for n in names}
    return {n.strip() for n in names if len(n.strip()) >= 3}


@dataclass(frozen=True)
class OutletIndex:
    """Every way of writing each outlet the articles give (its ``outlet_key``), with its
    articles, and one expression that finds them all in a question."""

    docs: Mapping[str, frozenset[str]]
    pattern: re.Pattern[str] | None


def outlet_index(articles: Mapping[str, ArticleMeta]) -> OutletIndex:
    """Built once per manifest change (``Snapshot``), not per question: one pass over the
    question finds every outlet, however many the library has."""
    by_source: dict[str, list[str]] = {}
    for doc_id, meta in articles.items():
        if meta.source:
            by_source.setdefault(meta.source, []).append(doc_id)
    index: dict[str, set[str]] = {}
    for source, ids in by_source.items():
        for name in _names(source):
            index.setdefault(outlet_key(name), set()).update(ids)
    # Longest first: "The Independent - Life and Style" before "The Independent".
    keys = sorted(index, key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, key.split())) for key in keys)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I) if keys else None
    return OutletIndex({key: frozenset(ids) for key, ids in index.items()}, pattern)


def _mentions(text: str, outlets: OutletIndex) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, article ids) of every outlet written, capitalised, in ``text``."""
    if outlets.pattern is None:
        return []
    found = []
    for m in outlets.pattern.finditer(text):
        ids = outlets.docs.get(outlet_key(m.group()))  # None only where case folding differs ("ß")
        if ids and m.group()[0].isupper():  # "by the age of 16" is no outlet
            found.append((m.start(), m.end(), ids))
    return found


def source_mentions(question: str, outlets: OutletIndex | None) -> list[tuple[str, frozenset[str]]]:
    """Each outlet the question names as a source, as written there, with its articles."""
    if outlets is None:
        return []
    text = unaccent(question)  # "Gestion" is "Gestión"
    named = []
    cued_end = -1  # where the last outlet named as a source ends
    for start, end, ids in _mentions(text, outlets):
        cued = bool(_CUE_BEFORE.search(text[:start]) or _CUE_AFTER.match(text[end:]))
        if cued or (cued_end >= 0 and start >= cued_end and _LIST_GAP.match(text[cued_end:start])):
            named.append((text[start:end], ids))
            cued_end = max(cued_end, end)
    return named


def articles_of(mentions: list[tuple[str, frozenset[str]]]) -> frozenset[str]:
    """The articles of every outlet in ``mentions`` (empty: the question names none)."""
    return frozenset().union(*(ids for _, ids in mentions))
