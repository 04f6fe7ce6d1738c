"""Our retrieval and our checked, cited answers as LlamaIndex components.

- :func:`retriever_from_settings` gives a ``BaseRetriever`` over the hybrid (BM25 +
  dense) index. ``unit="sentence"`` (default) returns the passages the answering
  model would read: one sentence (or two, when the second leans on the first) with
  its offsets. ``unit="chunk"`` returns the fused chunks themselves.
- :func:`query_engine_from_settings` gives a ``CustomQueryEngine`` over
  :class:`rag.service.RagService`: the answer is the checked one, ``source_nodes``
  the cited passages, and streaming runs the service's own stream.

Every node's metadata has ``doc_id``, ``title``, ``outlet``, ``date``, ``start`` and
``end`` (character offsets of the text in the article file; for PDF and DOCX, in its
extracted text). This module imports llama_index; nothing else in ``rag`` does.
"""

from __future__ import annotations

from typing import Any, Literal

from llama_index.core.base.response.schema import Response, StreamingResponse
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode
from pydantic import ConfigDict, Field

from rag.service import AskOptions, RagService, clean_question
from rag.settings import Settings
from rag.types import Answer, AnswerStream, ArticleMeta, Chunk, Citation, Passage

Unit = Literal["sentence", "chunk"]
# Offsets and id lists mean nothing to a model or an embedder; title, outlet and date do.
_HIDDEN = ["doc_id", "doc_ids", "start", "end", "sentences", "n", "quote", "path"]


def _node(node_id: str, text: str, meta: ArticleMeta | None, doc_id: str, **extra: Any) -> TextNode:
    metadata = {
        "doc_id": doc_id,
        "title": meta.title if meta else "",
        "outlet": meta.source if meta else "",
        "date": meta.date if meta else "",
        **extra,
    }
    return TextNode(
        id_=node_id,
        text=text,
        metadata=metadata,
        excluded_llm_metadata_keys=list(_HIDDEN),
        excluded_embed_metadata_keys=list(_HIDDEN),
        # ref_doc_id is the article: LlamaIndex groups and filters nodes by it.
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
    )


def chunk_node(chunk: Chunk, articles: dict[str, ArticleMeta]) -> TextNode:
    """A retrieved chunk; ``sentences`` lists each sentence with its own offsets."""
    sentences = [s.model_dump() for s in chunk.sentences]
    meta = articles.get(chunk.doc_id)
    return _node(
        chunk.id, chunk.text, meta, chunk.doc_id, start=chunk.start, end=chunk.end, sentences=sentences
    )


def passage_node(passage: Passage, articles: dict[str, ArticleMeta]) -> TextNode:
    """A passage as the model reads it; ``doc_ids`` lists every article that carries it."""
    first = passage.supports[0]
    node_id = f"{first.doc_id}:{first.start}-{first.end}"
    return _node(
        node_id, passage.text, articles.get(first.doc_id), first.doc_id,
        start=first.start, end=first.end, doc_ids=passage.doc_ids,
    )  # fmt: skip


def citation_node(citation: Citation, articles: dict[str, ArticleMeta]) -> TextNode:
    """A cited passage: the quote, its offsets, and its number ``n`` as the answer's ``[n]``."""
    node_id = f"{citation.doc_id}:{citation.start}-{citation.end}"
    return _node(
        node_id, citation.quote, articles.get(citation.doc_id), citation.doc_id,
        n=citation.n, quote=citation.quote, start=citation.start, end=citation.end,
        doc_ids=citation.doc_ids,
    )  # fmt: skip


