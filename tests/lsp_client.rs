//! `corral lsp` driven by a client corral did not write: pygls's
//! `LanguageClient`, in `tests/clients/pygls_client.py`. pygls reads every
//! message through lsprotocol's types, so a message off the specification
//! fails there; the script applies the code actions' workspace edits as an
//! editor does and prints what it saw as JSON, which this file judges. What an
//! editor ends up with must be what `corral apply` writes.
//!
//! pygls comes from PyPI: `.ci/run` installs it into its virtualenv and puts
//! that first on PATH, with `CORRAL_REQUIRE_TOOLS=1`, so that a `python3` that
//! cannot import pygls fails the test there; elsewhere the test says so on
//! stderr and passes.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Run, Scratch, corral, missing_tool, tool};
use serde_json::{Value, json};

const MANIFEST: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                        [dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n";

/// Two bare spawns: one in a struct with no tracker (the crate's helper module
/// is created for it, and `tokio-util` added to the manifest), one whose task
/// moves `self` (a clone of the tracker is hoisted into a `let`).
const LIB: &str = r#"//! A service with two bare spawns.

use std::sync::Arc;

use tokio_util::task::TaskTracker;

pub struct Plain {
    name: String,
}

impl Plain {
    pub fn start(&self) {
        let name = self.name.clone();
        tokio::spawn(async move { println!("{name}") });
    }
}

pub struct Handler {
    name: String,
    tracker: TaskTracker,
}

impl Handler {
    pub fn flush(self: Arc<Self>) {
        tokio::spawn(async move {
            println!("{}", self.name);
        });
    }
}
"#;

const TRACK: &str = "Track this spawn";
const EXEMPT: &str = "Exempt this spawn";
const TRACK_FILE: &str = "Track every spawn in this file";

/// The package's files as written, by relative path.
const ORIGINALS: [(&str, &str); 2] = [("Cargo.toml", MANIFEST), ("src/lib.rs", LIB)];

fn is_original(path: &str, text: &str) -> bool {
    ORIGINALS.iter().any(|(name, original)| *name == path && *original == text)
}

fn package() -> Scratch {
    let scratch = Scratch::new();
    scratch.file("Cargo.toml", MANIFEST).file("src/lib.rs", LIB);
    scratch
}

/// The `python3` on PATH, when it can import pygls.
fn pygls_python() -> Option<PathBuf> {
    let python = tool("python3")?;
    let imported = Command::new(&python)
        .args(["-c", "import pygls"])
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.display()));
    if !imported.status.success() {
        missing_tool(&format!("pygls cannot be imported by {}", python.display()));
        return None;
    }
    Some(python)
}

/// What the client saw, editing `workspace` through `corral lsp`.
fn drive(python: &Path, workspace: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/pygls_client.py");
    let output = Command::new(python)
        .arg(&script)
        .arg(assert_cmd::cargo::cargo_bin("corral"))
        .arg(workspace)
        // One publishDiagnostics per change: no semantic pass to follow.
        .env("CORRAL_SYNTAX_ONLY", "1")
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the pygls client failed ({}):\n{stderr}", output.status);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!("the client printed no JSON ({error}):\n{}", String::from_utf8_lossy(&output.stdout))
    })
}

/// The range of each `tokio::spawn` callee in `text` (ASCII), in order.
fn spawn_ranges(text: &str) -> Vec<Value> {
    text.lines()
        .enumerate()
        .filter_map(|(line, content)| {
            let character = content.find("tokio::spawn")?;
            Some(json!({
                "start": {"line": line, "character": character},
                "end": {"line": line, "character": character + "tokio::spawn".len()},
            }))
        })
        .collect()
}

/// The line and character where `range` starts (`side` "start") or ends ("end").
fn point(range: &Value, side: &str) -> (usize, usize) {
    let number = |key: &str| {
        range[side][key].as_u64().unwrap_or_else(|| panic!("no {side}.{key} in {range}")) as usize
    };
    (number("line"), number("character"))
}

