//! Turns parsed arguments into a configuration and runs the pipeline.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::args::{
    ApplyArgs, Args, CheckArgs, Command, DiffArgs, FormatChoice, InitArgs, PatchArgs, ScanArgs, SplitChoice,
    WorkspaceArgs,
};
use super::{Outcome, shell};
use crate::apply::{self, WriteResult, write_changes};
use crate::codeowners::{self, CodeOwners};
use crate::config::{self, Config};
use crate::discover::{self, FileFilter, Workspace};
use crate::format::{self, FormatReport};
use crate::gate::baseline::Baseline;
use crate::gate::{self, Gate, LeftOut};
use crate::git::{self, dirty_files};
use crate::lockfile::{LockInput, LockOutcome, UPDATE_BY_HAND, lock_diff_summary, updated_lock};
use crate::patch;
use crate::render::diff::diff_path;
use crate::render::diff::{write_diff, write_stat};
use crate::render::patch::{PatchHeader, format_patch};
use crate::render::{self, Format, Report};
use crate::rewrite::FileChange;
use crate::rewrite::{self, Conversion, Plan, PlanMode, Sources};
use crate::scan::ScanResult;
use crate::sites::model::{FileProblem, SpawnSite, Verdict};

pub fn run(args: &Args, color: bool, out: &mut impl Write) -> Result<Outcome> {
    match &args.command {
        Command::Check(check_args) => check(check_args, color, out),
        Command::List(scan_args) => list(scan_args, color, out),
        Command::Diff(diff_args) => diff(diff_args, color, out),
        Command::Apply(apply_args) => apply(apply_args, out),
        Command::Init(init_args) => init(init_args, out),
        Command::Patch(patch_args) => patch(patch_args, out),
        Command::Completions(completions_args) => shell::completions(completions_args.shell, out),
        Command::Man => shell::man(out),
    }
}

fn patch(args: &PatchArgs, out: &mut impl Write) -> Result<Outcome> {
    // Each slice carries the lock change its own manifest edits need (below),
    // so that its patch alone on the base builds with `--locked`: no lock for the whole plan.
    let options = MigrationOptions { mode: PlanMode::Migrate, format: !args.no_format, lock: false };
    let (mut scanned, plan, problems) = plan_migration(&args.workspace, options)?;
    let root = args.workspace.path.to_string_lossy();
    let root_dir = &scanned.workspace.root;
    // Patches name files as the repository does, so that `git am` at its top applies them.
    let top = git::toplevel(if root_dir.is_dir() { root_dir } else { root_dir.parent().unwrap_or(root_dir) });
    let repo_path = |change: &FileChange| -> String {
        let absolute = std::path::absolute(&change.path).unwrap_or_else(|_| change.path.clone());
        match top.as_ref().and_then(|top| absolute.strip_prefix(top).ok()) {
            Some(relative) => slash(relative),
            None => diff_path(&root, change),
        }
    };
    let owners = CodeOwners::parse(
        &codeowners::LOCATIONS
            .iter()
            .find_map(|location| {
                std::fs::read_to_string(top.as_deref().unwrap_or(root_dir).join(location)).ok()
            })
            .unwrap_or_default(),
    );
    let mut slices = patch::slices(&plan, &scanned.result.sites, split(args.split), &owners, &repo_path);
    if let Some(rev) = &args.since {
        let changed = git::changed_since(root_dir, rev).map_err(anyhow::Error::msg)?;
        let changed: Vec<_> =
            changed.iter().map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())).collect();
        slices.retain(|slice| {
            slice
                .changes
                .iter()
                .any(|c| changed.contains(&std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())))
        });
    }
    let mut lock_not_updated = None;
    for slice in &mut slices {
        match lock_change(&scanned.workspace, &slice.changes) {
            Ok(Some(lock)) => {
                slice.changes.push(lock);
                slice.changes.sort_by(|a, b| a.display.cmp(&b.display));
            }
            Ok(None) => {}
            Err(why) => lock_not_updated = Some(why),
        }
    }
    let templates = patch::Templates {
        subject: args.subject.clone().unwrap_or_else(|| patch::Templates::default().subject),
        body: args.body.clone().unwrap_or_else(|| patch::Templates::default().body),
    };
    let author = args
        .author
        .clone()
        .or_else(|| git::identity(root_dir))
        .unwrap_or_else(|| "corral <corral@localhost>".into());
    let date = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let shown = |display: &str| render::shown_path(&root, display);
    let total = slices.len();
    let mut manifest = Vec::new();
    for (index, slice) in slices.iter().enumerate() {
        let number = index + 1;
        let (subject, body) = patch::message(&templates, slice, number, total, &shown);
        let header = PatchHeader { author: &author, date, number, total, subject: &subject, body: &body };
        let text = format_patch(&header, &slice.changes, &repo_path)?;
        let file = format!("{number:04}-{}.patch", file_slug(&subject));
        apply::write_output(&args.out.join(&file), &text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.out.join(&file).display()))?;
        writeln!(out, "wrote {}", args.out.join(&file).display())?;
        manifest.push(patch::ManifestEntry {
            file,
            slice: slice.name.clone(),
            files: slice.changes.iter().map(&repo_path).collect(),
            sites: slice.outcomes.iter().map(|o| patch::ManifestSite::new(o, &shown)).collect(),
            converted: slice.converted(),
            exempt: slice.exempt,
            skipped: slice.left(),
            branch: patch::branch_name(&slice.name),
            title: subject,
            body,
        });
    }
    let document = serde_json::json!({ "version": 1, "split": format!("{:?}", args.split).to_lowercase(), "patches": manifest });
    let manifest_path = args.out.join("manifest.json");
    apply::write_output(&manifest_path, &(serde_json::to_string_pretty(&document)? + "\n"))
        .map_err(|e| anyhow::anyhow!("{}: {e}", manifest_path.display()))?;
    writeln!(out, "wrote {}", manifest_path.display())?;
    scanned.lock_not_updated = lock_not_updated;
    write_audit(&root, &scanned, &plan, out)?;
    report_problems(&root, &problems);
    Ok(if problems.is_empty() { Outcome::Clean } else { Outcome::Errors })
}

