"""The generator: a local GGUF through llama-cpp-python, or an OpenAI-compatible server.

The contract is one streaming method; the blocking call wraps it. Both backends
are chosen in :func:`open_llm`, and their libraries are imported only there.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from rag.components.llm_cache import Perf, PrefixStore, cached_prefix, model_identity
from rag.errors import ModelUnavailable, RagError
from rag.settings import Settings

Message = dict[str, str]


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float = 0.0
    total_s: float = 0.0
    # Filled by the llama.cpp backend only: where the prompt's time went.
    cached_tokens: int = 0  # prompt tokens served from the KV cache, not evaluated
    prompt_eval_s: float = 0.0  # llama.cpp's own clock for evaluating the rest of the prompt
    eval_s: float = 0.0  # llama.cpp's own clock for generating
    # The probability the model gave each token it wrote (greedy: its top choice), where the
    # backend exposes logits: how sure it was of the answer, at no extra cost.
    token_probs: list[float] = field(default_factory=list)
    # The text of each token written, aligned with token_probs (the stop's text is empty):
    # which part of the answer the model was unsure of.
    tokens: list[str] = field(default_factory=list)
    # The most likely first tokens of the reply, as (text, probability), best first: how much
    # the model leaned to another opening, such as the refusal's "I", before it wrote its own.
    first_top: list[tuple[str, float]] = field(default_factory=list)
    # The fields above that hold the backend's estimate, not a count: a server that reports
    # no usage leaves the prompt and reply to be counted here, and the record says so.
    estimated: list[str] = field(default_factory=list)
    # The fields above this call left at their defaults because the backend could not fill
    # them (a 0 or [] there means "not known", not "none"): the backend's ``unfilled`` and
    # whatever the server did not send this time.
    unfilled: list[str] = field(default_factory=list)


class LLM(ABC):
    # The Usage fields this backend never fills, declared once (``Usage.unfilled`` repeats
    # them on every call, with the ones a server happened not to send).
    unfilled: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        """Yield the reply's text as it is generated (temperature 0); fill ``usage``."""

    def complete(self, messages: list[Message], max_tokens: int) -> tuple[str, Usage]:
        usage = Usage()
        return "".join(self.stream(messages, max_tokens, usage)), usage

    def load(self) -> None:  # noqa: B027 - an optional hook, not a contract
        """Load weights now rather than on the first question; a remote server has none to load."""

    def judge(self, messages: list[Message]) -> float | None:
        """How sure the model is that the reply to ``messages`` is "yes" rather than "no".

        This generic version reads a short reply (1.0 yes, 0.0 no, None neither); backends
        that expose logits override it with a real probability.
        """
        text, _ = self.complete(messages, 3)
        first = re.findall(r"[a-z]+", text.lower())[:1]
        return {"yes": 1.0, "no": 0.0}.get(first[0]) if first else None


