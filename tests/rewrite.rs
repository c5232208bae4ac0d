//! Snapshot tests of the rewrite: every family, tracker choice, hoisting
//! case, import cleanup and formatting rule, each on a tiny crate under
//! `tests/fixtures/rewrite/`.
//!
//! Each snapshot is what `corral diff . --color never` prints for the case,
//! run from inside the case's folder so that paths are stable: the diff on
//! stdout, the audit on stderr, and the exit code. A last test applies the
//! rewrite to copies of the fixtures and checks that a second run finds
//! nothing left to change.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::cargo::copy_tree;

fn fixture(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rewrite").join(case)
}

/// Runs `corral <args..>` in `dir` and renders exit code, stdout and stderr.
fn run(dir: &Path, args: &[&str]) -> String {
    let output = Command::cargo_bin("corral")
        .unwrap()
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    let mut text = format!("exit code: {}\n", output.status.code().map_or("none".into(), |c| c.to_string()));
    text.push_str("--- stdout\n");
    // Carriage returns and a BOM are part of what is checked: make them visible.
    text.push_str(&String::from_utf8_lossy(&output.stdout).replace('\r', "␍").replace('\u{feff}', "<BOM>"));
    if !output.stderr.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    text
}

/// Snapshots the diff of the case under `rewrite__<case>`.
fn check(case: &str) {
    check_in(&fixture(case), case, "tests/fixtures/rewrite");
}

/// Snapshots the diff of the fixture at `dir` (under `shown`) as `rewrite__<case>`.
fn check_in(dir: &Path, case: &str, shown: &str) {
    let output = common::elide_new_helpers(&run(dir, &["diff", ".", "--color", "never"]));
    let description = format!("corral diff . --color never (in {shown}/{case})");
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        description => description,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("rewrite__{case}"), output);
    });
}

#[test]
fn long_lived_tasks_are_exempted_with_their_evidence() {
    check("long_lived");
}

/// `list` of the same service: the lifetime column, and the audit's list of
/// the bare tasks drain() would wait for forever.
#[test]
fn list_shows_each_task_lifetime() {
    let output = run(&fixture("long_lived"), &["list", ".", "--color", "never"]);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        description => "corral list . --color never (in tests/fixtures/rewrite/long_lived)",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("rewrite__long_lived_list", output);
    });
}

#[test]
fn tokio_task_families() {
    check("tokio_families");
}

#[test]
fn runtime_handles_keep_their_runtime() {
    check("runtime_handles");
}

#[test]
fn threads_and_other_runtimes() {
    check("threads_and_others");
}

#[test]
fn tracker_choice() {
    check("tracker_choice");
}

/// A handler that holds the struct owning a tracker (`Arc`, `&'a`, `Box`)
/// uses it through that field, one hop, where the tracker field is visible.
#[test]
fn tracker_through_a_field() {
    check("tracker_through_field");
}

#[test]
fn binaries_use_the_library_helper() {
    check("bin_with_lib");
}

#[test]
fn hoisting_keeps_self_out_of_tasks() {
    check("hoist_self");
}

#[test]
fn hoisting_in_expression_position_macros_and_tails() {
    check("hoist_positions");
}

#[test]
fn hoisting_copies_copy_trackers_and_skips_what_cannot_be_captured() {
    check("hoist_capture");
}

#[test]
fn imports_made_unused_are_removed() {
    check("imports");
}

#[test]
fn line_endings_bom_and_tabs_are_kept() {
    check("formatting");
}

/// The manifest edit in the manifest's own style: a feature on a line of its
/// own in a one-item-per-line array, an optional tokio-util left as written
/// beside an always-on copy for the helper.
#[test]
fn manifests_are_edited_in_their_own_style() {
    check("manifest_style");
}

#[test]
fn exempt_and_test_sites_are_untouched() {
    check("exempt_and_tests");
}

const CASES: &[&str] = &[
    "tokio_families",
    "runtime_handles",
    "threads_and_others",
    "tracker_choice",
    "tracker_through_field",
    "bin_with_lib",
    "hoist_self",
    "hoist_positions",
    "hoist_capture",
    "imports",
    "formatting",
    "exempt_and_tests",
    "root_import",
    "long_lived",
    "manifest_style",
];

#[test]
fn a_second_run_changes_nothing() {
    for case in CASES {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().join(case);
        copy_tree(&fixture(case), &dir);
        let applied = run(&dir, &["apply", ".", "--allow-dirty"]);
        assert!(applied.starts_with("exit code: 0\n"), "{case}: apply failed:\n{applied}");
        let again = run(&dir, &["diff", ".", "--color", "never", "--exit-code"]);
        assert!(
            again.starts_with("exit code: 0\n--- stdout\n--- stderr"),
            "{case}: a second run changes more:\n{again}"
        );
    }
}

#[test]
fn an_import_removed_where_the_helper_is_declared() {
    check("root_import");
}

