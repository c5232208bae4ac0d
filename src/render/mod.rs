//! Printers for what `check` and `list` found: rustc-style text for people,
//! JSON for scripts, GitHub workflow commands for pull-request annotations and
//! SARIF for code scanning.
//!
//! Every printer writes to any `io::Write` and is told whether to colour; none
//! of them knows about terminals or exit codes, which belong to the CLI. The
//! wording shared by several formats (titles, fix hints, summary lines) lives
//! here and in `summary`, so that a finding reads the same everywhere.

pub mod audit;
pub mod diff;
mod github;
mod human;
mod json;
pub mod patch;
mod sarif;
mod summary;
pub mod tiers;

#[cfg(test)]
pub(crate) mod fixtures;

use crate::gate::LeftOut;
use crate::sites::model::{FileProblem, SpawnSite, Verdict};
use std::io::{self, Write};
use std::path::Path;

/// The output format the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

/// Which command the output is for: it decides which sites are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Only the findings (sites whose verdict fails the gate).
    Check,
    /// Every site, whatever its verdict.
    List,
}

impl Command {
    /// The command's name as the user types it, used in machine output.
    fn name(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::List => "list",
        }
    }
}

/// Everything a printer needs to know about one run.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub command: Command,
    /// The scanned path as the user typed it; site paths are relative to it.
    pub root: &'a str,
    /// Every site of the run, sorted by path then offset. Printers filter
    /// them for `check`, so that summaries can still count all of them.
    pub sites: &'a [SpawnSite],
    /// Files that could not be read or parsed fully.
    pub problems: &'a [FileProblem],
    /// The exempt marker word (`spawn-exempt`), quoted in the fix hints.
    pub marker: &'a str,
    /// The findings `check` left out (`--since`, `--baseline`, named files), counted.
    pub left_out: &'a LeftOut,
}

impl Report<'_> {
    /// The sites this command prints, in the order given.
    fn shown(&self) -> impl Iterator<Item = &SpawnSite> {
        let command = self.command;
        self.sites.iter().filter(move |site| command == Command::List || site.verdict.is_finding())
    }
}

/// Prints `report` in `format` to `out`; `color` asks for terminal styling
/// where the format has any (only `Human` does).
pub fn render(report: &Report, format: Format, color: bool, out: &mut impl Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, color, out),
        Format::Json => json::render(report, out),
        Format::Github => github::render(report, out),
        Format::Sarif => sarif::render(report, out),
    }
}

/// A site's path as seen from where corral was run: the root as typed joined
/// with the root-relative path. Terminals make it clickable and GitHub maps it
/// to the repository when the run starts at the checkout, which a bare
/// root-relative path would not do for `corral check crates/foo`.
pub(crate) fn shown_path(root: &str, path: &str) -> String {
    if Path::new(path).is_absolute() {
        return path.to_string();
    }
    let mut root = root;
    // `./src` and `src` name the same folder; GitHub only maps the latter.
    while let Some(rest) = root.strip_prefix("./") {
        root = rest.trim_start_matches('/');
    }
    if root.starts_with('/') && root.trim_matches('/').is_empty() {
        return format!("/{path}");
    }
    let root = root.trim_end_matches('/');
    if root.is_empty() || root == "." {
        return path.to_string();
    }
    // A single file given as PATH is its own display path: `corral check
    // src/lib.rs` reports `src/lib.rs`, not `src/lib.rs/src/lib.rs`.
    if Path::new(root).components().eq(Path::new(path).components()) {
        return path.to_string();
    }
    format!("{root}/{path}")
}

/// A problem's path as seen from where corral was run, like [`shown_path`].
fn problem_path(root: &str, problem: &FileProblem) -> String {
    shown_path(root, &problem.path.to_string_lossy())
}

/// The part of a site's source line to underline: from the call's start to
/// the callee's end, so that `handle.spawn` is marked whole and not just
/// `handle`, clipped to the line when the callee sits on a later one (a
/// builder chain spread over lines).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Highlight<'a> {
    /// The source line without its line ending.
    line: &'a str,
    /// Byte range of the underline within `line`.
    start: usize,
    end: usize,
    /// 1-based character columns of the underline, the end exclusive.
    start_column: u32,
    end_column: u32,
}

