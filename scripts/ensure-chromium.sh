#!/usr/bin/env bash
# The e2e tests and benchmarks drive Debian's Chromium (a downloaded browser cannot be fetched here).
# Installs it when missing and we are allowed to (root); otherwise says what to do.
set -euo pipefail
BIN="${PEAPOD_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$BIN" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium (needed by the end-to-end tests)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium not found at $BIN. Install it (sudo apt-get install chromium) or set PEAPOD_CHROMIUM to a Chromium binary." >&2
exit 1