/// `range` moved down by `lines`.
fn shifted(range: &Value, lines: u64) -> Value {
    let mut range = range.clone();
    for end in ["start", "end"] {
        range[end]["line"] = json!(range[end]["line"].as_u64().unwrap() + lines);
    }
    range
}

/// The code and range of each diagnostic of a published step, checking what
/// every corral diagnostic has.
fn findings(published: &Value) -> Vec<(String, Value)> {
    let diagnostics =
        published["diagnostics"].as_array().unwrap_or_else(|| panic!("no diagnostics in {published}"));
    diagnostics
        .iter()
        .map(|diagnostic| {
            assert_eq!(diagnostic["source"], "corral", "{diagnostic}");
            assert_eq!(diagnostic["severity"], 2, "{diagnostic}");
            (diagnostic["code"].as_str().unwrap().to_string(), diagnostic["range"].clone())
        })
        .collect()
}

/// The offered action titled `title`.
fn offered<'a>(actions: &'a Value, title: &str) -> &'a Value {
    actions
        .as_array()
        .unwrap()
        .iter()
        .find(|action| action["title"] == title)
        .unwrap_or_else(|| panic!("no action titled {title:?} in {actions:#}"))
}

/// The files under `root` that are not as [`package`] wrote them, by relative path.
fn changed_files(root: &Path) -> BTreeMap<String, String> {
    let mut changed = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap();
            if !is_original(&relative, &text) {
                changed.insert(relative, text);
            }
        }
    }
    changed
}

