//! The JSON Schemas in `schemas/` against what corral really writes: the
//! `check` / `list --format json` document, the baseline file and `patch`'s
//! `manifest.json`, each from the built binary on the shipped `sample/`
//! workspace and on the fixtures, so that a script author can rely on the
//! fields the schemas name. The schemas must also reject what corral does not
//! write (a misspelled verdict, a missing field, another version), so that
//! they cannot pass by accepting anything.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::cargo::copy_tree;
use common::{Run, Scratch, corral, git};
use jsonschema::Validator;
use serde_json::{Value, json};
use tempfile::TempDir;

const REPORT: &str = "report.schema.json";
const BASELINE: &str = "baseline.schema.json";
const MANIFEST: &str = "patch-manifest.schema.json";
const SCHEMAS: [&str; 3] = [REPORT, BASELINE, MANIFEST];

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn schema(name: &str) -> Value {
    read_json(&repo_path(&format!("schemas/{name}")))
}

/// A draft 2020-12 validator of `schemas/<name>`; with no HTTP resolver
/// compiled in, a `$ref` to anything outside the file would fail here.
fn validator(name: &str) -> Validator {
    jsonschema::draft202012::new(&schema(name)).unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

/// Every way `document` breaks the schema, one line each (empty when valid).
fn violations(name: &str, document: &Value) -> Vec<String> {
    validator(name).iter_errors(document).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

fn assert_valid(name: &str, document: &Value, what: &str) {
    let violations = violations(name, document);
    assert!(violations.is_empty(), "{what} does not match {name}:\n{}", violations.join("\n"));
}

/// Asserts that the schema rejects `document`, with a violation that mentions
/// `expected` (a keyword, a field or a value), so that the test pins why.
fn assert_rejected(name: &str, document: &Value, what: &str, expected: &str) {
    let violations = violations(name, document);
    assert!(!violations.is_empty(), "{name} accepts {what}");
    assert!(
        violations.iter().any(|v| v.contains(expected)),
        "{name} rejects {what}, but not for `{expected}`:\n{}",
        violations.join("\n")
    );
}

/// A copy of a folder of this repository (`sample`, `tests/fixtures/...`) in
/// a temporary folder, so that nothing the runs do touches the tree.
fn copy_of(relative: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_path(relative), dir.path());
    dir
}

/// `corral <args> .` in `dir`, its exit code checked, its stdout as JSON.
fn json_run(dir: &Path, args: &[&str], code: i32) -> Value {
    let run = Run::of(corral(dir).args(args).arg("."));
    assert_eq!(run.code, code, "corral {args:?} in {}:\n{}\n{}", dir.display(), run.stdout, run.stderr);
    run.json()
}

/// The verdicts of a report's findings.
fn verdicts(document: &Value) -> BTreeSet<String> {
    findings(document).iter().map(|f| f["verdict"].as_str().unwrap().to_string()).collect()
}

fn findings(document: &Value) -> &Vec<Value> {
    document["findings"].as_array().unwrap_or_else(|| panic!("no `findings` array in {document}"))
}

/// The fixtures that hold, between them, a site of every verdict.
const VERDICT_FIXTURES: [&str; 4] = [
    "tests/fixtures/sites/exempt",
    "tests/fixtures/sites/skipped",
    "tests/fixtures/sites/test_code",
    "tests/fixtures/sites/tracked",
];

#[test]
fn schemas_are_valid_draft_2020_12_schemas() {
    for name in SCHEMAS {
        let schema = schema(name);
        if let Err(error) = jsonschema::draft202012::meta::validate(&schema) {
            panic!("{name} is not a valid draft 2020-12 schema: {error} at {}", error.instance_path());
        }
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema", "{name}");
        // An id on a reserved domain (RFC 2606): it names the schema, nothing fetches it.
        assert_eq!(schema["$id"], format!("https://corral.invalid/schemas/{name}"), "{name}");
        for key in ["title", "description"] {
            assert!(schema[key].as_str().is_some_and(|s| !s.is_empty()), "{name} has no {key}");
        }
        assert_eq!(schema["properties"]["version"]["const"], 1, "{name}: `version` must be the constant 1");
        validator(name);
    }
    // The meta-schema check is not vacuous either.
    assert!(!jsonschema::draft202012::meta::is_valid(&json!({"type": "verdict"})));
}

/// Collects, as JSON pointers, every property of `schema` (at any depth)
/// without a `description`. The conditions of `if` only test values that a
/// property elsewhere describes, so they are not walked.
fn undescribed(schema: &Value, pointer: &str, missing: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                for (name, property) in properties {
                    if property.get("description").and_then(Value::as_str).is_none_or(str::is_empty) {
                        missing.push(format!("{pointer}/properties/{name}"));
                    }
                }
            }
            for (key, value) in map {
                if key != "if" {
                    undescribed(value, &format!("{pointer}/{key}"), missing);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                undescribed(item, &format!("{pointer}/{index}"), missing);
            }
        }
        _ => {}
    }
}

