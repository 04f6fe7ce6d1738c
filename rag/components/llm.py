"""The generator: a local GGUF through llama-cpp-python, or an OpenAI-compatible server.

The contract is one streaming method; the blocking call wraps it. Both backends
are chosen in :func:`open_llm`, and their libraries are imported only there.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelUnavailable, RagError
from rag.settings import Settings

Message = dict[str, str]


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float = 0.0
    total_s: float = 0.0


class LLM(ABC):
    @abstractmethod
    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        """Yield the reply's text as it is generated (temperature 0); fill ``usage``."""

    def complete(self, messages: list[Message], max_tokens: int) -> tuple[str, Usage]:
        usage = Usage()
        return "".join(self.stream(messages, max_tokens, usage)), usage


class LlamaCppLLM(LLM):
    def __init__(self, locate: Callable[[], Path], n_ctx: int, n_threads: int | None, n_batch: int) -> None:
        # ``locate`` may assemble the model; it runs on first use, not at start-up.
        self.locate = locate
        self.model_path: Path | None = None
        self.kwargs = dict(n_ctx=n_ctx, n_threads=n_threads, n_batch=n_batch)
        self._llm = None
        self._format = None
        # One llama.cpp context serves one request at a time; the lock spans the whole stream.
        self._lock = threading.Lock()

    def _load(self) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError:
            raise ModelUnavailable(
                "llama-cpp-python is not installed: run the README's set-up command."
            ) from None
        self.model_path = self.locate()
        try:
            llm = Llama(model_path=str(self.model_path), verbose=False, seed=0, **self.kwargs)
        except ValueError as err:
            raise ModelUnavailable(
                f"llama.cpp cannot load {self.model_path} ({err}); the file may be truncated. "
                "Delete it and run: python -m rag model"
            ) from None
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelUnavailable(f"{self.model_path} has no chat template in its metadata.")
        vocab = llm._model  # noqa: SLF001 - token texts for the template
        self._format = Jinja2ChatFormatter(
            template=template,
            eos_token=vocab.token_get_text(llm.token_eos()),
            bos_token=vocab.token_get_text(llm.token_bos()),
        )
        self._llm = llm

    def count_tokens(self, text: str) -> int:
        with self._lock:
            if self._llm is None:
                self._load()
            return len(self._llm.tokenize(text.encode(), add_bos=False, special=True))

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        with self._lock:
            if self._llm is None:
                self._load()
            formatted = self._format(messages=messages)
            tokens = self._llm.tokenize(formatted.prompt.encode(), add_bos=False, special=True)
            if len(tokens) + max_tokens > self._llm.n_ctx():
                raise RagError(
                    f"The prompt has {len(tokens)} tokens, too many for a {self._llm.n_ctx()}-token "
                    "context; lower RAG_CONTEXT_TOKENS or raise RAG_N_CTX."
                )
            usage.prompt_tokens = len(tokens)
            start = time.perf_counter()
            # Passing tokens lets llama.cpp reuse the cached prefix (the fixed instructions).
            pieces = self._llm.create_completion(
                tokens,
                max_tokens=max_tokens,
                temperature=0.0,
                top_k=1,
                stream=True,
                stop=formatted.stop,
            )
            for piece in pieces:
                text = piece["choices"][0]["text"]
                if not usage.completion_tokens:
                    usage.first_token_s = time.perf_counter() - start
                usage.completion_tokens += 1
                if text:
                    yield text
            usage.total_s = time.perf_counter() - start


class OpenAICompatLLM(LLM):
    def __init__(self, base_url: str, model: str, api_key: str) -> None:
        try:
            from openai import OpenAI
        except ImportError:
            raise ModelUnavailable("The openai package is needed for RAG_LLM_BACKEND=openai.") from None
        self.client = OpenAI(base_url=base_url, api_key=api_key, timeout=600)
        self.model = model

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        import openai

        start = time.perf_counter()
        try:
            events = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                max_tokens=max_tokens,
                temperature=0.0,
                stream=True,
                stream_options={"include_usage": True},
            )
            for event in events:
                if event.usage:
                    usage.prompt_tokens = event.usage.prompt_tokens
                    usage.completion_tokens = event.usage.completion_tokens
                if event.choices and event.choices[0].delta.content:
                    if not usage.first_token_s:
                        usage.first_token_s = time.perf_counter() - start
                    yield event.choices[0].delta.content
        except openai.APIConnectionError:
            raise ModelUnavailable(
                f"Cannot reach the model server at {self.client.base_url}; start it or fix "
                "RAG_OPENAI_BASE_URL."
            ) from None
        usage.total_s = time.perf_counter() - start


def resolve_model_path(settings: Settings, progress: bool = True) -> Path:
    from rag.components import model_file

    if settings.model_path:
        return model_file.check_model(settings.model_path)
    return model_file.assemble(settings.model_dir, progress=progress)


def open_llm(settings: Settings) -> LLM:
    """The one place that picks the generator backend."""
    if settings.llm_backend == "openai":
        return OpenAICompatLLM(settings.openai_base_url, settings.openai_model, settings.openai_api_key)
    return LlamaCppLLM(
        lambda: resolve_model_path(settings), settings.n_ctx, settings.n_threads, settings.n_batch
    )
