#!/usr/bin/env bash
# Install Pipedrive's official Node.js client (npm package `pipedrive`, a pinned version) under
# .tools/pipedrive-client for tests/sandbox/test_official_client.py, which drives it against the
# standalone sandbox. Idempotent and quiet: does nothing when that version is already there. Without
# npm it leaves a note on stderr and exits 0, so that test skips (or fails under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

exec bash scripts/npm_tool.sh install_pipedrive_client.sh .tools/pipedrive-client pipedrive "${PIPEDRIVE_CLIENT_VERSION:-33.7.0}" \
  "Pipedrive's Node.js client" "the official client (its test will skip)"
