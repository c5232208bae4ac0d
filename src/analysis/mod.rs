//! The analysis, from a path to the plan: the configuration, the discovered
//! workspace, the sites both tiers found and merged, the texts the rewrite
//! reads, and the `Plan`. The CLI commands are its clients; it knows nothing
//! about arguments, output formats or exit codes.

mod tiers;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::{self, Config};
use crate::discover::{self, FileFilter, Workspace};
use crate::format::{self, FormatReport};
use crate::lockfile::{LockInput, LockOutcome, updated_lock};
use crate::rewrite::{self, FileChange, Plan, PlanMode, Sources};
use crate::scan::ScanResult;
use crate::sites::model::{FileProblem, SpawnSite};

pub use tiers::scan_tiers;

/// What an analysis starts from: the path and the switches that change what is scanned.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// Workspace root, crate, folder or single `.rs` file.
    pub path: &'a Path,
    /// Include test code.
    pub include_tests: bool,
    /// A configuration file to read instead of what `path`'s root holds.
    pub config: Option<&'a Path>,
    /// The syntax tier alone.
    pub syntax_only: bool,
    /// Who hears how the tiers are getting on.
    pub progress: &'a dyn Progress,
}

/// What the tiers tell while they run: the CLI draws it on the terminal; a
/// library client may log it, or ignore it with [`Quiet`].
pub trait Progress: Sync {
    /// The semantic tier's load reached a new stage.
    fn stage(&self, message: &str);
    /// The semantic tier finished or gave up: a progress display can go.
    fn done(&self);
    /// The semantic tier cannot run here, and why; the syntax tier goes on alone.
    fn unavailable(&self, why: &str);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str) {}
    fn done(&self) {}
    fn unavailable(&self, _: &str) {}
}

/// The configuration, the discovered workspace and its sites.
pub struct Analysis {
    /// The configuration as loaded, before the tiers add wrapper callers.
    loaded: Config,
    /// The configuration the last scan used.
    pub config: Config,
    pub workspace: Workspace,
    pub result: ScanResult,
    /// The texts the rewrite read (empty until a plan is made).
    pub sources: Sources,
    /// What the semantic tier found, when it ran.
    pub semantic: Option<crate::semantic::SemanticFindings>,
    /// The glob imports the semantic tier resolved, for the rewrite (empty until a plan is made).
    pub globs: crate::rewrite::imports::GlobExports,
    /// How the migration is planned and finished.
    pub options: MigrationOptions,
    /// What formatting did to the plan, for the audit.
    pub formatting: FormatReport,
    /// Why `Cargo.lock` was not brought up to date with the manifest edits, when it was not.
    pub lock_not_updated: Option<String>,
    /// The audit's lock line when the manifest edits leave the lock as it is
    /// (a locked `tokio-util` already fits): `Cargo.lock: tokio-util 0.7.11 kept, no package moves`.
    pub lock_kept: Option<String>,
}

/// How a migration is planned and finished.
#[derive(Debug, Clone, Copy)]
pub struct MigrationOptions {
    pub mode: PlanMode,
    /// Run rustfmt on what the plan writes (`--no-format` turns it off).
    pub format: bool,
    /// Add the `Cargo.lock` change of the whole plan (`patch` makes one per slice instead).
    pub lock: bool,
}

impl Analysis {
    /// Loads the configuration, discovers the workspace and scans it with the tiers wanted.
    pub fn new(inputs: &Inputs<'_>) -> Result<Analysis> {
        let mut analysis = Analysis::discover(inputs)?;
        analysis.scan(inputs.path, inputs.syntax_only, inputs.progress);
        Ok(analysis)
    }

    /// Loads the configuration and discovers the workspace; nothing is scanned yet.
    pub fn discover(inputs: &Inputs<'_>) -> Result<Analysis> {
        let config = load_config(inputs)?;
        let filter = FileFilter::new(&config.include, &config.exclude)?;
        let workspace = discover::discover(inputs.path, &filter)?;
        Ok(Analysis {
            loaded: config.clone(),
            config,
            workspace,
            result: ScanResult::default(),
            sources: Sources::new(),
            semantic: None,
            globs: Default::default(),
            options: MigrationOptions { mode: PlanMode::Migrate, format: false, lock: false },
            formatting: FormatReport::default(),
            lock_not_updated: None,
            lock_kept: None,
        })
    }

