#!/usr/bin/env bash
# Install Stoplight Prism (a pinned version) under .tools/prism for the contract tests, which run the
# vendors' OpenAPI documents as mock servers that validate every request our tools send.
# Idempotent and quiet: does nothing when that version is already there. Without npm it leaves a
# note on stderr and exits 0, so the contract tests skip (or fail under CI=true).
#
# 5.14.2 is the newest 5.x release that runs on Node 18/20; 5.15 and later need Node >= 24.
set -euo pipefail
cd "$(dirname "$0")/.."

exec bash scripts/npm_tool.sh install_prism.sh .tools/prism @stoplight/prism-cli "${PRISM_VERSION:-5.14.2}" \
  "Prism" "Prism (the contract tests will skip)"
