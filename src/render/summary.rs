//! Counting sites by verdict, and the one-line summaries the text formats end
//! with. The JSON and SARIF printers read the same counts, so every format
//! agrees on the numbers.

use crate::gate::LeftOut;
use crate::sites::model::{SpawnSite, Verdict};
use std::collections::BTreeSet;

/// How many sites of each verdict a set of sites holds, and in how many files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub sites: usize,
    pub bare: usize,
    pub exempt: usize,
    pub exempt_without_reason: usize,
    pub already_tracked: usize,
    pub test_code: usize,
    pub skipped: usize,
    /// Distinct files holding at least one site.
    pub files: usize,
    /// Distinct files holding at least one finding.
    pub files_with_findings: usize,
}

impl Counts {
    pub fn of<'a>(sites: impl IntoIterator<Item = &'a SpawnSite>) -> Self {
        let mut counts = Counts::default();
        // Sets rather than "path changed" checks, so that the count does not
        // depend on the caller having sorted the sites.
        let mut files = BTreeSet::new();
        let mut files_with_findings = BTreeSet::new();
        for site in sites {
            counts.sites += 1;
            files.insert(site.path.as_str());
            if site.verdict.is_finding() {
                files_with_findings.insert(site.path.as_str());
            }
            match site.verdict {
                Verdict::Bare => counts.bare += 1,
                Verdict::Exempt { .. } => counts.exempt += 1,
                Verdict::ExemptWithoutReason => counts.exempt_without_reason += 1,
                Verdict::AlreadyTracked => counts.already_tracked += 1,
                Verdict::TestCode => counts.test_code += 1,
                Verdict::Skipped { .. } => counts.skipped += 1,
            }
        }
        counts.files = files.len();
        counts.files_with_findings = files_with_findings.len();
        counts
    }

    /// Sites that fail `check`.
    pub fn findings(&self) -> usize {
        self.bare + self.exempt_without_reason
    }

    /// `3 to convert, 1 exempt, 0 skipped, 0 test code, 2 already tracked`,
    /// with markers that lack a reason named only when there are any, since
    /// most audits have none.
    pub fn audit(&self) -> String {
        let mut line = format!(
            "{} to convert, {} exempt, {} skipped, {} test code, {} already tracked",
            self.bare, self.exempt, self.skipped, self.test_code, self.already_tracked
        );
        if self.exempt_without_reason > 0 {
            line += &format!(
                ", {}",
                plural(self.exempt_without_reason, "marker without a reason", "markers without a reason")
            );
        }
        line
    }
}

/// The line `check` ends with: what failed, or what was found instead.
pub(super) fn check_line(counts: &Counts) -> String {
    let skipped = (counts.skipped > 0).then(|| format!("{} skipped: see `corral list`", counts.skipped));
    if counts.findings() > 0 {
        let mut line = format!(
            "{} in {}",
            plural(counts.findings(), "bare spawn", "bare spawns"),
            plural(counts.files_with_findings, "file", "files"),
        );
        if let Some(skipped) = skipped {
            line += &format!(" ({skipped})");
        }
        return line;
    }
    let mut parts = format!(
        "{}: {} exempt, {} already tracked, {} in test code",
        plural(counts.sites, "site", "sites"),
        counts.exempt,
        counts.already_tracked,
        counts.test_code
    );
    if let Some(skipped) = skipped {
        parts += &format!(", {skipped}");
    }
    format!("no bare spawns ({parts})")
}

