"""A relative day in a "when" answer, resolved by the cited article's date (issue #12)."""

import pytest

from tests.facts import quoting, states

pytestmark = pytest.mark.e2e


def test_last_thursday_becomes_the_date_it_means(real_rag):
    # 001 (dated Dec 27, 2023 by its dateline): "agreed upon ... just last Thursday, when Biden
    # called López Obrador". The Thursday before that Wednesday is December 21.
    result = real_rag.service.ask("When did Biden call López Obrador?")
    assert not result.abstained, result.model_dump_json(indent=1)
    # The relative day is resolved: the answer names the date, which no article states.
    assert states(result.answer, "December 21, 2023", "Dec 21, 2023", "21 December 2023"), result.answer
    # ... from the cited sentence that says "last Thursday", in the article dated Dec 27.
    assert any(c.date == "2023-12-27" for c in quoting(result.citations, "Thursday")), result.citations
