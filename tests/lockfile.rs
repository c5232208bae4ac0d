//! `lockfile::updated_lock` against real cargo on temporary workspaces: the
//! lock it returns is the one cargo writes for the manifest edit, moves
//! nothing that need not move, passes `--locked`, and the user's tree is
//! left as it was. The fixtures' locks come from crates.io, so these tests
//! need the registry (or an index cache that holds tokio and tokio-util).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use corral::lockfile::{LockError, LockInput, LockOutcome, lock_diff_summary, updated_lock};

use common::Scratch;
use common::cargo::{cargo, copy_tree};

/// What the migration adds to a manifest.
const TOKIO_UTIL: &str = "tokio-util = { version = \"0.7.10\", features = [\"rt\"] }";

/// Old pins. The newest tokio-util accepts these bytes and pin-project-lite,
/// so they must stay; it does not accept tokio 1.38.0, so tokio moves.
const PINS: [(&str, &str); 3] = [("tokio", "1.38.0"), ("bytes", "1.5.0"), ("pin-project-lite", "0.2.13")];

/// A two-member workspace: `app` (a bin) depends on `core-lib` (a lib) by
/// path, `core-lib` on tokio and bytes, `app` on pin-project-lite; its lock
/// pins each of them at an old version.
fn workspace() -> Scratch {
    let scratch = Scratch::new();
    scratch
        .file("Cargo.toml", "[workspace]\nmembers = [\"app\", \"core\"]\nresolver = \"2\"\n")
        .file(
            "app/Cargo.toml",
            &package("app", "core-lib = { path = \"../core\" }\npin-project-lite = \"0.2\"\n"),
        )
        .file("app/src/main.rs", "fn main() {}\n")
        .file(
            "core/Cargo.toml",
            &package("core-lib", "tokio = { version = \"1\", features = [\"rt\"] }\nbytes = \"1\"\n"),
        )
        .file("core/src/lib.rs", "");
    lock(scratch.path(), &PINS);
    scratch
}

fn package(name: &str, dependencies: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{dependencies}"
    )
}

/// Writes the folder's `Cargo.lock` with `pins` at their versions.
fn lock(dir: &Path, pins: &[(&str, &str)]) {
    must(dir, &["generate-lockfile"]);
    for (name, version) in pins {
        must(dir, &["update", "-p", name, "--precise", version]);
    }
}

fn must(dir: &Path, args: &[&str]) {
    let run = cargo(dir, args);
    assert!(run.success, "cargo {args:?} failed; this test needs the crates.io registry:\n{}", run.stderr);
}

/// The manifests under `root` as the migration would leave them: each read
/// from disk, `edit` applied to the one at `edited`.
fn manifests(root: &Path, edited: &str, edit: impl Fn(&str) -> String) -> Vec<(PathBuf, String)> {
    let mut manifests = Vec::new();
    for relative in manifest_paths(root) {
        let text = std::fs::read_to_string(root.join(&relative)).unwrap();
        let text = if relative == Path::new(edited) { edit(&text) } else { text };
        manifests.push((root.join(relative), text));
    }
    manifests
}

fn manifest_paths(root: &Path) -> Vec<PathBuf> {
    snapshot(root).into_keys().filter(|path| path.ends_with("Cargo.toml")).collect()
}

fn add_dependency(line: &str) -> impl Fn(&str) -> String + '_ {
    move |text| text.replace("[dependencies]\n", &format!("[dependencies]\n{line}\n"))
}

/// Every file under `root`, by relative path.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(root, root, &mut files);
    files
}

/// Runs `updated_lock` and says how long it took.
fn timed(label: &str, input: &LockInput) -> Result<LockOutcome, LockError> {
    let start = Instant::now();
    let outcome = updated_lock(input);
    eprintln!("{label}: updated_lock took {:?}", start.elapsed());
    outcome
}

/// The lock's `[[package]]` tables by name (each name once in these fixtures).
fn packages(lock: &str) -> BTreeMap<String, toml::Table> {
    let doc: toml::Table = lock.parse().expect("the lock is TOML");
    doc["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            let table = package.as_table().unwrap().clone();
            (table["name"].as_str().unwrap().to_string(), table)
        })
        .collect()
}

fn version<'a>(packages: &'a BTreeMap<String, toml::Table>, name: &str) -> &'a str {
    packages[name]["version"].as_str().unwrap_or_else(|| panic!("{name} has no version"))
}

fn dependencies(packages: &BTreeMap<String, toml::Table>, name: &str) -> Vec<String> {
    let list = packages[name].get("dependencies").and_then(toml::Value::as_array);
    list.into_iter().flatten().filter_map(toml::Value::as_str).map(str::to_string).collect()
}

