//! Cargo runs for the tests that compile rewritten code: one shared target
//! folder (so tokio builds once for every fixture), fetching published
//! crates, copying trees.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Where every compile test builds: `CORRAL_COMPILE_TARGET_DIR` when set, else
/// `compile-fixtures` inside this package's target folder.
pub fn shared_target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CORRAL_COMPILE_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| manifest_dir.join(dir))
        .unwrap_or_else(|| manifest_dir.join("target"));
    target.join("compile-fixtures")
}

/// What a cargo run printed, and whether it succeeded.
pub struct CargoRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl CargoRun {
    /// The rustc warnings among the output (not cargo's "generated N warnings" summaries).
    pub fn warnings(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|line| line.starts_with("warning:") && !line.contains(" generated "))
            .collect()
    }
}

/// Runs cargo in `dir`, building into the shared target folder.
pub fn cargo(dir: &Path, args: &[&str]) -> CargoRun {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output: Output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo {args:?}: {error}"));
    CargoRun {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Copies a folder tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Fetches `name` `version` from the registry through cargo and copies its
/// published sources into `into`, so that nothing touches the registry's own
/// copy. A failure (no network, no registry) fails the test and says why.
pub fn fetch_published(name: &str, version: &str, into: &Path) -> PathBuf {
    let probe = into.join("probe");
    std::fs::create_dir_all(probe.join("src")).unwrap();
    std::fs::write(
        probe.join("Cargo.toml"),
        format!(
            "[package]\nname = \"probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\n{name} = \"={version}\"\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(probe.join("src/main.rs"), "fn main() {}\n").unwrap();

    let must = |args: &[&str]| {
        let run = cargo(&probe, args);
        assert!(
            run.success,
            "cargo {args:?} failed; this test needs the crates.io registry:\n{}",
            run.stderr
        );
        run.stdout
    };
    must(&["fetch"]);
    let metadata: Value = serde_json::from_str(&must(&["metadata", "--format-version", "1"]))
        .expect("cargo metadata printed something that is not JSON");
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["name"] == name && package["version"] == version)
        .and_then(|package| package["manifest_path"].as_str())
        .unwrap_or_else(|| panic!("cargo metadata does not list {name} {version}"));
    let copy = into.join(format!("{name}-{version}"));
    copy_tree(Path::new(manifest).parent().unwrap(), &copy);
    copy
}

/// A copy of the workspace `tests/fixtures/semantic/<name>` in a temporary
/// folder, with its dependencies fetched (cargo writes a `Cargo.lock` there,
/// not in the repository): what the semantic tier loads.
pub fn fetched_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/semantic").join(name), &root);
    let fetched = Command::new(env!("CARGO")).arg("fetch").current_dir(&root).output().unwrap();
    assert!(fetched.status.success(), "cargo fetch failed: {}", String::from_utf8_lossy(&fetched.stderr));
    (dir, root)
}
