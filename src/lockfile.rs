//! `Cargo.lock` after the migration's manifest edits.
//!
//! When the rewrite adds `tokio-util` (or a `tokio` feature) to a manifest,
//! the workspace's lock goes stale, and `cargo build --locked` or `--frozen`
//! on the project's CI rejects the change. Rather than guess what cargo would
//! write, this module asks cargo: it mirrors the workspace into a scratch
//! folder (every manifest with its new text, the current lock, an empty file
//! at every target root), runs `cargo update --workspace` there and reads the
//! lock back. The user's tree is only read, never written.
//!
//! Why `cargo update --workspace` and not `cargo metadata`: both resolve with
//! the existing lock as the starting point and, on a two-member workspace
//! with tokio pinned at 1.38.0 and `tokio-util` added, wrote byte-identical
//! locks. But `cargo metadata` downloads the source of every package in the
//! graph to describe it: with an index cache and no `.crate` files it wrote
//! the lock and then failed with "failed to download `bytes v1.12.2` ...
//! --offline was specified", while `cargo update --workspace --offline`
//! needs the index only and succeeded. `--workspace` with no package named
//! unlocks nothing (a git dependency stayed at its locked commit where a bare
//! `cargo update` moved it); cargo documents it as the way to sync the lock
//! after editing manifests. `cargo generate-lockfile` would resolve from
//! scratch, and `cargo update -p tokio-util` fails while tokio-util is not yet
//! in the lock ("package ID specification `tokio-util` did not match any
//! packages").
//!
//! The scratch copy mirrors absolute paths (`/home/u/ws` becomes
//! `<scratch>/home/u/ws`), so relative path dependencies that leave the
//! workspace still land on their mirrored package, and cargo's messages
//! translate back to the user's paths by dropping the scratch prefix. Cargo
//! configuration is not copied: the real `.cargo/config.toml` files of the
//! root and its ancestors are passed with `--config`, where cargo resolves
//! their relative paths (a vendor folder, a patch) against the real tree.
//!
//! [`updated_lock`] is the only part that does IO; the manifest walks, the
//! path mirroring, the error trimming and [`lock_diff_summary`] are pure.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use toml_edit::{DocumentMut, Item, TableLike, Value};

/// What the lock update needs to know of the workspace.
#[derive(Debug, Clone, Copy)]
pub struct LockInput<'a> {
    /// The workspace root: where `Cargo.lock` and the root `Cargo.toml` are.
    pub root: &'a Path,
    /// The current `Cargo.lock` text.
    pub lock: &'a str,
    /// Every package manifest of the workspace (absolute path) with its text
    /// after the migration's edits; unchanged ones with their current text.
    /// Includes the root manifest (read from disk when it is missing).
    pub manifests: &'a [(PathBuf, String)],
    /// Every target root file of every package (`lib.rs`, `main.rs`, bins,
    /// examples, tests, benches, `build.rs`), so that cargo finds the targets.
    pub target_roots: &'a [PathBuf],
}

/// The lock cargo would leave after the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockOutcome {
    /// The lock already fits the manifests.
    Unchanged,
    /// The new lock text, with the old lock's line endings.
    Updated(String),
}

/// What to run by hand, at the workspace root, when the lock could not be
/// updated. `cargo update -p tokio-util` does not do: it refuses a package
/// the lock does not hold yet.
pub const UPDATE_BY_HAND: &str = "cargo update --workspace";

/// Why the lock could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The scratch copy is laid out by absolute paths.
    #[error("{}: not an absolute path", path.display())]
    NotAbsolute { path: PathBuf },
    /// A manifest outside the given set (a path dependency) could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A manifest is not valid TOML, so its path dependencies are unknown.
    #[error("{}:{line}:{column}: not valid TOML: {message}", path.display())]
    Manifest { path: PathBuf, line: usize, column: usize, message: String },
    /// The scratch copy could not be written or read back.
    #[error("{}: scratch copy: {source}", path.display())]
    Scratch {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The cargo binary could not be started.
    #[error("cannot run {}: {source}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Cargo ran and failed; `message` holds its error lines, with the
    /// scratch folder's paths turned back into the user's.
    #[error("{}: cargo update failed: {message}", lock.display())]
    Cargo { lock: PathBuf, message: String },
}

/// Mirrors the workspace into a scratch folder, lets cargo update the lock
/// there and returns what changed. Tries offline first, from the local index
/// cache; when that fails, or moves a locked package (offline, cargo only
/// takes versions whose sources are downloaded), it asks the registry.
///
/// The smallest change, in steps (see `Pin`): cargo's own update; when that
/// moved a package the old lock held, the same update with every moved
/// package pinned where it was; when even that fails (the locked tokio is
/// older than every `tokio-util` with `TaskTracker` accepts), with tokio
/// pinned at the oldest version that works, 1.28.0; and when that
/// fails too, cargo's own update after all. Each pinned run is followed by a
/// run with the real manifests, starting from the lock the pins made, so that
/// the pins leave no trace. The lock keeps its format version.
pub fn updated_lock(input: &LockInput) -> Result<LockOutcome, LockError> {
    check_absolute(input)?;
    let root = normalize(input.root);
    let files = gather(input, &root)?;
    let scratch = tempfile::Builder::new()
        .prefix("corral-lock-")
        .tempdir()
        .map_err(|source| LockError::Scratch { path: std::env::temp_dir(), source })?;
    files.write(scratch.path())?;

    let scratch_root = mirror(scratch.path(), &root);
    let cargo = Cargo {
        program: std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")),
        configs: cargo_configs(&root),
        root: scratch_root,
    };
    let run = |offline| Resolution {
        cargo: &cargo,
        scratch: scratch.path(),
        files: &files,
        lock: input.lock,
        root: &root,
        offline,
    };
    // Offline, cargo only picks versions whose sources are downloaded, so a
    // resolve that moves a locked package (or fails) is done again online.
    let written = match run(true).smallest() {
        Ok(written) if moved_packages(input.lock, &written).is_empty() => written,
        Ok(written) => run(false).smallest().unwrap_or(written),
        Err(_) => run(false).smallest()?,
    };
    Ok(outcome(input.lock, &keep_format_version(input.lock, &written)))
}

