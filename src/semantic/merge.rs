//! Where the tiers meet: what the semantic tier resolved, handed to the syntax
//! tier's scan (which keeps its context and verdict rules), and where the two
//! disagree, site by site.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Resolution, SemanticCall, SemanticFindings};
use crate::discover::Workspace;
use crate::rewrite::imports::{GlobExport, GlobExports};
use crate::scan::{Forced, ScanResult};
use crate::sites::model::{Family, SiteContext, SpawnSite, Verdict};

/// The reason a spawn a `macro_rules!` body writes is not converted.
pub const MACRO_BODY_REASON: &str =
    "written in a macro_rules! body (found by the semantic tier): convert the macro by hand";

/// The semantic tier's resolutions, keyed the way the scan keys candidates.
pub fn forced(workspace: &Workspace, findings: &SemanticFindings) -> Forced {
    let index = FileIndex::new(workspace);
    let mut forced = Forced::default();
    let mut names = HashSet::new();
    for call in findings.calls.iter().filter(|c| c.exact) {
        let Some(file) = index.get(&call.file) else { continue };
        // Kept for a call that did not resolve too: the syntax tier may have a site there.
        if let Some(lifetime) = &call.lifetime {
            forced.lifetimes.insert((file, call.start, call.end), lifetime.clone());
        }
        let resolved = match &call.resolution {
            Resolution::Spawn(family) => {
                names.insert(call.name.clone());
                Some(family.clone())
            }
            Resolution::Other(_) => None,
            Resolution::Tracked | Resolution::Unresolved => continue,
        };
        forced.calls.insert((file, call.start, call.end), resolved);
    }
    forced.names = names.into_iter().collect();
    forced.names.sort();
    forced.analysed = findings.files.iter().filter_map(|file| index.get(file)).collect();
    forced
}

/// Adds the spawns only a `macro_rules!` body writes (no call to rewrite in place):
/// reported, with a verdict that says why they are not converted.
pub fn add_macro_body_sites(workspace: &Workspace, findings: &SemanticFindings, result: &mut ScanResult) {
    let index = FileIndex::new(workspace);
    let mut known: HashSet<(String, u32)> =
        result.sites.iter().map(|s| (s.path.clone(), s.callee_start)).collect();
    for call in findings.sites().filter(|c| !c.exact) {
        let Some(file) = index.get(&call.file) else { continue };
        let source = &workspace.files[file];
        if !known.insert((source.display.clone(), call.callee_start)) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&source.path) else { continue };
        let Some(family) = call.family().cloned() else { continue };
        let (line, column, line_text) = position(&text, call.start);
        result.sites.push(SpawnSite {
            path: source.display.clone(),
            package: source.package.map(|p| workspace.packages[p].name.clone()),
            line,
            column,
            start: call.start,
            end: call.end,
            callee_start: call.callee_start,
            callee_end: call.callee_end,
            written_as: text
                .get(call.callee_start as usize..call.callee_end as usize)
                .unwrap_or_default()
                .into(),
            family,
            verdict: Verdict::Skipped { reason: MACRO_BODY_REASON.into() },
            handle: crate::sites::model::HandleUse::PassedOn,
            in_test: false,
            context: SiteContext { in_macro: Some("macro_rules!".into()), ..SiteContext::default() },
            source_line: line_text,
            lifetime: None,
        });
    }
    result.sites.sort_by(|a, b| (&a.path, a.start, a.end).cmp(&(&b.path, b.start, b.end)));
}

/// One place where the tiers disagree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Disagreement {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub written_as: String,
    /// What the syntax tier made of it: `tokio::spawn (bare)`, `skipped: ..`, `no site`.
    pub syntax: String,
    /// What the semantic tier made of it.
    pub semantic: String,
}

