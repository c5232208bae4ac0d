//! Turns parsed arguments into a configuration and runs the pipeline.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::Outcome;
use super::args::{Args, Command, FormatChoice, ScanArgs};
use crate::config::{self, Config};
use crate::discover::{self, FileFilter};
use crate::render::{self, Format, Report};
use crate::scan::scan;

pub fn run(args: &Args, color: bool, out: &mut impl Write) -> Result<Outcome> {
    match &args.command {
        Command::Check(scan_args) => check_or_list(scan_args, render::Command::Check, color, out),
        Command::List(scan_args) => check_or_list(scan_args, render::Command::List, color, out),
    }
}

fn check_or_list(
    args: &ScanArgs,
    command: render::Command,
    color: bool,
    out: &mut impl Write,
) -> Result<Outcome> {
    let config = load_config(args)?;
    let filter = FileFilter::new(&config.include, &config.exclude)?;
    let workspace = discover::discover(&args.path, &filter)?;
    let result = scan(&workspace, &config);
    let root = args.path.to_string_lossy();
    let report = Report {
        command,
        root: &root,
        sites: &result.sites,
        problems: &result.problems,
        marker: &config.marker,
    };
    render::render(&report, format(args.format), color, out).context("cannot write the report")?;
    Ok(if !result.problems.is_empty() {
        Outcome::Errors
    } else if command == render::Command::Check && result.sites.iter().any(|s| s.verdict.is_finding()) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// The configuration: an explicit `--config`, else what PATH's root holds; flags win.
fn load_config(args: &ScanArgs) -> Result<Config> {
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
