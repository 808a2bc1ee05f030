# shellcheck shell=bash
# Sourced by the other scripts: puts the tools on PATH and picks how the WASM
# half is compiled.
#
#   rustup mode  the rustup toolchain has the wasm32-unknown-unknown std
#                (the normal case; `scripts/setup.sh` tries `rustup target add`).
#   debian mode  otherwise: Debian's rustc-web/cargo-web 1.96 + rust-web-src
#                build the wasm std from source (-Zbuild-std). A small `cargo`
#                wrapper adds that only to wasm32 builds, so host builds and
#                tests stay plain. For machines that cannot reach rustup's servers.
# Force a mode with WASM_TOOLCHAIN=rustup|debian.

# Always this checkout's own root, never one inherited from the environment
# (a shell that sourced another checkout's toolchain.sh would build that one).
TASKFLOW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TASKFLOW_ROOT
TASKFLOW_CACHE=${TASKFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/taskflow}
export TASKFLOW_CACHE
WASM_TOOLS_DIR=${WASM_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wasm-tools}
export WASM_TOOLS_DIR

_tf_prepend_path() {
  case ":$PATH:" in *":$1:"*) ;; *) PATH="$1:$PATH" ;; esac
}
_tf_prepend_path "${CARGO_HOME:-$HOME/.cargo}/bin"
# A recent wasm-opt (npm's binaryen) must come before any older one on PATH.
[ -x "$WASM_TOOLS_DIR/node_modules/.bin/wasm-opt" ] && _tf_prepend_path "$WASM_TOOLS_DIR/node_modules/.bin"

tf_rustup_has_wasm() {
  command -v rustup >/dev/null 2>&1 || return 1
  local sysroot
  sysroot=$(rustc --print sysroot 2>/dev/null) || return 1
  ls "$sysroot"/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib >/dev/null 2>&1
}

tf_debian_ready() {
  [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -e /usr/bin/rust-lld ] &&
    [ -e /usr/lib/rustlib/src/rust/library/Cargo.lock ]
}

if [ -z "${WASM_TOOLCHAIN:-}" ]; then
  if tf_rustup_has_wasm; then WASM_TOOLCHAIN=rustup; else WASM_TOOLCHAIN=debian; fi
fi
export WASM_TOOLCHAIN

if [ "$WASM_TOOLCHAIN" = debian ]; then
  _tf_wrap="$TASKFLOW_CACHE/debian-rust/bin"
  mkdir -p "$_tf_wrap"
  cat > "$_tf_wrap/cargo" <<'WRAP'
#!/bin/sh
# Debian's cargo; wasm32 builds also compile std from source (written by scripts/toolchain.sh).
wasm=; prev=
for a in "$@"; do
  [ "$a" = -- ] && break
  case "$a" in --target=wasm32-unknown-unknown) wasm=1 ;; esac
  [ "$prev" = --target ] && [ "$a" = wasm32-unknown-unknown ] && wasm=1
  prev=$a
done
if [ -n "$wasm" ]; then
  RUSTC_BOOTSTRAP=1 exec /usr/bin/cargo -Zbuild-std=std,panic_abort "$@"
fi
exec /usr/bin/cargo "$@"
WRAP
  chmod +x "$_tf_wrap/cargo"
  ln -sf /usr/bin/rustc "$_tf_wrap/rustc"
  ln -sf /usr/bin/rustdoc "$_tf_wrap/rustdoc"
  [ -x /usr/bin/rustfmt ] || true
  _tf_prepend_path "$_tf_wrap"
  export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
fi
export PATH
unset -f _tf_prepend_path

# The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly).
tf_wasm_bindgen_version() {
  sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' "$TASKFLOW_ROOT/Cargo.lock"
}

# The release binary (CARGO_TARGET_DIR is honoured).
tf_binary() {
  local dir=${CARGO_TARGET_DIR:-$TASKFLOW_ROOT/target}
  case "$dir" in /*) ;; *) dir="$TASKFLOW_ROOT/$dir" ;; esac
  echo "$dir/release/taskflow"
}

tf_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
