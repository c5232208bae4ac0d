//! Turns parsed arguments into a configuration and runs the pipeline.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::args::{
    ApplyArgs, Args, CheckArgs, Command, DiffArgs, FormatChoice, InitArgs, PatchArgs, ScanArgs, SplitChoice,
    WorkspaceArgs,
};
use super::{Outcome, report_problems, shell, write_audit};
use crate::analysis::{Analysis, MigrationOptions, lock_change, plan_migration, plan_migration_with};
use crate::apply::{self, WriteResult, write_changes};
use crate::codeowners::{self, CodeOwners};
use crate::discover::slash;
use crate::gate::baseline::Baseline;
use crate::gate::{self, Gate, LeftOut};
use crate::git::{self, dirty_files};
use crate::patch;
use crate::render::diff::diff_path;
use crate::render::diff::{write_diff, write_stat};
use crate::render::patch::{PatchHeader, format_patch};
use crate::render::{self, Format, Report};
use crate::rewrite::{FileChange, Plan, PlanMode};
use crate::sites::model::{FileProblem, SpawnSite};

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
        Command::Lsp => crate::lsp::run().map(|()| Outcome::Clean),
    }
}

fn patch(args: &PatchArgs, out: &mut impl Write) -> Result<Outcome> {
    // Each slice carries the lock change its own manifest edits need (below),
    // so that its patch alone on the base builds with `--locked`: no lock for the whole plan.
    let options = MigrationOptions { mode: PlanMode::Migrate, format: !args.no_format, lock: false };
    let (mut analysis, plan, problems) = plan_migration(&args.workspace.inputs(), options)?;
    let root = args.workspace.path.to_string_lossy();
    let root_dir = &analysis.workspace.root;
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
    let mut slices = patch::slices(&plan, &analysis.result.sites, split(args.split), &owners, &repo_path);
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
        match lock_change(&analysis.workspace, &slice.changes) {
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
    analysis.lock_not_updated = lock_not_updated;
    write_audit(&root, &analysis, &plan, out)?;
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

fn list(args: &ScanArgs, color: bool, out: &mut impl Write) -> Result<Outcome> {
    let analysis = Analysis::new(&args.workspace.inputs())?;
    report(args, render::Command::List, &analysis, &analysis.result.sites, &LeftOut::default(), color, out)
}

/// The gate: every finding, or those `--since`, the baseline and the named
/// files keep; or, with `--write-baseline`, today's findings into a file.
fn check(args: &CheckArgs, color: bool, out: &mut impl Write) -> Result<Outcome> {
    let analysis = Analysis::new(&args.scan.workspace.inputs())?;
    let root = args.scan.workspace.path.to_string_lossy();
    if let Some(file) = &args.write_baseline {
        let baseline = Baseline::new(gate::baseline_entries(&analysis.result.sites));
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
        report_problems(&root, &analysis.result.problems);
        return Ok(if analysis.result.problems.is_empty() { Outcome::Clean } else { Outcome::Errors });
    }
    let baseline = match args.baseline.as_ref().or(analysis.config.baseline.as_ref()) {
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
    let shown = |path: &str| canonical(Path::new(&render::shown_path(&root, path)));
    let in_files = |path: &str| files.contains(&shown(path));
    let changed = match &args.since {
        Some(rev) => Some(git::changed_lines(&analysis.workspace.root, rev).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let top = changed.as_ref().map(|(top, _)| canonical(top));
    let was_changed = |path: &str, line: u32| {
        let (Some(top), Some((_, lines))) = (&top, &changed) else { return true };
        shown(path).strip_prefix(top).is_ok_and(|relative| lines.contains(relative, line))
    };
    let gate = Gate {
        files: (!args.files.is_empty()).then_some(&in_files as &dyn Fn(&str) -> bool),
        since: args.since.as_deref().map(|rev| (rev, &was_changed as &dyn Fn(&str, u32) -> bool)),
        baseline: baseline.as_ref(),
    };
    let (sites, left_out) = gate::apply(analysis.result.sites.clone(), &gate);
    report(&args.scan, render::Command::Check, &analysis, &sites, &left_out, color, out)
}

/// Prints `sites` as `command` shows them and decides the outcome.
fn report(
    args: &ScanArgs,
    command: render::Command,
    analysis: &Analysis,
    sites: &[SpawnSite],
    left_out: &LeftOut,
    color: bool,
    out: &mut impl Write,
) -> Result<Outcome> {
    let Analysis { config, result, workspace, semantic, .. } = analysis;
    let root = args.workspace.path.to_string_lossy();
    let report =
        Report { command, root: &root, sites, problems: &result.problems, marker: &config.marker, left_out };
    render::render(&report, format(args.format), color, out).context("cannot write the report")?;
    if args.tiers {
        render::tiers::write_tiers(&root, workspace, config, semantic.as_ref(), out)?;
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

fn diff(args: &DiffArgs, color: bool, out: &mut impl Write) -> Result<Outcome> {
    let options = MigrationOptions { mode: PlanMode::Migrate, format: !args.no_format, lock: true };
    let (analysis, plan, problems) = plan_migration(&args.workspace.inputs(), options)?;
    let root = args.workspace.path.to_string_lossy();
    if args.stat {
        write_stat(&root, &plan.changes, color, out)?;
    } else {
        write_diff(&root, &plan.changes, color, out)?;
    }
    out.flush()?;
    // The patch goes to stdout untouched; the audit goes beside it.
    let mut audit = Vec::new();
    write_audit(&root, &analysis, &plan, &mut audit)?;
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
    let (analysis, plan, problems) = plan_migration(&args.workspace.inputs(), options)?;
    if args.verify || args.verify_cmd.is_some() {
        refuse_dirty(&analysis, &plan, args.allow_dirty)?;
        return super::verify::apply_verified(args, analysis, plan, &problems, out);
    }
    write_plan(&args.workspace, args.allow_dirty, &analysis, &plan, &problems, out)
}

/// `apply` refuses files with uncommitted changes unless asked, as `cargo fix` does.
fn refuse_dirty(analysis: &Analysis, plan: &Plan, allow_dirty: bool) -> Result<()> {
    if allow_dirty {
        return Ok(());
    }
    let touched: Vec<_> =
        plan.changes.iter().filter(|c| c.original.is_some()).map(|c| c.path.clone()).collect();
    let dirty = dirty_files(&analysis.workspace.root, &touched);
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
    let (analysis, mut plan, problems) =
        plan_migration_with(&args.workspace.inputs(), options, args.helper_crate.as_deref())?;
    if let Some(relative) = &args.helper_crate {
        plan.changes.extend(remember_helper_crate(&analysis, relative)?);
    }
    write_plan(&args.workspace, true, &analysis, &plan, &problems, out)
}

/// `helper-crate = "PATH"` in `corral.toml` (created when missing), so that
/// later runs of `apply` use the crate `init --helper-crate` made.
fn remember_helper_crate(analysis: &Analysis, relative: &Path) -> Result<Option<FileChange>> {
    let path = match &analysis.config.source {
        Some(source) if source.file_name().is_some_and(|name| name == "Cargo.toml") => {
            bail!(
                "the configuration is in {}: add `helper-crate = \"{}\"` to its corral table by hand",
                source.display(),
                slash(relative)
            )
        }
        Some(source) => source.clone(),
        None => analysis.workspace.root.join("corral.toml"),
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
        path.strip_prefix(&analysis.workspace.root).map_or_else(|_| path.display().to_string(), slash);
    Ok(Some(FileChange { path, display, original, new_text: document.to_string(), package: None }))
}

fn write_plan(
    args: &WorkspaceArgs,
    allow_dirty: bool,
    analysis: &Analysis,
    plan: &Plan,
    problems: &[FileProblem],
    out: &mut impl Write,
) -> Result<Outcome> {
    let root = args.path.to_string_lossy();
    refuse_dirty(analysis, plan, allow_dirty)?;
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
    write_audit(&root, analysis, plan, out)?;
    report_problems(&root, problems);
    Ok(if refused || !problems.is_empty() { Outcome::Errors } else { Outcome::Clean })
}

fn format(choice: FormatChoice) -> Format {
    match choice {
        FormatChoice::Human => Format::Human,
        FormatChoice::Json => Format::Json,
        FormatChoice::Github => Format::Github,
        FormatChoice::Sarif => Format::Sarif,
    }
}
