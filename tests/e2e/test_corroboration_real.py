"""Corroboration and dates with the real model over the real index of seeds/ (slow).

In the seeds, La Opinión (001) and Gestion (000) carry the same CBP sentence, which the
passage builder folds into one passage; only 000 names its outlet.
"""

from __future__ import annotations

import pytest

from rag.web.render import answer_html
from tests.facts import states

pytestmark = pytest.mark.e2e

QUESTION = "How many migrants did US Customs and Border Protection detain at the border in November?"
BOTH = {"000_28062022011ac162", "001_0a0b291abecde7a8"}


def cbp_citation(citations: list) -> object:
    cited = [c for c in citations if "242,000" in (c["quote"] if isinstance(c, dict) else c.quote)]
    assert cited, citations
    return cited[0]


def test_a_citation_lists_every_outlet_that_carries_the_sentence(real_rag):
    answer = real_rag.service.ask(QUESTION)
    assert states(answer.answer, "242,000") and not answer.abstained, answer.answer
    citation = cbp_citation(answer.citations)
    assert set(citation.doc_ids) == BOTH and len(citation.outlets) == 2 and "Gestion" in citation.outlets
    assert citation.date == real_rag.store.articles()[citation.doc_id].date
    html = answer_html(answer, real_rag.store.articles(), real_rag.settings.max_file_bytes)
    assert "Reported by" in html and "Gestion" in html
