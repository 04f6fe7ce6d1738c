"""A bounded gate in front of the model: one question answered, a few waiting, the rest refused.

The LLM already serves one request at a time behind its own lock. Without a
bound, every extra request would wait on that lock holding a worker thread and
a client connection, and a burst would pile up for minutes. The gate counts the
questions inside (answered or waiting) and refuses more at once with
:class:`Busy`, which the HTTP layer turns into 503 + Retry-After.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator

from rag.service import AskOptions, RagService
from rag.types import Answer, AnswerStream


class Busy(Exception):
    """Too many questions are waiting; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, waiting: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"The model is busy: {waiting} questions are already waiting for it. "
            f"Try again in about {retry_after} seconds."
        )


class Gate:
    def __init__(self, max_waiting: int, first_guess_s: float = 10.0) -> None:
        self.capacity = max_waiting + 1  # the one being answered plus those waiting
        self._lock = threading.Lock()
        self._inside = 0
        # Seconds a question holds the model (smoothed); used only to suggest a Retry-After.
        self._avg_s = first_guess_s

    @property
    def inside(self) -> int:
        return self._inside

    def retry_after(self) -> int:
        return max(1, math.ceil(self._avg_s * max(1, self._inside)))

    def stream(
        self,
        service: RagService,
        question: str,
        history: list | None = None,
        options: AskOptions | None = None,
    ) -> AnswerStream:
        """``service.stream`` behind the gate, already started.

        It is started here so that a refusal (:class:`Busy`) or a bad question
        (``RagError``) raises before a caller commits to a streaming response,
        and so that closing the returned iterator, or dropping it, frees the slot.
        """
        with self._lock:
            if self._inside >= self.capacity:
                raise Busy(self.retry_after(), self._inside - 1)
            self._inside += 1
        pieces = self._run(service.stream(question, history, options))
        next(pieces)
        return AnswerStream(pieces)

    def ask(
        self,
        service: RagService,
        question: str,
        history: list | None = None,
        options: AskOptions | None = None,
    ) -> Answer:
        return self.stream(service, question, history, options).answer

    def _run(self, stream: AnswerStream) -> Generator[str | None, None, Answer]:
        served_from = None
        try:
            first = next(stream, None)
            # The first piece comes once the model is ours, so queueing time is not counted below.
            served_from = time.perf_counter()
            yield None  # primed: the first piece is ready, errors so far have been raised
            if first is not None:
                yield first
            yield from stream
            return stream.answer
        finally:
            stream.close()
            with self._lock:
                self._inside -= 1
                if served_from is not None:
                    self._avg_s = 0.7 * self._avg_s + 0.3 * (time.perf_counter() - served_from)
