"""Per-question scoring, diagnoses and the aggregate sections, on hand-made rows."""

import pytest

from eval.scoring import aggregate, score_row

QUOTE = "CBP detained 242,000 migrants in November."


def make_row(**fields):
    row = dict(
        id="q",
        category="number",
        question="How many?",
        history=[],
        answerable=True,
        expected=[["242,000"]],
        sources=["a"],
        note=None,
        error=None,
        answer="CBP detained 242,000 migrants [1].",
        abstained=False,
        citations=[{"n": 1, "doc_id": "a", "doc_ids": ["a", "b"], "quote": QUOTE}],
        retrieved=["a", "b"],
        passages=[{"n": 1, "doc_ids": ["a", "b"], "score": 0.9, "text": QUOTE}],
        sentences=[{"text": "CBP detained 242,000 migrants [1].", "cites": [1], "supported": True}],
        latency_s=2.0,
        prompt_tokens=300,
        completion_tokens=12,
    )
    row.update(fields)
    return score_row(row)


def test_correct_answer():
    row = make_row()
    assert row["fully_correct"] and row["correct"] and row["diagnosis"] == "ok"
    assert row["facts_found"] == ["242,000"] and row["facts_supported"] == [True]
    assert row["cited_doc_ids"] == ["a", "b"]
    assert row["citation_precision"] == 0.5 and row["citation_recall"] == 1.0


def test_fact_found_but_not_in_the_cited_passage_is_unsupported():
    other = [{"n": 2, "doc_id": "b", "quote": "The talks were productive."}]
    row = make_row(citations=other)
    assert row["fully_correct"] and row["facts_supported"] == [False]


@pytest.mark.parametrize(
    ("fields", "diagnosis"),
    [
        (
            dict(answer="I could not find that in the articles.", abstained=True, citations=[]),
            "over-abstention",
        ),
        (  # the model was right; the citation check withheld it
            dict(
                answer="I could not find that.",
                abstained=True,
                citations=[],
                raw_answer="CBP held 242,000 [1].",
            ),
            "over-abstention",
        ),
        (  # the model was wrong; the check rightly withheld it, but the fault is the model's
            dict(
                answer="I could not find that.",
                abstained=True,
                citations=[],
                raw_answer="Many were held [1].",
            ),
            "wrong or incomplete answer",
        ),
        (dict(answer="They detained many people [1]."), "wrong or incomplete answer"),
        (dict(retrieved=["c"], passages=[], answer="No idea.", abstained=True), "retrieval miss"),
        (
            dict(passages=[{"n": 1, "doc_ids": ["a"], "score": 0.5, "text": "Talks."}], answer="x"),
            "fact not in context",
        ),
        (dict(error="The question is empty", answer="", citations=[]), "error"),
    ],
)
def test_diagnosis_of_a_failed_answerable_question(fields, diagnosis):
    row = make_row(**fields)
    assert not row["correct"]
    assert row["diagnosis"] == diagnosis


def test_unanswerable_question():
    refused = make_row(
        answerable=False, expected=[], sources=[], answer="I could not find that.", abstained=True
    )
    assert refused["correct"] and refused["diagnosis"] == "ok" and refused["token_f1"] is None
    answered = make_row(answerable=False, expected=[], sources=[])
    assert not answered["correct"] and answered["diagnosis"] == "answered unanswerable"
    assert answered["citation_precision"] is None  # no sources to judge citations by


