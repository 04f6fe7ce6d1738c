"""The LlamaIndex adapters, driven by LlamaIndex's own machinery (fast: fake model).

The retriever is measured with ``RetrieverEvaluator`` (hit rate, MRR) over the gold set's
sources with the real embedder and a real Chroma index; answers use a scripted model.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rag.factory import build
from rag.types import ABSTAIN_TEXT
from tests.conftest import ROOT, SEEDS
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with

pytest.importorskip("llama_index.core")

from llama_index.core.base.response.schema import Response, StreamingResponse  # noqa: E402
from llama_index.core.evaluation import RetrieverEvaluator  # noqa: E402
from llama_index.core.retrievers import BaseRetriever  # noqa: E402
from llama_index.core.schema import NodeWithScore, TextNode  # noqa: E402
from llama_index.core.tools import QueryEngineTool  # noqa: E402

from rag.integrations.llama_index import (  # noqa: E402
    NewsQueryEngine,
    NewsRetriever,
    query_engine_from_settings,
    retriever_from_settings,
)

QUESTION = "Where did Blinken meet López Obrador?"
MEETING_DOCS = {"001_0a0b291abecde7a8", "002_b0aabae521d8c3a1"}
KEYS = {"doc_id", "title", "outlet", "date", "start", "end"}


def _gold() -> list[dict]:
    rows = [
        json.loads(line) for line in (ROOT / "eval" / "gold.jsonl").read_text().splitlines() if line.strip()
    ]
    # Follow-ups lean on their history; a retriever sees the question alone.
    return [r for r in rows if r["sources"] and not r.get("history")]


def _file_text(doc_id: str) -> str:
    return (SEEDS / f"{doc_id}.txt").read_text()


@pytest.fixture(scope="module")
def fake_service(tmp_path_factory):
    from rag.settings import Settings

    # Built before the per-test environment: every answer that passes the vetoes is shown.
    settings = Settings(data_dir=tmp_path_factory.mktemp("li") / "data", answer_threshold=0.0)
    rag = build(settings, llm=ScriptedLLM(cite_source_with("National Palace")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(SEEDS)
    return rag.service


def test_importing_rag_does_not_import_llama_index():
    code = (
        "import sys, rag, rag.factory, rag.service, rag.cli, rag.integrations\n"
        "print(sorted(m for m in sys.modules if m.startswith('llama_index')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("unit", ["sentence", "chunk"])
def test_retriever_nodes_carry_article_fields_and_offsets(fake_service, unit):
    retriever = NewsRetriever(fake_service, unit=unit)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(QUESTION)
    assert nodes and all(isinstance(n, NodeWithScore) and isinstance(n.node, TextNode) for n in nodes)
    for hit in nodes:
        meta = hit.node.metadata
        assert KEYS <= set(meta) and hit.node.ref_doc_id == meta["doc_id"]
        assert meta["title"]
        if unit == "sentence":  # a passage's text is the sentence at its offsets in the file
            assert " ".join(_file_text(meta["doc_id"])[meta["start"] : meta["end"]].split()) == hit.node.text
        else:
            for s in meta["sentences"]:
                assert _file_text(meta["doc_id"])[s["start"] : s["end"]] == s["text"]
        # Offsets stay out of what a LlamaIndex LLM reads; the outlet and date stay in.
        shown = hit.node.get_content(metadata_mode="llm")
        assert f"start: {meta['start']}" not in shown and f"title: {meta['title']}" in shown
    assert any(n.node.metadata["doc_id"] in MEETING_DOCS for n in nodes[:3])
    assert any(n.node.metadata["date"].startswith("2023-") for n in nodes)


def test_retriever_evaluator_hit_rate_and_mrr_over_the_gold_sources(tmp_path):
    """LlamaIndex's RetrieverEvaluator over the real index (real embedder, no model)."""
    from rag.settings import Settings

    rag = build(Settings(data_dir=tmp_path / "data"), llm=ScriptedLLM(lambda m: ""))
    rag.ingestor.ingest_path(SEEDS)
    retriever = NewsRetriever(rag.service, unit="chunk")
    chunks = [chunk for chunk, _ in rag.store.iter_chunks()]
    evaluator = RetrieverEvaluator.from_metric_names(["hit_rate", "mrr"], retriever=retriever)
    results = []
    for row in _gold():
        expected = [c.id for c in chunks if c.doc_id in row["sources"]]
        results.append(evaluator.evaluate(query=row["question"], expected_ids=expected).metric_vals_dict)
    hit_rate = sum(r["hit_rate"] for r in results) / len(results)
    mrr = sum(r["mrr"] for r in results) / len(results)
    print(f"RetrieverEvaluator, {len(results)} gold questions: hit rate {hit_rate:.3f}, MRR {mrr:.3f}")
    assert len(results) >= 50
    assert hit_rate >= 0.95 and mrr >= 0.8