/// `cargo metadata --locked` on a copy of `tree` (the workspace `root` and
/// whatever around it the workspace reaches) holding the new manifests and
/// `lock`; whether cargo accepted the lock, and what it said.
fn accepted_with_locked(
    tree: &Path,
    root: &Path,
    manifests: &[(PathBuf, String)],
    lock: &str,
) -> (bool, String) {
    let copy = Scratch::new();
    copy_tree(tree, copy.path());
    let relative = |path: &Path| path.strip_prefix(tree).unwrap().to_str().unwrap().to_string();
    for (path, text) in manifests {
        copy.file(&relative(path), text);
    }
    copy.file(&relative(&root.join("Cargo.lock")), lock);
    let run = cargo(&copy.path().join(relative(root)), &["metadata", "--format-version", "1", "--locked"]);
    (run.success, run.stderr)
}

#[test]
fn adding_tokio_util_updates_the_lock_as_cargo_would() {
    let ws = workspace();
    let root = ws.path();
    let before = snapshot(root);
    let old = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let manifests = manifests(root, "core/Cargo.toml", add_dependency(TOKIO_UTIL));
    let targets = [root.join("app/src/main.rs"), root.join("core/src/lib.rs")];
    let input = LockInput { root, lock: &old, manifests: &manifests, target_roots: &targets };

    let outcome = timed("add tokio-util", &input).expect("the lock updates");

    assert_eq!(snapshot(root), before, "the user's tree was written");
    let LockOutcome::Updated(new) = outcome else { panic!("the lock should change") };
    let (old_packages, new_packages) = (packages(&old), packages(&new));
    assert!(version(&new_packages, "tokio-util").starts_with("0.7."));
    assert!(dependencies(&new_packages, "core-lib").contains(&"tokio-util".to_string()));

    // Cargo alone takes the newest tokio-util, which needs tokio 1.51 and
    // would move the pinned 1.38.0; the lock update keeps tokio, bytes and
    // pin-project-lite where they were and takes the newest tokio-util that
    // builds with them (0.7.17 declares tokio ^1.28 but needs 1.44).
    let summary = lock_diff_summary(&old, &new);
    eprintln!("lock changes: {summary:#?}");
    let moved: Vec<&String> = summary.iter().filter(|line| !line.starts_with("added ")).collect();
    assert!(moved.is_empty(), "nothing moves: {summary:#?}");
    assert_eq!(version(&new_packages, "tokio-util"), "0.7.16");
    assert_eq!(version(&new_packages, "tokio"), "1.38.0");
    assert_eq!(version(&new_packages, "bytes"), "1.5.0");
    assert_eq!(version(&new_packages, "pin-project-lite"), "0.2.13");
    assert!(old_packages.keys().all(|name| new_packages.contains_key(name)));

    let (stale_accepted, _) = accepted_with_locked(root, root, &manifests, &old);
    assert!(!stale_accepted, "the old lock should fail --locked, or this test proves nothing");
    let (accepted, stderr) = accepted_with_locked(root, root, &manifests, &new);
    assert!(accepted, "cargo metadata --locked rejects the new lock:\n{stderr}");
}

#[test]
fn unchanged_manifests_leave_the_lock_alone() {
    let ws = workspace();
    let root = ws.path();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let manifests = manifests(root, "", |text| text.to_string());
    let targets = [root.join("app/src/main.rs"), root.join("core/src/lib.rs")];
    let input = LockInput { root, lock: &lock, manifests: &manifests, target_roots: &targets };

    assert_eq!(timed("unchanged", &input).expect("cargo runs"), LockOutcome::Unchanged);
}

#[test]
fn crlf_lock_stays_crlf() {
    let ws = workspace();
    let root = ws.path();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap().replace('\n', "\r\n");
    ws.file("Cargo.lock", &lock);
    let manifests = manifests(root, "core/Cargo.toml", add_dependency(TOKIO_UTIL));
    let targets = [root.join("app/src/main.rs"), root.join("core/src/lib.rs")];
    let input = LockInput { root, lock: &lock, manifests: &manifests, target_roots: &targets };

    let LockOutcome::Updated(new) = timed("crlf", &input).expect("the lock updates") else {
        panic!("the lock should change")
    };
    assert!(new.contains("name = \"tokio-util\"\r\n"));
    assert_eq!(new.matches('\n').count(), new.matches("\r\n").count(), "a bare LF in the new lock");
}