def test_aggregate_figures():
    rows = [
        make_row(id="right", latency_s=1.0),
        make_row(
            id="half",
            category="list",
            expected=[["242,000"], ["El Paso"]],
            retrieved=["b", "a"],
            latency_s=3.0,
            sentences=[
                {"text": "242,000 [1].", "cites": [1], "supported": True},
                {"text": "Unrelated.", "cites": [], "supported": False},
            ],
        ),
        make_row(
            id="refused-ok",
            category="unanswerable",
            answerable=False,
            expected=[],
            sources=[],
            answer="I could not find that.",
            abstained=True,
            citations=[],
            latency_s=5.0,
            prompt_tokens=0,
        ),
        make_row(
            id="refused-wrong", answer="I could not find that.", abstained=True, citations=[], latency_s=7.0
        ),
    ]
    metrics = aggregate(rows)
    o = metrics["overall"]
    assert (o["n"], o["n_answerable"], o["n_unanswerable"]) == (4, 3, 1)
    assert o["accuracy"] == 0.5  # right + refused-ok
    assert o["answers"]["fact_recall"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert o["answers"]["fully_correct"] == pytest.approx(1 / 3)
    assert o["retrieval"]["hit@1"] == pytest.approx(2 / 3)  # "half" ranks b first
    assert o["retrieval"]["mrr"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert o["abstention"]["refusal_precision"] == 0.5 and o["abstention"]["refusal_recall"] == 1.0
    assert o["abstention"]["false_refusal_rate"] == pytest.approx(1 / 3)
    assert o["citations"]["cited_sentence_rate"] == pytest.approx(2 / 3)  # over the 3 answered sentences
    assert o["citations"]["supported_fact_rate"] == 1.0
    assert o["answers"]["confidently_wrong"] == pytest.approx(1 / 3)  # "half": cited, El Paso missing
    assert o["citations"]["uncited_answers"] == 0  # the uncited rows are refusals
    assert o["cost"]["latency_p50_s"] == 4.0 and o["cost"]["prompt_tokens_p50"] == 300
    # "half" misses El Paso, which no passage holds
    assert o["diagnoses"] == {"ok": 2, "fact not in context": 1, "over-abstention": 1}
    assert set(metrics["by_category"]) == {"number", "list", "unanswerable"}
    assert metrics["by_category"]["unanswerable"]["answers"]["fact_recall"] is None
    assert metrics["by_category"]["number"]["accuracy"] == 0.5


@pytest.mark.parametrize(
    ("raw", "cause"),
    [
        ("", "relevance gate"),  # no model call at all
        ("I could not find that in the articles.", "model"),
        ("The passages did not contain the figure.", "model"),  # the citation check abstains on it too
        ("There were 2.4 million crossings [1].", "citation check"),
    ],
)
def test_refusals_are_attributed(raw, cause):
    row = make_row(
        answer="I could not find that in the articles.", abstained=True, citations=[], raw_answer=raw
    )
    assert row["refused_by"] == cause
    assert aggregate([row])["overall"]["refusals"] == {"answerable": {cause: 1}, "unanswerable": {}}
    assert make_row()["refused_by"] is None


# --- confidently wrong and uncited answers -------------------------------------
TWO_FACTS = [["242,000"], ["El Paso"]]
UNANSWERABLE = dict(answerable=False, expected=[], sources=[], category="unanswerable")
REFUSAL = dict(answer="I could not find that.", abstained=True, citations=[])


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({}, False),  # right and cited
        (dict(expected=TWO_FACTS), True),  # fact recall 0.5, cited
        (dict(answer="They detained many people [1]."), True),  # fact recall 0, cited
        (REFUSAL, False),  # a refusal claims nothing
        (dict(REFUSAL, raw_answer="Many were held [1]."), False),  # withheld by the check: still a refusal
        (dict(expected=TWO_FACTS, citations=[]), False),  # uncited: no false warrant
        (dict(UNANSWERABLE), False),  # answered unanswerable is its own failure, not this one
        (dict(error="boom", answer="", citations=[]), False),
        (dict(error="boom", expected=TWO_FACTS), False),  # an error row never counts, citations or not
    ],
)
def test_confidently_wrong_per_row(fields, wrong):
    assert make_row(**fields)["confidently_wrong"] is wrong


