//! The code actions on a document's findings: "Track this spawn" (the edit
//! `corral apply` makes for that site, helper and manifest included),
//! "Exempt this spawn" (the marker, with a reason to write) and "Track every
//! spawn in this file".

use std::path::Path;

use lsp_types::{CodeActionKind, Diagnostic, Range, Uri};
use serde_json::{Value, json};

use super::diagnostics::diagnostic;
use super::edits::{ClientSupport, workspace_edit};
use super::text::{overlaps, position, range};
use crate::analysis::{Analysis, MigrationOptions};
use crate::rewrite::{FileChange, PlanMode};
use crate::sites::model::{SpawnSite, Verdict};

pub const TRACK: &str = "Track this spawn";
pub const EXEMPT: &str = "Exempt this spawn";
pub const TRACK_FILE: &str = "Track every spawn in this file";
/// The kind of "Track every spawn in this file" asked for outside a finding.
pub const FIX_ALL: &str = "source.fixAll.corral";

/// The open document the actions are for.
pub struct Document<'a> {
    pub uri: &'a Uri,
    pub text: &'a str,
    pub version: i32,
    /// Its findings, from a scan of this text.
    pub findings: &'a [SpawnSite],
}

/// Told of every edit offered, so that the server can tell later whether the
/// client made it (see `Server::offer`).
pub type Remember<'a> = dyn FnMut(&[FileChange]) + 'a;

/// The actions for `range` of `document`, of the kinds in `only` when the client names some.
pub fn code_actions(
    analysis: &mut Analysis,
    document: &Document<'_>,
    wanted: Range,
    only: Option<&[CodeActionKind]>,
    support: ClientSupport,
    version: &dyn Fn(&Path) -> Option<i32>,
    remember: &mut Remember<'_>,
) -> Vec<Value> {
    // What `corral apply` does: formatted, lock file brought along.
    analysis.options = MigrationOptions { mode: PlanMode::Migrate, format: true, lock: true };
    let marker = analysis.config.marker.clone();
    let bare: Vec<&SpawnSite> = document.findings.iter().filter(|s| s.verdict == Verdict::Bare).collect();
    let hits: Vec<&SpawnSite> = bare
        .iter()
        .copied()
        .filter(|site| {
            overlaps(&range(document.text, site.callee_start as usize, site.callee_end as usize), &wanted)
        })
        .collect();
    let mut actions = Vec::new();
    for site in &hits {
        let title = if hits.len() == 1 { TRACK.to_string() } else { format!("{TRACK} (line {})", site.line) };
        let diagnostic = diagnostic(site, document.text, &marker);
        let sites = [(*site).clone()];
        let tracked = Track { title: &title, kind: "quickfix", diagnostic: Some(diagnostic.clone()) };
        actions.push(track(analysis, document, &sites, tracked, support, version, remember));
        let title =
            if hits.len() == 1 { EXEMPT.to_string() } else { format!("{EXEMPT} (line {})", site.line) };
        actions.push(exempt(document, site, &title, &marker, diagnostic, support));
    }
    if !bare.is_empty() {
        let kind = if hits.is_empty() { FIX_ALL } else { "quickfix" };
        let sites: Vec<SpawnSite> = bare.iter().map(|site| (*site).clone()).collect();
        let tracked = Track { title: TRACK_FILE, kind, diagnostic: None };
        actions.push(track(analysis, document, &sites, tracked, support, version, remember));
    }
    actions.retain(|action| {
        let kind = action["kind"].as_str().unwrap_or_default();
        only.is_none_or(|only| {
            only.iter().any(|want| kind == want.as_str() || kind.starts_with(&format!("{}.", want.as_str())))
        })
    });
    actions
}

/// How a tracking action is shown.
struct Track<'a> {
    title: &'a str,
    kind: &'a str,
    /// The finding it fixes, when it is for one.
    diagnostic: Option<Diagnostic>,
}