/// The oldest tokio that a `tokio-util` with `TaskTracker` (0.7.10) accepts.
const TRACKER_TOKIO: &str = "1.28.0";

/// tokio-util 0.7.17 declares tokio `^1.28`, but its `rt` feature uses
/// `tokio::task::Id` and `tokio::task::coop`, public in later tokios: with
/// tokio 1.32 it fails (E0432), with 1.44 (what 0.7.18 declares) it builds.
/// Cargo cannot know: with an older tokio locked, the scratch resolve keeps
/// tokio-util below 0.7.17.
const TOKIO_UTIL_BUILDS_FROM: (&str, &str) = ("0.7.17", "1.44.0");

/// The guard against [`TOKIO_UTIL_BUILDS_FROM`] for a locked tokio.
fn tracker_guard(tokio: &str) -> Option<Pin> {
    let (tokio_util, needs) = TOKIO_UTIL_BUILDS_FROM;
    // `>=0.7`: a bare `<0.7.17` lets cargo add a 0.6 beside the 0.7 the manifest asks for.
    let requirement = format!(">=0.7, <{tokio_util}");
    older(tokio, needs).then(|| Pin { name: "tokio-util".to_string(), requirement })
}

/// Whether version `a` is older than `b` (plain `x.y.z` numbers; a
/// pre-release counts as its release).
fn older(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> {
        v.split(['.', '-', '+']).take(3).map(|part| part.parse().unwrap_or(0)).collect()
    };
    parts(a) < parts(b)
}

/// A requirement the scratch resolve adds to one package's manifest, as a
/// renamed dependency (`corral-pin-0 = { package = "tokio", version =
/// "=1.32.0", default-features = false }`): cargo allows a package to be
/// named twice under different names, and without default features the pin
/// enables nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pin {
    name: String,
    requirement: String,
}

impl Pin {
    fn exact(name: &str, version: &str) -> Pin {
        Pin { name: name.to_string(), requirement: format!("={version}") }
    }
}

/// The crates.io packages of the old lock that are gone from the new one
/// (moved to another version, or removed), each pinned where it was; the
/// `tokio-util` being added or raised is free to move.
fn moved_packages(old: &str, new: &str) -> Vec<Pin> {
    let (Ok(old), Ok(new)) = (locked_packages(old), locked_packages(new)) else { return Vec::new() };
    let mut pins = Vec::new();
    for (name, versions) in &old {
        if name == "tokio-util" {
            continue;
        }
        let kept = new.get(name);
        // Replaced by a path or git package: a `[patch]` (of the manifests or
        // of the cargo configuration) that any cargo run would apply.
        if kept.is_some_and(|kept| kept.iter().any(|locked| !locked.is_crates_io())) {
            continue;
        }
        for locked in versions {
            if locked.is_crates_io() && !kept.is_some_and(|kept| kept.contains(locked)) {
                pins.push(Pin::exact(name, &locked.version));
            }
        }
    }
    pins
}

/// How a crates.io source ends in a lock (`registry+https://...` or `sparse+https://...`).
const CRATES_IO: &str = "github.com/rust-lang/crates.io-index";

/// The versions of `name` a lock holds.
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let Ok(packages) = locked_packages(lock) else { return Vec::new() };
    packages
        .get(name)
        .map(|set| set.iter().map(|locked| locked.version.clone()).collect())
        .unwrap_or_default()
}

/// The lock's `version = N` line kept: cargo writes the newest format it
/// knows when it rewrites a lock (a `version = 3` lock came back as 4), and
/// a project whose CI runs an older cargo cannot read that. Formats 3 and 4
/// differ only in how git source URLs are escaped, so for a lock without
/// escaped git URLs the line is all there is to restore; locks before format
/// 3 have no such line and are left as cargo wrote them.
fn keep_format_version(old: &str, new: &str) -> String {
    let header = |lock: &str| {
        lock.lines()
            .take_while(|line| !line.starts_with('['))
            .find(|line| line.starts_with("version = "))
            .map(str::to_string)
    };
    match (header(old), header(new)) {
        (Some(old_line), Some(new_line)) if old_line != new_line && !new.contains("%") => {
            new.replacen(&new_line, &old_line, 1)
        }
        _ => new.to_string(),
    }
}

/// One scratch copy and the cargo that resolves in it.
struct Resolution<'a> {
    cargo: &'a Cargo,
    scratch: &'a Path,
    files: &'a ScratchFiles,
    /// The user's lock: every resolve starts from it.
    lock: &'a str,
    root: &'a Path,
    /// Whether cargo runs with `--offline`.
    offline: bool,
}

