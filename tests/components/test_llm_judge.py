import numpy as np
import pytest

from rag.components.llm import _two_way
from tests.fakes import ScriptedLLM


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("Yes.", 1.0), ("yes, source 2 says so", 1.0), ("No", 0.0), ("Maybe", None), ("", None)],
)
def test_generic_judge_reads_the_first_word(reply, expected):
    assert ScriptedLLM(lambda m: reply).judge([{"role": "user", "content": "?"}]) == expected


def test_two_way_probability_pools_the_spellings_of_yes_and_no():
    logits = np.full(10, -5.0)
    logits[[1, 2]] = np.log([3.0, 1.0])  # two spellings of yes: 3 + 1
    logits[7] = np.log(4.0)  # one of no: 4
    assert _two_way(logits, [1, 2], [7]) == pytest.approx(0.5)
    logits[7] = np.log(1.0)
    assert _two_way(logits, [1, 2], [7]) == pytest.approx(0.8)
