#!/usr/bin/env bash
# Installs what a fresh machine lacks: Debian's Chromium (for the e2e tests and
# for trying the lab headless) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v /usr/bin/chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: run 'sudo apt-get install -y chromium' (e2e tests need /usr/bin/chromium)." >&2
  fi
fi

# onnxruntime-node ships its CPU binaries; its postinstall would try a download.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
