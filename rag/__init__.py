"""Offline question answering over a folder of news articles, with citations.

Importing this package loads no model: weights load on first use.
"""

from rag.errors import RagError
from rag.settings import Settings

__all__ = ["RagError", "Settings", "build_service"]


def build_service(settings: Settings | None = None):  # noqa: ANN201 - lazy import
    """Build the answering service from settings (see :mod:`rag.factory`)."""
    from rag.factory import build_service as _build

    return _build(settings or Settings())
