"""The llama.cpp prompt cache with the real model: the fixed answer instructions survive a
call with another system message (the follow-up rewrite) and answers stay identical."""

import pytest

from rag.answer.prompt import SYSTEM, rewrite_messages
from rag.components.llm import LlamaCppLLM, Usage, resolve_model_path
from rag.settings import Settings
from rag.types import Turn

pytestmark = pytest.mark.e2e


def _answer(question: str) -> list[dict[str, str]]:
    sources = "[1] The delegation was led by Antony Blinken.\n[2] They met at the National Palace."
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: {question}"},
    ]


def _run(llm: LlamaCppLLM, messages) -> tuple[str, Usage]:
    usage = Usage()
    return "".join(llm.stream(messages, 24, usage)), usage


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings()


def _llm(settings: Settings, keep: bool = True) -> LlamaCppLLM:
    return LlamaCppLLM(
        lambda: resolve_model_path(settings), 2048, settings.n_threads, 512, keep_prefixes=keep
    )


def test_answer_prefix_is_restored_after_a_rewrite_and_the_answer_is_unchanged(settings):
    llm = _llm(settings)
    first, u1 = _run(llm, _answer("Who led the delegation?"))
    assert u1.cached_tokens == 0 and u1.prompt_eval_s > 0 and u1.eval_s > 0
    history = [Turn(role="user", content="Who led the delegation?"), Turn(role="assistant", content=first)]
    _, u2 = _run(llm, rewrite_messages("Where did he meet them?", history))
    assert u2.cached_tokens < 10  # another system message: only the template's opening is shared
    text, u3 = _run(llm, _answer("Where did they meet?"))
    head = llm._prefixes.head_len(_answer("x"))  # noqa: SLF001
    assert head > 150 and u3.cached_tokens >= head and llm._prefixes.restores == 1  # noqa: SLF001
    fresh, u4 = _run(_llm(settings, keep=False), _answer("Where did they meet?"))
    assert u4.cached_tokens == 0
    assert text == fresh and "National Palace" in text


def test_without_the_prefix_store_a_rewrite_evicts_the_instructions(settings):
    llm = _llm(settings, keep=False)
    _run(llm, _answer("Who led the delegation?"))
    _run(llm, rewrite_messages("Where did he meet them?", [Turn(role="user", content="Who led it?")]))
    _, usage = _run(llm, _answer("Where did they meet?"))
    assert usage.cached_tokens < 10