def test_query_engine_gives_the_checked_answer_with_cited_passages(fake_service):
    engine = NewsQueryEngine(service=fake_service)
    response = engine.query(QUESTION)
    assert isinstance(response, Response)
    assert "National Palace" in response.response and response.response.endswith("[1].")
    assert response.metadata["abstained"] is False and response.metadata["unsupported"] == []
    [source] = response.source_nodes
    meta = source.node.metadata
    assert meta["n"] == 1 and meta["doc_id"] in MEETING_DOCS and KEYS <= set(meta)
    assert "National Palace" in meta["quote"] and source.node.text == meta["quote"]
    assert " ".join(_file_text(meta["doc_id"])[meta["start"] : meta["end"]].split()) == meta["quote"]


def test_query_engine_abstains_with_no_sources(fake_service):
    response = NewsQueryEngine(service=fake_service).query("What is the recipe for guacamole with mango?")
    assert response.metadata["abstained"] is True and response.source_nodes == []
    assert response.response == ABSTAIN_TEXT


def test_query_engine_streams_the_llama_index_way(fake_service):
    response = NewsQueryEngine(service=fake_service, streaming=True).query(QUESTION)
    assert isinstance(response, StreamingResponse)
    pieces = list(response.response_gen)
    assert len(pieces) > 1 and "National Palace" in "".join(pieces)
    # Filled once the stream has reached the checked answer.
    assert response.metadata["abstained"] is False and "National Palace" in response.metadata["answer"]
    assert response.source_nodes[0].node.metadata["doc_id"] in MEETING_DOCS


def test_query_engine_as_a_query_engine_tool(fake_service):
    tool = QueryEngineTool.from_defaults(
        query_engine=NewsQueryEngine(service=fake_service),
        name="news_articles",
        description="Answers questions about the indexed news articles, with cited sentences.",
    )
    assert tool.metadata.name == "news_articles"
    output = tool.call(QUESTION)
    assert "National Palace" in output.content
    assert output.raw_output.source_nodes[0].node.metadata["doc_id"] in MEETING_DOCS


def test_built_from_settings_in_one_call(tmp_path):
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    fakes = {"llm": ScriptedLLM(cite_source_with("National Palace")), "embedder": HashEmbedder()}
    build(settings, **fakes).ingestor.ingest_path(SEEDS)
    engine = query_engine_from_settings(settings, **fakes)
    assert "National Palace" in engine.query(QUESTION).response
    assert retriever_from_settings(settings, **fakes).retrieve(QUESTION)


def test_readme_example_runs_with_a_scripted_model(tmp_path, monkeypatch, capsys):
    """The README's LlamaIndex example as written, the model and embedder swapped for fakes
    (tests/e2e/test_llama_index_real.py runs it with the real ones)."""
    import rag.factory
    from rag.settings import Settings
    from tests.e2e.test_llama_index_real import _readme_example

    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(rag.factory, "open_llm", lambda s: ScriptedLLM(cite_source_with("National Palace")))
    monkeypatch.setattr(rag.factory, "SentenceTransformerEmbedder", lambda *a, **k: HashEmbedder())
    build(Settings()).ingestor.ingest_path(SEEDS)
    exec(compile(_readme_example(), "README.md", "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    assert "National Palace" in out and "checked:" in out and "abstained:" in out
