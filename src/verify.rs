//! `apply --verify`: the compiler as the judge. The check command runs before
//! the rewrite (the baseline) and after it; every error the rewrite added is
//! mapped, through a line diff of the file, back to the site whose edits it
//! falls in, and that site is reverted and reported as needing a hand.
//!
//! Parsing cargo's JSON and mapping errors are pure; `run_check` is the only
//! part that runs a process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use similar::{ChangeTag, TextDiff};

use crate::rewrite::FileChange;
use crate::sites::model::SpawnSite;

/// One compiler error, by its primary span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompilerError {
    /// Absolute path of the file the primary span is in (`None` for errors without one).
    pub file: Option<PathBuf>,
    /// 1-based line of the primary span.
    pub line: u32,
    pub code: Option<String>,
    pub message: String,
}

impl CompilerError {
    /// What stays the same when lines move: file, code and message.
    fn key(&self) -> (Option<PathBuf>, Option<String>, String) {
        (self.file.clone(), self.code.clone(), self.message.clone())
    }

    /// `error[E0505]: cannot move out of `self` ...`
    pub fn summary(&self) -> String {
        match &self.code {
            Some(code) => format!("error[{code}]: {}", self.message),
            None => format!("error: {}", self.message),
        }
    }
}

/// The errors in cargo's `--message-format=json` output; relative span paths
/// are taken from `workspace_root`, where cargo runs rustc.
pub fn parse_messages(stdout: &str, workspace_root: &Path) -> Vec<CompilerError> {
    let mut errors = Vec::new();
    for line in stdout.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if value["reason"] != "compiler-message" {
            continue;
        }
        let message = &value["message"];
        if message["level"] != "error" {
            continue;
        }
        let text = message["message"].as_str().unwrap_or_default().to_string();
        if text.starts_with("aborting due to") {
            continue;
        }
        let primary =
            message["spans"].as_array().and_then(|spans| spans.iter().find(|s| s["is_primary"] == true));
        let file = primary.and_then(|s| s["file_name"].as_str()).map(|name| {
            let path = Path::new(name);
            if path.is_absolute() { path.to_path_buf() } else { workspace_root.join(path) }
        });
        errors.push(CompilerError {
            file,
            line: primary.and_then(|s| s["line_start"].as_u64()).unwrap_or(0) as u32,
            code: message["code"]["code"].as_str().map(str::to_string),
            message: text,
        });
    }
    errors
}

/// The errors of `after` that `baseline` did not have (as many times as they are new).
pub fn new_errors(baseline: &[CompilerError], after: &[CompilerError]) -> Vec<CompilerError> {
    let mut known: HashMap<_, usize> = HashMap::new();
    for error in baseline {
        *known.entry(error.key()).or_default() += 1;
    }
    after
        .iter()
        .filter(|error| match known.get_mut(&error.key()) {
            Some(count) if *count > 0 => {
                *count -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// The site (index into `sites`) whose rewrite an error falls in: the error's
/// line in the rewritten file is mapped to the original line (an inserted line,
/// such as a hoisted `let`, maps to the line it was inserted before), then to
/// the innermost converted site whose statement holds that line.
pub fn site_of_error(error: &CompilerError, changes: &[FileChange], sites: &[SpawnSite]) -> Option<usize> {
    let file = error.file.as_ref()?;
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a).unwrap_or_else(|_| a.to_path_buf())
            == std::fs::canonicalize(b).unwrap_or_else(|_| b.to_path_buf())
    };
    let change = changes.iter().find(|c| same(&c.path, file))?;
    let original = change.original.as_deref()?;
    let old_line = original_line(original, &change.new_text, error.line)?;
    let line_of =
        |offset: u32| original[..(offset as usize).min(original.len())].matches('\n').count() as u32 + 1;
    sites
        .iter()
        .enumerate()
        .filter(|(_, site)| site.path == change.display)
        .filter_map(|(index, site)| {
            let mut first = site.line;
            if let Some(start) = site.context.statement_start {
                first = first.min(line_of(start));
            }
            if let Some(start) = site.context.enclosing.first().and_then(|e| e.statement_start) {
                first = first.min(line_of(start));
            }
            let last = line_of(site.end);
            (first..=last).contains(&old_line).then_some((last - first, index))
        })
        .min()
        .map(|(_, index)| index)
}

/// The 1-based line of `original` that line `new_line` of `rewritten` comes
/// from. A line that replaced others maps to the first line it replaced; a
/// pure insertion (a hoisted `let`) to the line it was inserted before.
fn original_line(original: &str, rewritten: &str, new_line: u32) -> Option<u32> {
    let diff = TextDiff::from_lines(original, rewritten);
    let target = new_line.checked_sub(1)? as usize;
    let mut first_deleted: Option<usize> = None;
    let mut inserted_before_next = false;
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Delete => {
                let old = change.old_index()?;
                if inserted_before_next {
                    return Some(old as u32 + 1);
                }
                first_deleted.get_or_insert(old);
            }
            ChangeTag::Insert => {
                if change.new_index()? == target {
                    match first_deleted {
                        Some(old) => return Some(old as u32 + 1),
                        None => inserted_before_next = true,
                    }
                }
            }
            ChangeTag::Equal => {
                if inserted_before_next || change.new_index()? == target {
                    return Some(change.old_index()? as u32 + 1);
                }
                first_deleted = None;
            }
        }
    }
    // An insertion at the very end follows the last original line.
    inserted_before_next.then(|| original.lines().count() as u32)
}

