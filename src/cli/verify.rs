//! `apply --verify`: write, check, revert the sites that broke the build,
//! repeat. Progress goes to stderr, since a round can take minutes.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Result, bail};

use super::args::ApplyArgs;
use super::{Outcome, report_problems, write_audit};
use crate::analysis::{Analysis, make_plan};
use crate::apply::{WriteResult, restore_changes, write_changes};
use crate::render::audit::write_site_line;
use crate::render::shown_path;
use crate::rewrite::Plan;
use crate::sites::model::{FileProblem, SpawnSite};
use crate::verify::{CompilerError, check_command, new_errors, run_check, site_of_error};

/// Rounds before giving up; each reverts at least one site.
const MAX_ROUNDS: usize = 12;

pub fn apply_verified(
    args: &ApplyArgs,
    mut analysis: Analysis,
    mut plan: Plan,
    problems: &[FileProblem],
    out: &mut impl Write,
) -> Result<Outcome> {
    let root = args.workspace.path.to_string_lossy().into_owned();
    let dir = analysis.workspace.root.clone();
    let command = check_command(args.verify_cmd.as_deref());
    let shown = command.join(" ");
    eprintln!("verify: baseline: running `{shown}` before rewriting");
    let (baseline, _) = run_check(&dir, &command).map_err(anyhow::Error::msg)?;
    eprintln!("verify: baseline has {} error(s)", baseline.len());
    let mut reverted: Vec<(SpawnSite, String)> = Vec::new();
    let mut settled = false;
    for round in 1..=MAX_ROUNDS {
        if plan.changes.is_empty() {
            settled = true;
            break;
        }
        write_all(&plan)?;
        let converted =
            plan.outcomes.iter().filter(|o| o.result.as_ref().is_ok_and(|c| c.is_tracked())).count();
        eprintln!("verify: round {round}: checking {converted} converted site(s) with `{shown}`");
        let (errors, _) = run_check(&dir, &command).map_err(anyhow::Error::msg)?;
        let added = new_errors(&baseline, &errors);
        if added.is_empty() {
            settled = true;
            break;
        }
        eprintln!("verify: round {round}: {} new error(s)", added.len());
        let blamed = blame(&added, &plan);
        if blamed.is_empty() {
            break;
        }
        restore_all(&plan)?;
        for (site, error) in blamed {
            eprintln!(
                "verify:   reverting {}:{}:{}: {}",
                shown_path(&root, &site.path),
                site.line,
                site.column,
                error
            );
            reverted.push((site, error));
        }
        // Reverted sites stay bare (the gate keeps reporting them); the plan leaves them out.
        let remaining: Vec<SpawnSite> = analysis
            .result
            .sites
            .iter()
            .filter(|s| !reverted.iter().any(|(r, _)| r.path == s.path && r.start == s.start))
            .cloned()
            .collect();
        plan = make_plan(&mut analysis, &remaining);
    }
    if !settled {
        // The workspace never ends with more errors than it started with.
        restore_all(&plan)?;
        eprintln!("verify: could not isolate the new errors; every file was restored");
        plan = Plan::default();
    }
    for change in &plan.changes {
        writeln!(out, "wrote {}", shown_path(&root, &change.display))?;
    }
    write_audit(&root, &analysis, &plan, out)?;
    if !reverted.is_empty() {
        writeln!(out, "reverted by --verify ({}), needs a hand:", reverted.len())?;
        for (site, error) in &reverted {
            write_site_line(out, &root, site, Some(error))?;
        }
    }
    if !baseline.is_empty() {
        writeln!(out, "errors that were there before the rewrite ({}):", baseline.len())?;
        for error in &baseline {
            writeln!(out, "  {}", describe(error, &root, &analysis))?;
        }
    }
    report_problems(&root, problems);
    Ok(if !problems.is_empty() || !settled { Outcome::Errors } else { Outcome::Clean })
}

/// The sites new errors fall in; errors that map to no site blame every
/// converted site of their file, or of the whole plan when they have no file.
fn blame(errors: &[CompilerError], plan: &Plan) -> Vec<(SpawnSite, String)> {
    let converted: Vec<SpawnSite> = plan
        .outcomes
        .iter()
        .filter(|o| o.result.as_ref().is_ok_and(|c| c.is_tracked()))
        .map(|o| o.site.clone())
        .collect();
    let mut blamed: BTreeMap<(String, u32), (SpawnSite, String)> = BTreeMap::new();
    for error in errors {
        let summary = error.summary();
        let culprits: Vec<&SpawnSite> = match site_of_error(error, &plan.changes, &converted) {
            Some(index) => vec![&converted[index]],
            None => {
                let file = error
                    .file
                    .as_ref()
                    .and_then(|f| plan.changes.iter().find(|c| &c.path == f || c.path.ends_with(f)));
                match file {
                    Some(change) if converted.iter().any(|s| s.path == change.display) => {
                        converted.iter().filter(|s| s.path == change.display).collect()
                    }
                    _ => converted.iter().collect(),
                }
            }
        };
        for site in culprits {
            blamed.entry((site.path.clone(), site.start)).or_insert_with(|| (site.clone(), summary.clone()));
        }
    }
    blamed.into_values().collect()
}

fn write_all(plan: &Plan) -> Result<()> {
    let results = write_changes(&plan.changes);
    let refused: Vec<String> = results
        .iter()
        .filter_map(|(path, result)| match result {
            WriteResult::Refused(reason) => Some(format!("{path}: {reason}")),
            WriteResult::Written => None,
        })
        .collect();
    if !refused.is_empty() {
        restore_all(plan)?;
        bail!("not written, so nothing was verified:\n  {}", refused.join("\n  "));
    }
    Ok(())
}

fn restore_all(plan: &Plan) -> Result<()> {
    let failed: Vec<String> = restore_changes(&plan.changes)
        .into_iter()
        .filter_map(|(path, result)| match result {
            WriteResult::Refused(reason) => Some(format!("{path}: {reason}")),
            WriteResult::Written => None,
        })
        .collect();
    if !failed.is_empty() {
        bail!("could not restore the original of:\n  {}", failed.join("\n  "));
    }
    Ok(())
}

fn describe(error: &CompilerError, root: &str, analysis: &Analysis) -> String {
    match &error.file {
        Some(file) => {
            let relative = file.strip_prefix(&analysis.workspace.root).unwrap_or(file);
            let display = relative.to_string_lossy().replace('\\', "/");
            format!("{}:{}: {}", shown_path(root, &display), error.line, error.summary())
        }
        None => error.summary(),
    }
}
