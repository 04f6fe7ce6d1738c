"""Deterministic stand-ins for the embedder and the generator, for fast tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator

import numpy as np

from rag.components.embedder import Embedder
from rag.components.llm import LLM, Message, Usage
from rag.text.words import content_words


class HashEmbedder(Embedder):
    """Bag of hashed content words: texts sharing words get a high cosine."""

    dim = 256

    def __init__(self) -> None:
        self.calls = 0
        self.seen: list[list[str]] = []  # the texts of each call, in order

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.seen.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in content_words(text):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


class ScriptedLLM(LLM):
    """Replies with ``reply(messages)``, streamed word by word; records every prompt."""

    def __init__(
        self,
        reply: Callable[[list[Message]], str],
        sureness: float | Callable[[list[Message]], float] | None = None,
    ) -> None:
        self.reply = reply
        # The probability reported for every word, as llama.cpp would (or one per prompt).
        self.sureness = sureness
        self.prompts: list[list[Message]] = []

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        self.prompts.append(messages)
        usage.prompt_tokens = sum(len(m["content"].split()) for m in messages)
        sure = self.sureness(messages) if callable(self.sureness) else self.sureness
        for piece in re.findall(r"\S+\s*", self.reply(messages)):
            usage.completion_tokens += 1
            if sure is not None:
                usage.token_probs.append(sure)
                usage.tokens.append(piece)
            yield piece
        if sure is not None:
            usage.token_probs.append(1.0)  # the stop token
            usage.tokens.append("")


def cite_source_with(text: str) -> Callable[[list[Message]], str]:
    """A reply that quotes the first numbered source containing ``text``."""

    def reply(messages: list[Message]) -> str:
        for line in messages[-1]["content"].splitlines():
            m = re.match(r"\[(\d+)\] (.*)", line)
            if m and text in m.group(2):
                return f"{m.group(2)} [{m.group(1)}]"
        return "I could not find that in the articles."

    return reply


def offline_rag(settings, store=None):  # noqa: ANN001, ANN201
    """The real app on ``settings`` (real Chroma and lexical index, or ``store``), with fake models."""
    from rag.factory import build

    return build(settings, llm=ScriptedLLM(lambda m: ""), embedder=HashEmbedder(), store=store)


class DyingStore:
    """A real store whose ``operation`` kills the process (KeyboardInterrupt) just before it
    runs, or just after it returned (``after``); everything else is the real store's."""

    def __init__(self, store, operation: str, after: bool = False) -> None:  # noqa: ANN001
        self._store, self._operation, self._after = store, operation, after

    def __getattr__(self, name: str):  # noqa: ANN204
        real = getattr(self._store, name)
        if name != self._operation:
            return real

        def dying(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if self._after:
                real(*args, **kwargs)
            raise KeyboardInterrupt

        return dying