class LlamaCppLLM(LLM):
    def __init__(
        self,
        locate: Callable[[], Path],
        n_ctx: int,
        n_threads: int | None,
        n_batch: int,
        n_threads_batch: int | None = None,
        keep_prefixes: bool = True,
        state_dir: Path | None = None,
    ) -> None:
        # ``locate`` may assemble the model; it runs on first use, not at start-up.
        self.locate = locate
        self.model_path: Path | None = None
        # None means one thread per usable core for both prompt and generation: left to
        # llama-cpp-python, generation gets half the cores (one of two here), which cut
        # decoding from 15 to 9 tokens/s (docs/performance.md). A count set for generation
        # also bounds prompt evaluation, unless that has its own.
        threads = n_threads or usable_cores()
        self.kwargs = dict(
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=n_threads_batch or threads,
            n_batch=n_batch,
        )
        self.keep_prefixes = keep_prefixes
        self.state_dir = state_dir  # evaluated instructions saved here for the next process
        self._llm = None
        self._format = None
        self._prefixes: PrefixStore | None = None
        # One llama.cpp context serves one request at a time; the lock spans the whole stream.
        self._lock = threading.Lock()

    def _load(self) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError:
            raise ModelUnavailable(
                "llama-cpp-python is not installed: run the README's set-up command."
            ) from None
        self.model_path = self.locate()
        try:
            llm = Llama(model_path=str(self.model_path), verbose=False, seed=0, **self.kwargs)
        except ValueError as err:
            raise ModelUnavailable(
                f"llama.cpp cannot load {self.model_path} ({err}); the file may be truncated or damaged. "
                "If it is your RAG_MODEL_PATH, replace it or unset the variable; if it is the packaged "
                "model, delete it and run: python -m rag model"
            ) from None
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelUnavailable(f"{self.model_path} has no chat template in its metadata.")
        vocab = llm._model  # noqa: SLF001 - token texts for the template
        self._format = Jinja2ChatFormatter(
            template=template,
            eos_token=vocab.token_get_text(llm.token_eos()),
            bos_token=vocab.token_get_text(llm.token_bos()),
        )
        self._llm = llm
        self._prefixes = PrefixStore(llm, self._tokens, self.state_dir, model_identity(self.model_path))

    def load(self) -> None:
        """Load the model now (it otherwise loads on the first question)."""
        with self._lock:
            if self._llm is None:
                self._load()

    def _encode(self, messages: list[Message]) -> tuple[list[int], list[str]]:
        formatted = self._format(messages=messages)
        tokens = self._llm.tokenize(formatted.prompt.encode(), add_bos=False, special=True)
        return tokens, formatted.stop or []

    def _tokens(self, messages: list[Message]) -> list[int]:
        return self._encode(messages)[0]

    def prompt_tokens(self, messages: list[Message]) -> list[int]:
        """The exact tokens :meth:`stream` sends for ``messages`` (the benchmark replays them)."""
        self.load()
        return self._tokens(messages)

    def count_tokens(self, text: str) -> int:
        self.load()
        return len(self._llm.tokenize(text.encode(), add_bos=False, special=True))

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        with self._lock:
            if self._llm is None:
                self._load()
            llm = self._llm
            tokens, stop = self._encode(messages)
            if len(tokens) + max_tokens > llm.n_ctx():
                raise RagError(
                    f"The prompt has {len(tokens)} tokens, too many for a {llm.n_ctx()}-token "
                    "context; lower RAG_CONTEXT_TOKENS or raise RAG_N_CTX."
                )
            usage.prompt_tokens = len(tokens)
            start = time.perf_counter()
            perf = Perf(llm)
            ids: list[int] = []
            first: list[tuple[int, float]] = []
            primed = self._prefixes.prepare(messages, tokens) if self.keep_prefixes else 0
            # generate() always re-evaluates at least the last prompt token.
            usage.cached_tokens = min(cached_prefix(llm, tokens), len(tokens) - 1) - primed
            # Passing tokens lets llama.cpp reuse the cached prefix (the fixed instructions).
            pieces = llm.create_completion(
                tokens,
                max_tokens=max_tokens,
                temperature=0.0,
                top_k=1,
                stream=True,
                stop=stop,
                logits_processor=[_recorder(usage.token_probs, ids, first)],
            )
            for piece in pieces:
                text = piece["choices"][0]["text"]
                if not usage.completion_tokens:
                    usage.first_token_s = time.perf_counter() - start
                usage.completion_tokens += 1
                if text:
                    yield text
            usage.total_s = time.perf_counter() - start
            usage.prompt_eval_s, usage.eval_s = perf.read()
            usage.tokens = token_texts([llm.detokenize([i]) for i in ids[: usage.completion_tokens]])
            usage.first_top = [(llm.detokenize([i]).decode("utf-8", "replace"), p) for i, p in first]

    def judge(self, messages: list[Message]) -> float | None:
        """P(yes) / (P(yes) + P(no)) from the logits of the reply's first token.

        The messages usually continue the answer's own conversation, which the KV cache
        still holds, so only the few new tokens are evaluated (docs/history.md, the model check).
        """
        with self._lock:
            if self._llm is None:
                self._load()
            llm = self._llm
            tokens = self._encode(messages)[0]
            if len(tokens) >= llm.n_ctx():
                return None
            llm.n_tokens = min(cached_prefix(llm, tokens), len(tokens) - 1)
            llm.eval(tokens[llm.n_tokens :])
            # Without logits_all, llama.cpp keeps only the last position's logits, and
            # llama-cpp-python no longer copies them into ``scores``: read them directly.
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))  # noqa: SLF001
            yes, no = (self._choice_ids(words) for words in (_YES, _NO))
            return _two_way(logits, yes, no)

    def _choice_ids(self, words: tuple[str, ...]) -> list[int]:
        ids = {self._llm.tokenize(w.encode(), add_bos=False, special=False)[0] for w in words}
        return sorted(ids)