impl Resolution<'_> {
    /// The lock with the fewest moves the steps of [`updated_lock`] find.
    fn smallest(&self) -> Result<String, LockError> {
        let old_tokio = locked_versions(self.lock, "tokio");
        let guard: Vec<Pin> = old_tokio.iter().filter_map(|version| tracker_guard(version)).collect();
        let first = self.resolve(&guard)?;
        let moved = moved_packages(self.lock, &first);
        if moved.is_empty() {
            return Ok(first);
        }
        let pins: Vec<Pin> = guard.into_iter().chain(moved).collect();
        match self.resolve(&pins) {
            Ok(written) => Ok(written),
            Err(_) if old_tokio.iter().any(|version| older(version, TRACKER_TOKIO)) => {
                let pins: Vec<Pin> = std::iter::once(Pin::exact("tokio", TRACKER_TOKIO))
                    .chain(tracker_guard(TRACKER_TOKIO))
                    .collect();
                Ok(self.resolve(&pins).unwrap_or(first))
            }
            Err(_) => Ok(first),
        }
    }

    /// The lock cargo writes with the real manifests, after a first run with
    /// `pins` added when there are any.
    fn resolve(&self, pins: &[Pin]) -> Result<String, LockError> {
        let lock_path = self.cargo.root.join("Cargo.lock");
        write_file(&lock_path, self.lock.as_bytes())?;
        if let Some((host, text)) = self.pinned_manifest(pins)? {
            let pinned = write_file(&mirror(self.scratch, &host), text.as_bytes()).and_then(|()| self.sync());
            // The real manifest goes back whatever the pinned run did.
            let original = &self.files.manifests[&host];
            write_file(&mirror(self.scratch, &host), original.as_bytes())?;
            pinned?;
        }
        self.sync()?;
        fs::read_to_string(&lock_path).map_err(|source| LockError::Scratch { path: lock_path, source })
    }

    /// `cargo update --workspace`, offline or not.
    fn sync(&self) -> Result<(), LockError> {
        let run = self.cargo.update(self.offline)?;
        if run.success {
            return Ok(());
        }
        let stderr = run.stderr.replace(&*self.scratch.to_string_lossy(), "");
        Err(LockError::Cargo { lock: self.root.join("Cargo.lock"), message: cargo_errors(&stderr) })
    }

    /// The first workspace package's manifest with the pins as dependencies.
    fn pinned_manifest(&self, pins: &[Pin]) -> Result<Option<(PathBuf, String)>, LockError> {
        if pins.is_empty() {
            return Ok(None);
        }
        // A package of the workspace (under its root), not one reached by a path.
        let host = self.files.manifests.iter().find(|(path, text)| {
            path.starts_with(self.root)
                && text.parse::<DocumentMut>().is_ok_and(|doc| doc.get("package").is_some())
        });
        let Some((path, text)) = host else { return Ok(None) };
        let mut doc = parse_manifest(path, text)?;
        let dependencies = doc.entry("dependencies").or_insert_with(|| Item::Table(toml_edit::Table::new()));
        let Some(dependencies) = dependencies.as_table_like_mut() else { return Ok(None) };
        for (index, pin) in pins.iter().enumerate() {
            let mut table = toml_edit::InlineTable::new();
            table.insert("package", Value::from(pin.name.as_str()));
            table.insert("version", Value::from(pin.requirement.as_str()));
            table.insert("default-features", Value::from(false));
            dependencies.insert(&format!("corral-pin-{index}"), Item::Value(Value::InlineTable(table)));
        }
        Ok(Some((path.clone(), doc.to_string())))
    }
}

/// The packages added, removed or moved between two lock texts, one line
/// each, sorted by name: `added tokio-util 0.7.20`, `removed backtrace
/// 0.3.77`, `updated tokio 1.38.0 -> 1.54.1`. A lock that does not parse
/// gives a single line saying so.
pub fn lock_diff_summary(old: &str, new: &str) -> Vec<String> {
    let (old, new) = match (locked_packages(old), locked_packages(new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(message), _) => return vec![format!("cannot compare: old lock: {message}")],
        (_, Err(message)) => return vec![format!("cannot compare: new lock: {message}")],
    };
    let names: BTreeSet<&str> = old.keys().chain(new.keys()).map(String::as_str).collect();
    let empty = BTreeSet::new();
    let mut lines = Vec::new();
    for name in names {
        let before = old.get(name).unwrap_or(&empty);
        let after = new.get(name).unwrap_or(&empty);
        let removed: Vec<&Locked> = before.difference(after).collect();
        let added: Vec<&Locked> = after.difference(before).collect();
        match (removed.as_slice(), added.as_slice()) {
            // One version of a name replaced by another is a move, the
            // case "nothing moved that need not" is about.
            ([from], [to]) if from.version != to.version => {
                lines.push(format!("updated {name} {} -> {}", from.version, to.version))
            }
            ([from], [to]) => lines.push(format!(
                "updated {name} {}: source {} -> {}",
                from.version,
                from.source_label(),
                to.source_label()
            )),
            _ => {
                lines.extend(removed.iter().map(|package| format!("removed {name} {}", package.version)));
                lines.extend(added.iter().map(|package| format!("added {name} {}", package.version)));
            }
        }
    }
    lines
}

