#!/usr/bin/env bash
# Install the MCP Bundle CLI (@anthropic-ai/mcpb, a pinned version) under .tools/mcpb, for
# scripts/build_bundle.py and the bundle test. Idempotent and quiet: does nothing when that version is
# already there. Without npm it leaves a note on stderr and exits 0, so the bundle test skips (or fails
# under CI=true).
#
# 2.1.2 validates manifest_version 0.4, the first with the "uv" server type our bundle uses.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${MCPB_VERSION:-2.1.2}
prefix=.tools/mcpb
package=@anthropic-ai/mcpb
installed="$prefix/node_modules/$package/package.json"

if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "install_mcpb.sh: npm not found, and under CI=true every suite must run: install Node.js and npm" >&2
    exit 1
  fi
  echo "install_mcpb.sh: npm not found; skipping the MCPB CLI (the bundle test will skip)" >&2
  exit 0
fi

if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi

mkdir -p "$prefix"
# A package.json of our own keeps npm from walking up to a parent project.
if [ ! -f "$prefix/package.json" ]; then
  echo '{"name": "dealdesk-mcp-tools-mcpb", "private": true}' >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "$package@$version" >/dev/null
echo "install_mcpb.sh: MCPB CLI $version installed in $prefix" >&2
