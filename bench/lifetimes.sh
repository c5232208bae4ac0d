#!/usr/bin/env bash
# How well corral tells long-lived spawned tasks from tasks that end, measured
# against hand-made labels for real published crates.
#
# bench/lifetimes/labels.json labels every non-test spawn site that `corral list`
# (both tiers) reports in a few service crates from crates.io (an MQTT broker,
# a Redis client, a NATS client, an RPC framework, an HTTP server) as
# `long-lived` (still running when a drain() would wait for it: accept loops,
# tickers, pumps, connection drivers) or `ends`, each with a short why, and
# `borderline: true` where a reviewer could disagree. See bench/lifetimes/README.md.
#
# The script:
#   1. makes a scratch cargo project in a temp dir that depends on each labelled
#      crate at its exact version, `cargo fetch`es it and finds each crate's
#      source through `cargo metadata`;
#   2. copies each source dir to the temp dir (and fetches its own dependencies,
#      so the semantic tier can load it) and runs `$CORRAL list <dir> --format json`
#      with the semantic tier on (CORRAL_SYNTAX_ONLY=0), as the labels were made;
#   3. joins corral's findings with the labels on (path, line, column) and prints,
#      per crate and in total: sites labelled, sites matched, and for the class
#      long-lived the true and false positives, false negatives, precision and
#      recall, also without the borderline labels; then every disagreement with
#      corral's verdict and its `lifetime_evidence`.
#
# corral's prediction is the finding's `lifetime` field ("long-lived" | "ends");
# a site exempted as long-lived may have verdict `exempt`, only `lifetime` counts.
# If no finding carries `lifetime`, the script says so and exits 2.
#
# Usage: CORRAL=path/to/corral bench/lifetimes.sh [WORK_DIR]
#        (without CORRAL it builds the release binary of this checkout first)
#        LABELS=other.json to use another label file.
# Needs cargo (with access to crates.io, or the crates already in ~/.cargo) and python3.
# Exit: 0 measured, 2 corral's findings carry no `lifetime` field, 1 an error.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
labels="${LABELS:-$here/bench/lifetimes/labels.json}"
work="${1:-$(mktemp -d)}"
corral="${CORRAL:-}"
start=$SECONDS

if [[ -z "$corral" ]]; then
    cargo build --release --manifest-path "$here/Cargo.toml" --bin corral >&2
    corral="$here/target/release/corral"
fi
corral="$(cd "$(dirname "$corral")" && pwd)/$(basename "$corral")"
[[ -x "$corral" ]] || { echo "lifetimes: no corral binary at $corral" >&2; exit 1; }
[[ -f "$labels" ]] || { echo "lifetimes: no label file at $labels" >&2; exit 1; }

# 1. the scratch project, with every labelled crate pinned.
scratch="$work/scratch"
mkdir -p "$scratch/src"
echo 'fn main() {}' >"$scratch/src/main.rs"
{
    printf '[package]\nname = "lifetimes-scratch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n'
    python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["crates"]:
    print("%s = \"=%s\"" % (c["name"], c["version"]))
' "$labels"
    printf '\n[workspace]\n'
} >"$scratch/Cargo.toml"
echo "lifetimes: fetching the labelled crates" >&2
cargo fetch --manifest-path "$scratch/Cargo.toml" --quiet
cargo metadata --format-version 1 --manifest-path "$scratch/Cargo.toml" >"$work/metadata.json"
fetched=$SECONDS

# 2. copy each crate's source and run corral on it.
results="$work/results"
mkdir -p "$results"
while IFS=$'\t' read -r name version src; do
    dest="$work/crates/$name"
    rm -rf "$dest"
    mkdir -p "$(dirname "$dest")"
    cp -R "$src" "$dest"
    chmod -R u+w "$dest"
    # The semantic tier loads the crate as a workspace: it needs its own
    # dependencies (dev-dependencies too) on disk. A failure here is not fatal:
    # corral then says it fell back to the syntax tier, and the script shows that.
    cargo fetch --manifest-path "$dest/Cargo.toml" --quiet 2>"$results/$name.fetch.err" \
        || echo "lifetimes: warning: cargo fetch for $name failed (see $results/$name.fetch.err)" >&2
    t0=$SECONDS
    set +e
    CORRAL_SYNTAX_ONLY=0 "$corral" list "$dest" --format json >"$results/$name.json" 2>"$results/$name.err"
    rc=$?
    set -e
    # list exits 0 or 1 (1: bare sites found); anything else is a failure.
    if [[ $rc -gt 1 ]]; then
        echo "lifetimes: corral list failed on $name ($rc):" >&2
        cat "$results/$name.err" >&2
        exit 1
    fi
    echo "lifetimes: $name $version: corral list took $((SECONDS - t0))s" >&2
    if [[ -s "$results/$name.err" ]]; then
        sed "s/^/lifetimes:   corral stderr: /" "$results/$name.err" >&2
    fi
