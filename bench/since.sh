#!/usr/bin/env bash
# What `check --since REV` costs on top of a plain `check`: on a generated
# 1,000-file workspace with a change of five files and one untracked file,
# the median of `corral check`, of `corral check --since HEAD`, and of the git
# calls `--since` makes (`git diff -U0 -M HEAD` and `git ls-files --others`).
# The target: `--since` within a plain check plus that git diff.
#
# Usage: bench/since.sh [RUNS]    (RUNS defaults to 7)
# Environment:
#   CARGO_TARGET_DIR  where corral is built (default: target/ in the repo)
#   CORRAL_BIN        run this binary instead of building corral
#   CORRAL_TIER       "syntax" (default) or "semantic": the tier both checks use
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
repo_root="$PWD"
runs="${1:-7}"
tier="${CORRAL_TIER:-syntax}"

# shellcheck source=bench/lib.sh
source "$repo_root/bench/lib.sh"

corral="$(corral_binary)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "generating a 1,000-file workspace in $work"
crates=10
per_crate=100
members=""
for ((c = 0; c < crates; c++)); do
    dir="$work/crates/c$c"
    mkdir -p "$dir/src"
    printf '[package]\nname = "c%d"\nversion = "0.1.0"\nedition = "2021"\n' "$c" >"$dir/Cargo.toml"
    : >"$dir/src/lib.rs"
    for ((f = 0; f < per_crate; f++)); do
        echo "pub mod m$f;" >>"$dir/src/lib.rs"
        {
            echo "use std::time::Duration;"
            echo
            for ((g = 0; g < 8; g++)); do
                printf 'pub async fn work_%d(n: u64) -> u64 {\n' "$g"
                printf '    tokio::time::sleep(Duration::from_millis(n)).await;\n    n * %d\n}\n\n' "$g"
            done
            printf 'pub fn start() {\n    tokio::spawn(async { work_1(1).await });\n}\n'
        } >"$dir/src/m$f.rs"
    done
    members+="\"crates/c$c\", "
done
printf '[workspace]\nmembers = [%s]\nresolver = "2"\n' "$members" >"$work/Cargo.toml"
git -C "$work" init -q -b main
git -C "$work" add -A
git -C "$work" -c user.name=bench -c user.email=bench@localhost commit -q -m base
for ((c = 0; c < 5; c++)); do
    printf 'pub fn again() {\n    tokio::spawn(async {});\n}\n' >>"$work/crates/c$c/src/m7.rs"
done
printf 'pub fn fresh() {\n    std::thread::spawn(|| ());\n}\n' >"$work/crates/c9/src/fresh.rs"
echo "pub mod fresh;" >>"$work/crates/c9/src/lib.rs"
files=$(find "$work" -name '*.rs' | wc -l)

tier_flag=()
[[ "$tier" == syntax ]] && tier_flag=(--syntax-only)

# Prints the median wall time in seconds of $runs runs of "$@".
median_time() {
    local times=() i
    for ((i = 0; i < runs; i++)); do
        times+=("$(time_once "$@")")
    done
    median "${times[@]}"
}

git_calls() {
    git -C "$work" -c core.quotePath=false diff -U0 -M --no-color --no-ext-diff HEAD -- >/dev/null
    git -C "$work" ls-files --others --exclude-standard --full-name -z >/dev/null
}

check_cmd=("$corral" check "$work" "${tier_flag[@]}" --format json)
since_cmd=("$corral" check "$work" "${tier_flag[@]}" --format json --since HEAD)

log "warm-up"
run_once "${check_cmd[@]}"
run_once "${since_cmd[@]}"
reported=$("${since_cmd[@]}" | grep -c '"verdict"' || true)

log "timing, $runs runs each"
check_s=$(median_time "${check_cmd[@]}")
since_s=$(median_time "${since_cmd[@]}")
git_s=$(median_time git_calls)
ratio=$(awk -v s="$since_s" -v c="$check_s" -v g="$git_s" 'BEGIN { printf "%.2f", s / (c + g) }')

printf '\n%-6s %-9s %-8s %-9s %-9s %-8s %-21s\n' \
    files tier reported check_s since_s git_s "since/(check+git)"
printf '%-6s %-9s %-8s %-9s %-9s %-8s %-21s\n' \
    "$files" "$tier" "$reported" "$check_s" "$since_s" "$git_s" "$ratio"
