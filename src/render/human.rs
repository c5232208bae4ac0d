//! The text people read. `check` prints each finding as a rustc-style
//! diagnostic (through `annotate-snippets`, so it looks like the compiler's
//! own warnings) and ends with one summary line; `list` prints one aligned
//! line per site and then an audit of each package: what is left to convert,
//! and why the rest is exempt or skipped.
//!
//! Files that could not be scanned are named on stderr by the CLI, as they
//! happen; here they only add the line saying the counts may be short.

use super::summary::{Counts, check_line, left_out_line, list_line, problems_line};
use super::{Command, Highlight, Report, fix_hint, headline, shown_path};
use crate::sites::lifetime::{Lifetime, LifetimeKind};
use crate::sites::model::{SpawnSite, Verdict};
use annotate_snippets::renderer::{AnsiColor, Effects, Style};
use annotate_snippets::{Level, Renderer, Snippet};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The colour rustc gives warnings, for the underline and its label too.
const WARNING: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);

pub(super) fn render(report: &Report, color: bool, out: &mut impl Write) -> io::Result<()> {
    match report.command {
        Command::Check => check(report, &renderer(color), out),
        Command::List => list(report, color, out),
    }
}

/// annotate-snippets 0.11 underlines a warning-level annotation with `-`, as
/// rustc does for secondary spans; only an error-level one gets `^`, the mark
/// of a primary span. So the underline is drawn at the error level, and the
/// error style (used for nothing else here: the titles stay warnings, and the
/// CLI prints unreadable files on stderr) is the warning colour.
fn renderer(color: bool) -> Renderer {
    if color { Renderer::styled().error(WARNING).warning(WARNING) } else { Renderer::plain() }
}

fn check(report: &Report, renderer: &Renderer, out: &mut impl Write) -> io::Result<()> {
    for site in report.shown() {
        let path = shown_path(report.root, &site.path);
        let title = headline(site);
        let help = fix_hint(site, report.marker);
        let highlight = Highlight::of(site);
        let label = match site.verdict {
            Verdict::ExemptWithoutReason => "the marker for this spawn gives no reason",
            _ => "untracked spawn",
        };
        let position = format!("{path}:{}:{}", site.line, site.column);
        // annotate-snippets 0.11 widens a tab to four columns in the source
        // but not under it, which shifts the underline. One space per tab
        // keeps byte offsets and character columns (and so the `-->` column)
        // exact, at the cost of narrower indentation.
        let line = highlight.line.replace('\t', " ");
        let snippet = if highlight.start < highlight.end {
            Snippet::source(&line)
                .line_start(site.line as usize)
                .origin(&path)
                .annotation(Level::Error.span(highlight.start..highlight.end).label(label))
        } else {
            // No text at the site's column (a stale or missing source line):
            // an annotation would point at line 1, so name the place instead.
            Snippet::source("").origin(&position)
        };
        let message = Level::Warning.title(&title).snippet(snippet).footer(Level::Help.title(&help));
        // A blank line between diagnostics, as rustc prints them.
        writeln!(out, "{}\n", renderer.render(message))?;
    }
    writeln!(out, "{}", check_line(&Counts::of(report.sites)))?;
    if let Some(line) = left_out_line(report.left_out) {
        writeln!(out, "{line}")?;
    }
    if let Some(line) = problems_line(report.problems.len()) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn list(report: &Report, color: bool, out: &mut impl Write) -> io::Result<()> {
    let rows: Vec<Row> = report.shown().map(|site| Row::of(report, site)).collect();
    if !rows.is_empty() {
        write_rows(&rows, color, out)?;
        writeln!(out)?;
        for (package, sites) in by_package(report.sites) {
            write_audit(report, package, &sites, out)?;
            writeln!(out)?;
        }
    }
    writeln!(out, "{}", list_line(&Counts::of(report.sites)))?;
    if let Some(line) = problems_line(report.problems.len()) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One site of `list`, its columns as text so their widths can be measured.
struct Row<'a> {
    location: String,
    verdict: &'static str,
    /// `ends`, `ends?` (corral could not decide), `long-lived`, or empty.
    lifetime: &'static str,
    family: String,
    written_as: &'a str,
    reason: Option<&'a str>,
    /// The function this site makes a spawn wrapper of.
    wrapper: Option<&'a str>,
}

impl<'a> Row<'a> {
    fn of(report: &Report, site: &'a SpawnSite) -> Self {
        Row {
            location: location(report, site),
            verdict: site.verdict.name(),
            lifetime: lifetime_column(site),
            family: site.family.path(),
            written_as: &site.written_as,
            reason: reason(&site.verdict),
            wrapper: site.context.wrapper.as_deref(),
        }
    }
}

fn write_rows(rows: &[Row], color: bool, out: &mut impl Write) -> io::Result<()> {
    let width = |column: fn(&Row) -> usize| rows.iter().map(column).max().unwrap_or(0);
    let location_width = width(|row| row.location.chars().count());
    let verdict_width = width(|row| row.verdict.len());
    let lifetime_width = width(|row| row.lifetime.len());
    let family_width = width(|row| row.family.chars().count());
    let written_width = width(|row| row.written_as.chars().count());
    for row in rows {
        // Padding goes outside the colour codes, which take no columns.
        let style = if color { verdict_style(row.verdict) } else { Style::new() };
        write!(
            out,
            "{}  {style}{}{style:#}{}  {}{}  ",
            pad(&row.location, location_width),
            row.verdict,
            " ".repeat(verdict_width - row.verdict.len()),
            // No column at all when no site has a lifetime (tests that build sites by hand).
            if lifetime_width == 0 {
                String::new()
            } else {
                format!("{}  ", pad(row.lifetime, lifetime_width))
            },
            pad(&row.family, family_width),
        )?;
        let note = match (row.reason, row.wrapper) {
            (Some(reason), _) => Some(reason.to_string()),
            (None, Some(wrapper)) => Some(format!("spawn wrapper `{wrapper}`: its callers start the tasks")),
            (None, None) => None,
        };
        match note {
            Some(note) => writeln!(out, "{}  ({note})", pad(row.written_as, written_width))?,
            // No padding without a note after it: it would only trail.
            None => writeln!(out, "{}", row.written_as)?,
        }
    }
    Ok(())
}

/// How long a site's task runs, as the list's column shows it.
fn lifetime_column(site: &SpawnSite) -> &'static str {
    match &site.lifetime {
        Some(Lifetime { kind: LifetimeKind::LongLived, .. }) => "long-lived",
        Some(Lifetime { undecided: true, .. }) => "ends?",
        Some(_) => "ends",
        None => "",
    }
}

