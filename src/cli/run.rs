//! Turns parsed arguments into a configuration and runs the pipeline.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::Outcome;
use super::args::{
    ApplyArgs, Args, Command, DiffArgs, FormatChoice, PatchArgs, ScanArgs, SplitChoice, WorkspaceArgs,
};
use crate::apply::{self, WriteResult, write_changes};
use crate::codeowners::{self, CodeOwners};
use crate::config::{self, Config};
use crate::discover::{self, FileFilter, Workspace};
use crate::git::{self, dirty_files};
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
        Command::Check(scan_args) => check_or_list(scan_args, render::Command::Check, color, out),
        Command::List(scan_args) => check_or_list(scan_args, render::Command::List, color, out),
        Command::Diff(diff_args) => diff(diff_args, color, out),
        Command::Apply(apply_args) => apply(apply_args, out),
        Command::Init(workspace_args) => init(workspace_args, out),
        Command::Patch(patch_args) => patch(patch_args, out),
    }
}

fn patch(args: &PatchArgs, out: &mut impl Write) -> Result<Outcome> {
    let (scanned, plan, problems) = plan_migration(&args.workspace, PlanMode::Migrate)?;
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
}

fn scan_workspace(args: &WorkspaceArgs) -> Result<Scanned> {
    let mut config = load_config(args)?;
    let filter = FileFilter::new(&config.include, &config.exclude)?;
    let workspace = discover::discover(&args.path, &filter)?;
    let (result, semantic) =
        super::semantic::scan_tiers(&args.path, &workspace, &mut config, args.syntax_only);
    Ok(Scanned { config, workspace, result, sources: Sources::new(), semantic, globs: Default::default() })
}

fn check_or_list(
    args: &ScanArgs,
    command: render::Command,
    color: bool,
    out: &mut impl Write,
) -> Result<Outcome> {
    let Scanned { config, result, workspace, semantic, .. } = scan_workspace(&args.workspace)?;
    let root = args.workspace.path.to_string_lossy();
    let report = Report {
        command,
        root: &root,
        sites: &result.sites,
        problems: &result.problems,
        marker: &config.marker,
    };
    render::render(&report, format(args.format), color, out).context("cannot write the report")?;
    if args.tiers {
        super::semantic::write_tiers(&root, &workspace, &config, semantic.as_ref(), out)?;
    }
    report_problems(&root, &result.problems);
    Ok(if !result.problems.is_empty() {
        Outcome::Errors
    } else if command == render::Command::Check && result.sites.iter().any(|s| s.verdict.is_finding()) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Scans, reads what the rewrite needs, and plans it.
fn plan_migration(args: &WorkspaceArgs, mode: PlanMode) -> Result<(Scanned, Plan, Vec<FileProblem>)> {
    let mut scanned = scan_workspace(args)?;
    let wanted = rewrite::wanted_files(&scanned.workspace, &scanned.result.sites, &scanned.config);
    let (sources, mut problems) = discover::read_existing(&wanted);
    if let Some(findings) = &scanned.semantic {
        scanned.globs = crate::semantic::merge::glob_exports(&scanned.workspace, findings);
    }
    let plan = rewrite::plan(
        &scanned.workspace,
        &scanned.result.sites,
        &scanned.config,
        &sources,
        mode,
        &scanned.globs,
    );
    problems.extend(scanned.result.problems.iter().cloned());
    scanned.sources = sources;
    Ok((scanned, plan, problems))
}

fn diff(args: &DiffArgs, color: bool, out: &mut impl Write) -> Result<Outcome> {
    let (scanned, plan, problems) = plan_migration(&args.workspace, PlanMode::Migrate)?;
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
    let (scanned, plan, problems) = plan_migration(&args.workspace, PlanMode::Migrate)?;
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

fn init(args: &WorkspaceArgs, out: &mut impl Write) -> Result<Outcome> {
    let (scanned, plan, problems) = plan_migration(args, PlanMode::HelpersOnly)?;
    write_plan(args, true, &scanned, &plan, &problems, out)
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
    writeln!(
        out,
        "{} converted ({own} own tracker, {global} global helper){failed}, {} exempt, {} skipped, {} in test code, {} already tracked",
        own + global,
        count("exempt"),
        count("skipped"),
        count("test-code"),
        count("already-tracked"),
    )?;
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
