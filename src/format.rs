//! Formats what the migration writes the way the project's own `cargo fmt`
//! would, so that its pull requests pass a `cargo fmt --check` job.
//!
//! A rewritten file that rustfmt accepted before the rewrite is formatted
//! whole afterwards: since the rest of it was already in rustfmt's style,
//! only what corral changed moves. A file rustfmt did not accept before keeps
//! corral's minimal edit (formatting it would bury the migration under
//! unrelated changes), and the report says which. New files are always
//! formatted. rustfmt runs in the file's folder, so it finds the project's
//! `rustfmt.toml` / `.rustfmt.toml` the way it does for `cargo fmt`, with the
//! crate's edition, from which it takes its style edition unless the
//! configuration names one.
//!
//! This stage runs an external tool; it sits between planning and rendering,
//! so `diff`, `apply` and `patch` show and write the same text.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rayon::prelude::*;

use crate::discover::Edition;
use crate::rewrite::FileChange;

/// What formatting did, for the audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatReport {
    /// Files rustfmt did not accept before the rewrite (display paths): they
    /// keep corral's minimal edit.
    pub unformatted: Vec<String>,
    /// Files whose new text rustfmt could not format, with its message; the
    /// minimal edit stays.
    pub failed: Vec<(String, String)>,
    /// Set when rustfmt could not be run at all: nothing was formatted.
    pub unavailable: Option<String>,
}

/// Formats every Rust file among `changes` in place (see the module doc);
/// `edition` gives the edition a file is compiled with.
pub fn format_changes(
    changes: &mut [FileChange],
    edition: &(dyn Fn(&FileChange) -> Edition + Sync),
) -> FormatReport {
    let rustfmt = Rustfmt::from_env();
    let outcomes: Vec<FileOutcome> = changes
        .par_iter_mut()
        .filter(|change| change.path.extension().is_some_and(|e| e == "rs"))
        .map(|change| {
            let edition = edition(change);
            format_change(&rustfmt, change, edition)
        })
        .collect();
    let mut report = FormatReport::default();
    for outcome in outcomes {
        match outcome {
            FileOutcome::Formatted => {}
            FileOutcome::Unformatted(display) => report.unformatted.push(display),
            FileOutcome::Failed(display, message) => report.failed.push((display, message)),
            FileOutcome::Unavailable(message) => report.unavailable = Some(message),
        }
    }
    if report.unavailable.is_some() {
        // rustfmt is missing: what it would have said of each file means nothing.
        report.unformatted.clear();
        report.failed.clear();
    }
    report.unformatted.sort();
    report.failed.sort();
    report
}

enum FileOutcome {
    Formatted,
    Unformatted(String),
    Failed(String, String),
    Unavailable(String),
}

fn format_change(rustfmt: &Rustfmt, change: &mut FileChange, edition: Edition) -> FileOutcome {
    let dir = existing_folder(&change.path);
    if let Some(original) = &change.original {
        match rustfmt.format(original, edition, &dir) {
            Ok(formatted) if formatted == *original => {}
            Ok(_) | Err(RustfmtError::Rejected(_)) => {
                return FileOutcome::Unformatted(change.display.clone());
            }
            Err(RustfmtError::Missing(message)) => return FileOutcome::Unavailable(message),
        }
    }
    match rustfmt.format(&change.new_text, edition, &dir) {
        Ok(formatted) => {
            change.new_text = formatted;
            FileOutcome::Formatted
        }
        Err(RustfmtError::Rejected(message)) => FileOutcome::Failed(change.display.clone(), message),
        Err(RustfmtError::Missing(message)) => FileOutcome::Unavailable(message),
    }
}

/// The nearest folder of `path` that exists (a new file's folder may not yet).
fn existing_folder(path: &Path) -> PathBuf {
    let mut dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    while !dir.as_os_str().is_empty() && !dir.is_dir() {
        dir = dir.parent().map(Path::to_path_buf).unwrap_or_default();
    }
    if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir }
}

enum RustfmtError {
    /// rustfmt could not be started.
    Missing(String),
    /// rustfmt ran and refused the text (a parse error, a configuration error).
    Rejected(String),
}

/// The rustfmt binary: `$RUSTFMT` as cargo honours it, else `rustfmt` on the PATH.
struct Rustfmt {
    program: PathBuf,
}

impl Rustfmt {
    fn from_env() -> Rustfmt {
        let program = std::env::var_os("RUSTFMT").map_or_else(|| PathBuf::from("rustfmt"), PathBuf::from);
        Rustfmt { program }
    }

