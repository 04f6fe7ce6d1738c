"""The bounded gate: slots are always given back, however a question ends."""

from __future__ import annotations

import gc

import pytest

from rag.errors import BadQuestion
from rag.types import Answer
from rag.web.gate import Busy, Gate
from tests.web.conftest import QUESTION


def test_capacity_is_one_answering_plus_the_waiting(fake_rag):
    gate = Gate(max_waiting=1)
    first = gate.stream(fake_rag.service, QUESTION)
    second = gate.stream(fake_rag.service, QUESTION)
    with pytest.raises(Busy) as refused:
        gate.stream(fake_rag.service, QUESTION)
    assert refused.value.retry_after >= 1 and "1 questions are already waiting" in str(refused.value)
    assert list(first) and isinstance(first.answer, Answer)  # finishing one frees a slot
    assert gate.inside == 1
    gate.stream(fake_rag.service, QUESTION).close()
    second.close()
    assert gate.inside == 0


def test_a_bad_question_or_a_dropped_stream_frees_its_slot(fake_rag):
    gate = Gate(max_waiting=0)
    with pytest.raises(BadQuestion):
        gate.stream(fake_rag.service, "   ")
    assert gate.inside == 0
    events = gate.stream(fake_rag.service, QUESTION)
    assert gate.inside == 1
    del events  # a client that went away: its stream is garbage, not closed
    gc.collect()
    assert gate.inside == 0
    assert gate.ask(fake_rag.service, QUESTION).answer