fn split(choice: SplitChoice) -> patch::Split {
    match choice {
        SplitChoice::Crate => patch::Split::Crate,
        SplitChoice::Dir => patch::Split::Dir,
        SplitChoice::File => patch::Split::File,
        SplitChoice::Owners => patch::Split::Owners,
    }
}

/// `git format-patch`'s file name from a subject.
fn file_slug(subject: &str) -> String {
    let mut slug = String::new();
    for c in subject.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').chars().take(52).collect::<String>().trim_end_matches('-').to_string()
}

fn slash(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The configuration, the discovered workspace and its sites.
pub(super) struct Scanned {
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
}

/// How a migration is planned and finished.
#[derive(Debug, Clone, Copy)]
pub(super) struct MigrationOptions {
    pub mode: PlanMode,
    /// Run rustfmt on what the plan writes (`--no-format` turns it off).
    pub format: bool,
    /// Add the `Cargo.lock` change of the whole plan (`patch` makes one per slice instead).
    pub lock: bool,
}

fn scan_workspace(args: &WorkspaceArgs) -> Result<Scanned> {
    let mut config = load_config(args)?;
    let filter = FileFilter::new(&config.include, &config.exclude)?;
    let workspace = discover::discover(&args.path, &filter)?;
    let (result, semantic) =
        super::semantic::scan_tiers(&args.path, &workspace, &mut config, args.syntax_only);
    Ok(Scanned {
        config,
        workspace,
        result,
        sources: Sources::new(),
        semantic,
        globs: Default::default(),
        options: MigrationOptions { mode: PlanMode::Migrate, format: false, lock: false },
        formatting: FormatReport::default(),
        lock_not_updated: None,
    })
}

fn list(args: &ScanArgs, color: bool, out: &mut impl Write) -> Result<Outcome> {
    let scanned = scan_workspace(&args.workspace)?;
    report(args, render::Command::List, &scanned, &scanned.result.sites, &LeftOut::default(), color, out)
}

/// The gate: every finding, or those `--since`, the baseline and the named
/// files keep; or, with `--write-baseline`, today's findings into a file.
fn check(args: &CheckArgs, color: bool, out: &mut impl Write) -> Result<Outcome> {
    let scanned = scan_workspace(&args.scan.workspace)?;
    let root = args.scan.workspace.path.to_string_lossy();
    if let Some(file) = &args.write_baseline {
        let baseline = Baseline::new(gate::baseline_entries(&scanned.result.sites));
        apply::write_output(file, &baseline.to_text()).map_err(anyhow::Error::msg)?;
        writeln!(
            out,
            "wrote {} with {}",
            file.display(),
            if baseline.findings.len() == 1 {
                "1 finding".to_string()
            } else {
                format!("{} findings", baseline.findings.len())
            }
        )?;
        report_problems(&root, &scanned.result.problems);
        return Ok(if scanned.result.problems.is_empty() { Outcome::Clean } else { Outcome::Errors });
    }
    let baseline = match args.baseline.as_ref().or(scanned.config.baseline.as_ref()) {
        Some(file) => {
            let text = std::fs::read_to_string(file).with_context(|| {
                format!("cannot read the baseline {} (write it with --write-baseline)", file.display())
            })?;
            Some(Baseline::parse(&text).map_err(|why| anyhow::anyhow!("{}: {why}", file.display()))?)
        }
        None => None,
    };
    let canonical = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let files: Vec<PathBuf> = args.files.iter().map(|file| canonical(file)).collect();
    let in_files = |shown: &str| files.contains(&canonical(Path::new(shown)));
    let changed = match &args.since {
        Some(rev) => Some(git::changed_lines(&scanned.workspace.root, rev).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let top = changed.as_ref().map(|(top, _)| canonical(top));
    let was_changed = |shown: &str, line: u32| {
        let (Some(top), Some((_, lines))) = (&top, &changed) else { return true };
        canonical(Path::new(shown)).strip_prefix(top).is_ok_and(|relative| lines.contains(relative, line))
    };
    let gate = Gate {
        files: (!args.files.is_empty()).then_some(&in_files as &dyn Fn(&str) -> bool),
        since: args.since.as_deref().map(|rev| (rev, &was_changed as &dyn Fn(&str, u32) -> bool)),
        baseline: baseline.as_ref(),
    };
    let (sites, left_out) = gate::apply(&root, scanned.result.sites.clone(), &gate);
    report(&args.scan, render::Command::Check, &scanned, &sites, &left_out, color, out)
}

/// Prints `sites` as `command` shows them and decides the outcome.
fn report(
    args: &ScanArgs,
    command: render::Command,
    scanned: &Scanned,
    sites: &[SpawnSite],
    left_out: &LeftOut,
    color: bool,
    out: &mut impl Write,
) -> Result<Outcome> {
    let Scanned { config, result, workspace, semantic, .. } = scanned;
    let root = args.workspace.path.to_string_lossy();
    let report =
        Report { command, root: &root, sites, problems: &result.problems, marker: &config.marker, left_out };
    render::render(&report, format(args.format), color, out).context("cannot write the report")?;
    if args.tiers {
        super::semantic::write_tiers(&root, workspace, config, semantic.as_ref(), out)?;
    }
    report_problems(&root, &result.problems);
    Ok(if !result.problems.is_empty() {
        Outcome::Errors
    } else if command == render::Command::Check && sites.iter().any(|s| s.verdict.is_finding()) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Scans, reads what the rewrite needs, and plans it.
fn plan_migration(
    args: &WorkspaceArgs,
    options: MigrationOptions,
) -> Result<(Scanned, Plan, Vec<FileProblem>)> {
    plan_migration_with(args, options, None)
}

/// As `plan_migration`, with the helper crate `init --helper-crate` asks for.
fn plan_migration_with(
    args: &WorkspaceArgs,
    options: MigrationOptions,
    helper_crate: Option<&Path>,
) -> Result<(Scanned, Plan, Vec<FileProblem>)> {
    let mut scanned = scan_workspace(args)?;
    scanned.options = options;
    if let Some(relative) = helper_crate {
        scanned.config.helper_crate = Some(relative.to_path_buf());
    }
    let wanted = rewrite::wanted_files(&scanned.workspace, &scanned.result.sites, &scanned.config);
    let (sources, mut problems) = discover::read_existing(&wanted);
    if let Some(findings) = &scanned.semantic {
        scanned.globs = crate::semantic::merge::glob_exports(&scanned.workspace, findings);
    }
    scanned.sources = sources;
    let sites = scanned.result.sites.clone();
    let plan = make_plan(&mut scanned, &sites);
    problems.extend(scanned.result.problems.iter().cloned());
    Ok((scanned, plan, problems))
}

/// Plans the migration of `sites` and finishes it the way the project's CI
/// wants it (formatted); `apply --verify` calls it again for each round.
pub(super) fn make_plan(scanned: &mut Scanned, sites: &[SpawnSite]) -> Plan {
    let mut plan = rewrite::plan(
        &scanned.workspace,
        sites,
        &scanned.config,
        &scanned.sources,
        scanned.options.mode,
        &scanned.globs,
    );
    if scanned.options.format {
        let workspace = &scanned.workspace;
        scanned.formatting =
            format::format_changes(&mut plan.changes, &|change| edition_of(workspace, change));
    }
    if !scanned.options.lock {
        return plan;
    }
    scanned.lock_not_updated = None;
    match lock_change(&scanned.workspace, &plan.changes) {
        Ok(Some(lock)) => {
            plan.changes.push(lock);
            plan.changes.sort_by(|a, b| a.display.cmp(&b.display));
        }
        Ok(None) => {}
        Err(why) => scanned.lock_not_updated = Some(why),
    }
    plan
}

/// The `Cargo.lock` change that the manifest edits among `changes` need, as
/// cargo makes it (see `lockfile`); `None` when no manifest changes or the
/// workspace keeps no lock file.
pub(super) fn lock_change(
    workspace: &Workspace,
    changes: &[FileChange],
) -> Result<Option<FileChange>, String> {
    if !changes.iter().any(|change| change.path.file_name().is_some_and(|n| n == "Cargo.toml")) {
        return Ok(None);
    }
    // cargo runs in a scratch copy that mirrors absolute paths.
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = absolute(&workspace.root);
    let lock_path = workspace.root.join("Cargo.lock");
    let Ok(lock) = std::fs::read_to_string(&lock_path) else {
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
            None => match std::fs::read_to_string(&path) {
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

fn diff(args: &DiffArgs, color: bool, out: &mut impl Write) -> Result<Outcome> {
    let options = MigrationOptions { mode: PlanMode::Migrate, format: !args.no_format, lock: true };
    let (scanned, plan, problems) = plan_migration(&args.workspace, options)?;
    let root = args.workspace.path.to_string_lossy();
    if args.stat {
        write_stat(&root, &plan.changes, color, out)?;
    } else {
        write_diff(&root, &plan.changes, color, out)?;
    }
    out.flush()?;
    // The patch goes to stdout untouched; the audit goes beside it.
    let mut audit = Vec::new();
    write_audit(&root, &scanned, &plan, &mut audit)?;
    eprint!("{}", String::from_utf8_lossy(&audit));
    report_problems(&root, &problems);
    Ok(if !problems.is_empty() {
        Outcome::Errors
    } else if args.exit_code && !plan.changes.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn apply(args: &ApplyArgs, out: &mut impl Write) -> Result<Outcome> {
    let options = MigrationOptions { mode: PlanMode::Migrate, format: !args.no_format, lock: true };
    let (scanned, plan, problems) = plan_migration(&args.workspace, options)?;
    if args.verify || args.verify_cmd.is_some() {
        refuse_dirty(&scanned, &plan, args.allow_dirty)?;
        return super::verify::apply_verified(args, scanned, plan, &problems, out);
    }
    write_plan(&args.workspace, args.allow_dirty, &scanned, &plan, &problems, out)
}

/// `apply` refuses files with uncommitted changes unless asked, as `cargo fix` does.
fn refuse_dirty(scanned: &Scanned, plan: &Plan, allow_dirty: bool) -> Result<()> {
    if allow_dirty {
        return Ok(());
    }
    let touched: Vec<_> =
        plan.changes.iter().filter(|c| c.original.is_some()).map(|c| c.path.clone()).collect();
    let dirty = dirty_files(&scanned.workspace.root, &touched);
    if !dirty.is_empty() {
        let list: Vec<String> = dirty.iter().map(|p| format!("  {}", p.display())).collect();
        bail!(
            "refusing to rewrite files with uncommitted changes (commit or stash them, or pass --allow-dirty):\n{}",
            list.join("\n")
        );
    }
    Ok(())
}

fn init(args: &InitArgs, out: &mut impl Write) -> Result<Outcome> {
    let options = MigrationOptions { mode: PlanMode::HelpersOnly, format: !args.no_format, lock: true };
    let (scanned, mut plan, problems) =
        plan_migration_with(&args.workspace, options, args.helper_crate.as_deref())?;
    if let Some(relative) = &args.helper_crate {
        plan.changes.extend(remember_helper_crate(&scanned, relative)?);
    }
    write_plan(&args.workspace, true, &scanned, &plan, &problems, out)
}

/// `helper-crate = "PATH"` in `corral.toml` (created when missing), so that
/// later runs of `apply` use the crate `init --helper-crate` made.
fn remember_helper_crate(scanned: &Scanned, relative: &Path) -> Result<Option<FileChange>> {
    let path = match &scanned.config.source {
        Some(source) if source.file_name().is_some_and(|name| name == "Cargo.toml") => {
            bail!(
                "the configuration is in {}: add `helper-crate = \"{}\"` to its corral table by hand",
                source.display(),
                slash(relative)
            )
        }
        Some(source) => source.clone(),
        None => scanned.workspace.root.join("corral.toml"),
    };
    let original = std::fs::read_to_string(&path).ok();
    let mut document: toml_edit::DocumentMut = original
        .as_deref()
        .unwrap_or_default()
        .parse()
        .with_context(|| format!("cannot parse {}", path.display()))?;
    if document.get("helper-crate").and_then(|item| item.as_str()) == Some(slash(relative).as_str()) {
        return Ok(None);
    }
    document["helper-crate"] = toml_edit::value(slash(relative));
    let display =
        path.strip_prefix(&scanned.workspace.root).map_or_else(|_| path.display().to_string(), slash);
    Ok(Some(FileChange { path, display, original, new_text: document.to_string(), package: None }))
}

fn write_plan(
    args: &WorkspaceArgs,
    allow_dirty: bool,
    scanned: &Scanned,
    plan: &Plan,
    problems: &[FileProblem],
    out: &mut impl Write,
) -> Result<Outcome> {
    let root = args.path.to_string_lossy();
    refuse_dirty(scanned, plan, allow_dirty)?;
    let results = write_changes(&plan.changes);
    let mut refused = false;
    for (display, result) in &results {
        match result {
            WriteResult::Written => writeln!(out, "wrote {}", render::shown_path(&root, display))?,
            WriteResult::Refused(reason) => {
                refused = true;
                eprintln!("error: {}: not written: {reason}", render::shown_path(&root, display));
            }
        }
    }
    write_audit(&root, scanned, plan, out)?;
    report_problems(&root, problems);
    Ok(if refused || !problems.is_empty() { Outcome::Errors } else { Outcome::Clean })
}

/// The closing audit: what was converted, exempt, skipped, and why.
pub(super) fn write_audit(
    root: &str,
    scanned: &Scanned,
    plan: &Plan,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let own = plan.outcomes.iter().filter(|o| o.result == Ok(Conversion::OwnTracker)).count();
    let global = plan.outcomes.iter().filter(|o| o.result == Ok(Conversion::GlobalHelper)).count();
    let sites = &scanned.result.sites;
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
    write_formatting(root, &scanned.formatting, out)?;
    let lock_path = scanned.workspace.root.join("Cargo.lock");
    if let Some(lock) = plan.changes.iter().find(|change| change.path == lock_path) {
        let moved = lock_diff_summary(lock.original.as_deref().unwrap_or(""), &lock.new_text);
        writeln!(out, "Cargo.lock, as cargo resolves the new dependencies: {}", moved.join(", "))?;
    }
    if let Some(why) = &scanned.lock_not_updated {
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
            writeln!(out, "  {}", render::shown_path(root, display))?;
        }
    }
    if !report.failed.is_empty() {
        writeln!(out, "not formatted, rustfmt failed on the rewritten text ({}):", report.failed.len())?;
        for (display, message) in &report.failed {
            writeln!(out, "  {}: {message}", render::shown_path(root, display))?;
        }
    }
    Ok(())
}

/// One site of an audit list: `  path:line:col  `written`: reason`.
pub(super) fn write_site_line(
    out: &mut impl Write,
    root: &str,
    site: &SpawnSite,
    reason: Option<&str>,
) -> std::io::Result<()> {
    let place = format!("{}:{}:{}", render::shown_path(root, &site.path), site.line, site.column);
    match reason {
        Some(reason) => writeln!(out, "  {place}  `{}`: {reason}", site.written_as),
        None => writeln!(out, "  {place}  `{}`", site.written_as),
    }
}

/// Files that could not be handled, on stderr, one line each.
pub(super) fn report_problems(root: &str, problems: &[FileProblem]) {
    for problem in problems {
        let path = problem.path.to_string_lossy();
        eprintln!("error: {}: {}", render::shown_path(root, &path), problem.message);
    }
}

/// The configuration: an explicit `--config`, else what PATH's root holds; flags win.
fn load_config(args: &WorkspaceArgs) -> Result<Config> {
    let mut config = match &args.config {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            config::parse_str(&text, file)?
        }
        None => config::load(config_root(&args.path))?,
    };
    if args.include_tests {
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

fn format(choice: FormatChoice) -> Format {
    match choice {
        FormatChoice::Human => Format::Human,
        FormatChoice::Json => Format::Json,
        FormatChoice::Github => Format::Github,
        FormatChoice::Sarif => Format::Sarif,
    }
}
