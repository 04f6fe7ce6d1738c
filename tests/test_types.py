import gc

import pytest

from rag.types import TextStream


def _writer(log: list[str]):  # noqa: ANN202 - two pieces, then a result; says when it is closed
    try:
        yield "a "
        yield "b"
        return "done"
    finally:
        log.append("closed")


def test_a_stream_gives_its_pieces_then_its_result():
    stream = TextStream(_writer([]))
    assert list(stream) == ["a ", "b"]
    assert stream.result == "done"
    assert list(stream) == []  # drained: iterating again gives nothing, the result stays
    assert stream.result == "done"


def test_reading_the_result_first_drains_the_rest():
    stream = TextStream(_writer([]))
    assert next(stream) == "a "
    assert stream.result == "done"


def test_a_closed_stream_stops_its_writer_and_has_no_result():
    log: list[str] = []
    stream = TextStream(_writer(log))
    next(stream)
    stream.close()
    assert log == ["closed"]
    with pytest.raises(RuntimeError, match="closed before it finished"):
        _ = stream.result


def test_a_dropped_stream_stops_its_writer():
    log: list[str] = []
    stream = TextStream(_writer(log))
    next(stream)
    del stream
    gc.collect()
    assert log == ["closed"]
