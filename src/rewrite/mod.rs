//! Plans the migration: every bare site becomes a tracked spawn, each crate
//! that needs it gets the global helper, its root declares it and its
//! manifest depends on `tokio-util`. Planning is pure: it reads the texts the
//! caller loaded (`wanted_files` says which) and returns new texts; the
//! caller renders them as a diff or writes them.

pub mod call;
pub mod helper;
pub mod helper_crate;
pub mod imports;
mod placement;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use ra_ap_syntax::{AstNode, Edition, SourceFile, SyntaxKind, ast, ast::HasName};

use crate::config::{Config, LongLivedMode};
use crate::discover::{Package, SourceFile as Discovered, Workspace};
use crate::edit::{self, Edit};
use crate::parse::syntax_edition;
use crate::sites::lifetime::LifetimeKind;
use crate::sites::model::{Capture, Family, SpawnSite, Verdict};
use call::{Names, SiteRewrite, TrackerSource, rewrite_site};
use helper::{
    HELPER_NEEDS, HelperStyle, ManifestEdit, ensure_dependencies, helper_module, workspace_dependencies,
};
use helper_crate::HelperCrate;
use placement::{Declaration, HelperHome, declare_module, helper_home, helper_path};

/// File texts the plan reads, by path; a path absent from the map does not exist.
pub type Sources = HashMap<PathBuf, String>;

/// One file the migration creates or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    /// Relative to the scanned root, `/` separators.
    pub display: String,
    /// `None` for a new file.
    pub original: Option<String>,
    pub new_text: String,
    /// The package the file belongs to (for `patch --split crate`).
    pub package: Option<String>,
}

/// What happened to one bare site.
#[derive(Debug, Clone)]
pub struct SiteOutcome {
    pub site: SpawnSite,
    pub result: Result<Conversion, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    OwnTracker,
    GlobalHelper,
    /// Not tracked: its task runs until shutdown, so the exempt marker went
    /// above it with the evidence as the reason (`long-lived = "exempt"`).
    ExemptLongLived,
}

impl Conversion {
    /// Whether the site now goes through a tracker.
    pub fn is_tracked(self) -> bool {
        matches!(self, Conversion::OwnTracker | Conversion::GlobalHelper)
    }
}

/// The whole migration.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    pub outcomes: Vec<SiteOutcome>,
    /// What the audit must tell beyond the sites (a helper that cannot meet
    /// its crate's `rust-version`, say).
    pub warnings: Vec<String>,
}

/// Every file the plan may read: site files, crate roots, helper files, manifests.
pub fn wanted_files(workspace: &Workspace, sites: &[SpawnSite], config: &Config) -> Vec<PathBuf> {
    let files = files_by_display(workspace);
    let mut wanted: Vec<PathBuf> = vec![workspace.root.join("Cargo.toml")];
    for site in sites.iter().filter(|s| s.verdict == Verdict::Bare) {
        let Some(file) = files.get(site.path.as_str()) else { continue };
        wanted.push(file.path.clone());
        if config.helper_crate.is_some() {
            if let Some(package) = file.package {
                wanted.push(workspace.packages[package].manifest_path.clone());
            }
            continue;
        }
        if let Some(home) = helper_home(workspace, file, config, &|_| None) {
            wanted.extend(placement::files_read(workspace, &home));
        }
    }
    if let Some(relative) = &config.helper_crate {
        let dir = workspace.root.join(relative);
        wanted.push(dir.join("Cargo.toml"));
        wanted.push(dir.join("src").join("lib.rs"));
    }
    wanted.sort();
    wanted.dedup();
    wanted
}

/// A file's edits while the plan is being made.
struct Pending<'a> {
    display: String,
    original: &'a str,
    edits: Vec<Edit>,
    edition: Edition,
    package: Option<String>,
    converted: Vec<(&'a SpawnSite, Conversion)>,
}

/// What a plan covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    /// Convert every bare site, and install the helper where it is needed.
    Migrate,
    /// Only install the helper in each crate that has bare sites (`corral init`).
    HelpersOnly,
}

