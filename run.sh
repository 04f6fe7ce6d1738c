#!/usr/bin/env bash
# Install everything, ingest seeds/ (only what changed), and serve the chat UI on 127.0.0.1.
source "$(dirname "$0")/scripts/env.sh"
python -m rag ingest seeds
exec python app.py "$@"