/// What `check` left out, when it left anything out or a baseline entry no
/// longer matches, e.g. `left out 12 older findings: 10 in the baseline, 2 on
/// lines unchanged since origin/main`.
pub(super) fn left_out_line(left_out: &LeftOut) -> Option<String> {
    let mut parts = Vec::new();
    if left_out.in_baseline > 0 {
        parts.push(format!("{} in the baseline", left_out.in_baseline));
    }
    if left_out.unchanged > 0 {
        let since = left_out.since.as_deref().unwrap_or("the revision");
        parts.push(format!("{} on lines unchanged since {since}", left_out.unchanged));
    }
    if left_out.other_files > 0 {
        parts.push(format!("{} in files not named", left_out.other_files));
    }
    let mut line = (!parts.is_empty()).then(|| {
        format!(
            "left out {}: {}",
            plural(left_out.findings(), "older finding", "older findings"),
            parts.join(", ")
        )
    });
    if let Some(fixed) = left_out.fixed.filter(|&fixed| fixed > 0) {
        let fixed = format!(
            "{} no longer {} (fixed): write the baseline again to drop {}",
            plural(fixed, "baseline entry", "baseline entries"),
            if fixed == 1 { "matches" } else { "match" },
            if fixed == 1 { "it" } else { "them" },
        );
        line = Some(match line {
            Some(line) => format!("{line}; {fixed}"),
            None => fixed,
        });
    }
    line
}

/// The line `list` ends with.
pub(super) fn list_line(counts: &Counts) -> String {
    if counts.sites == 0 {
        return "no spawn sites".to_string();
    }
    format!(
        "{} in {}: {}",
        plural(counts.sites, "spawn site", "spawn sites"),
        plural(counts.files, "file", "files"),
        counts.audit()
    )
}

/// The line saying that some files were not scanned fully, when any were:
/// their spawns are missing from every count above it.
pub(super) fn problems_line(problems: usize) -> Option<String> {
    (problems > 0).then(|| {
        let files = plural(problems, "file", "files");
        let their = if problems == 1 { "its" } else { "their" };
        format!("{files} could not be scanned fully; {their} spawns may be missing")
    })
}

/// `1 file`, `2 files`.
pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn counts_every_verdict_and_file() {
        let sites = fixtures::sites();
        let counts = Counts::of(&sites);
        assert_eq!(
            counts,
            Counts {
                sites: 8,
                bare: 2,
                exempt: 1,
                exempt_without_reason: 1,
                already_tracked: 1,
                test_code: 1,
                skipped: 2,
                files: 4,
                files_with_findings: 2,
            }
        );
    }

    #[test]
    fn check_line_with_findings_mentions_skipped_sites() {
        let counts = Counts::of(&fixtures::sites());
        assert_eq!(check_line(&counts), "3 bare spawns in 2 files (2 skipped: see `corral list`)");
    }

    #[test]
    fn check_line_without_findings_says_what_was_found() {
        let sites: Vec<_> = fixtures::sites().into_iter().filter(|site| !site.verdict.is_finding()).collect();
        assert_eq!(
            check_line(&Counts::of(&sites)),
            "no bare spawns (5 sites: 1 exempt, 1 already tracked, 1 in test code, \
             2 skipped: see `corral list`)"
        );
        assert_eq!(
            check_line(&Counts::of(&sites[..1])),
            "no bare spawns (1 site: 1 exempt, 0 already tracked, 0 in test code)"
        );
    }

    #[test]
    fn left_out_line_names_each_reason_and_fixed_entries() {
        assert_eq!(left_out_line(&LeftOut::default()), None);
        assert_eq!(left_out_line(&LeftOut { fixed: Some(0), ..LeftOut::default() }), None);
        let left_out = LeftOut {
            other_files: 1,
            unchanged: 2,
            since: Some("origin/main".into()),
            in_baseline: 10,
            fixed: Some(1),
        };
        assert_eq!(
            left_out_line(&left_out).unwrap(),
            "left out 13 older findings: 10 in the baseline, 2 on lines unchanged since origin/main, \
             1 in files not named; 1 baseline entry no longer matches (fixed): write the baseline \
             again to drop it"
        );
        assert_eq!(
            left_out_line(&LeftOut { fixed: Some(3), ..LeftOut::default() }).unwrap(),
            "3 baseline entries no longer match (fixed): write the baseline again to drop them"
        );
    }

    #[test]
    fn singular_counts_read_as_singular() {
        let sites = [fixtures::bare_tokio()];
        assert_eq!(check_line(&Counts::of(&sites)), "1 bare spawn in 1 file");
        assert_eq!(
            problems_line(1).as_deref(),
            Some("1 file could not be scanned fully; its spawns may be missing")
        );
        assert_eq!(problems_line(0), None);
    }
}
