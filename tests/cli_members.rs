//! Scanning one member of a workspace: the other members still count for
//! resolution (a re-export that member `a` defines and member `b` calls), but
//! only the files under the scanned folder are reported.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// `a` re-exports tokio's spawn from `a::rt` (and spawns once itself); `b` calls `a::rt::spawn`.
fn two_members() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"crates/a\", \"crates/b\"]\nresolver = \"2\"\n");
    write(
        root,
        "crates/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    );
    write(root, "crates/a/src/lib.rs", "pub mod rt;\n\npub fn own() {\n    tokio::spawn(async {});\n}\n");
    write(root, "crates/a/src/rt.rs", "pub use tokio::spawn;\n");
    write(
        root,
        "crates/b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\na = { path = \"../a\" }\n",
    );
    write(root, "crates/b/src/lib.rs", "pub fn start() {\n    a::rt::spawn(async {});\n}\n");
    dir
}

fn check_json(path: &Path) -> (i32, Value) {
    let output = Command::cargo_bin("corral")
        .unwrap()
        .args(["check", path.to_str().unwrap(), "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code().unwrap(), json)
}

fn finding_paths(json: &Value) -> Vec<String> {
    json["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect()
}

#[test]
fn one_member_sees_a_re_export_of_another() {
    let dir = two_members();
    let (code, json) = check_json(&dir.path().join("crates/b"));
    assert_eq!(code, 1, "{json:#}");
    // Only b's call, relative to the scanned folder; a's own spawn is not b's finding.
    assert_eq!(finding_paths(&json), ["src/lib.rs"], "{json:#}");
    assert_eq!(json["findings"][0]["line"], 2);
}

#[test]
fn the_other_member_alone_reports_only_its_own_site() {
    let dir = two_members();
    let (code, json) = check_json(&dir.path().join("crates/a"));
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(finding_paths(&json), ["src/lib.rs"], "{json:#}");
    assert_eq!(json["findings"][0]["line"], 4);
}

#[test]
fn the_whole_workspace_reports_both() {
    let dir = two_members();
    let (code, json) = check_json(dir.path());
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(finding_paths(&json), ["crates/a/src/lib.rs", "crates/b/src/lib.rs"], "{json:#}");
}
