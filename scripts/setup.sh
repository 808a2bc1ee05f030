#!/usr/bin/env bash
# Installs what building and testing TaskFlow needs, skipping what is there:
# the wasm32 target (rustup, or Debian's offline route), cargo-leptos, the
# wasm-bindgen CLI matching Cargo.lock, a wasm-opt >= 110, and (with --e2e)
# the Playwright packages and a Chromium.
#
#   scripts/setup.sh          # build tools
#   scripts/setup.sh --e2e    # build tools + browser-test tools
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$TASKFLOW_ROOT"

want_e2e=false
[ "${1:-}" = --e2e ] && want_e2e=true

CARGO_LEPTOS_VERSION=0.3.11
BINARYEN_NPM_VERSION=132

is_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then return 1; fi
  local sudo=""
  is_root || { command -v sudo >/dev/null 2>&1 && sudo="sudo"; } || return 1
  if [ ! -f "$TASKFLOW_CACHE/.apt-updated" ]; then
    $sudo apt-get update -q >/dev/null && mkdir -p "$TASKFLOW_CACHE" && touch "$TASKFLOW_CACHE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null
}
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }
rustc_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }
# Fast tool builds: these flags only apply to `cargo install` here.
quick_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 "$@"
}

# 1. The wasm32 target.
if [ "$WASM_TOOLCHAIN" = rustup ]; then
  tf_log "wasm32 target: rustup toolchain has it"
elif command -v rustup >/dev/null 2>&1 && [ "${WASM_FORCE_DEBIAN:-}" != 1 ] &&
     timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && tf_rustup_has_wasm; then
  tf_log "wasm32 target: installed with rustup"
  WASM_TOOLCHAIN=""; . scripts/toolchain.sh
else
  tf_log "wasm32 target: rustup could not provide it; using Debian's rustc-web (offline route)"
  tf_debian_ready || apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22 || {
    echo "setup: cannot install the wasm32 toolchain. Either run 'rustup target add wasm32-unknown-unknown'," >&2
    echo "       or install Debian's: apt-get install rustc-web cargo-web rust-web-src rust-web-llvm lld-22" >&2
    exit 1
  }
  WASM_TOOLCHAIN=debian; . scripts/toolchain.sh
fi

# 2. cargo-leptos (its lockfile needs rustc >= 1.96).
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  rustc_for_install=rustc
  if ! version_ge "$(rustc_version rustc)" 1.96.0; then
    if [ -x /usr/bin/rustc ] && version_ge "$(rustc_version /usr/bin/rustc)" 1.96.0; then
      rustc_for_install=/usr/bin/rustc
    elif apt_install rustc-web cargo-web && version_ge "$(rustc_version /usr/bin/rustc)" 1.96.0; then
      rustc_for_install=/usr/bin/rustc
    elif command -v rustup >/dev/null 2>&1 && timeout 600 rustup toolchain install stable --profile minimal >/dev/null 2>&1; then
      rustc_for_install=$(rustup which rustc --toolchain stable)
    fi
  fi
  tf_log "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes a while; once per machine)"
  cargo_for_install=cargo
  [ "$rustc_for_install" = /usr/bin/rustc ] && cargo_for_install=/usr/bin/cargo
  RUSTC=$rustc_for_install quick_install "$cargo_for_install" install cargo-leptos --locked \
    --version "$CARGO_LEPTOS_VERSION" --root "${CARGO_HOME:-$HOME/.cargo}"
fi

# 3. wasm-bindgen CLI, exactly Cargo.lock's version.
wb_version=$(tf_wasm_bindgen_version)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  tf_log "installing wasm-bindgen-cli $wb_version (once per machine)"
  # Not --locked: its lockfile pins a crate version the registry no longer offers.
  quick_install cargo install wasm-bindgen-cli --version "$wb_version" --root "${CARGO_HOME:-$HOME/.cargo}"
fi

# 3b. cargo-machete: the check for unused dependencies (scripts/test.sh).
if ! command -v cargo-machete >/dev/null 2>&1; then
  tf_log "installing cargo-machete (once per machine)"
  quick_install cargo install cargo-machete --locked
fi

# 4. wasm-opt >= 110 (older binaryen corrupts wasm-bindgen's externref table).
wo_version=$(wasm-opt --version 2>/dev/null | sed -n 's/^wasm-opt version \([0-9]*\).*/\1/p' || true)
if [ -z "$wo_version" ] || [ "$wo_version" -lt 110 ]; then
  tf_log "installing wasm-opt (npm binaryen@$BINARYEN_NPM_VERSION into $WASM_TOOLS_DIR)"
  mkdir -p "$WASM_TOOLS_DIR"
  npm install --silent --no-audit --no-fund --prefix "$WASM_TOOLS_DIR" "binaryen@$BINARYEN_NPM_VERSION" >/dev/null
  . scripts/toolchain.sh
fi

# 5. Browser tests: Playwright packages, and a Chromium.
if $want_e2e; then
  if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    apt_install chromium || true
  fi
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    tf_log "installing end2end npm packages"
    (cd end2end && npm ci --silent --no-audit --no-fund)
  fi
  if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then
    tf_log "no system Chromium: installing Playwright's own"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD= npx playwright install chromium)
  fi
fi
tf_log "tools ready (toolchain: $WASM_TOOLCHAIN)"
