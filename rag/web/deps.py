"""What every route needs: the built product, the gate, the library, the API-key check, error replies."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from rag.errors import BadArticle, BadQuestion, IndexMissing, ModelUnavailable, RagError
from rag.factory import Rag
from rag.web.gate import Busy, Gate
from rag.web.library import Library, TooLarge, TooMany

log = logging.getLogger(__name__)


@dataclass
class Web:
    rag: Rag
    gate: Gate
    library: Library

    @classmethod
    def of(cls, rag: Rag) -> Web:
        return cls(rag, Gate(rag.settings.max_queue), Library(rag))


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers


def web_of(request: Request) -> Web:
    return request.app.state.web


def require_key(request: Request) -> None:
    """``Authorization: Bearer <key>`` when ``settings.api_key`` is set."""
    key = web_of(request).rag.settings.api_key
    if not key:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), key.encode()):
        raise ApiError(
            401,
            "Missing or wrong API key: send the header 'Authorization: Bearer <RAG_API_KEY>'.",
            {"WWW-Authenticate": "Bearer"},
        )


# Most specific first: TooLarge and TooMany are BadArticles.
_STATUS: list[tuple[type[Exception], int]] = [
    (TooLarge, 413),
    (TooMany, 400),
    (BadQuestion, 400),
    (BadArticle, 422),
    (IndexMissing, 503),
    (ModelUnavailable, 503),
    (RagError, 400),
]


def status_for(err: Exception) -> int:
    return next((code for kind, code in _STATUS if isinstance(err, kind)), 500)


def error_json(status: int, message: str, headers: dict | None = None, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def _validation_message(err: RequestValidationError) -> tuple[int, str]:
    problems = []
    for e in err.errors():
        if e.get("type") == "json_invalid":
            why = e.get("ctx", {}).get("error", "parse error")
            return 400, f"The request body is not valid JSON ({why})."
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {e.get('msg', 'invalid')}")
    return 422, "Invalid request: " + "; ".join(problems)


def install_error_handlers(app) -> None:  # noqa: ANN001 - FastAPI
    """Every error leaves as ``{"error": "..."}`` with a fitting status; never a traceback."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, err: ApiError) -> JSONResponse:
        return error_json(err.status, str(err), err.headers)

    @app.exception_handler(Busy)
    async def _busy(request: Request, err: Busy) -> JSONResponse:
        return error_json(503, str(err), {"Retry-After": str(err.retry_after)})

    @app.exception_handler(RagError)
    async def _rag(request: Request, err: RagError) -> JSONResponse:
        return error_json(status_for(err), str(err))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        return error_json(*_validation_message(err))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, err: HTTPException) -> JSONResponse:
        return error_json(err.status_code, str(err.detail), getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, err: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return error_json(500, f"Internal error ({type(err).__name__}); the server log has the details.")
