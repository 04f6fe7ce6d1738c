"""The OpenAI-compatible endpoint, driven by the official ``openai`` client (fake model)."""

from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest
from fastapi.testclient import TestClient

from rag.web.openai_api import ChatMessage, split_messages
from rag.web.server import create_app
from tests.web.conftest import MEETING_DOCS, QUESTION, fake_build, json_error


@pytest.fixture
def oai(client) -> openai.OpenAI:
    # TestClient is an httpx.Client, so the real client library talks to the app in-process.
    return openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)


def test_non_streaming_completion_carries_citations(oai):
    got = oai.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": QUESTION}])
    assert got.object == "chat.completion" and got.choices[0].finish_reason == "stop"
    assert "National Palace" in got.choices[0].message.content
    citations = got.model_extra["citations"]
    assert citations and {c["doc_id"] for c in citations} & MEETING_DOCS
    assert citations[0]["quote"] in Path(_path_of(oai, citations[0]["doc_id"])).read_text()
    assert got.usage.completion_tokens > 0
    assert got.model_extra["estimated"] == []  # the counts are the backend's own, not estimates


def _path_of(oai: openai.OpenAI, doc_id: str) -> str:
    client = oai._client  # noqa: SLF001 - the TestClient behind it
    return {a["doc_id"]: a["path"] for a in client.get("/api/articles").json()["articles"]}[doc_id]


def test_streaming_completion_ends_with_citations(oai):
    stream = oai.chat.completions.create(
        model="newsrag", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "National Palace" in text and len(chunks) > 3  # token by token, not one lump
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"] and not last.model_extra["abstained"]
    assert "National Palace" in last.model_extra["answer"]


def test_stream_is_server_sent_events_ending_in_done(client):
    body = {"stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with client.stream("POST", "/v1/chat/completions", json=body) as got:
        assert got.headers["content-type"].startswith("text/event-stream")
        events = [line for line in got.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    assert json.loads(events[-2][6:])["citations"]


def test_messages_split_into_question_and_history():
    messages = [
        ChatMessage(role="system", content="You are a pirate."),
        ChatMessage(role="user", content="Who met?"),
        ChatMessage(role="assistant", content="Blinken and López Obrador [1]."),
        ChatMessage(role="user", content=[{"type": "text", "text": "Where did they meet?"}]),
    ]
    question, history = split_messages(messages)
    assert question == "Where did they meet?"
    assert [(t.role, t.content) for t in history] == [
        ("user", "Who met?"),
        ("assistant", "Blinken and López Obrador [1]."),
    ]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"messages": [{"role": "assistant", "content": "hi"}]}, 400, "last message must have role 'user'"),
        ({"messages": []}, 422, "messages"),
        ({"messages": [{"role": "user", "content": "  "}]}, 400, "The question is empty"),
        ({"messages": [{"role": "user", "content": "  "}], "stream": True}, 400, "The question is empty"),
    ],
)
def test_bad_requests_are_json_errors_even_when_streaming(client, body, status, needle):
    assert needle in json_error(client.post("/v1/chat/completions", json=body), status)


def test_models_lists_the_corpus(oai):
    assert [m.id for m in oai.models.list()] == ["newsrag"]


def test_a_busy_model_refuses_streams_before_they_start(settings, seeds_copy):
    rag = fake_build(settings.model_copy(update={"max_queue": 0}), seeds_copy)  # room for one question
    app = create_app(rag, ui=False)
    gate = app.state.web.gate
    held = gate.stream(rag.service, QUESTION)  # occupies the model
    body = {"stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with TestClient(app) as c:
        refused = c.post("/v1/chat/completions", json=body)
        assert "busy" in json_error(refused, 503) and "Retry-After" in refused.headers
        held.close()
        assert gate.inside == 0
        assert c.post("/v1/chat/completions", json=body).status_code == 200
    assert gate.inside == 0


VOA = "002_b0aabae521d8c3a1"  # one of the two meeting articles


@pytest.mark.parametrize("stream", [False, True])
def test_filters_ride_as_an_extra_field_and_restrict_the_citations(oai, stream):
    got = oai.chat.completions.create(
        model="newsrag",
        messages=[{"role": "user", "content": QUESTION}],
        stream=stream,
        extra_body={"filters": {"articles": [VOA]}},
    )
    final = list(got)[-1] if stream else got
    citations = final.model_extra["citations"]
    assert citations and {d for c in citations for d in c["doc_ids"]} == {VOA}
    assert "National Palace" in final.model_extra["answer"]


@pytest.mark.parametrize("stream", [False, True])
def test_an_impossible_filter_is_a_400_before_any_stream_starts(client, stream):
    body = {"messages": [{"role": "user", "content": QUESTION}], "stream": stream}
    got = client.post("/v1/chat/completions", json={**body, "filters": {"sources": ["Foo"]}})
    assert json_error(got, 400) == "No article is from outlet 'Foo'. Known outlets: Gestion."
    got = client.post("/v1/chat/completions", json={**body, "filters": {"until": "yesterday"}})
    assert json_error(got, 400) == "The until date 'yesterday' is not a date; write it as YYYY-MM-DD."
