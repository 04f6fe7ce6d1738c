"""Sentence cutting, antecedents and bylines (rag/text/sentences.py)."""

import pytest

from rag.text.sentences import parse_byline, split_sentences, with_antecedents
from rag.types import Sentence


def _sentences(text):
    return [text[a:b] for a, b in split_sentences(text)]


def test_split_respects_abbreviations_and_lines():
    text = "U.S. Secretary Blinken met AMLO on Dec. 27. They talked.\nHeadline without stop\nNext one."
    assert _sentences(text) == [
        "U.S. Secretary Blinken met AMLO on Dec. 27.",
        "They talked.",
        "Headline without stop",
        "Next one.",
    ]


def test_soft_wrapped_line_is_not_a_break():
    assert _sentences("The delegation will\ntravel on Wednesday.") == [
        "The delegation will\ntravel on Wednesday."
    ]


def _sentences_of(*texts):
    sentences, pos = [], 0
    for text in texts:
        sentences.append(Sentence(text=text, start=pos, end=pos + len(text)))
        pos += len(text) + 1
    return sentences


def test_a_sentence_closing_a_quotation_carries_its_opening():
    # Split at the full stop inside the quote, the attribution lands in the second half.
    opening = "“Our proposals are known: the causes must be addressed."
    closing = "The ideal is to help the poor,” he said, according to Telemundo."
    carried = with_antecedents(_sentences_of("Talks ended.", opening, closing))
    assert [s.text for s in carried] == ["Talks ended.", opening, f"{opening} {closing}"]
    # A quotation opened and closed in one sentence carries nothing.
    whole = "“We agreed,” she said."
    assert with_antecedents(_sentences_of(whole, "Talks ended."))[1].text == "Talks ended."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Nicole Clark | Polygon | 2023-12-24T15:00:00+00:00", ("Nicole Clark", "Polygon", "2023-12-24")),
        ("The Age | 2023-10-20T23:51:34+00:00", ("", "The Age", "2023-10-20")),
        # An outlet's own name may hold the separator.
        (
            "By Ana Ruiz | Cnbc | World Business News | 2023-11-02",
            ("Ana Ruiz", "Cnbc | World Business News", "2023-11-02"),
        ),
        (
            "By Cade Metz, Karen Weise and Mike Isaac | The New York Times | 2023-11-20T08:00:00Z",
            ("Cade Metz, Karen Weise and Mike Isaac", "The New York Times", "2023-11-20"),
        ),
        ("By Andrea Espinoza", ("Andrea Espinoza", "", "")),
        # Pipes without a trailing date, and prose that starts with "By": not bylines.
        ("Arteta reveals Pochettino influence on his career | Poch: He is family", None),
        ("By the end of 2012, Google and Facebook were angling to acquire the lab.", None),
    ],
)
def test_parse_byline(line, expected):
    assert parse_byline(line) == expected
