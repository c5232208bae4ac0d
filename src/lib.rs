//! corral rounds up bare task spawns in a Rust workspace.
//!
//! The pipeline runs one way: `discover` (files) -> `parse` (trees) ->
//! `sites` (spawn sites and verdicts, resolved through `resolve`) ->
//! `render` (human, JSON, GitHub, SARIF). `analysis` runs the stages up to the
//! plan (configuration, discovery, the tiers in order, the rewrite plan) for
//! every command of `cli`. Only `discover` touches the file
//! system and only `cli` knows about terminals and exit codes.

pub mod analysis;
pub mod apply;
pub mod cli;
pub mod codeowners;
pub mod config;
pub mod discover;
pub mod edit;
pub mod format;
pub mod gate;
pub mod git;
pub mod lockfile;
pub mod lsp;
pub mod parse;
pub mod patch;
pub mod render;
pub mod resolve;
pub mod rewrite;
pub mod scan;
pub mod semantic;
pub mod sites;
pub mod verify;
