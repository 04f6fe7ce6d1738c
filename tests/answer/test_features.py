"""The confidence's signals, worked out by hand on tiny candidates."""

import math

import pytest

from rag.answer.checks import Candidate
from rag.answer.citations import check_answer
from rag.answer.features import FEATURES, TOKEN_FEATURES, coverage, features
from rag.types import Attempt, Passage, Support

IDF = {"ambassador": 3.0, "mexico": 1.0, "name": 1.0}.get


def idf(term):
    return IDF(term, 2.0)


def _passage(n, text, score=0.5):
    return Passage(
        n=n, text=text, score=score, supports=[Support(doc_id=f"d{n}", quote=text, start=0, end=0)]
    )


def test_coverage_weighs_each_question_word_by_its_idf():
    terms = {"ambassador", "mexico"}
    assert coverage(terms, ["Mexico welcomed him."], idf) == pytest.approx(1 / 4)
    assert coverage(terms, ["The ambassador to Mexico spoke."], idf) == 1.0
    assert coverage(set(), ["anything"], idf) == 1.0


def _candidate(raw, question, passages, probs=(), tokens=(), first_top=()):
    checked = check_answer(raw, passages, 0.5, question, known=lambda f: True)
    attempt = Attempt(
        raw_answer=raw, brief=False, token_probs=list(probs), tokens=list(tokens), first_top=list(first_top)
    )
    return Candidate(question, passages, attempt, checked)


PASSAGES = [
    _passage(1, "Secretary of State Antony Blinken arrived in Mexico.", 0.6),
    _passage(2, "Ken Salazar, the US ambassador to Mexico, joined the talks.", 0.4),
]
QUESTION = "Who is the US ambassador to Mexico?"


def test_a_key_word_missing_from_the_cited_sentence_shows_in_the_coverage_features():
    wrong = features(_candidate("Antony Blinken [1].", QUESTION, PASSAGES), idf)
    right = features(_candidate("Ken Salazar [2].", QUESTION, PASSAGES), idf)
    assert wrong["coverage"] < right["coverage"] == 1.0
    assert wrong["key term missing"] == 1.0 and right["key term missing"] == 0.0  # "ambassador" weighs most
    assert wrong["better passage"] > 0 and right["better passage"] == 0.0
    assert wrong["cited score"] == 0.6 and right["cited score"] == 0.4


def test_token_features_read_the_weakest_token_of_the_name_the_answer_adds():
    tokens = ["Ken", " Salazar", " [", "2", "]."]
    probs = [0.3, 0.9, 0.99, 0.95, 0.98, 1.0]
    first = [("Ken", 0.3), ("I", 0.25)]
    f = features(_candidate("Ken Salazar [2].", QUESTION, PASSAGES, probs, tokens, first), idf)
    assert f["min token logprob"] == pytest.approx(math.log(0.3))
    assert f["claim token logprob"] == pytest.approx(math.log(0.3))
    assert f["mean token logprob"] == pytest.approx(sum(map(math.log, probs[:-1])) / 5)
    assert f["refusal prob"] == 0.25


def test_without_token_probabilities_the_token_features_are_missing_not_zero():
    f = features(_candidate("Ken Salazar [2].", QUESTION, PASSAGES), idf)
    assert all(f[name] is None for name in TOKEN_FEATURES)
    assert all(f[name] is not None for name in FEATURES if name not in TOKEN_FEATURES)


def test_every_feature_is_present_in_order():
    assert list(features(_candidate("Ken Salazar [2].", QUESTION, PASSAGES), idf)) == list(FEATURES)
