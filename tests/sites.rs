//! Snapshot tests of site finding: every family, import form, macro form,
//! look-alike and verdict, each on a tiny crate under `tests/fixtures/sites/`.
//!
//! Each snapshot is what `corral list` prints for the case, run from inside
//! the case's folder on `.` so that paths are stable, plus the exit code.

use std::path::PathBuf;

use assert_cmd::Command;

/// Runs `corral list --color never [extra..] .` in the case's folder.
fn list(case: &str, extra: &[&str]) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sites").join(case);
    let output = Command::cargo_bin("corral")
        .unwrap()
        .current_dir(&dir)
        .env_remove("NO_COLOR")
        .args(["list", "--color", "never"])
        .args(extra)
        .arg(".")
        .output()
        .unwrap();
    let mut text = format!("exit code: {}\n", output.status.code().map_or("none".into(), |c| c.to_string()));
    text.push_str("--- stdout\n");
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    if !output.stderr.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    text
}

/// Snapshots the case's listing under its own name.
fn check(case: &str, extra: &[&str]) {
    let name = if extra.is_empty() {
        format!("sites__{case}")
    } else {
        let flags: Vec<&str> = extra.iter().map(|flag| flag.trim_start_matches('-')).collect();
        format!("sites__{case}__{}", flags.join("_"))
    };
    let command: Vec<&str> =
        ["corral", "list", "--color", "never"].into_iter().chain(extra.iter().copied()).collect();
    let description = format!("{} . (in tests/fixtures/sites/{case})", command.join(" "));
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        description => description,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, list(case, extra));
    });
}

#[test]
fn tokio_families() {
    check("tokio_families", &[]);
}

#[test]
fn runtime_handles() {
    check("runtime_handles", &[]);
}

#[test]
fn threads_and_other_runtimes() {
    check("threads_and_others", &[]);
}

#[test]
fn configured_spawn_function() {
    check("configured_spawn", &[]);
}

#[test]
fn import_forms() {
    check("import_forms", &[]);
}

#[test]
fn use_trees_globs_and_scopes() {
    check("use_trees", &[]);
}

#[test]
fn self_super_and_crate_paths() {
    check("relative_paths", &[]);
}

#[test]
fn reexports_inside_a_crate() {
    check("reexports", &[]);
}

#[test]
fn reexport_across_workspace_members() {
    check("workspace_reexport", &[]);
}

#[test]
fn spawns_inside_macro_calls() {
    check("macros", &[]);
}

#[test]
fn look_alikes_are_not_sites() {
    check("lookalikes", &[]);
}

#[test]
fn exempt_markers() {
    check("exempt", &[]);
}

#[test]
fn already_tracked() {
    check("tracked", &[]);
}

#[test]
fn test_code_is_set_apart() {
    check("test_code", &[]);
}

#[test]
fn test_code_with_include_tests() {
    check("test_code", &["--include-tests"]);
}

#[test]
fn unresolved_calls_are_skipped() {
    check("skipped", &[]);
}

#[test]
fn json_format() {
    check("exempt", &["--format", "json"]);
}