#[test]
fn every_property_has_a_description() {
    for name in SCHEMAS {
        let schema = schema(name);
        let mut missing = Vec::new();
        undescribed(&schema, "", &mut missing);
        assert!(missing.is_empty(), "{name}: properties without a description:\n{}", missing.join("\n"));
        // Each definition says what it is too.
        for (definition, body) in schema["$defs"].as_object().unwrap() {
            assert!(body["description"].is_string(), "{name}: $defs/{definition} has no description");
        }
    }
    // The walk finds what it looks for.
    let mut missing = Vec::new();
    undescribed(&json!({"$defs": {"a": {"properties": {"x": {"type": "string"}}}}}), "", &mut missing);
    assert_eq!(missing, ["/$defs/a/properties/x"]);
}

#[test]
fn check_and_list_of_the_sample_match_the_report_schema() {
    let sample = copy_of("sample");
    let check = json_run(sample.path(), &["check", "--format", "json"], 1);
    assert_valid(REPORT, &check, "`check --format json` of sample/");
    assert_eq!(check["command"], "check");
    assert_eq!(verdicts(&check), BTreeSet::from(["bare".to_string()]));

    let list = json_run(sample.path(), &["list", "--format", "json"], 0);
    assert_valid(REPORT, &list, "`list --format json` of sample/");
    assert_eq!(list["command"], "list");
    assert_eq!(findings(&list).len() as u64, list["summary"]["sites"].as_u64().unwrap());
    // The sample exercises the optional parts: a reason, a typed receiver, an undecided lifetime.
    let shown = findings(&list);
    assert!(shown.iter().any(|f| f["verdict"] == "exempt" && f["reason"].is_string()));
    assert!(shown.iter().any(|f| f["context"]["method"]["self_kind"]["typed"]["ty"].is_string()));
    assert!(shown.iter().any(|f| f["lifetime_undecided"] == true));
}

#[test]
fn fixtures_with_every_verdict_match_the_report_schema() {
    let mut seen = BTreeSet::new();
    for fixture in VERDICT_FIXTURES {
        let dir = copy_of(fixture);
        let list = json_run(dir.path(), &["list", "--format", "json"], 0);
        assert_valid(REPORT, &list, &format!("`list --format json` of {fixture}"));
        seen.extend(verdicts(&list));

        let expected = if list["summary"]["findings"] == 0 { 0 } else { 1 };
        let check = json_run(dir.path(), &["check", "--format", "json"], expected);
        assert_valid(REPORT, &check, &format!("`check --format json` of {fixture}"));
        assert!(verdicts(&check).is_subset(&BTreeSet::from(["bare".into(), "exempt-without-reason".into()])));
    }
    let every: BTreeSet<String> = schema(REPORT)["$defs"]["finding"]["properties"]["verdict"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, every, "the fixtures show every verdict the schema names, and no other");
}

#[test]
fn list_with_tests_included_matches_the_report_schema() {
    let dir = copy_of("tests/fixtures/sites/test_code");
    let list = json_run(dir.path(), &["list", "--include-tests", "--format", "json"], 0);
    assert_valid(REPORT, &list, "`list --include-tests --format json` of the test_code fixture");
    // Included, test code gets real verdicts; `in_test` still says where it is.
    assert!(!verdicts(&list).contains("test-code"));
    assert!(findings(&list).iter().any(|f| f["in_test"] == true));
    assert_eq!(list["summary"]["verdicts"]["test-code"], 0);
}

