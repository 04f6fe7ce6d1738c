"""llama.cpp alone, for the overhead ratio: our total time over the model's own time.

A second ``llama_cpp.Llama`` is opened on the same GGUF with exactly our context
settings (n_ctx, threads, batch, seed) and fed the exact token list of our final
prompt, with ``max_tokens`` set to the number of tokens our answer had. It only
ever sees answer prompts, in the same order as ours, so its KV cache holds the
fixed instructions just as ours does (llama-cpp-python reuses the longest common
prefix with the previous prompt): both sides pay only for the question-specific
part. Everything else in our time -- retrieval, rewriting, citation checks,
Python -- is the overhead.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


class RawLlama:
    def __init__(self, model_path: Path, kwargs: dict) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(model_path), verbose=False, seed=0, **kwargs)

    def cached(self, tokens: list[int]) -> int:
        from rag.components.llm_cache import cached_prefix

        return cached_prefix(self.llm, tokens)

    def replay(self, tokens: list[int], max_tokens: int) -> dict[str, Any]:
        cached = min(self.cached(tokens), len(tokens) - 1)
        t0 = time.perf_counter()
        first, parts = None, []
        stream = self.llm.create_completion(
            tokens, max_tokens=max_tokens, temperature=0.0, top_k=1, stream=True
        )
        for piece in stream:
            if first is None:
                first = time.perf_counter() - t0
            parts.append(piece["choices"][0]["text"])
        total = time.perf_counter() - t0
        return {
            "raw_text": "".join(parts),
            "raw_total_s": total,
            "raw_first_token_s": first if first is not None else total,
            "raw_completion_tokens": len(parts),
            "raw_cached_tokens": cached,
        }
