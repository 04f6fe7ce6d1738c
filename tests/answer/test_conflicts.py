from rag.answer.citations import check_answer
from rag.answer.conflicts import figures, other_figures
from tests.answer.test_citations import _passages


def _answer(raw, passages, question):
    return other_figures(question, check_answer(raw, passages, 0.5, question), passages)


def test_figures_read_scales_vague_counts_and_what_is_counted():
    got = [
        (f.text, f.value, f.dim)
        for f in figures("nearly 2.5 million irregular border encounters, $3.4 billion")
    ]
    assert got == [
        ("2.5 million irregular border encounters", 2.5e6, "count"),
        ("$3.4 billion", 3.4e9, "money"),
    ]
    assert [(f.text, f.value) for f in figures("a caravan of thousands of migrants seeking")] == [
        ("thousands of migrants", 3000.0)
    ]


def test_years_days_of_month_list_numbers_and_footnotes_are_not_counts():
    text = "7. Talks on Dec. 27, 2023 covered 242,000 migrants[1]."
    assert [f.value for f in figures(text)] == [242000.0]
    # Every marker form goes, not just "[1]"; a year has no thousands comma: "2,000 miles" is a count.
    text = "Both sides signed [1, 2]. The border is about 2,000 miles long [1][3]."
    assert [f.text for f in figures(text)] == ["2,000 miles"]


FISCAL = _passages(
    "They managed the nearly 2.5 million irregular border encounters recorded in fiscal year 2023.",
    "In the previous fiscal year, there were approximately 2.4 million border crossings.",
    "The border police reported approximately 10,000 crossings every day.",
)


def test_a_count_reported_differently_elsewhere_is_named_with_its_own_citation():
    q = "How many border crossings or encounters were recorded in the last fiscal year?"
    got = _answer("About 2.5 million encounters [1].", FISCAL, q)
    assert got.text == (
        "About 2.5 million encounters [1]. "
        "A different figure is also reported: 2.4 million border crossings [2]."
    )
    assert [c.n for c in got.citations] == [1, 2]  # 10,000 a day is another order of size


def test_no_rival_figure_leaves_the_answer_alone():
    q = "How many border crossings were reported every day?"
    got = _answer("About 10,000 crossings [3].", FISCAL, q)
    assert got.text == "About 10,000 crossings [3]."
    assert [c.n for c in got.citations] == [3]


def test_a_figure_in_a_passage_about_something_else_is_not_a_rival():
    passages = _passages(
        "A caravan of more than 10,000 migrants left Mexico's southern border.",
        "Thousands of fans watched the final in the stadium.",
    )
    got = _answer("More than 10,000 migrants [1].", passages, "How large was the migrant caravan?")
    assert got.text == "More than 10,000 migrants [1]."


def test_what_a_figure_refers_to_lists_each_use():
    passages = _passages(
        "The Border Patrol reported approximately 10,000 daily border crossings.",
        "Border police reported approximately 10,000 crossings by migrants every day.",
        "A caravan of more than 10,000 migrants left Mexico's southern border on Christmas Eve.",
    )
    q = "What does the figure of 10,000 migrants refer to?"
    got = _answer("Daily border crossings reported by the Border Patrol [1].", passages, q)
    # [2] is the same use in other words; [3] is another.
    assert got.text.endswith(
        "10,000 is also used for: A caravan of more than 10,000 migrants left Mexico's southern border [3]."
    )
    assert [c.n for c in got.citations] == [1, 3]


def test_a_withheld_answer_gets_no_figures():
    got = _answer("I could not find that in the articles.", FISCAL, "How many encounters in the fiscal year?")
    assert got.abstained and got.citations == []