/// Plans the migration of every bare site.
pub fn plan(
    workspace: &Workspace,
    sites: &[SpawnSite],
    config: &Config,
    sources: &Sources,
    mode: PlanMode,
    globs: &imports::GlobExports,
) -> Plan {
    let files = files_by_display(workspace);
    let exists = |path: &Path| sources.get(path).cloned();
    let mut outcomes = Vec::new();
    let mut homes: BTreeMap<PathBuf, HelperHome> = BTreeMap::new();
    let mut by_file: BTreeMap<&str, Vec<&SpawnSite>> = BTreeMap::new();
    for site in sites.iter().filter(|s| s.verdict == Verdict::Bare) {
        by_file.entry(site.path.as_str()).or_default().push(site);
    }

    // One helper crate for the workspace, when configured; else a module per crate.
    let shared =
        config.helper_crate.as_ref().and_then(|relative| HelperCrate::locate(workspace, relative, sources));
    let mut needing: BTreeSet<usize> = BTreeSet::new();
    let mut pending: BTreeMap<PathBuf, Pending> = BTreeMap::new();
    for (display, file_sites) in by_file {
        let fail_all = |reason: &str, outcomes: &mut Vec<SiteOutcome>| {
            outcomes.extend(
                file_sites
                    .iter()
                    .map(|s| SiteOutcome { site: (*s).clone(), result: Err(reason.to_string()) }),
            );
        };
        let Some(file) = files.get(display) else {
            fail_all("the file is not part of the scanned workspace", &mut outcomes);
            continue;
        };
        let Some(text) = sources.get(&file.path) else {
            fail_all("the file could not be read again", &mut outcomes);
            continue;
        };
        let Some(home) = helper_home(workspace, file, config, &exists) else {
            fail_all(
                "no crate root can hold the global helper (a build script, or a file outside any target)",
                &mut outcomes,
            );
            continue;
        };
        if mode == PlanMode::HelpersOnly {
            match &shared {
                Some(_) => needing.extend(file.package),
                None => {
                    homes.insert(home.root.clone(), home);
                }
            }
            continue;
        }
        let helper_path = match &shared {
            Some(shared) => shared.ident.clone(),
            None => helper_path(workspace, file, &home),
        };
        let edition = syntax_edition(file.edition);
        let mut names = FreshNames::new(text, edition);
        let mut edits: Vec<Edit> = Vec::new();
        let mut hoists: Vec<call::Hoist> = Vec::new();
        let mut converted = Vec::new();
        let eol = line_ending(text);
        for site in &file_sites {
            if let Some(lifetime) = site.lifetime.as_ref().filter(|l| l.kind == LifetimeKind::LongLived) {
                match config.long_lived {
                    LongLivedMode::Exempt => {
                        edits.push(exempt_edit(text, site, &config.marker, &lifetime.exempt_reason(), eol));
                        converted.push((*site, Conversion::ExemptLongLived));
                        continue;
                    }
                    LongLivedMode::Leave => {
                        let reason = format!(
                            "runs until shutdown ({}): left bare, as `long-lived = \"leave\"` asks",
                            lifetime.evidence
                        );
                        outcomes.push(SiteOutcome { site: (*site).clone(), result: Err(reason) });
                        continue;
                    }
                    LongLivedMode::Track => {}
                }
            }
            // The struct's own tracker field, or one a field of it holds (`server.tracker`).
            let field = site.context.method.as_ref().filter(|m| m.self_kind.is_some()).and_then(|m| {
                let field = m.tracker_field.clone().or_else(|| m.tracker_through.clone())?;
                Some((field, m.tracker_capture.clone().unwrap_or(Capture::Clone)))
            });
            let source = match field {
                Some((field, capture)) => {
                    TrackerSource::Field { helper: helper_path.clone(), field, capture }
                }
                None => TrackerSource::Global { helper: helper_path.clone() },
            };
            let custom = match &site.family {
                Family::Custom { path } => {
                    config.extra_spawns.iter().find(|spawn| spawn.path.join("::") == *path)
                }
                _ => None,
            };
            match rewrite_site(text, site, &source, custom, edition, &mut names) {
                Ok(SiteRewrite { edits: site_edits, hoist, own_tracker }) => {
                    edits.extend(site_edits);
                    if let Some(hoist) = hoist.filter(|h| !hoists.contains(h)) {
                        hoists.push(hoist);
                    }
                    let conversion =
                        if own_tracker { Conversion::OwnTracker } else { Conversion::GlobalHelper };
                    converted.push((*site, conversion));
                }
                Err(reason) => outcomes.push(SiteOutcome { site: (*site).clone(), result: Err(reason) }),
            }
        }
        if converted.is_empty() {
            continue;
        }
        edits.extend(hoists.iter().map(|hoist| hoist_edit(text, hoist, eol)));
        // Sites that use their struct's own tracker may still name the helper
        // (`track_thread`); a crate whose sites never do gets no helper.
        let helper_prefix = format!("{helper_path}::");
        if edits.iter().any(|edit| edit.insert.contains(&helper_prefix)) {
            match &shared {
                Some(_) => needing.extend(file.package),
                None => {
                    homes.insert(home.root.clone(), home);
                }
            }
        }
        pending.insert(
            file.path.clone(),
            Pending {
                display: display.to_string(),
                original: text,
                edits,
                edition,
                package: file.package.map(|p| workspace.packages[p].name.clone()),
                converted,
            },
        );
    }

    let (mut changes, warnings) = match &shared {
        Some(shared) => {
            let display = |path: &Path| display_of(workspace, path);
            (helper_crate::install(workspace, shared, &needing, sources, &display), Vec::new())
        }
        None => {
            let (changes, mut warnings) = install_helpers(workspace, homes.values(), sources, &mut pending);
            warnings.extend(propose_helper_crate(workspace, homes.values()));
            (changes, warnings)
        }
    };
    for (path, file) in pending {
        let result = finish_file(&file, globs.get(&file.display).map_or(&[][..], Vec::as_slice));
        match result {
            Ok(new_text) => {
                outcomes.extend(file.converted.iter().map(|(site, conversion)| SiteOutcome {
                    site: (*site).clone(),
                    result: Ok(*conversion),
                }));
                changes.push(FileChange {
                    path,
                    display: file.display,
                    original: Some(file.original.to_string()),
                    new_text,
                    package: file.package,
                });
            }
            Err(reason) => outcomes.extend(
                file.converted
                    .iter()
                    .map(|(site, _)| SiteOutcome { site: (*site).clone(), result: Err(reason.clone()) }),
            ),
        }
    }
    changes.sort_by(|a, b| a.display.cmp(&b.display));
    outcomes.sort_by(|a, b| (&a.site.path, a.site.start).cmp(&(&b.site.path, b.site.start)));
    Plan { changes, outcomes, warnings }
}

