//! The migration as a unified diff that `git apply` accepts (`a/` and `b/`
//! prefixes, new files from `/dev/null`), and its `--stat` summary.

use std::io::{self, Write};

use similar::{ChangeTag, TextDiff};

use super::shown_path;
use crate::rewrite::FileChange;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The path a diff names a change by: as seen from where corral ran, so that
/// `git apply` there takes it; relative to the scanned root if that is absolute.
pub fn diff_path(root: &str, change: &FileChange) -> String {
    let shown = shown_path(root, &change.display);
    if std::path::Path::new(&shown).is_absolute() { change.display.clone() } else { shown }
}

/// Prints every change as one git-style patch.
pub fn write_diff(root: &str, changes: &[FileChange], color: bool, out: &mut impl Write) -> io::Result<()> {
    for change in changes {
        write_file_diff(&diff_path(root, change), change, color, out)?;
    }
    Ok(())
}

/// One file's part of the patch.
pub fn write_file_diff(path: &str, change: &FileChange, color: bool, out: &mut impl Write) -> io::Result<()> {
    write_file_header(path, change, None, color, out)?;
    write_hunks(change, color, out)
}

/// One file's part of a patch that `git am -3` can merge: its `index` line
/// names the blobs before and after, so git finds the base in the repository
/// and merges when the file moved on (two patches adding the same lines to
/// `Cargo.lock`).
pub fn write_file_diff_with_blobs(path: &str, change: &FileChange, out: &mut impl Write) -> io::Result<()> {
    let old = change.original.as_deref().map_or_else(|| "0".repeat(40), blob_id);
    write_file_header(path, change, Some((&old, &blob_id(&change.new_text))), false, out)?;
    write_hunks(change, false, out)
}

/// The object id git gives a file's content (SHA-1 of `blob <len>\0<content>`).
pub fn blob_id(text: &str) -> String {
    let mut hasher = sha1_smol::Sha1::new();
    hasher.update(format!("blob {}\0", text.len()).as_bytes());
    hasher.update(text.as_bytes());
    hasher.digest().to_string()
}

fn write_file_header(
    path: &str,
    change: &FileChange,
    blobs: Option<(&str, &str)>,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let paint =
        |style: &str, line: &str| if color { format!("{style}{line}{RESET}") } else { line.to_string() };
    writeln!(out, "{}", paint(BOLD, &format!("diff --git a/{path} b/{path}")))?;
    let old_name = match change.original {
        Some(_) => format!("a/{path}"),
        None => {
            writeln!(out, "{}", paint(BOLD, "new file mode 100644"))?;
            "/dev/null".to_string()
        }
    };
    if let Some((old, new)) = blobs {
        writeln!(out, "index {old}..{new}")?;
    }
    writeln!(out, "{}", paint(BOLD, &format!("--- {old_name}")))?;
    writeln!(out, "{}", paint(BOLD, &format!("+++ b/{path}")))
}

fn write_hunks(change: &FileChange, color: bool, out: &mut impl Write) -> io::Result<()> {
    let original = change.original.as_deref().unwrap_or("");
    let diff = TextDiff::from_lines(original, change.new_text.as_str());
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        if color {
            writeln!(out, "{CYAN}{}{RESET}", hunk.header())?;
        } else {
            writeln!(out, "{}", hunk.header())?;
        }
        for line in hunk.iter_changes() {
            let (sign, style) = match line.tag() {
                ChangeTag::Delete => ("-", Some(RED)),
                ChangeTag::Insert => ("+", Some(GREEN)),
                ChangeTag::Equal => (" ", None),
            };
            let text = line.value();
            let (body, ending) = match text.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (text, ""),
            };
            let printed = format!("{sign}{body}");
            match style {
                Some(style) if color => write!(out, "{style}{printed}{RESET}{ending}")?,
                _ => write!(out, "{printed}{ending}")?,
            }
            if ending.is_empty() {
                writeln!(out)?;
                writeln!(out, "\\ No newline at end of file")?;
            }
        }
    }
    Ok(())
}

/// `git diff --stat`-style summary.
pub fn write_stat(root: &str, changes: &[FileChange], color: bool, out: &mut impl Write) -> io::Result<()> {
    let counts: Vec<(String, usize, usize)> = changes
        .iter()
        .map(|change| {
            let diff =
                TextDiff::from_lines(change.original.as_deref().unwrap_or(""), change.new_text.as_str());
            let (mut added, mut removed) = (0, 0);
            for op in diff.iter_all_changes() {
                match op.tag() {
                    ChangeTag::Insert => added += 1,
                    ChangeTag::Delete => removed += 1,
                    ChangeTag::Equal => {}
                }
            }
            (diff_path(root, change), added, removed)
        })
        .collect();
    let width = counts.iter().map(|(path, _, _)| path.chars().count()).max().unwrap_or(0);
    let most = counts.iter().map(|(_, a, r)| a + r).max().unwrap_or(0).max(1);
    let bar_width = 40usize;
    for (path, added, removed) in &counts {
        let total = added + removed;
        let scale = |n: usize| if most <= bar_width { n } else { (n * bar_width).div_ceil(most) };
        let plus = "+".repeat(scale(*added));
        let minus = "-".repeat(scale(*removed));
        let (plus, minus) = if color {
            (format!("{GREEN}{plus}{RESET}"), format!("{RED}{minus}{RESET}"))
        } else {
            (plus, minus)
        };
        writeln!(out, " {path:<width$} | {total:>4} {plus}{minus}")?;
    }
    let added: usize = counts.iter().map(|(_, a, _)| a).sum();
    let removed: usize = counts.iter().map(|(_, _, r)| r).sum();
    let files = counts.len();
    writeln!(
        out,
        " {files} file{} changed, {added} insertion{}(+), {removed} deletion{}(-)",
        plural(files),
        plural(added),
        plural(removed)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn change(original: Option<&str>, new_text: &str) -> FileChange {
        FileChange {
            path: PathBuf::from("src/lib.rs"),
            display: "src/lib.rs".into(),
            original: original.map(str::to_string),
            new_text: new_text.into(),
            package: None,
        }
    }

    #[test]
    fn git_style_headers_for_changed_and_new_files() {
        let mut out = Vec::new();
        write_diff("crates/app", &[change(Some("a\nb\n"), "a\nc\n"), change(None, "x\n")], false, &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "diff --git a/crates/app/src/lib.rs b/crates/app/src/lib.rs\n--- a/crates/app/src/lib.rs\n+++ b/crates/app/src/lib.rs\n@@ -1,2 +1,2 @@\n a\n-b\n+c\ndiff --git a/crates/app/src/lib.rs b/crates/app/src/lib.rs\nnew file mode 100644\n--- /dev/null\n+++ b/crates/app/src/lib.rs\n@@ -0,0 +1 @@\n+x\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let mut out = Vec::new();
        write_diff(".", &[change(Some("a"), "b")], false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with("-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"),
            "{text}"
        );
    }

    #[test]
    fn stat_counts_lines() {
        let mut out = Vec::new();
        write_stat(".", &[change(Some("a\nb\n"), "a\nc\nd\n")], false, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            " src/lib.rs |    3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)\n"
        );
    }
}
