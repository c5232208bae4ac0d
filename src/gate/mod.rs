//! Which findings fail `check`: all of them, or only those a change added
//! (`--since REV`), those a baseline does not hold (`--baseline FILE`), and
//! those in the files a pre-commit hook names. The rest are left out of the
//! report and counted, so that the summary can say what the gate did not
//! look at. Pure: the caller asks git and the file system and hands over
//! the answers as predicates.

pub mod baseline;
pub mod fingerprint;
pub mod since;

use crate::sites::model::{SpawnSite, Verdict};
use baseline::{Baseline, Entry};
use fingerprint::Fingerprints;

/// Whether a (site path, 1-based line) was added or changed.
pub type ChangedLine<'a> = &'a dyn Fn(&str, u32) -> bool;

/// What the gate is asked to keep.
#[derive(Default)]
pub struct Gate<'a> {
    /// Only findings in these files (by the site's path).
    pub files: Option<&'a dyn Fn(&str) -> bool>,
    /// Only findings whose line was added or changed: the revision, and
    /// whether a (printed path, 1-based line) was.
    pub since: Option<(&'a str, ChangedLine<'a>)>,
    /// Only findings the baseline does not hold.
    pub baseline: Option<&'a Baseline>,
}

/// How many findings the gate left out, and why; each finding is counted
/// once, under the first reason in this order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// In files the run was not asked about.
    pub other_files: usize,
    /// On lines unchanged since the revision, which is named.
    pub unchanged: usize,
    pub since: Option<String>,
    /// Held by the baseline.
    pub in_baseline: usize,
    /// Baseline entries that no finding matches any more: fixed since it was
    /// written, and dropped by writing it again. `None` without a baseline.
    pub fixed: Option<usize>,
}

impl LeftOut {
    /// Findings left out, whatever the reason.
    pub fn findings(&self) -> usize {
        self.other_files + self.unchanged + self.in_baseline
    }
}

/// The rule a finding breaks, as SARIF and the baseline name it.
pub fn rule(site: &SpawnSite) -> &'static str {
    match site.verdict {
        Verdict::ExemptWithoutReason => "exempt-without-reason",
        _ => "bare-spawn",
    }
}

/// Keeps the sites that are not findings (they are counted in summaries) and
/// the findings `gate` keeps. The predicates get a site's path as it stands in
/// the site, relative to the scanned folder.
pub fn apply(sites: Vec<SpawnSite>, gate: &Gate) -> (Vec<SpawnSite>, LeftOut) {
    let mut left_out = LeftOut { since: gate.since.map(|(rev, _)| rev.to_string()), ..LeftOut::default() };
    let findings = fingerprinted(&sites);
    // Every finding is matched against the baseline, those in other files
    // too, so that the count of fixed entries holds for a partial run.
    let known = gate.baseline.map(|baseline| {
        let (known, fixed) = baseline.matching(findings.iter().map(|f| f.fingerprint.as_str()));
        left_out.fixed = Some(fixed);
        known
    });
    let mut finding_index = 0;
    let mut kept = Vec::with_capacity(sites.len());
    for site in sites {
        if !site.verdict.is_finding() {
            kept.push(site);
            continue;
        }
        let in_baseline = known.as_ref().is_some_and(|known| known[finding_index]);
        finding_index += 1;
        if gate.files.is_some_and(|wanted| !wanted(&site.path)) {
            left_out.other_files += 1;
        } else if gate.since.is_some_and(|(_, changed)| !changed(&site.path, site.line)) {
            left_out.unchanged += 1;
        } else if in_baseline {
            left_out.in_baseline += 1;
        } else {
            kept.push(site);
        }
    }
    (kept, left_out)
}

/// The baseline entries of today's findings.
pub fn baseline_entries(sites: &[SpawnSite]) -> Vec<Entry> {
    let findings = fingerprinted(sites);
    sites
        .iter()
        .filter(|site| site.verdict.is_finding())
        .zip(findings)
        .map(|(site, finding)| Entry {
            path: finding.path,
            line: site.line,
            rule: rule(site).to_string(),
            family: site.family.path(),
            text: site.source_line.trim().to_string(),
            fingerprint: finding.fingerprint,
        })
        .collect()
}

struct Fingerprinted {
    path: String,
    fingerprint: String,
}