    /// `text` as rustfmt formats it in `dir`; a BOM is kept as it was.
    fn format(&self, text: &str, edition: Edition, dir: &Path) -> Result<String, RustfmtError> {
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(body) => ("\u{feff}", body),
            None => ("", text),
        };
        let mut child = Command::new(&self.program)
            .args(["--edition", edition.as_str(), "--emit", "stdout", "--quiet"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| {
                RustfmtError::Missing(format!("cannot run {}: {error}", self.program.display()))
            })?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = body.to_string();
        // rustfmt reads all its input before it writes, but a writer thread
        // keeps a large file from filling a pipe either way.
        // spawn-exempt: joined below, before this function returns
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child
            .wait_with_output()
            .map_err(|error| RustfmtError::Missing(format!("{} failed: {error}", self.program.display())))?;
        let written = writer.join().unwrap_or(Ok(()));
        if !output.status.success() || written.is_err() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let message = stderr.lines().find(|line| line.starts_with("error")).unwrap_or(stderr.trim());
            return Err(RustfmtError::Rejected(message.trim().to_string()));
        }
        let formatted = String::from_utf8(output.stdout)
            .map_err(|_| RustfmtError::Rejected("rustfmt wrote text that is not UTF-8".into()))?;
        // rustfmt writes what it reads on stdin with the platform's line
        // endings; a CRLF file stays CRLF, as `cargo fmt` keeps it.
        let formatted = if body.contains("\r\n") {
            formatted.replace("\r\n", "\n").replace('\n', "\r\n")
        } else {
            formatted
        };
        Ok(format!("{bom}{formatted}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(dir: &Path, name: &str, original: Option<&str>, new_text: &str) -> FileChange {
        FileChange {
            path: dir.join(name),
            display: name.to_string(),
            original: original.map(str::to_string),
            new_text: new_text.to_string(),
            package: None,
        }
    }

    #[test]
    fn formats_clean_files_and_new_files_but_not_files_that_were_not_clean() {
        let dir = tempfile::tempdir().unwrap();
        let clean = "fn main() {\n    tokio::spawn(work());\n}\n";
        let grown = "fn main() {\n    crate::tasks::spawn(a_rather_long_function_name_for_the_task(with, some, arguments, here));\n}\n";
        let messy = "fn main() {  tokio::spawn(work());\n}\n";
        let mut changes = vec![
            change(dir.path(), "clean.rs", Some(clean), grown),
            change(
                dir.path(),
                "messy.rs",
                Some(messy),
                &messy.replace("tokio::spawn", "crate::tasks::spawn"),
            ),
            change(dir.path(), "new.rs", None, "pub fn f()->u8{1}\n"),
        ];
        let report = format_changes(&mut changes, &|_| Edition::E2021);
        assert_eq!(report.unavailable, None);
        assert_eq!(report.unformatted, ["messy.rs"]);
        assert!(report.failed.is_empty());
        assert_eq!(
            changes[0].new_text,
            "fn main() {\n    crate::tasks::spawn(a_rather_long_function_name_for_the_task(\n        with, some, arguments, here,\n    ));\n}\n"
        );
        assert_eq!(changes[1].new_text, "fn main() {  crate::tasks::spawn(work());\n}\n");
        assert_eq!(changes[2].new_text, "pub fn f() -> u8 {\n    1\n}\n");
    }

    #[test]
    fn follows_the_project_rustfmt_toml_and_edition() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rustfmt.toml"), "hard_tabs = true\n").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let imports =
            "use std::sync::Arc;\nuse std::sync::atomic::AtomicUsize;\n\nfn f() {\n\tlet _ = 1;\n}\n";
        let mut changes = vec![change(&dir.path().join("src"), "lib.rs", None, imports)];
        format_changes(&mut changes, &|_| Edition::E2021);
        assert_eq!(
            changes[0].new_text,
            "use std::sync::atomic::AtomicUsize;\nuse std::sync::Arc;\n\nfn f() {\n\tlet _ = 1;\n}\n",
            "edition 2021 sorts `atomic` first, and the configuration's tabs stay"
        );
        let mut changes = vec![change(&dir.path().join("src"), "lib.rs", None, imports)];
        format_changes(&mut changes, &|_| Edition::E2024);
        assert_eq!(changes[0].new_text, imports, "style edition 2024 sorts `Arc` first");
    }

    #[test]
    fn a_missing_rustfmt_is_said_once_and_nothing_changes() {
        let dir = tempfile::tempdir().unwrap();
        let rustfmt = Rustfmt { program: dir.path().join("no-such-rustfmt") };
        let mut target = change(dir.path(), "a.rs", Some("fn a() {}\n"), "fn a( ) {}\n");
        assert!(matches!(format_change(&rustfmt, &mut target, Edition::E2021), FileOutcome::Unavailable(_)));
        assert_eq!(target.new_text, "fn a( ) {}\n");
    }

    #[test]
    fn crlf_stays_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let original = "fn a() {\r\n    let _ = 1;\r\n}\r\n";
        let mut changes =
            vec![change(dir.path(), "crlf.rs", Some(original), "fn a( ) {\r\n    let _ = 1;\r\n}\r\n")];
        let report = format_changes(&mut changes, &|_| Edition::E2021);
        assert!(report.unformatted.is_empty(), "{report:?}");
        assert_eq!(changes[0].new_text, original);
    }

    #[test]
    fn a_bom_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut changes =
            vec![change(dir.path(), "bom.rs", Some("\u{feff}fn a() {}\n"), "\u{feff}fn a( ) {}\n")];
        let report = format_changes(&mut changes, &|_| Edition::E2021);
        assert!(report.unformatted.is_empty(), "{report:?}");
        assert_eq!(changes[0].new_text, "\u{feff}fn a() {}\n");
    }
}
