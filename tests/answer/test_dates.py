import datetime as dt

from rag.answer.citations import check_answer
from rag.answer.dates import own_date, resolve, with_dates
from rag.types import ArticleMeta, Passage, Support

WED = dt.date(2023, 12, 27)  # a Wednesday


def test_weekdays_resolve_backwards_unless_the_sentence_looks_ahead():
    assert resolve("Thursday", WED, ahead=False) == dt.date(2023, 12, 21)
    assert resolve("Thursday", WED, ahead=True) == dt.date(2023, 12, 28)
    assert resolve("Wednesday", WED, ahead=False) == WED == resolve("wednesday", WED, ahead=True)
    assert resolve("yesterday", WED, ahead=True) == dt.date(2023, 12, 26)
    assert resolve("tomorrow", WED, ahead=False) == dt.date(2023, 12, 28)


def _passage(n, text, *doc_ids):
    supports = [Support(doc_id=d, title="T", quote=text, start=0, end=len(text)) for d in doc_ids]
    return Passage(n=n, text=text, score=1.0, supports=supports)


PASSAGES = [
    _passage(
        1, "The trip was agreed just last Thursday, when Biden called López Obrador.", "undated", "dated"
    ),
    _passage(2, "Blinken will travel to Mexico on Thursday to meet López Obrador.", "dated"),
]
DATES = {"dated": ArticleMeta(doc_id="dated", date="2023-12-27", date_from="dateline")}


def _answer(raw, question="When?"):
    return with_dates(check_answer(raw, PASSAGES, 0.5, question), PASSAGES, DATES)


def test_a_relative_day_gets_the_date_it_means_by_the_cited_articles_date():
    # "last Thursday" looks back even in an article about plans; the undated copy is skipped.
    got = _answer("Biden called López Obrador last Thursday [1].", "When did Biden call López Obrador?")
    assert got.text == "Biden called López Obrador last Thursday (December 21, 2023) [1]."
    assert [c.n for c in got.citations] == [1]


def test_a_planned_day_resolves_forwards():
    got = _answer("Blinken will travel on Thursday [2].", "When will Blinken travel to Mexico?")
    assert got.text == "Blinken will travel on Thursday (December 28, 2023) [2]."


def test_undated_article_or_a_day_the_passage_does_not_say_is_left_alone():
    alone = [_passage(1, "The trip was agreed last Thursday.", "undated")]
    checked = check_answer("It was agreed last Thursday [1].", alone, 0.5, "When was it agreed?")
    assert with_dates(checked, alone, DATES).text == "It was agreed last Thursday [1]."
    # An already dated weekday ("Thursday, Dec. 21") needs nothing.
    dated = [_passage(1, "Biden called on Thursday, Dec. 21.", "dated")]
    checked = check_answer("On Thursday, Dec. 21 [1].", dated, 0.5, "When did Biden call?")
    assert not checked.abstained
    assert with_dates(checked, dated, DATES).text == "On Thursday, Dec. 21 [1]."


def test_only_a_date_the_article_states_as_its_own_counts():
    assert own_date(ArticleMeta(doc_id="a", date="2023-12-27", date_from="dateline")) == WED
    assert own_date(ArticleMeta(doc_id="c", date="2023-12-29", date_from="file")) == dt.date(2023, 12, 29)
    # A photo caption's date, found in the body; and no date at all.
    assert own_date(ArticleMeta(doc_id="b", date="2023-12-27", date_from="text")) is None
    assert own_date(ArticleMeta(doc_id="d")) is None and own_date(None) is None
