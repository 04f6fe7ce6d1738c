"""The HTTP API of the real server: real model, real Chroma index of seeds/, real sockets."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.e2e.test_corroboration_real import QUESTION as CBP_QUESTION
from tests.e2e.test_corroboration_real import cbp_citation
from tests.facts import states
from tests.web.conftest import MEETING_DOCS, QUESTION, json_error

pytestmark = pytest.mark.e2e
TIMEOUT = 300  # a cold model on two cores


def _cited_docs(citations: list[dict]) -> set[str]:
    return {d for c in citations for d in c["doc_ids"]}


def test_ask_answers_with_a_citation(real_url):
    got = httpx.post(f"{real_url}/api/ask", json={"question": QUESTION}, timeout=TIMEOUT)
    assert got.status_code == 200, got.text
    body = got.json()
    assert states(body["answer"], "National Palace") and not body["abstained"], body["answer"]
    assert _cited_docs(body["citations"]) & MEETING_DOCS
    assert body["timings"]["generation_s"] > 0 and body["passages"]


def test_bad_requests_get_clear_json_errors(real_url):
    empty = httpx.post(f"{real_url}/api/ask", json={"question": ""}, timeout=30)
    assert "The question is empty" in json_error(empty, 400)
    broken = httpx.post(
        f"{real_url}/api/ask", content=b"{not json", headers={"content-type": "application/json"}, timeout=30
    )
    assert "not valid JSON" in json_error(broken, 400)


def test_articles_upload_and_delete(real_url):
    listed = httpx.get(f"{real_url}/api/articles", timeout=30).json()
    assert listed["count"] == 5 and all(a["title"] and a["n_chunks"] for a in listed["articles"])
    article = b"Oaxaca summit\n\nNegotiators met in Oaxaca on Friday to discuss a new rail crossing.\n"
    up = httpx.post(f"{real_url}/api/articles", files={"files": ("../oaxaca.txt", article)}, timeout=TIMEOUT)
    try:
        assert up.status_code == 201, up.text
        assert [m["doc_id"] for m in up.json()["added"]] == ["oaxaca"]
        assert httpx.get(f"{real_url}/api/articles", timeout=30).json()["count"] == 6
    finally:
        gone = httpx.delete(f"{real_url}/api/articles/oaxaca", timeout=30)
    assert gone.json() == {"deleted": "oaxaca"}
    assert httpx.get(f"{real_url}/api/articles", timeout=30).json()["count"] == 5


@pytest.fixture(scope="module")
def oai(real_url) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{real_url}/v1", api_key="unused", timeout=TIMEOUT, max_retries=0)


def test_openai_client_chat(oai):
    got = oai.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": QUESTION}])
    assert states(got.choices[0].message.content, "National Palace"), got.choices[0].message.content
    assert _cited_docs(got.model_extra["citations"]) & MEETING_DOCS


def test_openai_client_streaming_chat(oai):
    chunks = list(
        oai.chat.completions.create(
            model="newsrag", messages=[{"role": "user", "content": QUESTION}], stream=True
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3 and states(streamed, "National Palace"), streamed
    final = chunks[-1].model_extra
    assert states(final["answer"], "National Palace") and _cited_docs(final["citations"]) & MEETING_DOCS


def test_the_api_returns_the_outlets_that_carry_a_citation(real_url):
    got = httpx.post(f"{real_url}/api/ask", json={"question": CBP_QUESTION}, timeout=TIMEOUT)
    assert got.status_code == 200, got.text
    citation = cbp_citation(got.json()["citations"])
    assert "Gestion" in citation["outlets"] and len(citation["outlets"]) == 2 and "date" in citation
