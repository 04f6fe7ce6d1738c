"""One real pipeline per test session: packaged model, real embedder, real Chroma on disk."""

from __future__ import annotations

import pytest

from rag.factory import Rag, build
from rag.settings import Settings
from tests.conftest import SEEDS


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("e2e") / "data")


@pytest.fixture(scope="session")
def real_rag(real_settings) -> Rag:
    rag = build(real_settings)
    report = rag.ingestor.ingest_path(SEEDS)
    assert len(report.added) == 5
    return rag
