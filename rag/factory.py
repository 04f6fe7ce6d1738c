"""Build the services from settings: the only place components are wired together.

Nothing heavy happens here: the embedder and the generator load their weights
on first use, so building is cheap and entry points start fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer import confidence
from rag.answer.checks import disabled_checks
from rag.components.embedder import LastQuestionCache, SentenceTransformerEmbedder
from rag.components.llm import LLM, open_llm
from rag.components.store import VectorStore, open_store
from rag.ingest.indexer import Ingestor
from rag.retrieval.context import ContextSelector
from rag.retrieval.lexical import remove_pickles
from rag.retrieval.retriever import BM25Retriever, DenseRetriever, HybridRetriever, Snapshot
from rag.service import RagService
from rag.settings import Settings


@dataclass
class Rag:
    """Everything an entry point needs, built from one settings object."""

    settings: Settings
    store: VectorStore
    service: RagService
    ingestor: Ingestor

    def warm(self) -> None:
        """Load the embedder and the generator now. A server calls this in the background at
        start, so its first visitor does not wait ~10 s for weights (docs/performance.md)."""
        self.ingestor.embedder.load()
        self.service.llm.load()


def build(
    settings: Settings | None = None,
    llm: LLM | None = None,
    embedder=None,  # noqa: ANN001 - an Embedder
    store: VectorStore | None = None,
) -> Rag:
    """Wire the product. ``llm``/``embedder``/``store`` replace the real ones (tests pass
    fakes, or a real store that fails on cue)."""
    settings = settings or Settings()
    disabled_checks(settings.disabled_checks)  # refused at start-up, before anything is opened
    store = store or open_store(settings)
    embedder = embedder or SentenceTransformerEmbedder(settings.embedding_model, settings.embed_batch_size)
    remove_pickles(settings.data_dir / "bm25")  # an older version's BM25 cache: deleted unread
    snapshot = Snapshot(store, lexical_dir=settings.lexical_path)
    questions = LastQuestionCache(embedder)  # retrieval and selection share the question's vector
    retriever = HybridRetriever(
        BM25Retriever(snapshot),
        DenseRetriever(snapshot, questions),
        candidates=settings.candidates,
        rrf_k=settings.rrf_k,
        keep_first=settings.keep_first,
    )
    selector = ContextSelector(
        embedder=questions,
        budget_tokens=settings.context_tokens,
        max_passages=settings.max_passages,
        dedup_jaccard=settings.dedup_jaccard,
        spread_articles=settings.spread_articles,
        sentences=snapshot.lexical,
    )
    calibrator = confidence.load(settings.calibration_path)
    service = RagService(settings, snapshot, retriever, selector, llm or open_llm(settings), calibrator)
    return Rag(settings, store, service, Ingestor(settings, store, embedder, snapshot))


def build_service(settings: Settings | None = None) -> RagService:
    return build(settings).service
