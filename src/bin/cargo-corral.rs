//! `cargo corral ...`: cargo runs `cargo-corral corral ...`; the extra word is dropped.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    corral::cli::main()
}
