#!/usr/bin/env bash
# Install Pipedrive's official Node.js client (npm package `pipedrive`, a pinned version) under
# .tools/pipedrive-client for tests/sandbox/test_official_client.py, which drives it against the
# standalone sandbox. Idempotent and quiet: does nothing when that version is already there. Without
# npm it leaves a note on stderr and exits 0, so that test skips (or fails under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

version=${PIPEDRIVE_CLIENT_VERSION:-33.7.0}
prefix=.tools/pipedrive-client
package=pipedrive
installed="$prefix/node_modules/$package/package.json"

if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "install_pipedrive_client.sh: npm not found, and under CI=true every suite must run: install Node.js and npm" >&2
    exit 1
  fi
  echo "install_pipedrive_client.sh: npm not found; skipping the official client (its test will skip)" >&2
  exit 0
fi

if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi

mkdir -p "$prefix"
# A package.json of our own keeps npm from walking up to a parent project.
if [ ! -f "$prefix/package.json" ]; then
  echo '{"name": "dealdesk-mcp-tools-pipedrive-client", "private": true}' >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "$package@$version" >/dev/null
echo "install_pipedrive_client.sh: Pipedrive's Node.js client $version installed in $prefix" >&2