/// Applies a file's edits, removes the imports they made unused, and checks
/// that the result parses no worse than the original.
fn finish_file(file: &Pending, globs: &[imports::GlobExport]) -> Result<String, String> {
    let internal = |e: edit::Overlap| format!("internal error, please report: {e}");
    let edits = edit::normalize(file.edits.clone()).map_err(internal)?;
    let rewritten = edit::apply(file.original, &edits);
    let mut all = edits;
    if !file.converted.is_empty() {
        all.extend(imports::remove_unused_imports(file.original, &rewritten, file.edition, globs));
    }
    let all = edit::normalize(all).map_err(internal)?;
    let new_text = edit::apply(file.original, &all);
    if parse_errors(&new_text, file.edition) > parse_errors(file.original, file.edition) {
        return Err("the rewritten file would not parse; nothing was changed in it".to_string());
    }
    Ok(new_text)
}

/// The helper module, its declaration (added to the root's pending edits) and
/// the manifest dependencies, for each crate that needs them. Roots of one
/// package share its one helper file: it is written once.
fn install_helpers<'a>(
    workspace: &Workspace,
    homes: impl Iterator<Item = &'a HelperHome>,
    sources: &'a Sources,
    pending: &mut BTreeMap<PathBuf, Pending<'a>>,
) -> (Vec<FileChange>, Vec<String>) {
    let root_manifest = sources.get(&workspace.root.join("Cargo.toml")).map(String::as_str).unwrap_or("");
    let workspace_deps = workspace_dependencies(root_manifest);
    let mut manifests_done = HashSet::new();
    let mut helpers_done = HashSet::new();
    let mut changes = Vec::new();
    let mut warnings = Vec::new();
    for home in homes {
        let package = &workspace.packages[home.package];
        let Some(root_text) = sources.get(&home.root) else { continue };
        let eol = line_ending(root_text);
        if helpers_done.insert(home.file.clone()) {
            if let Some(version) = package.rust_version.filter(|version| *version < HELPER_NEEDS) {
                warnings.push(format!(
                    "{}: rust-version {version} is older than Rust {HELPER_NEEDS}, which the helper needs (a \
                     `const` `Mutex::new`; tokio-util's TaskTracker itself needs 1.56): raise it, or rewrite {} for it",
                    package.name,
                    display_of(workspace, &home.file)
                ));
            }
            if !sources.contains_key(&home.file) {
                changes.push(FileChange {
                    path: home.file.clone(),
                    display: display_of(workspace, &home.file),
                    original: None,
                    new_text: helper_module(HelperStyle {
                        public: home.public,
                        line_ending: eol,
                        tabs: indents_with_tabs(root_text),
                        rust_version: package.rust_version,
                    }),
                    package: Some(package.name.clone()),
                });
            }
        }
        // Never behind a feature: code no feature gates may call it, and the
        // manifest edit makes its dependencies always on.
        let path = home.path_attribute();
        let declaration =
            Declaration { module: &home.module, public: home.public, path: path.as_deref(), eol };
        if let Some(edit) = declare_module(root_text, declaration) {
            let edition = package
                .targets
                .iter()
                .find(|t| t.root == home.root)
                .map_or(Edition::Edition2021, |t| syntax_edition(t.edition));
            pending
                .entry(home.root.clone())
                .or_insert_with(|| Pending {
                    display: display_of(workspace, &home.root),
                    original: root_text,
                    edits: Vec::new(),
                    edition,
                    package: Some(package.name.clone()),
                    converted: Vec::new(),
                })
                .edits
                .push(edit);
        }
        if manifests_done.insert(package.manifest_path.clone()) {
            let Some(manifest) = sources.get(&package.manifest_path) else { continue };
            if let Ok(ManifestEdit::Changed(new_text)) = ensure_dependencies(manifest, &workspace_deps) {
                changes.push(FileChange {
                    path: package.manifest_path.clone(),
                    display: display_of(workspace, &package.manifest_path),
                    original: Some(manifest.clone()),
                    new_text,
                    package: Some(package.name.clone()),
                });
            }
        }
    }
    (changes, warnings)
}

