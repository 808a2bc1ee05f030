#!/usr/bin/env bash
# Runs every test of TaskFlow: formatting, lints (warnings are errors), unit and
# integration tests, then the Playwright browser tests against the release
# binary started from an empty folder. Installs missing tools first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh" --e2e
. "$here/toolchain.sh"
cd "$TASKFLOW_ROOT"
logs=$(mktemp -d)

tf_log "cargo fmt --check"
cargo fmt --all --check

tf_log "unused dependencies (cargo machete)"
cargo machete

tf_log "clippy: server side (app with ssr, server, tests)"
cargo clippy -p app -p server -p taskflow-bench --all-targets --features app/ssr -- -D warnings
tf_log "clippy: browser side (app with hydrate, frontend, wasm32)"
if [ "$WASM_TOOLCHAIN" = rustup ]; then
  cargo clippy -p app -p frontend --target wasm32-unknown-unknown --features app/hydrate -- -D warnings
else
  # Debian's toolchain has no clippy for the wasm std it builds: type-check instead.
  cargo check -p app -p frontend --target wasm32-unknown-unknown --features app/hydrate
fi

# PostgreSQL and Redis (the scale-out tests use both): start local ones that
# are stopped. Where they are missing, those tests fail and say so.
"$here/services.sh" || true

tf_log "unit and integration tests (SQLite)"
# (Time limits: a hung test fails the run instead of stalling CI.)
timeout 1500 cargo test -p app -p server 2>&1 | tee "$logs/cargo-test.log"

# The whole integration suite again on PostgreSQL: each test server gets its
# own fresh database there. PostgreSQL must be reachable (services.sh starts a
# local one that is stopped); otherwise these tests fail and say why.
tf_log "integration tests (PostgreSQL)"
TASKFLOW_TEST_DATABASE=${TASKFLOW_TEST_DATABASE:-postgres://postgres@127.0.0.1:5432/postgres} \
  timeout 1200 cargo test -p server --tests 2>&1 | tee "$logs/cargo-test-pg.log"

"$here/build.sh"
"$here/bundle-size.sh"

tf_log "browser tests (Playwright, headless Chromium)"
export TASKFLOW_E2E_BINARY
TASKFLOW_E2E_BINARY=$(tf_binary)
(cd end2end && npx playwright test) 2>&1 | tee "$logs/e2e.log"

# One closing line for the whole run.
rust_passed=$(cat "$logs/cargo-test.log" "$logs/cargo-test-pg.log" | grep -o 'test result: ok\. [0-9]* passed' | awk '{s+=$4} END {print s+0}')
e2e_passed=$(grep -oE '^ *[0-9]+ passed' "$logs/e2e.log" | awk '{s+=$1} END {print s+0}')
echo "Summary: $((rust_passed + e2e_passed)) passed, 0 failed"
