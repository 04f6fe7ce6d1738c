"""The baseline's prompt wrapping and refusal detection (the pipeline itself needs the real model)."""

import pytest

from bench.tutorial import QWEN_SYSTEM, chatml, looks_like_refusal


@pytest.mark.parametrize(
    "answer",
    [
        "The provided sources do not mention the population of Mexico City.",
        "None of the sources are helpful for answering this query.",
        "I cannot answer this question based on the sources.",
        "There is no information about that in the sources [1].",
        "",
    ],
)
def test_refusals_are_recognised(answer):
    assert looks_like_refusal(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Antony Blinken led the delegation [1].",
        "CBP detained 242,000 migrants in November [2].",
        "The talks will continue in January [1], according to the ministry.",
    ],
)
def test_answers_are_not_refusals(answer):
    assert not looks_like_refusal(answer)


def test_chatml_adds_qwens_default_system_and_opens_the_assistant_turn():
    prompt = chatml([("user", "Hi")])
    assert prompt.startswith(f"<|im_start|>system\n{QWEN_SYSTEM}<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    assert prompt.endswith("<|im_start|>assistant\n")
    assert QWEN_SYSTEM not in chatml([("system", "Be brief."), ("user", "Hi")])
