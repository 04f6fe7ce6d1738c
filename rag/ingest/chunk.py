"""Sentence splitting and sentence-aware chunking, with original-file offsets."""

from __future__ import annotations

import re

from rag.ingest.text import MappedText
from rag.text.vocabulary import MONTH_ABBREVIATIONS
from rag.types import Chunk, Sentence

_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "sen",
    "rep",
    "gov",
    "st",
    "jr",
    "sr",
    "no",
    "vs",
    "etc",
    *MONTH_ABBREVIATIONS,  # "Dec. 27"
    "inc",
    "corp",
    "co",
    "ltd",
    "adm",
    "col",
    "lt",
    "sgt",
    "prof",
    "fig",
    "approx",
    "e.g",
    "i.e",
}
# A boundary candidate: terminal punctuation, optional closing quotes/brackets, whitespace.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)*[A-Za-z]$")
# Text that speaks to a language model rather than to readers: "ignore the previous
# instructions ..." and chat-template control tokens such as <|im_start|>. It is never
# news, and it is how instructions get smuggled into a prompt through an article.
_TO_THE_MODEL = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|my\s+|these\s+)?"
    r"(?:previous|prior|above|earlier|preceding|system|original|your)\s+(?:instructions|prompts?|rules)\b"
    r"|<\|[^|<>\s]{1,40}\|>",
    re.IGNORECASE,
)


def addresses_the_model(sentence: str) -> bool:
    """True for a sentence that tries to instruct the answering model."""
    return bool(_TO_THE_MODEL.search(sentence))


def _is_abbreviation(word: str, line_start: bool) -> bool:
    """A full stop that does not end a sentence: "U.S.", "Dec.", or a list number "2." at line start."""
    word = word.lstrip("(\"'“‘")
    if word.isdigit():
        return line_start and len(word) <= 2
    return word.lower() in _ABBREV or bool(_INITIALS.match(word))


def _line_breaks(text: str) -> list[int]:
    """Newlines that end a sentence: all but soft wraps inside a running sentence."""
    cuts = []
    for m in re.finditer(r"\n+", text):
        # Bounded windows: slicing from the start of a long file each time is quadratic.
        before = text[max(0, m.start() - 200) : m.start()].rstrip()
        after = text[m.end() : m.end() + 200].lstrip()
        soft = before and after and before[-1] not in '.!?:;"”)' and after[0].islower()
        if not soft:
            cuts.append(m.start())
    return cuts


def split_sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences in ``text``, whitespace trimmed."""
    cuts = set(_line_breaks(text))
    for m in _END.finditer(text):
        before = text[max(0, m.start() - 200) : m.start()]
        word = before.rsplit(None, 1)[-1] if before.strip() else ""
        line_start = not before[: len(before) - len(word)].strip(" \t").split("\n")[-1]
        if m.group(0) == "." and _is_abbreviation(word, line_start):
            continue
        nxt = text[m.end() : m.end() + 50].lstrip()[:1]
        if nxt and (nxt.isupper() or nxt.isdigit() or nxt in "\"“‘'(["):
            cuts.add(m.end())
    spans, start = [], 0
    for cut in sorted(cuts) + [len(text)]:
        seg = text[start:cut]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            spans.append((start + lead, start + len(seg.rstrip())))
        start = cut
    return spans


def _cap_spans(text: str, spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Break any span longer than ``limit`` at whitespace (or hard, if there is none).

    Text without sentence punctuation (a transcript, a pasted table, a blob) would
    otherwise be one "sentence" holding the whole file: a chunk the embedder truncates
    to its first few hundred words and that never fits the prompt budget.
    """
    out = []
    for start, end in spans:
        while end - start > limit:
            cut = start + limit
            while cut > start and not text[cut].isspace():
                cut -= 1
            if cut == start:  # one unbroken token longer than the limit
                cut = start + limit
            piece_end = cut
            while piece_end > start and text[piece_end - 1].isspace():
                piece_end -= 1
            out.append((start, piece_end))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if end > start:
            out.append((start, end))
    return out


def chunk_article(doc_id: str, mapped: MappedText, max_chars: int) -> list[Chunk]:
    """Consecutive sentences grouped up to ``max_chars``; a longer sentence is cut at spaces.

    Sentences addressed to the model are left out (see :func:`addresses_the_model`).
    """
    spans = _cap_spans(mapped.text, split_sentences(mapped.text), max_chars)
    groups: list[list[tuple[int, int]]] = []
    gap = True
    for span in spans:
        if addresses_the_model(mapped.text[span[0] : span[1]]):
            gap = True  # not indexed, so never quoted to the model; no chunk spans across it
            continue
        if groups and not gap and span[1] - groups[-1][0][0] <= max_chars:
            groups[-1].append(span)
        else:
            groups.append([span])
        gap = False
    chunks = []
    for i, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        sentences = []
        for s, e in group:
            o_start, o_end = mapped.orig_span(s, e)
            sentences.append(Sentence(text=mapped.text[s:e], start=o_start, end=o_end))
        o_start, o_end = mapped.orig_span(start, end)
        chunks.append(
            Chunk(
                id=f"{doc_id}::{i}",
                doc_id=doc_id,
                index=i,
                text=mapped.text[start:end],
                start=o_start,
                end=o_end,
                sentences=sentences,
            )
        )
    return chunks
