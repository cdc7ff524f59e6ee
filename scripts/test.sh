#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs, then runs pytest.
# - a project virtualenv (.venv) with the package and its test extras;
# - Prism, the MCP Inspector, the MCPB CLI and the MCP conformance suite under .tools/ when npm is present
#   (their suites skip without them, except under CI=true, where they must run);
# - redis-server (Debian's package, with apt-get where root) for the hosted-mode replica tests, which start
#   their own Redis on a free loopback port; without it they skip, except under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"

for installer in scripts/install_prism.sh scripts/install_inspector.sh scripts/install_mcpb.sh scripts/install_conformance.sh scripts/install_pipedrive_client.sh scripts/install_redis.sh; do
  if [ -f "$installer" ]; then
    bash "$installer"
  fi
done

exec .venv/bin/python -m pytest "$@"