/// Findings stand out like the compiler's warnings; settled sites recede.
fn verdict_style(verdict: &str) -> Style {
    match verdict {
        "bare" | "exempt-without-reason" => AnsiColor::BrightYellow.on_default().bold(),
        "exempt" => AnsiColor::Cyan.on_default(),
        "already-tracked" => AnsiColor::Green.on_default(),
        _ => Style::new().effects(Effects::DIMMED),
    }
}

/// The sites of each package, named packages first in name order and the
/// files outside any package last.
fn by_package(sites: &[SpawnSite]) -> BTreeMap<(bool, &str), Vec<&SpawnSite>> {
    let mut packages: BTreeMap<(bool, &str), Vec<&SpawnSite>> = BTreeMap::new();
    for site in sites {
        let key = match &site.package {
            Some(name) => (false, name.as_str()),
            None => (true, "(no package)"),
        };
        packages.entry(key).or_default().push(site);
    }
    packages
}

/// A package's counts, each exempt site with its reason (a reviewer reads
/// them all), and the skip reasons grouped, most frequent first.
fn write_audit(
    report: &Report,
    (_, package): (bool, &str),
    sites: &[&SpawnSite],
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "{package}: {}", Counts::of(sites.iter().copied()).audit())?;

    // Bare tasks that run until shutdown: tracking them would hang every drain().
    let long_lived: Vec<(String, &str)> = sites
        .iter()
        .filter(|site| site.verdict == Verdict::Bare)
        .filter_map(|site| match &site.lifetime {
            Some(lifetime) if lifetime.kind == LifetimeKind::LongLived => {
                Some((location(report, site), lifetime.evidence.as_str()))
            }
            _ => None,
        })
        .collect();
    if !long_lived.is_empty() {
        writeln!(out, "  {} long-lived: drain() would wait for them forever:", long_lived.len())?;
        let width = long_lived.iter().map(|(at, _)| at.chars().count()).max();
        for (at, evidence) in &long_lived {
            writeln!(out, "    {}  {evidence}", pad(at, width.unwrap_or(0)))?;
        }
    }

    // Production code that only tests use, in practice: named so that a team can exclude it.
    // (Classification leaves `test_support` unset in test code.)
    let support: Vec<(String, &str)> = sites
        .iter()
        .filter_map(|site| Some((location(report, site), site.context.test_support.as_deref()?)))
        .collect();
    if !support.is_empty() {
        writeln!(
            out,
            "  {} in test support (production code behind a test cfg; `exclude` it to leave it out):",
            support.len()
        )?;
        let width = support.iter().map(|(at, _)| at.chars().count()).max();
        for (at, why) in &support {
            writeln!(out, "    {}  {why}", pad(at, width.unwrap_or(0)))?;
        }
    }

    let exempt: Vec<(String, &str)> = sites
        .iter()
        .filter_map(|site| match &site.verdict {
            Verdict::Exempt { reason } => Some((location(report, site), reason.as_str())),
            _ => None,
        })
        .collect();
    if !exempt.is_empty() {
        writeln!(out, "  exempt:")?;
        let width = exempt.iter().map(|(at, _)| at.chars().count()).max();
        for (at, reason) in &exempt {
            writeln!(out, "    {}  {reason}", pad(at, width.unwrap_or(0)))?;
        }
    }

    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    for site in sites {
        if let Verdict::Skipped { reason } = &site.verdict {
            *skipped.entry(reason).or_default() += 1;
        }
    }
    if !skipped.is_empty() {
        writeln!(out, "  skipped:")?;
        let mut skipped: Vec<(&str, usize)> = skipped.into_iter().collect();
        // Stable sort: equal counts keep the map's reason order.
        skipped.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        let width = skipped[0].1.to_string().len();
        for (reason, count) in skipped {
            writeln!(out, "    {count:>width$}  {reason}")?;
        }
    }
    Ok(())
}

