"""Strip page boilerplate line by line and pull out title, date, outlet and author.

Scraped articles carry navigation ("Skip to content"), teasers after "Keep
reading:", repeated headlines, bylines and photo credits. They add noise to
retrieval and cost prompt tokens, so they go; the metadata lines among them
are kept as fields instead of as text. Bylines are the exception: they are
recorded *and* kept, because "who wrote the article in X?" is a question people
ask, and its answer needs a sentence to quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.ingest.text import MappedText
from rag.text.sentences import parse_byline
from rag.text.vocabulary import ISO_DATE, MONTH_STEM, MONTH_STEMS

_BOILERPLATE = re.compile(
    r"^(skip to (main )?content|back to top( button)?|related( articles| posts| stories)?|"
    r"latest( news)?|advertisement|share( this( article)?)?|print|email|menu|search|"
    r"subscribe.*|sign up.*|log ?in|avatar of .*|follow us.*|read more:?|"
    r"enrichment data:?|photo:.*|image:.*|image credit.*|all rights reserved.*|©.*)$",
    re.IGNORECASE,
)
# Lines after these headings are teasers for other articles, not this one.
_TEASER_HEADING = re.compile(r"^(keep reading|read more|read also|see also|more on this)\s*:?$", re.I)
_BULLET = re.compile(r"^\s*([•\-*–]|\d{1,2}[.)])\s+")
_SOURCE = re.compile(r"^\s*(?:source|outlet|publisher)\s*:\s*(.{2,60}?)\s*$", re.I)
_MONTH_RE = rf"({MONTH_STEM})[a-z]*\.?"  # group: the three letters "Dec.", "December" start with
_DATE_TEXT = re.compile(rf"\b{_MONTH_RE}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I)
_DATE_ISO = re.compile(rf"\b{ISO_DATE}\b")
_DATE_PREFIX = re.compile(rf"^\s*(?:date|published|updated)\s*:?\s*({ISO_DATE})\s*", re.I)
_WEEKDAY_LINE = re.compile(
    r"^\s*(mon|tues|wednes|thurs|fri|satur|sun)day,?\s+" + _MONTH_RE + r"\s+\d{1,2}(,?\s+\d{4})?\s*$",
    re.I,
)
_DATELINE = re.compile(rf"^\s*{_MONTH_RE}\s+\d{{1,2}},?\s+\d{{4}}[\s,:0-9APMESTDU.]*$", re.I)
# Words glued together by a scraped category menu: "ConflictDevelopmentImmigration".
_BREADCRUMB = re.compile(r"^(?:[A-Z][a-z]+){3,}(?:\s[A-Z][a-z]+)*(?:[A-Z][a-z]+)*$")
_CREDIT = re.compile(
    r"\s*\([^()]{0,80}\b(?:via|getty|afp|reuters|ap photo|epa|photo|credit)\b[^()]{0,80}\)", re.I
)


@dataclass
class CleanResult:
    text: MappedText
    title: str = ""
    date: str = ""
    date_in_text: bool = False  # found in the body, not in a dateline: maybe an event's date
    source: str = ""
    author: str = ""
    dropped: list[str] = field(default_factory=list)


def parse_date(text: str) -> str:
    """First full date in ``text`` as YYYY-MM-DD, or ''."""
    m = _DATE_ISO.search(text)
    if m:
        return m.group(0)
    m = _DATE_TEXT.search(text)
    if m:
        month = MONTH_STEMS.index(m.group(1).lower()) + 1
        return f"{int(m.group(3)):04d}-{month:02d}-{int(m.group(2)):02d}"
    return ""


def _is_title(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not line.rstrip().endswith((".", "?", "!", ",", ";"))


def _lines(mapped: MappedText) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer("\n", mapped.text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(mapped.text)))
    return spans


def _strip_credits(mapped: MappedText, start: int, end: int) -> list[MappedText]:
    """The line without parenthesised photo credits, as pieces that keep offsets."""
    pieces, pos = [], start
    for m in _CREDIT.finditer(mapped.text, start, end):
        if m.start() > pos:
            pieces.append(mapped.slice(pos, m.start()))
        pos = m.end()
    if end > pos:
        pieces.append(mapped.slice(pos, end))
    return pieces


def clean(mapped: MappedText) -> CleanResult:
    result = CleanResult(text=mapped)
    kept: list[MappedText] = []
    seen: set[str] = set()
    in_teasers = False
    bylines = 0  # kept lines that are bylines: a headline may still follow them
    for start, end in _lines(mapped):
        line = mapped.text[start:end]
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        start, end = start + lead, start + lead + len(stripped)
        key = re.sub(r"\W+", " ", stripped.lower()).strip()
        if in_teasers and _BULLET.match(line):
            result.dropped.append(stripped)
            continue
        in_teasers = False
        if _TEASER_HEADING.match(stripped):
            in_teasers = True
            result.dropped.append(stripped)
            continue
        byline = _byline(stripped, result)
        if not byline and (_metadata_line(stripped, result) or _BOILERPLATE.match(stripped) or key in seen):
            result.dropped.append(stripped)
            continue
        if _BREADCRUMB.match(stripped) and " " not in stripped[:20]:
            result.dropped.append(stripped)
            continue
        prefix = _DATE_PREFIX.match(stripped)
        if prefix:
            result.date = result.date or prefix.group(1)
            start += prefix.end()
        if byline:
            bylines += 1
        elif not result.title and _is_title(stripped) and len(kept) == bylines:
            result.title = stripped
        seen.add(key)
        pieces = _strip_credits(mapped, start, end)
        if pieces:
            kept.append(MappedText.join(pieces, sep=""))
    result.text = MappedText.join(kept) if kept else MappedText.identity("")
    if not result.date:
        result.date = parse_date(result.text.text[:2000])
        result.date_in_text = bool(result.date)
    if not result.title and kept:
        result.title = _fallback_title(kept[0].text)
    return result


def _byline(line: str, result: CleanResult) -> bool:
    """Record the author, outlet and date a byline gives; True when the line is one."""
    found = parse_byline(line)
    if found is None:
        return False
    result.author = result.author or found[0]
    result.source = result.source or found[1]
    result.date = result.date or found[2]
    return True


def _metadata_line(line: str, result: CleanResult) -> bool:
    """Record an outlet or dateline; True when the line is only metadata."""
    if m := _SOURCE.match(line):
        result.source = result.source or m.group(1)
        return True
    if _DATELINE.match(line):
        result.date = result.date or parse_date(line)
        return True
    return bool(_WEEKDAY_LINE.match(line))


def _fallback_title(first_line: str, words: int = 12) -> str:
    parts = first_line.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