def test_a_two_fact_answer_with_one_fact_and_citations_is_confidently_wrong():
    row = make_row(expected=TWO_FACTS)
    assert row["fact_recall"] == 0.5 and row["citations"]
    assert row["confidently_wrong"] is True
    assert row["diagnosis"] == "fact not in context"  # the diagnosis is unchanged by the flag


def test_confidently_wrong_share_and_uncited_count():
    rows = [
        make_row(id="right"),
        make_row(id="half", expected=TWO_FACTS),  # the only confidently wrong row
        make_row(id="uncited", expected=TWO_FACTS, citations=[]),  # answered, no citation
        make_row(id="refused", **REFUSAL),
        make_row(id="error", error="boom", answer="", citations=[]),
        make_row(id="unans-cited", **UNANSWERABLE),
        make_row(id="unans-uncited", **UNANSWERABLE, citations=[]),  # counts as uncited
        make_row(id="unans-refused", **UNANSWERABLE, **REFUSAL),
    ]
    metrics = aggregate(rows)
    o = metrics["overall"]
    assert o["answers"]["confidently_wrong"] == pytest.approx(1 / 5)  # of 5 answerable rows
    assert o["citations"]["uncited_answers"] == 2  # "uncited" and "unans-uncited"
    assert isinstance(o["citations"]["uncited_answers"], int)
    unanswerable = metrics["by_category"]["unanswerable"]
    assert unanswerable["answers"]["confidently_wrong"] is None  # no answerable row to share over
    assert unanswerable["citations"]["uncited_answers"] == 1
    number = metrics["by_category"]["number"]
    assert number["answers"]["confidently_wrong"] == 0.2 and number["citations"]["uncited_answers"] == 1


def test_no_answers_at_all():
    o = aggregate([make_row(**REFUSAL), make_row(error="boom", answer="", citations=[])])["overall"]
    assert o["answers"]["confidently_wrong"] == 0.0
    assert o["citations"]["uncited_answers"] == 0


def test_trust_counts_an_answer_to_an_unanswerable_question_as_a_wrong_answer_shown():
    rows = [
        score_row(make_row(id="right")),
        score_row(make_row(id="wrong", answer="CBP detained 9 migrants [1].")),
        score_row(make_row(id="withheld", answer="", abstained=True)),
        score_row(make_row(id="none", answerable=False, expected=[], sources=[])),
        score_row(
            make_row(id="refused", answerable=False, expected=[], sources=[], answer="", abstained=True)
        ),
    ]
    trust = aggregate(rows)["overall"]["trust"]
    assert trust["shown"] == 3 and trust["wrong_shown"] == 2
    assert trust["answer_precision"] == pytest.approx(1 / 3)
    assert trust["coverage"] == pytest.approx(2 / 3)
    assert trust["unanswerable_answered"] == 0.5
    assert trust["fact_recall"] == pytest.approx(1 / 3)


def test_the_risk_coverage_curve_weighs_withheld_candidates_but_not_vetoed_ones():
    withheld = make_row(
        id="low",
        answer="",
        abstained=True,
        candidate="CBP detained 242,000 [1].",
        confidence=0.2,
        withheld_by="confidence",
    )
    vetoed = make_row(
        id="veto",
        answer="",
        abstained=True,
        candidate="CBP detained 242,000 [1].",
        confidence=0.99,
        withheld_by="source check",
    )
    shown = make_row(id="hi", candidate="CBP detained 9 [1].", answer="CBP detained 9 [1].", confidence=0.9)
    rows = [score_row(r) for r in (withheld, vetoed, shown)]
    assert [r["candidate_correct"] for r in rows] == [True, True, False]
    trust = aggregate(rows)["overall"]["trust"]
    # Only two candidates are weighed: the wrong one ranks first, so the curve starts at precision 0.
    assert [p["precision"] for p in trust["risk_coverage"]] == [0.0, 0.5]
    assert trust["aurc"] == pytest.approx((1 + 0.5) / 2)
    assert trust["coverage_at_95"] == 0.0
