"""Fixtures for the web front: a fake-model product (fast) and the real server (e2e, once per session)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rag.components.llm import LLM, Message, Usage
from rag.factory import Rag, build
from rag.settings import Settings
from rag.web.server import create_app
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with
from tests.web.live import serving

QUESTION = "Where did Blinken meet López Obrador?"
MEETING_DOCS = {"001_0a0b291abecde7a8", "002_b0aabae521d8c3a1"}


class BlockingLLM(LLM):
    """Holds every request until ``release`` is set: questions pile up like on a busy model."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        assert self.release.wait(30), "the test never released the model"
        yield "They met in the National Palace [1]."


def json_error(response, status: int) -> str:  # noqa: ANN001 - an httpx/TestClient response
    """The ``{"error": ...}`` message of a response that must have ``status`` and no traceback."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"]
    assert "Traceback" not in response.text
    return body["error"]


def fake_build(settings: Settings, seeds: Path, llm: LLM | None = None) -> Rag:
    llm = llm or ScriptedLLM(cite_source_with("National Palace"))
    rag = build(settings, llm=llm, embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds)
    return rag


@pytest.fixture
def fake_rag(settings, seeds_copy) -> Rag:
    return fake_build(settings, seeds_copy)


@pytest.fixture
def client(fake_rag) -> Iterator[TestClient]:
    with TestClient(create_app(fake_rag, ui=False)) as c:
        yield c


@pytest.fixture(scope="session")
def real_url(real_rag) -> Iterator[str]:
    """The whole app (API and UI) with the real model and a real Chroma index of seeds/."""
    with serving(create_app(real_rag)) as url:
        yield url
