//! Splits a migration into slices, one pull request each: by crate, folder,
//! file or code owner. Every file change lands in exactly one slice, so the
//! patches applied in order give exactly what `apply` writes; a crate's
//! helper module, its `mod` line and its manifest change travel with the
//! first slice that needs them, so each patch applies on the tree the
//! previous ones left.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::codeowners::CodeOwners;
use crate::rewrite::{Conversion, FileChange, Plan, SiteOutcome};
use crate::sites::model::{SpawnSite, Verdict};

/// How the migration is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Crate,
    Dir,
    File,
    Owners,
}

/// One pull request's worth of the migration.
#[derive(Debug, Clone)]
pub struct Slice {
    pub name: String,
    pub changes: Vec<FileChange>,
    /// Bare sites of the slice's files: converted, or left for a hand.
    pub outcomes: Vec<SiteOutcome>,
    pub exempt: usize,
    pub skipped: usize,
}

impl Slice {
    pub fn converted(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.as_ref().is_ok_and(|c| c.is_tracked())).count()
    }

    /// Sites that stay bare: not converted, or skipped by the scan.
    pub fn left(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_err()).count() + self.skipped
    }
}

/// Cuts a plan into slices, in a stable order (by slice name).
///
/// `repo_path` gives a change's path as CODEOWNERS sees it (relative to the
/// repository root); `is_support` tells the helper files, crate roots that only
/// gain a `mod` line, and manifests apart from the files with sites.
pub fn slices(
    plan: &Plan,
    sites: &[SpawnSite],
    split: Split,
    owners: &CodeOwners,
    repo_path: &dyn Fn(&FileChange) -> String,
) -> Vec<Slice> {
    let key = |change: &FileChange| -> String {
        match split {
            Split::Crate => change.package.clone().unwrap_or_else(|| "(no package)".into()),
            Split::Dir => match change.display.rsplit_once('/') {
                Some((dir, _)) => dir.to_string(),
                None => ".".into(),
            },
            Split::File => change.display.clone(),
            Split::Owners => {
                let found = owners.owners_of(&repo_path(change));
                if found.is_empty() { "(no owners)".into() } else { found.join(" ") }
            }
        }
    };
    let with_sites = |change: &FileChange| plan.outcomes.iter().any(|o| o.site.path == change.display);
    let mut by_key: BTreeMap<String, Vec<FileChange>> = BTreeMap::new();
    let mut support: Vec<&FileChange> = Vec::new();
    for change in &plan.changes {
        if with_sites(change) {
            by_key.entry(key(change)).or_default().push(change.clone());
        } else {
            support.push(change);
        }
    }
    // Support files join the first slice holding a file of their package.
    for change in support {
        let home = by_key
            .iter()
            .find(|(_, changes)| changes.iter().any(|c| c.package == change.package))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| key(change));
        by_key.entry(home).or_default().push(change.clone());
    }
    by_key
        .into_iter()
        .map(|(name, mut changes)| {
            changes.sort_by(|a, b| a.display.cmp(&b.display));
            let in_slice = |path: &str| changes.iter().any(|c| c.display == path);
            let outcomes: Vec<SiteOutcome> =
                plan.outcomes.iter().filter(|o| in_slice(&o.site.path)).cloned().collect();
            let count = |f: &dyn Fn(&Verdict) -> bool| {
                sites.iter().filter(|s| in_slice(&s.path) && f(&s.verdict)).count()
            };
            // Sites exempt already, and the long-lived ones this slice exempts.
            let exempt = count(&|v| matches!(v, Verdict::Exempt { .. }))
                + outcomes.iter().filter(|o| o.result == Ok(Conversion::ExemptLongLived)).count();
            let skipped = count(&|v| matches!(v, Verdict::Skipped { .. } | Verdict::ExemptWithoutReason));
            Slice { name, changes, outcomes, exempt, skipped }
        })
        .collect()
}

/// Text templates for a slice's commit message; `{slice}`, `{converted}`,
/// `{exempt}`, `{skipped}`, `{files}`, `{sites}`, `{number}`, `{total}` are filled in.
#[derive(Debug, Clone)]
pub struct Templates {
    pub subject: String,
    pub body: String,
}

