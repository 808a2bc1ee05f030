#!/usr/bin/env bash
# Builds the release binary with the browser bundle embedded:
# first the WASM/JS/CSS site, then the server, which embeds it (server/build.rs).
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$TASKFLOW_ROOT"
tf_log "building the browser bundle (WASM, JS, CSS)"
cargo leptos build --release --frontend-only
tf_log "building the server binary (embeds the bundle)"
cargo leptos build --release --server-only
tf_log "built $(tf_binary)"