_YES = ("yes", "Yes", " yes", " Yes", "YES")
_NO = ("no", "No", " no", " No", "NO")


FIRST_TOP = 5  # first-token alternatives kept (OpenAI's top_logprobs allows up to 20)


def _recorder(probs: list[float], ids: list[int], first: list[tuple[int, float]]) -> Callable:
    """A logits processor that notes the top token and its probability, and changes nothing;
    at the first step also the ``FIRST_TOP`` likeliest tokens.

    Generation is greedy (top_k=1), so the top token is the one written.
    """

    def record(_ids, logits):  # noqa: ANN001, ANN202 - llama-cpp-python's callback
        scores = np.asarray(logits, dtype=np.float64)
        top = int(scores.argmax())
        weights = np.exp(scores - scores[top])
        total = weights.sum()
        probs.append(float(1.0 / total))
        if not ids:
            best = np.argsort(-scores)[:FIRST_TOP]
            first.extend((int(i), float(weights[i] / total)) for i in best)
        ids.append(top)
        return logits

    return record


def token_texts(pieces: list[bytes]) -> list[str]:
    """Each token's share of the decoded text; a character split over tokens goes to its last."""
    out, done, buf = [], 0, b""
    for piece in pieces:
        buf += piece
        text = buf.decode("utf-8", errors="ignore")
        out.append(text[done:])
        done = len(text)
    return out


def _two_way(logits, yes: list[int], no: list[int]) -> float:  # noqa: ANN001 - numpy row
    scores = np.asarray(logits, dtype=np.float64)
    top = scores[yes + no].max()
    p_yes, p_no = (np.exp(scores[ids] - top).sum() for ids in (yes, no))
    return float(p_yes / (p_yes + p_no))


