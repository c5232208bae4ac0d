"""Scores `corral list --format json` against a workspace's labels.

Usage: python3 score_workspace.py LABELS.json CORRAL_LIST.json

Joins on (path, line, column), then on (path, line) for a label whose column
differs (a chain written over several lines). Prints:
- coverage: labelled sites corral lists, and corral's sites no label names;
- test code: agreement of the labels' `test_code` with corral's `in_test`;
- long-lived: precision and recall on production sites, overall, on library
  code (target `lib`, not `examples/`), and without borderline labels;
- every disagreement, with corral's evidence.
"""

import json
import sys


def main(labels_path, corral_path):
    labels = json.load(open(labels_path))
    report = json.load(open(corral_path))
    findings = report["findings"] if isinstance(report, dict) else report
    by_position = {(f["path"], f["line"], f["column"]): f for f in findings}
    by_line = {}
    for f in findings:
        by_line.setdefault((f["path"], f["line"]), []).append(f)

    matched, missing = [], []
    used = set()
    for site in labels["sites"]:
        key = (site["path"], site["line"], site["column"])
        found = by_position.get(key)
        if found is None:
            near = [f for f in by_line.get(key[:2], []) if id(f) not in used]
            found = near[0] if len(near) == 1 else None
        if found is None:
            missing.append(site)
        else:
            used.add(id(found))
            matched.append((site, found))
    labelled_files = {s["path"] for s in labels["sites"]}
    unlabelled = [f for f in findings if id(f) not in used and f["path"] in labelled_files]

    print(f"{labels['name']} at {labels['commit'][:12]}: {len(labels['sites'])} labelled sites")
    print(f"  coverage: {len(matched)} found by corral, {len(missing)} not listed, "
          f"{len(unlabelled)} listed by corral in labelled files without a label")

    test_agree = sum(1 for s, f in matched if s["test_code"] == f["in_test"])
    print(f"  test code: {test_agree} of {len(matched)} agree "
          f"({sum(1 for s, _ in matched if s['test_code'])} labelled test code)")

    def score(pairs, title):
        tp = sum(1 for s, f in pairs if s["label"] == "long-lived" and f.get("lifetime") == "long-lived")
        fp = sum(1 for s, f in pairs if s["label"] != "long-lived" and f.get("lifetime") == "long-lived")
        fn = sum(1 for s, f in pairs if s["label"] == "long-lived" and f.get("lifetime") != "long-lived")
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        labelled = sum(1 for s, _ in pairs if s["label"] == "long-lived")
        print(f"  long-lived, {title}: {len(pairs)} sites, {labelled} labelled long-lived: "
              f"precision {precision:.2f} ({tp} of {tp + fp}), recall {recall:.2f} ({tp} of {tp + fn})")

    production = [(s, f) for s, f in matched if not s["test_code"] and s.get("label")]
    score(production, "production")
    score([(s, f) for s, f in production if not s.get("borderline")], "without borderline labels")
    library = [(s, f) for s, f in production if s.get("target") == "lib" and not s["path"].startswith("examples/")
               and "/examples/" not in s["path"]]
    score(library, "library code")

    print("\ndisagreements:")
    for s, f in matched:
        if s["test_code"] != f["in_test"]:
            print(f"  test code {s['path']}:{s['line']}: label {s['test_code']} ({s.get('test_code_why', '')}), "
                  f"corral {f['in_test']} ({f['verdict']})")
    for s, f in production:
        said = f.get("lifetime")
        if (s["label"] == "long-lived") != (said == "long-lived"):
            undecided = " (undecided)" if f.get("lifetime_undecided") else ""
            print(f"  lifetime {s['path']}:{s['line']}: label {s['label']} ({s['why']}); "
                  f"corral {said}{undecided}: {f.get('lifetime_evidence')}")
    for s in missing:
        print(f"  not listed {s['path']}:{s['line']}:{s['column']} {s['callee']} (test code: {s['test_code']})")
    for f in unlabelled:
        print(f"  no label {f['path']}:{f['line']}:{f['column']} {f['written_as']} ({f['verdict']})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
