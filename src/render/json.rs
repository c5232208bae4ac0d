//! One JSON document for scripts: the run's counts, the sites the command
//! shows (findings for `check`, every site for `list`) and the files that
//! could not be scanned. `version` changes whenever a field changes meaning
//! or goes away; new fields may appear without it.
//!
//! The shape is spelled out here rather than taken from `SpawnSite`'s own
//! serialisation, so that the verdict is a plain name with its reason beside
//! it, and so that a field added to the model for a later stage does not
//! change this documented format by accident.

use super::Report;
use super::summary::Counts;
use crate::sites::lifetime::LifetimeKind;
use crate::sites::model::{Family, HandleUse, SiteContext, SpawnSite, Verdict};
use serde::Serialize;
use std::io::{self, Write};

/// Bumped when a field changes meaning or is removed.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    command: &'static str,
    root: &'a str,
    summary: Summary,
    findings: Vec<Finding<'a>>,
    problems: Vec<Problem<'a>>,
}

#[derive(Serialize)]
struct Summary {
    /// All sites of the run, whatever the command shows, but for the
    /// findings `check` left out (`--since`, `--baseline`, named files),
    /// which `left_out` counts.
    sites: usize,
    findings: usize,
    /// Files holding at least one site, and at least one finding.
    files: usize,
    files_with_findings: usize,
    problems: usize,
    verdicts: VerdictCounts,
    /// Findings `check` did not report (`--since`, `--baseline`, named files).
    left_out: LeftOutCounts,
}

#[derive(Serialize)]
struct LeftOutCounts {
    findings: usize,
    in_baseline: usize,
    unchanged: usize,
    /// The revision of `--since`, when given.
    since: Option<String>,
    other_files: usize,
    /// Baseline entries no finding matches any more; null without a baseline.
    baseline_fixed: Option<usize>,
}

/// Keyed by `Verdict::name`, so a script can look a verdict up by the same
/// string a finding carries.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct VerdictCounts {
    bare: usize,
    exempt: usize,
    exempt_without_reason: usize,
    already_tracked: usize,
    test_code: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct Finding<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    /// Byte ranges of the call and of its callee, for tools that edit.
    start: u32,
    end: u32,
    callee_start: u32,
    callee_end: u32,
    family: &'a Family,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    written_as: &'a str,
    handle: HandleUse,
    package: Option<&'a str>,
    in_test: bool,
    /// `ends` or `long-lived`: how long the spawned task runs, as far as its body shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime: Option<LifetimeKind>,
    /// What the lifetime rests on: the loop and its exits, or why corral could not decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime_evidence: Option<&'a str>,
    /// Set when corral could not decide and said `ends`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    lifetime_undecided: bool,
    context: &'a SiteContext,
}

