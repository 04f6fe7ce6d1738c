"""The bench entry point's own logic."""

from bench.__main__ import spread


def test_tutorial_sample_is_spread_over_the_whole_gold_file():
    picks = spread(69, 20)
    assert len(picks) == 20 and min(picks) == 0 and max(picks) >= 65
    assert spread(5, 20) == {0, 1, 2, 3, 4}


def test_stride_and_offset_pick_disjoint_halves_of_the_gold_set():
    from bench.common import GOLD, load_questions

    every = [q.id for q in load_questions(GOLD)]
    even = [q.id for q in load_questions(GOLD, stride=2)]
    odd = [q.id for q in load_questions(GOLD, stride=2, offset=1)]
    assert even == every[0::2] and odd == every[1::2]
    assert not set(even) & set(odd) and len(even) + len(odd) == len(every)
    assert [q.id for q in load_questions(GOLD, limit=3, stride=2, offset=1)] == every[1:6:2]
