//! Helpers shared by the CLI tests: temporary workspaces written file by
//! file, runs of the built binaries whose output is parsed once, and the
//! external tools some tests check with.

#![allow(dead_code)] // Each test crate uses its own subset of the helpers.

pub mod cargo;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A temporary folder that tests fill with files; removed when dropped.
pub struct Scratch {
    dir: TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().expect("cannot create a temporary folder") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` at `relative`, creating the folders above it.
    pub fn file(&self, relative: &str, text: &str) -> &Scratch {
        self.bytes(relative, text.as_bytes())
    }

    pub fn bytes(&self, relative: &str, bytes: &[u8]) -> &Scratch {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        self
    }

    /// A one-package workspace named `app` holding `src/lib.rs`.
    pub fn package(lib: &str) -> Scratch {
        let scratch = Scratch::new();
        scratch.file("Cargo.toml", &manifest("app", "")).file("src/lib.rs", lib);
        scratch
    }
}

/// A package manifest with no registry dependencies, so that `cargo
/// metadata --no-deps` never needs the network; `extra` is appended.
pub fn manifest(name: &str, extra: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{extra}")
}

/// The `corral` binary, run from `cwd`, with colour settings cleared from the
/// environment so that only the flags a test passes decide them.
pub fn corral(cwd: &Path) -> Command {
    binary("corral", cwd)
}

/// The `cargo-corral` binary that cargo runs for `cargo corral`.
pub fn cargo_corral(cwd: &Path) -> Command {
    binary("cargo-corral", cwd)
}

fn binary(name: &str, cwd: &Path) -> Command {
    let mut command = Command::cargo_bin(name).unwrap();
    command.current_dir(cwd).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    command
}

/// What one run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(command: &mut Command) -> Run {
        let output = command.output().unwrap();
        Run {
            code: output.status.code().expect("corral was killed by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is not UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is not UTF-8"),
        }
    }

    /// Stdout as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

/// Runs git in `dir` with a fixed identity, requires it to succeed, and
/// returns its stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A site as the JSON output names it: path, line, column, family, verdict.
pub type Site = (String, u64, u64, String, String);

/// The sites of a JSON document, in the order printed.
pub fn sites(document: &Value) -> Vec<Site> {
    document["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no `findings` array in {document}"))
        .iter()
        .map(|finding| {
            let text = |key: &str| {
                finding[key]
                    .as_str()
                    .unwrap_or_else(|| panic!("`{key}` is not a string in {finding}"))
                    .to_string()
            };
            let number = |key: &str| {
                finding[key].as_u64().unwrap_or_else(|| panic!("`{key}` is not a number in {finding}"))
            };
            (text("path"), number("line"), number("column"), text("family"), text("verdict"))
        })
        .collect()
}

/// Builds an expected [`Site`].
pub fn site(path: &str, line: u64, column: u64, family: &str, verdict: &str) -> Site {
    (path.to_string(), line, column, family.to_string(), verdict.to_string())
}

/// Replaces the body of each new generated helper module with a line
/// saying how long it is: the helper is the same in every case, and its
/// own tests (in `src/rewrite/helper.rs`) check its text.
pub fn elide_new_helpers(diff: &str) -> String {
    let mut out = String::new();
    let mut lines = diff.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        // A module `tasks.rs`, or the library of a helper crate `tasks`.
        let new_helper = line.starts_with("diff --git ")
            && (line.trim_end().ends_with("/tasks.rs") || line.trim_end().ends_with("/tasks/src/lib.rs"));
        if !new_helper || !lines.peek().is_some_and(|next| next.starts_with("new file mode")) {
            continue;
        }
        while let Some(header) = lines.next_if(|l| !l.starts_with("@@")) {
            out.push_str(header);
        }
        let Some(hunk) = lines.next() else { break };
        out.push_str(hunk);
        let mut body = 0;
        while lines.next_if(|l| l.starts_with('+')).is_some() {
            body += 1;
        }
        out.push_str(&format!("+[{body} lines of the generated helper module]\n"));
    }
    out
}

/// Replaces the hunks of a `Cargo.lock` diff with a line counting them: the
/// versions cargo adds are the registry's newest, which change over time;
/// `tests/lockfile.rs` checks what the update does.
pub fn elide_lock_changes(diff: &str) -> String {
    let mut out = String::new();
    let mut lines = diff.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        if !(line.starts_with("diff --git ") && line.trim_end().ends_with("/Cargo.lock")) {
            continue;
        }
        while let Some(header) = lines.next_if(|l| !l.starts_with("@@")) {
            out.push_str(header);
        }
        let mut removed = 0;
        while let Some(body) = lines.next_if(|l| !l.starts_with("diff --git ")) {
            removed += usize::from(body.starts_with('-'));
        }
        // How many lines are added depends on the registry; that none is removed does not.
        out.push_str(&format!(
            "[Cargo.lock: the new packages as cargo resolves them; {removed} lines removed]\n"
        ));
    }
    out
}

/// `name` on PATH; `None` (and a line on stderr) when it is not there,
/// unless `CORRAL_REQUIRE_TOOLS=1`, where that fails the test.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|path| path.is_file())
    });
    if found.is_none() {
        missing_tool(&format!("`{name}` is not on PATH"));
    }
    found
}

/// Says on stderr that a test skips its checks for want of a tool, and why;
/// with `CORRAL_REQUIRE_TOOLS=1` (as `.ci/run` sets) it fails the test instead.
pub fn missing_tool(why: &str) {
    let why =
        format!("{why} (.ci/run installs the test tools from PyPI into $HOME/.cache/corral-ci/venv/bin)");
    if std::env::var("CORRAL_REQUIRE_TOOLS").is_ok_and(|value| value == "1") {
        panic!("{why}, and CORRAL_REQUIRE_TOOLS=1 requires it");
    }
    eprintln!("skipped: {why}");
}
