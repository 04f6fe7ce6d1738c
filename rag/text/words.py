"""Word-level normalisation shared by BM25, de-duplication and citation checks."""

from __future__ import annotations

import functools
import re
import unicodedata

STOPWORDS = frozenset(
    """a an the and or but of to in on at by for with from as is are was were be been being it its
    this that these those he she they them his her their there here we you i me my our your not no
    do does did has have had will would can could should may might must shall than then so such
    what which who whom whose when where why how into over about after before also said says
    more most other some any all each both only own same too very just s t many much""".split()
)
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d{3}\b)")
_WORD = re.compile(r"\w+")


def unaccent(text: str) -> str:
    """Accents removed, case kept: 'Gestión' -> 'Gestion'."""
    if text.isascii():  # ASCII has no accents; the per-character pass was most of ingest's stemming
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case, accents removed, thousands separators dropped: 'López 242,000' -> 'lopez 242000'."""
    return _DIGIT_COMMA.sub("", unaccent(text).lower())


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "e", "ly")


@functools.lru_cache(maxsize=65536)  # words are Zipf-distributed: most calls repeat a few thousand
def stem(word: str) -> str:
    """Crude suffix stripping so "detain", "detained" and "detains" meet; not linguistics."""
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}