/// Every site where the syntax tier's result and the semantic tier's resolution differ.
pub fn disagreements(
    workspace: &Workspace,
    syntax: &ScanResult,
    findings: &SemanticFindings,
) -> Vec<Disagreement> {
    let index = FileIndex::new(workspace);
    let analysed: HashSet<usize> = findings.files.iter().filter_map(|f| index.get(f)).collect();
    let mut by_range: HashMap<(usize, u32, u32), &SemanticCall> = HashMap::new();
    let mut by_callee: HashMap<(usize, u32), &SemanticCall> = HashMap::new();
    for call in &findings.calls {
        if let Some(file) = index.get(&call.file) {
            by_range.insert((file, call.start, call.end), call);
            by_callee.insert((file, call.callee_start), call);
        }
    }
    let display_index: HashMap<&str, usize> =
        workspace.files.iter().enumerate().map(|(i, f)| (f.display.as_str(), i)).collect();
    let mut out = Vec::new();
    let mut matched: HashSet<(usize, u32)> = HashSet::new();
    for site in &syntax.sites {
        let Some(&file) = display_index.get(site.path.as_str()) else { continue };
        let call =
            by_range.get(&(file, site.start, site.end)).or_else(|| by_callee.get(&(file, site.callee_start)));
        if let Some(call) = call {
            matched.insert((file, call.callee_start));
        }
        let semantic = match call.map(|c| &c.resolution) {
            Some(Resolution::Spawn(family)) if *family == site.family => continue,
            Some(Resolution::Tracked) if site.verdict == Verdict::AlreadyTracked => continue,
            Some(Resolution::Spawn(family)) => family.path(),
            Some(Resolution::Tracked) => "a tracked spawn".into(),
            Some(Resolution::Other(path)) => format!("not a spawn: calls {path}"),
            Some(Resolution::Unresolved) => "unresolved".into(),
            None if analysed.contains(&file) => "not analysed (inactive cfg, or not a call)".into(),
            None => "file not loaded".into(),
        };
        // A site the syntax tier already could not resolve, and neither could the other: no news.
        if site.family == Family::Unresolved && semantic == "unresolved" {
            continue;
        }
        out.push(Disagreement {
            path: site.path.clone(),
            line: site.line,
            column: site.column,
            written_as: site.written_as.clone(),
            syntax: describe(site),
            semantic,
        });
    }
    let mut texts: HashMap<usize, String> = HashMap::new();
    for call in findings.sites() {
        let Some(file) = index.get(&call.file) else { continue };
        if matched.contains(&(file, call.callee_start)) {
            continue;
        }
        let source = &workspace.files[file];
        let text =
            texts.entry(file).or_insert_with(|| std::fs::read_to_string(&source.path).unwrap_or_default());
        let (line, column, _) = position(text, call.callee_start);
        let written_as = text.get(call.callee_start as usize..call.callee_end as usize).unwrap_or_default();
        out.push(Disagreement {
            path: source.display.clone(),
            line,
            column,
            written_as: written_as.to_string(),
            syntax: "no site".into(),
            semantic: format!(
                "{}{}",
                call.family().map(Family::path).unwrap_or_default(),
                if call.exact { "" } else { " (in a macro_rules! body)" }
            ),
        });
    }
    out.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    out.dedup();
    out
}

fn describe(site: &SpawnSite) -> String {
    match &site.verdict {
        Verdict::Skipped { reason } => format!("skipped: {reason}"),
        verdict => format!("{} ({})", site.family.path(), verdict.name()),
    }
}

/// 1-based line and column (in characters) of a byte offset, and that line's text.
fn position(text: &str, offset: u32) -> (u32, u32, String) {
    let offset = (offset as usize).min(text.len());
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() as u32 + 1;
    let column = text[line_start..offset].chars().count() as u32 + 1;
    let line_text = text[line_start..].lines().next().unwrap_or_default().to_string();
    (line, column, line_text)
}

/// The glob imports the semantic tier saw, by the workspace file that holds them.
pub fn glob_exports(workspace: &Workspace, findings: &SemanticFindings) -> GlobExports {
    let index = FileIndex::new(workspace);
    let mut out = GlobExports::new();
    for glob in &findings.globs {
        let Some(file) = index.get(&glob.file) else { continue };
        out.entry(workspace.files[file].display.clone()).or_default().push(GlobExport {
            start: glob.start,
            end: glob.end,
            names: glob.names.clone(),
            has_traits: glob.has_traits,
        });
    }
    out
}

/// The workspace's files by canonical path.
struct FileIndex {
    files: HashMap<PathBuf, usize>,
}

impl FileIndex {
    fn new(workspace: &Workspace) -> FileIndex {
        let files = workspace.files.iter().enumerate().map(|(i, f)| (canonical(&f.path), i)).collect();
        FileIndex { files }
    }

    fn get(&self, path: &Path) -> Option<usize> {
        self.files.get(&canonical(path)).copied()
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
