#!/usr/bin/env bash
# Scores corral's verdicts on a whole public workspace against hand-made labels:
# test code (exact agreement) and long-lived tasks (precision and recall, overall
# and on library code).
#
# The labels (bench/lifetimes/workspaces/NAME.json) name the repository and the
# commit they were read at, and every spawn site found by reading the code (not
# corral's output): its test-code status and, for production sites, its lifetime
# under the rule of DESIGN.md ("Tasks that never end"). The source is not in this
# repository: check the workspace out at that commit and pass its folder.
#
# Usage: CORRAL=path/to/corral bench/lifetimes-workspace.sh LABELS.json CHECKOUT [--syntax-only]
#   e.g. git clone https://github.com/linkerd/linkerd2-proxy /tmp/l2p
#        git -C /tmp/l2p checkout 29637b64f6cebedaf15bfbf516818d7a28a4d5a6
#        CORRAL=target/release/corral bench/lifetimes-workspace.sh \
#            bench/lifetimes/workspaces/linkerd2-proxy.json /tmp/l2p
# Prints the scores, then every disagreement with corral's evidence.
# Exit: 0 measured, 1 an error.
set -euo pipefail

labels="${1:?labels file}"
checkout="${2:?checkout folder}"
shift 2
corral="${CORRAL:-corral}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

"$corral" list "$checkout" --format json "$@" >"$out" || [[ $? -eq 1 ]]
python3 "$(dirname "$0")/lifetimes/score_workspace.py" "$labels" "$out"
