"""The app factory: FastAPI routes plus the Gradio UI mounted at ``/``, all in one process."""

from __future__ import annotations

import ipaddress
import logging
import threading

from fastapi import FastAPI

from rag.errors import RagError
from rag.factory import Rag
from rag.settings import Settings
from rag.web import api, openai_api
from rag.web.deps import Web, install_error_handlers

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Off loopback anyone on the network can reach the server: require both locks."""
    if is_loopback(settings.host):
        return
    missing = [
        name for name, value in (("RAG_API_KEY", settings.api_key), ("RAG_AUTH", settings.auth)) if not value
    ]
    if missing:
        raise RagError(
            f"Refusing to listen on {settings.host}: the server would be reachable from the network "
            f"without protection. Set {' and '.join(missing)} (API key for /api and /v1, "
            "'user:password' logins for the web UI), or keep RAG_HOST=127.0.0.1."
        )


def create_app(rag: Rag, ui: bool = True) -> FastAPI:
    """The whole web front over one built product. ``ui=False`` leaves out Gradio (API-only tests)."""
    app = FastAPI(
        title="newsrag",
        version="0.1.0",
        description="Ask questions about a folder of news articles; answers cite the sentences they rest on.",
    )
    app.state.web = Web.of(rag)
    install_error_handlers(app)
    app.include_router(api.health)
    app.include_router(api.router)
    app.include_router(openai_api.router)
    if not ui:
        return app
    import gradio as gr

    from rag.web.ui import CSS, build_blocks, parse_auth

    settings = rag.settings
    blocks = build_blocks(app.state.web)
    # Gradio's own queue also stays bounded; the gate inside ``respond`` is the shared limit.
    blocks.queue(max_size=settings.max_queue * 4)
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=parse_auth(settings.auth),
        max_file_size=settings.max_upload_bytes,
        css=CSS,
        footer_links=["api"],
        server_name=settings.host,
        server_port=settings.port,
    )


def warm_quietly(rag: Rag) -> None:
    """Load the models while the server starts. A failure is only logged: the first question
    meets the same error and shows it to the user with its remedy."""
    try:
        rag.warm()
    except Exception as err:  # noqa: BLE001 - any failure here is reported again on use
        log.warning("models not preloaded: %s", err)


def serve(settings: Settings) -> None:
    """Build, check, and serve until interrupted (``python app.py``)."""
    import uvicorn

    from rag.factory import build

    check_exposure(settings)
    rag = build(settings)
    app = create_app(rag)
    threading.Thread(target=warm_quietly, args=(rag,), name="warm-up", daemon=True).start()
    log.warning("newsrag on http://%s:%d  (API docs at /docs)", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
