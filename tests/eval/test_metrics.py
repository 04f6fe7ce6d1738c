"""Each figure on hand-made inputs whose result is worked out by hand."""

import pytest

from eval import metrics as m


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("López Obrador", "lopez obrador"),
        ("Alicia BÁRCENA!", "alicia barcena"),
        ("242,000 migrants", "242000 migrants"),
        ("Liz Sherwood-Randall", "liz sherwood randall"),
        ("  Dec.\n27 [1].", "dec 27"),
        ("2.4 million", "2 4 million"),
    ],
)
def test_normalize_folds_case_accents_punctuation_and_thousands(text, expected):
    assert m.normalize(text) == expected


def test_numbers_match_with_or_without_thousands_separator():
    assert m.fact_recall("CBP detained 242000 migrants.", [["242,000"]]) == 1.0
    assert m.fact_recall("CBP detained 242,000 migrants.", [["242,000"]]) == 1.0
    assert m.fact_recall("CBP detained 242 migrants.", [["242,000"]]) == 0.0


def test_fact_recall_counts_each_fact_once_via_any_alias():
    answers = [["Eagle Pass"], ["El Paso"], ["Lukesville", "Lukeville"], ["San Ysidro"]]
    answer = "They closed Eagle Pass and Lukeville [1]."
    assert m.fact_recall(answer, answers) == 0.5
    assert m.fact_recall("anything", []) == 1.0


def test_match_is_whole_word_and_accent_insensitive():
    assert m.match_fact("Foreign Minister Alicia Bárcena [2]", ["Barcena"]) == "Barcena"
    assert m.match_fact("In fiscal year 2023", ["20"]) is None
    assert m.match_fact("It was reopened", ["open"]) is None


def test_token_f1():
    # pred tokens: the national palace (3); ref: national palace (2); common 2 -> P=2/3, R=1
    assert m.token_f1("The National Palace", "National Palace") == pytest.approx(0.8)
    assert m.token_f1("Washington", "National Palace") == 0.0
    assert m.token_f1("", "") == 1.0


def test_retrieval_figures():
    retrieved = ["d3", "d1", "d2"]
    sources = ["d1", "d2"]
    assert m.hit_at_k(retrieved, sources, 1) == 0.0
    assert m.hit_at_k(retrieved, sources, 3) == 1.0
    assert m.recall_at_k(retrieved, sources, 2) == 0.5
    assert m.recall_at_k(retrieved, sources, 3) == 1.0
    assert m.reciprocal_rank(retrieved, sources) == 0.5
    assert m.reciprocal_rank(["d9"], sources) == 0.0


def test_abstention_scores():
    # (answerable, abstained): 2 unanswerable (1 refused), 3 answerable (1 refused)
    pairs = [(False, True), (False, False), (True, True), (True, False), (True, False)]
    got = m.abstention_scores(pairs)
    assert got["refusal_precision"] == 0.5  # 1 right of 2 refusals
    assert got["refusal_recall"] == 0.5  # 1 of 2 unanswerable
    assert got["refusal_f1"] == 0.5
    assert got["false_refusal_rate"] == pytest.approx(1 / 3)


def test_abstention_edge_cases():
    none_refused = m.abstention_scores([(False, False), (True, False)])
    assert none_refused["refusal_precision"] == 0.0 and none_refused["refusal_f1"] == 0.0
    only_answerable = m.abstention_scores([(True, False)])
    assert only_answerable["refusal_recall"] is None and only_answerable["false_refusal_rate"] == 0.0


def test_citation_counts_every_article_of_a_shared_passage():
    citations = [
        {"n": 1, "doc_id": "a", "doc_ids": ["a", "b"], "quote": "q"},
        {"n": 2, "doc_id": "c", "quote": "q"},
    ]
    cited = m.cited_docs(citations)
    assert cited == ["a", "b", "c"]
    precision, recall = m.citation_pr(cited, ["a", "b", "d", "e"])
    assert precision == pytest.approx(2 / 3)
    assert recall == 0.5
    assert m.citation_pr([], ["a"]) == (None, 0.0)


def test_percentile_and_mean():
    assert m.percentile([1.0, 2.0, 3.0, 4.0, 100.0], 50) == 3.0
    assert m.percentile([], 50) is None
    assert m.mean([1.0, None, 3.0]) == 2.0


# --- selective answering: worked out by hand ------------------------------------
CANDIDATES = [(0.9, True, True), (0.8, False, False), (0.8, True, True), (0.3, False, True)]


def test_risk_coverage_shows_ties_together_and_counts_answerable_coverage():
    points = m.risk_coverage(CANDIDATES, n_answerable=4)
    assert [p["threshold"] for p in points] == [0.9, 0.8, 0.3]
    assert [p["shown"] for p in points] == [1, 3, 4]
    assert [round(p["precision"], 3) for p in points] == [1.0, 0.667, 0.5]
    # The unanswerable answer raises no coverage: 1, 2 and 3 of the 4 answerable questions.
    assert [p["coverage"] for p in points] == [0.25, 0.5, 0.75]


def test_aurc_is_the_mean_error_rate_of_the_k_most_confident():
    # Ranked right, wrong-or-right (tie order kept), wrong: risks 0, 1/2, 1/3, 2/4.
    assert m.aurc(CANDIDATES) == pytest.approx((0 + 1 / 2 + 1 / 3 + 2 / 4) / 4)
    assert m.aurc([]) is None
    assert m.aurc([(0.9, True, True), (0.1, False, True)]) < m.aurc([(0.1, True, True), (0.9, False, True)])


def test_coverage_at_a_precision_is_the_best_point_that_reaches_it():
    points = m.risk_coverage(CANDIDATES, n_answerable=4)
    assert m.coverage_at(points, 0.95) == 0.25
    assert m.coverage_at(points, 0.6) == 0.5
    assert m.coverage_at(points, 1.01) == 0.0
