"""The OpenAI-compatible generator against a small scripted HTTP server on loopback.

The server speaks the real wire format (server-sent events, chunked encoding), so the
real ``openai`` client is exercised: usage reporting, token logprobs (in llama_cpp.server's
shape and in OpenAI's), every kind of server error, a connection refused and a connection
lost mid-answer.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.components.llm import FIRST_TOP, OpenAICompatLLM, Usage
from rag.errors import ModelUnavailable
from tests.robustness.conftest import free_port

MESSAGES = [
    {"role": "system", "content": "Answer from the sources."},
    {"role": "user", "content": "Sources:\n[1] CBP detained 242,000 migrants.\n\nQuestion: How many?"},
]


@dataclass
class Script:
    """What the scripted server does with the next requests."""

    reply: list[str] = field(default_factory=lambda: ["CBP detained ", "242,000 migrants ", "[1]."])
    usage: dict | None = None  # sent as a final chunk when set, as OpenAI and vLLM do
    status: int = 200
    drop_after: int | None = None  # close the connection after this many pieces
    tokenizer: bool = True  # offer llama_cpp.server's /extras/tokenize/count
    logprobs: list[dict] | None = None  # one logprobs entry per piece, sent when asked for
    reject_logprobs: int | None = None  # answer a request for logprobs with this status
    finish: str = "stop"
    requests: list[dict] = field(default_factory=list)


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            script.requests.append({"path": self.path, **body})
            if self.path == "/extras/tokenize/count":
                if not script.tokenizer:
                    return self._json(404, {"detail": "Not Found"})
                return self._json(200, {"count": len(body["input"].split())})
            if script.status != 200:
                return self._json(script.status, {"error": {"message": f"scripted {script.status}"}})
            if script.reject_logprobs and "logprobs" in body:
                return self._json(script.reject_logprobs, {"error": {"message": "logprobs: extra field"}})
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._chunk(_event({"role": "assistant"}))  # llama_cpp.server opens with the role alone
            for i, piece in enumerate(script.reply):
                if script.drop_after is not None and i == script.drop_after:
                    self.wfile.flush()
                    self.connection.shutdown(2)  # no final chunk: the body is cut short
                    self.close_connection = True
                    return
                entry = script.logprobs[i] if script.logprobs and body.get("logprobs") else None
                self._chunk(_event({"content": piece}, entry))
            self._chunk(_event({}, finish=script.finish))
            if script.usage:
                self._chunk(b"data: " + json.dumps(_completion([], script.usage)).encode() + b"\n\n")
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")

    return Handler


def _completion(choices: list, usage: dict | None = None) -> dict:
    return {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": choices,
            "usage": usage}


def _event(delta: dict, entry: dict | None = None, finish: str | None = None) -> bytes:
    logprobs = {"content": [entry], "refusal": None} if entry else None
    choice = {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
    return b"data: " + json.dumps(_completion([choice])).encode() + b"\n\n"


def _entry(
    token: str, logprob: float, top: list[tuple[str, float]] | None = None, raw: bytes | None = None
) -> dict:
    """A token's logprobs as the stream carries them; llama_cpp.server sends no bytes."""
    alternatives = [{"token": t, "logprob": lp, "bytes": None} for t, lp in top or []]
    raw_list = list(raw) if raw is not None else None
    return {"token": token, "logprob": logprob, "bytes": raw_list, "top_logprobs": alternatives}


