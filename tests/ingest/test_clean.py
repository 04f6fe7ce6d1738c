from rag.ingest.clean import clean, parse_date
from rag.ingest.text import MappedText

PAGE = """Skip to content

Talks on migration resume in January

Talks on migration resume in January
By Jane Roe
Dec 27, 2023, 17:39 PM EST
Officials met at the palace (Photo via Getty Images) on Wednesday.
Keep reading:
  • Another story teaser
Source: Example Times
Back to top button
"""


def test_clean_drops_boilerplate_and_extracts_metadata():
    result = clean(MappedText.identity(PAGE))
    assert (
        result.text.text
        == "Talks on migration resume in January\nBy Jane Roe\nOfficials met at the palace on Wednesday."
    )
    assert result.title == "Talks on migration resume in January"
    assert result.author == "Jane Roe"
    assert result.date == "2023-12-27"
    assert result.source == "Example Times"


def test_clean_offsets_point_into_original():
    result = clean(MappedText.identity(PAGE))
    text = result.text.text
    i = text.index("Officials")
    start, end = result.text.orig_span(i, i + len("Officials met at the palace"))
    assert PAGE[start:end] == "Officials met at the palace"


def test_parse_date_formats():
    assert parse_date("date 2023-12-29 The immigration") == "2023-12-29"
    assert parse_date("Mexico City, Dec. 27, 2023.") == "2023-12-27"
    assert parse_date("no date here") == ""


def test_a_pipe_byline_gives_author_outlet_and_date_and_stays_quotable():
    page = "By Nicole Clark | Polygon | 2023-12-24T15:00:00+00:00\n6 games to play first on your Switch\nHi."
    result = clean(MappedText.identity(page))
    assert (result.author, result.source, result.date) == ("Nicole Clark", "Polygon", "2023-12-24")
    assert not result.date_in_text
    # The headline after a leading byline is still the title; the byline is not.
    assert result.title == "6 games to play first on your Switch"
    assert result.text.text.startswith("By Nicole Clark | Polygon")
