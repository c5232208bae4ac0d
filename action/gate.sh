#!/usr/bin/env bash
# The gate step of the corral GitHub Action (`action.yml` at the repository
# root): runs `corral check` with the action's inputs and records how it ended.
#
# The inputs arrive as environment variables, never as text pasted into shell
# code, so no input can run a command:
#
#   INPUT_PATH        the workspace to check (default `.`)
#   INPUT_FORMAT      `github` (annotations in the log) or `sarif` (a file for code scanning)
#   INPUT_SINCE       gate only lines added or changed since this git revision
#   INPUT_BASELINE    gate only findings that are not in this baseline file
#   INPUT_ARGS        more arguments for `corral check`, split on whitespace
#                     (quotes, `$` and globs are not interpreted)
#   INPUT_SARIF_FILE  where `sarif` writes (default `corral.sarif`)
#   CORRAL            the corral binary (default: `corral` on PATH)
#   GITHUB_OUTPUT     the step's output file; when set, gets `exit-code`,
#                     `findings` and, for `sarif`, `sarif-file`
#
# Exits with corral's code: 0 nothing found, 1 findings, 2 errors (a bad input
# is an error too).
set -uo pipefail

# A workflow command naming a problem with the inputs; `%`, CR and LF are
# escaped so that an input cannot start a workflow command of its own.
fail() {
    local message=$1
    message=${message//'%'/%25}
    message=${message//$'\r'/%0D}
    message=${message//$'\n'/%0A}
    printf '::error title=corral::%s\n' "$message"
    output exit-code 2
    exit 2
}

output() {
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

path=${INPUT_PATH:-.}
format=${INPUT_FORMAT:-github}
sarif_file=${INPUT_SARIF_FILE:-corral.sarif}

case $format in
    github | sarif) ;;
    *) fail "the format input must be github or sarif, not \`$format\`" ;;
esac
# A path that starts with `-` would be read as an option.
if [[ $path == -* ]]; then
    path=./$path
fi

command=("${CORRAL:-corral}" check "$path" "--format=$format")
if [[ -n ${INPUT_SINCE:-} ]]; then
    command+=("--since=$INPUT_SINCE")
fi
if [[ -n ${INPUT_BASELINE:-} ]]; then
    command+=("--baseline=$INPUT_BASELINE")
fi
if [[ -n ${INPUT_ARGS:-} ]]; then
    # Split on spaces, tabs and newlines only: no globbing, no quote removal.
    read -r -d '' -a extra <<<"$INPUT_ARGS" || true
    command+=("${extra[@]}")
fi

printf 'corral:'
printf ' %q' "${command[@]}"
printf '\n'

if [[ $format == github ]]; then
    # The annotations go to the log, where the runner turns them into
    # annotations on the files; a copy is kept to count them.
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    "${command[@]}" | tee "$log"
    code=${PIPESTATUS[0]}
    findings=$(grep -c '^::warning ' "$log")
else
    mkdir -p -- "$(dirname -- "$sarif_file")"
    "${command[@]}" >"$sarif_file"
    code=$?
    # One `ruleId` per result, and `check` reports only findings.
    findings=$(grep -o '"ruleId"' "$sarif_file" | wc -l | tr -d ' ')
    output sarif-file "$sarif_file"
    echo "corral: $findings finding(s) written to $sarif_file"
fi

output exit-code "$code"
output findings "$findings"
exit "$code"