/// `outer/ws` is the workspace; its `[workspace.dependencies]` names
/// `../other/shared`, a member of another workspace that takes its version
/// and edition from there, with a build script, a bin found by convention
/// and an example at a declared path.
#[test]
fn path_dependency_outside_the_root_resolves() {
    let outer = Scratch::new();
    outer
        .file(
            "ws/Cargo.toml",
            "[workspace]\nmembers = [\"core\"]\nresolver = \"2\"\n\n\
             [workspace.dependencies]\nshared = { path = \"../other/shared\" }\n",
        )
        .file(
            "ws/core/Cargo.toml",
            &package("core-lib", "tokio = { version = \"1\", features = [\"rt\"] }\nshared.workspace = true\n"),
        )
        .file("ws/core/src/lib.rs", "")
        .file(
            "other/Cargo.toml",
            "[workspace]\nmembers = [\"shared\"]\n\n[workspace.package]\nversion = \"0.3.0\"\nedition = \"2021\"\n",
        )
        .file(
            "other/shared/Cargo.toml",
            "[package]\nname = \"shared\"\nversion.workspace = true\nedition.workspace = true\n\n\
             [[example]]\nname = \"demo\"\npath = \"demos/demo.rs\"\n\n\
             [dependencies]\npin-project-lite = \"0.2\"\n",
        )
        .file("other/shared/src/lib.rs", "")
        .file("other/shared/src/bin/tool.rs", "fn main() {}\n")
        .file("other/shared/build.rs", "fn main() {}\n")
        .file("other/shared/demos/demo.rs", "fn main() {}\n");
    let root = outer.path().join("ws");
    lock(&root, &PINS[..1]);
    let before = snapshot(outer.path());
    let old = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let manifests = manifests(&root, "core/Cargo.toml", add_dependency(TOKIO_UTIL));
    let targets = [root.join("core/src/lib.rs")];
    let input = LockInput { root: &root, lock: &old, manifests: &manifests, target_roots: &targets };

    let LockOutcome::Updated(new) = timed("outside path", &input).expect("the lock updates") else {
        panic!("the lock should change")
    };

    assert_eq!(snapshot(outer.path()), before, "the user's tree was written");
    let new_packages = packages(&new);
    assert_eq!(version(&new_packages, "shared"), "0.3.0");
    assert!(new_packages.contains_key("tokio-util"));
    assert_eq!(version(&new_packages, "pin-project-lite"), version(&packages(&old), "pin-project-lite"));
    let (accepted, stderr) = accepted_with_locked(outer.path(), &root, &manifests, &new);
    assert!(accepted, "cargo metadata --locked rejects the new lock:\n{stderr}");
}

/// The root's `.cargo/config.toml` patches pin-project-lite with a local
/// copy; its relative path must resolve against the real root, as it does
/// when cargo runs there.
#[test]
fn cargo_config_of_the_root_applies() {
    let ws = workspace();
    ws.file(
        ".cargo/config.toml",
        "[patch.crates-io]\npin-project-lite = { path = \"patched/pin-project-lite\" }\n",
    )
    .file(
        "patched/pin-project-lite/Cargo.toml",
        "[package]\nname = \"pin-project-lite\"\nversion = \"0.2.99\"\nedition = \"2021\"\n",
    )
    .file("patched/pin-project-lite/src/lib.rs", "");
    let root = ws.path();
    let old = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let manifests = manifests(root, "core/Cargo.toml", add_dependency(TOKIO_UTIL));
    let targets = [root.join("app/src/main.rs"), root.join("core/src/lib.rs")];
    let input = LockInput { root, lock: &old, manifests: &manifests, target_roots: &targets };

    let LockOutcome::Updated(new) = timed("config patch", &input).expect("the lock updates") else {
        panic!("the lock should change")
    };

    let summary = lock_diff_summary(&old, &new);
    assert!(summary.contains(&"updated pin-project-lite 0.2.13 -> 0.2.99".to_string()), "{summary:#?}");
    assert!(packages(&new)["pin-project-lite"].get("source").is_none(), "the patch is a path package");
    let (accepted, stderr) = accepted_with_locked(root, root, &manifests, &new);
    assert!(accepted, "cargo metadata --locked rejects the new lock:\n{stderr}");
}

#[test]
fn unknown_dependency_is_an_error_naming_it() {
    let ws = workspace();
    let root = ws.path();
    let before = snapshot(root);
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let manifests = manifests(root, "core/Cargo.toml", add_dependency("corral-no-such-crate-xq = \"1\""));
    let targets = [root.join("app/src/main.rs"), root.join("core/src/lib.rs")];
    let input = LockInput { root, lock: &lock, manifests: &manifests, target_roots: &targets };

    let error = timed("unknown crate", &input).expect_err("no such crate on crates.io");

    let message = error.to_string();
    eprintln!("{message}");
    assert!(matches!(error, LockError::Cargo { .. }), "{error:?}");
    assert!(message.starts_with(&format!("{}: cargo update failed: ", root.join("Cargo.lock").display())));
    assert!(message.contains("no matching package named `corral-no-such-crate-xq` found"), "{message}");
    // Paths in cargo's words are the user's, not the scratch copy's.
    assert!(message.contains(&root.join("core").display().to_string()), "{message}");
    assert!(!message.contains("corral-lock-"), "{message}");
    assert_eq!(snapshot(root), before, "the user's tree was written");
}

