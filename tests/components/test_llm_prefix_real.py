"""The llama.cpp prompt cache with the real model: the fixed answer instructions survive a
call with another system message (the follow-up rewrite) and a process restart, and answers
stay identical."""

import pytest

from rag.answer.prompt import SYSTEM, rewrite_messages
from rag.components.llm import LlamaCppLLM, Usage, resolve_model_path
from rag.settings import Settings
from rag.types import Turn
from tests.facts import states

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


def _llm(settings: Settings, keep: bool = True, state_dir=None) -> LlamaCppLLM:
    locate = lambda: resolve_model_path(settings)  # noqa: E731
    return LlamaCppLLM(locate, 2048, settings.n_threads, 512, keep_prefixes=keep, state_dir=state_dir)


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
    assert text == fresh and states(text, "National Palace"), (text, fresh)


def test_without_the_prefix_store_a_rewrite_evicts_the_instructions(settings):
    llm = _llm(settings, keep=False)
    _run(llm, _answer("Who led the delegation?"))
    _run(llm, rewrite_messages("Where did he meet them?", [Turn(role="user", content="Who led it?")]))
    _, usage = _run(llm, _answer("Where did they meet?"))
    assert usage.cached_tokens < 10


def test_a_new_process_restores_the_instructions_from_disk(settings, tmp_path):
    first, u1 = _run(_llm(settings, state_dir=tmp_path), _answer("Who led the delegation?"))
    assert u1.cached_tokens == 0 and len(list(tmp_path.glob("head-*.kv"))) == 1
    restarted = _llm(settings, state_dir=tmp_path)
    again, u2 = _run(restarted, _answer("Who led the delegation?"))
    head = restarted._prefixes.head_len(_answer("x"))  # noqa: SLF001
    assert u2.cached_tokens >= head and again == first


def test_a_damaged_saved_state_is_evaluated_again_not_an_error(settings, tmp_path):
    _run(_llm(settings, state_dir=tmp_path), _answer("Who led the delegation?"))
    (saved,) = tmp_path.glob("head-*.kv")
    saved.write_bytes(saved.read_bytes()[:1000])
    text, usage = _run(_llm(settings, state_dir=tmp_path), _answer("Who led the delegation?"))
    assert usage.cached_tokens == 0 and states(text, "Blinken"), text
