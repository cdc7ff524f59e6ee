#!/usr/bin/env bash
# Install the MCP conformance suite (a pinned version) under .tools/conformance for
# tests/transports/test_conformance.py, which runs its server scenarios against `dealdesk-mcp --sandbox`.
# Idempotent and quiet: does nothing when that version is already there. Without npm it leaves a
# note on stderr and exits 0, so the conformance test skips (or fails under CI=true).
#
# 0.1.13 is the newest release that runs on Node 20; 0.1.14 and later import fs.globSync (Node >= 22).
set -euo pipefail
cd "$(dirname "$0")/.."

version=${CONFORMANCE_VERSION:-0.1.13}
prefix=.tools/conformance
package=@modelcontextprotocol/conformance
installed="$prefix/node_modules/$package/package.json"

if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "install_conformance.sh: npm not found, and under CI=true every suite must run: install Node.js and npm" >&2
    exit 1
  fi
  echo "install_conformance.sh: npm not found; skipping the conformance suite (its test will skip)" >&2
  exit 0
fi

if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi

mkdir -p "$prefix"
# A package.json of our own keeps npm from walking up to a parent project.
if [ ! -f "$prefix/package.json" ]; then
  echo '{"name": "dealdesk-mcp-tools-conformance", "private": true}' >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "$package@$version" >/dev/null
echo "install_conformance.sh: MCP conformance suite $version installed in $prefix" >&2
