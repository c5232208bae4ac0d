//! The data every later stage reads: a spawn site, its family, its verdict and
//! the context a rewrite needs. Plain data, no behaviour beyond naming.

use serde::Serialize;
use std::path::PathBuf;

use super::lifetime::Lifetime;

/// Which task-starting function a site calls.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum Family {
    /// `tokio::spawn` / `tokio::task::spawn`.
    TokioSpawn,
    /// `tokio::task::spawn_blocking`.
    TokioSpawnBlocking,
    /// `tokio::task::spawn_local`.
    TokioSpawnLocal,
    /// `tokio::task::Builder::new()...spawn*(..)`; the method name is kept.
    TokioBuilder { method: String },
    /// A runtime handle's `.spawn(..)` (`Handle` or `Runtime`).
    RuntimeSpawn,
    /// A runtime handle's `.spawn_blocking(..)`.
    RuntimeSpawnBlocking,
    /// `tokio::task::LocalSet::spawn_local`: the task runs on that set.
    LocalSetSpawn,
    /// `std::thread::spawn`.
    StdThreadSpawn,
    /// `std::thread::Builder::new()...spawn(..)`.
    StdThreadBuilder,
    /// `async_std::task::spawn` and its `_blocking` / `_local` siblings.
    AsyncStd { function: String },
    /// `smol::spawn`.
    SmolSpawn,
    /// A spawn function the project named in its configuration.
    Custom { path: String },
    /// A call that may be a spawn but could not be resolved (its verdict says why).
    Unresolved,
}

impl Family {
    /// Whether the task is a closure run on a thread (`spawn_blocking`, OS
    /// threads), not a future; `None` when only the configuration can say.
    pub fn task_is_closure(&self) -> Option<bool> {
        match self {
            Family::TokioSpawnBlocking
            | Family::RuntimeSpawnBlocking
            | Family::StdThreadSpawn
            | Family::StdThreadBuilder => Some(true),
            Family::TokioBuilder { method } => Some(method.starts_with("spawn_blocking")),
            Family::AsyncStd { function } => Some(function == "spawn_blocking"),
            Family::TokioSpawn
            | Family::TokioSpawnLocal
            | Family::RuntimeSpawn
            | Family::LocalSetSpawn
            | Family::SmolSpawn => Some(false),
            Family::Custom { .. } | Family::Unresolved => None,
        }
    }

    /// The canonical path users know the family by.
    pub fn path(&self) -> String {
        match self {
            Family::TokioSpawn => "tokio::spawn".into(),
            Family::TokioSpawnBlocking => "tokio::task::spawn_blocking".into(),
            Family::TokioSpawnLocal => "tokio::task::spawn_local".into(),
            Family::TokioBuilder { method } => format!("tokio::task::Builder::{method}"),
            Family::RuntimeSpawn => "tokio::runtime::Handle::spawn".into(),
            Family::LocalSetSpawn => "tokio::task::LocalSet::spawn_local".into(),
            Family::RuntimeSpawnBlocking => "tokio::runtime::Handle::spawn_blocking".into(),
            Family::StdThreadSpawn => "std::thread::spawn".into(),
            Family::StdThreadBuilder => "std::thread::Builder::spawn".into(),
            Family::AsyncStd { function } => format!("async_std::task::{function}"),
            Family::SmolSpawn => "smol::spawn".into(),
            Family::Custom { path } => path.clone(),
            Family::Unresolved => "unresolved".into(),
        }
    }

    /// Whether the spawned work runs on an OS thread rather than as a task.
    pub fn is_thread(&self) -> bool {
        matches!(self, Family::StdThreadSpawn | Family::StdThreadBuilder)
    }
}

impl From<Family> for String {
    fn from(family: Family) -> String {
        family.path()
    }
}

/// The one verdict each site gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Verdict {
    /// An untracked spawn: `check` reports it, `apply` converts it.
    Bare,
    /// Annotated as intentionally untracked, with the reason given.
    Exempt { reason: String },
    /// Annotated with the marker but no reason: still a finding.
    ExemptWithoutReason,
    /// Already goes through a tracker.
    AlreadyTracked,
    /// In test code, which is left alone unless tests are included.
    TestCode,
    /// Could not be classified with confidence; the reason says why.
    Skipped { reason: String },
}

impl Verdict {
    /// Short name used in summaries and machine output.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Bare => "bare",
            Verdict::Exempt { .. } => "exempt",
            Verdict::ExemptWithoutReason => "exempt-without-reason",
            Verdict::AlreadyTracked => "already-tracked",
            Verdict::TestCode => "test-code",
            Verdict::Skipped { .. } => "skipped",
        }
    }

    /// Whether `check` fails on this site.
    pub fn is_finding(&self) -> bool {
        matches!(self, Verdict::Bare | Verdict::ExemptWithoutReason)
    }
}

