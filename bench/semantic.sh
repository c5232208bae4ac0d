#!/usr/bin/env bash
# The semantic tier's cost beside the gate a user would otherwise write: Clippy
# with `disallowed-methods` set to the same spawn functions.
#
# Builds a probe workspace whose dependency graph is real and large (axum,
# hyper, reqwest, tower, tokio: 150+ crates), with spawns the syntax tier
# cannot type, then times, cold and warm, with peak memory:
#   - corral check (both tiers; load and resolve times from `list --tiers`)
#   - corral check --syntax-only
#   - cargo clippy with clippy.toml disallowed-methods
# Cold: a fresh process and, for Clippy, an empty target folder. Warm: the same
# command again (Clippy after touching one source file).
#
# Usage: bench/semantic.sh [WORK_DIR]
# Environment: CORRAL_BIN (or CORRAL) runs that binary instead of building
# corral; CARGO_TARGET_DIR is where the release build lands.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
probe="$work/probe"
corral="${CORRAL_BIN:-${CORRAL:-}}"
if [[ -z "$corral" ]]; then
    cargo build --release --manifest-path "$here/Cargo.toml" --bin corral >&2
    corral="${CARGO_TARGET_DIR:-$here/target}/release/corral"
fi

mkdir -p "$probe/src"
cat >"$probe/Cargo.toml" <<'TOML'
[package]
name = "probe"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
axum = "0.7"
hyper = { version = "1", features = ["full"] }
reqwest = { version = "0.12", default-features = false, features = ["json"] }
tokio = { version = "1", features = ["full"] }
tower = { version = "0.5", features = ["full"] }

[workspace]
TOML
cat >"$probe/src/main.rs" <<'RUST'
use std::sync::Arc;

use tokio::runtime::{Handle, Runtime};

struct App {
    runtime: Arc<Runtime>,
}

impl App {
    fn start(&self) {
        self.runtime.spawn(async {});
    }
}

fn helper() -> Handle {
    Handle::current()
}

async fn serve() {
    let app: axum::Router = axum::Router::new();
    let _ = app;
    tokio::spawn(async {});
    helper().spawn_blocking(|| ());
    std::thread::spawn(|| ());
    let _ = reqwest::Client::new();
}

fn main() {
    let rt = Runtime::new().unwrap();
    let app = App { runtime: Arc::new(rt) };
    app.start();
    app.runtime.block_on(serve());
}
RUST
cat >"$probe/clippy.toml" <<'TOML'
disallowed-methods = [
    { path = "tokio::task::spawn", reason = "use a tracked spawn" },
    { path = "tokio::task::spawn_blocking", reason = "use a tracked spawn" },
    { path = "tokio::task::spawn_local", reason = "use a tracked spawn" },
    { path = "tokio::runtime::Handle::spawn", reason = "use a tracked spawn" },
    { path = "tokio::runtime::Handle::spawn_blocking", reason = "use a tracked spawn" },
    { path = "tokio::runtime::Runtime::spawn", reason = "use a tracked spawn" },
    { path = "tokio::runtime::Runtime::spawn_blocking", reason = "use a tracked spawn" },
    { path = "std::thread::spawn", reason = "use a tracked spawn" },
    { path = "std::thread::Builder::spawn", reason = "use a tracked spawn" },
]
TOML
(cd "$probe" && cargo fetch -q)
crates=$(cd "$probe" && cargo metadata --format-version 1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["packages"]))')

# Runs a command, prints "<label>  <seconds> s  <peak MB> MB" and its last lines.
measure() {
    local label="$1"
    shift
    local log="$work/time.log"
    /usr/bin/time -f '%e %M' -o "$log" "$@" >"$work/out.log" 2>&1 || true
    read -r secs kb < <(tail -n 1 "$log")
    last_secs="$secs"
    printf '%-34s %8.2f s %8d MB\n' "$label" "$secs" "$((kb / 1024))"
}

echo "probe workspace: $probe ($crates packages in the graph)"
echo "corral: $corral"
cd "$probe"
measure "corral check (cold)" "$corral" check --color never .
corral_cold="$last_secs"
measure "corral check (warm)" "$corral" check --color never .
"$corral" list --tiers --color never . | grep '^tiers:' || true
measure "corral check --syntax-only" "$corral" check --syntax-only --color never .
grep -c 'bare' "$work/out.log" >/dev/null || true
# The probe's own target folder: a CARGO_TARGET_DIR set for corral's build
# would hold the dependencies Clippy built in an earlier run, and cold would be warm.
export CARGO_TARGET_DIR="$probe/target"
rm -rf target
measure "cargo clippy, disallowed (cold)" cargo clippy -q
clippy_cold="$last_secs"
echo "  clippy warnings: $(grep -c 'disallowed' "$work/out.log" || true)"
touch src/main.rs
measure "cargo clippy, disallowed (warm)" cargo clippy -q
# The target: the semantic check at least 10x faster than a cold Clippy gate.
awk -v c="$corral_cold" -v k="$clippy_cold" 'BEGIN { printf "cold Clippy / cold corral check: %.1fx\n", k / c }'
