#!/usr/bin/env bash
# Measures how long the board page takes to hydrate on a throttled link and
# CPU (end2end/hydration-time.mjs), against the release binary.
# Usage: scripts/hydration-time.sh [runs]   (after scripts/build.sh)
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$TASKFLOW_ROOT"
port=${HYDRATION_PORT:-3127}
dir=$(mktemp -d)
(cd "$dir" && exec "$(tf_binary)" --bind "127.0.0.1:$port" --log warn) &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
(cd end2end && node hydration-time.mjs "http://127.0.0.1:$port" "${1:-5}")
