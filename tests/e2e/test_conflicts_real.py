"""Figures the seed articles report differently, asked with the real model (issue #12).

003 gives "approximately 2.4 million" and "nearly 2.5 million" crossings for the last
fiscal year; the answer must show both, each citing its own sentence.
"""

import pytest

from tests.conftest import every_checked_answer
from tests.facts import quoting, states

pytestmark = pytest.mark.e2e


def test_a_conflicting_count_shows_both_figures_with_their_citations(real_rag):
    # Every checked answer shown: the figures step is tested here, the threshold apart.
    result = every_checked_answer(real_rag).service.ask(
        "How many border crossings or encounters were recorded in the last fiscal year?"
    )
    assert not result.abstained, result.model_dump_json(indent=1)
    quotes = {c.n: c.quote for c in result.citations}
    for figure in ("2.4 million", "2.5 million"):
        assert states(result.answer, figure), result.answer
        # The figure's own citation quotes the sentence that gives it.
        cited = [c.n for c in quoting(result.citations, figure)]
        assert cited and any(f"[{n}]" in result.answer for n in cited), (result.answer, quotes)
