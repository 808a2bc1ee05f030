#!/usr/bin/env bash
# Prints the browser bundle's sizes (raw and gzip -9) and fails when the WASM
# is over its budgets, so the bundle cannot silently grow back.
#
# The bundle is split (`cargo leptos build --split`, scripts/build.sh): every
# page loads the main module (taskflow.wasm: the shell, the router, the live
# connection) and then the chunks of its own lazy route, as listed in
# wasm-split's manifest. Two budgets, in KB of gzip:
#   TASKFLOW_WASM_GZIP_BUDGET_KB       the main module (default 400, issue 11)
#   TASKFLOW_BOARD_WASM_GZIP_BUDGET_KB main + the board page's chunks (the page
#                                      every team lives on): 530, a ceiling
#                                      just above it, so it cannot grow back;
#                                      531 since direct messages (issue 27:
#                                      following them live and the header's
#                                      Messages link are in the main module,
#                                      +1.3 KB; measured in docs/performance.md).
#   TASKFLOW_PAGE_WASM_GZIP_BUDGET_KB  main + any other lazy piece's chunks
#                                      (the open room, the task route, the
#                                      small pages): 545 since issue 27 (+15:
#                                      replies and group calls in the room's
#                                      messages and composer; measured in
#                                      docs/performance.md).
#   TASKFLOW_LATE_WASM_GZIP_BUDGET_KB  a late piece: code a page fetches only
#                                      once it is live or asked (the board's
#                                      `pane_piece`: its filter bar, a card's
#                                      details, menus, dialogs), counted as what
#                                      it adds to that page (the chunks the page
#                                      has not already fetched). Its first
#                                      screen is the page budget's. 265 since
#                                      issue 26 (+70: a message's actions,
#                                      editor, earlier versions, a comment's
#                                      reactions and the emoji picker moved
#                                      here to keep the pages within theirs);
#                                      330 since issue 27 (+65: the replies
#                                      pane, the Replies list and a room's
#                                      notification settings, which share the
#                                      open room's code: counted against the
#                                      board page alone, as if no room were
#                                      open); 331 with the board's and a
#                                      card's notification settings.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$TASKFLOW_ROOT"
main_budget_kb=${TASKFLOW_WASM_GZIP_BUDGET_KB:-400}
board_budget_kb=${TASKFLOW_BOARD_WASM_GZIP_BUDGET_KB:-531}
page_budget_kb=${TASKFLOW_PAGE_WASM_GZIP_BUDGET_KB:-545}
late_budget_kb=${TASKFLOW_LATE_WASM_GZIP_BUDGET_KB:-331}
pkg=target/site/pkg
[ -f "$pkg/taskflow.wasm" ] || { echo "bundle-size: no $pkg/taskflow.wasm; run scripts/build.sh first" >&2; exit 1; }
python3 - "$pkg" "$main_budget_kb" "$page_budget_kb" "$late_budget_kb" "$board_budget_kb" <<'PY'
import gzip, json, os, sys

pkg, main_budget, page_budget, late_budget, board_budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
BOARD = "board_route_view"

# Late pieces, and the page that fetches each (app/src/ui/mod.rs).
LATE = {"pane_piece": "board_route_view"}

def kb(n):
    return (n + 1023) // 1024

def sizes(name):
    data = open(os.path.join(pkg, name), "rb").read()
    return len(data), len(gzip.compress(data, 9))

for name in ("taskflow.wasm", "taskflow.js", "taskflow.css"):
    raw, gz = sizes(name)
    print(f"{name:<28} {kb(raw):>6} KB raw {kb(gz):>6} KB gzip")

main_raw, main_gz = sizes("taskflow.wasm")
manifest_path = os.path.join(pkg, "__wasm_split_manifest.json")
manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
chunks = sorted(f for f in os.listdir(pkg) if f.endswith(".wasm") and f != "taskflow.wasm")
chunk_gz = {f[: -len(".wasm")]: sizes(f)[1] for f in chunks}
print(f"{len(chunks)} lazily loaded chunks, {kb(sum(chunk_gz.values()))} KB gzip in all")

# What each lazy piece costs on top of the main module: its chunks (shared
# ones counted for each piece that needs them). A late piece is counted on
# top of the page that fetches it instead.
pieces = {split.rsplit("_", 1)[0].strip("_"): set(files) for split, files in manifest.items()}
heaviest = ("(no split)", main_gz)
board_total = None
late_over = []
print(f"{'lazy piece':<40} {'chunks':>6} {'own':>8} {'+ main':>8}")
for label, files in sorted(pieces.items()):
    own = sum(chunk_gz.get(f, 0) for f in files)
    if label in LATE and LATE[label] in pieces:
        page = LATE[label]
        extra = sum(chunk_gz.get(f, 0) for f in files - pieces[page])
        print(f"{label:<40} {len(files):>6} {kb(own):>5} KB  late: +{kb(extra)} KB once {page} is live")
        if kb(extra) > late_budget:
            late_over.append((label, page, kb(extra)))
        continue
    print(f"{label:<40} {len(files):>6} {kb(own):>5} KB {kb(main_gz + own):>5} KB")
    if label == BOARD:
        board_total = main_gz + own
    if main_gz + own > heaviest[1]:
        heaviest = (label, main_gz + own)

failed = False
if kb(main_gz) > main_budget:
    print(f"bundle-size: the main WASM is {kb(main_gz)} KB gzip, over its budget of {main_budget} KB", file=sys.stderr)
    failed = True
if board_total is not None and kb(board_total) > board_budget:
    print(f"bundle-size: the board page needs {kb(board_total)} KB gzip of WASM, over its budget of {board_budget} KB", file=sys.stderr)
    failed = True
if kb(heaviest[1]) > page_budget:
    print(f"bundle-size: {heaviest[0]} needs {kb(heaviest[1])} KB gzip of WASM, over the page budget of {page_budget} KB", file=sys.stderr)
    failed = True
for label, page, extra in late_over:
    print(f"bundle-size: the late piece {label} adds {extra} KB gzip to {page}, over its budget of {late_budget} KB", file=sys.stderr)
    failed = True
if failed:
    sys.exit(1)
print(f"main WASM {kb(main_gz)} KB gzip <= {main_budget} KB; board page {kb(board_total or 0)} KB <= {board_budget} KB; heaviest page ({heaviest[0]}) {kb(heaviest[1])} KB <= {page_budget} KB")
PY
tf_log "WASM within its budgets"
