"""The web front: a Gradio chat UI and an HTTP API (REST and OpenAI-compatible) in one FastAPI app.

Everything here is a thin shell over ``rag.factory.build(settings)``: answers come
from ``RagService.stream`` and uploads go through the same ``Ingestor`` the CLI uses.
"""

import os

# Offline product: Gradio must not ping its servers for usage statistics or new versions.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
