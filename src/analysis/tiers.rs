//! The order of the tiers: the syntax scan, the semantic tier (rust-analyzer,
//! telling its stages to a [`Progress`], and why when it cannot run), their
//! merge, and the scan again for wrapper callers.

use std::path::Path;

use super::Progress;
use crate::config::{Config, ExtraSpawn, TaskKind, WrapperMode};
use crate::discover::Workspace;
use crate::scan::{ScanResult, scan, scan_with};
use crate::semantic::{self, SemanticFindings, merge};
use crate::sites::model::Verdict;

/// Scans with both tiers, or the syntax tier alone when asked or when the
/// workspace cannot be loaded (told to `progress`).
///
/// With `wrappers = "callers"`, the wrappers a first syntax scan finds join
/// `config` as `[[spawn]] argument` entries before anything else runs, so that
/// both tiers take their callers for sites and their bodies for exempt; the
/// rewrite then reads the same entries from `config`.
pub fn scan_tiers(
    path: &Path,
    workspace: &Workspace,
    config: &mut Config,
    syntax_only: bool,
    progress: &dyn Progress,
) -> (ScanResult, Option<SemanticFindings>) {
    if config.wrappers == WrapperMode::Callers {
        let first = scan(workspace, config);
        add_wrapper_callers(config, &first);
    }
    let findings = if syntax_only {
        None
    } else if path.is_dir() && !path.join("Cargo.toml").is_file() {
        // A plain folder (vendored crates, say) is no workspace to load: loading every
        // manifest under it would cost far more than it could resolve.
        progress.unavailable(&format!("{} has no Cargo.toml", path.display()));
        None
    } else {
        load(path, config, progress).map_err(|why| progress.unavailable(&why)).ok()
    };
    let forced = findings.as_ref().map(|f| merge::forced(workspace, f)).unwrap_or_default();
    let mut result = scan_with(workspace, config, &forced);
    // A wrapper only the semantic tier made a site (a renamed spawn in its body).
    if config.wrappers == WrapperMode::Callers && add_wrapper_callers(config, &result) {
        result = scan_with(workspace, config, &forced);
    }
    if let Some(findings) = &findings {
        merge::add_macro_body_sites(workspace, findings, &mut result);
    }
    (result, findings)
}

/// Adds a `[[spawn]] argument` entry for every free-function wrapper in
/// `result` that has none; whether it added any.
fn add_wrapper_callers(config: &mut Config, result: &ScanResult) -> bool {
    let mut added = false;
    for site in result.sites.iter().filter(|s| s.verdict == Verdict::Bare) {
        let Some((path, argument)) = &site.context.wrapper_call else { continue };
        if config.extra_spawns.iter().any(|spawn| spawn.path == *path) {
            continue;
        }
        let task =
            if site.family.task_is_closure() == Some(true) { TaskKind::Closure } else { TaskKind::Future };
        config.extra_spawns.push(ExtraSpawn {
            path: path.clone(),
            template: None,
            argument: Some(*argument),
            task,
        });
        added = true;
    }
    added
}

fn load(path: &Path, config: &Config, progress: &dyn Progress) -> Result<SemanticFindings, String> {
    let options = semantic::Options {
        extra_spawns: config.extra_spawns.iter().map(|s| s.path.clone()).collect(),
        long_lived_calls: config.long_lived_calls.clone(),
        ..semantic::Options::default()
    };
    let findings = semantic::analyse_with(path, &options, |message: &str| progress.stage(message));
    progress.done();
    findings
}
