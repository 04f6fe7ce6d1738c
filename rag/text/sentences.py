"""Sentences: where they end, what a sentence needs from the one before it, and bylines.

Pure text over rag.types.Sentence. Ingest cuts chunks with these and embeds each sentence
with its antecedent; retrieval quotes them; the citation check cuts an answer the same
way. Living below all three is what lets each use them without importing the others.
Their code is part of the parser fingerprint (rag/ingest/reader.py): a change re-indexes.
"""

from __future__ import annotations

import re

from rag.text.vocabulary import ISO_DATE, MONTH_ABBREVIATIONS
from rag.types import Sentence

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


# --- a sentence with what it needs from the one before ------------------------------
_PRONOUN_START = re.compile(r"^[\"'“‘(]*(he|she|they|it|his|her|their|its|this|these|those|we)\b", re.I)


def with_antecedents(sentences: list[Sentence]) -> list[Sentence]:
    """Each sentence, where one opening with a pronoun ("They said ...") carries the one before.

    Alone, such a sentence names nobody, so neither the model nor the claim check
    could tell whom it is about. One that closes a quotation opened in the sentence before
    ("... the poor,” he said, according to Telemundo.") carries it too: the splitter cuts
    quotes at their full stops, which parts a statement from who made it.
    """
    out = []
    for prev, sent in zip([None, *sentences], sentences):
        if prev is not None and (_PRONOUN_START.match(sent.text) or _closes_quote(prev.text, sent.text)):
            sent = Sentence(text=f"{prev.text} {sent.text}", start=prev.start, end=sent.end)
        out.append(sent)
    return out


def with_bylines(sentences: list[Sentence]) -> list[Sentence]:
    """Each headline followed by a byline, extended to quote the byline.

    "Who wrote the article on X?" matches the headline, not the byline under it, and the
    byline alone ("By Ana Ruiz") says nothing about X. Only such questions get this: for
    others the headline-and-byline passage took the place of facts, and on multihop-dev,
    whose questions name outlets, the model answered from the wrong article's headline.
    """
    out = list(sentences)
    is_byline = [parse_byline(s.text) is not None for s in sentences]  # once per sentence
    for i, (sent, nxt) in enumerate(zip(sentences, sentences[1:])):
        if is_byline[i + 1] and not is_byline[i]:
            out[i] = Sentence(text=f"{sent.text} {nxt.text}", start=sent.start, end=nxt.end)
    return out


def _closes_quote(prev: str, sent: str) -> bool:
    opened = prev.count("“") > prev.count("”") or prev.count('"') % 2 == 1
    closes = sent.count("”") > sent.count("“") or sent.count('"') % 2 == 1
    return opened and closes


# --- bylines ---------------------------------------------------------------------
_BYLINE = re.compile(r"^\s*[Bb]y\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})\s*$")
# "By Name | Outlet | 2023-12-24T15:00:00+00:00" or "Outlet | 2023-10-20": the pipe
# line that feeds and aggregators write. Only a trailing ISO date makes it metadata;
# an outlet name may hold " | " itself ("Cnbc | World Business News Leader").
_PIPE_DATE = re.compile(rf"^({ISO_DATE})(?:[T ][\d:.]+(?:Z|[+-]\d{{2}}:?\d{{2}})?)?$")


def parse_byline(line: str) -> tuple[str, str, str] | None:
    """(author, outlet, YYYY-MM-DD) from a byline line, '' where it gives none; None if not one."""
    if m := _BYLINE.match(line):
        return m.group(1), "", ""
    parts = [p.strip() for p in line.split(" | ")]
    date = _PIPE_DATE.match(parts[-1]) if len(parts) >= 2 else None
    if date is None:
        return None
    author = parts[0][3:].strip() if parts[0][:3].lower() == "by " else ""
    outlet = " | ".join(parts[1:-1] if author else parts[:-1])
    if len(outlet) > 80 or len(author) > 120:
        return None  # a sentence that happens to end in a date, not a byline
    return author, outlet, date.group(1)
