//! The closing audit of `diff`, `apply`, `init` and `patch`: what was
//! converted, exempt, skipped, and why.

use std::io::Write;
use std::path::Path;

use crate::format::FormatReport;
use crate::lockfile::{UPDATE_BY_HAND, lock_audit_line};
use crate::rewrite::{Conversion, Plan};
use crate::sites::model::{SpawnSite, Verdict};

/// What the audit reports on.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    /// The scanned path as the user typed it; site paths are relative to it.
    pub root: &'a str,
    /// Every site of the run.
    pub sites: &'a [SpawnSite],
    pub plan: &'a Plan,
    /// What formatting did to the plan.
    pub formatting: &'a FormatReport,
    /// Where the workspace's `Cargo.lock` is (or would be).
    pub lock_path: &'a Path,
    /// Why `Cargo.lock` was not brought up to date, when it was not.
    pub lock_not_updated: Option<&'a str>,
    /// The lock line when the manifest edits left the lock as it was.
    pub lock_kept: Option<&'a str>,
}

/// The closing audit: what was converted, exempt, skipped, and why.
pub fn write_audit(audit: &Audit<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let Audit { root, sites, plan, formatting, lock_path, lock_not_updated, lock_kept } = *audit;
    let own = plan.outcomes.iter().filter(|o| o.result == Ok(Conversion::OwnTracker)).count();
    let global = plan.outcomes.iter().filter(|o| o.result == Ok(Conversion::GlobalHelper)).count();
    let count = |name: &str| sites.iter().filter(|s| s.verdict.name() == name).count();
    let failed = plan.outcomes.iter().filter(|o| o.result.is_err()).count();
    let failed = if failed > 0 { format!(", {failed} not converted") } else { String::new() };
    let long_lived: Vec<_> =
        plan.outcomes.iter().filter(|o| o.result == Ok(Conversion::ExemptLongLived)).collect();
    let exempted = if long_lived.is_empty() {
        String::new()
    } else {
        format!(" (+{} long-lived, exempted)", long_lived.len())
    };
    writeln!(
        out,
        "{} converted ({own} own tracker, {global} global helper){failed}, {} exempt{exempted}, {} skipped, {} in test code, {} already tracked",
        own + global,
        count("exempt"),
        count("skipped"),
        count("test-code"),
        count("already-tracked"),
    )?;
    // First, for review: the tasks that were not put in the tracker because
    // drain() would wait for them forever.
    if !long_lived.is_empty() {
        writeln!(
            out,
            "long-lived, exempted instead of tracked ({}): drain() would wait for them forever; review the reasons:",
            long_lived.len()
        )?;
        for outcome in long_lived {
            let evidence = outcome.site.lifetime.as_ref().map(|l| l.evidence.as_str());
            write_site_line(out, root, &outcome.site, evidence)?;
        }
    }
    // Tracked although corral could not tell how long they run: a drain waits for them.
    let undecided: Vec<_> = (plan.outcomes.iter())
        .filter(|o| o.result.as_ref().is_ok_and(|c| c.is_tracked()))
        .filter(|o| o.site.lifetime.as_ref().is_some_and(|l| l.undecided))
        .collect();
    if !undecided.is_empty() {
        writeln!(
            out,
            "tracked, lifetime undecided ({}): check that each ends before a drain waits for it:",
            undecided.len()
        )?;
        for outcome in undecided {
            write_site_line(
                out,
                root,
                &outcome.site,
                outcome.site.lifetime.as_ref().map(|l| l.evidence.as_str()),
            )?;
        }
    }
    let support: Vec<_> = (plan.outcomes.iter()).filter(|o| o.site.context.test_support.is_some()).collect();
    if !support.is_empty() {
        writeln!(
            out,
            "in test support ({}): production code behind a test cfg, converted; `exclude` it to leave it out:",
            support.len()
        )?;
        for outcome in support {
            write_site_line(out, root, &outcome.site, outcome.site.context.test_support.as_deref())?;
        }
    }
    let not_converted: Vec<_> = plan.outcomes.iter().filter(|o| o.result.is_err()).collect();
    // `init` plans no site: say what stays for `apply`.
    let untouched = count("bare");
    if plan.outcomes.is_empty() && untouched > 0 {
        writeln!(out, "{untouched} bare site(s) left as they are: `corral apply` converts them")?;
    }
    let without_reason: Vec<_> = sites.iter().filter(|s| s.verdict == Verdict::ExemptWithoutReason).collect();
    let skipped: Vec<_> = sites.iter().filter(|s| matches!(s.verdict, Verdict::Skipped { .. })).collect();
    if !not_converted.is_empty() {
        writeln!(out, "not converted ({}), needs a hand:", not_converted.len())?;
        for outcome in not_converted {
            write_site_line(out, root, &outcome.site, outcome.result.as_ref().err().map(String::as_str))?;
        }
    }
    if !without_reason.is_empty() {
        writeln!(out, "left bare, exempt marker without a reason ({}):", without_reason.len())?;
        for site in without_reason {
            write_site_line(out, root, site, None)?;
        }
    }
    for warning in &plan.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    write_formatting(root, formatting, out)?;
    if let Some(lock) = plan.changes.iter().find(|change| change.path == lock_path) {
        writeln!(out, "{}", lock_audit_line(lock.original.as_deref().unwrap_or(""), &lock.new_text))?;
    } else if let Some(kept) = lock_kept {
        writeln!(out, "{kept}")?;
    }
    if let Some(why) = lock_not_updated {
        writeln!(out, "Cargo.lock not updated: {why}; run `{UPDATE_BY_HAND}`")?;
    }
    if !skipped.is_empty() {
        writeln!(out, "skipped ({}):", skipped.len())?;
        for site in skipped {
            let reason = match &site.verdict {
                Verdict::Skipped { reason } => Some(reason.as_str()),
                _ => None,
            };
            write_site_line(out, root, site, reason)?;
        }
    }
    Ok(())
}

/// What formatting left as corral wrote it, and why.
fn write_formatting(root: &str, report: &FormatReport, out: &mut impl Write) -> std::io::Result<()> {
    if let Some(reason) = &report.unavailable {
        writeln!(out, "not formatted: rustfmt could not be run ({reason}); run `cargo fmt` on the result")?;
    }
    if !report.unformatted.is_empty() {
        writeln!(
            out,
            "not formatted, rustfmt did not accept them before the rewrite ({}); corral's edit is minimal there:",
            report.unformatted.len()
        )?;
        for display in &report.unformatted {
            writeln!(out, "  {}", super::shown_path(root, display))?;
        }
    }
    if !report.failed.is_empty() {
        writeln!(out, "not formatted, rustfmt failed on the rewritten text ({}):", report.failed.len())?;
        for (display, message) in &report.failed {
            writeln!(out, "  {}: {message}", super::shown_path(root, display))?;
        }
    }
    Ok(())
}

/// One site of an audit list: `  path:line:col  `written`: reason`.
pub fn write_site_line(
    out: &mut impl Write,
    root: &str,
    site: &SpawnSite,
    reason: Option<&str>,
) -> std::io::Result<()> {
    let place = format!("{}:{}:{}", super::shown_path(root, &site.path), site.line, site.column);
    match reason {
        Some(reason) => writeln!(out, "  {place}  `{}`: {reason}", site.written_as),
        None => writeln!(out, "  {place}  `{}`", site.written_as),
    }
}