/// The audit's one line about the lock: the `tokio-util` it holds (kept,
/// added or moved from an older one), how many other packages came in, and
/// the packages that moved, or that none did:
/// `Cargo.lock: tokio-util 0.7.16 added, 11 other packages added, no package moves`.
pub fn lock_audit_line(old: &str, new: &str) -> String {
    let changes = lock_diff_summary(old, new);
    if changes.first().is_some_and(|line| line.starts_with("cannot compare")) {
        return format!("Cargo.lock: {}", changes.join(", "));
    }
    let (before, after) = (locked_versions(old, "tokio-util"), locked_versions(new, "tokio-util"));
    let mut parts = Vec::new();
    match (before.as_slice(), after.as_slice()) {
        (_, []) => {}
        ([], [version]) => parts.push(format!("tokio-util {version} added")),
        ([old], [new]) if old != new => parts.push(format!("tokio-util {old} -> {new}")),
        (_, versions) => parts.push(format!("tokio-util {} kept", versions.join(", "))),
    }
    let added = changes.iter().filter(|c| c.starts_with("added ") && !c.starts_with("added tokio-util "));
    match (added.count(), after.is_empty()) {
        (0, _) => {}
        (1, true) => parts.push("1 package added".to_string()),
        (1, false) => parts.push("1 other package added".to_string()),
        (count, true) => parts.push(format!("{count} packages added")),
        (count, false) => parts.push(format!("{count} other packages added")),
    }
    let moved: Vec<&str> = changes
        .iter()
        .filter(|c| !c.starts_with("added ") && !c.starts_with("updated tokio-util "))
        .map(String::as_str)
        .collect();
    if moved.is_empty() {
        parts.push("no package moves".to_string());
    } else {
        parts.push(format!("{} moved: {}", moved.len(), moved.join(", ")));
    }
    format!("Cargo.lock: {}", parts.join(", "))
}

/// One `[[package]]` of a lock, as far as moves are concerned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Locked {
    version: String,
    /// `None` for workspace members and path packages.
    source: Option<String>,
}

impl Locked {
    fn is_crates_io(&self) -> bool {
        self.source.as_deref().is_some_and(|source| source.ends_with(CRATES_IO))
    }

    fn source_label(&self) -> &str {
        self.source.as_deref().unwrap_or("path")
    }
}

/// The lock's packages by name; a name may be locked at several versions.
fn locked_packages(text: &str) -> Result<BTreeMap<String, BTreeSet<Locked>>, String> {
    let doc = text.parse::<DocumentMut>().map_err(|error| error.message().to_string())?;
    let mut packages: BTreeMap<String, BTreeSet<Locked>> = BTreeMap::new();
    let Some(item) = doc.get("package") else { return Ok(packages) };
    for (index, package) in table_likes(item).into_iter().enumerate() {
        let field = |key: &str| package.get(key).and_then(Item::as_str).map(str::to_string);
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            return Err(format!("package #{} has no name or version", index + 1));
        };
        packages.entry(name).or_default().insert(Locked { version, source: field("source") });
    }
    Ok(packages)
}

fn check_absolute(input: &LockInput) -> Result<(), LockError> {
    let paths = std::iter::once(input.root)
        .chain(input.manifests.iter().map(|(path, _)| path.as_path()))
        .chain(input.target_roots.iter().map(PathBuf::as_path));
    for path in paths {
        if !path.is_absolute() {
            return Err(LockError::NotAbsolute { path: path.to_path_buf() });
        }
    }
    Ok(())
}

/// What the scratch copy holds, by real (normalized, absolute) path.
#[derive(Debug, Default)]
struct ScratchFiles {
    /// Manifest text: the migration's for the workspace's own, the disk's
    /// for packages reached through path dependencies.
    manifests: BTreeMap<PathBuf, String>,
    /// Files that only have to exist: target roots.
    stubs: BTreeSet<PathBuf>,
    /// Files copied as they are: the toolchain file.
    copies: BTreeMap<PathBuf, Vec<u8>>,
}

impl ScratchFiles {
    fn write(&self, scratch: &Path) -> Result<(), LockError> {
        for (path, text) in &self.manifests {
            write_file(&mirror(scratch, path), text.as_bytes())?;
        }
        for (path, bytes) in &self.copies {
            write_file(&mirror(scratch, path), bytes)?;
        }
        for path in &self.stubs {
            let stub = mirror(scratch, path);
            // A stub never replaces a manifest or a copied file.
            if !stub.exists() {
                write_file(&stub, b"")?;
            }
        }
        Ok(())
    }
}

