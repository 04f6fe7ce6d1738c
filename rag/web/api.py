"""REST routes: ask, list/upload/delete articles, re-index, health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from rag.retrieval.filters import Filters
from rag.service import AskOptions
from rag.types import Answer, ArticleMeta, Turn
from rag.web.deps import ApiError, error_json, require_key, status_for, web_of
from rag.web.library import Upload

router = APIRouter(prefix="/api", dependencies=[Depends(require_key)], tags=["api"])
health = APIRouter(tags=["health"])


class AskRequest(BaseModel):
    question: str = Field(description="The question, in plain language.")
    history: list[Turn] = Field(default_factory=list, description="Earlier turns, oldest first.")
    top_k: int | None = Field(None, ge=1, le=50, description="Chunks kept after retrieval.")
    max_passages: int | None = Field(None, ge=1, le=20, description="Numbered sources in the prompt.")
    filters: Filters | None = Field(
        None,
        description='Answer only from these articles, e.g. {"sources": ["VOA"], "since": "2023-12-27"}. '
        "Retrieval searches inside them; an impossible filter (unknown outlet or id, a malformed "
        "date, since after until, no article left) is a 400 naming the problem.",
    )


class ArticleList(BaseModel):
    count: int
    articles: list[ArticleMeta]


@router.post("/ask", response_model=Answer, summary="Answer a question with cited sentences")
def ask(body: AskRequest, request: Request) -> dict:
    """The same JSON as ``python -m rag ask --json``."""
    web = web_of(request)
    options = AskOptions(top_k=body.top_k, max_passages=body.max_passages, filters=body.filters)
    return web.gate.ask(web.rag.service, body.question, body.history, options).model_dump()


@router.get("/articles", response_model=ArticleList, summary="Ingested articles")
def list_articles(request: Request) -> dict:
    articles = web_of(request).library.articles()
    return {"count": len(articles), "articles": [a.model_dump() for a in articles]}


@router.post(
    "/articles", summary="Upload .txt/.md/.html/.pdf/.docx articles and ingest them", status_code=201
)
async def upload_articles(request: Request, files: Annotated[list[UploadFile], File()]) -> JSONResponse:
    """Each file is ingested on its own; refused files are listed with the reason."""
    library = web_of(request).library
    library.check_count(len(files))
    limit = library.settings.max_upload_bytes
    # Read at most one byte over the limit: enough to refuse without holding a huge file.
    uploads = [Upload(f.filename or "", await f.read(limit + 1), f.size or 0) for f in files]
    result = await run_in_threadpool(library.add_many, uploads)
    body = {
        "added": [m.model_dump() for m in result.added],
        "refused": [{"name": n, "error": str(err)} for n, err in result.refused],
    }
    if not result.refused:
        return JSONResponse(body, status_code=201)
    message = "; ".join(str(err) for _, err in result.refused)
    if result.added:
        return error_json(200, f"Some files were refused: {message}", **body)
    # All refused: 413 if every one was too large, else the status of the first kind of problem.
    codes = {status_for(err) for _, err in result.refused}
    return error_json(codes.pop() if len(codes) == 1 else 422, message, **body)


@router.delete("/articles/{doc_id}", summary="Remove an article from the index")
def delete_article(doc_id: str, request: Request) -> dict:
    if not web_of(request).library.delete(doc_id):
        raise ApiError(404, f"No article with id {doc_id!r}; GET /api/articles lists them.")
    return {"deleted": doc_id}


@router.post("/reindex", summary="Re-read every article's file; changed files are re-embedded")
def reindex(request: Request) -> dict:
    report = web_of(request).library.reindex()
    return {
        "summary": report.summary(),
        "updated": report.updated,
        "added": report.added,
        "skipped": [{"name": n, "error": why} for n, why in report.skipped],
    }


@health.get("/healthz", summary="Liveness and index size")
def healthz(request: Request) -> dict:
    return {"status": "ok", "articles": len(web_of(request).rag.store.articles())}