/// Each finding's path and fingerprint, numbered as SARIF numbers them. The
/// path is relative to the scanned folder, not to where corral runs, so that
/// `corral check` at the root and `corral check ..` below it read one
/// baseline; at the root it is the path SARIF hashes too.
fn fingerprinted(sites: &[SpawnSite]) -> Vec<Fingerprinted> {
    let mut fingerprints = Fingerprints::default();
    sites
        .iter()
        .filter(|site| site.verdict.is_finding())
        .map(|site| Fingerprinted {
            path: site.path.clone(),
            fingerprint: fingerprints.next(&site.path, site),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    fn findings(sites: &[SpawnSite]) -> Vec<(String, u32)> {
        sites.iter().filter(|s| s.verdict.is_finding()).map(|s| (s.path.clone(), s.line)).collect()
    }

    #[test]
    fn without_a_gate_every_site_stays() {
        let sites = fixtures::sites();
        let (kept, left_out) = apply(sites.clone(), &Gate::default());
        assert_eq!(kept.len(), sites.len());
        assert_eq!(findings(&kept), findings(&sites));
        assert_eq!(left_out, LeftOut::default());
    }

    #[test]
    fn since_keeps_findings_on_changed_lines_and_every_other_site() {
        let sites = fixtures::sites();
        let all = findings(&sites);
        assert!(all.len() >= 2, "{all:?}");
        let (path, line) = all[0].clone();
        let changed = move |p: &str, l: u32| p == path && l == line;
        let gate = Gate { since: Some(("main", &changed)), ..Gate::default() };
        let (kept, left_out) = apply(sites.clone(), &gate);
        assert_eq!(findings(&kept), all[..1]);
        assert_eq!(kept.len(), sites.len() - (all.len() - 1), "settled sites are kept for the counts");
        assert_eq!(left_out.unchanged, all.len() - 1);
        assert_eq!(left_out.since.as_deref(), Some("main"));
    }

    #[test]
    fn a_baseline_written_today_leaves_everything_out_until_a_site_is_added() {
        let sites = fixtures::sites();
        let baseline = Baseline::new(baseline_entries(&sites));
        assert_eq!(baseline.findings.len(), findings(&sites).len());
        let gate = Gate { baseline: Some(&baseline), ..Gate::default() };
        let (kept, left_out) = apply(sites.clone(), &gate);
        assert!(findings(&kept).is_empty());
        assert_eq!(left_out.in_baseline, baseline.findings.len());
        assert_eq!(left_out.fixed, Some(0));

        // Lines inserted above every site, one site fixed, one added.
        let mut later: Vec<SpawnSite> = sites
            .iter()
            .cloned()
            .map(|mut s| {
                s.line += 3;
                s
            })
            .collect();
        let fixed_at = later.iter().position(|s| s.verdict.is_finding()).unwrap();
        later.remove(fixed_at);
        let mut added = fixtures::bare_tokio();
        added.line = 90;
        added.source_line = "    tokio::spawn(brand_new());\n".into();
        later.push(added);
        let (kept, left_out) = apply(later, &gate);
        assert_eq!(findings(&kept), [("src/lib.rs".to_string(), 90)]);
        assert_eq!(left_out.fixed, Some(1));
    }

    #[test]
    fn files_come_first_then_since_then_the_baseline() {
        let sites = fixtures::sites();
        let baseline = Baseline::new(baseline_entries(&sites));
        let only_lib = |p: &str| p == "src/lib.rs";
        let nothing_changed = |_: &str, _: u32| false;
        let gate = Gate {
            files: Some(&only_lib),
            since: Some(("HEAD", &nothing_changed)),
            baseline: Some(&baseline),
        };
        let (kept, left_out) = apply(sites.clone(), &gate);
        assert!(findings(&kept).is_empty());
        let in_lib = findings(&sites).iter().filter(|(p, _)| p == "src/lib.rs").count();
        assert_eq!(left_out.unchanged, in_lib);
        assert_eq!(left_out.other_files, findings(&sites).len() - in_lib);
        assert_eq!(left_out.in_baseline, 0);
        assert_eq!(left_out.fixed, Some(0), "entries of other files still match");
    }

    #[test]
    fn entries_carry_the_sarif_fingerprint_and_the_line() {
        let entries = baseline_entries(&[fixtures::bare_tokio()]);
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(entry.path, "src/lib.rs");
        assert_eq!(entry.rule, "bare-spawn");
        assert_eq!(entry.family, "tokio::spawn");
        assert_eq!(entry.text, "tokio::spawn(async move { serve().await });");
        let hash = fingerprint::line_hash("src/lib.rs", &fixtures::bare_tokio());
        assert_eq!(entry.fingerprint, format!("{hash:016x}:1"));
    }
}