impl<'a> Finding<'a> {
    fn of(site: &'a SpawnSite) -> Self {
        Finding {
            path: &site.path,
            line: site.line,
            column: site.column,
            start: site.start,
            end: site.end,
            callee_start: site.callee_start,
            callee_end: site.callee_end,
            family: &site.family,
            verdict: site.verdict.name(),
            reason: match &site.verdict {
                Verdict::Exempt { reason } | Verdict::Skipped { reason } => Some(reason),
                _ => None,
            },
            written_as: &site.written_as,
            handle: site.handle,
            package: site.package.as_deref(),
            in_test: site.in_test,
            lifetime: site.lifetime.as_ref().map(|l| l.kind),
            lifetime_evidence: site.lifetime.as_ref().map(|l| l.evidence.as_str()),
            lifetime_undecided: site.lifetime.as_ref().is_some_and(|l| l.undecided),
            context: &site.context,
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    path: std::borrow::Cow<'a, str>,
    message: &'a str,
}

pub(super) fn render(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let counts = Counts::of(report.sites);
    let document = Document {
        version: VERSION,
        command: report.command.name(),
        root: report.root,
        summary: Summary {
            sites: counts.sites,
            findings: counts.findings(),
            files: counts.files,
            files_with_findings: counts.files_with_findings,
            problems: report.problems.len(),
            verdicts: VerdictCounts {
                bare: counts.bare,
                exempt: counts.exempt,
                exempt_without_reason: counts.exempt_without_reason,
                already_tracked: counts.already_tracked,
                test_code: counts.test_code,
                skipped: counts.skipped,
            },
            left_out: LeftOutCounts {
                findings: report.left_out.findings(),
                in_baseline: report.left_out.in_baseline,
                unchanged: report.left_out.unchanged,
                since: report.left_out.since.clone(),
                other_files: report.left_out.other_files,
                baseline_fixed: report.left_out.fixed,
            },
        },
        findings: report.shown().map(Finding::of).collect(),
        problems: report
            .problems
            .iter()
            .map(|problem| Problem { path: problem.path.to_string_lossy(), message: &problem.message })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    // A final newline, so that `corral check --format json > f` is a text file.
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::{Command, Format, Report, render};
    use serde_json::{Value, json};

    fn print(command: Command) -> Value {
        let sites = fixtures::sites();
        let problems = [fixtures::problem()];
        let report = Report {
            command,
            root: ".",
            sites: &sites,
            problems: &problems,
            marker: "spawn-exempt",
            left_out: &crate::gate::LeftOut::default(),
        };
        let mut out = Vec::new();
        render(&report, Format::Json, false, &mut out).unwrap();
        assert!(out.ends_with(b"}\n"));
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn check_lists_only_findings() {
        let document = print(Command::Check);
        assert_eq!(document["version"], 1);
        assert_eq!(document["command"], "check");
        assert_eq!(document["root"], ".");
        let findings = document["findings"].as_array().unwrap();
        let verdicts: Vec<_> = findings.iter().map(|f| f["verdict"].clone()).collect();
        assert_eq!(verdicts, [json!("bare"), json!("bare"), json!("exempt-without-reason")]);
    }

    #[test]
    fn list_shows_every_site_with_its_reason() {
        let document = print(Command::List);
        assert_eq!(document["command"], "list");
        let findings = document["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 8);
        assert_eq!(
            findings[1],
            json!({
                "path": "src/lib.rs",
                "line": 9,
                "column": 9,
                "start": 909,
                "end": 939,
                "callee_start": 909,
                "callee_end": 920,
                "family": "tokio::spawn",
                "verdict": "exempt",
                "reason": "the accept loop lives as long as the process",
                "written_as": "task::spawn",
                "handle": "dropped",
                "package": "app",
                "in_test": false,
                "context": {"function": null, "method": null, "enclosing": [], "in_macro": null, "statement_start": null },
            })
        );
        // No `reason` key at all where the verdict has none.
        assert!(findings[0].get("reason").is_none());
        assert_eq!(findings[5]["package"], Value::Null);
        assert_eq!(findings[3]["context"]["method"]["self_kind"], "ref");
    }

    #[test]
    fn summary_counts_the_whole_run() {
        for command in [Command::Check, Command::List] {
            let document = print(command);
            assert_eq!(
                document["summary"],
                json!({
                    "sites": 8,
                    "findings": 3,
                    "files": 4,
                    "files_with_findings": 2,
                    "problems": 1,
                    "verdicts": {
                        "bare": 2,
                        "exempt": 1,
                        "exempt-without-reason": 1,
                        "already-tracked": 1,
                        "test-code": 1,
                        "skipped": 2,
                    },
                    "left_out": {
                        "findings": 0,
                        "in_baseline": 0,
                        "unchanged": 0,
                        "since": null,
                        "other_files": 0,
                        "baseline_fixed": null,
                    },
                })
            );
            assert_eq!(
                document["problems"],
                json!([{"path": "src/broken.rs", "message": "stream did not contain valid UTF-8"}])
            );
        }
    }
}