done < <(python3 -c '
import json, os, sys
labels = json.load(open(sys.argv[1]))
meta = json.load(open(sys.argv[2]))
by = {(p["name"], p["version"]): os.path.dirname(p["manifest_path"]) for p in meta["packages"]}
for c in labels["crates"]:
    key = (c["name"], c["version"])
    if key not in by:
        sys.exit("lifetimes: %s %s is not in the scratch project metadata" % key)
    print("%s\t%s\t%s" % (c["name"], c["version"], by[key]))
' "$labels" "$work/metadata.json")
listed=$SECONDS

# 3. join and score.
set +e
python3 - "$labels" "$results" <<'PY'
import json
import os
import sys

labels_path, results = sys.argv[1], sys.argv[2]
labels = json.load(open(labels_path))
POS = "long-lived"


def ratio(a, b):
    return f"{a / b:.2f}" if b else "n/a"


class Score:
    def __init__(self):
        self.labelled = self.matched = self.with_field = 0
        self.all = [0, 0, 0]      # tp, fp, fn
        self.firm = [0, 0, 0]     # the same without borderline labels

    def add(self, other):
        self.labelled += other.labelled
        self.matched += other.matched
        self.with_field += other.with_field
        for mine, theirs in ((self.all, other.all), (self.firm, other.firm)):
            for i in range(3):
                mine[i] += theirs[i]

    def count(self, label, predicted, borderline):
        cells = [self.all] if borderline else [self.all, self.firm]
        for cell in cells:
            if label == POS and predicted == POS:
                cell[0] += 1
            elif label != POS and predicted == POS:
                cell[1] += 1
            elif label == POS:
                cell[2] += 1

    def lines(self, title):
        out = [f"{title}: {self.labelled} labelled, {self.matched} matched by path/line/column"
               + (f", {self.with_field} with a `lifetime` field" if self.with_field else "")]
        for name, (tp, fp, fn) in (("all labels", self.all), ("without borderline", self.firm)):
            out.append(f"  long-lived, {name:<18}: TP {tp:3}  FP {fp:3}  FN {fn:3}  "
                       f"precision {ratio(tp, tp + fp):>4}  recall {ratio(tp, tp + fn):>4}")
        return out


total, library = Score(), Score()
unmatched, unlabelled, disagreements, no_field = [], [], [], []
per_crate = []
for crate in labels["crates"]:
    name = crate["name"]
    doc = json.load(open(os.path.join(results, f"{name}.json")))
    findings = {(f["path"], f["line"], f["column"]): f for f in doc.get("findings", [])}
    score, lib = Score(), Score()
    labelled_keys = set()
    for site in crate["sites"]:
        key = (site["path"], site["line"], site["column"])
        labelled_keys.add(key)
        in_lib = not site["path"].startswith("examples/")
        score.labelled += 1
        lib.labelled += in_lib
        finding = findings.get(key)
        if finding is None:
            unmatched.append(f"{name} {site['path']}:{site['line']}:{site['column']} ({site['label']})")
            continue
        score.matched += 1
        lib.matched += in_lib
        predicted = finding.get("lifetime")
        if predicted is None:
            no_field.append((name, site, finding))
        else:
            score.with_field += 1
            lib.with_field += in_lib
        score.count(site["label"], predicted, site.get("borderline", False))
        if in_lib:
            lib.count(site["label"], predicted, site.get("borderline", False))
        if predicted is not None and (predicted == POS) != (site["label"] == POS):
            disagreements.append((name, site, finding))
    for key, f in sorted(findings.items()):
        if key not in labelled_keys and f.get("verdict") not in ("test-code", "skipped", "already-tracked"):
            unlabelled.append(f"{name} {key[0]}:{key[1]}:{key[2]} verdict {f.get('verdict')} ({f.get('written_as')})")
    per_crate.append((f"{name} {crate['version']}", score))
    total.add(score)
    library.add(lib)

any_field = total.with_field > 0
for title, score in per_crate:
    print("\n".join(score.lines(title) if any_field else score.lines(title)[:1]))
print("\n".join(total.lines("total") if any_field else total.lines("total")[:1]))
if any_field:
    print("\n".join(library.lines("total without examples/")))

if unmatched:
    print(f"\n{len(unmatched)} labelled site(s) that corral no longer lists at that path/line/column:")
    for u in unmatched:
        print(f"  {u}")
else:
    print(f"\nsite matching: all {total.labelled} labelled sites matched by path/line/column")
if unlabelled:
    print(f"{len(unlabelled)} site(s) corral lists that have no label (new sites? relabel):")
    for u in unlabelled:
        print(f"  {u}")

if not any_field:
    print("\nthe findings carry no `lifetime` field: corral does not classify task lifetimes yet, "
          "so there is nothing to score", file=sys.stderr)
    sys.exit(2)

if no_field:
    print(f"\n{len(no_field)} matched site(s) without a `lifetime` field (counted as not long-lived):")
    for name, site, f in no_field:
        print(f"  {name} {site['path']}:{site['line']}  label {site['label']}  verdict {f.get('verdict')}")

print(f"\n{len(disagreements)} disagreement(s):")
for name, site, f in disagreements:
    mark = " (borderline)" if site.get("borderline") else ""
    print(f"  {name} {site['path']}:{site['line']}  label {site['label']}{mark}  "
          f"corral {f.get('lifetime')} (verdict {f.get('verdict')})")
    print(f"      label why:      {site['why']}")
    print(f"      corral evidence: {f.get('lifetime_evidence') or '(none given)'}")
PY
rc=$?
set -e
echo "lifetimes: fetch $((fetched - start))s, corral runs $((listed - fetched))s, total $((SECONDS - start))s (work dir $work)" >&2
exit $rc
