#!/usr/bin/env bash
# The one command to try TaskFlow: installs the build tools if needed, builds,
# and serves http://127.0.0.1:3000 with an SQLite database in ./data/.
# Extra arguments go to `taskflow` (see `taskflow --help`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh"
"$here/build.sh"
. "$here/toolchain.sh"
cd "$TASKFLOW_ROOT"
exec "$(tf_binary)" "$@"
