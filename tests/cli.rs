//! `corral check` and `corral list` as a user runs them: the built binaries
//! on temporary workspaces, every format, every exit code, bad input, the
//! cargo-subcommand form and colour.

mod common;

use common::{Run, Scratch, cargo_corral, corral, manifest, site, sites};
use serde_json::Value;

/// A library with one site of each verdict that `check` and `list` tell apart.
const MIXED_LIB: &str = r#"mod net;

pub fn start() {
    tokio::spawn(async {});
}

pub fn accept_loop() {
    // spawn-exempt: the accept loop lives as long as the process
    tokio::spawn(async {});
}

pub fn unexplained() {
    // spawn-exempt:
    std::thread::spawn(|| ());
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn spawns_in_a_test() {
        tokio::spawn(async {}).await.unwrap();
    }
}
"#;

/// A nested module, so that paths have more than one `/`.
const NET: &str = "use tokio::task;\n\npub fn serve() {\n    let _h = task::spawn_blocking(|| ());\n}\n";

fn mixed() -> Scratch {
    let scratch = Scratch::package(MIXED_LIB);
    scratch.file("src/net/mod.rs", "mod conn;\n").file("src/net/conn.rs", NET);
    scratch
}

fn run(scratch: &Scratch, args: &[&str]) -> Run {
    Run::of(corral(scratch.path()).args(args))
}

/// The findings of `check` on [`mixed`]: bare sites and the marker without a reason.
fn mixed_findings() -> Vec<common::Site> {
    vec![
        site("src/lib.rs", 4, 5, "tokio::spawn", "bare"),
        site("src/lib.rs", 14, 5, "std::thread::spawn", "exempt-without-reason"),
        site("src/net/conn.rs", 4, 14, "tokio::task::spawn_blocking", "bare"),
    ]
}

// ---------------------------------------------------------------- formats

