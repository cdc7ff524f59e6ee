#!/usr/bin/env bash
# Install the server into a project virtualenv (once) and run it; arguments go to dealdesk-mcp.
# Example: bash scripts/serve.sh --sandbox
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/dealdesk-mcp ]; then
  [ -x .venv/bin/python ] || "$python" -m venv .venv >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e . >&2
fi
exec .venv/bin/dealdesk-mcp "$@"