/// Every fixture of the sites and rewrite suites, listed with tests included:
/// between them they show every shape a finding's fields take.
#[test]
fn every_fixture_lists_as_the_report_schema_says() {
    let mut shapes = BTreeSet::new();
    for suite in ["tests/fixtures/sites", "tests/fixtures/rewrite"] {
        let mut cases: Vec<_> =
            std::fs::read_dir(repo_path(suite)).unwrap().map(|e| e.unwrap().path()).collect();
        cases.sort();
        for case in cases.iter().filter(|case| case.join("Cargo.toml").is_file()) {
            let name = format!("{suite}/{}", case.file_name().unwrap().to_string_lossy());
            let dir = copy_of(&name);
            let list = json_run(dir.path(), &["list", "--include-tests", "--format", "json"], 0);
            assert_valid(REPORT, &list, &format!("`list --include-tests --format json` of {name}"));
            for finding in findings(&list) {
                let context = &finding["context"];
                shapes.insert(format!("handle {}", finding["handle"]));
                shapes.insert(format!("lifetime {}", finding["lifetime"]));
                shapes.insert(format!("self_kind {}", kind(&context["method"]["self_kind"])));
                shapes.insert(format!("tracker_capture {}", kind(&context["method"]["tracker_capture"])));
                for enclosing in context["enclosing"].as_array().unwrap() {
                    shapes.insert(format!("enclosing {}", enclosing["kind"]));
                }
                if context["in_macro"].is_string() {
                    shapes.insert("in_macro".into());
                }
                if context["wrapper"].is_string() {
                    shapes.insert("wrapper".into());
                }
                if context["test_support"].is_string() {
                    shapes.insert("test_support".into());
                }
                if context["method"]["tracker_through"].is_string() {
                    shapes.insert("tracker_through".into());
                }
            }
        }
    }
    for shape in [
        r#"handle "dropped""#,
        r#"handle "bound""#,
        r#"handle "awaited""#,
        r#"handle "passed-on""#,
        r#"lifetime "ends""#,
        r#"lifetime "long-lived""#,
        r#"self_kind "ref""#,
        r#"self_kind "value""#,
        "self_kind typed",
        r#"tracker_capture "copy""#,
        r#"tracker_capture "clone""#,
        "tracker_capture neither",
        r#"enclosing "closure""#,
        r#"enclosing "async-block""#,
        "in_macro",
        "wrapper",
        "test_support",
        "tracker_through",
    ] {
        assert!(shapes.contains(shape), "no fixture shows {shape}; seen: {shapes:#?}");
    }
}

/// A string value as itself, an externally tagged variant by its tag.
fn kind(value: &Value) -> String {
    match value {
        Value::Object(map) => map.keys().cloned().collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[test]
fn a_report_with_problems_matches_the_report_schema() {
    let scratch = Scratch::package("mod net;\n\npub fn start() {\n    tokio::spawn(async {});\n}\n");
    scratch.bytes("src/net.rs", b"pub fn serve() {}\n\xff\xfe\n");
    let check = json_run(scratch.path(), &["check", "--format", "json"], 2);
    assert_valid(REPORT, &check, "a `check` with a file that is not UTF-8");
    let problems = check["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{check}");
    assert_eq!(problems[0]["path"], "src/net.rs");
    assert_eq!(check["summary"]["problems"], 1);
}

/// `check --write-baseline` in `dir` into a temporary folder: the file's JSON.
fn write_baseline(dir: &Path, out: &TempDir) -> (PathBuf, Value) {
    let file = out.path().join("corral-baseline.json");
    let run = Run::of(corral(dir).args(["check", ".", "--write-baseline"]).arg(&file));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let document = read_json(&file);
    (file, document)
}

#[test]
fn baselines_written_by_check_match_the_baseline_schema() {
    let out = tempfile::tempdir().unwrap();
    let mut rules = BTreeSet::new();
    for workspace in ["sample", "tests/fixtures/sites/exempt"] {
        let dir = copy_of(workspace);
        let (file, baseline) = write_baseline(dir.path(), &out);
        assert_valid(BASELINE, &baseline, &format!("the baseline of {workspace}"));
        let entries = baseline["findings"].as_array().unwrap();
        assert!(!entries.is_empty(), "{workspace} has findings to write");
        rules.extend(entries.iter().map(|e| e["rule"].as_str().unwrap().to_string()));

        // Read back, it holds every finding; the report under a baseline matches too.
        let check =
            json_run(dir.path(), &["check", "--format", "json", "--baseline", file.to_str().unwrap()], 0);
        assert_valid(REPORT, &check, &format!("`check --baseline` of {workspace}"));
        assert_eq!(check["summary"]["left_out"]["in_baseline"].as_u64().unwrap() as usize, entries.len());
        assert_eq!(check["summary"]["left_out"]["baseline_fixed"], 0);
    }
    assert_eq!(rules, BTreeSet::from(["bare-spawn".to_string(), "exempt-without-reason".to_string()]));
}

/// What the schema rejects as closed, corral's reader rejects too: the schema
/// does not promise a script more than `check --baseline` accepts.
#[test]
fn the_baseline_schema_rejects_what_check_rejects() {
    let dir = copy_of("tests/fixtures/sites/exempt");
    let out = tempfile::tempdir().unwrap();
    let (file, baseline) = write_baseline(dir.path(), &out);
    let mut extra = baseline.clone();
    extra["findings"][0]["note"] = json!("added by a script");
    let mut future = baseline.clone();
    future["version"] = json!(2);
    for (what, document, keyword) in
        [("an entry with an unknown field", extra, "note"), ("version 2", future, "/version")]
    {
        assert_rejected(BASELINE, &document, what, keyword);
        std::fs::write(&file, serde_json::to_string_pretty(&document).unwrap()).unwrap();
        let run = Run::of(corral(dir.path()).args(["check", ".", "--baseline"]).arg(&file));
        assert_eq!(run.code, 2, "check reads a baseline with {what}:\n{}", run.stderr);
    }
}

/// `corral patch . --out DIR` on a copy of `sample/` in a git repository of
/// one commit: the manifest's JSON and the folder it was written to.
fn sample_manifest() -> (Value, TempDir) {
    let repo = copy_of("sample");
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "initial"]);
    let out = tempfile::tempdir().unwrap();
    let run = Run::of(corral(repo.path()).args(["patch", ".", "--out"]).arg(out.path()));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    (read_json(&out.path().join("manifest.json")), out)
}

