#!/usr/bin/env bash
# Prints the browser bundle's sizes (raw and gzip -9) and fails when the WASM
# is over its gzip budget, so the bundle cannot silently grow back.
#
# The budget (TASKFLOW_WASM_GZIP_BUDGET_KB) is a ceiling just above today's
# size; the goal is 400 KB gzip (issue 11, docs/performance.md), not reached yet.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$TASKFLOW_ROOT"
budget_kb=${TASKFLOW_WASM_GZIP_BUDGET_KB:-700}
pkg=target/site/pkg
[ -f "$pkg/taskflow.wasm" ] || { echo "bundle-size: no $pkg/taskflow.wasm; run scripts/build.sh first" >&2; exit 1; }
kb() { echo $(( ($1 + 1023) / 1024 )); }
for f in "$pkg/taskflow.wasm" "$pkg/taskflow.js" "$pkg/taskflow.css"; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  printf '%-28s %6s KB raw %6s KB gzip\n' "$(basename "$f")" "$(kb "$raw")" "$(kb "$gz")"
done
wasm_gz=$(gzip -9 -c "$pkg/taskflow.wasm" | wc -c)
if [ "$(kb "$wasm_gz")" -gt "$budget_kb" ]; then
  echo "bundle-size: the WASM is $(kb "$wasm_gz") KB gzip, over its budget of $budget_kb KB" >&2
  exit 1
fi
tf_log "WASM within its budget: $(kb "$wasm_gz") KB gzip <= $budget_kb KB"