#[test]
fn a_configured_spawn_becomes_its_template() {
    let scratch = common::Scratch::package(
        "pub fn start() {\n    my_rt::launch(\"worker\", async {});\n    my_rt::other();\n}\n",
    );
    scratch.file(
        "corral.toml",
        "[[spawn]]\npath = \"my_rt::launch\"\ntemplate = \"crate::tasks::spawn(my_rt::named({args}))\"\n",
    );
    let run = common::Run::of(common::corral(scratch.path()).args(["diff", ".", "--color", "never"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("-    my_rt::launch(\"worker\", async {});\n+    crate::tasks::spawn(my_rt::named(\"worker\", async {}));\n"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("1 converted (0 own tracker, 1 global helper)"), "{}", run.stderr);
}

/// Regression: a task spawned inside a thread builder's closure (as reqwest's
/// blocking client does) made the two sites' edits overlap, and neither was
/// converted.
#[test]
fn a_spawn_inside_a_wrapped_thread_closure_is_converted_too() {
    let scratch = common::Scratch::package(
        "pub fn start() {\n    std::thread::Builder::new()\n        .spawn(move || {\n            tokio::spawn(async {});\n        })\n        .unwrap();\n}\n",
    );
    // Unformatted, to see corral's own edits (rustfmt would wrap the long line).
    let run = common::Run::of(common::corral(scratch.path()).args([
        "diff",
        ".",
        "--color",
        "never",
        "--no-format",
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(
            "-        .spawn(move || {\n-            tokio::spawn(async {});\n-        })\n\
             +        .spawn(crate::tasks::track_thread(crate::tasks::tracker(), move || {\n\
             +            crate::tasks::spawn(async {});\n+        }))\n"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("2 converted (0 own tracker, 2 global helper)"), "{}", run.stderr);
}

/// A tracker field is found through a type alias of `TaskTracker`.
#[test]
fn a_tracker_behind_a_type_alias_is_the_structs_own() {
    let scratch = common::Scratch::package(
        "pub type Tracker = tokio_util::task::TaskTracker;\n\npub struct Server {\n    tasks: Tracker,\n}\n\nimpl Server {\n    pub fn start(&self) {\n        tokio::spawn(async {});\n    }\n}\n",
    );
    let run = common::Run::of(common::corral(scratch.path()).args(["diff", ".", "--color", "never"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("-        tokio::spawn(async {});\n+        self.tasks.spawn(async {});\n"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("1 converted (1 own tracker, 0 global helper)"), "{}", run.stderr);
}

/// `long-lived = "track"` converts a task that never ends like any other;
/// `"leave"` changes nothing and keeps it a finding, with the reason.
#[test]
fn long_lived_can_be_tracked_or_left() {
    let lib = "pub fn start(listener: std::net::TcpListener) {\n    std::thread::spawn(move || {\n        for stream in listener.incoming() {\n            drop(stream);\n        }\n    });\n}\n";
    let tracked = common::Scratch::package(lib);
    tracked.file("corral.toml", "long-lived = \"track\"\n");
    let run = common::Run::of(common::corral(tracked.path()).args(["diff", ".", "--color", "never"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("+    crate::tasks::spawn_thread(move || {\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("spawn-exempt"), "{}", run.stdout);

    let left = common::Scratch::package(lib);
    left.file("corral.toml", "long-lived = \"leave\"\n");
    let run = common::Run::of(common::corral(left.path()).args(["diff", ".", "--color", "never"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty(), "nothing to change: {}", run.stdout);
    assert!(
        run.stderr.contains(
            "runs until shutdown (loops on `listener.incoming()` until it closes): left bare, as `long-lived = \"leave\"` asks"
        ),
        "{}",
        run.stderr
    );
    let check = common::Run::of(common::corral(left.path()).args(["check", ".", "--color", "never"]));
    assert_eq!(check.code, 1, "the site stays a finding: {check:?}");
}

/// One helper crate for the workspace (`helper-crate = "crates/tasks"` in the
/// compile fixture's `corral.toml`): the new member, its manifest, the root's
/// members and `[workspace.dependencies]`, each crate's dependency, and sites
/// calling `tasks::spawn`.
#[test]
fn one_helper_crate_for_the_workspace() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compile/helper_crate");
    let output = common::elide_new_helpers(&run(&dir, &["diff", ".", "--color", "never"]));
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        description => "corral diff . --color never (in tests/fixtures/compile/helper_crate)",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("rewrite__helper_crate", output);
    });
}

/// Where each helper goes, for every target layout cargo knows (the compile
/// fixtures `layouts` and `layouts_lib`): without a library, one `src/tasks.rs`
/// that each root declares, by `#[path]` where its folder does not hold it;
/// with one, the library's, beside its root; never a file cargo would take
/// for a target of its own.
#[test]
fn every_target_layout_reaches_one_helper() {
    for case in ["layouts", "layouts_lib"] {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compile").join(case);
        check_in(&dir, case, "tests/fixtures/compile");
    }
}
