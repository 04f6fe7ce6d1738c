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
import unicodedata
from collections.abc import Mapping

from rag.retrieval.filters import outlet_key
from rag.types import ArticleMeta

# The words before a source: "reported by", "according to", "articles from", "featured in".
_CUE_BEFORE = re.compile(r"\b(by|from|in|to|per|including|via)\s*[\"'‘“]?\s*$", re.I)
# ... or after it: "a TechCrunch article", "The Guardian's report".
_CUE_AFTER = re.compile(
    r"^[\"'’”]?(?:['’]s)?\s*(articles?|reports?|pieces?|stor(?:y|ies)|coverage|excerpts?)\b", re.I
)
# Between two outlets of one list: "by Fortune, The Age, and TechCrunch".
_LIST_GAP = re.compile(r"^[\s,\"'‘’“”]*(?:and|or|as well as)?[\s\"'‘’“”]*$", re.I)


def _unaccent(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _names(outlet: str) -> set[str]:
    """The ways a question may write an outlet: "The Roar | Sports Writers Blog" is also "The Roar"."""
    names = {outlet}
    for sep in (" - ", " | "):
        names |= {outlet.split(sep)[0]} if sep in outlet else set()
    names |= {re.sub(r"^the\s+", "", n, flags=re.I) for n in names}
    return {n.strip() for n in names if len(n.strip()) >= 3}


# How each outlet may be written (outlet_key of each name) -> the articles from it.
OutletIndex = Mapping[str, frozenset[str]]


def outlet_index(articles: Mapping[str, ArticleMeta]) -> dict[str, frozenset[str]]:
    """Every way of writing each outlet the articles give, with its articles.

    Built once per manifest change (``Snapshot``), not per question: a library of 25,000
    articles has a few hundred outlets."""
    index: dict[str, set[str]] = {}
    for doc_id, meta in articles.items():
        for name in _names(meta.source) if meta.source else ():
            index.setdefault(outlet_key(name), set()).add(doc_id)
    return {key: frozenset(ids) for key, ids in index.items()}


def _mentions(text: str, outlets: OutletIndex) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, article ids) of every outlet written, capitalised, in ``text``."""
    found = []
    for key, docs in outlets.items():
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, key.split())) + r"(?!\w)"
        for m in re.finditer(pattern, text, re.I):
            if m.group()[0].isupper():  # "by the age of 16" is no outlet
                found.append((m.start(), m.end(), docs))
    return sorted(found, key=lambda f: (f[0], -f[1]))


def source_mentions(question: str, outlets: OutletIndex) -> list[tuple[str, frozenset[str]]]:
    """Each outlet the question names as a source, as written there, with its articles."""
    text = _unaccent(question)  # "Gestion" is "Gestión"
    named = []
    cued_end = -1  # where the last outlet named as a source ends
    for start, end, ids in _mentions(text, outlets):
        cued = bool(_CUE_BEFORE.search(text[:start]) or _CUE_AFTER.match(text[end:]))
        if cued or (cued_end >= 0 and start >= cued_end and _LIST_GAP.match(text[cued_end:start])):
            named.append((text[start:end], ids))
            cued_end = max(cued_end, end)
    return named


def named_sources(question: str, outlets: OutletIndex) -> frozenset[str]:
    """The articles of every outlet the question names as a source (empty: it names none)."""
    return frozenset().union(*(ids for _, ids in source_mentions(question, outlets)))