impl Default for Templates {
    fn default() -> Templates {
        Templates {
            subject: "Track spawned tasks in {slice}".into(),
            body: "Route the bare spawns of {slice} through a TaskTracker, so that every task\n\
                   and thread they start can be drained at shutdown and between tests\n\
                   (`tasks::drain().await`), instead of outliving them unnoticed.\n\
                   \n\
                   {converted} converted, {exempt} exempt (annotated as intentionally untracked),\n\
                   {skipped} left for a hand. The sites:\n\
                   \n\
                   {sites}\n\
                   \n\
                   Each tracked call returns the same JoinHandle as the call it replaces, so\n\
                   code that awaits, aborts or stores the handle is unchanged. Generated by\n\
                   `corral patch`; the rewritten files were re-parsed, and `corral check`\n\
                   reports no bare spawn left in them."
                .into(),
        }
    }
}

/// A slice's subject and body.
pub fn message(
    templates: &Templates,
    slice: &Slice,
    number: usize,
    total: usize,
    shown: &dyn Fn(&str) -> String,
) -> (String, String) {
    let sites: Vec<String> = slice
        .outcomes
        .iter()
        .map(|o| {
            let what = match &o.result {
                Ok(Conversion::OwnTracker) => "own tracker".to_string(),
                Ok(Conversion::GlobalHelper) => "global helper".to_string(),
                Ok(Conversion::ExemptLongLived) => {
                    "runs until shutdown: exempt instead of tracked".to_string()
                }
                Err(reason) => format!("not converted: {reason}"),
            };
            format!("- {}:{}: `{}` ({what})", shown(&o.site.path), o.site.line, o.site.written_as)
        })
        .collect();
    let files: Vec<String> = slice.changes.iter().map(|c| shown(&c.display)).collect();
    let fill = |template: &str| {
        template
            .replace("{slice}", &slice.name)
            .replace("{converted}", &slice.converted().to_string())
            .replace("{exempt}", &slice.exempt.to_string())
            .replace("{skipped}", &slice.left().to_string())
            .replace("{files}", &files.join("\n"))
            .replace("{sites}", &sites.join("\n"))
            .replace("{number}", &number.to_string())
            .replace("{total}", &total.to_string())
    };
    (fill(&templates.subject).lines().next().unwrap_or_default().to_string(), fill(&templates.body))
}

/// A branch name git accepts, from a slice name.
pub fn branch_name(slice: &str) -> String {
    let mut slug = String::new();
    for c in slice.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    format!("corral/track-spawns-{}", if slug.is_empty() { "root" } else { slug })
}

/// One entry of `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    pub file: String,
    pub slice: String,
    pub files: Vec<String>,
    pub sites: Vec<ManifestSite>,
    pub converted: usize,
    pub exempt: usize,
    pub skipped: usize,
    pub branch: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestSite {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub family: String,
    pub written_as: String,
    /// `own-tracker`, `global-helper`, `exempt-long-lived`, or `not-converted`.
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ManifestSite {
    pub fn new(outcome: &SiteOutcome, shown: &dyn Fn(&str) -> String) -> ManifestSite {
        let (result, reason) = match &outcome.result {
            Ok(Conversion::OwnTracker) => ("own-tracker", None),
            Ok(Conversion::GlobalHelper) => ("global-helper", None),
            Ok(Conversion::ExemptLongLived) => {
                ("exempt-long-lived", outcome.site.lifetime.as_ref().map(|l| l.evidence.clone()))
            }
            Err(reason) => ("not-converted", Some(reason.clone())),
        };
        ManifestSite {
            path: shown(&outcome.site.path),
            line: outcome.site.line,
            column: outcome.site.column,
            family: outcome.site.family.path(),
            written_as: outcome.site.written_as.clone(),
            result: result.into(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_are_git_safe() {
        assert_eq!(branch_name("svc-core"), "corral/track-spawns-svc-core");
        assert_eq!(branch_name("@org/core-team @bob"), "corral/track-spawns-org-core-team-bob");
        assert_eq!(branch_name("(no package)"), "corral/track-spawns-no-package");
        assert_eq!(branch_name("crates/a/src"), "corral/track-spawns-crates-a-src");
    }
}