/// Where several crates, none of them published, would each get a helper of
/// their own, and so a tracker of their own: the audit proposes one helper
/// crate with the key to set. The mode never switches by itself.
fn propose_helper_crate<'a>(
    workspace: &Workspace,
    homes: impl Iterator<Item = &'a HelperHome>,
) -> Option<String> {
    let mut packages: Vec<&Package> = homes.map(|home| &workspace.packages[home.package]).collect();
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    packages.dedup_by(|a, b| a.name == b.name);
    if packages.len() < 2 || packages.iter().any(|package| package.publishable) {
        return None;
    }
    let names: Vec<&str> = packages.iter().map(|package| package.name.as_str()).collect();
    Some(format!(
        "{} crates get a helper of their own ({}), so a test or a shutdown path must drain {} trackers; \
         none of them is published, so one helper crate can serve them all: set `helper-crate = \"crates/tasks\"` \
         in corral.toml (or run `corral init --helper-crate crates/tasks`) and run corral again",
        names.len(),
        names.join(", "),
        names.len()
    ))
}

fn files_by_display(workspace: &Workspace) -> HashMap<&str, &Discovered> {
    workspace.files.iter().map(|f| (f.display.as_str(), f)).collect()
}

fn display_of(workspace: &Workspace, path: &Path) -> String {
    let relative = path.strip_prefix(&workspace.root).unwrap_or(path);
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Whether a file's indented lines mostly start with a tab.
fn indents_with_tabs(text: &str) -> bool {
    let tabs = text.lines().filter(|l| l.starts_with('\t')).count();
    let spaces = text.lines().filter(|l| l.starts_with("    ")).count();
    tabs > spaces
}

fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn parse_errors(text: &str, edition: Edition) -> usize {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    SourceFile::parse(body, edition).errors().len()
}

/// `// spawn-exempt: <reason>` on a line of its own above the statement that
/// holds the site (above the call's line in expression position), indented
/// like that line, where the scan finds the marker.
fn exempt_edit(text: &str, site: &SpawnSite, marker: &str, reason: &str, eol: &str) -> Edit {
    let anchor = site.context.statement_start.unwrap_or(site.start) as usize;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let line_start = text[..anchor].rfind('\n').map_or(bom, |i| i + 1);
    let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    Edit::insert(
        line_start as u32,
        format!("{indent}// {marker}: {reason}{eol}"),
        "exempt a task that runs until shutdown",
    )
}

/// `let tracker = self.tracker.clone();` before a statement, indented like it.
fn hoist_edit(text: &str, hoist: &call::Hoist, eol: &str) -> Edit {
    let at = hoist.at as usize;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let binding = format!("let {} = {};", hoist.name, hoist.value);
    let insert =
        if before.trim().is_empty() { format!("{binding}{eol}{before}") } else { format!("{binding} ") };
    Edit::insert(hoist.at, insert, format!("bind `{}` before the statement", hoist.value))
}

/// Fresh binding names: never one the enclosing function binds anywhere (a
/// conservative stand-in for "shadows nothing in scope").
struct FreshNames {
    file: SourceFile,
    given: HashMap<(u32, String, bool), String>,
}

impl FreshNames {
    fn new(text: &str, edition: Edition) -> FreshNames {
        FreshNames { file: SourceFile::parse(text, edition).tree(), given: HashMap::new() }
    }

    /// Names bound by patterns in the function around `at` (the whole file outside functions).
    fn bound_near(&self, at: u32) -> HashSet<String> {
        let root = self.file.syntax();
        // The innermost function around `at`, found from the token there rather than
        // by walking the whole file.
        let scope = root
            .token_at_offset(at.into())
            .right_biased()
            .and_then(|token| token.parent_ancestors().find(|n| n.kind() == SyntaxKind::FN))
            .unwrap_or_else(|| root.clone());
        scope
            .descendants()
            .filter_map(ast::IdentPat::cast)
            .filter_map(|p| p.name().map(|n| n.text().to_string()))
            .collect()
    }
}

impl Names for FreshNames {
    fn fresh(&mut self, at: u32, value: &str, moved_into_block: bool) -> String {
        let key = (at, value.to_string(), moved_into_block);
        if let Some(name) = self.given.get(&key) {
            return name.clone();
        }
        // `self.tracker.clone()` -> `tracker`; `self.server.tracker.clone()` -> `tracker`.
        let field = value.trim_end_matches(".clone()");
        let base = field.rsplit('.').next().unwrap_or(field).to_string();
        let taken = self.bound_near(at);
        let used_here: HashSet<&String> =
            self.given.iter().filter(|((a, _, _), _)| *a == at).map(|(_, n)| n).collect();
        let name = std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}{n}")))
            .find(|name| !taken.contains(name) && !used_here.contains(name))
            .expect("an unused name exists");
        self.given.insert(key, name.clone());
        name
    }
}
