"""The LlamaIndex adapters with the real model and the real index of seeds/ (slow)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.facts import states

pytestmark = pytest.mark.e2e

QUESTION = "Where did Blinken meet López Obrador?"
MEETING_DOCS = {"001_0a0b291abecde7a8", "002_b0aabae521d8c3a1"}


@pytest.fixture(scope="module")
def engine(real_rag):
    from rag.integrations.llama_index import NewsQueryEngine

    return NewsQueryEngine(service=real_rag.service)


def test_real_answer_with_cited_source_nodes(engine):
    response = engine.query(QUESTION)
    assert states(response.response, "National Palace") and not response.metadata["abstained"]
    assert {s.node.metadata["doc_id"] for s in response.source_nodes} & MEETING_DOCS
    for source in response.source_nodes:
        meta = source.node.metadata
        assert meta["quote"] and meta["end"] > meta["start"] and meta["outlet"] is not None


def test_real_streaming(real_rag):
    from rag.integrations.llama_index import NewsQueryEngine

    response = NewsQueryEngine(service=real_rag.service, streaming=True).query(QUESTION)
    pieces = list(response.response_gen)
    assert len(pieces) > 1
    assert states(response.metadata["answer"], "National Palace") and response.source_nodes


def test_real_unanswerable_question_abstains(engine):
    response = engine.query("What is the population of Mexico City?")
    assert response.metadata["abstained"] and not response.source_nodes


def test_real_query_engine_tool(engine):
    from llama_index.core.tools import QueryEngineTool

    tool = QueryEngineTool.from_defaults(
        query_engine=engine, name="news_articles", description="Questions about the news articles."
    )
    output = tool.call("How many migrants did CBP detain on the Mexican border in November?")
    assert states(output.content, "242,000"), output.content
    assert output.raw_output.source_nodes


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## LlamaIndex", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_llama_index_example_runs(tmp_path):
    """The README's example, as a user would run it from a fresh clone (after ingesting seeds/)."""
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data")}
    subprocess.run(
        [sys.executable, "-m", "rag", "ingest", "seeds"], cwd=ROOT, env=env, check=True, timeout=900
    )
    out = subprocess.run(
        [sys.executable, "-c", _readme_example()], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=1800,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert states(out.stdout, "National Palace") and states(out.stdout, "242,000"), out.stdout
