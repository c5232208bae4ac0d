//! What the user typed, as clap parses it; no validation beyond clap's own.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Round up bare task spawns: find them, gate CI on them, track them.
#[derive(Debug, Parser)]
#[command(name = "corral", version, about, long_about = None, propagate_version = true)]
pub struct Args {
    /// When to use colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List bare, un-exempted spawns; exit 1 when there are any (the CI gate).
    Check(ScanArgs),
    /// List every spawn site with its verdict, and an audit summary per crate.
    List(ScanArgs),
}

/// Options shared by the commands that scan a workspace.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Workspace root, crate, folder or single `.rs` file to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatChoice::Human)]
    pub format: FormatChoice,

    /// Report spawns in test code too (`#[cfg(test)]`, `#[test]` functions, `tests/`, `benches/`).
    #[arg(long)]
    pub include_tests: bool,

    /// Read this configuration file instead of `corral.toml` / Cargo metadata at PATH.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatChoice {
    /// rustc-style messages with the source line.
    Human,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow annotations.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
