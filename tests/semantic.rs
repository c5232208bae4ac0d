//! The semantic tier end to end: a fixture workspace with tokio, loaded with
//! rust-analyzer's libraries, and the CLI that merges both tiers.
//!
//! The fixture needs its dependencies (tokio), so these tests run `cargo
//! fetch` through the registry; without one they fail and say why.

mod common;

use std::path::Path;
use std::process::Command;

use common::cargo::{copy_tree, fetched_fixture as fixture};
use common::{Run, corral};
use corral::semantic::{self, Resolution};

/// The semantic tier, run as a user runs it (the test environment turns it off).
fn corral_semantic(cwd: &Path) -> assert_cmd::Command {
    let mut command = corral(cwd);
    command.env_remove("CORRAL_SYNTAX_ONLY");
    command
}

/// `line:column` of a byte offset.
fn line_col(text: &str, offset: u32) -> String {
    let before = &text[..offset as usize];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{column}")
}

#[test]
fn resolves_what_names_and_types_reveal() {
    let (_dir, root) = fixture("ws");
    let findings = semantic::analyse(&root, |_| {}).expect("the fixture loads");
    let lib = std::fs::canonicalize(root.join("app/src/lib.rs")).unwrap();
    let text = std::fs::read_to_string(&lib).unwrap();
    let mut found: Vec<String> = findings
        .calls
        .iter()
        .filter(|c| std::fs::canonicalize(&c.file).unwrap() == lib)
        .map(|c| {
            let what = match &c.resolution {
                Resolution::Spawn(family) => family.path(),
                Resolution::Other(path) => format!("other {path}"),
                Resolution::Tracked => "tracked".into(),
                Resolution::Unresolved => "unresolved".into(),
            };
            let how = match (c.via_macro, c.exact) {
                (false, _) => "",
                (true, true) => " (macro input)",
                (true, false) => " (macro body)",
            };
            format!(
                "{} {} {what}{how}",
                line_col(&text, c.start),
                &text[c.callee_start as usize..c.callee_end as usize]
            )
        })
        .collect();
    found.sort_by_key(|line| {
        let (line, column) = line.split_once(' ').unwrap().0.split_once(':').unwrap();
        (line.parse::<u32>().unwrap(), column.parse::<u32>().unwrap())
    });
    assert_eq!(
        found,
        [
            "14:9 spawn tokio::runtime::Handle::spawn",
            "20:5 spawn tokio::runtime::Handle::spawn",
            "25:5 spawn_blocking tokio::runtime::Handle::spawn_blocking",
            "33:5 util::launch tokio::spawn",
            "37:5 spawn tokio::spawn",
            "38:5 util::spawn_blocking tokio::task::spawn_blocking",
            "42:5 util::spawn_count other util::spawn_count",
            "48:5 spawn std::thread::Builder::spawn",
            "49:5 std::thread::spawn std::thread::spawn",
            "54:9 tokio::spawn tokio::spawn (macro body)",
            "60:18 tokio::task::spawn tokio::spawn (macro input)",
            "65:5 tokio::spawn tokio::spawn",
        ],
        "{findings:#?}"
    );
    assert_eq!(findings.local_crates, 2);
    assert_eq!(findings.panics, 0);
    assert!(findings.targets >= 8, "catalogue functions and types found: {}", findings.targets);
}

