"""llama.cpp threads and batch size, measured on this machine.

For each configuration a fresh ``llama_cpp.Llama`` evaluates one representative
answer prompt from an empty cache and generates a fixed number of tokens; llama.cpp's
own timers give prompt and generation speed. Each configuration runs ``repeats``
times and keeps its best run, since other processes share the cores.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def sample_prompt(llm) -> list[int]:  # noqa: ANN001 - LlamaCppLLM
    """The fixed instructions plus about 220 tokens of seed-article sources."""
    from bench.common import SEEDS
    from rag.answer.prompt import SYSTEM

    text = (SEEDS / "000_28062022011ac162.txt").read_text(encoding="utf-8")
    sources = "\n".join(f"[{i}] {line}" for i, line in enumerate(text.splitlines()[:4], 1))
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: Who led the delegation?"},
    ]
    return llm.prompt_tokens(messages)


def measure(
    model_path: Path, tokens: list[int], n_ctx: int, cfg: dict, gen_tokens: int, repeats: int
) -> dict:
    import llama_cpp

    from rag.components.llm_cache import Perf

    llm = llama_cpp.Llama(model_path=str(model_path), n_ctx=n_ctx, verbose=False, seed=0, **cfg)
    best: dict[str, Any] = {}
    for _ in range(repeats):
        llm.reset()
        perf = Perf(llm)  # starts llama.cpp's timers from zero
        llm.create_completion(tokens, max_tokens=gen_tokens, temperature=0.0, top_k=1)
        (prompt_s, gen_s), (n_prompt, n_gen) = perf.read(), perf.tokens()
        prompt_tps = n_prompt / prompt_s if prompt_s else 0.0
        gen_tps = n_gen / gen_s if gen_s else 0.0
        best["prompt_tok_s"] = max(best.get("prompt_tok_s", 0.0), prompt_tps)
        best["gen_tok_s"] = max(best.get("gen_tok_s", 0.0), gen_tps)
    llm.close()
    return {**cfg, **best, "prompt_tokens": len(tokens)}


CONFIGS = [
    {"n_threads": t, "n_threads_batch": tb, "n_batch": b}
    for t, tb in ((1, 1), (1, 2), (2, 2))
    for b in (64, 128, 256, 512)
]


def run(
    llm,  # noqa: ANN001 - LlamaCppLLM, for the model path and prompt format
    n_ctx: int,
    configs: list[dict] | None = None,
    gen_tokens: int = 32,
    repeats: int = 2,
    progress: Callable[[str], None] = print,
) -> list[dict]:
    tokens = sample_prompt(llm)
    results = []
    for cfg in configs or CONFIGS:
        row = measure(llm.model_path, tokens, n_ctx, cfg, gen_tokens, repeats)
        progress(
            f"  threads {cfg['n_threads']}/{cfg['n_threads_batch']} batch {cfg['n_batch']}: "
            f"prompt {row['prompt_tok_s']:.1f} tok/s, generation {row['gen_tok_s']:.1f} tok/s"
        )
        results.append(row)
    return results
