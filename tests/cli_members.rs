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

/// `corral` in `root` with `args`; stdout and stderr together, and the exit code.
fn corral_in(root: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("corral").unwrap().current_dir(root).args(args).output().unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

/// Two unpublished members with sites get a module each by default, and the
/// audit proposes one helper crate with the key to set, without switching.
#[test]
fn the_audit_proposes_one_helper_crate_for_unpublished_members() {
    let dir = two_members();
    let root = dir.path();
    for member in ["a", "b"] {
        let manifest = root.join("crates").join(member).join("Cargo.toml");
        let text = fs::read_to_string(&manifest)
            .unwrap()
            .replace("edition = \"2021\"\n", "edition = \"2021\"\npublish = false\n");
        fs::write(manifest, text).unwrap();
    }
    let (code, text) = corral_in(root, &["diff", "--stat", "--no-format", "."]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("crates/a/src/tasks.rs") && text.contains("crates/b/src/tasks.rs"), "{text}");
    assert!(
        text.contains("2 crates get a helper of their own (a, b)")
            && text.contains("set `helper-crate = \"crates/tasks\"` in corral.toml"),
        "{text}"
    );

    // A published member: a shared unpublished crate would keep it from publishing.
    let manifest = root.join("crates/a/Cargo.toml");
    fs::write(&manifest, fs::read_to_string(&manifest).unwrap().replace("publish = false\n", "")).unwrap();
    let (_, text) = corral_in(root, &["diff", "--stat", "--no-format", "."]);
    assert!(!text.contains("helper-crate"), "{text}");
}

/// `init --helper-crate` makes the crate, a member and a dependency of each
/// crate with sites, and writes the key, so that `apply` then uses it.
#[test]
fn init_with_a_helper_crate_sets_it_up_for_apply() {
    let dir = two_members();
    let root = dir.path();
    let (code, text) = corral_in(root, &["init", "--no-format", "--helper-crate", "crates/tasks", "."]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(fs::read_to_string(root.join("corral.toml")).unwrap(), "helper-crate = \"crates/tasks\"\n");
    let members = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(members.contains("members = [\"crates/a\", \"crates/b\", \"crates/tasks\"]"), "{members}");
    let helper = fs::read_to_string(root.join("crates/tasks/src/lib.rs")).unwrap();
    assert!(helper.contains("pub async fn drain_timeout(limit: std::time::Duration) -> bool"), "{helper}");
    assert!(fs::read_to_string(root.join("crates/tasks/Cargo.toml")).unwrap().contains("name = \"tasks\""));
    for member in ["a", "b"] {
        let manifest = fs::read_to_string(root.join("crates").join(member).join("Cargo.toml")).unwrap();
        assert!(manifest.contains("tasks = { path = \"../tasks\" }"), "{member}: {manifest}");
        assert!(!root.join("crates").join(member).join("src/tasks.rs").exists());
    }
    let (code, diff) = corral_in(root, &["diff", "--no-format", "."]);
    assert_eq!(code, 0, "{diff}");
    assert!(diff.contains("+    tasks::spawn(async {});"), "{diff}");
    assert!(!diff.contains("Cargo.toml"), "the crate is set up already: {diff}");
}