#[test]
fn relative_paths_are_refused() {
    let manifests = [(PathBuf::from("Cargo.toml"), String::new())];
    let input = LockInput { root: Path::new("/w"), lock: "", manifests: &manifests, target_roots: &[] };
    let error = updated_lock(&input).expect_err("relative manifest path");
    assert_eq!(error.to_string(), "Cargo.toml: not an absolute path");
}

/// One package on tokio (with `rt`), `rust_version` declared, the lock's
/// tokio pinned at `tokio`; and the manifests after the migration's edit.
fn single(tokio: &str, rust_version: &str) -> (Scratch, Vec<(PathBuf, String)>) {
    let scratch = Scratch::new();
    let manifest = format!(
        "[package]\nname = \"single\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{rust_version}\n\
         [dependencies]\ntokio = {{ version = \"1\", features = [\"rt\"] }}\n\n[workspace]\n"
    );
    scratch.file("Cargo.toml", &manifest).file("src/lib.rs", "");
    lock(scratch.path(), &[("tokio", tokio)]);
    let manifests = manifests(scratch.path(), "Cargo.toml", add_dependency(TOKIO_UTIL));
    (scratch, manifests)
}

fn update_single(label: &str, scratch: &Scratch, manifests: &[(PathBuf, String)]) -> (String, String) {
    let root = scratch.path();
    let old = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let targets = [root.join("src/lib.rs")];
    let input = LockInput { root, lock: &old, manifests, target_roots: &targets };
    let LockOutcome::Updated(new) = timed(label, &input).expect("the lock updates") else {
        panic!("the lock should change")
    };
    let (accepted, stderr) = accepted_with_locked(root, root, manifests, &new);
    assert!(accepted, "cargo metadata --locked rejects the new lock:\n{stderr}");
    (old, new)
}

/// tokio 1.8 is older than any tokio-util with `TaskTracker` accepts: tokio
/// moves, to the oldest that works (1.28.0), and the summary says so.
#[test]
fn a_tokio_too_old_for_any_tracker_moves_to_the_oldest_that_works() {
    let (scratch, manifests) = single("1.8.0", "");
    let (old, new) = update_single("tokio 1.8", &scratch, &manifests);
    let summary = lock_diff_summary(&old, &new);
    let moved: Vec<&String> = summary.iter().filter(|line| !line.starts_with("added ")).collect();
    assert_eq!(moved, ["updated tokio 1.8.0 -> 1.28.0"], "{summary:#?}");
    assert_eq!(version(&packages(&new), "tokio-util"), "0.7.16");
    let line = corral::lockfile::lock_audit_line(&old, &new);
    assert!(line.starts_with("Cargo.lock: tokio-util 0.7.16 added, "), "{line}");
    assert!(line.ends_with(", 1 moved: updated tokio 1.8.0 -> 1.28.0"), "{line}");
}

/// `rust-version = "1.70"`: tokio-util comes in at a release whose own
/// rust-version is 1.70 or older, though the locked tokio would take 0.7.20.
#[test]
fn rust_version_keeps_tokio_util_to_releases_it_supports() {
    let (scratch, manifests) = single("1.54.1", "rust-version = \"1.70\"\n");
    let (old, new) = update_single("rust-version 1.70", &scratch, &manifests);
    let tokio_util = version(&packages(&new), "tokio-util").to_string();
    let patch: u32 = tokio_util.rsplit('.').next().unwrap().parse().unwrap();
    assert!((10..=16).contains(&patch), "tokio-util {tokio_util} needs Rust 1.71 or later");
    assert!(lock_diff_summary(&old, &new).iter().all(|line| line.starts_with("added ")));
}

/// A format 3 lock stays format 3 when cargo would write format 4.
#[test]
fn a_format_3_lock_stays_format_3() {
    let (scratch, manifests) = single("1.38.0", "");
    let path = scratch.path().join("Cargo.lock");
    let v3 = std::fs::read_to_string(&path).unwrap().replace("\nversion = 4\n", "\nversion = 3\n");
    assert!(v3.contains("\nversion = 3\n"), "the fixture lock has a version line");
    std::fs::write(&path, &v3).unwrap();
    let (_, new) = update_single("format 3", &scratch, &manifests);
    assert!(new.contains("\nversion = 3\n") && !new.contains("\nversion = 4\n"));
}
