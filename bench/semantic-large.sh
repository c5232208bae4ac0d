#!/usr/bin/env bash
# The semantic tier on a large real workspace, against `cargo metadata` on the
# same workspace: the cost of asking cargo what the workspace is, which every
# tool that loads it pays first.
#
# Times, one after the other, with peak memory (`/usr/bin/time -f %M`):
#   - cargo metadata --format-version 1          (the baseline)
#   - corral check --format json                 (default: both tiers)
#   - corral check --syntax-only --format json
# then prints each one's ratio to cargo metadata, and the semantic tier's own
# stages as `corral list --tiers` reports them.
#
# Usage: bench/semantic-large.sh WORKSPACE [RUNS]    (RUNS defaults to 1; the median is kept)
# The workspace needs its dependencies' sources (`cargo fetch` once); nothing
# of it is built or run. Environment:
#   CORRAL_BIN        run this binary instead of building corral (release)
#   CARGO_TARGET_DIR  where corral is built (default: target/ in the repo)
#   CORRAL_BENCH_OUT  keep the JSON reports here (check.json, syntax.json), to
#                     compare two builds' findings
set -euo pipefail
shopt -s inherit_errexit

if [[ $# -lt 1 || ! -f "$1/Cargo.toml" ]]; then
    echo "usage: bench/semantic-large.sh WORKSPACE [RUNS]  (WORKSPACE: a folder with a Cargo.toml)" >&2
    exit 2
fi
workspace="$(cd "$1" && pwd)"
runs="${2:-1}"
cd "$(dirname "$0")/.."
repo_root="$PWD"

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
source "$repo_root/bench/lib.sh"

corral="$(corral_binary)"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
out="${CORRAL_BENCH_OUT:-$scratch}"
mkdir -p "$out"

# Runs a command RUNS times; sets `secs` (median) and `mb` (peak of the runs).
measure() {
    local output="$1"
    shift
    local times=() peak=0 secs_one kb
    for ((i = 0; i < runs; i++)); do
        # Exit code 1 is corral's "bare spawns found": not a failure here.
        /usr/bin/time -f '%e %M' -o "$scratch/time" "$@" >"$output" 2>"$scratch/stderr" || true
        read -r secs_one kb < <(tail -n 1 "$scratch/time")
        times+=("$secs_one")
        ((kb > peak)) && peak=$kb
    done
    secs=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    mb=$((peak / 1024))
}

cd "$workspace"
members=$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["workspace_members"]))')
packages=$(cargo metadata --format-version 1 2>/dev/null |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["packages"]))')
commit=$(git -C "$workspace" rev-parse --short=12 HEAD 2>/dev/null || echo "not a git checkout")
echo "workspace: $(basename "$workspace") ($members members, $packages packages in the graph; commit $commit)"
echo "corral: $("$corral" --version 2>/dev/null || echo "$corral"); runs: $runs (median)"

measure "$scratch/metadata.json" cargo metadata --format-version 1
base_secs=$secs base_mb=$mb
measure "$out/check.json" env -u CORRAL_SYNTAX_ONLY "$corral" check --format json .
both_secs=$secs both_mb=$mb
grep -h '^semantic tier' "$scratch/stderr" >&2 || true
measure "$out/syntax.json" "$corral" check --syntax-only --format json .
syntax_secs=$secs syntax_mb=$mb

# A row of the table; the ratio to the baseline unless the fourth argument says "base".
row() { awk -v l="$1" -v s="$2" -v m="$3" -v b="$base_secs" -v base="${4:-}" \
    'BEGIN { r = base == "base" ? "" : sprintf("%.1f×", s / b); printf "| %-42s | %6.2f s | %6s | %5d MB |\n", l, s, r, m }'; }
echo
echo "| | time | / cargo metadata | peak memory |"
echo "|---|---|---|---|"
# shellcheck disable=SC2016 # Markdown backticks in the labels, not expansions
{
    row '`cargo metadata --format-version 1`' "$base_secs" "$base_mb" base
    row '`corral check --format json` (both tiers)' "$both_secs" "$both_mb"
    row '`corral check --syntax-only --format json`' "$syntax_secs" "$syntax_mb"
}
echo
python3 - "$out/check.json" "$out/syntax.json" <<'PY' || true
import json, sys
for label, path in (("both tiers", sys.argv[1]), ("syntax only", sys.argv[2])):
    try:
        report = json.load(open(path))
    except Exception:
        print(f"{label}: no JSON report")
        continue
    summary = report.get("summary", {})
    print(f"{label}: {summary.get('sites')} site(s), {summary.get('findings')} finding(s)")
PY
env -u CORRAL_SYNTAX_ONLY "$corral" list --tiers --color never . 2>/dev/null | grep '^tiers:' || true