    /// Scans the workspace (again) with the tiers wanted, reading the texts of
    /// `workspace.overlay` instead of those files on disk. `path` is what was discovered.
    pub fn scan(&mut self, path: &Path, syntax_only: bool, progress: &dyn Progress) {
        // The tiers add wrapper callers to the configuration: start from what was loaded.
        let mut config = self.loaded.clone();
        let (result, semantic) = scan_tiers(path, &self.workspace, &mut config, syntax_only, progress);
        self.config = config;
        self.result = result;
        self.semantic = semantic;
    }

    /// Reads what the rewrite of `sites` needs (the overlay's texts first) and
    /// plans it, finished as `options` say; the problems are those of the
    /// reading and of the scan.
    pub fn plan(&mut self, sites: &[SpawnSite]) -> (Plan, Vec<FileProblem>) {
        let wanted = rewrite::wanted_files(&self.workspace, sites, &self.config);
        let (mut sources, mut problems) = discover::read_existing(&wanted);
        for path in &wanted {
            if let Some(text) = self.workspace.overlay.get(path) {
                sources.insert(path.clone(), text.clone());
            }
        }
        self.globs = match &self.semantic {
            Some(findings) => crate::semantic::merge::glob_exports(&self.workspace, findings),
            None => Default::default(),
        };
        self.sources = sources;
        let plan = make_plan(self, sites);
        problems.extend(self.result.problems.iter().cloned());
        (plan, problems)
    }
}

/// Scans, reads what the rewrite needs, and plans it.
pub fn plan_migration(
    inputs: &Inputs<'_>,
    options: MigrationOptions,
) -> Result<(Analysis, Plan, Vec<FileProblem>)> {
    plan_migration_with(inputs, options, None)
}

/// As `plan_migration`, with the helper crate `init --helper-crate` asks for.
pub fn plan_migration_with(
    inputs: &Inputs<'_>,
    options: MigrationOptions,
    helper_crate: Option<&Path>,
) -> Result<(Analysis, Plan, Vec<FileProblem>)> {
    let mut analysis = Analysis::new(inputs)?;
    analysis.options = options;
    if let Some(relative) = helper_crate {
        analysis.config.helper_crate = Some(relative.to_path_buf());
    }
    let sites = analysis.result.sites.clone();
    let (plan, problems) = analysis.plan(&sites);
    Ok((analysis, plan, problems))
}

/// Plans the migration of `sites` and finishes it the way the project's CI
/// wants it (formatted); `apply --verify` calls it again for each round.
pub fn make_plan(analysis: &mut Analysis, sites: &[SpawnSite]) -> Plan {
    let mut plan = rewrite::plan(
        &analysis.workspace,
        sites,
        &analysis.config,
        &analysis.sources,
        analysis.options.mode,
        &analysis.globs,
    );
    if analysis.options.format {
        let workspace = &analysis.workspace;
        analysis.formatting =
            format::format_changes(&mut plan.changes, &|change| edition_of(workspace, change));
    }
    if !analysis.options.lock {
        return plan;
    }
    analysis.lock_not_updated = None;
    analysis.lock_kept = None;
    match lock_change(&analysis.workspace, &plan.changes) {
        Ok(Some(lock)) => {
            plan.changes.push(lock);
            plan.changes.sort_by(|a, b| a.display.cmp(&b.display));
        }
        Ok(None) if plan.changes.iter().any(|change| change.path.ends_with("Cargo.toml")) => {
            let lock = std::fs::read_to_string(analysis.workspace.root.join("Cargo.lock"));
            analysis.lock_kept = lock.ok().map(|lock| crate::lockfile::lock_audit_line(&lock, &lock));
        }
        Ok(None) => {}
        Err(why) => analysis.lock_not_updated = Some(why),
    }
    plan
}