/// Collects the workspace's manifests and target roots, then follows path
/// dependencies to packages outside the given set (outside the root, or
/// excluded from the workspace) and mirrors those from disk, with their
/// targets and, when they inherit from one, their own workspace's manifest.
fn gather(input: &LockInput, root: &Path) -> Result<ScratchFiles, LockError> {
    let mut files = ScratchFiles {
        manifests: input.manifests.iter().map(|(path, text)| (normalize(path), text.clone())).collect(),
        stubs: input.target_roots.iter().map(|path| normalize(path)).collect(),
        copies: toolchain_files(root),
    };
    let mut queue: Vec<(PathBuf, bool)> = files.manifests.keys().map(|path| (path.clone(), false)).collect();
    let root_manifest = root.join("Cargo.toml");
    if !files.manifests.contains_key(&root_manifest) {
        let text = fs::read_to_string(&root_manifest)
            .map_err(|source| LockError::Read { path: root_manifest.clone(), source })?;
        files.manifests.insert(root_manifest.clone(), text);
        queue.push((root_manifest, false));
    }

    while let Some((manifest, from_disk)) = queue.pop() {
        let Some(text) = files.manifests.get(&manifest) else { continue };
        let doc = parse_manifest(&manifest, text)?;
        let dir = manifest.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut next: Vec<PathBuf> = path_dependencies(&doc)
            .into_iter()
            // An absolute path reads the real package in the scratch run
            // too; only relative ones need a mirrored copy to land on.
            .filter(|path| path.is_relative())
            .map(|path| normalize(&dir.join(path).join("Cargo.toml")))
            .collect();
        if from_disk {
            if doc.get("package").is_some() {
                let declared = declared_target_paths(&doc).into_iter().map(|path| normalize(&dir.join(path)));
                files.stubs.extend(declared.chain(conventional_targets(&dir)));
            }
            if inherits_from_workspace(doc.as_table()) {
                next.extend(enclosing_workspace(&doc, &dir, &files.manifests));
            }
        }
        for path in next {
            if files.manifests.contains_key(&path) {
                continue;
            }
            match fs::read_to_string(&path) {
                Ok(text) => {
                    files.manifests.insert(path.clone(), text);
                    queue.push((path, true));
                }
                // Cargo reports a missing path dependency itself, with the
                // dependency's name, if the resolve needs it at all.
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(LockError::Read { path, source }),
            }
        }
    }
    Ok(files)
}

