"""Serve the chat UI and the HTTP API: ``python app.py`` (settings from RAG_* variables)."""

from __future__ import annotations

import logging
import sys

from rag.errors import RagError
from rag.settings import Settings


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        from rag.web.server import serve

        serve(Settings())
    except RagError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
