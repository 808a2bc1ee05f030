#!/usr/bin/env bash
# Builds the release binary with the browser bundle embedded:
# first the WASM/JS/CSS site, then the server, which embeds it (server/build.rs).
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$TASKFLOW_ROOT"
tf_log "building the browser bundle (WASM, JS, CSS)"
# --split: each page's code becomes a WASM chunk of its own, loaded when the
# page is shown (the lazy routes in app/src/ui/mod.rs).
cargo leptos build --release --frontend-only --split
tf_log "building the server binary (embeds the bundle)"
cargo leptos build --release --server-only
tf_log "built $(tf_binary)"
