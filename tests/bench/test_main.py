"""The bench entry point's own logic."""

from bench.__main__ import spread


def test_tutorial_sample_is_spread_over_the_whole_gold_file():
    picks = spread(69, 20)
    assert len(picks) == 20 and min(picks) == 0 and max(picks) >= 65
    assert spread(5, 20) == {0, 1, 2, 3, 4}
