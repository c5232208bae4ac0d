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
    Check(CheckArgs),
    /// List every spawn site with its verdict, and an audit summary per crate.
    List(ScanArgs),
    /// Print the whole migration as a unified diff (`git apply` takes it); change nothing.
    Diff(DiffArgs),
    /// Rewrite every bare spawn into a tracked spawn, in place.
    Apply(ApplyArgs),
    /// Write the global helper module (and its dependency) into each crate that needs it.
    Init(InitArgs),
    /// Write the migration as `git am`-able patches, one per slice, plus a manifest.
    Patch(PatchArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout.
    Man,
    /// Run the language server on stdio (diagnostics for bare spawns).
    Lsp,
}

/// `completions`' one argument: the shell to write the script for.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell that loads the script.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct PatchArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// Leave the rewritten files as corral edits them, without running rustfmt on them.
    #[arg(long)]
    pub no_format: bool,

    /// Folder to write the patches and `manifest.json` into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// One patch per crate, folder, file, or CODEOWNERS owner set.
    #[arg(long, value_enum, default_value_t = SplitChoice::Crate)]
    pub split: SplitChoice,

    /// Only slices with a file changed since this git revision.
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,

    /// Subject template; placeholders: {slice} {converted} {exempt} {skipped} {number} {total}.
    #[arg(long, value_name = "TEMPLATE")]
    pub subject: Option<String>,

    /// Body template; also {sites} and {files} (one per line).
    #[arg(long, value_name = "TEMPLATE")]
    pub body: Option<String>,

    /// Patch author, `Name <email>` (default: git's user.name and user.email).
    #[arg(long, value_name = "AUTHOR")]
    pub author: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitChoice {
    Crate,
    Dir,
    File,
    Owners,
}

/// Where to work and how to read it: shared by every command.
#[derive(Debug, clap::Args)]
pub struct WorkspaceArgs {
    /// Workspace root, crate, folder or single `.rs` file.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Include test code (`#[cfg(test)]`, `#[test]` functions, `tests/`, `benches/`).
    #[arg(long)]
    pub include_tests: bool,

    /// Read this configuration file instead of `corral.toml` / Cargo metadata at PATH.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Skip the semantic tier (the workspace loaded with rust-analyzer's name
    /// resolution and types): the syntax tier alone, which is faster and needs no cargo.
    #[arg(long, env = "CORRAL_SYNTAX_ONLY", value_parser = clap::builder::BoolishValueParser::new())]
    pub syntax_only: bool,
}

impl WorkspaceArgs {
    /// What the analysis starts from.
    pub fn inputs(&self) -> crate::analysis::Inputs<'_> {
        crate::analysis::Inputs {
            path: &self.path,
            include_tests: self.include_tests,
            config: self.config.as_deref(),
            syntax_only: self.syntax_only,
            progress: &super::progress::TERMINAL,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// Print a per-file summary of added and removed lines instead of the diff.
    #[arg(long)]
    pub stat: bool,

    /// Exit with 1 when there are changes (like `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,

    /// Leave the rewritten files as corral edits them, without running rustfmt on them.
    #[arg(long)]
    pub no_format: bool,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// Rewrite files that have uncommitted changes in git too.
    #[arg(long)]
    pub allow_dirty: bool,

    /// Run `cargo check --workspace --all-targets` before and after, and revert every
    /// site whose rewrite added a compiler error (reported as needing a hand).
    #[arg(long)]
    pub verify: bool,

    /// The command `--verify` runs instead (implies `--verify`), e.g. "cargo clippy --all-targets".
    #[arg(long, value_name = "COMMAND")]
    pub verify_cmd: Option<String>,

    /// Leave the rewritten files as corral edits them, without running rustfmt on them.
    #[arg(long)]
    pub no_format: bool,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// Create this member crate (relative to the workspace root) to hold the one
    /// helper of the whole workspace, and set `helper-crate` in `corral.toml`.
    #[arg(long, value_name = "PATH")]
    pub helper_crate: Option<PathBuf>,

    /// Leave the rewritten files as corral edits them, without running rustfmt on them.
    #[arg(long)]
    pub no_format: bool,
}

/// `check`'s options: the report's, and which findings fail the gate.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Only gate these files (a pre-commit hook passes the staged ones); the
    /// workspace at PATH is still read whole to resolve names.
    #[arg(value_name = "FILE", num_args = 0.., trailing_var_arg = false)]
    pub files: Vec<PathBuf>,

    /// Only report findings on lines added or changed since this git revision
    /// (the work tree against REV, untracked files included, renames followed).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,

    /// Only report findings that are not in this baseline file (see `--write-baseline`);
    /// also config key `baseline`.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Write every finding of today to FILE as the baseline, and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["since", "files"])]
    pub write_baseline: Option<PathBuf>,
}

/// Options of the commands that report sites.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatChoice::Human)]
    pub format: FormatChoice,

    /// After the report, list where the syntax and semantic tiers disagree, site by site.
    #[arg(long)]
    pub tiers: bool,
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
