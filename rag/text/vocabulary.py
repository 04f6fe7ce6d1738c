"""Citation markers, month names, years, ISO dates, control tokens and refusal phrases, each defined once.

Copies of these drifted apart: the figure reader stripped "[1]" but read the 1 and 2
of "[1, 2]" as counts, and the evaluation missed refusals the citation check saw.
"""

from __future__ import annotations

import re

# --- citation markers: "[2]", "[1, 3]"; "[1][3]" is two markers --------------------
_NUMBERS = r"\d+(?:\s*,\s*\d+)*"
MARKER_PATTERN = rf"\[{_NUMBERS}\]"  # no group, to build larger patterns with
MARKER = re.compile(rf"\[({_NUMBERS})\]")  # group 1: the numbers, "1, 3"
# With the spaces before it, which go when the marker goes: "Lyon [2]." -> "Lyon.".
SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern)


def strip_markers(text: str) -> str:
    """``text`` without its citation markers and the spaces before them."""
    return SPACED_MARKER.sub("", text)


def marker_numbers(text: str) -> list[int]:
    """The source numbers ``text`` cites, in order, repeats kept: "a [1, 3]. b [1]" -> [1, 3, 1]."""
    return [int(n) for numbers in MARKER.findall(text) for n in re.findall(r"\d+", numbers)]


# --- months -------------------------------------------------------------------------
MONTHS = tuple(
    "january february march april may june july august september october november december".split()
)
MONTH_STEMS = tuple(m[:3] for m in MONTHS)  # in calendar order: index + 1 is the month number
MONTH_STEM = "|".join(MONTH_STEMS)  # a regex alternative; callers add the group and what follows
# Shortened forms written with a full stop ("Dec.", "Sept."): they end no sentence. May has none.
MONTH_ABBREVIATIONS = (frozenset(MONTH_STEMS) - {"may"}) | {"sept"}
MONTH_WORDS = frozenset(MONTHS) | MONTH_ABBREVIATIONS  # lower case, without the full stop

# --- years --------------------------------------------------------------------------
# 1500-2099: the widest range a copy accepted (the check of "which year" answers), since
# news recalls history ("founded in 1599") and a year is rarely written beyond 2099,
# while 3000 or 1200 is far more likely a count. Four digits as written, with no comma:
# "1,900 migrants" is a count.
YEAR = r"(?:1[5-9]|20)\d\d"


def is_year(token: str) -> bool:
    """Whether ``token`` is, as written, a year: "1999", "2023"; not "1,999" nor "3000"."""
    return re.fullmatch(YEAR, token) is not None


# --- ISO dates ----------------------------------------------------------------------
# "2023-12-27", as feeds, bylines, metadata and the filters write a day. No group and no
# anchors: callers capture or anchor it as they need.
ISO_DATE = r"\d{4}-\d{2}-\d{2}"

# --- chat-template control tokens ---------------------------------------------------
# "<|im_start|>", "<|eot_id|>": llama.cpp reads them as real tokens, so text from a user
# or an article must never carry one to the model.
CONTROL_TOKEN = r"<\|[^|<>\s]{1,40}\|>"

# --- refusals -----------------------------------------------------------------------
# How a reply says the sources do not answer: the prompt's own words (rag.types.REFUSAL_TEXT,
# "I could not find that ...") and the ways a small model rephrases them. The citation check
# abstains on such a reply, and the evaluation counts it as the model's refusal, so both
# must read it alike.
REFUSAL_PHRASES = (
    r"could not find|couldn't find|cannot find|can't find|no information|"
    r"not (?:mentioned|stated|provided|specified|contain)|do(?:es)? not (?:say|mention|contain|provide)"
)
REFUSAL = re.compile(REFUSAL_PHRASES, re.I)


def is_refusal(text: str) -> bool:
    """Whether ``text`` says, anywhere, that the sources do not answer."""
    return REFUSAL.search(text) is not None