impl<'a> Highlight<'a> {
    fn of(site: &'a SpawnSite) -> Self {
        let line = site.source_line.trim_end_matches(['\n', '\r']);
        let start =
            line.char_indices().nth(site.column.saturating_sub(1) as usize).map_or(line.len(), |(at, _)| at);
        let wanted = site.callee_end.saturating_sub(site.start) as usize;
        let mut end = start.saturating_add(wanted).min(line.len());
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        // Clipping can leave the spaces at the line's end inside the range.
        end = start + line[start..end].trim_end().len();
        // An empty underline is invisible; mark at least one character.
        if end == start {
            end = line[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        }
        let width = line[start..end].chars().count() as u32;
        Highlight { line, start, end, start_column: site.column, end_column: site.column + width }
    }
}

/// The one-line headline of a site, e.g.
/// ``bare `task::spawn` (`tokio::spawn`): the task is not tracked``.
pub(crate) fn headline(site: &SpawnSite) -> String {
    let family = site.family.path();
    let called = if site.written_as == family {
        format!("`{family}`")
    } else {
        format!("`{}` (`{family}`)", site.written_as)
    };
    let work = if site.family.is_thread() { "thread" } else { "task" };
    match &site.verdict {
        Verdict::Bare => format!("bare {called}: the {work} is not tracked"),
        Verdict::ExemptWithoutReason => "exempt marker without a reason".to_string(),
        Verdict::Exempt { reason } => format!("exempt {called}: {reason}"),
        Verdict::AlreadyTracked => format!("{called} is already tracked"),
        Verdict::TestCode => format!("{called} in test code"),
        Verdict::Skipped { reason } => format!("skipped {called}: {reason}"),
    }
}

/// How to fix a finding, quoting the project's marker word.
pub(crate) fn fix_hint(site: &SpawnSite, marker: &str) -> String {
    let annotation = format!("`// {marker}: <why it may outlive shutdown>`");
    match site.verdict {
        Verdict::ExemptWithoutReason => format!(
            "say why after the marker: {annotation}, \
             or remove the marker and run `corral apply` to track it"
        ),
        _ => format!("run `corral apply` to track it, or annotate it: {annotation}"),
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{bare_method_call, bare_tokio};
    use super::*;

    #[test]
    fn shown_path_joins_the_typed_root() {
        assert_eq!(shown_path(".", "src/lib.rs"), "src/lib.rs");
        assert_eq!(shown_path("./", "src/lib.rs"), "src/lib.rs");
        assert_eq!(shown_path("", "src/lib.rs"), "src/lib.rs");
        assert_eq!(shown_path("crates/app/", "src/lib.rs"), "crates/app/src/lib.rs");
        assert_eq!(shown_path("./crates/app", "src/lib.rs"), "crates/app/src/lib.rs");
        assert_eq!(shown_path("/srv/app", "src/lib.rs"), "/srv/app/src/lib.rs");
        assert_eq!(shown_path("/", "src/lib.rs"), "/src/lib.rs");
    }

    #[test]
    fn single_file_root_is_not_repeated() {
        // Regression: a single-file PATH printed as `src/lib.rs/src/lib.rs`.
        assert_eq!(shown_path("src/lib.rs", "src/lib.rs"), "src/lib.rs");
        assert_eq!(shown_path("./src/lib.rs", "src/lib.rs"), "src/lib.rs");
        assert_eq!(shown_path("lib.rs", "lib.rs"), "lib.rs");
    }

    #[test]
    fn highlight_covers_a_path_callee() {
        let site = bare_tokio();
        let highlight = Highlight::of(&site);
        assert_eq!(&highlight.line[highlight.start..highlight.end], "tokio::spawn");
        assert_eq!((highlight.start_column, highlight.end_column), (5, 17));
    }

    #[test]
    fn highlight_covers_receiver_and_method() {
        let site = bare_method_call();
        let highlight = Highlight::of(&site);
        assert_eq!(&highlight.line[highlight.start..highlight.end], "handle.spawn");
    }

    #[test]
    fn highlight_is_clipped_to_the_line() {
        let mut site = bare_tokio();
        site.source_line = "    tokio::task::Builder::new()  \r\n".to_string();
        site.callee_end = site.start + 200;
        let highlight = Highlight::of(&site);
        assert_eq!(&highlight.line[highlight.start..highlight.end], "tokio::task::Builder::new()");
    }

    #[test]
    fn highlight_counts_columns_in_characters() {
        let mut site = bare_tokio();
        site.source_line = "/* é */ tokio::spawn(f);".to_string();
        site.column = 9;
        let highlight = Highlight::of(&site);
        assert_eq!(&highlight.line[highlight.start..highlight.end], "tokio::spawn");
    }

    #[test]
    fn headline_names_the_family_when_written_otherwise() {
        let mut site = bare_tokio();
        assert_eq!(headline(&site), "bare `tokio::spawn`: the task is not tracked");
        site.written_as = "task::spawn".to_string();
        assert_eq!(headline(&site), "bare `task::spawn` (`tokio::spawn`): the task is not tracked");
    }
}