class NewsRetriever(BaseRetriever):
    """The product's hybrid retriever, returning ``NodeWithScore`` over ``TextNode``."""

    def __init__(self, service: RagService, unit: Unit = "sentence", top_k: int | None = None) -> None:
        if unit not in ("sentence", "chunk"):
            raise ValueError(f"unit must be 'sentence' or 'chunk', not {unit!r}")
        super().__init__()
        self._service = service
        self._unit = unit
        self._top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        question = clean_question(query_bundle.query_str, self._service.settings.max_question_chars)
        if self._unit == "chunk":  # no sentence selection: it embeds every sentence, and costs time
            hits = self._service.retrieve_chunks(question, self._top_k)
            articles = self._service.snapshot.articles
            return [NodeWithScore(node=chunk_node(h.chunk, articles), score=h.score) for h in hits]
        _, passages = self._service.retrieve(question, AskOptions(top_k=self._top_k))
        articles = self._service.snapshot.articles
        return [NodeWithScore(node=passage_node(p, articles), score=p.score) for p in passages]


def _metadata(answer: Answer) -> dict[str, Any]:
    return {
        "abstained": answer.abstained,
        "unsupported": list(answer.unsupported),
        "withheld_by": answer.withheld_by,
        "confidence": answer.confidence,
        "answer": answer.answer,
        "standalone_question": answer.standalone_question,
        "retrieved": list(answer.retrieved),
        "result": answer,  # the full checked answer, as python -m rag ask --json prints it
    }


def _sources(answer: Answer, articles: dict[str, ArticleMeta]) -> list[NodeWithScore]:
    scores = {p.n: p.score for p in answer.passages}
    return [NodeWithScore(node=citation_node(c, articles), score=scores.get(c.n)) for c in answer.citations]


class NewsQueryEngine(CustomQueryEngine):
    """Checked, cited answers from :class:`RagService` as LlamaIndex responses.

    ``Response.response`` is the checked answer (an abstention when nothing supports
    one), ``source_nodes`` the cited passages, ``metadata`` has ``abstained`` and
    ``unsupported``. With ``streaming=True`` a ``StreamingResponse`` yields the model's
    text as generated; once drained, its ``source_nodes`` and ``metadata`` are filled
    and ``metadata["answer"]`` holds the checked text, which may differ (a dropped
    marker, an abstention).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    service: Any = Field(description="The RagService that answers.")
    streaming: bool = False
    history: list = Field(default_factory=list, description="Earlier turns, for follow-up questions.")

    def custom_query(self, query_str: str) -> Response | StreamingResponse:
        stream = self.service.stream(query_str, self.history)
        if self.streaming:
            return self._streaming(stream)
        answer = stream.answer
        return Response(
            response=answer.answer,
            source_nodes=_sources(answer, self.service.snapshot.articles),
            metadata=_metadata(answer),
        )

    def _streaming(self, stream: AnswerStream) -> StreamingResponse:
        # LlamaIndex reads source_nodes and metadata off the response object; both are filled
        # in place when the stream reaches the checked answer, so a caller sees them after draining.
        nodes: list[NodeWithScore] = []
        metadata: dict[str, Any] = {}

        def pieces() -> Any:
            yield from stream
            nodes.extend(_sources(stream.answer, self.service.snapshot.articles))
            metadata.update(_metadata(stream.answer))

        return StreamingResponse(response_gen=pieces(), source_nodes=nodes, metadata=metadata)


def retriever_from_settings(
    settings: Settings | None = None,
    unit: Unit = "sentence",
    top_k: int | None = None,
    **components: Any,
) -> NewsRetriever:
    """The hybrid retriever over the index at ``settings.data_dir``, as a LlamaIndex retriever.

    ``components`` go to :func:`rag.factory.build` (``llm=``, ``embedder=``; tests pass fakes).
    """
    from rag.factory import build

    return NewsRetriever(build(settings or Settings(), **components).service, unit=unit, top_k=top_k)


def query_engine_from_settings(
    settings: Settings | None = None, streaming: bool = False, **components: Any
) -> NewsQueryEngine:
    """The cited-answer service over the index at ``settings.data_dir``, as a LlamaIndex query engine."""
    from rag.factory import build

    return NewsQueryEngine(service=build(settings or Settings(), **components).service, streaming=streaming)
