#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis that the scale-out tests use are up on
# this machine (127.0.0.1:5432 and :6379), starting local installs that are
# stopped. It never installs them: where they are missing it says so, and the
# tests that need them then fail with a clear message.
#
#   scripts/services.sh        # start what is stopped; exit 1 if one is unreachable
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
status=0

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    tf_log "starting PostgreSQL"
    for version in /etc/postgresql/*; do
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start 2>/dev/null || true
    done
    for _ in $(seq 50); do pg_up && break; sleep 0.2; done
  fi
  pg_up || { echo "services: PostgreSQL is not reachable on 127.0.0.1:5432 (install it, or start it)" >&2; status=1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    tf_log "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do redis_up && break; sleep 0.2; done
  fi
  redis_up || { echo "services: Redis is not reachable on 127.0.0.1:6379 (install it, or start it)" >&2; status=1; }
fi
exit $status
