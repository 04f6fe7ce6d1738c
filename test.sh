#!/usr/bin/env bash
# Install everything (including headless Chromium for the browser test) and run all tests.
source "$(dirname "$0")/scripts/env.sh"
if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser test" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
ruff check .
exec python -m pytest "$@"