@pytest.fixture
def server() -> Iterator[tuple[Script, str]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield script, f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def _ask(base_url: str, api_key: str = "k") -> tuple[str, Usage]:
    llm = OpenAICompatLLM(base_url, "local", api_key)
    usage = Usage()
    return "".join(llm.stream(MESSAGES, 64, usage)), usage


def test_streams_the_reply_and_takes_usage_from_the_server(server):
    script, url = server
    script.usage = {"prompt_tokens": 57, "completion_tokens": 3, "total_tokens": 60}
    text, usage = _ask(url)
    assert text == "CBP detained 242,000 migrants [1]."
    assert (usage.prompt_tokens, usage.completion_tokens) == (57, 3) and usage.estimated == []
    request = script.requests[0]
    assert request["messages"] == MESSAGES and request["temperature"] == 0.0 and request["stream"] is True
    assert request["stream_options"] == {"include_usage": True}  # the final chunk carries the usage
    assert [r["path"] for r in script.requests] == ["/v1/chat/completions"]  # no extra tokenize call


def test_cached_tokens_come_from_the_servers_prompt_details(server):
    script, url = server
    script.usage = {"prompt_tokens": 57, "completion_tokens": 3, "total_tokens": 60,
                    "prompt_tokens_details": {"cached_tokens": 40}}  # fmt: skip
    _, usage = _ask(url)
    assert usage.cached_tokens == 40 and "cached_tokens" not in usage.unfilled


def test_what_the_server_does_not_send_is_declared_unfilled(server):
    script, url = server
    script.usage = {"prompt_tokens": 57, "completion_tokens": 3, "total_tokens": 60}
    _, usage = _ask(url)
    # llama.cpp's own clocks never cross the wire; no prompt details and no logprobs this time.
    assert OpenAICompatLLM.unfilled == {"prompt_eval_s", "eval_s"}
    assert usage.unfilled == sorted({"prompt_eval_s", "eval_s", "cached_tokens", "token_probs", "tokens",
                                     "first_top"})  # fmt: skip
    assert usage.first_token_s > 0 and usage.total_s >= usage.first_token_s


def test_without_usage_the_counts_are_marked_estimates(server):
    # llama_cpp.server streams no usage, even asked for it: the counts are ours, and say so.
    script, url = server
    _, usage = _ask(url)
    assert sorted(usage.estimated) == ["completion_tokens", "prompt_tokens"]
    assert usage.completion_tokens == 3  # one streamed piece a token
    counted = script.requests[-1]
    assert counted["path"] == "/extras/tokenize/count"
    # The messages' texts, with no chat template guessed for a model the server alone knows.
    assert counted["input"] == "\n".join(m["content"] for m in MESSAGES)
    assert usage.prompt_tokens == len(counted["input"].split())


def test_without_usage_or_tokenizer_the_prompt_is_estimated(server):
    script, url = server
    script.tokenizer = False
    _, usage = _ask(url)
    chars = sum(len(m["content"]) for m in MESSAGES)
    assert chars // 5 < usage.prompt_tokens < chars // 3
    assert "prompt_tokens" in usage.estimated


def test_a_count_the_server_reports_as_zero_is_estimated_not_shown_as_zero(server):
    script, url = server
    script.usage = {"prompt_tokens": 0, "completion_tokens": 3, "total_tokens": 3}
    _, usage = _ask(url)
    assert usage.prompt_tokens > 0 and usage.estimated == ["prompt_tokens"]


@pytest.mark.parametrize(
    ("usage", "estimated"),
    [
        (None, ["completion_tokens", "prompt_tokens"]),
        ({"prompt_tokens": 57, "completion_tokens": 3, "total_tokens": 60}, []),
    ],
)
def test_the_answer_says_whether_its_token_counts_are_estimates(server, tmp_path, usage, estimated):
    from rag.factory import build
    from rag.settings import Settings
    from tests.conftest import SEEDS
    from tests.fakes import HashEmbedder

    script, url = server
    script.usage = usage
    llm = OpenAICompatLLM(url, "local", "k")
    rag = build(Settings(data_dir=tmp_path / "data"), llm=llm, embedder=HashEmbedder())
    rag.ingestor.ingest_path(SEEDS)
    result = rag.service.ask("How many migrants did CBP detain on the Mexican border in November?")
    assert _chat_requests(script), result.model_dump_json(indent=1)  # the model was asked
    assert result.estimated == estimated and result.prompt_tokens > 0
    assert result.model_dump()["estimated"] == estimated  # what the API and `ask --json` print


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "refused the API key (401); set RAG_OPENAI_API_KEY"),
        (404, "answered 404 (scripted 404); check RAG_OPENAI_BASE_URL (it usually ends in /v1)"),
        (400, "rejected the request (400: scripted 400); if the prompt is too long"),
        (503, "is busy (503); try again shortly, or start more model servers."),
        (500, "failed (500: scripted 500); see its log"),
    ],
)
def test_server_errors_become_model_unavailable_with_a_remedy(server, status, message):
    script, url = server
    script.status = status
    with pytest.raises(ModelUnavailable) as err:
        _ask(url)
    assert str(err.value).startswith(f"The model server at {url} {message}")


def test_connection_refused_names_the_url_and_how_to_start_a_server():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelUnavailable) as err:
        _ask(url)
    message = str(err.value)
    assert message.startswith(f"Cannot reach the model server at {url} (")
    assert "python -m llama_cpp.server --model PATH --port PORT" in message
    assert "RAG_OPENAI_BASE_URL" in message