#[test]
fn the_patch_manifest_of_the_sample_matches_the_manifest_schema() {
    let (manifest, out) = sample_manifest();
    assert_valid(MANIFEST, &manifest, "manifest.json of `corral patch` on sample/");
    let patches = manifest["patches"].as_array().unwrap();
    assert_eq!(patches.len(), 2, "one patch per crate of the sample");
    for patch in patches {
        let file = patch["file"].as_str().unwrap();
        assert!(out.path().join(file).is_file(), "the manifest names {file}, which is not in DIR");
    }
    let results: BTreeSet<&str> = patches
        .iter()
        .flat_map(|p| p["sites"].as_array().unwrap())
        .map(|s| s["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, BTreeSet::from(["exempt-long-lived", "global-helper", "own-tracker"]));
}

/// Real documents, each changed in one way corral never writes: the schemas
/// must reject every one, so that they cannot be vacuous.
#[test]
fn schemas_reject_what_corral_does_not_write() {
    let sample = copy_of("sample");
    let list = json_run(sample.path(), &["list", "--format", "json"], 0);
    let check = json_run(sample.path(), &["check", "--format", "json"], 1);
    assert_valid(REPORT, &list, "the list being mutated");
    let exempt =
        findings(&list).iter().position(|f| f["verdict"] == "exempt").expect("sample has an exempt site");
    let bare = findings(&list).iter().position(|f| f["verdict"] == "bare").unwrap();

    let mutate = |document: &Value, change: &dyn Fn(&mut Value)| {
        let mut changed = document.clone();
        change(&mut changed);
        changed
    };
    let remove = |key: &'static str| {
        move |value: &mut Value| {
            value.as_object_mut().unwrap().remove(key);
        }
    };

    let reports = [
        ("a report without `summary`", mutate(&list, &remove("summary")), "summary"),
        ("a report of version 2", mutate(&list, &|d| d["version"] = json!(2)), "version"),
        ("a report of command `diff`", mutate(&list, &|d| d["command"] = json!("diff")), "diff"),
        ("a verdict `bogus`", mutate(&list, &|d| d["findings"][bare]["verdict"] = json!("bogus")), "bogus"),
        (
            "a verdict `exempt_without_reason`",
            mutate(&list, &|d| d["findings"][bare]["verdict"] = json!("exempt_without_reason")),
            "exempt_without_reason",
        ),
        (
            "a finding without `context`",
            mutate(&list, &|d| remove("context")(&mut d["findings"][bare])),
            "context",
        ),
        (
            "a finding without `package`",
            mutate(&list, &|d| remove("package")(&mut d["findings"][bare])),
            "package",
        ),
        ("a string line", mutate(&list, &|d| d["findings"][bare]["line"] = json!("34")), "34"),
        ("line 0", mutate(&list, &|d| d["findings"][bare]["line"] = json!(0)), "minimum"),
        ("handle `Dropped`", mutate(&list, &|d| d["findings"][bare]["handle"] = json!("Dropped")), "Dropped"),
        (
            "lifetime `forever`",
            mutate(&list, &|d| d["findings"][bare]["lifetime"] = json!("forever")),
            "forever",
        ),
        (
            "a lifetime without evidence",
            mutate(&list, &|d| remove("lifetime_evidence")(&mut d["findings"][bare])),
            "lifetime_evidence",
        ),
        (
            "an exempt site without its reason",
            mutate(&list, &|d| remove("reason")(&mut d["findings"][exempt])),
            "reason",
        ),
        (
            "a reason on a bare site",
            mutate(&list, &|d| d["findings"][bare]["reason"] = json!("why not")),
            "reason",
        ),
        (
            "a verdict count missing",
            mutate(&list, &|d| remove("test-code")(&mut d["summary"]["verdicts"])),
            "test-code",
        ),
        ("a negative count", mutate(&list, &|d| d["summary"]["sites"] = json!(-1)), "minimum"),
        (
            "`left_out.since` a number",
            mutate(&list, &|d| d["summary"]["left_out"]["since"] = json!(3)),
            "since",
        ),
        (
            "an unknown receiver kind",
            mutate(&list, &|d| d["findings"][bare]["context"]["method"]["self_kind"] = json!("mut")),
            "mut",
        ),
        (
            "an enclosing kind `block`",
            mutate(&list, &|d| {
                d["findings"][bare]["context"]["enclosing"] =
                    json!([{"kind": "block", "is_move": true, "start": 0, "end": 1, "statement_start": null}])
            }),
            "block",
        ),
        (
            "a problem without a message",
            mutate(&list, &|d| d["problems"] = json!([{"path": "src/lib.rs"}])),
            "message",
        ),
        (
            "`check` showing an exempt site",
            mutate(&check, &|d| d["findings"][0]["verdict"] = json!("exempt")),
            r#"is not one of "bare" or "exempt-without-reason""#,
        ),
    ];
    for (what, document, expected) in &reports {
        assert_rejected(REPORT, document, what, expected);
    }
    // New fields may appear without a version bump: the report stays open.
    assert_valid(
        REPORT,
        &mutate(&list, &|d| d["findings"][bare]["new_field"] = json!(true)),
        "a report with a new field",
    );

    let out = tempfile::tempdir().unwrap();
    let (_, baseline) = write_baseline(sample.path(), &out);
    let baselines = [
        ("a baseline of version 2", mutate(&baseline, &|d| d["version"] = json!(2)), "version"),
        ("a baseline without findings", mutate(&baseline, &remove("findings")), "findings"),
        (
            "a baseline with a top-level extra",
            mutate(&baseline, &|d| d["generated"] = json!("today")),
            "generated",
        ),
        ("a rule `bare`", mutate(&baseline, &|d| d["findings"][0]["rule"] = json!("bare")), "bare"),
        (
            "an entry without fingerprint",
            mutate(&baseline, &|d| remove("fingerprint")(&mut d["findings"][0])),
            "fingerprint",
        ),
        (
            "a fingerprint without occurrence",
            mutate(&baseline, &|d| d["findings"][0]["fingerprint"] = json!("a9670567bee2590e")),
            "fingerprint",
        ),
    ];
    for (what, document, expected) in &baselines {
        assert_rejected(BASELINE, document, what, expected);
    }

    let (manifest, _out) = sample_manifest();
    let tracked = |d: &Value| {
        d["patches"][0]["sites"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s["result"] == "own-tracker")
            .unwrap()
    };
    let site = tracked(&manifest);
    let manifests = [
        ("a manifest of version 2", mutate(&manifest, &|d| d["version"] = json!(2)), "version"),
        ("a split `crates`", mutate(&manifest, &|d| d["split"] = json!("crates")), "crates"),
        (
            "a patch without its branch",
            mutate(&manifest, &|d| remove("branch")(&mut d["patches"][0])),
            "branch",
        ),
        (
            "a result `tracked`",
            mutate(&manifest, &|d| d["patches"][0]["sites"][site]["result"] = json!("tracked")),
            "tracked",
        ),
        (
            "`not-converted` without a reason",
            mutate(&manifest, &|d| d["patches"][0]["sites"][site]["result"] = json!("not-converted")),
            "reason",
        ),
        (
            "a patch file not numbered",
            mutate(&manifest, &|d| d["patches"][0]["file"] = json!("core.patch")),
            "core.patch",
        ),
    ];
    for (what, document, expected) in &manifests {
        assert_rejected(MANIFEST, document, what, expected);
    }
}
