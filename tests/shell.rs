//! `corral completions` and `corral man` as a user runs them: every shell's
//! script loads in its shell (where that shell is installed) and knows the
//! commands and flags; the manual page is one roff document that groff and
//! man render without a warning.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{Run, Scratch, corral};

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

/// Every subcommand, as `corral --help` lists them.
const COMMANDS: [&str; 9] = ["check", "list", "diff", "apply", "init", "patch", "completions", "man", "lsp"];

fn completions(shell: &str) -> String {
    let run = Run::of(corral(Scratch::new().path()).args(["completions", shell]));
    assert_eq!(run.code, 0, "corral completions {shell} failed:\n{}", run.stderr);
    assert_eq!(run.stderr, "", "corral completions {shell} wrote to stderr");
    run.stdout
}

fn man_page() -> String {
    let run = Run::of(corral(Scratch::new().path()).arg("man"));
    assert_eq!(run.code, 0, "corral man failed:\n{}", run.stderr);
    assert_eq!(run.stderr, "", "corral man wrote to stderr");
    run.stdout
}

/// Runs `program` in `cwd` if it is installed; `None` (and a note) if it is not.
fn run_if_installed(program: &str, args: &[&str], cwd: &Path) -> Option<Output> {
    let output = Command::new(program).args(args).current_dir(cwd).stdin(Stdio::null()).output();
    match output {
        Ok(output) => Some(output),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("note: `{program}` is not installed; its check is skipped");
            None
        }
        Err(error) => panic!("cannot run {program}: {error}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ------------------------------------------------------------ completions

#[test]
fn every_shell_gets_its_own_script_with_the_commands_and_flags() {
    // What marks each shell's script as that shell's.
    let registers = [
        ("bash", "complete -F _corral -o nosort -o bashdefault -o default corral"),
        ("zsh", "#compdef corral"),
        ("fish", "complete -c corral"),
        ("powershell", "Register-ArgumentCompleter -Native -CommandName 'corral'"),
        ("elvish", "set edit:completion:arg-completer[corral]"),
    ];
    for (shell, register) in registers {
        let script = completions(shell);
        assert!(script.contains(register), "the {shell} script lacks `{register}`:\n{script}");
        for command in COMMANDS {
            assert!(script.contains(command), "the {shell} script does not complete `{command}`");
        }
        for flag in ["since", "baseline", "write-baseline", "format", "verify-cmd", "split"] {
            // fish names a long flag `-l since`; the others write `--since`.
            let written = if shell == "fish" { format!("-l {flag}") } else { format!("--{flag}") };
            assert!(script.contains(&written), "the {shell} script does not complete `--{flag}`");
        }
    }
    assert_eq!(SHELLS.len(), registers.len());
}

#[test]
fn an_unknown_shell_is_a_usage_error_that_lists_the_shells() {
    let run = Run::of(corral(Scratch::new().path()).args(["completions", "tcsh"]));
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    for shell in SHELLS {
        assert!(run.stderr.contains(shell), "stderr does not offer {shell}:\n{}", run.stderr);
    }
    let run = Run::of(corral(Scratch::new().path()).arg("completions"));
    assert_eq!(run.code, 2, "a missing shell must fail:\n{}", run.stdout);
    assert!(run.stderr.contains("<SHELL>"), "{}", run.stderr);
}

#[test]
fn the_bash_script_is_valid_bash_and_completes_commands_and_flags() {
    let scratch = Scratch::new();
    scratch.file("corral.bash", &completions("bash"));
    let Some(syntax) = run_if_installed("bash", &["-n", "corral.bash"], scratch.path()) else { return };
    assert!(syntax.status.success() && syntax.stderr.is_empty(), "bash -n: {}", text(&syntax.stderr));

    // Load the script and call its function as bash does on a TAB.
    let complete = |words: &[&str]| -> Vec<String> {
        let line = words.join(" ");
        let quoted: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
        let program = format!(
            "source ./corral.bash || exit 9\n\
             COMP_WORDS=({quoted}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n\
             _corral corral '{current}' '{previous}'\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            quoted = quoted.join(" "),
            cword = words.len() - 1,
            current = words[words.len() - 1],
            previous = words[words.len() - 2],
        );
        let output = run_if_installed("bash", &["-c", &program], scratch.path()).unwrap();
        assert!(output.status.success(), "bash failed on {line:?}: {}", text(&output.stderr));
        assert_eq!(text(&output.stderr), "", "bash wrote to stderr on {line:?}");
        text(&output.stdout).lines().map(str::to_string).collect()
    };
    assert_eq!(complete(&["corral", "ch"]), ["check"]);
    assert_eq!(complete(&["corral", "com"]), ["completions"]);
    assert_eq!(complete(&["corral", "check", "--bas"]), ["--baseline"]);
    assert_eq!(complete(&["corral", "patch", "--spl"]), ["--split"]);
    assert_eq!(complete(&["corral", "completions", "f"]), ["fish"]);
    let mut formats = complete(&["corral", "list", "--format", ""]);
    formats.sort();
    assert_eq!(formats, ["github", "human", "json", "sarif"]);
}

#[test]
fn the_zsh_script_is_valid_zsh() {
    let scratch = Scratch::new();
    scratch.file("_corral", &completions("zsh"));
    let Some(output) = run_if_installed("zsh", &["-n", "_corral"], scratch.path()) else { return };
    assert!(output.status.success() && output.stderr.is_empty(), "zsh -n: {}", text(&output.stderr));
}

#[test]
fn the_fish_script_is_valid_fish() {
    let scratch = Scratch::new();
    scratch.file("corral.fish", &completions("fish"));
    let Some(output) = run_if_installed("fish", &["--no-execute", "corral.fish"], scratch.path()) else {
        return;
    };
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "fish --no-execute: {}",
        text(&output.stderr)
    );
}

// ------------------------------------------------------------------- man

/// The arguments of each `.SH` line, in order, quotes removed.
fn section_headings(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|line| line.strip_prefix(".SH "))
        .map(|heading| heading.replace('"', ""))
        .collect()
}