#[test]
fn the_cli_merges_both_tiers_and_lists_where_they_disagree() {
    let (_dir, root) = fixture("ws");
    let run = Run::of(corral_semantic(&root).args(["list", "--tiers", "--color", "never", "."]));
    assert_eq!(run.code, 0, "{run:?}");
    let out = &run.stdout;
    // Sites only the semantic tier could resolve are sites, bare, with the syntax tier's context.
    for line in [
        "app/src/lib.rs:14:9   bare     ends  tokio::runtime::Handle::spawn           self.runtime.spawn",
        "app/src/lib.rs:25:5   bare     ends  tokio::runtime::Handle::spawn_blocking  rt.spawn_blocking",
    ] {
        assert!(out.contains(line), "missing `{line}` in:\n{out}");
    }
    assert!(out.contains("tiers: 3 site(s) where the syntax and semantic tiers disagree"), "{out}");
    assert!(out.contains("written in a macro_rules! body"), "{out}");
    assert!(!out.contains("spawn_count"), "{out}");

    let syntax = Run::of(corral(&root).args(["list", "--syntax-only", "--color", "never", "."]));
    assert!(syntax.stdout.contains("skipped  ends  unresolved"), "{syntax:?}");

    let check = Run::of(corral_semantic(&root).args(["check", "--format", "json", "."]));
    assert_eq!(check.code, 1, "{check:?}");
    assert_eq!(check.stderr, "", "{check:?}");
}

#[test]
fn a_workspace_that_does_not_load_falls_back_to_the_syntax_tier() {
    let dir = tempfile::tempdir().unwrap();
    // No manifest: the syntax tier reads the files, the semantic tier has no workspace to load.
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "pub fn f() { tokio::spawn(async {}); }\n").unwrap();
    let semantic = Run::of(corral_semantic(dir.path()).args(["check", "."]));
    let syntax = Run::of(corral(dir.path()).args(["check", "--syntax-only", "."]));
    assert_eq!(semantic.code, syntax.code, "{semantic:?}\n{syntax:?}");
    assert_eq!(semantic.stdout, syntax.stdout);
    let lines: Vec<&str> = semantic.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{semantic:?}");
    assert!(lines[0].starts_with("semantic tier unavailable: "), "{semantic:?}");
    assert!(lines[0].ends_with("; using the syntax tier"), "{semantic:?}");
}

/// The rewrite of what only the semantic tier finds (an inferred `rt.spawn`, an
/// aliased field, a cross-crate rename, a builder built over statements) compiles,
/// and a second run changes nothing.
#[test]
fn the_rewrite_of_semantic_only_sites_compiles() {
    let (_dir, root) = fixture("ws");
    let syntax = Run::of(corral(&root).args(["diff", ".", "--syntax-only"]));
    let apply = Run::of(corral_semantic(&root).args(["apply", ".", "--allow-dirty"]));
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(apply.stdout.contains("10 converted (0 own tracker, 10 global helper)"), "{}", apply.stdout);
    assert!(syntax.stderr.contains("8 converted"), "the syntax tier alone converts fewer: {}", syntax.stderr);
    let check = common::cargo::cargo(&root, &["check", "--all-targets"]);
    assert!(check.success, "the rewritten workspace must compile:\n{}", check.stderr);
    // The glob whose only used name was a spawn (`use util::prelude::*`) went with it.
    assert!(!check.stderr.contains("warning"), "the rewrite left warnings:\n{}", check.stderr);
    let again = Run::of(corral_semantic(&root).args(["diff", ".", "--exit-code"]));
    assert_eq!((again.code, again.stdout.as_str()), (0, ""), "{again:?}");
}

/// What a user reads, line by line: `list --tiers` (where the tiers disagree,
/// and why) and the diff of the rewrite with both tiers.
#[test]
fn semantic_output_snapshots() {
    let (_dir, root) = fixture("ws");
    let list = Run::of(corral_semantic(&root).args(["list", "--tiers", "--color", "never", "."]));
    assert_eq!(list.code, 0, "{list:?}");
    // The graph's size and the timings change with the registry and the machine.
    let list: String = list
        .stdout
        .lines()
        .map(|line| match line.find(" disagree (") {
            Some(at) if line.starts_with("tiers: ") => format!("{} disagree (..)", &line[..at]),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let diff = Run::of(corral_semantic(&root).args(["diff", "--color", "never", "."]));
    assert_eq!(diff.code, 0, "{diff:?}");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("semantic__list_tiers", list);
        let diff = common::elide_lock_changes(&common::elide_new_helpers(&diff.stdout));
        insta::assert_snapshot!("semantic__diff", diff);
    });
}

