"""The Gradio UI's handlers and its Gradio API (gradio_client), with the fake model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gradio_client import Client

from rag.web.deps import Web
from rag.web.server import create_app
from rag.web.ui import ChatUI
from tests.fakes import ScriptedLLM, cite_source_with
from tests.web.conftest import MEETING_DOCS, QUESTION, fake_build
from tests.web.live import serving


@pytest.fixture
def ui(fake_rag) -> ChatUI:
    return ChatUI(Web.of(fake_rag))


def _ask(ui: ChatUI, question: str, turns: list, shown: list, show_passages: bool = False) -> list:
    return list(ui.respond(question, turns, shown, 6, 8, show_passages))


def test_answer_streams_then_shows_sources_and_keeps_history(ui):
    steps = _ask(ui, QUESTION, [], [])
    streaming = [s[0][-1]["content"] for s in steps if "rag-draft" in s[0][-1]["content"]]
    assert len(streaming) > 3  # the answer grew piece by piece
    shown, turns, _, box = steps[-1]
    assert box == "" and shown[0] == {"role": "user", "content": QUESTION}
    final = shown[-1]["content"]
    assert "National Palace" in final and "rag-source" in final and "<mark>" in final
    assert any(doc in final for doc in MEETING_DOCS) and "passages used" in final
    assert turns[0]["content"] == QUESTION and "National Palace" in turns[1]["content"]
    assert "<" not in turns[1]["content"]  # the model's history holds the plain answer, not HTML


def test_follow_up_passes_history_to_the_service(settings, seeds_copy):
    llm = ScriptedLLM(cite_source_with("National Palace"))
    ui = ChatUI(Web.of(fake_build(settings, seeds_copy, llm=llm)))
    _, turns, shown, _ = _ask(ui, QUESTION, [], [])[-1]
    _ask(ui, "When did they meet there?", turns, shown)
    seen = "\n".join(m["content"] for prompt in llm.prompts for m in prompt)
    assert seen.count(QUESTION) >= 2  # the rewrite prompt carried the first question


def test_errors_and_abstentions_are_shown_in_the_chat(ui):
    shown, turns, *_ = _ask(ui, "x" * 5000, [], [])[-1]
    assert "rag-error" in shown[-1]["content"] and "RAG_MAX_QUESTION_CHARS" in shown[-1]["content"]
    assert turns == []  # a refused question does not enter the history
    shown, *_ = _ask(ui, "What is the capital of Australia?", [], [])[-1]
    assert "rag-abstained" in shown[-1]["content"] and "rag-error" not in shown[-1]["content"]


def test_retrieved_passages_are_shown_on_request(ui):
    shown, *_ = _ask(ui, QUESTION, [], [], show_passages=True)[-1]
    assert "Retrieved passages" in shown[-1]["content"]


def test_library_upload_refuses_and_accepts_by_name(ui, tmp_path):
    good = tmp_path / "zebra.txt"
    good.write_text("Zebra talks\n\nDelegations met in Oaxaca to discuss zebra crossings on Friday.\n")
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4")
    status, table, choice, cleared = ui.upload([str(good), str(bad)], progress=_NoProgress())
    assert "Added zebra" in status and "Refused notes.pdf" in status and "damaged" in status
    assert "zebra" in [row[0] for row in table["value"]] and cleared is None
    status, table, _ = ui.delete("zebra")
    assert "Deleted zebra" in status and "zebra" not in [row[0] for row in table["value"]]
    assert not Path(ui.settings.data_dir / "library" / "zebra.txt").exists()


class _NoProgress:
    def tqdm(self, items):  # noqa: ANN001, ANN201
        return items


def test_gradio_client_can_ask_and_chat(settings, seeds_copy):
    app = create_app(fake_build(settings, seeds_copy))
    with serving(app) as url:
        client = Client(url, verbose=False)
        answer = client.predict(QUESTION, api_name="/ask")
        assert "National Palace" in answer["answer"] and answer["citations"]
        chat, _ = client.predict(QUESTION, 6, 8, False, api_name="/chat")
        html = " ".join(block["text"] for block in chat[-1]["content"])  # Gradio 6: a list of blocks
        assert "National Palace" in html and "rag-source" in html


def test_a_busy_model_is_a_message_in_the_chat(settings, seeds_copy):
    web = Web.of(fake_build(settings.model_copy(update={"max_queue": 0}), seeds_copy))
    held = web.gate.stream(web.rag.service, QUESTION)  # another user's question holds the model
    shown, turns, *_ = _ask(ChatUI(web), QUESTION, [], [])[-1]
    held.close()
    assert "rag-error" in shown[-1]["content"] and "busy" in shown[-1]["content"] and turns == []


def test_logins_protect_the_page_but_not_the_keyed_api(settings, seeds_copy):
    locked = settings.model_copy(update={"auth": "ann:pw1", "api_key": "k"})
    with TestClient(create_app(fake_build(locked, seeds_copy))) as c:
        assert c.get("/config").status_code == 401  # Gradio's config needs a login
        assert c.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 400
        assert c.post("/login", data={"username": "ann", "password": "pw1"}).status_code == 200
        assert c.get("/config").status_code == 200
        assert c.get("/api/articles", headers={"Authorization": "Bearer k"}).json()["count"] == 5


VOA = "002_b0aabae521d8c3a1"  # one of the two meeting articles; unfiltered, the fake cites the other


def _cited(html: str) -> set[str]:
    return set(re.findall(r'class="rag-doc">([^<]+)<', html))


def test_the_filter_row_restricts_the_sources_shown(ui):
    plain = _ask(ui, QUESTION, [], [])[-1][0][-1]["content"]
    assert _cited(plain) and VOA not in _cited(plain)
    steps = list(ui.respond(QUESTION, [], [], 6, 8, False, [], "", "", [VOA]))
    final = steps[-1][0][-1]["content"]
    assert "National Palace" in final and _cited(final) == {VOA}
    late = list(ui.respond(QUESTION, [], [], 6, 8, True, [], "2023-12-29", None, None))[-1][0][-1]["content"]
    assert "004_3f19723b59c844a4" in late and MEETING_DOCS.isdisjoint(re.findall(r"\d{3}_[0-9a-f]{16}", late))


@pytest.mark.parametrize(
    ("sources", "since", "until", "message"),
    [
        ([], "2023-13-01", "", "The since date &#x27;2023-13-01&#x27; is not a date"),
        (["Foo"], "", "", "No article is from outlet &#x27;Foo&#x27;. Known outlets: Gestion."),
        ([], "2024-01-01", "2024-01-31", "No article is dated between 2024-01-01 and 2024-01-31."),
    ],
)
def test_an_impossible_filter_is_a_message_in_the_chat(ui, sources, since, until, message):
    shown, turns, *_ = list(ui.respond(QUESTION, [], [], 6, 8, False, sources, since, until, []))[-1]
    assert "rag-error" in shown[-1]["content"] and message in shown[-1]["content"]
    assert turns == []


def test_the_filter_choices_are_the_known_outlets_and_articles(ui):
    outlets, docs = ui.filter_options()
    assert outlets == ["Gestion"]
    assert [d for _, d in docs] == sorted(ui.web.rag.store.articles())
    assert docs[2] == (f"US, Mexico to hold further talks on migration next month ({VOA})", VOA)
    outlet_update, doc_update = ui.filter_choices()
    assert outlet_update["choices"] == ["Gestion"] and len(doc_update["choices"]) == 5


def test_gradio_client_chat_takes_the_filters_after_the_settings(settings, seeds_copy):
    with serving(create_app(fake_build(settings, seeds_copy))) as url:
        client = Client(url, verbose=False)
        chat, _ = client.predict(QUESTION, 6, 8, False, [], "", "", [VOA], api_name="/chat")
    html = " ".join(block["text"] for block in chat[-1]["content"])
    assert "National Palace" in html and _cited(html) == {VOA}
