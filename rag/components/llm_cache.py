"""llama.cpp KV-cache helpers for :class:`rag.components.llm.LlamaCppLLM`.

Prompt evaluation is nearly all of an answer's time here (~75 tokens/s), and every
prompt starts with the same ~210-token instructions. llama-cpp-python reuses only the
longest common prefix with the *previous* prompt, so anything else in between (the
follow-up rewrite, another system message) evicts those instructions, and a new
process starts with none. :class:`PrefixStore` keeps the evaluated head of each
distinct system message: in memory, restored when evicted, and on disk, so the first
answer of a new process does not pay for it either.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

Message = dict[str, str]


def cached_prefix(llm, tokens: list[int]) -> int:  # noqa: ANN001 - llama_cpp.Llama
    """How many leading ``tokens`` the context already holds."""
    return llm.longest_token_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)


class Perf:
    """llama.cpp's own timers for one call: prompt evaluation versus generation."""

    def __init__(self, llm) -> None:  # noqa: ANN001
        import llama_cpp

        self._api = llama_cpp
        self._ctx = llm._ctx.ctx  # noqa: SLF001 - the raw context the timers live on
        llama_cpp.llama_perf_context_reset(self._ctx)

    def read(self) -> tuple[float, float]:
        """(prompt evaluation seconds, generation seconds) since construction."""
        data = self._api.llama_perf_context(self._ctx)
        return data.t_p_eval_ms / 1000, data.t_eval_ms / 1000

    def tokens(self) -> tuple[int, int]:
        """(prompt tokens evaluated, tokens generated) since construction."""
        data = self._api.llama_perf_context(self._ctx)
        return data.n_p_eval, data.n_eval


class PrefixStore:
    """The evaluated KV state of each prompt's fixed head, kept across other prompts.

    ``disk`` (optional) keeps a copy per head, named by a digest of the model file's
    identity, the llama.cpp version and the head's tokens, so a state is only ever
    restored into the model and prompt it was computed for.
    """

    def __init__(
        self,
        llm,  # noqa: ANN001 - llama_cpp.Llama
        tokens: Callable[[list[Message]], list[int]],
        disk: Path | None = None,
        identity: str = "",
        capacity: int = 4,
    ) -> None:
        self.llm = llm
        self.tokens = tokens
        self.disk = disk
        self.identity = identity
        self.capacity = capacity
        self._heads: dict[str, int] = {}
        self._saved: dict[tuple[int, ...], bytes] = {}
        self.restores = 0

    def head_len(self, messages: list[Message]) -> int:
        """Tokens shared by every prompt with this system message (found by formatting two)."""
        if not messages or messages[0]["role"] != "system":
            return 0
        key = messages[0]["content"]
        if key not in self._heads:
            a = self.tokens([messages[0], {"role": "user", "content": "a"}])
            b = self.tokens([messages[0], {"role": "user", "content": "b"}])
            self._heads[key] = self.llm.longest_token_prefix(a, b)
        return self._heads[key]

    def prepare(self, messages: list[Message], tokens: list[int]) -> int:
        """Make the context hold this prompt's head; returns how many tokens that evaluated."""
        n = min(self.head_len(messages), len(tokens) - 1)
        if n <= 0 or cached_prefix(self.llm, tokens) >= n:
            return 0
        head = tuple(tokens[:n])
        state = self._saved.get(head) or self._read(head)
        if state is not None and self._restore(head, state):
            self.restores += 1
            self._keep(head, state)
            return 0
        return self._prime(head)

    def _prime(self, head: tuple[int, ...]) -> int:
        import llama_cpp

        llm = self.llm
        live = cached_prefix(llm, list(head))
        llm.n_tokens = live  # eval() first drops everything after n_tokens from the KV cache
        llm.eval(list(head[live:]))
        ctx = llm._ctx.ctx  # noqa: SLF001
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        if llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0) == size:
            state = bytes(buf)
            self._keep(head, state)
            self._write(head, state)
        return len(head) - live

    def _restore(self, head: tuple[int, ...], state: bytes) -> bool:
        import llama_cpp

        llm = self.llm
        buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, buf, len(state), 0) != len(state):  # noqa: SLF001
            llm.reset()
            return False
        llm.input_ids[: len(head)] = head
        llm.n_tokens = len(head)
        return True

    def _keep(self, head: tuple[int, ...], state: bytes) -> None:
        if head not in self._saved and len(self._saved) >= self.capacity:
            self._saved.pop(next(iter(self._saved)))
        self._saved[head] = state

    def _path(self, head: tuple[int, ...]) -> Path | None:
        if self.disk is None:
            return None
        digest = hashlib.sha256(f"{self.identity}|{','.join(map(str, head))}".encode()).hexdigest()
        return self.disk / f"head-{digest[:24]}.kv"

    def _read(self, head: tuple[int, ...]) -> bytes | None:
        path = self._path(head)
        try:
            return path.read_bytes() if path else None
        except OSError:
            return None

    def _write(self, head: tuple[int, ...], state: bytes) -> None:
        path = self._path(head)
        if path is None or path.exists():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(state)
            os.replace(tmp, path)  # a reader sees no file or the whole file
        except OSError as err:  # read-only cache: the next process evaluates the head again
            log.warning("cannot save the prompt cache to %s: %s", path, err)


def model_identity(path: Path) -> str:
    """What a saved state depends on: the exact model file and the llama.cpp build."""
    import llama_cpp

    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{llama_cpp.__version__}"
