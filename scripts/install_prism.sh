#!/usr/bin/env bash
# Install Stoplight Prism (a pinned version) under .tools/prism for the contract tests, which run the
# vendors' OpenAPI documents as mock servers that validate every request our tools send.
# Idempotent and quiet: does nothing when that version is already there. Without npm it leaves a
# note on stderr and exits 0, so the contract tests skip (or fail under CI=true).
#
# 5.14.2 is the newest 5.x release that runs on Node 18/20; 5.15 and later need Node >= 24.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${PRISM_VERSION:-5.14.2}
prefix=.tools/prism
package=@stoplight/prism-cli
installed="$prefix/node_modules/$package/package.json"

if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "install_prism.sh: npm not found, and under CI=true every suite must run: install Node.js and npm" >&2
    exit 1
  fi
  echo "install_prism.sh: npm not found; skipping Prism (the contract tests will skip)" >&2
  exit 0
fi

if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi

mkdir -p "$prefix"
# A package.json of our own keeps npm from walking up to a parent project.
if [ ! -f "$prefix/package.json" ]; then
  echo '{"name": "dealdesk-mcp-tools-prism", "private": true}' >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "$package@$version" >/dev/null
echo "install_prism.sh: Prism $version installed in $prefix" >&2
