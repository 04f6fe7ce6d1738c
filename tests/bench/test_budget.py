"""Choosing the context budget from a sweep's results."""

from bench.budget import pick


def _result(budget, recall, refused=1.0):
    return {"context_tokens": budget, "recall": recall, "abstained_unanswerable": refused}


def test_pick_is_the_smallest_budget_where_recall_stops_improving():
    results = [
        _result(120, 0.70),
        _result(180, 0.78),
        _result(220, 0.805),
        _result(300, 0.81),
        _result(450, 0.79),
    ]
    assert pick(results) == 220


def test_pick_does_not_buy_recall_with_fewer_refusals_of_unanswerable_questions():
    results = [
        _result(120, 0.80, refused=0.5),
        _result(180, 0.80, refused=0.9),
        _result(300, 0.80, refused=0.9),
    ]
    assert pick(results) == 180


def test_pick_with_one_budget_returns_it():
    assert pick([_result(220, None)]) == 220
