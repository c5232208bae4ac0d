//! `corral completions` and `corral man`: what a shell and `man` need, both
//! generated from the clap definition in `args`, so that they cannot drift from it.

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use super::Outcome;
use super::args::Args;

/// The name the scripts complete and the manual page documents.
const BIN: &str = "corral";

/// The DESCRIPTION of the manual page; `--help` keeps the one-line about.
const DESCRIPTION: &str = "corral rounds up bare task spawns in a Rust workspace. It finds every \
tokio::spawn, spawn_blocking, std::thread::spawn and the like, rewrites them into spawns tracked \
by a tokio_util::task::TaskTracker, and then keeps the gate closed so that no new bare spawn gets in.

Every command takes a PATH (default .): a workspace root, one crate, any folder, or a single .rs \
file. With a Cargo.toml, the member crates come from cargo metadata --no-deps. Files are walked \
with .gitignore honoured and target/ skipped.

The OPTIONS below go with every command; the section of each command lists its own.

corral is also installed as cargo-corral, so that cargo corral check works like corral check.";

/// Writes the completion script for `shell` to `out`.
pub(super) fn completions(shell: Shell, out: &mut impl Write) -> Result<Outcome> {
    // clap_complete panics when a write fails; write to memory first, so that
    // a closed pipe is an ordinary error.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Args::command(), BIN, &mut script);
    out.write_all(&script)?;
    Ok(Outcome::Clean)
}

/// Writes the manual page to `out`: the top command, then one section per
/// subcommand with its synopsis and options, then the exit status.
pub(super) fn man(out: &mut impl Write) -> Result<Outcome> {
    out.write_all(manual_page()?.as_bytes())?;
    Ok(Outcome::Clean)
}

fn manual_page() -> io::Result<String> {
    let mut command = Args::command().long_about(DESCRIPTION);
    // Each subcommand's section shows its own options only: taken before
    // `build` copies the global ones, `--help` and `--version` into every one.
    let subcommands: Vec<clap::Command> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .map(|sub| sub.clone().bin_name(format!("{BIN} {}", sub.get_name())).disable_help_flag(true))
        .collect();
    // `corral help` needs no section of its own; SYNOPSIS names the COMMANDS section.
    command = command.disable_help_subcommand(true).subcommand_value_name("COMMAND");
    command.build();
    let top = Man::new(command.clone());
    let mut page = Vec::new();
    top.render_name_section(&mut page)?;
    top.render_synopsis_section(&mut page)?;
    top.render_description_section(&mut page)?;
    top.render_options_section(&mut page)?;
    // clap_mangen's list of subcommands points at corral-check(1) and the
    // like, pages that do not exist: this page has a section for each.
    commands_section(&subcommands).to_writer(&mut page)?;
    for sub in subcommands {
        let heading = sub.get_bin_name().unwrap_or_default().to_uppercase();
        Roff::new().control("SH", [heading.as_str()]).to_writer(&mut page)?;
        let man = Man::new(sub);
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        man.render_options_section(&mut section)?;
        page.extend(demote(&String::from_utf8_lossy(&section)).bytes());
    }
    exit_status_section().to_writer(&mut page)?;
    top.render_version_section(&mut page)?;
    // Every part rendered starts with the same preamble (it defines `\*(Aq`):
    // the page needs it once, right after the header.
    let preamble = Roff::new().render();
    let body = String::from_utf8(page).map_err(io::Error::other)?.replace(&preamble, "");
    // clap_mangen writes an empty date as nothing at all, which shifts the
    // source into the date's place: this header quotes it.
    let version = command.get_version().unwrap_or_default();
    let header = format!(".TH {} 1 \"\" \"{BIN} {version}\" \"\"\n", BIN.to_uppercase());
    Ok(header + &preamble + &body)
}

/// COMMANDS: each subcommand with its one-line about.
fn commands_section(subcommands: &[clap::Command]) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in subcommands {
        roff.control("TP", []);
        roff.text([bold(sub.get_bin_name().unwrap_or_default())]);
        if let Some(about) = sub.get_about() {
            roff.text([roman(about.to_string())]);
        }
    }
    roff
}

/// EXIT STATUS, as `Outcome::exit_code` and `main` decide it.
fn exit_status_section() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "Nothing found: no bare spawn, no change, no error."),
        ("1", "check found bare, un-exempted spawns, or diff --exit-code found changes."),
        (
            "2",
            "A usage, configuration or I/O error, or a file that could not be read or parsed \
             (the rest of the run goes on, but its spawns may be missing).",
        ),
    ] {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
    roff
}

/// A subcommand's page as part of the top one: its sections become subsections.
fn demote(section: &str) -> String {
    // The roff crate escapes a text line that starts with `.`, so every line
    // that starts with `.SH ` is a section heading.
    section
        .lines()
        .map(|line| match line.strip_prefix(".SH ") {
            Some(heading) => format!(".SS {heading}\n"),
            None => format!("{line}\n"),
        })
        .collect()
}
