#!/usr/bin/env bash
# Make sure `redis-server` is on PATH for the hosted-mode tests, which start their own Redis on a free
# loopback port (and stop it after); nothing here starts or enables a Redis service.
# - redis-server already there: does nothing.
# - root on Debian or Ubuntu: installs Debian's `redis-server` package with apt-get, with service starts
#   denied for the install (a policy-rc.d of our own, removed after, where the machine has none).
# - otherwise: a note on stderr and exit 0, so those tests skip; under CI=true it exits 1 instead, because
#   there every suite must run.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

cannot() {
  if [ "${CI:-}" = "true" ]; then
    echo "install_redis.sh: $1, and under CI=true every suite must run: install redis-server" >&2
    exit 1
  fi
  echo "install_redis.sh: $1; the multi-replica tests will skip (install redis-server to run them)" >&2
  exit 0
}

[ "$(id -u)" = "0" ] || cannot "redis-server not found and not root (apt-get needs root)"
command -v apt-get >/dev/null 2>&1 || cannot "redis-server not found and no apt-get (not Debian)"

policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi
cleanup() { if [ -n "$made_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

echo "install_redis.sh: installing Debian's redis-server package (apt-get; no service is started)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1 ||
    cannot "apt-get could not install redis-server"
fi
command -v redis-server >/dev/null 2>&1 || cannot "redis-server is still not on PATH after installing"
echo "install_redis.sh: $(redis-server --version | cut -d' ' -f1-3) installed" >&2