#[test]
fn pygls_applies_the_code_actions_as_corral_apply_writes() {
    let Some(python) = pygls_python() else { return };
    let workspace = package();
    let report = drive(&python, workspace.path());
    let spawns = spawn_ranges(LIB);
    assert_eq!(spawns.len(), 2);

    assert_eq!(
        report["capabilities"]["codeActionProvider"],
        json!({"codeActionKinds": ["quickfix", "source.fixAll.corral"], "resolveProvider": true}),
        "{:#}",
        report["capabilities"]
    );

    // Opened: both sites, for the version opened.
    let opened = &report["opened"];
    assert_eq!(opened["version"], 1, "{opened:#}");
    let bare: Vec<(String, Value)> =
        spawns.iter().map(|range| ("bare-spawn".to_string(), range.clone())).collect();
    assert_eq!(findings(opened), bare);
    let first = &opened["diagnostics"][0];

    // "Track this spawn" on the first: the helper module created, the manifest
    // edited, one finding left (the second site, wherever it now is).
    let actions = &report["actions"];
    assert!(actions.is_object(), "no code actions: {report:#}");
    let track = offered(&actions["atFirst"], TRACK);
    assert_eq!(track["kind"], "quickfix", "{track:#}");
    assert_eq!(track["isPreferred"], true, "{track:#}");
    assert_eq!(track["disabled"], Value::Null, "{track:#}");
    assert_eq!(track["diagnostics"], json!([first]), "{track:#}");
    assert_eq!(offered(&actions["atFirst"], EXEMPT)["kind"], "quickfix");
    assert_eq!(offered(&actions["atFirst"], TRACK_FILE)["kind"], "quickfix");

    let step = &actions["track"];
    assert_eq!(step["created"], json!(["src/tasks.rs"]), "{step:#}");
    let published = &step["published"]["src/lib.rs"];
    assert_eq!(published["version"], 2, "{published:#}");
    let left = findings(published);
    assert_eq!(left.len(), 1, "{published:#}");
    assert_eq!(left[0].0, "bare-spawn");
    let lib = step["texts"]["src/lib.rs"].as_str().unwrap();
    let ((line, start), (_, end)) = (point(&left[0].1, "start"), point(&left[0].1, "end"));
    assert_eq!(
        lib.lines().nth(line).map(|text| &text[start..end]),
        Some("tokio::spawn"),
        "the finding left is not on a spawn:\n{lib}"
    );
    assert_eq!(lib.matches("tokio::spawn(").count(), 1, "{lib}");
    assert_eq!(step["published"]["src/tasks.rs"]["diagnostics"], json!([]), "{step:#}");

    // "Track every spawn in this file" on what is left: a quick fix there, a
    // fix-all elsewhere (as on save), with the same edit; nothing left after it.
    assert_eq!(offered(&actions["atLeft"], TRACK_FILE)["kind"], "quickfix");
    let on_save = actions["onSave"].as_array().unwrap();
    assert_eq!(on_save.len(), 1, "only source.fixAll was asked for: {on_save:#?}");
    assert_eq!(on_save[0]["title"], TRACK_FILE);
    assert_eq!(on_save[0]["kind"], "source.fixAll.corral");
    assert_eq!(actions["sameEditOnSave"], true);
    let published = &actions["trackFile"]["published"]["src/lib.rs"];
    assert_eq!(published["version"], 3, "{published:#}");
    assert_eq!(findings(published), vec![]);

    // What the editor holds now is what `corral apply` writes.
    let applied = package();
    let run = Run::of(corral(applied.path()).args(["apply", "."]).env("CORRAL_SYNTAX_ONLY", "1"));
    assert_eq!(run.code, 0, "{run:?}");
    let written = changed_files(applied.path());
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        ["Cargo.toml", "src/lib.rs", "src/tasks.rs"],
        "what `corral apply` changed"
    );
    let mut edited: BTreeMap<String, String> = serde_json::from_value(actions["files"].clone()).unwrap();
    edited.retain(|path, text| !is_original(path, text));
    assert_eq!(
        edited.keys().collect::<Vec<_>>(),
        written.keys().collect::<Vec<_>>(),
        "the files the editor changed"
    );
    for (path, text) in &written {
        if edited[path] != *text {
            let diff = similar::TextDiff::from_lines(text, &edited[path]);
            panic!(
                "{path}: the editor's text differs from what `corral apply` wrote:\n{}",
                diff.unified_diff().header("corral apply", "editor")
            );
        }
    }

    // Back to the original text (an undo), then "Exempt this spawn" on the
    // first site: the marker line above it, with no reason (the client has no
    // snippets to leave a placeholder in), which is then the finding there.
    let reverted = &actions["reverted"];
    assert_eq!(reverted["version"], 4, "{reverted:#}");
    assert_eq!(findings(reverted), bare);
    let exempt = offered(&actions["atFirstAgain"], EXEMPT);
    assert_eq!(exempt["kind"], "quickfix", "{exempt:#}");
    assert_eq!(exempt["diagnostics"], json!([first]), "{exempt:#}");
    let step = &actions["exempt"];
    assert_eq!(step["texts"].as_object().unwrap().keys().collect::<Vec<_>>(), ["src/lib.rs"], "{step:#}");
    assert_eq!(step["created"], json!([]));
    let (line, indent) = point(&spawns[0], "start");
    let mut lines: Vec<&str> = LIB.split_inclusive('\n').collect();
    let marker = format!("{}// spawn-exempt:\n", &lines[line][..indent]);
    lines.insert(line, &marker);
    assert_eq!(step["texts"]["src/lib.rs"], lines.concat(), "{step:#}");
    let published = &step["published"]["src/lib.rs"];
    assert_eq!(published["version"], 5, "{published:#}");
    assert_eq!(
        findings(published),
        vec![
            ("exempt-without-reason".to_string(), shifted(&spawns[0], 1)),
            ("bare-spawn".to_string(), shifted(&spawns[1], 1)),
        ]
    );

    // One publishDiagnostics per version of src/lib.rs, no error logged, a clean exit.
    let versions: Vec<&Value> = report["published"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|published| published["path"] == "src/lib.rs")
        .map(|published| &published["version"])
        .collect();
    assert_eq!(versions, [1, 2, 3, 4, 5], "{:#}", report["published"]);
    let errors: Vec<&Value> = report["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|log| log["type"] == 1 || log["type"] == 2)
        .collect();
    assert!(errors.is_empty(), "the server logged: {errors:#?}");
    assert_eq!(report["exitCode"], 0);
}
