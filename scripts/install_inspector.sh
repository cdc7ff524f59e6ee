#!/usr/bin/env bash
# Install the MCP Inspector (a pinned version) under .tools/inspector for the transport tests.
# Idempotent and quiet: does nothing when that version is already there. Without npm it leaves a
# note on stderr and exits 0, so the tests that need the Inspector skip (or fail under CI=true).
#
# 1.0.3 is the newest release whose CLI runs on Node 20; the 2.x line needs Node >= 22.19.
set -euo pipefail
cd "$(dirname "$0")/.."

exec bash scripts/npm_tool.sh install_inspector.sh .tools/inspector @modelcontextprotocol/inspector "${INSPECTOR_VERSION:-1.0.3}" \
  "MCP Inspector" "the MCP Inspector (its tests will skip)"
