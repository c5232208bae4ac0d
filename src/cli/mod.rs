//! The command line: arguments, the run, what is printed, and exit codes.
//!
//! Arguments are parsed in two steps, as ripgrep does: `args` holds what the
//! user typed (clap), `run` turns it into a configuration and calls the
//! pipeline. Exit codes are decided here and nowhere else: 0 nothing found,
//! 1 findings (or changes with `--exit-code`), 2 a usage, config or I/O error.

mod args;
mod progress;
mod run;
mod shell;
mod verify;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

pub use args::{Args, ColorChoice};

use crate::analysis::Analysis;
use crate::render::{self, audit};
use crate::rewrite::Plan;
use crate::sites::model::FileProblem;

/// What a run ended with, before it becomes an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report.
    Clean,
    /// `check` found bare spawns.
    Findings,
    /// Some input could not be handled; the rest of the run went on.
    Errors,
}

impl Outcome {
    fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::Errors => ExitCode::from(2),
        }
    }
}

/// Entry point of both binaries (`corral` and `cargo-corral`).
pub fn main() -> ExitCode {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `cargo corral check` runs `cargo-corral corral check`.
    if argv.get(1).is_some_and(|word| word == "corral") {
        argv.remove(1);
    }
    let args = match Args::try_parse_from(argv) {
        Ok(args) => args,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let color = use_color(args.color, io::stdout().is_terminal());
    if matches!(args.command, args::Command::Lsp) {
        // The server writes stdout from its own thread: no lock may be held on it here.
        return match crate::lsp::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(2)
            }
        };
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match run::run(&args, color, &mut out) {
        Ok(outcome) => {
            let _ = out.flush();
            outcome.exit_code()
        }
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Colour only on a terminal, unless asked; `NO_COLOR` turns `auto` off.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

/// The closing audit of a plan made from `analysis`.
fn write_audit(root: &str, analysis: &Analysis, plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    let lock_path = analysis.workspace.root.join("Cargo.lock");
    let audit = audit::Audit {
        root,
        sites: &analysis.result.sites,
        plan,
        formatting: &analysis.formatting,
        lock_path: &lock_path,
        lock_not_updated: analysis.lock_not_updated.as_deref(),
        lock_kept: analysis.lock_kept.as_deref(),
    };
    audit::write_audit(&audit, out)
}

/// Files that could not be handled, on stderr, one line each.
fn report_problems(root: &str, problems: &[FileProblem]) {
    for problem in problems {
        let path = problem.path.to_string_lossy();
        eprintln!("error: {}: {}", render::shown_path(root, &path), problem.message);
    }
}
