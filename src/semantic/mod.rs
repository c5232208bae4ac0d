//! The semantic tier: the workspace loaded with rust-analyzer's libraries, and
//! every call that may start a task resolved to the function it calls.
//!
//! Where the syntax tier reads what a file says, this tier knows what its names
//! mean: a `rt.spawn(..)` whose `rt` is a `Handle` only by inference, a field
//! whose type is an alias of `Arc<Runtime>`, a spawn renamed across crates or
//! written in a `macro_rules!` body. Nothing of the user's workspace runs: no
//! build scripts, no proc-macro server. The toolchain is never changed either:
//! without `rust-src`, a small stub standard library (`stub_std/`) stands in.
//!
//! Resolution matches `hir::Function`s (and the types that own spawn methods)
//! by identity, found once by walking the dependency crates' modules, never by
//! comparing path strings.

mod lifetime;
mod load;
pub mod merge;
mod prune;
mod read_packages;
mod targets;
mod walk;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::sites::lifetime::Lifetime;
use crate::sites::model::Family;

pub use load::Options;

/// What a call that may start a task turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// One of the spawn functions of the catalogue.
    Spawn(Family),
    /// A spawn through a tracker (`TaskTracker::spawn`, `JoinSet::spawn`).
    Tracked,
    /// Some other function (`tokio_test::task::spawn`, a local `spawn` helper); its path.
    Other(String),
    /// Name resolution or inference could not say.
    Unresolved,
}

/// One call the semantic tier looked at: every call whose callee may name a
/// spawn, plus every call that resolves to one whatever it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemanticCall {
    /// Absolute path of the file that holds the call's text.
    pub file: PathBuf,
    /// Byte range of the call expression in that file (for a call that a macro
    /// builds out of its own body, the macro call's range).
    pub start: u32,
    pub end: u32,
    /// Byte range of the callee (the path, or the method name).
    pub callee_start: u32,
    pub callee_end: u32,
    /// The callee's last name as written (`launch` for `util::launch(..)`).
    pub name: String,
    pub resolution: Resolution,
    /// Whether the call sits in a macro expansion.
    pub via_macro: bool,
    /// Whether the call's text is in the macro call's own input, so that its
    /// range is the call itself (false for a call a `macro_rules!` body writes).
    pub exact: bool,
    /// For a spawn (or a call named like one that did not resolve) whose task hands its run
    /// to a function of the workspace (`run(listener)`, `server.start()`), how long the task
    /// runs as that function's body shows, wherever it is written. The syntax tier reads only
    /// a function of the spawn's own file; `merge` hands this to the sites it left undecided.
    pub lifetime: Option<Lifetime>,
}

impl SemanticCall {
    /// The family, when the call is a spawn.
    pub fn family(&self) -> Option<&Family> {
        match &self.resolution {
            Resolution::Spawn(family) => Some(family),
            _ => None,
        }
    }
}

/// A private glob import (`use util::prelude::*;`) and every name it can bring in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobImport {
    /// Absolute path of the file, and the byte range of the whole `use` item.
    pub file: PathBuf,
    pub start: u32,
    pub end: u32,
    /// The names the glob's module exports to the importing module.
    pub names: Vec<String>,
    /// Whether one of them is a trait (usable through method syntax alone, so
    /// never provably unused by counting names).
    pub has_traits: bool,
}

/// Everything the semantic tier found.
#[derive(Debug, Clone, Default)]
pub struct SemanticFindings {
    /// The calls, sorted by file and offset, one per range.
    pub calls: Vec<SemanticCall>,
    /// The private glob imports of the workspace's files, with what they bring in.
    pub globs: Vec<GlobImport>,
    /// The workspace's own files that were analysed (absolute paths).
    pub files: Vec<PathBuf>,
    /// How many crates the loaded graph holds, and how many are the workspace's.
    pub crates: usize,
    pub local_crates: usize,
    /// How many of them were analysed; the others cannot reach a spawn (see `prune`).
    pub analysed_crates: usize,
    /// Which standard library was used: `"rust-src"` or `"stub"`.
    pub sysroot: &'static str,
    /// The catalogue functions and types found in the dependency graph.
    pub targets: usize,
    /// Calls whose analysis panicked inside rust-analyzer (they count as unresolved).
    pub panics: usize,
    pub load_time: Duration,
    /// The part of `load_time` spent indexing the analysed crates.
    pub index_time: Duration,
    pub resolve_time: Duration,
}

impl SemanticFindings {
    /// The calls that are spawns.
    pub fn sites(&self) -> impl Iterator<Item = &SemanticCall> {
        self.calls.iter().filter(|c| c.family().is_some())
    }
}

/// Loads the workspace at `workspace_root` and resolves its spawn calls, with
/// the default options.
pub fn analyse(workspace_root: &Path, progress: impl Fn(&str) + Sync) -> Result<SemanticFindings, String> {
    analyse_with(workspace_root, &Options::default(), progress)
}

/// Loads the workspace and resolves its spawn calls.
///
/// Errors are one line, fit to follow "semantic tier unavailable: ".
pub fn analyse_with(
    workspace_root: &Path,
    options: &Options,
    progress: impl Fn(&str) + Sync,
) -> Result<SemanticFindings, String> {
    let started = std::time::Instant::now();
    let mut loaded = load::load(workspace_root, options, &progress)?;
    let load_time = started.elapsed();
    progress("resolving spawn calls");
    let started = std::time::Instant::now();
    let db = &mut loaded.db;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        walk::resolve_workspace(db, &loaded.vfs, options, &loaded.candidates)
    }));
    let mut findings = match outcome {
        Ok(findings) => findings,
        Err(panic) => return Err(format!("rust-analyzer panicked: {}", panic_message(&panic))),
    };
    findings.sysroot = loaded.sysroot;
    findings.analysed_crates = loaded.analysed_crates;
    findings.index_time = loaded.index_time;
    findings.load_time = load_time;
    findings.resolve_time = started.elapsed();
    Ok(findings)
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    text.lines().next().unwrap_or_default().to_string()
}
