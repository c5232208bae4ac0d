//! Which lines a change added or modified: the part of `git diff -U0` that
//! `check --since REV` needs, read into line ranges per file.
//!
//! Only the new side counts. A modified line is a removed line plus an added
//! one, so it is in the ranges; a removed line is nowhere, and lines that
//! merely moved with a renamed file (`-M`) are not added either. Untracked
//! files are new as a whole, which `git diff` does not show: the caller adds
//! them with [`ChangedLines::add_whole_file`].

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

/// The added lines of each file, keyed by its path relative to the top of the
/// work tree (as git prints it).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChangedLines {
    files: BTreeMap<PathBuf, Lines>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lines {
    /// A file git does not know yet: every line is new.
    All,
    /// 1-based, inclusive ranges of added lines.
    Ranges(Vec<RangeInclusive<u32>>),
}

impl ChangedLines {
    /// Reads `git diff -U0` output (with `a/` and `b/` prefixes).
    pub fn parse_diff(diff: &str) -> Result<Self, String> {
        let mut changed = ChangedLines::default();
        let mut current: Option<PathBuf> = None;
        for line in diff.lines() {
            if let Some(target) = line.strip_prefix("+++ ") {
                current = if target == "/dev/null" {
                    None
                } else {
                    let unquoted = unquote(target)?;
                    let path = unquoted
                        .strip_prefix("b/")
                        .ok_or_else(|| format!("unexpected file name in git diff: {target}"))?;
                    Some(PathBuf::from(path))
                };
            } else if let Some(hunk) = line.strip_prefix("@@ ") {
                let Some(path) = &current else { continue };
                let added = hunk
                    .split(' ')
                    .find_map(|part| part.strip_prefix('+'))
                    .ok_or_else(|| format!("unexpected hunk header in git diff: {line}"))?;
                let (start, count) = match added.split_once(',') {
                    Some((start, count)) => (start, count),
                    None => (added, "1"),
                };
                let parse = |n: &str| {
                    n.parse::<u32>().map_err(|_| format!("unexpected hunk header in git diff: {line}"))
                };
                let (start, count) = (parse(start)?, parse(count)?);
                let lines = changed.files.entry(path.clone()).or_insert_with(|| Lines::Ranges(Vec::new()));
                if let (Lines::Ranges(ranges), true) = (lines, count > 0) {
                    ranges.push(start..=start + count - 1);
                }
            }
        }
        Ok(changed)
    }

    /// Marks every line of `path` (relative to the work tree's top) as added.
    pub fn add_whole_file(&mut self, path: PathBuf) {
        self.files.insert(path, Lines::All);
    }

    /// Whether line `line` (1-based) of `path` was added or modified.
    pub fn contains(&self, path: &Path, line: u32) -> bool {
        match self.files.get(path) {
            Some(Lines::All) => true,
            Some(Lines::Ranges(ranges)) => ranges.iter().any(|range| range.contains(&line)),
            None => false,
        }
    }
}

/// Git quotes a file name with unusual characters as a C string
/// (`"b/tab\there.rs"`, octal escapes for bytes); others come as they are.
fn unquote(name: &str) -> Result<String, String> {
    let Some(inner) = name.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) else {
        return Ok(name.to_string());
    };
    let mut bytes = Vec::new();
    let mut chars = inner.bytes();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        let escaped = chars.next().ok_or_else(|| format!("unexpected file name in git diff: {name}"))?;
        bytes.push(match escaped {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'0'..=b'7' => {
                let digits = [escaped, chars.next().unwrap_or(b'0'), chars.next().unwrap_or(b'0')];
                digits.iter().fold(0u8, |value, digit| value.wrapping_mul(8).wrapping_add(digit - b'0'))
            }
            other => other,
        });
    }
    String::from_utf8(bytes).map_err(|_| format!("file name in git diff is not UTF-8: {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
index 1111111..2222222 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -3,0 +4,2 @@ fn serve() {
+    tokio::spawn(a());
+    tokio::spawn(b());
@@ -10 +12 @@ fn other() {
-    old();
+    tokio::spawn(c());
@@ -20,2 +21,0 @@ fn gone() {
-    x();
-    y();
diff --git a/src/old.rs b/src/new.rs
similarity index 90%
rename from src/old.rs
rename to src/new.rs
--- a/src/old.rs
+++ b/src/new.rs
@@ -1 +1 @@
-use a;
+use b;
diff --git a/src/deleted.rs b/src/deleted.rs
deleted file mode 100644
--- a/src/deleted.rs
+++ /dev/null
@@ -1,3 +0,0 @@
-fn main() {}
diff --git \"a/src/tab\\there.rs\" \"b/src/tab\\there.rs\"
--- \"a/src/tab\\there.rs\"
+++ \"b/src/tab\\there.rs\"
@@ -1 +1 @@
-a
+b
";

    #[test]
    fn added_and_modified_lines_count_removed_ones_do_not() {
        let changed = ChangedLines::parse_diff(DIFF).unwrap();
        let lib = Path::new("src/lib.rs");
        assert!(!changed.contains(lib, 3));
        assert!(changed.contains(lib, 4));
        assert!(changed.contains(lib, 5));
        assert!(!changed.contains(lib, 6));
        assert!(changed.contains(lib, 12));
        assert!(!changed.contains(lib, 21), "a pure removal adds nothing");
    }

    #[test]
    fn a_renamed_file_counts_only_its_changed_lines() {
        let changed = ChangedLines::parse_diff(DIFF).unwrap();
        assert!(changed.contains(Path::new("src/new.rs"), 1));
        assert!(!changed.contains(Path::new("src/new.rs"), 2));
        assert!(!changed.contains(Path::new("src/old.rs"), 1));
        assert!(!changed.contains(Path::new("src/deleted.rs"), 1));
    }

    #[test]
    fn quoted_names_are_unquoted() {
        let changed = ChangedLines::parse_diff(DIFF).unwrap();
        assert!(changed.contains(Path::new("src/tab\there.rs"), 1));
        assert_eq!(unquote(r#""b/caf\303\251.rs""#).unwrap(), "b/café.rs");
    }

    #[test]
    fn untracked_files_are_new_as_a_whole() {
        let mut changed = ChangedLines::default();
        changed.add_whole_file(PathBuf::from("src/new.rs"));
        assert!(changed.contains(Path::new("src/new.rs"), 1));
        assert!(changed.contains(Path::new("src/new.rs"), 999));
    }

    #[test]
    fn a_broken_hunk_header_is_an_error() {
        let diff = "+++ b/src/lib.rs\n@@ -1 +x @@\n";
        assert!(ChangedLines::parse_diff(diff).unwrap_err().contains("hunk header"));
    }
}
