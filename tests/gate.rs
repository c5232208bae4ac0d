//! `corral check` as a team adopts it with a backlog: `--since REV` gates only
//! the lines a change added, a baseline file holds today's findings, and
//! named files (what a pre-commit hook passes) narrow the gate.

mod common;

use common::{Run, Scratch, corral, git, manifest, site, sites};
use serde_json::Value;

const OLD_LIB: &str = "mod worker;\n\npub fn start() {\n    tokio::spawn(async {});\n}\n";
const OLD_WORKER: &str = "pub fn run() {\n    std::thread::spawn(|| ());\n}\n";
const MOVED: &str = "pub fn moved() {\n    tokio::task::spawn_blocking(|| ());\n}\n";

/// A package with three old findings, committed on `main`.
fn repository() -> Scratch {
    let scratch = Scratch::new();
    scratch
        .file("Cargo.toml", &manifest("app", ""))
        .file("src/lib.rs", &format!("{OLD_LIB}mod old_name;\n"))
        .file("src/worker.rs", OLD_WORKER)
        .file("src/old_name.rs", MOVED);
    git(scratch.path(), &["init", "-q", "-b", "main"]);
    git(scratch.path(), &["add", "-A"]);
    git(scratch.path(), &["commit", "-q", "-m", "initial"]);
    scratch
}

/// The change a pull request makes: lines above the old spawn, a new spawn
/// in a changed file, a renamed file, a new untracked file.
fn change(scratch: &Scratch) {
    let lib = "mod worker;\nmod fresh;\n\n/// Starts it.\n// Twice.\npub fn start() {\n    tokio::spawn(async {});\n}\n\
               \npub fn another() {\n    tokio::spawn(async { 1 });\n}\nmod new_name;\n";
    scratch.file("src/lib.rs", lib);
    git(scratch.path(), &["mv", "src/old_name.rs", "src/new_name.rs"]);
    scratch.file("src/fresh.rs", "pub fn fresh() {\n    std::thread::spawn(|| 2);\n}\n");
}

fn check(scratch: &Scratch, args: &[&str]) -> Run {
    Run::of(corral(scratch.path()).arg("check").args(args))
}

// ---------------------------------------------------------------- --since

