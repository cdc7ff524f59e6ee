#!/usr/bin/env bash
# Install one pinned npm package under .tools/ for the tests (the install_*.sh scripts call this).
#   npm_tool.sh CALLER PREFIX PACKAGE VERSION LABEL WITHOUT
# CALLER names the script in messages, LABEL what was installed, WITHOUT what skips without npm.
# Idempotent and quiet: does nothing when that version is already there. Without npm it leaves a note
# on stderr and exits 0, so the tests that need the package skip (or it fails under CI=true, where
# every suite must run).
set -euo pipefail
cd "$(dirname "$0")/.."

caller=$1 prefix=$2 package=$3 version=$4 label=$5 without=$6
installed="$prefix/node_modules/$package/package.json"

if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "$caller: npm not found, and under CI=true every suite must run: install Node.js and npm" >&2
    exit 1
  fi
  echo "$caller: npm not found; skipping $without" >&2
  exit 0
fi

if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi

mkdir -p "$prefix"
# A package.json of our own keeps npm from walking up to a parent project.
if [ ! -f "$prefix/package.json" ]; then
  echo "{\"name\": \"dealdesk-mcp-tools-$(basename "$prefix")\", \"private\": true}" >"$prefix/package.json"
fi
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "$package@$version" >/dev/null
echo "$caller: $label $version installed in $prefix" >&2
