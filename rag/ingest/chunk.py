"""Sentence-aware chunking, with original-file offsets (the sentences: rag/text/sentences.py)."""

from __future__ import annotations

import re

from rag.ingest.text import MappedText
from rag.text.sentences import split_sentences
from rag.text.vocabulary import CONTROL_TOKEN
from rag.types import Chunk, Sentence

# Text that speaks to a language model rather than to readers: "ignore the previous
# instructions ..." and chat-template control tokens such as <|im_start|>. It is never
# news, and it is how instructions get smuggled into a prompt through an article.
_TO_THE_MODEL = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|my\s+|these\s+)?"
    r"(?:previous|prior|above|earlier|preceding|system|original|your)\s+(?:instructions|prompts?|rules)\b"
    rf"|{CONTROL_TOKEN}",
    re.IGNORECASE,
)


def addresses_the_model(sentence: str) -> bool:
    """True for a sentence that tries to instruct the answering model."""
    return bool(_TO_THE_MODEL.search(sentence))


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