#[test]
fn since_reports_only_what_the_change_added() {
    let scratch = repository();
    change(&scratch);
    let run = check(&scratch, &["--since", "main", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        sites(&run.json()),
        [
            site("src/fresh.rs", 2, 5, "std::thread::spawn", "bare"),
            site("src/lib.rs", 11, 5, "tokio::spawn", "bare"),
        ],
        "the moved old spawn, the renamed file and the untouched worker are left out"
    );
    let left_out = &run.json()["summary"]["left_out"];
    assert_eq!(left_out["unchanged"], 3);
    assert_eq!(left_out["since"], "main");

    let human = check(&scratch, &["--since", "main"]);
    assert_eq!(human.code, 1);
    assert!(human.stdout.contains("2 bare spawns in 2 files"), "{}", human.stdout);
    assert!(
        human.stdout.contains("left out 3 older findings: 3 on lines unchanged since main"),
        "{}",
        human.stdout
    );
}

#[test]
fn since_passes_when_the_change_adds_no_spawn() {
    let scratch = repository();
    scratch.file("src/worker.rs", &format!("// A comment.\n{OLD_WORKER}\npub fn idle() {{}}\n"));
    let run = check(&scratch, &["--since", "HEAD"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("no bare spawns"), "{}", run.stdout);
    assert!(run.stdout.contains("left out 3 older findings"), "{}", run.stdout);
    // Without --since the same tree fails.
    assert_eq!(check(&scratch, &[]).code, 1);
}

#[test]
fn since_a_modified_line_counts_as_added() {
    let scratch = repository();
    scratch.file("src/worker.rs", &OLD_WORKER.replace("|| ()", "|| println!(\"changed\")"));
    let run = check(&scratch, &["--since", "main", "--format", "json"]);
    assert_eq!(sites(&run.json()), [site("src/worker.rs", 2, 5, "std::thread::spawn", "bare")]);
}

#[test]
fn since_works_from_a_subfolder_and_in_the_semantic_tier() {
    let scratch = repository();
    change(&scratch);
    // The semantic tier loads the package with cargo (no dependencies to fetch).
    let run = Run::of(
        corral(&scratch.path().join("src"))
            .env_remove("CORRAL_SYNTAX_ONLY")
            .args(["check", "..", "--since", "main", "--format", "json"]),
    );
    assert_eq!(run.code, 1, "{run:?}");
    let found: Vec<_> = sites(&run.json()).into_iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(found, [("src/fresh.rs".to_string(), 2), ("src/lib.rs".to_string(), 11)]);
}

#[test]
fn since_an_unknown_revision_is_an_error() {
    let scratch = repository();
    let run = check(&scratch, &["--since", "no-such-branch"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--since no-such-branch: not a git revision here"), "{}", run.stderr);

    let outside = Scratch::package(OLD_LIB);
    let run = check(&outside, &["--since", "main"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("is not inside a git work tree"), "{}", run.stderr);
}

// ---------------------------------------------------------------- baseline

#[test]
fn a_baseline_lets_old_findings_pass_and_new_ones_fail() {
    let scratch = repository();
    let write = check(&scratch, &["--write-baseline", "corral-baseline.json"]);
    assert_eq!(write.code, 0, "{write:?}");
    assert_eq!(write.stdout, "wrote corral-baseline.json with 3 findings\n");
    let text = std::fs::read_to_string(scratch.path().join("corral-baseline.json")).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    let entries: Vec<_> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["line"].as_u64().unwrap(), e["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("src/lib.rs", 4, "tokio::spawn(async {});"),
            ("src/old_name.rs", 2, "tokio::task::spawn_blocking(|| ());"),
            ("src/worker.rs", 2, "std::thread::spawn(|| ());"),
        ],
        "sorted by path, one entry per finding"
    );

    let clean = check(&scratch, &["--baseline", "corral-baseline.json"]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(clean.stdout.contains("left out 3 older findings: 3 in the baseline"), "{}", clean.stdout);

    // Lines inserted above the old sites, one site fixed, one added.
    scratch.file("src/lib.rs", &format!("//! Docs.\n\n{OLD_LIB}mod old_name;\n"));
    scratch.file(
        "src/worker.rs",
        "pub fn run() {\n    tracked(|| ());\n}\n\npub fn more() {\n    std::thread::spawn(|| 3);\n}\n",
    );
    let run = check(&scratch, &["--baseline", "corral-baseline.json", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(sites(&run.json()), [site("src/worker.rs", 6, 5, "std::thread::spawn", "bare")]);
    let left_out = &run.json()["summary"]["left_out"];
    assert_eq!(left_out["in_baseline"], 2);
    assert_eq!(left_out["baseline_fixed"], 1);
    let human = check(&scratch, &["--baseline", "corral-baseline.json"]);
    assert!(
        human
            .stdout
            .contains("1 baseline entry no longer matches (fixed): write the baseline again to drop it"),
        "{}",
        human.stdout
    );

    // Writing it again drops the fixed entry and takes the new one in.
    check(&scratch, &["--write-baseline", "corral-baseline.json"]);
    let again = check(&scratch, &["--baseline", "corral-baseline.json", "--format", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["summary"]["left_out"]["baseline_fixed"], 0);
    assert_eq!(again.json()["summary"]["left_out"]["in_baseline"], 3);
}

#[test]
fn the_baseline_can_come_from_the_config_file() {
    let scratch = repository();
    scratch.file("corral.toml", "baseline = \"ci/corral-baseline.json\"\n");
    assert_eq!(check(&scratch, &["--write-baseline", "ci/corral-baseline.json"]).code, 0);
    // Run from elsewhere: the key is relative to the config file.
    let run = Run::of(corral(&scratch.path().join("src")).args(["check", ".."]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("3 in the baseline"), "{}", run.stdout);
}

#[test]
fn a_missing_or_broken_baseline_is_an_error_naming_it() {
    let scratch = repository();
    let missing = check(&scratch, &["--baseline", "nope.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read the baseline nope.json (write it with --write-baseline)"),
        "{}",
        missing.stderr
    );
    scratch.file("broken.json", "{\"version\": 1, \"findings\": [{\"path\": 3}]}");
    let broken = check(&scratch, &["--baseline", "broken.json"]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("broken.json: invalid type"), "{}", broken.stderr);
}

// ---------------------------------------------------------------- named files

#[test]
fn named_files_narrow_the_gate() {
    let scratch = repository();
    let run = check(&scratch, &[".", "src/worker.rs", "README.md", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(sites(&run.json()), [site("src/worker.rs", 2, 5, "std::thread::spawn", "bare")]);
    assert_eq!(run.json()["summary"]["left_out"]["other_files"], 2);

    scratch.file("src/worker.rs", "pub fn run() {}\n");
    let clean = check(&scratch, &[".", "src/worker.rs"]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(clean.stdout.contains("left out 2 older findings: 2 in files not named"), "{}", clean.stdout);
}

#[test]
fn write_baseline_refuses_a_partial_run() {
    let scratch = repository();
    let run = check(&scratch, &["--write-baseline", "b.json", "--since", "main"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    assert!(!scratch.path().join("b.json").exists());
}
