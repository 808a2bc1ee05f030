#!/usr/bin/env bash
# Measures the real-time hub: builds the release server and the load generator,
# starts a fresh server (SQLite in a temporary folder, rate limit off), runs the
# scenarios of docs/performance.md on this machine, and prints the figures.
#
#   scripts/bench.sh                 # fan-out 1000 x 100/s, 10,000 x 10/s (and its floor: no server), a rate sweep, 10,000 idle connections, the live board (plain and rich cards)
#   BENCH_QUICK=1 scripts/bench.sh   # smaller numbers, for a smoke run
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$TASKFLOW_ROOT"
"$TASKFLOW_ROOT/scripts/build.sh" >/dev/null
cargo build --release -p taskflow-bench
bench="$(dirname "$(tf_binary)")/taskflow-bench"
port=${BENCH_PORT:-3199}
url="http://127.0.0.1:$port"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT
if curl -fs "$url/healthz" >/dev/null 2>&1; then
  echo "bench: something already listens on $url; stop it or set BENCH_PORT" >&2
  exit 1
fi

run_server() {
  dir=$(mktemp -d)
  (cd "$dir" && exec "$(tf_binary)" --bind "127.0.0.1:$port" --message-rate 0 --frame-rate 0 --reaction-rate 0 --max-user-sockets 100000 --max-user-polls 100000 --log warn) &
  server_pid=$!
  for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null && break; sleep 0.1; done
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }

subs=1000; idle=10000; seconds=10; sweep=200,500,1000,2000; wide=10000; members=200; cards=2000; reactions=50
if [ -n "${BENCH_QUICK:-}" ]; then subs=100; idle=500; seconds=3; sweep=200,1000; wide=1000; members=40; cards=300; reactions=10; fi

echo "## $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load generator on the same machine"
echo
echo "### Fan-out: $subs subscribers, 100 messages/s for ${seconds} s"
run_server
"$bench" --url "$url" --server-pid "$server_pid" fanout --subscribers "$subs" --rate 100 --seconds "$seconds"
stop_server
echo
echo "### Fan-out: $wide subscribers in one room, 10 messages/s for ${seconds} s"
run_server
"$bench" --url "$url" --server-pid "$server_pid" fanout --subscribers "$wide" --rate 10 --seconds "$seconds"
stop_server
echo
echo "### The floor: $wide loopback sockets, 10 waves/s, no server (raw writes and reads)"
"$bench" floor --sockets "$wide" --rate 10 --seconds "$seconds" --writers 2 --readers 2
echo
echo "### Saturation sweep: $subs subscribers"
run_server
"$bench" --url "$url" --server-pid "$server_pid" fanout --subscribers "$subs" --rate "$sweep" --seconds 5
stop_server
echo
echo "### Messages that change: $subs subscribers; every message gets 3 reactions and an edit"
run_server
"$bench" --url "$url" --server-pid "$server_pid" reactions --subscribers "$subs" --messages "$reactions"
stop_server
echo
echo "### Idle connections"
run_server
"$bench" --url "$url" --server-pid "$server_pid" idle --connections "$idle"
stop_server
echo
echo "### The live board: $members members, one move per second per 10 members, for ${seconds} s; a board of $cards cards"
run_server
"$bench" --url "$url" --server-pid "$server_pid" board --members "$members" --seconds "$seconds" --tasks "$cards"
stop_server
echo
echo "### The same with rich cards: two labels, a three-item checklist, an assignee and a due date on every card"
run_server
"$bench" --url "$url" --server-pid "$server_pid" board --members "$members" --seconds "$seconds" --tasks "$cards" --rich
stop_server