/// The `Cargo.lock` change that the manifest edits among `changes` need, as
/// cargo makes it (see `lockfile`); `None` when no manifest changes or the
/// workspace keeps no lock file.
pub fn lock_change(workspace: &Workspace, changes: &[FileChange]) -> Result<Option<FileChange>, String> {
    if !changes.iter().any(|change| change.path.file_name().is_some_and(|n| n == "Cargo.toml")) {
        return Ok(None);
    }
    // cargo runs in a scratch copy that mirrors absolute paths.
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = absolute(&workspace.root);
    let lock_path = workspace.root.join("Cargo.lock");
    // Texts held in memory (an editor's unsaved buffers) stand for the files.
    let read = |path: &Path| match workspace.overlay.get(path) {
        Some(text) => Ok(text.clone()),
        None => std::fs::read_to_string(path),
    };
    let Ok(lock) = read(&lock_path) else {
        // A lock above the scanned folder belongs to a larger workspace that corral did not read.
        return match workspace.root.ancestors().skip(1).find(|dir| dir.join("Cargo.lock").is_file()) {
            Some(dir) => Err(format!(
                "{} belongs to a workspace larger than the scanned folder",
                dir.join("Cargo.lock").display()
            )),
            None => Ok(None),
        };
    };
    let root_manifest = workspace.root.join("Cargo.toml");
    let mut manifest_paths: Vec<PathBuf> =
        workspace.packages.iter().map(|p| p.manifest_path.clone()).collect();
    manifest_paths.push(root_manifest.clone());
    manifest_paths.sort();
    manifest_paths.dedup();
    let mut manifests = Vec::new();
    for path in manifest_paths {
        let text = match changes.iter().find(|change| change.path == path) {
            Some(change) => change.new_text.clone(),
            None => match read(&path) {
                Ok(text) => text,
                Err(_) if path == root_manifest => continue,
                Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
            },
        };
        manifests.push((absolute(&path), text));
    }
    let mut target_roots: Vec<_> =
        workspace.packages.iter().flat_map(|p| p.targets.iter().map(|t| absolute(&t.root))).collect();
    // A crate the plan creates (the shared helper crate): its manifest and library.
    for change in changes.iter().filter(|c| c.original.is_none() && c.path.ends_with("Cargo.toml")) {
        manifests.push((absolute(&change.path), change.new_text.clone()));
        if let Some(dir) = change.path.parent() {
            target_roots.push(absolute(&dir.join("src").join("lib.rs")));
        }
    }
    let input = LockInput { root: &root, lock: &lock, manifests: &manifests, target_roots: &target_roots };
    match updated_lock(&input).map_err(|error| error.to_string())? {
        LockOutcome::Unchanged => Ok(None),
        LockOutcome::Updated(new_text) => Ok(Some(FileChange {
            path: lock_path,
            display: "Cargo.lock".to_string(),
            original: Some(lock),
            new_text,
            package: None,
        })),
    }
}

/// The edition a changed file is compiled with: its own, or its package's for a new file.
fn edition_of(workspace: &Workspace, change: &FileChange) -> discover::Edition {
    workspace
        .files
        .iter()
        .find(|file| file.path == change.path)
        .map(|file| file.edition)
        .or_else(|| {
            let package = workspace.packages.iter().find(|p| Some(&p.name) == change.package.as_ref())?;
            Some(package.lib().map_or(package.edition, |lib| lib.edition))
        })
        .unwrap_or_default()
}

/// The configuration: an explicit `--config`, else what PATH's root holds; flags win.
fn load_config(inputs: &Inputs<'_>) -> Result<Config> {
    let mut config = match inputs.config {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            config::parse_str(&text, file)?
        }
        None => config::load(config_root(inputs.path))?,
    };
    if inputs.include_tests {
        config.include_tests = true;
    }
    Ok(config)
}

/// Where the configuration lives: PATH itself, or a single file's folder.
fn config_root(path: &Path) -> &Path {
    if path.is_file() {
        path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    } else {
        path
    }
}
