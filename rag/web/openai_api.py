"""An OpenAI-compatible chat endpoint, so existing OpenAI clients can chat with the articles.

The last user message is the question and earlier user/assistant messages are
the history; system prompts are ignored (the answering prompt is fixed). An extra
``filters`` field (as in POST /api/ask) restricts the articles answers come from. The
reply carries extra fields: ``citations``, ``abstained``, ``unsupported``, ``confidence``,
``evidence`` and
``answer`` (the checked text) — in the response, or in the final stream chunk.
Streamed ``content`` is the model's text as generated; the checked ``answer`` in
the last chunk may differ (invalid markers dropped, or an abstention).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.errors import RagError
from rag.retrieval.filters import Filters
from rag.service import AskOptions
from rag.types import Answer, AnswerStream, Turn
from rag.web.deps import ApiError, require_key, web_of

MODEL_ID = "newsrag"
router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)], tags=["openai"])


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens... are accepted and ignored
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    filters: Filters | None = Field(
        None,
        description="newsrag extra: answer only from these articles (as in POST /api/ask); "
        'with the openai client, pass extra_body={"filters": {...}}.',
    )


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, list):  # [{"type": "text", "text": ...}, ...]
        return " ".join(str(part.get("text", "")) for part in message.content if part.get("type") == "text")
    return message.content or ""


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, history) from an OpenAI message list."""
    if messages[-1].role != "user":
        raise ApiError(400, "The last message must have role 'user': it is the question.")
    history = [Turn(role=m.role, content=_text(m)) for m in messages[:-1] if m.role in ("user", "assistant")]
    return _text(messages[-1]), history


def extras(answer: Answer) -> dict:
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "citations": [c.model_dump() for c in answer.citations],
        "unsupported": answer.unsupported,
        "confidence": answer.confidence,
        "threshold": answer.threshold,
        "evidence": [c.model_dump() for c in answer.evidence],  # under an abstention; not an answer
        "estimated": answer.estimated,  # which of the usage counts are estimates (a model server's)
    }


def _usage(answer: Answer) -> dict:
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.prompt_tokens + answer.completion_tokens,
    }


@router.get("/models", summary="The one model: the articles")
def models() -> dict:
    model = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "newsrag"}
    return {"object": "list", "data": [model]}


@router.post("/chat/completions", summary="OpenAI-compatible chat (streaming or not)")
def chat_completions(body: ChatRequest, request: Request):  # noqa: ANN201 - JSON or a stream
    web = web_of(request)
    question, history = split_messages(body.messages)
    # Started before responding, so a refusal or a bad question is a proper 4xx/503, not a broken stream.
    stream = web.gate.stream(web.rag.service, question, history, AskOptions(filters=body.filters))
    head = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": body.model}
    if body.stream:
        return StreamingResponse(_sse(stream, head), media_type="text/event-stream")
    answer = stream.answer
    message = {"role": "assistant", "content": answer.answer}
    return {
        **head,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": _usage(answer),
        **extras(answer),
    }


def _sse(stream: AnswerStream, head: dict) -> Iterator[str]:
    def chunk(delta: dict, finish: str | None = None, **more: object) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        payload = {**head, "object": "chat.completion.chunk", "choices": [choice], **more}
        return f"data: {json.dumps(payload)}\n\n"

    try:
        yield chunk({"role": "assistant", "content": ""})
        for piece in stream:
            yield chunk({"content": piece})
        yield chunk({}, "stop", usage=_usage(stream.answer), **extras(stream.answer))
    except RagError as err:  # headers are sent: the error travels as a last event
        yield f"data: {json.dumps({'error': str(err)})}\n\n"
    finally:
        stream.close()
    yield "data: [DONE]\n\n"