def test_a_connection_lost_mid_answer_is_model_unavailable(server):
    script, url = server
    script.drop_after = 2
    llm = OpenAICompatLLM(url, "local", "k")
    got = []
    with pytest.raises(ModelUnavailable) as err:
        for piece in llm.stream(MESSAGES, 64, Usage()):
            got.append(piece)
    assert got == ["CBP detained ", "242,000 migrants "]
    assert str(err.value).startswith(f"The connection to the model server at {url} was lost mid-answer")


def _chat_requests(script: Script) -> list[dict]:
    return [r for r in script.requests if r["path"] == "/v1/chat/completions"]


# llama_cpp.server's first top_logprobs come from a dict keyed by token text: not best first
# where two tokens share a text, and with the written token appended after the top ones.
SERVER_FIRST_TOP = [("The", -1.2), ("I", -2.5), ("In", -1.9), ("CBP", -0.4), ("A", -3.1), ("cb", -4.0)]


def test_token_logprobs_fill_the_token_signals_aligned_with_the_text(server):
    script, url = server
    script.reply = ["CBP", " detained", " 242", ",000", " migrants", " [1]."]
    logprobs = [-0.4, -0.05, -1.6, -0.01, -0.2, -0.3]
    script.logprobs = [
        _entry(t, lp, SERVER_FIRST_TOP if i == 0 else [(t, lp)])
        for i, (t, lp) in enumerate(zip(script.reply, logprobs, strict=True))
    ]
    text, usage = _ask(url)
    assert text == "CBP detained 242,000 migrants [1]."
    assert script.requests[0]["logprobs"] is True and script.requests[0]["top_logprobs"] == FIRST_TOP
    assert usage.token_probs == pytest.approx([math.exp(lp) for lp in logprobs] + [1.0])  # then the stop
    assert usage.tokens == [*script.reply, ""]
    assert "".join(usage.tokens) == text
    best = sorted(SERVER_FIRST_TOP, key=lambda t: -t[1])[:FIRST_TOP]
    assert [t for t, _ in usage.first_top] == ["CBP", "The", "In", "I", "A"] == [t for t, _ in best]
    assert [p for _, p in usage.first_top] == pytest.approx([math.exp(lp) for _, lp in best])


def test_token_bytes_rejoin_a_character_split_over_tokens(server):
    script, url = server
    # OpenAI's shape: a token holding part of a character is named by its bytes, and the
    # text arrives with the token that completes it. Cut short by max_tokens: no stop entry.
    script.reply, script.finish = ["L", "", "ópez"], "length"
    script.logprobs = [
        _entry("L", -0.1, raw=b"L"),
        _entry("bytes:\\xc3", -0.2, raw=b"\xc3"),
        _entry("bytes:\\xb3pez", -0.3, raw=b"\xb3pez"),
    ]
    text, usage = _ask(url)
    assert text == "López"
    assert usage.tokens == ["L", "", "ópez"]
    assert usage.token_probs == pytest.approx([math.exp(-0.1), math.exp(-0.2), math.exp(-0.3)])


def test_a_server_that_ignores_logprobs_leaves_the_token_signals_empty(server):
    script, url = server
    text, usage = _ask(url)
    assert text == "CBP detained 242,000 migrants [1]."
    assert script.requests[0]["logprobs"] is True  # asked for, not given
    assert (usage.token_probs, usage.tokens, usage.first_top) == ([], [], [])


@pytest.mark.parametrize("status", [400, 422])
def test_a_server_that_rejects_logprobs_answers_without_them_from_then_on(server, status):
    script, url = server
    script.reject_logprobs = status
    script.logprobs = [_entry(t, -0.1) for t in script.reply]
    llm = OpenAICompatLLM(url, "local", "k")
    usage = Usage()
    assert "".join(llm.stream(MESSAGES, 64, usage)) == "CBP detained 242,000 migrants [1]."
    assert [("logprobs" in r) for r in _chat_requests(script)] == [True, False]
    assert usage.token_probs == [] and usage.completion_tokens == 3
    text, _ = llm.complete(MESSAGES, 64)
    assert text == "CBP detained 242,000 migrants [1]."
    assert [("logprobs" in r) for r in _chat_requests(script)] == [True, False, False]


def test_a_400_for_another_cause_is_reported_and_keeps_asking_for_logprobs(server):
    script, url = server
    script.status = 400
    llm = OpenAICompatLLM(url, "local", "k")
    with pytest.raises(ModelUnavailable, match=r"rejected the request \(400: scripted 400\)"):
        llm.complete(MESSAGES, 64)
    assert [("logprobs" in r) for r in _chat_requests(script)] == [True, False]
    assert llm.logprobs
