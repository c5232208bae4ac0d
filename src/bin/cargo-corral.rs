//! `cargo corral ...`: cargo runs `cargo-corral corral ...`; the extra word is dropped.

use std::process::ExitCode;

fn main() -> ExitCode {
    corral::cli::main()
}