fn parse_manifest(path: &Path, text: &str) -> Result<DocumentMut, LockError> {
    text.parse::<DocumentMut>().map_err(|error| {
        let (line, column) = line_column(text, error.span().map_or(0, |span| span.start));
        LockError::Manifest {
            path: path.to_path_buf(),
            line,
            column,
            message: error.message().trim().to_string(),
        }
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// The tables whose entries may carry `path = ".."`; each
/// `[target.'cfg(..)']` may hold its own copy of them.
const DEPENDENCY_TABLES: [&str; 5] =
    ["dependencies", "dev-dependencies", "dev_dependencies", "build-dependencies", "build_dependencies"];

/// Every `path` of a dependency, as written (relative to the manifest's
/// folder): the dependency tables, their target-specific copies,
/// `[workspace.dependencies]`, `[patch.*]` and `[replace]`.
fn path_dependencies(doc: &DocumentMut) -> Vec<PathBuf> {
    let top: &dyn TableLike = doc.as_table();
    let mut owners = vec![top];
    if let Some(targets) = doc.get("target").and_then(Item::as_table_like) {
        owners.extend(targets.iter().filter_map(|(_, target)| target.as_table_like()));
    }
    let mut tables: Vec<&dyn TableLike> = owners
        .iter()
        .flat_map(|owner| DEPENDENCY_TABLES.iter().filter_map(|name| owner.get(name)?.as_table_like()))
        .collect();
    if let Some(workspace) = doc.get("workspace").and_then(Item::as_table_like) {
        tables.extend(workspace.get("dependencies").and_then(Item::as_table_like));
    }
    if let Some(patches) = doc.get("patch").and_then(Item::as_table_like) {
        tables.extend(patches.iter().filter_map(|(_, source)| source.as_table_like()));
    }
    tables.extend(doc.get("replace").and_then(Item::as_table_like));

    let mut paths = Vec::new();
    for table in tables {
        for (_, dependency) in table.iter() {
            if let Some(path) = dependency.as_table_like().and_then(|spec| spec.get("path")?.as_str()) {
                paths.push(PathBuf::from(path));
            }
        }
    }
    paths
}

/// Target files a manifest names itself: `[lib] path`, the `path` of each
/// `[[bin]]`, `[[example]]`, `[[test]]` and `[[bench]]`, and
/// `package.build` when it is a path.
fn declared_target_paths(doc: &DocumentMut) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut push = |path: Option<&str>| paths.extend(path.map(PathBuf::from));
    push(doc.get("lib").and_then(Item::as_table_like).and_then(|lib| lib.get("path")?.as_str()));
    push(doc.get("package").and_then(Item::as_table_like).and_then(|package| package.get("build")?.as_str()));
    for kind in ["bin", "example", "test", "bench"] {
        for target in doc.get(kind).map(table_likes).unwrap_or_default() {
            push(target.get("path").and_then(Item::as_str));
        }
    }
    paths
}

/// The target files cargo would discover on its own in a package folder.
fn conventional_targets(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ["src/lib.rs", "src/main.rs", "build.rs"]
        .iter()
        .map(|file| dir.join(file))
        .filter(|path| path.is_file())
        .collect();
    for folder in ["src/bin", "examples", "tests", "benches"] {
        let Ok(entries) = fs::read_dir(dir.join(folder)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|extension| extension == "rs") && path.is_file() {
                found.push(path);
            } else if path.join("main.rs").is_file() {
                found.push(path.join("main.rs"));
            }
        }
    }
    found
}

/// Whether a manifest takes anything from its workspace (`version.workspace
/// = true`, `tokio = { workspace = true }`, `[lints] workspace = true`).
fn inherits_from_workspace(table: &dyn TableLike) -> bool {
    table.iter().any(|(key, item)| {
        (key == "workspace" && item.as_bool() == Some(true))
            || item.as_table_like().is_some_and(inherits_from_workspace)
    })
}

/// The workspace manifest a package outside ours inherits from:
/// `package.workspace` when set, else the nearest folder above holding a
/// manifest with `[workspace]`, as cargo searches.
fn enclosing_workspace(doc: &DocumentMut, dir: &Path, known: &BTreeMap<PathBuf, String>) -> Option<PathBuf> {
    let declared = doc
        .get("package")
        .and_then(Item::as_table_like)
        .and_then(|package| package.get("workspace")?.as_str());
    if let Some(declared) = declared {
        return Some(normalize(&dir.join(declared).join("Cargo.toml")));
    }
    for folder in dir.ancestors().skip(1) {
        let manifest = folder.join("Cargo.toml");
        let text = match known.get(&manifest) {
            Some(text) => text.clone(),
            None => match fs::read_to_string(&manifest) {
                Ok(text) => text,
                Err(_) => continue,
            },
        };
        // An unreadable candidate stops the search: cargo would stop there too.
        let doc = text.parse::<DocumentMut>().ok()?;
        if doc.get("workspace").is_some() {
            return Some(manifest);
        }
    }
    None
}

/// The tables of an array of tables, `[[bin]]` or `bin = [{ .. }]` alike.
fn table_likes(item: &Item) -> Vec<&dyn TableLike> {
    if let Some(tables) = item.as_array_of_tables() {
        return tables.iter().map(|table| table as &dyn TableLike).collect();
    }
    if let Some(array) = item.as_array() {
        return array
            .iter()
            .filter_map(Value::as_inline_table)
            .map(|table| table as &dyn TableLike)
            .collect();
    }
    Vec::new()
}

/// The nearest toolchain files at or above the root, so that the rustup
/// proxy picks the project's toolchain (and with it the `rustc` version
/// that rust-version-aware resolution uses) when `CARGO` is not set.
fn toolchain_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    for folder in root.ancestors() {
        let found: BTreeMap<PathBuf, Vec<u8>> = ["rust-toolchain", "rust-toolchain.toml"]
            .iter()
            .filter_map(|name| {
                let path = folder.join(name);
                fs::read(&path).ok().map(|bytes| (path, bytes))
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    BTreeMap::new()
}

/// The cargo configuration files a run at the root reads, outermost first so
/// that the root's own wins (a later `--config` overrides an earlier one).
/// Cargo's home is left out: cargo reads it anyway.
fn cargo_configs(root: &Path) -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let mut configs: Vec<PathBuf> = root
        .ancestors()
        .map(|folder| folder.join(".cargo"))
        .filter(|folder| home.as_deref() != Some(folder.as_path()))
        .filter_map(|folder| {
            // When both exist cargo reads `config` and warns.
            ["config", "config.toml"].iter().map(|name| folder.join(name)).find(|path| path.is_file())
        })
        .collect();
    configs.reverse();
    configs
}

/// One cargo binary pointed at the scratch copy.
struct Cargo {
    program: OsString,
    /// Passed with `--config`, in order.
    configs: Vec<PathBuf>,
    /// The mirrored workspace root.
    root: PathBuf,
}

struct CargoRun {
    success: bool,
    stderr: String,
}

impl Cargo {
    /// `cargo update --workspace`: resolves with every locked package kept
    /// where it still fits, as any cargo command does after a manifest edit,
    /// and writes the lock; see the module comment for why this command.
    fn update(&self, offline: bool) -> Result<CargoRun, LockError> {
        let mut command = Command::new(&self.program);
        for config in &self.configs {
            command.arg("--config").arg(config);
        }
        command
            // Versions whose `rust-version` the workspace meets come first, as
            // resolver 3 does by default, whatever resolver the workspace uses.
            .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
            .args(["update", "--workspace", "--color", "never", "--manifest-path"])
            .arg(self.root.join("Cargo.toml"))
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if offline {
            command.arg("--offline");
        }
        let output = command
            .output()
            .map_err(|source| LockError::Spawn { program: PathBuf::from(&self.program), source })?;
        Ok(CargoRun {
            success: output.status.success(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// Cargo's error, without the progress lines before it, on one line: the
/// `Caused by:` chain joined with `: `, other lines with `; `.
fn cargo_errors(stderr: &str) -> String {
    const MAX_LINES: usize = 12;
    let lines: Vec<&str> = stderr.lines().map(str::trim).collect();
    let start = lines.iter().position(|line| line.starts_with("error")).unwrap_or(0);
    let mut message = String::new();
    let mut caused = false;
    let kept = lines[start..].iter().filter(|line| !line.is_empty());
    for (index, line) in kept.enumerate() {
        if index == MAX_LINES {
            message.push_str("; ...");
            break;
        }
        if *line == "Caused by:" {
            caused = true;
            continue;
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        if !message.is_empty() {
            message.push_str(if caused { ": " } else { "; " });
        }
        caused = false;
        message.push_str(line);
    }
    if message.is_empty() { "cargo printed no error".to_string() } else { message }
}

/// Compares what cargo wrote with the old lock, after giving it the old
/// lock's line endings (cargo always writes `\n`).
fn outcome(old: &str, written: &str) -> LockOutcome {
    let new = with_line_endings_of(old, written);
    if new == old { LockOutcome::Unchanged } else { LockOutcome::Updated(new) }
}

fn with_line_endings_of(old: &str, new: &str) -> String {
    let unix = new.replace("\r\n", "\n");
    if old.contains("\r\n") { unix.replace('\n', "\r\n") } else { unix }
}

/// `.` and `..` taken out without touching the file system, as cargo joins
/// a manifest's folder and a dependency's `path`.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// Where an absolute path lives in the scratch copy: under `scratch`, by all
/// its components (a Windows drive becomes a folder).
fn mirror(scratch: &Path, path: &Path) -> PathBuf {
    let mut mirrored = scratch.to_path_buf();
    for component in normalize(path).components() {
        match component {
            Component::Prefix(prefix) => {
                let drive = prefix.as_os_str().to_string_lossy().replace([':', '\\', '/', '?'], "_");
                mirrored.push(drive);
            }
            Component::Normal(part) => mirrored.push(part),
            Component::RootDir | Component::CurDir | Component::ParentDir => {}
        }
    }
    mirrored
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), LockError> {
    let scratch_error = |source| LockError::Scratch { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(scratch_error)?;
    }
    fs::write(path, bytes).map_err(scratch_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> DocumentMut {
        text.parse().expect("test manifest parses")
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn path_dependencies_come_from_every_table_that_can_hold_them() {
        let manifest = doc(r#"
[package]
name = "a"

[dependencies]
local = { path = "../local" }
registry = "1"
dotted.path = "dotted"

[dev-dependencies.long]
path = "../../long"

[build-dependencies]
builder = { path = "build-helper", version = "0.1" }

[target.'cfg(unix)'.dependencies]
unix-only = { path = "/abs/unix" }

[workspace.dependencies]
shared = { path = "../shared" }
tokio = "1"

[patch.crates-io]
tokio = { path = "../tokio" }

[replace]
"foo:0.1.0" = { path = "foo" }
"#);
        let mut found = path_dependencies(&manifest);
        found.sort();
        // `PathBuf` sorts by component: the root `/` comes first.
        assert_eq!(
            found,
            paths(&[
                "/abs/unix",
                "../../long",
                "../local",
                "../shared",
                "../tokio",
                "build-helper",
                "dotted",
                "foo"
            ])
        );
    }

    #[test]
    fn declared_targets_include_explicit_paths_and_the_build_script() {
        let manifest = doc(r#"
[package]
name = "a"
build = "tools/build.rs"

[lib]
path = "lib/mod.rs"

[[bin]]
name = "x"
path = "cmd/x.rs"

[[bin]]
name = "inferred"

example = [{ name = "demo", path = "demo.rs" }]
"#);
        assert_eq!(declared_target_paths(&manifest), paths(&["lib/mod.rs", "tools/build.rs", "cmd/x.rs"]));
        let inline = doc("example = [{ name = \"demo\", path = \"demo.rs\" }]\n");
        assert_eq!(declared_target_paths(&inline), paths(&["demo.rs"]));
    }

    #[test]
    fn inheritance_is_found_in_any_table() {
        assert!(inherits_from_workspace(doc("[package]\nversion.workspace = true\n").as_table()));
        assert!(inherits_from_workspace(doc("[dependencies]\ntokio = { workspace = true }\n").as_table()));
        assert!(inherits_from_workspace(doc("[lints]\nworkspace = true\n").as_table()));
        assert!(!inherits_from_workspace(doc("[package]\nworkspace = \"..\"\n").as_table()));
        assert!(!inherits_from_workspace(doc("[dependencies]\ntokio = \"1\"\n").as_table()));
    }

    #[test]
    fn invalid_manifests_are_named_with_their_position() {
        let error = parse_manifest(Path::new("/w/a/Cargo.toml"), "[package]\nname = \"a\"\nversion = \n")
            .expect_err("a key without a value");
        let message = error.to_string();
        assert!(message.starts_with("/w/a/Cargo.toml:3:11: not valid TOML: "), "{message}");
    }

    #[test]
    fn normalize_is_lexical_like_cargo() {
        assert_eq!(normalize(Path::new("/w/a/../../b/./c")), PathBuf::from("/b/c"));
        assert_eq!(normalize(Path::new("/../x")), PathBuf::from("/x"));
    }

    #[test]
    fn mirror_keeps_the_relative_layout_of_any_two_paths() {
        let scratch = Path::new("/tmp/s");
        assert_eq!(
            mirror(scratch, Path::new("/home/u/ws/Cargo.toml")),
            PathBuf::from("/tmp/s/home/u/ws/Cargo.toml")
        );
        assert_eq!(mirror(scratch, Path::new("/home/u/ws/../shared")), PathBuf::from("/tmp/s/home/u/shared"));
    }

    #[test]
    fn cargo_errors_drop_progress_and_join_the_cause_chain() {
        let stderr = "    Updating crates.io index\n     Locking 1 package\n\
error: failed to download `bytes v1.12.2`\n\nCaused by:\n  attempting to make an HTTP request, but --offline was specified\n";
        assert_eq!(
            cargo_errors(stderr),
            "failed to download `bytes v1.12.2`: attempting to make an HTTP request, but --offline was specified"
        );
        let select = "error: no matching package named `nope` found\nlocation searched: crates.io index\nrequired by package `a v0.1.0 (/w/a)`\n";
        assert_eq!(
            cargo_errors(select),
            "no matching package named `nope` found; location searched: crates.io index; required by package `a v0.1.0 (/w/a)`"
        );
        assert_eq!(cargo_errors(""), "cargo printed no error");
    }

    #[test]
    fn crlf_locks_stay_crlf() {
        let old = "version = 4\r\n\r\n[[package]]\r\nname = \"a\"\r\n";
        assert_eq!(
            with_line_endings_of(old, "version = 4\n\n[[package]]\nname = \"b\"\n"),
            old.replace("\"a\"", "\"b\"")
        );
        assert_eq!(outcome(old, &old.replace("\r\n", "\n")), LockOutcome::Unchanged);
        assert_eq!(with_line_endings_of("x\n", "y\r\n"), "y\n");
    }

    const OLD: &str = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["tokio"]

[[package]]
name = "backtrace"
version = "0.3.77"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "tokio"
version = "1.38.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn diff_summary_names_additions_removals_and_moves() {
        let new = OLD
            .replace(
                "name = \"backtrace\"\nversion = \"0.3.77\"",
                "name = \"tokio-util\"\nversion = \"0.7.20\"",
            )
            .replace("1.38.0", "1.54.1")
            + "\n[[package]]\nname = \"syn\"\nversion = \"2.0.1\"\n";
        assert_eq!(
            lock_diff_summary(OLD, &new),
            vec![
                "removed backtrace 0.3.77",
                "added syn 2.0.1",
                "updated tokio 1.38.0 -> 1.54.1",
                "added tokio-util 0.7.20"
            ]
        );
        assert!(lock_diff_summary(OLD, OLD).is_empty());
    }

    #[test]
    fn audit_line_names_the_tracker_and_what_moved() {
        let added = format!(
            "{OLD}\n[[package]]\nname = \"tokio-util\"\nversion = \"0.7.16\"\n\n[[package]]\nname = \"slab\"\nversion = \"0.4.12\"\n"
        );
        assert_eq!(
            lock_audit_line(OLD, &added),
            "Cargo.lock: tokio-util 0.7.16 added, 1 other package added, no package moves"
        );
        assert_eq!(lock_audit_line(&added, &added), "Cargo.lock: tokio-util 0.7.16 kept, no package moves");
        let moved = added.replace("1.38.0", "1.54.1").replace("0.7.16", "0.7.20");
        assert_eq!(
            lock_audit_line(&added, &moved),
            "Cargo.lock: tokio-util 0.7.16 -> 0.7.20, 1 moved: updated tokio 1.38.0 -> 1.54.1"
        );
        assert_eq!(lock_audit_line(OLD, OLD), "Cargo.lock: no package moves");
    }

    #[test]
    fn the_format_version_line_is_kept() {
        let v3 = OLD.replace("version = 4", "version = 3");
        assert_eq!(keep_format_version(&v3, OLD), v3);
        assert_eq!(keep_format_version(OLD, OLD), OLD);
        let unversioned = OLD.replace("version = 4\n\n", "");
        assert_eq!(
            keep_format_version(&unversioned, OLD),
            OLD,
            "a format 1 or 2 lock is left as cargo writes it"
        );
        let git = format!("{OLD}source = \"git+https://example.com/x?branch=a%2Fb#0123\"\n");
        assert_eq!(keep_format_version(&v3, &git), git, "format 4 escapes git URLs: not rewritten by hand");
    }

    #[test]
    fn moved_packages_are_pinned_where_they_were_except_tokio_util() {
        let new = OLD
            .replace("1.38.0", "1.54.1")
            .replace("name = \"syn\"\nversion = \"1.0.109\"", "name = \"syn\"\nversion = \"2.0.1\"");
        let pins = moved_packages(OLD, &new);
        assert_eq!(pins, vec![Pin::exact("syn", "1.0.109"), Pin::exact("tokio", "1.38.0")]);
        let with_tracker = format!(
            "{OLD}\n[[package]]\nname = \"tokio-util\"\nversion = \"0.7.9\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        );
        assert!(moved_packages(&with_tracker, OLD).is_empty(), "tokio-util may move");
        let patched = OLD.replace(
            "name = \"tokio\"\nversion = \"1.38.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"",
            "name = \"tokio\"\nversion = \"1.38.9\"",
        );
        assert!(moved_packages(OLD, &patched).is_empty(), "a package a [patch] replaced is not pinned back");
        assert_eq!(tracker_guard("1.32.0").map(|pin| pin.requirement), Some(">=0.7, <0.7.17".to_string()));
        assert_eq!(tracker_guard("1.44.0"), None);
        assert!(older("1.8.0", TRACKER_TOKIO) && !older("1.28.0", TRACKER_TOKIO) && older("1.9.3", "1.10.0"));
    }

    #[test]
    fn diff_summary_reports_a_source_change_and_a_bad_lock() {
        let new = OLD.replace(
            "name = \"tokio\"\nversion = \"1.38.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"",
            "name = \"tokio\"\nversion = \"1.38.0\"",
        );
        assert_eq!(
            lock_diff_summary(OLD, &new),
            vec![
                "updated tokio 1.38.0: source registry+https://github.com/rust-lang/crates.io-index -> path"
            ]
        );
        assert_eq!(
            lock_diff_summary(OLD, "[[package]]\nname = \"x\"\n"),
            vec!["cannot compare: new lock: package #1 has no name or version"]
        );
        assert!(lock_diff_summary("[[package", OLD)[0].starts_with("cannot compare: old lock: "));
    }
}
