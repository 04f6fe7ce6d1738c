"""Fixtures for the robustness tests: a fake pipeline over seeds/, and one real model per session."""

from __future__ import annotations

import socket

import pytest

from rag.factory import Rag, build
from rag.settings import Settings
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with


@pytest.fixture
def fake_rag(settings: Settings, seeds_copy) -> Rag:
    """seeds/ indexed in a real temporary Chroma directory, with the fake embedder and generator."""
    rag = build(settings, llm=ScriptedLLM(cite_source_with("242,000")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(seeds_copy)
    return rag


def chunk_counts(rag: Rag) -> dict[str, int]:
    """Live chunks per article, counted in Chroma itself."""
    counts: dict[str, int] = {}
    for doc_id, meta in rag.store.articles().items():
        got = rag.store.chunks.get(where={"$and": [{"doc_id": doc_id}, {"sha": meta.version}]}, include=[])
        counts[doc_id] = len(got["ids"])
    return counts


def free_port() -> int:
    """A loopback port nobody listens on right now (bind to 0, read it back)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def real_llm(real_rag: Rag):
    """The session's real generator (tests/conftest.py): the model loads once per run."""
    return real_rag.service.llm


@pytest.fixture(scope="session")
def real_embedder(real_rag: Rag):
    return real_rag.ingestor.embedder
