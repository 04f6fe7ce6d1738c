"""Filters with the real model over a real Chroma index of seeds/: answers come only from allowed articles."""

import pytest

from rag.retrieval.filters import Filters
from rag.service import AskOptions
from rag.text.words import fold
from tests.conftest import ask_cli_json

pytestmark = pytest.mark.e2e

LATE = "004_3f19723b59c844a4"  # the only seed dated 2023-12-29 (VOA's 002 and 001 are 2023-12-27)
# Unfiltered, the best passage is Gestion's (000, undated) "accompanied by the Secretary of Homeland
# Security ... Alejandro Mayorkas" (checked with the real embedder); 004 names him too.
QUESTION = "Who was the US Secretary of Homeland Security at the meeting?"


def test_without_the_filter_other_articles_reach_the_prompt(real_rag):
    # The control: unfiltered, the prompt holds passages of other articles (which of them
    # the model then cites is its choice; 004 names Mayorkas too).
    result = real_rag.service.ask(QUESTION)
    assert not result.abstained, result.model_dump_json(indent=1)
    assert set(result.retrieved) - {LATE}
    assert {s.doc_id for p in result.passages for s in p.supports} - {LATE}


def test_a_since_filter_cites_only_articles_of_those_days(real_rag):
    result = real_rag.service.ask(QUESTION, options=AskOptions(filters=Filters(since="2023-12-29")))
    assert not result.abstained, result.model_dump_json(indent=1)
    assert "mayorkas" in fold(result.answer), result.answer
    assert result.retrieved == [LATE]
    assert {d for c in result.citations for d in c.doc_ids} == {LATE}
    assert all(c.date == "2023-12-29" for c in result.citations)
    assert {s.doc_id for p in result.passages for s in p.supports} == {LATE}


def test_cli_ask_since_flag(real_rag, real_settings):
    result = ask_cli_json(real_settings, "--since", "2023-12-29", QUESTION)
    assert result["retrieved"] == [LATE]
    assert result["citations"] and {d for c in result["citations"] for d in c["doc_ids"]} == {LATE}
