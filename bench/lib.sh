# shellcheck shell=bash
# Shared by the bench scripts: logging, and timing a command.

log() { printf '==> %s\n' "$*" >&2; }

# Prints the corral binary to time: $CORRAL_BIN, else a release build of the
# checkout at $repo_root (which the script sets), built now.
corral_binary() {
    if [[ -n "${CORRAL_BIN:-}" ]]; then
        printf '%s\n' "$CORRAL_BIN"
        return
    fi
    log "building corral (release)"
    cargo build --release --quiet --bin corral
    printf '%s\n' "${CARGO_TARGET_DIR:-$repo_root/target}/release/corral"
}

# Runs "$@" once with its output discarded; an exit status of 1 is a result,
# not a failure (grep and corral both say "found something" that way).
run_once() {
    local status=0
    "$@" >/dev/null 2>&1 || status=$?
    if ((status > 1)); then
        log "command failed with status $status: $*"
        return "$status"
    fi
}

# Prints the wall time in seconds of one run of "$@".
time_once() {
    local start end
    start=$(date +%s.%N)
    run_once "$@"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

# Prints the median of its arguments, with three decimals.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ t[NR] = $1 }
        END { if (NR % 2) m = t[(NR + 1) / 2]; else m = (t[NR / 2] + t[NR / 2 + 1]) / 2
              printf "%.3f\n", m }'
}

# Prints the peak resident set size in MB of one run of "$@".
peak_rss_mb() {
    local out
    out=$(mktemp)
    run_once /usr/bin/time -f %M -o "$out" "$@"
    awk '{ kb = $1 } END { printf "%.1f\n", kb / 1024 }' "$out"
    rm -f "$out"
}
