#!/usr/bin/env bash
# Times `corral check` against `grep -rl --include='*.rs' spawn` on a large
# vendored dependency tree, so that the syntax tier's cost is known relative to
# a plain text scan that reads the same files corral reads. `grep -rl spawn`
# over every file (non-Rust files too) is timed as a second reference only.
#
# Usage: bench/vendor-check.sh [RUNS]    (RUNS defaults to 5)
# Environment:
#   CORRAL_BENCH_DIR  where the throwaway project and its vendor/ live
#                     (default: ~/.cache/corral-bench; kept between runs)
#   CARGO_TARGET_DIR  where corral is built (default: target/ in the repo)
#   CORRAL_BIN        run this binary instead of building corral
# Relative paths in these variables are taken from the repository root.
# The table's MB column is the size of the vendored .rs files.
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
repo_root="$PWD"
runs="${1:-5}"
bench_dir="${CORRAL_BENCH_DIR:-$HOME/.cache/corral-bench}"
vendor_dir="$bench_dir/vendor"

# shellcheck source=bench/lib.sh
source "$repo_root/bench/lib.sh"

# 1. Build corral.
if [[ -n "${CORRAL_BIN:-}" ]]; then
    corral="$CORRAL_BIN"
else
    log "building corral (release)"
    cargo build --release --quiet
    corral="${CARGO_TARGET_DIR:-$repo_root/target}/release/corral"
fi

# 2. A throwaway project with a large, real dependency set, vendored once and
#    again only when this manifest changes. Registry sources only (no git), so
#    `cargo vendor` needs nothing else.
manifest='[package]
name = "corral-bench-deps"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
actix-web = "4"
aws-config = "1"
aws-sdk-dynamodb = "1"
aws-sdk-s3 = "1"
axum = "0.8"
clap = { version = "4", features = ["derive"] }
diesel = { version = "2", features = ["postgres", "chrono"] }
hyper = { version = "1", features = ["full"] }
prost = "0.14"
rayon = "1"
reqwest = { version = "0.13", features = ["json"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
sqlx = { version = "0.9", features = ["runtime-tokio", "postgres", "sqlite"] }
tokio = { version = "1", features = ["full"] }
tonic = "0.14"
tracing-subscriber = { version = "0.3", features = ["env-filter"] }
wasmtime = "48"

[workspace]'
if [[ ! -f "$vendor_dir/.vendored" || "$(cat "$bench_dir/Cargo.toml")" != "$manifest" ]]; then
    log "vendoring the dependencies of $bench_dir (once)"
    mkdir -p "$bench_dir/src"
    printf '%s\n' "$manifest" >"$bench_dir/Cargo.toml"
    echo 'fn main() {}' >"$bench_dir/src/main.rs"
    rm -rf "$vendor_dir"
    (cd "$bench_dir" && cargo vendor --quiet vendor >/dev/null)
    touch "$vendor_dir/.vendored"
fi

# 3. Size of the input.
crates=$(find "$vendor_dir" -mindepth 1 -maxdepth 1 -type d | wc -l)
files=$(find "$vendor_dir" -name '*.rs' -type f | wc -l)
lines=$(find "$vendor_dir" -name '*.rs' -type f -print0 | xargs -0 cat | wc -l)
bytes=$(find "$vendor_dir" -name '*.rs' -type f -print0 | xargs -0 cat | wc -c)

grep_cmd=(grep -rl --include='*.rs' spawn "$vendor_dir")
grep_all_cmd=(grep -rl spawn "$vendor_dir")
corral_cmd=("$corral" check "$vendor_dir" --format json)

# 4. Warm-up (page cache), then the timed runs.
log "warm-up"
run_once "${grep_cmd[@]}"
run_once "${grep_all_cmd[@]}"
run_once "${corral_cmd[@]}"

# Runs alternate between the commands (one of each per round), so that a
# busier stretch of a shared machine falls on all of them alike.
log "timing grep (*.rs), grep (all files) and corral, $runs runs each"
grep_times=() grep_all_times=() corral_times=()
for ((i = 0; i < runs; i++)); do
    grep_times+=("$(time_once "${grep_cmd[@]}")")
    grep_all_times+=("$(time_once "${grep_all_cmd[@]}")")
    corral_times+=("$(time_once "${corral_cmd[@]}")")
done
grep_s=$(median "${grep_times[@]}")
grep_all_s=$(median "${grep_all_times[@]}")
corral_s=$(median "${corral_times[@]}")
grep_mb=$(peak_rss_mb "${grep_cmd[@]}")
grep_all_mb=$(peak_rss_mb "${grep_all_cmd[@]}")
corral_mb=$(peak_rss_mb "${corral_cmd[@]}")
ratio() { awk -v c="$1" -v g="$2" 'BEGIN { printf "%.2f", (g > 0 ? c / g : 0) }'; }

printf '\n%-8s %-8s %-10s %-6s\n' crates files lines MB
printf '%-8s %-8s %-10s %-6s\n' "$crates" "$files" "$lines" "$((bytes / 1024 / 1024))"
printf '\n%-44s %-9s %-13s %-8s\n' command time_s corral/this peak_MB
printf '%-44s %-9s %-13s %-8s\n' \
    "grep -rl --include='*.rs' spawn (baseline)" "$grep_s" "$(ratio "$corral_s" "$grep_s")" "$grep_mb" \
    "grep -rl spawn (all files, reference)" "$grep_all_s" "$(ratio "$corral_s" "$grep_all_s")" "$grep_all_mb" \
    "corral check --format json" "$corral_s" "" "$corral_mb"
printf '\ncorral/grep (*.rs): %s\n' "$(ratio "$corral_s" "$grep_s")"