/// Runs the check command in `dir`; returns its errors and whether it succeeded.
pub fn run_check(dir: &Path, command: &[String]) -> Result<(Vec<CompilerError>, bool), String> {
    let (program, args) = command.split_first().ok_or("the verify command is empty")?;
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", command.join(" ")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut errors = parse_messages(&stdout, dir);
    if !output.status.success() && errors.is_empty() {
        // A failure without JSON messages (a manifest error, a plain command): one error that maps nowhere.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with("error"))
            .unwrap_or("the command failed");
        errors.push(CompilerError { file: None, line: 0, code: None, message: last.trim().to_string() });
    }
    Ok((errors, output.status.success()))
}

/// The default check, or the user's command with cargo's JSON messages asked for.
pub fn check_command(custom: Option<&str>) -> Vec<String> {
    match custom {
        None => ["cargo", "check", "--workspace", "--all-targets", "--message-format=json"]
            .map(String::from)
            .to_vec(),
        Some(text) => {
            let mut words: Vec<String> = text.split_whitespace().map(String::from).collect();
            if words.first().is_some_and(|w| w == "cargo")
                && !words.iter().any(|w| w.starts_with("--message-format"))
            {
                // Cargo options must precede a `--` that passes arguments on.
                let at = words.iter().position(|w| w == "--").unwrap_or(words.len());
                words.insert(at, "--message-format=json".into());
            }
            words
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cargo_json_errors() {
        let stdout = r#"{"reason":"compiler-artifact","package_id":"x"}
{"reason":"compiler-message","message":{"level":"error","message":"cannot move out of `self` because it is borrowed","code":{"code":"E0505"},"spans":[{"file_name":"src/lib.rs","line_start":12,"is_primary":true}]}}
{"reason":"compiler-message","message":{"level":"warning","message":"unused","code":null,"spans":[]}}
{"reason":"compiler-message","message":{"level":"error","message":"aborting due to 1 previous error","code":null,"spans":[]}}"#;
        let errors = parse_messages(stdout, Path::new("/ws"));
        assert_eq!(
            errors,
            [CompilerError {
                file: Some(PathBuf::from("/ws/src/lib.rs")),
                line: 12,
                code: Some("E0505".into()),
                message: "cannot move out of `self` because it is borrowed".into()
            }]
        );
    }

    #[test]
    fn baseline_errors_are_not_new_even_when_lines_move() {
        let error =
            |line, message: &str| CompilerError { file: None, line, code: None, message: message.into() };
        let baseline = [error(3, "old")];
        let after = [error(5, "old"), error(7, "new"), error(9, "old")];
        assert_eq!(new_errors(&baseline, &after), [error(7, "new"), error(9, "old")]);
    }

    #[test]
    fn maps_new_lines_back_through_insertions() {
        let original = "a\nb\nc\n";
        let rewritten = "a\nlet t = x;\nb2\nc\n";
        assert_eq!(original_line(original, rewritten, 1), Some(1));
        assert_eq!(
            original_line(original, rewritten, 2),
            Some(2),
            "lines that replace others map to the first replaced"
        );
        assert_eq!(original_line(original, rewritten, 3), Some(2));
        assert_eq!(original_line(original, rewritten, 4), Some(3));
        assert_eq!(
            original_line("a\nb\n", "a\nlet t = x;\nb\n", 2),
            Some(2),
            "a pure insertion maps to the line after it"
        );
    }

    #[test]
    fn custom_commands_get_json_messages() {
        assert_eq!(
            check_command(Some("cargo clippy --all-targets -- -D warnings")),
            ["cargo", "clippy", "--all-targets", "--message-format=json", "--", "-D", "warnings"]
        );
        assert_eq!(check_command(Some("make check")), ["make", "check"]);
    }
}