class OpenAICompatLLM(LLM):
    """Any OpenAI-compatible chat server: llama_cpp.server, llama.cpp's llama-server, vLLM, ...

    Several app processes can share one such server (or a pool behind a proxy), which is
    how the product runs for a team: the model is loaded once, not once per process.

    What it fills depends on the server: the token counts come from the stream's ``usage``
    (asked for with ``stream_options``) and are estimates without it; the token signals need
    logprobs, and ``cached_tokens`` needs ``usage.prompt_tokens_details``. llama.cpp's own
    clocks are never sent.
    """

    unfilled: ClassVar[frozenset[str]] = frozenset({"prompt_eval_s", "eval_s"})

    def __init__(self, base_url: str, model: str, api_key: str) -> None:
        try:
            from openai import OpenAI
        except ImportError:
            raise ModelUnavailable("The openai package is needed for RAG_LLM_BACKEND=openai.") from None
        # One retry covers a server restart; more would keep a user waiting on a dead server.
        self.client = OpenAI(base_url=base_url, api_key=api_key, timeout=600, max_retries=1)
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        # Cleared once the server rejects logprobs, so later questions do not pay that request again.
        self.logprobs = True

    def _open(self, messages: list[Message], max_tokens: int):  # noqa: ANN202 - openai's Stream
        """Start the streamed reply, with token logprobs where the server takes the parameters."""
        import openai

        request = dict(
            model=self.model,
            messages=messages,
            max_tokens=max_tokens,
            temperature=0.0,
            stream=True,
            stream_options={"include_usage": True},
        )
        if not self.logprobs:
            return self.client.chat.completions.create(**request)
        try:
            # llama_cpp.server gives no logprobs at all unless top_logprobs is set too.
            return self.client.chat.completions.create(**request, logprobs=True, top_logprobs=FIRST_TOP)
        except openai.APIStatusError as err:
            if err.status_code not in (400, 422):
                raise
        # A 400 may also be a prompt too long: only a success without logprobs says they were the cause.
        events = self.client.chat.completions.create(**request)
        self.logprobs = False
        return events

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        import openai

        start = time.perf_counter()
        pieces = 0
        entries: list = []  # the logprobs of each token written, where the server sends them
        finish = None
        counted = None  # the server's usage, where it sends one (a final chunk with no choices)
        try:
            for event in self._open(messages, max_tokens):
                if event.usage:
                    counted = event.usage
                if not event.choices:
                    continue
                choice = event.choices[0]
                finish = choice.finish_reason or finish
                if choice.logprobs and choice.logprobs.content:
                    entries.extend(choice.logprobs.content)
                if choice.delta and choice.delta.content:
                    if not usage.first_token_s:
                        usage.first_token_s = time.perf_counter() - start
                    pieces += 1
                    yield choice.delta.content
        except openai.APIStatusError as err:
            raise ModelUnavailable(self._status_message(err)) from None
        except (openai.APIError, OSError) as err:  # refused, timed out, or dropped mid-answer
            if pieces:
                raise ModelUnavailable(
                    f"The connection to the model server at {self.base_url} was lost mid-answer "
                    f"({_cause(err)}); check that it is still running and ask again."
                ) from None
            raise ModelUnavailable(
                f"Cannot reach the model server at {self.base_url} ({_cause(err)}); start it "
                "(python -m llama_cpp.server --model PATH --port PORT) or fix RAG_OPENAI_BASE_URL."
            ) from None
        usage.total_s = time.perf_counter() - start
        _fill_counts(usage, counted, pieces, lambda: self.estimate_prompt_tokens(messages))
        _fill_token_signals(usage, entries, stopped=finish == "stop")
        usage.unfilled = sorted(self.unfilled | _unsent(usage, counted))

    def estimate_prompt_tokens(self, messages: list[Message]) -> int:
        """An estimate of the prompt's tokens, for a server that reports no usage (llama_cpp.server
        when streaming).

        Only the server knows its model's chat template, so the messages' texts are counted
        without it: by the server's tokenizer where it offers one (llama_cpp.server's
        ``/extras/tokenize/count``), a few tokens short for each message's framing; elsewhere
        at ~4 characters a token.
        """
        import json
        import urllib.request

        text = "\n".join(m["content"] for m in messages)
        request = urllib.request.Request(
            self.base_url.removesuffix("/v1") + "/extras/tokenize/count",
            data=json.dumps({"input": text}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(json.load(response)["count"])
        except (OSError, ValueError, KeyError, TypeError):
            return len(text) // 4

    def _status_message(self, err) -> str:  # noqa: ANN001 - openai.APIStatusError
        where = f"The model server at {self.base_url}"
        code = err.status_code
        # The client prefixes "Error code: 500 - "; the status is said once below.
        detail = " ".join(re.sub(r"^Error code: \d+ - ", "", str(err.message)).split())[:200]
        if code in (401, 403):
            return f"{where} refused the API key ({code}); set RAG_OPENAI_API_KEY to the key it expects."
        if code == 404:
            return (
                f"{where} answered 404 ({detail}); check RAG_OPENAI_BASE_URL (it usually ends in /v1) "
                f"and RAG_OPENAI_MODEL ({self.model!r})."
            )
        if code in (429, 503):
            return f"{where} is busy ({code}); try again shortly, or start more model servers."
        if code in (400, 413, 422):
            return (
                f"{where} rejected the request ({code}: {detail}); if the prompt is too long for its "
                "context, lower RAG_CONTEXT_TOKENS or start the server with a larger --n_ctx."
            )
        return f"{where} failed ({code}: {detail}); see its log, and restart it if this repeats."


def _fill_counts(usage: Usage, counted, pieces: int, estimate: Callable[[], int]) -> None:  # noqa: ANN001
    """The token counts from the server's ``usage``; where it sent none, estimates, named in
    ``usage.estimated``: the pieces streamed (one a token on llama_cpp.server, not on every
    server) and :meth:`OpenAICompatLLM.estimate_prompt_tokens`."""
    prompt = getattr(counted, "prompt_tokens", None)
    completion = getattr(counted, "completion_tokens", None)
    if isinstance(prompt, int) and prompt > 0:
        usage.prompt_tokens = prompt
    else:
        usage.prompt_tokens = estimate()
        usage.estimated.append("prompt_tokens")
    if isinstance(completion, int) and (completion > 0 or not pieces):
        usage.completion_tokens = completion
    else:
        usage.completion_tokens = pieces
        usage.estimated.append("completion_tokens")
    cached = getattr(getattr(counted, "prompt_tokens_details", None), "cached_tokens", None)
    if isinstance(cached, int):
        usage.cached_tokens = cached


def _unsent(usage: Usage, counted) -> set[str]:  # noqa: ANN001 - openai's CompletionUsage or None
    """The fields the server could have filled but did not this time."""
    details = getattr(counted, "prompt_tokens_details", None)
    missing = set() if isinstance(getattr(details, "cached_tokens", None), int) else {"cached_tokens"}
    # No logprobs, or malformed ones; or no top_logprobs for the first token.
    return missing | {f for f in ("token_probs", "tokens", "first_top") if not getattr(usage, f)}


def _fill_token_signals(usage: Usage, entries: list, stopped: bool) -> None:
    """``usage``'s token signals from a chat stream's logprobs entries, as llama.cpp fills them.

    A server that sent none, or sent them malformed, leaves the lists empty: a missing signal
    the confidence knows how to do without, where a wrong one would mislead it.
    """
    if not entries or not all(map(_usable, entries)):
        return
    usage.token_probs = [math.exp(e.logprob) for e in entries]
    # The bytes, where given, rejoin a character split over tokens, whose texts are only parts of it.
    pieces = [bytes(e.bytes) if getattr(e, "bytes", None) else e.token.encode() for e in entries]
    usage.tokens = token_texts(pieces)
    # Sorted, not taken as sent: llama_cpp.server keys the list by token text (two tokens of one
    # text become one entry, in the first one's place with the second one's logprob), and appends
    # the written token when its repeat penalty, on by default, chose one outside the top.
    top = sorted(filter(_usable, getattr(entries[0], "top_logprobs", None) or []), key=lambda t: -t.logprob)
    usage.first_top = [(t.token, math.exp(t.logprob)) for t in top[:FIRST_TOP]]
    if stopped:  # the stop token has no entry; features read the last probability as the stop's
        usage.token_probs.append(1.0)
        usage.tokens.append("")


def _usable(entry: object) -> bool:
    return isinstance(getattr(entry, "token", None), str) and isinstance(
        getattr(entry, "logprob", None), (int, float)
    )


def _cause(err: BaseException) -> str:
    """The innermost reason, e.g. 'Connection refused', for a one-line message."""
    for _ in range(10):  # chains are short; the bound only guards against a cycle
        inner = err.__cause__ or err.__context__
        if inner is None:
            break
        err = inner
    return " ".join(str(err).split())[:200] or type(err).__name__


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_model_path(settings: Settings, progress: bool = True) -> Path:
    from rag.components import model_file

    if settings.model_path:
        return model_file.check_model(settings.model_path)
    return model_file.assemble(settings.model_dir, progress=progress)


def open_llm(settings: Settings) -> LLM:
    """The one place that picks the generator backend."""
    if settings.llm_backend == "openai":
        return OpenAICompatLLM(settings.openai_base_url, settings.openai_model, settings.openai_api_key)
    return LlamaCppLLM(
        lambda: resolve_model_path(settings),
        settings.n_ctx,
        settings.n_threads,
        settings.n_batch,
        state_dir=settings.model_dir / "prompt-cache",
    )
