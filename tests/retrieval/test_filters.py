"""Resolving a filter against the manifest: which article ids a question may be answered from."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rag.errors import BadQuestion
from rag.retrieval.filters import Filters, allowed_docs, known_outlets, outlet_key
from rag.types import ArticleMeta


def _meta(doc_id: str, source: str = "", day: str = "") -> ArticleMeta:
    return ArticleMeta(doc_id=doc_id, source=source, date=day)


# A tiny manifest shaped like the seeds': some outlets, some dates, some neither.
ARTICLES = {
    m.doc_id: m
    for m in [
        _meta("gestion", "Gestion"),
        _meta("opinion", "La Opinión", "2023-12-27"),
        _meta("voa-27", "VOA", "2023-12-27"),
        _meta("voa-29", "voa", "2023-12-29"),
        _meta("undated"),
        _meta("late", "", "2024-01-15"),
    ]
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(sources=["Gestion"]), {"gestion"}),
        (Filters(sources=["la opinion"]), {"opinion"}),  # case and accents ignored
        (Filters(sources=["  LA   OPINIÓN "]), {"opinion"}),
        (Filters(sources=["VOA"]), {"voa-27", "voa-29"}),  # one outlet spelled two ways
        (Filters(sources=["VOA", "Gestion"]), {"voa-27", "voa-29", "gestion"}),
        (Filters(since="2023-12-28"), {"voa-29", "late"}),
        (Filters(until="2023-12-27"), {"opinion", "voa-27"}),
        (Filters(since="2023-12-27", until="2023-12-29"), {"opinion", "voa-27", "voa-29"}),
        (Filters(since=date(2023, 12, 29), until=datetime(2023, 12, 29, 8)), {"voa-29"}),
        (Filters(articles=["undated", "late"]), {"undated", "late"}),
        (Filters(sources=["voa"], since="2023-12-28"), {"voa-29"}),
        (Filters(articles=["gestion", "opinion"], sources=["Gestion"]), {"gestion"}),
    ],
)
def test_filters_keep_exactly_the_matching_articles(filters, expected):
    assert allowed_docs(filters, ARTICLES) == frozenset(expected)


@pytest.mark.parametrize("filters", [None, Filters(), Filters(sources=["", "  "], since="", until=" ")])
def test_no_filter_restricts_nothing(filters):
    assert allowed_docs(filters, ARTICLES) is None


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            Filters(sources=["Foo"]),
            "No article is from outlet 'Foo'. Known outlets: Gestion, La Opinión, VOA.",
        ),
        (
            Filters(since="2024-01-01", until="2024-01-10"),
            "No article is dated between 2024-01-01 and 2024-01-10.",
        ),
        (Filters(since="2025-01-01"), "No article is dated on or after 2025-01-01."),
        (Filters(until="2020-01-01"), "No article is dated on or before 2020-01-01."),
        (Filters(since="2023-12-28", until="2023-12-28"), "No article is dated on 2023-12-28."),
        (
            Filters(articles=["nope", "gestion", "gone"]),
            "No article has the id 'nope', 'gone' "
            "(GET /api/articles and the page's Library tab list the ids).",
        ),
        (
            Filters(sources=["Gestion"], since="2023-12-01"),
            "No article matches every filter: from Gestion; dated on or after 2023-12-01.",
        ),
        (
            Filters(articles=["undated"], sources=["VOA"]),
            "No article matches every filter: among undated; from VOA.",
        ),
    ],
)
def test_impossible_filters_say_what_is_wrong(filters, message):
    with pytest.raises(BadQuestion) as err:
        allowed_docs(filters, ARTICLES)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"since": "2023-13-01"}, "The since date '2023-13-01' is not a date; write it as YYYY-MM-DD."),
        ({"until": "29/12/2023"}, "The until date '29/12/2023' is not a date; write it as YYYY-MM-DD."),
        ({"since": "2023-12-1"}, "The since date '2023-12-1' is not a date; write it as YYYY-MM-DD."),
        ({"since": 20231229}, "The since date 20231229 is not a date; write it as YYYY-MM-DD."),
        (
            {"since": "2024-02-01", "until": "2024-01-01"},
            "The since date 2024-02-01 is after the until date 2024-01-01.",
        ),
    ],
)
def test_malformed_or_reversed_dates_are_bad_questions(fields, message):
    # Raised as BadQuestion (not a pydantic error), from the constructor and from JSON alike.
    for make in (lambda: Filters(**fields), lambda: Filters.model_validate(fields)):
        with pytest.raises(BadQuestion) as err:
            make()
        assert str(err.value) == message


def test_names_are_trimmed_and_deduplicated_and_one_name_is_a_list():
    f = Filters(sources="Gestion", articles=[" a ", "a", "", "b"])
    assert f.sources == ["Gestion"] and f.articles == ["a", "b"]


def test_an_outlet_filter_on_articles_without_outlets_says_so():
    with pytest.raises(BadQuestion, match=r"Known outlets: none \(no article names its outlet\)"):
        allowed_docs(Filters(sources=["VOA"]), {"x": _meta("x")})


def test_known_outlets_are_listed_once_each_whatever_their_spelling():
    assert known_outlets(ARTICLES) == ["Gestion", "La Opinión", "VOA"]
    assert outlet_key("La  Opinión") == outlet_key("la opinion") == "la opinion"


def test_unknown_fields_are_refused():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="outlet"):
        Filters.model_validate({"outlet": "VOA"})
