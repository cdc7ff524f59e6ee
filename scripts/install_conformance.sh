#!/usr/bin/env bash
# Install the MCP conformance suite (a pinned version) under .tools/conformance for
# tests/transports/test_conformance.py, which runs its server scenarios against `dealdesk-mcp --sandbox`.
# Idempotent and quiet: does nothing when that version is already there. Without npm it leaves a
# note on stderr and exits 0, so the conformance test skips (or fails under CI=true).
#
# 0.1.13 is the newest release that runs on Node 20; 0.1.14 and later import fs.globSync (Node >= 22).
set -euo pipefail
cd "$(dirname "$0")/.."

exec bash scripts/npm_tool.sh install_conformance.sh .tools/conformance @modelcontextprotocol/conformance "${CONFORMANCE_VERSION:-0.1.13}" \
  "MCP conformance suite" "the conformance suite (its test will skip)"
