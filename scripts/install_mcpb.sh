#!/usr/bin/env bash
# Install the MCP Bundle CLI (@anthropic-ai/mcpb, a pinned version) under .tools/mcpb, for
# scripts/build_bundle.py and the bundle test. Idempotent and quiet: does nothing when that version is
# already there. Without npm it leaves a note on stderr and exits 0, so the bundle test skips (or fails
# under CI=true).
#
# 2.1.2 validates manifest_version 0.4, the first with the "uv" server type our bundle uses.
set -euo pipefail
cd "$(dirname "$0")/.."

exec bash scripts/npm_tool.sh install_mcpb.sh .tools/mcpb @anthropic-ai/mcpb "${MCPB_VERSION:-2.1.2}" \
  "MCPB CLI" "the MCPB CLI (the bundle test will skip)"