/// The roff source of one section, from its `.SH` line to the next.
fn section<'a>(page: &'a str, heading: &str) -> &'a str {
    let start = page
        .find(&format!(".SH {heading}\n"))
        .or_else(|| page.find(&format!(".SH \"{heading}\"\n")))
        .unwrap_or_else(|| panic!("no section {heading}:\n{page}"));
    let end = page[start + 1..].find("\n.SH ").map_or(page.len(), |end| start + 1 + end);
    &page[start..end]
}

#[test]
fn the_man_page_is_one_document_with_a_section_per_command() {
    let page = man_page();
    assert!(page.starts_with(".TH CORRAL 1 "), "the page does not start with its header:\n{page}");
    assert_eq!(page.matches(".TH ").count(), 1, "more than one header");
    // The preamble that defines \*(Aq, once.
    assert_eq!(page.matches(".ds Aq").count(), 2, "the apostrophe preamble is repeated");

    let mut expected: Vec<String> =
        ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS"].map(String::from).into();
    expected.extend(COMMANDS.map(|command| format!("CORRAL {}", command.to_uppercase())));
    expected.extend(["EXIT STATUS", "VERSION"].map(String::from));
    assert_eq!(section_headings(&page), expected);

    let commands = section(&page, "COMMANDS");
    for command in COMMANDS {
        assert!(commands.contains(&format!("\\fBcorral {command}\\fR")), "COMMANDS lacks {command}");
        let own = section(&page, &format!("CORRAL {}", command.to_uppercase()));
        assert!(own.contains(&format!(".SS SYNOPSIS\n\\fBcorral {command}\\fR")), "{own}");
        // The global options are the top OPTIONS', not repeated per command.
        assert!(!own.contains("\\-\\-color"), "{own}");
    }
    let check = section(&page, "CORRAL CHECK");
    for flag in ["baseline", "write\\-baseline", "since", "format"] {
        assert!(check.contains(&format!("\\fB\\-\\-{flag}\\fR")), "CORRAL CHECK lacks --{flag}:\n{check}");
    }
    assert!(section(&page, "CORRAL PATCH").contains("\\fB\\-\\-since\\fR"));
    assert!(section(&page, "OPTIONS").contains("\\fB\\-\\-color\\fR"));
}

#[test]
fn the_man_page_names_the_exit_codes() {
    let page = man_page();
    let status = section(&page, "EXIT STATUS");
    let codes: Vec<&str> = status.lines().filter(|line| line.starts_with("\\fB")).collect();
    assert_eq!(codes, ["\\fB0\\fR", "\\fB1\\fR", "\\fB2\\fR"]);
    assert!(status.contains("\\-\\-exit\\-code"), "{status}");
    assert!(status.contains("usage, configuration or I/O error"), "{status}");
}

#[test]
fn groff_and_man_render_the_man_page_without_warnings() {
    let page = man_page();
    let scratch = Scratch::new();
    scratch.file("corral.1", &page);
    // groff with every warning on: the source is valid man(7).
    if let Some(output) =
        run_if_installed("groff", &["-man", "-Tutf8", "-ww", "-z", "corral.1"], scratch.path())
    {
        assert!(output.status.success(), "groff failed: {}", text(&output.stderr));
        assert_eq!(text(&output.stderr), "", "groff warned");
    }
    // As plain text (no bold or underline): what a reader sees.
    if let Some(output) =
        run_if_installed("groff", &["-man", "-Tascii", "-P-cbou", "corral.1"], scratch.path())
    {
        let rendered = text(&output.stdout);
        assert!(output.status.success(), "groff failed: {}", text(&output.stderr));
        for expected in
            ["CORRAL(1)", "EXIT STATUS", "CORRAL CHECK", "--baseline <FILE>", "corral completions"]
        {
            assert!(rendered.contains(expected), "the rendered page lacks {expected:?}:\n{rendered}");
        }
    }
    // man, as the README tells users to read it (MANPAGER: no pager in a test).
    let man = Command::new("man")
        .args(["--warnings", "-l", "corral.1"])
        .current_dir(scratch.path())
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output();
    match man {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("note: `man` is not installed; its check is skipped")
        }
        Err(error) => panic!("cannot run man: {error}"),
        Ok(output) => {
            assert!(output.status.success(), "man failed: {}", text(&output.stderr));
            assert_eq!(text(&output.stderr), "", "man warned");
            assert!(text(&output.stdout).contains("CORRAL MAN"), "{}", text(&output.stdout));
        }
    }
}
