//! `list --tiers`: where the syntax and semantic tiers disagree.

use std::io::Write;

use crate::config::Config;
use crate::discover::Workspace;
use crate::scan::scan;
use crate::semantic::{SemanticFindings, merge};

/// `list --tiers`: where the tiers disagree, one site a line, after the report.
pub fn write_tiers(
    root: &str,
    workspace: &Workspace,
    config: &Config,
    findings: Option<&SemanticFindings>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let Some(findings) = findings else {
        return writeln!(out, "\ntiers: the semantic tier did not run; nothing to compare");
    };
    let syntax = scan(workspace, config);
    let disagreements = merge::disagreements(workspace, &syntax, findings);
    writeln!(
        out,
        "\ntiers: {} site(s) where the syntax and semantic tiers disagree ({} crates loaded, {} local, {} analysed; std: {}; load {:.2?} of which indexing {:.2?}, resolve {:.2?})",
        disagreements.len(),
        findings.crates,
        findings.local_crates,
        findings.analysed_crates,
        findings.sysroot,
        findings.load_time,
        findings.index_time,
        findings.resolve_time,
    )?;
    for d in &disagreements {
        writeln!(
            out,
            "  {}:{}:{}  `{}`\n      syntax:   {}\n      semantic: {}",
            crate::render::shown_path(root, &d.path),
            d.line,
            d.column,
            d.written_as,
            d.syntax,
            d.semantic
        )?;
    }
    Ok(())
}