#[test]
fn check_human_prints_rustc_style_findings_and_a_summary() {
    let out = run(&mixed(), &["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    let text = &out.stdout;
    assert!(
        text.contains("warning: bare `tokio::spawn`: the task is not tracked\n --> src/lib.rs:4:5\n"),
        "{text}"
    );
    assert!(text.contains("4 |     tokio::spawn(async {});\n"), "{text}");
    assert!(text.contains("--> src/net/conn.rs:4:14"), "{text}");
    assert!(text.contains("exempt marker without a reason"), "{text}");
    assert!(text.contains("corral apply"), "the fix hint is missing: {text}");
    // Neither the exempt site nor the one in test code is a finding.
    assert!(!text.contains("src/lib.rs:9:"), "{text}");
    assert!(!text.contains("src/lib.rs:21:"), "{text}");
    assert!(text.trim_end().ends_with("3 bare spawns in 2 files"), "{text}");
    assert_eq!(out.stderr, "");
}

#[test]
fn check_json_lists_only_findings_with_relative_slash_paths_and_1_based_positions() {
    let out = run(&mixed(), &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let document = out.json();
    assert_eq!(document["command"], "check");
    assert_eq!(sites(&document), mixed_findings());
    assert_eq!(document["summary"]["findings"], 3);
    assert_eq!(document["problems"], Value::Array(vec![]));
    let conn = &document["findings"][2];
    assert_eq!(conn["written_as"], "task::spawn_blocking");
    assert_eq!(conn["handle"], "bound");
}

#[test]
fn list_json_gives_every_site_its_verdict() {
    let out = run(&mixed(), &["list", "--format", "json"]);
    // `list` audits; it does not gate.
    assert_eq!(out.code, 0, "{out:?}");
    let document = out.json();
    assert_eq!(document["command"], "list");
    assert_eq!(
        sites(&document),
        [
            site("src/lib.rs", 4, 5, "tokio::spawn", "bare"),
            site("src/lib.rs", 9, 5, "tokio::spawn", "exempt"),
            site("src/lib.rs", 14, 5, "std::thread::spawn", "exempt-without-reason"),
            site("src/lib.rs", 21, 9, "tokio::spawn", "test-code"),
            site("src/net/conn.rs", 4, 14, "tokio::task::spawn_blocking", "bare"),
        ]
    );
    assert_eq!(document["findings"][1]["reason"], "the accept loop lives as long as the process");
    assert_eq!(document["summary"]["verdicts"]["test-code"], 1);
}

#[test]
fn check_sarif_is_2_1_0_with_a_rule_and_a_location_per_finding() {
    let out = run(&mixed(), &["check", "--format", "sarif"]);
    assert_eq!(out.code, 1, "{out:?}");
    let document = out.json();
    assert_eq!(document["version"], "2.1.0");
    assert!(document["$schema"].as_str().unwrap().contains("sarif"), "{document}");
    let results = document["runs"][0]["results"].as_array().unwrap();
    let located: Vec<(String, String, u64, u64)> = results
        .iter()
        .map(|result| {
            let location = &result["locations"][0]["physicalLocation"];
            (
                result["ruleId"].as_str().unwrap().to_string(),
                location["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                location["region"]["startLine"].as_u64().unwrap(),
                location["region"]["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            ("bare-spawn".to_string(), "src/lib.rs".to_string(), 4, 5),
            ("exempt-without-reason".to_string(), "src/lib.rs".to_string(), 14, 5),
            ("bare-spawn".to_string(), "src/net/conn.rs".to_string(), 4, 14),
        ]
    );
    let rules: Vec<&str> = document["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert!(located.iter().all(|(rule, ..)| rules.contains(&rule.as_str())), "{rules:?}");
}

#[test]
fn list_sarif_marks_settled_sites_as_not_failing() {
    let out = run(&mixed(), &["list", "--format", "sarif"]);
    assert_eq!(out.code, 0, "{out:?}");
    let document = out.json();
    assert_eq!(document["version"], "2.1.0");
    let results = document["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5, "{document}");
    assert!(
        results.iter().all(|r| r["ruleId"].is_string() && r["locations"][0]["physicalLocation"].is_object())
    );
    // The exempt site is suppressed in the source, with its reason.
    assert_eq!(
        results[1]["suppressions"][0]["justification"],
        "the accept loop lives as long as the process"
    );
    assert_eq!(results[3]["level"], "none", "test code is not a failure: {}", results[3]);
}

#[test]
fn check_github_prints_a_warning_annotation_per_finding() {
    let out = run(&mixed(), &["check", "--format", "github"]);
    assert_eq!(out.code, 1, "{out:?}");
    let annotations: Vec<&str> = out.stdout.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(annotations.len(), 3, "{}", out.stdout);
    assert!(annotations.iter().all(|line| line.starts_with("::warning file=")), "{}", out.stdout);
    assert!(annotations[0].starts_with("::warning file=src/lib.rs,line=4,col=5,"), "{}", annotations[0]);
    assert!(
        annotations[2].starts_with("::warning file=src/net/conn.rs,line=4,col=14,"),
        "{}",
        annotations[2]
    );
}

#[test]
fn list_github_adds_settled_sites_as_notices() {
    let out = run(&mixed(), &["list", "--format", "github"]);
    assert_eq!(out.code, 0, "{out:?}");
    let warnings = out.stdout.lines().filter(|line| line.starts_with("::warning file=")).count();
    let notices: Vec<&str> = out.stdout.lines().filter(|line| line.starts_with("::notice file=")).collect();
    assert_eq!(warnings, 3, "{}", out.stdout);
    assert_eq!(notices.len(), 2, "{}", out.stdout);
    assert!(notices[0].starts_with("::notice file=src/lib.rs,line=9,col=5,"), "{}", notices[0]);
}

#[test]
fn list_human_prints_a_row_per_site_and_an_audit_per_package() {
    let out = run(&mixed(), &["list"]);
    assert_eq!(out.code, 0, "{out:?}");
    let rows: Vec<&str> = out.stdout.lines().filter(|line| line.starts_with("src/")).collect();
    assert_eq!(rows.len(), 5, "{}", out.stdout);
    assert!(rows[0].starts_with("src/lib.rs:4:5 ") && rows[0].contains(" bare "), "{}", rows[0]);
    assert!(rows[1].contains(" exempt ") && rows[1].contains("the accept loop lives"), "{}", rows[1]);
    assert!(rows[3].contains(" test-code "), "{}", rows[3]);
    assert!(
        out.stdout.contains("app: 2 to convert, 1 exempt, 0 skipped, 1 test code, 0 already tracked, 1 marker without a reason\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("  exempt:\n    src/lib.rs:9:5  the accept loop lives"), "{}", out.stdout);
}

// ---------------------------------------------------------------- exit codes

#[test]
fn clean_workspace_exits_0_in_every_format() {
    let scratch = Scratch::package(
        "pub fn run() {\n    // spawn-exempt: lives as long as the process\n    tokio::spawn(async {});\n    \
         let _ = std::process::Command::new(\"ls\").spawn();\n}\n",
    );
    for command in ["check", "list"] {
        for format in ["human", "json", "github", "sarif"] {
            let out = run(&scratch, &[command, "--format", format]);
            assert_eq!(out.code, 0, "{command} --format {format}: {out:?}");
            assert_eq!(out.stderr, "", "{command} --format {format}");
        }
    }
    let document = run(&scratch, &["check", "--format", "json"]).json();
    assert_eq!(document["findings"], Value::Array(vec![]));
}

#[test]
fn bare_spawn_exits_1_in_every_format() {
    let scratch = Scratch::package("pub fn run() {\n    std::thread::spawn(|| ());\n}\n");
    for format in ["human", "json", "github", "sarif"] {
        let out = run(&scratch, &["check", "--format", format]);
        assert_eq!(out.code, 1, "--format {format}: {out:?}");
    }
}

#[test]
fn unknown_config_key_exits_2_naming_the_file_and_the_key() {
    let scratch = Scratch::package("pub fn run() {\n    tokio::spawn(async {});\n}\n");
    scratch.file("corral.toml", "marker = \"keep\"\nmarkr = \"typo\"\n");
    for command in ["check", "list"] {
        let out = run(&scratch, &[command, "--format", "json"]);
        // The error wins over the finding, and nothing half-done is printed.
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("corral.toml:2:1"), "{}", out.stderr);
        assert!(out.stderr.contains("`markr`"), "{}", out.stderr);
        assert_eq!(out.stdout, "");
    }
}

#[test]
fn explicit_config_file_is_read_and_its_errors_named() {
    let scratch =
        Scratch::package("pub fn run() {\n    // keep: on purpose\n    tokio::spawn(async {});\n}\n");
    scratch.file("conf/good.toml", "marker = \"keep\"\n").file("conf/bad.toml", "tests = \"sometimes\"\n");
    assert_eq!(run(&scratch, &["check", "--config", "conf/good.toml"]).code, 0);
    let out = run(&scratch, &["check", "--config", "conf/bad.toml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("bad.toml") && out.stderr.contains("tests"), "{}", out.stderr);
    let out = run(&scratch, &["check", "--config", "conf/missing.toml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("missing.toml"), "{}", out.stderr);
}

#[test]
fn nonexistent_path_exits_2_naming_it() {
    let scratch = Scratch::new();
    for command in ["check", "list"] {
        let out = run(&scratch, &[command, "no/such/place"]);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("no/such/place"), "{}", out.stderr);
    }
}

#[test]
fn usage_error_exits_2() {
    let out = run(&Scratch::new(), &["check", "--format", "xml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("xml"), "{}", out.stderr);
}

#[test]
fn non_utf8_file_is_named_the_others_still_reported_and_the_error_wins() {
    let scratch = Scratch::package("mod latin1;\n\npub fn run() {\n    tokio::spawn(async {});\n}\n");
    scratch.bytes("src/latin1.rs", b"// caf\xe9\npub fn go() {\n    std::thread::spawn(|| ());\n}\n");
    let out = run(&scratch, &["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{out:?}");
    let document = out.json();
    assert_eq!(sites(&document), [site("src/lib.rs", 4, 5, "tokio::spawn", "bare")]);
    assert_eq!(document["problems"][0]["path"], "src/latin1.rs");
    assert!(document["problems"][0]["message"].as_str().unwrap().contains("UTF-8"), "{document}");

    let out = run(&scratch, &["check"]);
    assert_eq!(out.code, 2, "{out:?}");
    let both = format!("{}{}", out.stdout, out.stderr);
    assert!(both.contains("src/latin1.rs: not valid UTF-8"), "{both}");
    assert!(both.contains("src/lib.rs:4:5"), "{both}");
}

#[test]
fn syntax_error_keeps_the_sites_of_the_well_formed_parts_and_exits_2() {
    let scratch = Scratch::package(
        "fn before() {\n    tokio::spawn(async {});\n}\n\nfn broken(x: u32 {\n    let _ = x;\n}\n\n\
         fn after() {\n    std::thread::spawn(|| ());\n}\n",
    );
    let out = run(&scratch, &["list", "--format", "json"]);
    assert_eq!(out.code, 2, "{out:?}");
    let document = out.json();
    assert_eq!(
        sites(&document),
        [
            site("src/lib.rs", 2, 5, "tokio::spawn", "bare"),
            site("src/lib.rs", 10, 5, "std::thread::spawn", "bare"),
        ]
    );
    assert_eq!(document["problems"][0]["path"], "src/lib.rs");
    let message = document["problems"][0]["message"].as_str().unwrap();
    assert!(message.contains("syntax error at 5:"), "{message}");
    assert_eq!(run(&scratch, &["check"]).code, 2);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_named_relative_to_path_and_the_walk_goes_on() {
    let scratch = Scratch::package("pub fn run() {\n    tokio::spawn(async {});\n}\n");
    std::os::unix::fs::symlink("..", scratch.path().join("src/up")).unwrap();
    let out = run(&scratch, &["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{out:?}");
    let document = out.json();
    assert_eq!(sites(&document), [site("src/lib.rs", 2, 5, "tokio::spawn", "bare")]);
    assert_eq!(document["problems"][0]["path"], "src/up");
    assert!(document["problems"][0]["message"].as_str().unwrap().contains("symbolic link loop"));

    // Regression: the problem's path held the root already, and printers
    // added it again (`ws/ws/src/up`).
    let parent = scratch.path().parent().unwrap();
    let name = scratch.path().file_name().unwrap().to_str().unwrap();
    let out = Run::of(corral(parent).args(["check", name]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains(&format!("error: {name}/src/up: symbolic link loop")), "{}", out.stderr);
    assert!(!out.stderr.contains(&format!("{name}/{name}")), "{}", out.stderr);
    assert!(!out.stdout.contains("src/up"), "problems go to stderr only: {}", out.stdout);
}

// ---------------------------------------------------------------- workspaces

/// Two members: `a` re-exports tokio's spawns from its `rt` module, `b` calls
/// them through `a`, and `b`'s tests use `tokio_test`'s `spawn`, which polls a
/// future by hand and starts no task.
fn two_crates() -> Scratch {
    let scratch = Scratch::new();
    scratch
        .file("Cargo.toml", "[workspace]\nmembers = [\"crates/a\", \"crates/b\"]\nresolver = \"2\"\n")
        .file("crates/a/Cargo.toml", &manifest("a", ""))
        .file("crates/a/src/lib.rs", "pub mod rt;\n")
        .file(
            "crates/a/src/rt.rs",
            "pub use tokio::spawn;\npub use tokio::task::spawn_blocking as blocking;\n",
        )
        .file("crates/b/Cargo.toml", &manifest("b", "[dependencies]\na = { path = \"../a\" }\n"))
        .file(
            "crates/b/src/lib.rs",
            r#"mod work;

pub fn start() {
    a::rt::spawn(async {});
}

#[cfg(test)]
mod tests {
    use tokio_test::task::spawn;

    #[test]
    fn polls_by_hand() {
        let mut task = spawn(async {});
        assert!(task.poll().is_ready());
    }

    #[tokio::test]
    async fn spawns_a_task() {
        tokio::spawn(async {}).await.unwrap();
    }
}
"#,
        )
        // No `spawn` in this file: only the alias can find its site.
        .file(
            "crates/b/src/work.rs",
            "pub fn crunch() -> u32 {\n    let _h = a::rt::blocking(|| 1);\n    2\n}\n",
        );
    scratch
}

#[test]
fn cross_crate_re_exports_are_sites_and_tokio_test_is_not() {
    let scratch = two_crates();
    let out = run(&scratch, &["list", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let document = out.json();
    assert_eq!(
        sites(&document),
        [
            site("crates/b/src/lib.rs", 4, 5, "tokio::spawn", "bare"),
            site("crates/b/src/lib.rs", 19, 9, "tokio::spawn", "test-code"),
            site("crates/b/src/work.rs", 2, 14, "tokio::task::spawn_blocking", "bare"),
        ]
    );
    assert_eq!(document["findings"][0]["written_as"], "a::rt::spawn");
    assert_eq!(document["findings"][0]["package"], "b");

    let out = run(&scratch, &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        sites(&out.json()),
        [
            site("crates/b/src/lib.rs", 4, 5, "tokio::spawn", "bare"),
            site("crates/b/src/work.rs", 2, 14, "tokio::task::spawn_blocking", "bare"),
        ]
    );
}

#[test]
fn include_tests_reports_test_spawns_but_never_tokio_test() {
    let scratch = two_crates();
    let out = run(&scratch, &["check", "--include-tests", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let found = sites(&out.json());
    assert!(found.iter().any(|s| s.0 == "crates/b/src/lib.rs" && s.1 == 19), "{found:?}");
    // `tokio_test::task::spawn` at line 13 is a mock for polling, not a task.
    assert!(!found.iter().any(|s| s.0 == "crates/b/src/lib.rs" && s.1 == 13), "{found:?}");
    assert_eq!(found.len(), 3, "{found:?}");

    let listed = sites(&run(&scratch, &["list", "--include-tests", "--format", "json"]).json());
    assert!(!listed.iter().any(|s| s.1 == 13), "{listed:?}");
}

#[test]
fn one_member_of_a_workspace_can_be_scanned_alone() {
    let scratch = two_crates();
    scratch.file("crates/b/src/direct.rs", "pub fn go() {\n    tokio::task::spawn_local(async {});\n}\n");
    let out = run(&scratch, &["check", "crates/b", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    // Paths are relative to PATH.
    let found = sites(&out.json());
    assert!(found.contains(&site("src/direct.rs", 2, 5, "tokio::task::spawn_local", "bare")), "{found:?}");
    let human = run(&scratch, &["check", "crates/b"]);
    assert!(human.stdout.contains("--> crates/b/src/direct.rs:2:5"), "{}", human.stdout);
}

#[test]
fn workspace_metadata_config_is_honoured() {
    let scratch = Scratch::new();
    scratch
        .file(
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\"]\n\n[workspace.metadata.corral]\nmarker = \"fire-and-forget\"\n\
             exclude = [\"app/src/generated/**\"]\n",
        )
        .file("app/Cargo.toml", &manifest("app", ""))
        .file(
            "app/src/lib.rs",
            "mod generated;\n\npub fn run() {\n    // fire-and-forget: metrics flush, lossy by design\n    \
             tokio::spawn(async {});\n    // spawn-exempt: the default word means nothing here\n    \
             tokio::spawn(async {});\n}\n",
        )
        .file("app/src/generated/mod.rs", "pub fn gen() {\n    tokio::spawn(async {});\n}\n");
    let out = run(&scratch, &["list", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let document = out.json();
    assert_eq!(
        sites(&document),
        [
            site("app/src/lib.rs", 5, 5, "tokio::spawn", "exempt"),
            site("app/src/lib.rs", 7, 5, "tokio::spawn", "bare"),
        ]
    );
    assert_eq!(document["findings"][0]["reason"], "metrics flush, lossy by design");
    let out = run(&scratch, &["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("`// fire-and-forget: <why"),
        "the hint quotes the configured word: {}",
        out.stdout
    );
}

#[test]
fn bad_workspace_metadata_exits_2_naming_the_manifest_and_key() {
    let scratch = Scratch::new();
    scratch
        .file(
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\"]\n\n[workspace.metadata.corral]\nmarkers = \"x\"\n",
        )
        .file("app/Cargo.toml", &manifest("app", ""))
        .file("app/src/lib.rs", "pub fn run() {\n    tokio::spawn(async {});\n}\n");
    let out = run(&scratch, &["check"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("Cargo.toml:5:1"), "{}", out.stderr);
    assert!(
        out.stderr.contains("[workspace.metadata.corral]") && out.stderr.contains("`markers`"),
        "{}",
        out.stderr
    );
}

#[test]
fn single_file_path_is_scanned_and_shown_as_typed() {
    let scratch = mixed();
    let out = run(&scratch, &["check", "src/net/conn.rs", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(sites(&out.json()), [site("src/net/conn.rs", 4, 14, "tokio::task::spawn_blocking", "bare")]);

    // Regression: the file's path came out twice (`src/net/conn.rs/src/net/conn.rs`).
    let out = run(&scratch, &["check", "src/net/conn.rs"]);
    assert!(out.stdout.contains("--> src/net/conn.rs:4:14\n"), "{}", out.stdout);
    let out = run(&scratch, &["check", "./src/net/conn.rs", "--format", "github"]);
    assert!(out.stdout.starts_with("::warning file=src/net/conn.rs,line=4,col=14,"), "{}", out.stdout);
    let out = run(&scratch, &["check", "src/net/conn.rs", "--format", "sarif"]);
    let uri =
        &out.json()["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "src/net/conn.rs");
}

#[test]
fn plain_folder_without_a_manifest_is_walked() {
    let scratch = Scratch::new();
    scratch
        .file("main.rs", "fn main() {\n    std::thread::spawn(|| ());\n}\n")
        .file("util/pool.rs", "use smol::spawn as go;\n\npub fn run() {\n    go(async {}).detach();\n}\n")
        .file("notes.txt", "tokio::spawn(async {});\n");
    let out = run(&scratch, &["list", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        sites(&out.json()),
        [
            site("main.rs", 2, 5, "std::thread::spawn", "bare"),
            site("util/pool.rs", 4, 5, "smol::spawn", "bare")
        ]
    );
    assert_eq!(run(&scratch, &["check"]).code, 1);
}

// ---------------------------------------------------------------- cargo subcommand and colour

#[test]
fn cargo_corral_binary_accepts_the_subcommand_word() {
    let scratch = mixed();
    let direct = run(&scratch, &["check", "--format", "json"]);
    let out = Run::of(cargo_corral(scratch.path()).args(["corral", "check", "--format", "json"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, direct.stdout);
    // Run directly, it is the same program.
    let out = Run::of(cargo_corral(scratch.path()).args(["list", "--format", "json"]));
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn cargo_runs_the_subcommand_from_path() {
    let scratch = mixed();
    let binary = assert_cmd::cargo::cargo_bin("cargo-corral");
    let mut paths = vec![binary.parent().unwrap().to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Run::of(
        assert_cmd::Command::new(cargo)
            .args(["corral", "check", "--format", "json"])
            .current_dir(scratch.path())
            .env("PATH", std::env::join_paths(paths).unwrap()),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(sites(&out.json()), mixed_findings());
}

const ESCAPE: &str = "\u{1b}[";

#[test]
fn colour_only_when_asked() {
    let scratch = mixed();
    for command in ["check", "list"] {
        let always = run(&scratch, &[command, "--color", "always"]);
        assert!(always.stdout.contains(ESCAPE), "{command} --color always:\n{}", always.stdout);
        let never = run(&scratch, &[command, "--color", "never"]);
        assert!(!never.stdout.contains(ESCAPE), "{command} --color never:\n{}", never.stdout);
        // Not a terminal: `auto` means none.
        let auto = run(&scratch, &[command]);
        assert!(!auto.stdout.contains(ESCAPE), "{command}:\n{}", auto.stdout);
        let no_color = Run::of(corral(scratch.path()).arg(command).env("NO_COLOR", "1"));
        assert!(!no_color.stdout.contains(ESCAPE), "{command} with NO_COLOR:\n{}", no_color.stdout);
        assert!(!no_color.stderr.contains(ESCAPE));
    }
}

#[test]
fn colour_never_reaches_machine_formats() {
    let scratch = mixed();
    for format in ["json", "github", "sarif"] {
        let out = run(&scratch, &["check", "--color", "always", "--format", format]);
        assert!(!out.stdout.contains(ESCAPE), "--format {format}:\n{}", out.stdout);
    }
}
