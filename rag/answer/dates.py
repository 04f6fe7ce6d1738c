"""Relative dates in "when" answers, resolved against the cited article's date.

News is written relative to the day it appears: "the delegation will travel on
Wednesday", "talks were held yesterday". Read weeks later, "on Wednesday" says
nothing, so a "when" answer that gives a weekday or a day relative to today gets
the calendar date it means, computed from the date of the article it cites. An
article with no date leaves the answer as it is: a guessed date would be a claim
nothing backs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from rag.answer.citations import CheckedAnswer
from rag.text.vocabulary import MARKER, MONTH_STEM
from rag.types import ArticleMeta, Passage

_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_DAY = r"\b(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow)\b"
# "Wednesday, Dec. 27" is resolved already.
_RELATIVE = re.compile(_DAY + rf"(?!,?\s+(?:\d{{1,2}}\b|{MONTH_STEM}))", re.I)
_LAST_NEXT = re.compile(r"\b(?P<which>last|next|this|coming)\s+" + _DAY, re.I)
# Where the cited sentence looks ahead, its weekday is the next one; else the last one.
_FUTURE = re.compile(
    r"\b(will|shall|to (?:travel|meet|visit|hold)|next|coming|upcoming|plans? to|expected to)\b", re.I
)


def resolve(day: str, published: dt.date, ahead: bool) -> dt.date:
    """The date ``day`` ("Wednesday", "yesterday") means in an article published on ``published``."""
    day = day.lower()
    if day in ("today", "yesterday", "tomorrow"):
        return published + dt.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[day])
    shift = (_WEEKDAYS.index(day) - published.weekday()) % 7
    # The article's own weekday is the publication day itself, ahead or not.
    return published + dt.timedelta(days=shift if ahead or shift == 0 else shift - 7)


def own_date(meta: ArticleMeta | None) -> dt.date | None:
    """The date an article states as its own (file metadata, a dateline). The first date in
    the body may be the event's: a VOA report of Thursday's briefing opens with Wednesday's photo."""
    if meta is None or meta.date_from not in ("file", "dateline"):
        return None
    try:
        return dt.date.fromisoformat(meta.date)
    except ValueError:
        return None


def _ahead(day: str, passage: str) -> bool:
    """Whether ``day`` looks ahead in ``passage``: "next Wednesday", or a sentence about plans."""
    for m in _LAST_NEXT.finditer(passage):
        if m.group("day").lower() == day.lower():
            return m.group("which").lower() in ("next", "coming")
    return bool(_FUTURE.search(passage))


def _published(passage: Passage, articles: Mapping[str, ArticleMeta]) -> dt.date | None:
    """The date of the first article carrying ``passage`` that states its own."""
    return next((d for doc_id in passage.doc_ids if (d := own_date(articles.get(doc_id)))), None)


def with_dates(
    checked: CheckedAnswer, passages: list[Passage], articles: Mapping[str, ArticleMeta]
) -> CheckedAnswer:
    """``checked`` with each relative day of its cited sentences followed by the date it means."""
    if checked.abstained or not articles:
        return checked
    by_n = {p.n: p for p in passages}
    out, last = [], 0
    for m in _RELATIVE.finditer(checked.text):
        cite = MARKER.search(checked.text, m.end())
        passage = by_n.get(int(cite.group(1).split(",")[0])) if cite else None
        published = _published(passage, articles) if passage else None
        if passage is None or published is None or m.group("day").lower() not in passage.text.lower():
            continue  # the day must be the cited article's own word, read against its own date
        when = resolve(m.group("day"), published, _ahead(m.group("day"), passage.text))
        out += [checked.text[last : m.end()], f" ({when:%B} {when.day}, {when.year})"]
        last = m.end()
    if not out:
        return checked
    text = "".join(out) + checked.text[last:]
    return CheckedAnswer(text, False, checked.citations, checked.sentences)