/// What the code does with the JoinHandle the spawn returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HandleUse {
    /// The call is an expression statement: the handle is dropped.
    Dropped,
    /// Bound with `let` (or assigned).
    Bound,
    /// `.await`ed directly.
    Awaited,
    /// Returned, passed as an argument, stored in a field or collection.
    PassedOn,
}

/// How a method receives `self`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SelfKind {
    /// `&self` / `&mut self`.
    Ref,
    /// `self` / `mut self` by value.
    Value,
    /// `self: Arc<Self>` or another typed receiver; the type as written.
    Typed { ty: String },
}

/// The method a site sits in, when it sits in one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodContext {
    /// The `Self` type of the impl, as written (`Handler`, `Server<T>`).
    pub self_type: String,
    /// How the method takes `self`; `None` for associated functions.
    pub self_kind: Option<SelfKind>,
    /// The name of a field of `Self` whose type is a tracker, if any.
    pub tracker_field: Option<String>,
    /// When `Self` has no tracker field of its own but one of its fields holds
    /// a workspace struct that has one: the path from `self` to that tracker
    /// (`server.tracker`), the one the site uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracker_through: Option<String>,
    /// How a task can take its own handle to the tracker the site uses
    /// (`tracker_field`, or else `tracker_through`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracker_capture: Option<Capture>,
}

/// How a binding can take its own copy of a value (what hoisting a tracker
/// field before a task needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capture {
    /// The value is `Copy` (a reference, a `Copy` handle): bind it as is.
    Copy,
    /// The value is `Clone` (a `TaskTracker`, an `Arc`): bind a clone.
    Clone,
    /// Neither: nothing the task could own; the type, as written.
    Neither { ty: String },
}

/// A closure or async block that encloses a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enclosing {
    pub kind: EnclosingKind,
    /// Whether it is a `move` closure / `async move` block.
    pub is_move: bool,
    /// Byte range of the closure / block in the file.
    pub start: u32,
    pub end: u32,
    /// Start of the statement (a child of a block) that holds this closure / block,
    /// where a `let` binding what it must capture can go.
    pub statement_start: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnclosingKind {
    Closure,
    AsyncBlock,
}

/// Where a site sits, as far as a rewrite cares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SiteContext {
    /// The enclosing `fn`'s name, if any.
    pub function: Option<String>,
    /// Set when that function is a method (or associated fn) of an impl.
    pub method: Option<MethodContext>,
    /// Closures and async blocks around the site, outermost first.
    pub enclosing: Vec<Enclosing>,
    /// The macro whose tokens hold the site, innermost, as written (`tokio::select`).
    pub in_macro: Option<String>,
    /// Start of the statement holding the call, when no closure, async block or
    /// function boundary lies between them; `None` means expression position.
    pub statement_start: Option<u32>,
    /// Set when the enclosing function spawns one of its own parameters
    /// (`fn spawn_named(name, f) { tokio::spawn(f) }`): a wrapper, whose callers
    /// are where the tasks come from. Its body is what gets converted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapper: Option<String>,
    /// For a wrapper that is a free function: its path from the crate
    /// (`app::util::spawn_named`) and the 1-based position of the parameter it
    /// spawns, what `[[spawn]] argument` names.
    #[serde(skip)]
    pub wrapper_call: Option<(Vec<String>, usize)>,
    /// Set for production code that compiles for tests and in another configuration
    /// (`cfg(any(test, feature = "x"))`, a `test-util` feature): the attribute, so that
    /// `list` and the audit can name it as test support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_support: Option<String>,
}

/// One call that starts a task or thread.
#[derive(Debug, Clone, Serialize)]
pub struct SpawnSite {
    /// Path relative to the scanned root, with `/` separators.
    pub path: String,
    /// The package the file belongs to, when known.
    pub package: Option<String>,
    /// 1-based line and column (in characters) of the call's start.
    pub line: u32,
    pub column: u32,
    /// Byte range of the whole call expression.
    pub start: u32,
    pub end: u32,
    /// Byte range of the callee (the path, or the method name for method calls).
    pub callee_start: u32,
    pub callee_end: u32,
    /// The callee as written (`go`, `task::spawn`, `handle.spawn`).
    pub written_as: String,
    pub family: Family,
    pub verdict: Verdict,
    pub handle: HandleUse,
    /// Whether the site is in test code (even when tests are included).
    pub in_test: bool,
    pub context: SiteContext,
    /// The text of the line the call starts on, for rustc-style snippets.
    #[serde(skip)]
    pub source_line: String,
    /// How long the task it starts runs, as far as its body shows; `None`
    /// for sites that are not classified (see `scan::classify_lifetimes`).
    #[serde(skip)]
    pub lifetime: Option<Lifetime>,
}

/// A problem with one input file; the run goes on without it.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    pub path: PathBuf,
    pub message: String,
}
