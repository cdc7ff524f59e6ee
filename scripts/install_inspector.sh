#!/usr/bin/env bash
# Install the MCP Inspector (a pinned version) under .tools/inspector for the transport tests.
# Idempotent and quiet: does nothing when that version is already there. Without npm it leaves a
# note on stderr and exits 0, so the tests that need the Inspector skip (or fail under CI=true).
#
# 1.0.3 is the newest release whose CLI runs on Node 20; the 2.x line needs Node >= 22.19.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${INSPECTOR_VERSION:-1.0.3}
prefix=.tools/inspector
package=@modelcontextprotocol/inspector
installed="$prefix/node_modules/$package/package.json"

if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "install_inspector.sh: npm not found, and under CI=true every suite must run: install Node.js and npm" >&2
    exit 1
  fi
  echo "install_inspector.sh: npm not found; skipping the MCP Inspector (its tests will skip)" >&2
  exit 0
fi

if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi

mkdir -p "$prefix"
# A package.json of our own keeps npm from walking up to a parent project.
if [ ! -f "$prefix/package.json" ]; then
  echo '{"name": "dealdesk-mcp-tools-inspector", "private": true}' >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "$package@$version" >/dev/null
echo "install_inspector.sh: MCP Inspector $version installed in $prefix" >&2