/// The plan for `sites` as an action; disabled, with the reason, when the plan
/// leaves a site as it is or the client cannot apply the edit.
fn track(
    analysis: &mut Analysis,
    document: &Document<'_>,
    sites: &[SpawnSite],
    shown: Track<'_>,
    support: ClientSupport,
    version: &dyn Fn(&Path) -> Option<i32>,
    remember: &mut Remember<'_>,
) -> Value {
    let Track { title, kind, diagnostic } = shown;
    // A client that resolves the edit later gets it formatted and with the lock
    // file then; the plan here only says whether there is one.
    let finished = analysis.options;
    if support.resolve_edit {
        analysis.options = MigrationOptions { format: false, lock: false, ..finished };
    }
    let (plan, _) = analysis.plan(sites);
    analysis.options = finished;
    let converted = plan.outcomes.iter().filter(|outcome| outcome.result.is_ok()).count();
    let mut action = json!({"title": title, "kind": kind});
    if let Some(diagnostic) = diagnostic {
        action["diagnostics"] = json!([diagnostic]);
        action["isPreferred"] = json!(true);
    }
    if converted == 0 {
        let why = plan
            .outcomes
            .iter()
            .find_map(|outcome| outcome.result.as_ref().err().cloned())
            .unwrap_or_else(|| "corral has nothing to change here".to_string());
        action["disabled"] = json!({"reason": why});
        return action;
    }
    match workspace_edit(&plan.changes, version, support) {
        Ok(_) if support.resolve_edit => {
            let starts: Vec<u32> = sites.iter().map(|site| site.callee_start).collect();
            action["data"] = json!({"uri": document.uri, "version": document.version, "sites": starts});
        }
        Ok(edit) => {
            action["edit"] = json!(edit);
            remember(&plan.changes);
        }
        Err(why) => action["disabled"] = json!({"reason": why}),
    }
    action
}

/// `codeAction/resolve`: the edit of a tracking action offered without one,
/// as `corral apply` makes it. An action for an older text of the document
/// (or sites that are gone) comes back as it was, without an edit.
pub fn resolve(
    analysis: &mut Analysis,
    document: &Document<'_>,
    mut action: Value,
    support: ClientSupport,
    version: &dyn Fn(&Path) -> Option<i32>,
    remember: &mut Remember<'_>,
) -> Value {
    let data = &action["data"];
    let starts: Vec<u64> = data["sites"].as_array().into_iter().flatten().filter_map(Value::as_u64).collect();
    let sites: Vec<SpawnSite> = document
        .findings
        .iter()
        .filter(|site| site.verdict == Verdict::Bare && starts.contains(&u64::from(site.callee_start)))
        .cloned()
        .collect();
    if data["version"] != document.version || sites.is_empty() || sites.len() != starts.len() {
        return action;
    }
    analysis.options = MigrationOptions { mode: PlanMode::Migrate, format: true, lock: true };
    let (plan, _) = analysis.plan(&sites);
    if let Ok(edit) = workspace_edit(&plan.changes, version, support) {
        action["edit"] = json!(edit);
        remember(&plan.changes);
    }
    action
}

/// The marker on its own line above the call's line, at the line's indent:
/// the reason is a placeholder to type over where the client takes snippets,
/// left empty otherwise (and the gate then asks for it).
fn exempt(
    document: &Document<'_>,
    site: &SpawnSite,
    title: &str,
    marker: &str,
    diagnostic: Diagnostic,
    support: ClientSupport,
) -> Value {
    let text = document.text;
    let start = (site.start as usize).min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let at = position(text, line_start);
    let at = json!({"start": at, "end": at});
    let edit = if support.snippets && support.document_changes {
        let escaped = marker.replace('\\', "\\\\").replace('$', "\\$").replace('}', "\\}");
        json!({"range": at, "snippet": {"kind": "snippet", "value": format!("{indent}// {escaped}: ${{1:reason}}\n")}})
    } else {
        json!({"range": at, "newText": format!("{indent}// {marker}:\n")})
    };
    let workspace_edit = if support.document_changes {
        json!({"documentChanges": [{"textDocument": {"uri": document.uri, "version": document.version}, "edits": [edit]}]})
    } else {
        json!({"changes": {document.uri.as_str(): [edit]}})
    };
    json!({"title": title, "kind": "quickfix", "diagnostics": [diagnostic], "edit": workspace_edit})
}