/// Each site of `corral list --format json` as `function: lifetime [undecided] evidence`, in
/// the order of the file.
fn lifetimes(run: &Run) -> Vec<String> {
    assert!(run.code <= 1, "{run:?}");
    let document = run.json();
    let findings = document["findings"].as_array().expect("a list of findings");
    findings
        .iter()
        .map(|finding| {
            format!(
                "{}: {}{} {}",
                finding["context"]["function"].as_str().unwrap_or_default(),
                finding["lifetime"].as_str().unwrap_or("none"),
                if finding["lifetime_undecided"] == true { " undecided" } else { "" },
                finding["lifetime_evidence"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// A task that hands its run to a function of another file or another crate of the
/// workspace gets its lifetime from that function's body, followed several calls deep, when the
/// semantic tier runs; the syntax tier alone reads only functions of the spawn's own file.
#[test]
fn the_semantic_tier_reads_the_function_a_task_hands_its_run_to_in_another_file() {
    let (_dir, root) = fixture("lifetimes");
    let both = Run::of(corral_semantic(&root).args(["list", "--format", "json", "."]));
    assert!(!both.stderr.contains("unavailable"), "the semantic tier must load: {}", both.stderr);
    assert_eq!(
        lifetimes(&both),
        [
            "accept_in_another_module: long-lived in `run()`: loops on `listener.accept()` with no exit",
            "pump_in_a_method_of_another_file: long-lived in `pump()`: loops on `self.rx.recv()` until it closes",
            "drain_in_a_generic_impl: long-lived in `drain()`: loops on `self.jobs.recv()` until it closes",
            "thread_in_another_crate: long-lived in `start()`: loops on `listener.incoming()` until it closes",
            "greeting_that_ends: ends in `greet()`: no loop",
            // Two levels: the function read hands its run on, and that one is read too.
            "relay_read_two_levels: ends in `relay()`: in `forward()`: no loop",
            // The file defines `start` twice; resolution tells the two apart.
            "two_methods_of_one_name: long-lived in `start()`: a `loop` with no exit",
            "two_methods_of_one_name: ends in `start()`: no loop",
        ]
    );
    let syntax = Run::of(corral(&root).args(["list", "--syntax-only", "--format", "json", "."]));
    assert_eq!(
        lifetimes(&syntax),
        [
            "accept_in_another_module: ends undecided calls `run`, whose body corral did not read",
            "pump_in_a_method_of_another_file: ends undecided calls `pump`, whose body corral did not read",
            "drain_in_a_generic_impl: ends undecided calls `drain`, whose body corral did not read",
            "thread_in_another_crate: ends undecided calls `start`, which this file defines more than once",
            "greeting_that_ends: ends undecided calls `greet`, whose body corral did not read",
            "relay_read_two_levels: ends undecided calls `relay`, whose body corral did not read",
            // The receivers' types as written (`ticker: Ticker`) tell the two `start`s apart.
            "two_methods_of_one_name: long-lived in `start()`: a `loop` with no exit",
            "two_methods_of_one_name: ends in `start()`: no loop",
        ]
    );
}

/// The lifetime shapes of a real service (DESIGN.md, "Tasks that never end"), each in
/// both tiers: lifecycle-scoped tasks (a channel closing, a send failing, a connection
/// read until it closes, per-connection copies), a server run until ctrl-c, the seed's six
/// exempt tasks, and runs handed on several calls deep across files and crates are
/// long-lived; an accept loop that leaves on the service's shutdown channel and bounded
/// work two calls deep end. The syntax tier reads only the spawn's own file, so the runs
/// handed to other files stay undecided there.
#[test]
fn every_lifetime_shape_in_both_tiers() {
    let (_dir, root) = fixture("lifecycle");
    let both = Run::of(corral_semantic(&root).args(["list", "--format", "json", "."]));
    assert!(!both.stderr.contains("unavailable"), "the semantic tier must load: {}", both.stderr);
    let syntax = Run::of(corral(&root).args(["list", "--syntax-only", "--format", "json", "."]));
    let text = format!(
        "both tiers:\n{}\n\nsyntax tier:\n{}\n",
        lifetimes(&both).join("\n"),
        lifetimes(&syntax).join("\n")
    );
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        description => "corral list --format json (both tiers, then --syntax-only) on tests/fixtures/semantic/lifecycle",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("semantic__lifecycle", text);
    });
}

/// With `wrappers = "callers"`, both tiers take the wrappers' callers for
/// sites: the semantic tier is told about them before it loads, so the tiers
/// agree and the bodies are exempt.
#[test]
fn both_tiers_convert_wrapper_callers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("wrapper_callers");
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compile/wrapper_callers"), &root);
    let fetched = Command::new(env!("CARGO")).arg("fetch").current_dir(&root).output().unwrap();
    assert!(fetched.status.success(), "cargo fetch failed: {}", String::from_utf8_lossy(&fetched.stderr));
    let list = Run::of(corral_semantic(&root).args(["list", "--tiers", "--color", "never", "."]));
    assert_eq!(list.code, 0, "{list:?}");
    assert!(list.stdout.contains("3 to convert, 2 exempt"), "{}", list.stdout);
    assert!(
        list.stdout.contains("tiers: 0 site(s) where the syntax and semantic tiers disagree"),
        "{}",
        list.stdout
    );
    assert!(!list.stderr.contains("unavailable"), "the semantic tier must load: {}", list.stderr);
}

/// The paths, lines and verdicts of a JSON listing.
fn verdicts(run: &Run) -> Vec<String> {
    assert!(run.code <= 1, "{run:?}");
    let document = run.json();
    document["findings"]
        .as_array()
        .expect("a list of findings")
        .iter()
        .map(|f| format!("{}:{} {} {}", f["path"].as_str().unwrap(), f["line"], f["family"], f["verdict"]))
        .collect()
}

/// Regression: plain `tokio::spawn` calls in files that open another member's
/// globs (`pub use other::module::{self as http, *}`, `use other::prelude::*`
/// whose chain runs through modules that glob each other and files that never
/// say `spawn`) were neither reported nor skipped by the syntax tier. Both
/// tiers now report every one of them. So too (found on wasmtime, where 21
/// `std::thread::spawn` calls next to `use wasmtime::*;` went unreported) a
/// spawn re-exported through more files the pre-filter skipped than the syntax
/// tier once parsed on demand, and a crate name that another crate's root
/// binds privately (`extern crate std;`, `use helpers as tokio;`), which its
/// glob does not bring.
#[test]
fn glob_chains_hide_no_spawn_in_either_tier() {
    let (_dir, root) = fixture("glob_chains");
    let expected = [
        "app/src/chained.rs:7 \"tokio::spawn\" \"bare\"",
        "app/src/chained.rs:8 \"tokio::spawn\" \"bare\"",
        "app/src/lib.rs:12 \"tokio::spawn\" \"bare\"",
        "app/src/lib.rs:18 \"tokio::spawn\" \"bare\"",
        "app/src/main.rs:8 \"tokio::spawn\" \"bare\"",
        "app/src/pool.rs:7 \"tokio::spawn\" \"bare\"",
    ];
    let syntax = Run::of(corral(&root).args(["list", "--syntax-only", "--format", "json", "."]));
    assert_eq!(verdicts(&syntax), expected);
    let both = Run::of(corral_semantic(&root).args(["list", "--format", "json", "."]));
    assert!(!both.stderr.contains("unavailable"), "the semantic tier must load: {}", both.stderr);
    assert_eq!(verdicts(&both), expected);
}
