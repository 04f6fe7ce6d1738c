"""REST routes over a real temporary Chroma index with a fake embedder and generator."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from rag.components.llm import LLM
from rag.factory import build
from rag.types import Answer
from rag.web.server import create_app
from tests.fakes import HashEmbedder
from tests.web.conftest import MEETING_DOCS, QUESTION, BlockingLLM, fake_build, json_error
from tests.web.live import serving


def test_ask_returns_the_cli_json(client):
    got = client.post("/api/ask", json={"question": QUESTION})
    assert got.status_code == 200
    body = got.json()
    assert set(body) == set(Answer.model_fields)
    assert Answer.model_validate(body).model_dump() == body  # the same dump as `ask --json`
    assert "National Palace" in body["answer"] and not body["abstained"]
    assert {c["doc_id"] for c in body["citations"]} & MEETING_DOCS


def test_ask_accepts_history_and_per_request_options(client):
    history = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "The National Palace."},
    ]
    got = client.post("/api/ask", json={"question": QUESTION, "history": history, "max_passages": 1})
    assert got.status_code == 200
    assert len(got.json()["passages"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"question": "   "}, 400, "The question is empty"),
        ({"question": "x" * 5000}, 400, "RAG_MAX_QUESTION_CHARS"),
        ({}, 422, "question: Field required"),
        ({"question": 42}, 422, "question: Input should be a valid string"),
        ({"question": "hi", "history": [{"role": "robot", "content": "x"}]}, 422, "history.0.role"),
        ({"question": "hi", "max_passages": 0}, 422, "max_passages"),
    ],
)
def test_bad_questions_get_a_jsonjson_error(client, body, status, needle):
    assert needle in json_error(client.post("/api/ask", json=body), status)


def test_malformed_json_is_a_400(client):
    got = client.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert "not valid JSON" in json_error(got, 400)


def test_no_index_is_a_503_that_says_how_to_ingest(settings):
    rag = build(settings, llm=BlockingLLM(), embedder=HashEmbedder())
    with TestClient(create_app(rag, ui=False)) as c:
        assert "python -m rag ingest" in json_error(c.post("/api/ask", json={"question": QUESTION}), 503)


class CrashingLLM(LLM):
    def stream(self, messages, max_tokens, usage):  # noqa: ANN001, ANN201
        raise RuntimeError("segfault-ish internal detail")
        yield ""


def test_an_unexpected_failure_is_a_json_500_without_traceback(settings, seeds_copy):
    rag = fake_build(settings, seeds_copy, llm=CrashingLLM())
    with TestClient(create_app(rag, ui=False), raise_server_exceptions=False) as c:
        message = json_error(c.post("/api/ask", json={"question": QUESTION}), 500)
    assert "RuntimeError" in message and "server log" in message


def test_articles_lists_the_seeds_with_metadata(client):
    body = client.get("/api/articles").json()
    assert body["count"] == 5
    first = {a["doc_id"]: a for a in body["articles"]}["001_0a0b291abecde7a8"]
    assert "Biden and AMLO" in first["title"] and first["date"] == "2023-12-27" and first["n_chunks"] > 0


def test_healthz_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok", "articles": 5}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/articles", "/api/articles/{doc_id}", "/v1/chat/completions"} <= set(paths)


def test_api_key_is_required_when_set(settings, seeds_copy):
    rag = fake_build(settings.model_copy(update={"api_key": "s3cret"}), seeds_copy)
    with TestClient(create_app(rag, ui=False)) as c:
        assert "Bearer" in json_error(c.post("/api/ask", json={"question": QUESTION}), 401)
        wrong = {"Authorization": "Bearer nope"}
        assert json_error(c.get("/api/articles", headers=wrong), 401)
        assert json_error(c.get("/v1/models"), 401)
        right = {"Authorization": "Bearer s3cret"}
        assert c.post("/api/ask", json={"question": QUESTION}, headers=right).status_code == 200
        assert c.get("/v1/models", headers=right).status_code == 200
        assert c.get("/healthz").status_code == 200  # liveness stays open for monitors


def test_a_full_queue_is_refused_with_503_and_retry_after(settings, seeds_copy):
    llm = BlockingLLM()
    rag = fake_build(settings.model_copy(update={"max_queue": 1}), seeds_copy, llm=llm)
    app = create_app(rag, ui=False)
    gate = app.state.web.gate
    results: list[int] = []
    with serving(app) as url:

        def ask() -> None:
            results.append(httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60).status_code)

        held = [threading.Thread(target=ask) for _ in range(2)]  # one on the model, one waiting
        for t in held:
            t.start()
        for _ in range(200):
            if gate.inside == 2:
                break
            threading.Event().wait(0.05)
        assert gate.inside == 2
        refused = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=10)
        assert "busy" in json_error(refused, 503)
        assert int(refused.headers["Retry-After"]) >= 1
        llm.release.set()
        for t in held:
            t.join(30)
        assert results == [200, 200]
        assert httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=30).status_code == 200
    assert gate.inside == 0


VOA = "002_b0aabae521d8c3a1"  # one of the two meeting articles, dated 2023-12-27


@pytest.mark.parametrize(
    ("filters", "retrieved"),
    [
        ({"articles": [VOA]}, [VOA]),
        ({"sources": ["gestión"]}, ["000_28062022011ac162"]),  # the outlet is "Gestion"
        ({"since": "2023-12-29"}, ["004_3f19723b59c844a4"]),
        ({"since": "2023-12-27", "until": "2023-12-27"}, None),  # both meeting articles, any order
    ],
)
def test_ask_answers_only_from_the_filtered_articles(client, filters, retrieved):
    body = client.post("/api/ask", json={"question": QUESTION, "filters": filters}).json()
    if retrieved is None:
        assert set(body["retrieved"]) == MEETING_DOCS
    else:
        assert body["retrieved"] == retrieved
    assert {d for c in body["citations"] for d in c["doc_ids"]} <= set(body["retrieved"])
    assert {s["doc_id"] for p in body["passages"] for s in p["supports"]} <= set(body["retrieved"])


def test_ask_with_a_filter_to_one_meeting_article_cites_it(client):
    body = client.post("/api/ask", json={"question": QUESTION, "filters": {"articles": [VOA]}}).json()
    assert not body["abstained"] and "National Palace" in body["answer"]
    assert [c["doc_id"] for c in body["citations"]] == [VOA]


@pytest.mark.parametrize(
    ("filters", "status", "message"),
    [
        ({"since": "2023-13-01"}, 400, "The since date '2023-13-01' is not a date; write it as YYYY-MM-DD."),
        ({"since": "2024-02-01", "until": "2024-01-01"}, 400, "The since date 2024-02-01 is after"),
        ({"sources": ["Foo"]}, 400, "No article is from outlet 'Foo'. Known outlets: Gestion."),
        ({"since": "2024-01-01"}, 400, "No article is dated on or after 2024-01-01."),
        ({"articles": ["nope"]}, 400, "No article has the id 'nope'"),
        ({"outlet": "VOA"}, 422, "Invalid request: filters.outlet: Extra inputs are not permitted"),
        ({"sources": 5}, 422, "Invalid request: filters.sources: Input should be a valid list"),
    ],
)
def test_an_impossible_filter_is_a_json_error_naming_it(client, filters, status, message):
    got = client.post("/api/ask", json={"question": QUESTION, "filters": filters})
    assert json_error(got, status).startswith(message)


def test_the_openapi_schema_documents_the_filters(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "400 naming the problem" in schema["AskRequest"]["properties"]["filters"]["description"]
    assert set(schema["Filters"]["properties"]) == {"sources", "since", "until", "articles"}
