"""Each shared text pattern, pinned once with small exact examples."""

import re

import pytest

from rag.text.vocabulary import (
    CONTROL_TOKEN,
    ISO_DATE,
    MARKER,
    MARKER_PATTERN,
    MONTH_ABBREVIATIONS,
    MONTH_STEM,
    MONTH_STEMS,
    MONTH_WORDS,
    MONTHS,
    REFUSAL_PHRASES,
    is_refusal,
    is_year,
    marker_numbers,
    strip_markers,
)
from rag.types import ABSTAIN_TEXT, REFUSAL_TEXT


def test_markers_single_listed_and_adjacent_are_all_found():
    text = "Lyon [1]. Paris [1, 2] and Nice [1][3]."
    assert MARKER.findall(text) == ["1", "1, 2", "1", "3"]
    assert re.findall(MARKER_PATTERN, text) == ["[1]", "[1, 2]", "[1]", "[3]"]
    assert marker_numbers(text) == [1, 1, 2, 1, 3]


def test_strip_markers_takes_the_spaces_before_them():
    assert strip_markers("Lyon [1]. Paris [1, 2] and Nice [1][3].") == "Lyon. Paris and Nice."
    assert strip_markers("Lyon[2] ") == "Lyon "


@pytest.mark.parametrize("text", ["[a]", "[1 2]", "[]", "(1)", "[1,]", "2023"])
def test_what_is_no_marker(text):
    assert MARKER.search(text) is None and strip_markers(text) == text


def test_months_full_abbreviated_and_in_calendar_order():
    assert len(MONTHS) == 12 and MONTHS[11] == "december" and MONTH_STEMS[11] == "dec"
    assert {"december", "dec", "sept", "may"} <= MONTH_WORDS
    assert "may" not in MONTH_ABBREVIATIONS  # "May." ends a sentence: May is never shortened
    assert {"dec", "sept", "jan"} <= MONTH_ABBREVIATIONS
    month = re.compile(rf"\b(?:{MONTH_STEM})[a-z]*\.?", re.I)
    assert [month.match(w).group() for w in ("December", "Dec.", "Sept.")] == ["December", "Dec.", "Sept."]
    assert month.match("Monday") is None


def test_years_are_four_digits_from_1500_to_2099_as_written():
    assert all(is_year(t) for t in ("1999", "2023", "1500", "2099"))
    assert not any(is_year(t) for t in ("1499", "2100", "3000", "1,999", "99", "20231"))


@pytest.mark.parametrize(
    "text",
    [
        REFUSAL_TEXT,
        ABSTAIN_TEXT,
        "I couldn't find that.",
        "The articles do not mention it.",
        "The passages did not contain the figure.",
        "It is not stated in the sources.",
        "There is no information about it.",
    ],
)
def test_refusals_are_recognised(text):
    assert is_refusal(text) and re.search(REFUSAL_PHRASES, text, re.I)


@pytest.mark.parametrize(
    "text", ["Antony Blinken led the delegation [1].", "The talks will continue in January [1].", ""]
)
def test_answers_are_not_refusals(text):
    assert not is_refusal(text)


def test_iso_dates_are_four_two_two_digits_and_carry_no_group():
    assert re.findall(ISO_DATE, "From 2023-12-27 to 2024-01-05T10:00, not 2023-1-5 or 23-12-27.") == [
        "2023-12-27",
        "2024-01-05",
    ]
    assert re.compile(ISO_DATE).groups == 0  # callers add their own group where they capture it
    assert re.fullmatch(ISO_DATE, "2023-12-27 ") is None  # no anchors of its own, none implied


def test_control_tokens_are_short_pipe_bracketed_words():
    text = "<|im_start|>system<|eot_id|> <|start_header_id|> a|b <| x |> <|> <||>"
    assert re.findall(CONTROL_TOKEN, text) == ["<|im_start|>", "<|eot_id|>", "<|start_header_id|>"]
    assert re.search(CONTROL_TOKEN, f"<|{'a' * 40}|>")
    assert not re.search(CONTROL_TOKEN, f"<|{'a' * 41}|>")