fn location(report: &Report, site: &SpawnSite) -> String {
    format!("{}:{}:{}", shown_path(report.root, &site.path), site.line, site.column)
}

fn reason(verdict: &Verdict) -> Option<&str> {
    match verdict {
        Verdict::Exempt { reason } | Verdict::Skipped { reason } => Some(reason),
        _ => None,
    }
}

/// Left-aligns `text` in `width` characters; `format!`'s own padding would
/// do, but counting characters keeps non-ASCII paths aligned too.
fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::{Command, Format, Report, render};
    use crate::sites::model::{FileProblem, SpawnSite};

    fn print(command: Command, root: &str, sites: &[SpawnSite], problems: &[FileProblem]) -> String {
        let report = Report {
            command,
            root,
            sites,
            problems,
            marker: "spawn-exempt",
            left_out: &crate::gate::LeftOut::default(),
        };
        let mut out = Vec::new();
        render(&report, Format::Human, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn check_prints_findings_as_diagnostics() {
        let text = print(Command::Check, ".", &fixtures::sites(), &[]);
        assert_eq!(
            text,
            r#"warning: bare `tokio::spawn`: the task is not tracked
 --> src/lib.rs:3:5
  |
3 |     tokio::spawn(async move { serve().await });
  |     ^^^^^^^^^^^^ untracked spawn
  |
  = help: run `corral apply` to track it, or annotate it: `// spawn-exempt: <why it may outlive shutdown>`

warning: bare `thread::spawn` (`std::thread::spawn`): the thread is not tracked
 --> src/worker.rs:4:13
  |
4 |     let h = thread::spawn(move || work());
  |             ^^^^^^^^^^^^^ untracked spawn
  |
  = help: run `corral apply` to track it, or annotate it: `// spawn-exempt: <why it may outlive shutdown>`

warning: exempt marker without a reason
  --> src/worker.rs:12:9
   |
12 |         handle.spawn(async {});
   |         ^^^^^^^^^^^^ the marker for this spawn gives no reason
   |
   = help: say why after the marker: `// spawn-exempt: <why it may outlive shutdown>`, or remove the marker and run `corral apply` to track it

3 bare spawns in 2 files (2 skipped: see `corral list`)
"#
        );
    }

    #[test]
    fn check_without_findings_prints_only_the_summary() {
        let sites: Vec<_> = fixtures::sites().into_iter().filter(|site| !site.verdict.is_finding()).collect();
        let text = print(Command::Check, ".", &sites, &[]);
        assert_eq!(
            text,
            "no bare spawns (5 sites: 1 exempt, 1 already tracked, 1 in test code, \
             2 skipped: see `corral list`)\n"
        );
    }

    #[test]
    fn check_prints_paths_under_the_typed_root_and_counts_problems() {
        let text = print(Command::Check, "./crates/app/", &[fixtures::bare_tokio()], &[fixtures::problem()]);
        assert!(text.contains(" --> crates/app/src/lib.rs:3:5\n"), "{text}");
        // The CLI names the file on stderr; stdout only says the counts are short.
        assert!(!text.contains("broken.rs"), "{text}");
        assert!(
            text.ends_with(
                "1 bare spawn in 1 file\n\
                 1 file could not be scanned fully; its spawns may be missing\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn list_counts_problems_without_naming_them() {
        let text = print(Command::List, ".", &[fixtures::bare_tokio()], &[fixtures::problem()]);
        assert!(!text.contains("broken.rs"), "{text}");
        assert!(text.ends_with("1 file could not be scanned fully; its spawns may be missing\n"), "{text}");
    }

    #[test]
    fn check_colours_the_caret_as_a_warning() {
        let report = Report {
            command: Command::Check,
            root: ".",
            sites: &[fixtures::bare_tokio()],
            problems: &[],
            marker: "spawn-exempt",
            left_out: &crate::gate::LeftOut::default(),
        };
        let mut out = Vec::new();
        render(&report, Format::Human, true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let yellow = "\u{1b}[1m\u{1b}[33m";
        assert!(text.contains(&format!("{yellow}^^^^^^^^^^^^")), "{text:?}");
        assert!(text.contains(&format!("{yellow}untracked spawn")), "{text:?}");
        assert!(text.contains(&format!("{yellow}warning")), "{text:?}");
        assert!(!text.contains("\u{1b}[91m"), "no error red: {text:?}");
    }

    #[test]
    fn check_underlines_the_callee_after_tabs() {
        let mut site = fixtures::bare_tokio();
        site.source_line = "\t\tlet x = 1; tokio::spawn(f);".to_string();
        site.column = 14;
        let text = print(Command::Check, ".", &[site], &[]);
        assert!(
            text.contains(
                " --> src/lib.rs:3:14\n  |\n3 |   let x = 1; tokio::spawn(f);\n  |              ^^^^^^^^^^^^ untracked spawn\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn check_survives_odd_source_lines() {
        let mut empty = fixtures::bare_tokio();
        empty.source_line = String::new();
        let mut past_the_end = fixtures::bare_tokio();
        past_the_end.source_line = "  x".to_string();
        for site in [empty, past_the_end] {
            let text = print(Command::Check, ".", &[site], &[]);
            assert!(text.contains("--> src/lib.rs:3:"), "{text}");
            assert!(text.ends_with("1 bare spawn in 1 file\n"), "{text}");
        }
    }

    #[test]
    fn list_prints_every_site_and_an_audit_per_package() {
        let text = print(Command::List, ".", &fixtures::sites(), &[]);
        assert_eq!(
            text,
            "\
src/lib.rs:3:5               bare                   tokio::spawn                   tokio::spawn
src/lib.rs:9:9               exempt                 tokio::spawn                   task::spawn    (the accept loop lives as long as the process)
src/worker.rs:4:13           bare                   std::thread::spawn             thread::spawn
src/worker.rs:12:9           exempt-without-reason  tokio::runtime::Handle::spawn  handle.spawn
tests/it.rs:5:5              test-code              tokio::spawn                   tokio::spawn
tools/gen/src/main.rs:3:5    already-tracked        tokio::spawn                   tasks::spawn
tools/gen/src/main.rs:8:16   skipped                tokio::spawn                   tokio::spawn   (inside an unparsable macro)
tools/gen/src/main.rs:14:16  skipped                smol::spawn                    smol::spawn    (inside an unparsable macro)

app: 2 to convert, 1 exempt, 0 skipped, 1 test code, 0 already tracked, 1 marker without a reason
  exempt:
    src/lib.rs:9:9  the accept loop lives as long as the process

(no package): 0 to convert, 0 exempt, 2 skipped, 0 test code, 1 already tracked
  skipped:
    2  inside an unparsable macro

8 spawn sites in 4 files: 2 to convert, 1 exempt, 2 skipped, 1 test code, 1 already tracked, 1 marker without a reason
"
        );
    }

    #[test]
    fn list_groups_skip_reasons_by_count() {
        let mut sites = fixtures::sites();
        sites[7].verdict = crate::sites::model::Verdict::Skipped { reason: "a rare form".to_string() };
        sites[4].verdict = sites[6].verdict.clone();
        sites[4].package = None;
        let text = print(Command::List, ".", &sites, &[]);
        assert!(
            text.contains("  skipped:\n    2  inside an unparsable macro\n    1  a rare form\n"),
            "{text}"
        );
    }

    #[test]
    fn list_of_nothing_says_so() {
        assert_eq!(print(Command::List, ".", &[], &[]), "no spawn sites\n");
    }
}
