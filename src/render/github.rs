//! GitHub Actions workflow commands: each finding becomes a `::warning` that
//! GitHub pins to its line in the pull request, each unreadable file an
//! `::error`, and a plain summary line closes the step's log. `list` adds the
//! settled sites as `::notice`s, for an audit run.
//!
//! Values are escaped as `@actions/core` escapes them: `%`, CR and LF in the
//! message, and `:` and `,` as well in properties, where they would end the
//! property or the command.

use super::summary::{Counts, check_line, left_out_line, list_line, problems_line};
use super::{Command, Report, fix_hint, headline, problem_path, shown_path};
use crate::sites::model::Verdict;
use std::io::{self, Write};

pub(super) fn render(report: &Report, out: &mut impl Write) -> io::Result<()> {
    for site in report.shown() {
        let (level, title) = match site.verdict {
            Verdict::Bare => ("warning", "bare spawn"),
            Verdict::ExemptWithoutReason => ("warning", "exempt marker without a reason"),
            Verdict::Exempt { .. } => ("notice", "exempt spawn"),
            Verdict::AlreadyTracked => ("notice", "tracked spawn"),
            Verdict::TestCode => ("notice", "spawn in test code"),
            Verdict::Skipped { .. } => ("notice", "skipped spawn"),
        };
        let mut message = headline(site);
        if site.verdict.is_finding() {
            // The annotation is all a reviewer sees, so it carries the fix.
            message = format!("{message}\n{}", fix_hint(site, report.marker));
        }
        writeln!(
            out,
            "::{level} file={},line={},col={},title={}::{}",
            property(&shown_path(report.root, &site.path)),
            site.line,
            site.column,
            property(title),
            data(&message),
        )?;
    }
    for problem in report.problems {
        writeln!(
            out,
            "::error file={},title={}::{}",
            property(&problem_path(report.root, problem)),
            property("file not scanned fully"),
            data(&problem.message),
        )?;
    }
    let counts = Counts::of(report.sites);
    let summary = match report.command {
        Command::Check => check_line(&counts),
        Command::List => list_line(&counts),
    };
    writeln!(out, "{summary}")?;
    if let Some(line) = left_out_line(report.left_out).filter(|_| report.command == Command::Check) {
        writeln!(out, "{line}")?;
    }
    if let Some(line) = problems_line(report.problems.len()) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Escapes a command's message, after the `::`.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` are separators too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::{Command, Format, Report, render};
    use super::*;
    use crate::sites::model::SpawnSite;

    fn print(command: Command, sites: &[SpawnSite]) -> String {
        let problems = [fixtures::problem()];
        let report = Report {
            command,
            root: ".",
            sites,
            problems: &problems,
            marker: "spawn-exempt",
            left_out: &crate::gate::LeftOut::default(),
        };
        let mut out = Vec::new();
        render(&report, Format::Github, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_as_actions_core_does() {
        assert_eq!(data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(property("src/a:b,c%.rs\n"), "src/a%3Ab%2Cc%25.rs%0A");
    }

    #[test]
    fn check_prints_warnings_errors_and_a_summary() {
        let text = print(Command::Check, &fixtures::sites());
        assert_eq!(
            text,
            "::warning file=src/lib.rs,line=3,col=5,title=bare spawn::\
             bare `tokio::spawn`: the task is not tracked%0A\
             run `corral apply` to track it, or annotate it: \
             `// spawn-exempt: <why it may outlive shutdown>`\n\
             ::warning file=src/worker.rs,line=4,col=13,title=bare spawn::\
             bare `thread::spawn` (`std::thread::spawn`): the thread is not tracked%0A\
             run `corral apply` to track it, or annotate it: \
             `// spawn-exempt: <why it may outlive shutdown>`\n\
             ::warning file=src/worker.rs,line=12,col=9,title=exempt marker without a reason::\
             exempt marker without a reason%0A\
             say why after the marker: `// spawn-exempt: <why it may outlive shutdown>`, \
             or remove the marker and run `corral apply` to track it\n\
             ::error file=src/broken.rs,title=file not scanned fully::\
             stream did not contain valid UTF-8\n\
             3 bare spawns in 2 files (2 skipped: see `corral list`)\n\
             1 file could not be scanned fully; its spawns may be missing\n"
        );
    }

    #[test]
    fn properties_in_paths_are_escaped() {
        let mut site = fixtures::bare_tokio();
        site.path = "src/a,b:c.rs".to_string();
        let text = print(Command::Check, &[site]);
        assert!(
            text.starts_with("::warning file=src/a%2Cb%3Ac.rs,line=3,col=5,title=bare spawn::"),
            "{text}"
        );
    }

    #[test]
    fn list_adds_settled_sites_as_notices() {
        let text = print(Command::List, &fixtures::sites());
        assert!(text.contains(
            "::notice file=src/lib.rs,line=9,col=9,title=exempt spawn::\
             exempt `task::spawn` (`tokio::spawn`): the accept loop lives as long as the process\n"
        ));
        assert_eq!(text.lines().filter(|l| l.starts_with("::notice ")).count(), 5);
        assert!(text.contains("\n8 spawn sites in 4 files: "));
    }
}
