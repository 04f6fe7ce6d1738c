"""Each check on hand-made candidates: it fires where it should and stays quiet otherwise."""

import pytest

from rag.answer.checks import CHECK_NAMES, CHECKS, Candidate, Check, disabled_checks, run_checks
from rag.answer.citations import check_answer
from rag.errors import BadSetting
from rag.retrieval.attribution import outlet_index
from rag.settings import Settings
from rag.types import ArticleMeta, Attempt, Passage, Support


def _passage(n, text, score=0.5, doc="d"):
    return Passage(
        n=n, text=text, score=score, supports=[Support(doc_id=f"{doc}{n}", quote=text, start=0, end=0)]
    )


PASSAGES = [
    _passage(1, "Eagle Pass (Texas) and Piedras Negras (Coahuila) share a rail bridge."),
    _passage(2, "The talks were held in the National Palace on Wednesday in December."),
    _passage(3, "CBP detained 242,000 migrants in November.", score=0.1),
]


def _candidate(raw, question, passages=PASSAGES, **kw):
    checked = check_answer(raw, passages, 0.5, question, known=lambda f: True)
    assert not checked.abstained, raw  # grounding kept it: a candidate for the checks
    return Candidate(question, passages, Attempt(raw_answer=raw, brief=False), checked, **kw)


def _fired(raw, question, **kw):
    return [v.name for v in run_checks(_candidate(raw, question, **kw))]


@pytest.mark.parametrize(
    ("raw", "question", "name"),
    [
        ("In the National Palace [2].", "When were the talks held?", "answer kind"),
        ("The talks were held [2].", "Where were the talks held?", "restates question"),
        ("CBP detained 242,000 migrants [3].", "Who hosted the summit in Lima?", "off topic"),
        ("CBP detained 242,000 migrants [3].", "How many migrants were detained in October?", "other period"),
        ("Coahuila [1]", "Which Mexican city lies across from Eagle Pass?", "qualifier only"),
    ],
)
def test_each_check_fires_on_its_own_failure(raw, question, name):
    assert name in _fired(raw, question)


def test_a_right_answer_fires_nothing():
    assert _fired("Piedras Negras [1].", "Which Mexican city lies across from Eagle Pass?") == []
    assert _fired("On Wednesday [2].", "When were the talks held?") == []


def test_relevance_fires_when_every_cited_passage_is_below_the_bar():
    question = "How many migrants did CBP detain in November?"
    assert "relevance check" in _fired("242,000 [3].", question, min_relevance=0.2)
    assert "relevance check" not in _fired("242,000 [3].", question, min_relevance=0.05)


def test_the_source_check_is_a_veto_that_fires_on_another_outlets_article():
    outlets = outlet_index({"d2": ArticleMeta(doc_id="d2", source="Gestion"), "d1": ArticleMeta(doc_id="d1")})
    question = "According to Gestion, where were the talks held?"
    verdicts = run_checks(_candidate("The National Palace [2].", question, outlets=outlets))
    assert verdicts == []
    wrong = run_checks(
        _candidate("Eagle Pass [1].", "According to Gestion, where is the rail bridge?", outlets=outlets)
    )
    assert [(v.name, v.veto) for v in wrong] == [("source check", True)]
    assert all(c.veto for c in CHECKS)  # each was right whenever it fired, on every corpus


def test_a_disabled_check_does_not_run():
    cand = _candidate("In the National Palace [2].", "When were the talks held?")
    assert "answer kind" in [v.name for v in run_checks(cand)]
    assert "answer kind" not in [v.name for v in run_checks(cand, frozenset({"answer kind"}))]


def test_a_name_of_no_check_is_refused_with_the_names_there_are(tmp_path):
    assert disabled_checks(["off topic", "answer kind"]) == frozenset({"off topic", "answer kind"})
    with pytest.raises(BadSetting, match="no check named 'of topic'; the checks: answer kind, ") as err:
        disabled_checks(Settings(disabled_checks="off topic, of topic").disabled_checks)
    assert "RAG_DISABLED_CHECKS" in str(err.value)
    # The factory refuses it at start-up, before any index is opened.
    from rag.factory import build

    with pytest.raises(BadSetting, match="of topic"):
        build(Settings(data_dir=tmp_path / "data", disabled_checks="of topic"))
    assert not (tmp_path / "data").exists()


def test_every_check_has_a_distinct_name_and_its_own_method():
    assert len(set(CHECK_NAMES)) == len(CHECKS)
    assert all(isinstance(c, Check) and type(c).check is not Check.check for c in CHECKS)


def test_a_name_the_source_gives_only_in_brackets_fires_but_the_name_it_qualifies_does_not():
    passages = [_passage(1, "The US closed the crossings of El Paso (Texas) with Ciudad Juárez (Chihuahua).")]
    question = "Which Mexican city lies across the border from the El Paso crossing?"
    assert "qualifier only" in _fired("Chihuahua [1]", question, passages=passages)
    assert "qualifier only" not in _fired("Ciudad Juárez [1]", question, passages=passages)
    state = [_passage(1, "Chihuahua borders Texas; El Paso (Texas) with Juárez (Chihuahua) closed.")]
    assert "qualifier only" not in _fired(
        "Chihuahua [1]", "Which Mexican state borders Texas?", passages=state
    )


def test_a_bracket_answers_a_question_about_the_name_it_qualifies():
    # "(Chihuahua)" qualifies Ciudad Juárez: asked where Ciudad Juárez is, it is the answer.
    passages = [_passage(1, "The US closed the crossings of El Paso (Texas) with Ciudad Juárez (Chihuahua).")]
    question = "In which Mexican state is Ciudad Juárez?"
    assert "qualifier only" not in _fired("Chihuahua [1]", question, passages=passages)


def test_a_name_of_several_words_the_question_does_not_write_is_a_new_name():
    passages = [_passage(1, "The US and Mexican governments negotiated the new actions in Mexico City.")]
    question = "In which city did the US and Mexican governments negotiate the new actions?"
    assert "answer kind" not in _fired("In Mexico City [1].", question, passages=passages)
    # One word the question already gives is no answer, however it is spelled there.
    asked = "Which city did the Mexican governments choose?"
    assert "answer kind" in _fired("Mexico [1].", asked, passages=passages)
