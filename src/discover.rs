//! IO at the edge: which files to read, and reading them.
//!
//! A folder with a `Cargo.toml` is asked to `cargo metadata` for its members,
//! targets and editions; any other folder is walked as it is, and each file is
//! tied to the package whose manifest is nearest above it, read with `toml`
//! and cargo's layout conventions (fast enough for a folder of vendored
//! crates). Either way every `.rs` file is listed with its package, target,
//! module path and edition, so that later stages never touch the disk.

use crate::sites::model::FileProblem;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Files larger than this are reported, not read.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// A Rust edition; it decides how a file parses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    E2015,
    E2018,
    #[default]
    E2021,
    E2024,
}

impl Edition {
    /// Reads an edition as a manifest writes it (`"2021"`).
    pub fn parse(text: &str) -> Option<Edition> {
        match text {
            "2015" => Some(Edition::E2015),
            "2018" => Some(Edition::E2018),
            "2021" => Some(Edition::E2021),
            "2024" => Some(Edition::E2024),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2015 => "2015",
            Edition::E2018 => "2018",
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        }
    }
}

/// What a target builds. Listed in the order that breaks ties when two
/// targets claim one folder: the library first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    Lib,
    Bin,
    Example,
    Test,
    Bench,
    BuildScript,
}

/// One crate of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The crate name, `-` replaced by `_`.
    pub name: String,
    pub kind: TargetKind,
    /// The crate's root file.
    pub root: PathBuf,
    pub edition: Edition,
}

/// A Cargo package found under the scanned root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub dir: PathBuf,
    pub manifest_path: PathBuf,
    /// The package's edition, for files that no target claims.
    pub edition: Edition,
    /// The oldest Rust the package declares it builds with (`rust-version`).
    pub rust_version: Option<RustVersion>,
    /// Whether `cargo publish` may publish it (`publish = false` says no).
    pub publishable: bool,
    pub targets: Vec<Target>,
    /// Set when only other members' tests use it (every member that depends on
    /// it does so as a dev-dependency): its code is production code that serves
    /// tests, named as test support. Says who uses it.
    pub only_for_tests: Option<String>,
}

/// A `rust-version` as a manifest declares it; the patch level never decides
/// what generated code may use, so only major and minor are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RustVersion {
    pub major: u64,
    pub minor: u64,
}

impl RustVersion {
    /// Reads `"1.70"` or `"1.70.1"`.
    pub fn parse(text: &str) -> Option<RustVersion> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |minor| minor.parse().ok())?;
        Some(RustVersion { major, minor })
    }
}

impl std::fmt::Display for RustVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Package {
    /// The package's library target, if it has one.
    pub fn lib(&self) -> Option<&Target> {
        self.targets.iter().find(|target| target.kind == TargetKind::Lib)
    }
}

/// A Rust file to read, and where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as found: the scanned root joined with the relative path.
    pub path: PathBuf,
    /// The path relative to the scanned root with `/` separators; for a
    /// single file given on the command line, that path as given.
    pub display: String,
    /// Index into [`Workspace::packages`].
    pub package: Option<usize>,
    /// Index into that package's targets: the target whose module tree holds
    /// the file.
    pub target: Option<usize>,
    /// The module path inside that target's crate (`src/a/b.rs` -> `a::b`).
    /// For a file no target claims, a best guess: its path below the nearest
    /// folder that holds a target root (`tests/common/mod.rs` -> `common`).
    pub module_path: Vec<String>,
    pub edition: Edition,
    /// Whether the file is under its package's `tests/` or `benches/` folder.
    pub in_test_dir: bool,
    /// A file of a workspace member outside the scanned folder: read for what its
    /// modules name (a re-export another member calls), never reported or rewritten.
    pub context_only: bool,
}

/// Everything discovery found under one root.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub root: PathBuf,
    pub packages: Vec<Package>,
    /// Sorted by `display`, each file once.
    pub files: Vec<SourceFile>,
    /// Files and folders that could not be listed, sorted by path.
    pub problems: Vec<FileProblem>,
    /// Texts held in memory (an editor's unsaved buffers), by [`SourceFile::path`]:
    /// the scan reads them instead of the files on disk.
    pub overlay: HashMap<PathBuf, String>,
    /// Where a scan keeps the facts of the files it parsed, for the next scan
    /// of the same workspace (none: every scan parses what it reads).
    pub facts_cache: Option<std::sync::Arc<crate::scan::FactsCache>>,
}

impl Workspace {
    /// The source file at `path`, when discovery found it.
    pub fn file(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|file| file.path == path)
    }
}

/// Why nothing could be discovered at all.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: cannot read: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a Rust source file (expected a folder or a `.rs` file)", path.display())]
    NotRust { path: PathBuf },
    #[error("{}: cargo metadata failed: {message}", manifest.display())]
    Metadata { manifest: PathBuf, message: String },
    #[error("invalid glob {glob:?}: {message}")]
    Glob { glob: String, message: String },
}

/// The include and exclude globs, matched against [`SourceFile::display`].
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    /// `None` lets every file in.
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl FileFilter {
    /// Compiles the globs; `*` does not cross a `/`, `**` does.
    pub fn new(include: &[String], exclude: &[String]) -> Result<FileFilter, DiscoverError> {
        let include = if include.is_empty() { None } else { Some(glob_set(include)?) };
        Ok(FileFilter { include, exclude: glob_set(exclude)? })
    }

    /// Whether a file with this display path is scanned.
    pub fn matches(&self, display: &str) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(display)) && !self.exclude.is_match(display)
    }
}

fn glob_set(globs: &[String]) -> Result<GlobSet, DiscoverError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let compiled = GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|error| DiscoverError::Glob { glob: glob.clone(), message: error.kind().to_string() })?;
        builder.add(compiled);
    }
    builder
        .build()
        .map_err(|error| DiscoverError::Glob { glob: globs.join(", "), message: error.kind().to_string() })
}

/// Lists the Rust files under `path`: a workspace, a member crate, any
/// folder, or a single `.rs` file.
///
/// Only a failing `cargo metadata` (or a path that is not there) is an error;
/// a file or folder that cannot be listed is a problem in the result, and the
/// walk goes on.
pub fn discover(path: &Path, filter: &FileFilter) -> Result<Workspace, DiscoverError> {
    let started = std::time::Instant::now();
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => DiscoverError::NotFound { path: path.to_path_buf() },
        _ => DiscoverError::Unreadable { path: path.to_path_buf(), source },
    })?;
    if metadata.is_file() {
        return discover_file(path);
    }
    let manifest = path.join("Cargo.toml");
    let mut workspace = if manifest.is_file() {
        discover_cargo(path, &manifest, filter)?
    } else {
        discover_folder(path, filter)
    };
    workspace.files.sort_by(|a, b| a.display.cmp(&b.display));
    workspace.files.dedup_by(|a, b| a.display == b.display);
    // The walk names what it found by the root joined with the relative path;
    // a problem is named like a file, relative to the root, so that printers
    // can put the root in front of both alike.
    for problem in &mut workspace.problems {
        if problem.path.strip_prefix(path).is_ok() {
            problem.path = PathBuf::from(display_path(path, &problem.path));
        }
    }
    workspace.problems.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    workspace.problems.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    crate::scan::report_stage("discover", started, &format!("{} files", workspace.files.len()));
    Ok(workspace)
}

/// Reads a file as UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, FileProblem> {
    let mut bytes = Vec::new();
    read_bytes_into(path, &mut bytes)?;
    String::from_utf8(bytes).map_err(|error| not_utf8(path, error.utf8_error()))
}

/// Reads a file as UTF-8 text into `buffer` (cleared first), which a caller
/// reading many files reuses: a fresh allocation per file costs page faults.
pub fn read_source_into<'b>(path: &Path, buffer: &'b mut Vec<u8>) -> Result<&'b str, FileProblem> {
    read_bytes_into(path, buffer)?;
    std::str::from_utf8(buffer).map_err(|error| not_utf8(path, error))
}

/// Reads a file's bytes into `buffer` (cleared first), up to the size limit.
fn read_bytes_into(path: &Path, buffer: &mut Vec<u8>) -> Result<(), FileProblem> {
    let problem = |message: String| FileProblem { path: path.to_path_buf(), message };
    buffer.clear();
    let file = fs::File::open(path).map_err(|error| problem(format!("cannot read: {error}")))?;
    // Read to the end, a byte past the limit at most: no `stat` of the file
    // first (`File::read_to_end` makes two system calls to size its buffer,
    // which a reused buffer does not need; of 18,473 files most are read only
    // to be skipped).
    (&file)
        .take(MAX_FILE_SIZE + 1)
        .read_to_end(buffer)
        .map_err(|error| problem(format!("cannot read: {error}")))?;
    if buffer.len() as u64 > MAX_FILE_SIZE {
        return Err(problem(too_large()));
    }
    Ok(())
}

fn not_utf8(path: &Path, error: std::str::Utf8Error) -> FileProblem {
    FileProblem {
        path: path.to_path_buf(),
        message: format!("not valid UTF-8 (first bad byte at offset {})", error.valid_up_to()),
    }
}

/// Reads the files that exist among `paths`, for the rewrite; a missing file
/// is simply absent from the result, an unreadable one is a problem.
pub fn read_existing(paths: &[PathBuf]) -> (HashMap<PathBuf, String>, Vec<FileProblem>) {
    let mut texts = HashMap::new();
    let mut problems = Vec::new();
    for path in paths {
        if !path.exists() {
            continue;
        }
        match read_source(path) {
            Ok(text) => {
                texts.insert(path.clone(), text);
            }
            Err(problem) => problems.push(problem),
        }
    }
    (texts, problems)
}

fn too_large() -> String {
    "file is larger than 8 MiB; skipped".to_string()
}

/// A single file named on the command line: always scanned, whatever the
/// globs say, and tied to the package whose manifest is nearest above it.
fn discover_file(path: &Path) -> Result<Workspace, DiscoverError> {
    if path.extension() != Some(OsStr::new("rs")) {
        return Err(DiscoverError::NotRust { path: path.to_path_buf() });
    }
    // The manifest above the file may be above the current folder too, so
    // the search runs on the absolute path; the display keeps what was typed.
    let display = slash_path(path);
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let path = path.as_path();
    let mut workspace =
        Workspace { root: path.parent().unwrap_or(path).to_path_buf(), ..Workspace::default() };
    let mut manifests = ManifestCache::default();
    match fs::metadata(path) {
        Ok(metadata) if metadata.len() > MAX_FILE_SIZE => {
            workspace.problems.push(FileProblem { path: path.to_path_buf(), message: too_large() })
        }
        _ => {
            workspace.files = manifests.place_all(vec![(path.to_path_buf(), display)], &mut workspace);
        }
    }
    workspace.problems.append(&mut manifests.problems);
    Ok(workspace)
}

/// A folder with a manifest: members and targets come from cargo.
fn discover_cargo(root: &Path, manifest: &Path, filter: &FileFilter) -> Result<Workspace, DiscoverError> {
    // cargo runs in `root`, so a relative manifest path would point elsewhere.
    let absolute_manifest = std::path::absolute(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(absolute_manifest)
        .current_dir(root)
        .no_deps()
        .exec()
        .map_err(|error| DiscoverError::Metadata {
            manifest: manifest.to_path_buf(),
            message: metadata_message(error),
        })?;
    let canonical_root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let target_dir = fs::canonicalize(&metadata.target_directory)
        .unwrap_or_else(|_| metadata.target_directory.clone().into_std_path_buf());
    let mut workspace = Workspace { root: root.to_path_buf(), ..Workspace::default() };
    let mut members: Vec<_> = metadata.packages.iter().collect();
    members.sort_by(|a, b| a.manifest_path.cmp(&b.manifest_path));
    // Whether each package lies outside the scanned folder.
    let mut outside = Vec::new();
    for member in members {
        let manifest_path = member.manifest_path.as_std_path();
        let Some(member_dir) = manifest_path.parent() else {
            continue;
        };
        let member_dir = fs::canonicalize(member_dir).unwrap_or_else(|_| member_dir.to_path_buf());
        // A member outside the scanned folder (`corral check crates/b` in a
        // larger workspace) is read for resolution only: `b` may call a
        // re-export that member `a` defines.
        let dir = match member_dir.strip_prefix(&canonical_root) {
            Ok(relative) => join_relative(root, relative),
            Err(_) => member_dir.clone(),
        };
        outside.push(member_dir.strip_prefix(&canonical_root).is_err());
        let mut targets: Vec<Target> = member
            .targets
            .iter()
            .filter_map(|target| {
                let kind = target_kind(&target.kind)?;
                let src = target.src_path.as_std_path();
                let src_relative = src.strip_prefix(&member_dir).map(Path::to_path_buf).or_else(|_| {
                    fs::canonicalize(src)
                        .map_err(|_| ())
                        .and_then(|src| src.strip_prefix(&member_dir).map(Path::to_path_buf).map_err(|_| ()))
                });
                let root = match src_relative {
                    Ok(relative) => join_relative(&dir, &relative),
                    Err(()) => src.to_path_buf(),
                };
                Some(Target {
                    name: crate_name(&target.name),
                    kind,
                    root,
                    edition: cargo_edition(target.edition),
                })
            })
            .collect();
        targets.sort_by(|a, b| (a.kind, &a.root).cmp(&(b.kind, &b.root)));
        workspace.packages.push(Package {
            name: member.name.clone(),
            manifest_path: dir.join("Cargo.toml"),
            dir,
            edition: cargo_edition(member.edition),
            rust_version: member
                .rust_version
                .as_ref()
                .map(|version| RustVersion { major: version.major, minor: version.minor }),
            publishable: member.publish.as_ref().is_none_or(|registries| !registries.is_empty()),
            targets,
            only_for_tests: only_for_tests(&metadata.packages, &member.name),
        });
    }
    for (index, &outside) in outside.iter().enumerate() {
        let dir = workspace.packages[index].dir.clone();
        let walk = walk(&dir, true, Some(target_dir.clone()));
        let targets = TargetIndex::new(&workspace.packages[index]);
        for found in walk.files {
            let display = display_path(root, &found);
            if !outside && !filter.matches(&display) {
                continue;
            }
            let mut file = place_in_package(found, display, &workspace.packages[index], index, &targets);
            file.context_only = outside;
            workspace.files.push(file);
        }
        // Problems of members that are not scanned are theirs to report.
        if !outside {
            workspace.problems.extend(walk.problems);
        }
    }
    Ok(workspace)
}

/// A folder without a manifest: every `.rs` file under it, each tied to the
/// package of the nearest manifest above it.
fn discover_folder(root: &Path, filter: &FileFilter) -> Workspace {
    let mut workspace = Workspace { root: root.to_path_buf(), ..Workspace::default() };
    let walking = std::time::Instant::now();
    let walk = walk(root, false, None);
    crate::scan::report_stage("walk", walking, &format!("{} files", walk.files.len()));
    let placing = std::time::Instant::now();
    let mut manifests = ManifestCache { stop_at: Some(root.to_path_buf()), ..ManifestCache::default() };
    let found: Vec<(PathBuf, String)> = walk
        .files
        .into_iter()
        .map(|path| {
            let display = display_path(root, &path);
            (path, display)
        })
        .filter(|(_, display)| filter.matches(display))
        .collect();
    workspace.files = manifests.place_all(found, &mut workspace);
    crate::scan::report_stage(
        "place in packages",
        placing,
        &format!("{} packages", workspace.packages.len()),
    );
    workspace.problems.extend(walk.problems);
    workspace.problems.append(&mut manifests.problems);
    workspace
}

fn metadata_message(error: cargo_metadata::Error) -> String {
    match error {
        cargo_metadata::Error::CargoMetadata { stderr } => stderr
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("cargo gave no reason")
            .to_string(),
        cargo_metadata::Error::Io(error) => format!("cannot run cargo: {error}"),
        other => other.to_string(),
    }
}

fn target_kind(kinds: &[cargo_metadata::TargetKind]) -> Option<TargetKind> {
    use cargo_metadata::TargetKind as Cargo;
    kinds.iter().find_map(|kind| match kind {
        Cargo::Lib | Cargo::RLib | Cargo::DyLib | Cargo::CDyLib | Cargo::StaticLib | Cargo::ProcMacro => {
            Some(TargetKind::Lib)
        }
        Cargo::Bin => Some(TargetKind::Bin),
        Cargo::Example => Some(TargetKind::Example),
        Cargo::Test => Some(TargetKind::Test),
        Cargo::Bench => Some(TargetKind::Bench),
        Cargo::CustomBuild => Some(TargetKind::BuildScript),
        _ => None,
    })
}

/// An edition newer than corral knows parses most like the newest it knows.
fn cargo_edition(edition: cargo_metadata::Edition) -> Edition {
    Edition::parse(edition.as_str()).unwrap_or(Edition::E2024)
}

fn crate_name(name: &str) -> String {
    name.replace('-', "_")
}

/// `root` joined with `relative`, without a trailing `/` for an empty one.
fn join_relative(root: &Path, relative: &Path) -> PathBuf {
    if relative.as_os_str().is_empty() { root.to_path_buf() } else { root.join(relative) }
}

/// A path with `/` between its components, whatever the platform.
pub fn slash(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn display_path(root: &Path, path: &Path) -> String {
    slash_path(path.strip_prefix(root).unwrap_or(path))
}

fn slash_path(path: &Path) -> String {
    let parts: Vec<_> = path
        .components()
        .filter(|component| !matches!(component, Component::CurDir))
        .map(|component| component.as_os_str().to_string_lossy())
        .collect();
    let joined = parts.join("/");
    if path.has_root() && !joined.starts_with('/') { format!("/{joined}") } else { joined.replace("//", "/") }
}

/// What one walk found.
struct Walk {
    files: Vec<PathBuf>,
    problems: Vec<FileProblem>,
}

/// Walks `dir` for `.rs` files, honouring `.gitignore` (in a git repository
/// or not), skipping hidden entries and cargo's `target/` folders, following
/// symbolic links. With `stop_at_packages`, a subfolder with its own
/// `Cargo.toml` is another package and is not entered.
fn walk(dir: &Path, stop_at_packages: bool, target_dir: Option<PathBuf>) -> Walk {
    let mut builder = WalkBuilder::new(dir);
    builder.follow_links(true).require_git(false).hidden(true).filter_entry(move |entry| {
        if entry.depth() == 0 || !entry.file_type().is_some_and(|kind| kind.is_dir()) {
            return true;
        }
        let other_package = stop_at_packages && entry.path().join("Cargo.toml").is_file();
        !other_package && !is_cargo_target_dir(entry, target_dir.as_deref())
    });
    // The walk runs on every core (listing folders, reading `.gitignore` files and
    // checking sizes are all system calls); each thread keeps what it finds, and the
    // lists are merged and sorted at the end, so the result is the same in any order.
    let found: Mutex<Vec<WalkPart>> = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let mut part = Part { part: WalkPart::default(), into: &found };
        Box::new(move |result| {
            part.part.visit(dir, result);
            WalkState::Continue
        })
    });
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut followed_link = false;
    for part in found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        files.extend(part.files);
        problems.extend(part.problems);
        followed_link |= part.followed_link;
    }
    // By bytes: comparing paths component by component took a third of the walk
    // of 18,000 files.
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    if followed_link {
        files = dedupe_links(dir, files);
    }
    Walk { files, problems }
}

/// What one thread of the walk found.
#[derive(Default)]
struct WalkPart {
    files: Vec<PathBuf>,
    problems: Vec<FileProblem>,
    followed_link: bool,
}

impl WalkPart {
    fn visit(&mut self, dir: &Path, result: Result<DirEntry, ignore::Error>) {
        let entry = match result {
            Ok(entry) => entry,
            Err(error) => {
                self.problems.push(walk_problem(dir, &error));
                return;
            }
        };
        self.followed_link |= entry.path_is_symlink();
        if entry.path().extension() != Some(OsStr::new("rs"))
            || !entry.file_type().is_some_and(|kind| kind.is_file())
        {
            return;
        }
        // A file too large to read is reported by the read (`read_source_into`),
        // which looks at the size of the file it opened: one `stat` per file
        // here cost a third of the walk of 18,000 files.
        self.files.push(entry.into_path());
    }
}

/// A walk thread's findings, handed over when the thread is done with them.
struct Part<'a> {
    part: WalkPart,
    into: &'a Mutex<Vec<WalkPart>>,
}

impl Drop for Part<'_> {
    fn drop(&mut self) {
        let part = std::mem::take(&mut self.part);
        self.into.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(part);
    }
}

/// Lists a file reached through several paths once, so that it is never
/// rewritten twice: under the path without links when there is one, else
/// under the first path.
fn dedupe_links(dir: &Path, mut files: Vec<PathBuf>) -> Vec<PathBuf> {
    files.sort();
    // Real path -> the index of the path kept for it, and whether that path
    // has no links in it.
    let mut kept: HashMap<PathBuf, (usize, bool)> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        let real = fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        let direct = file.strip_prefix(dir).is_ok_and(|relative| real.ends_with(relative));
        match kept.get(&real) {
            Some((_, true)) => {}
            Some((_, false)) if !direct => {}
            _ => {
                kept.insert(real, (index, direct));
            }
        }
    }
    let keep: HashSet<usize> = kept.values().map(|(index, _)| *index).collect();
    files.into_iter().enumerate().filter_map(|(index, file)| keep.contains(&index).then_some(file)).collect()
}

/// Cargo's own output folder: the workspace's target directory, or a
/// `target/` folder beside a manifest or marked as a cache.
fn is_cargo_target_dir(entry: &DirEntry, target_dir: Option<&Path>) -> bool {
    let path = entry.path();
    if entry.file_name() == "target"
        && (path.join("CACHEDIR.TAG").is_file()
            || path.parent().is_some_and(|parent| parent.join("Cargo.toml").is_file()))
    {
        return true;
    }
    target_dir.is_some_and(|target_dir| {
        entry.file_name() == target_dir.file_name().unwrap_or_default()
            && fs::canonicalize(path).is_ok_and(|path| path == target_dir)
    })
}

/// Turns a walk error into a problem naming the path it is about.
fn walk_problem(dir: &Path, error: &ignore::Error) -> FileProblem {
    fn path_of(error: &ignore::Error) -> Option<PathBuf> {
        match error {
            ignore::Error::WithPath { path, .. } => Some(path.clone()),
            ignore::Error::Loop { child, .. } => Some(child.clone()),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => path_of(err),
            ignore::Error::Partial(errors) => errors.iter().find_map(path_of),
            _ => None,
        }
    }
    fn message_of(error: &ignore::Error) -> String {
        match error {
            ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => message_of(err),
            ignore::Error::Loop { ancestor, .. } => {
                format!("symbolic link loop: leads back to {}; not followed", ancestor.display())
            }
            ignore::Error::Io(error) => format!("cannot read: {error}"),
            other => other.to_string(),
        }
    }
    FileProblem { path: path_of(error).unwrap_or_else(|| dir.to_path_buf()), message: message_of(error) }
}

/// Whether only the tests of other members use the member `name`: some member
/// depends on it, and every member that does so as a dev-dependency.
fn only_for_tests(members: &[cargo_metadata::Package], name: &str) -> Option<String> {
    let mut users = Vec::new();
    for member in members {
        for dependency in member.dependencies.iter().filter(|d| d.name == name && d.path.is_some()) {
            if dependency.kind != cargo_metadata::DependencyKind::Development {
                return None;
            }
            users.push(member.name.as_str());
        }
    }
    users.sort_unstable();
    users.dedup();
    (!users.is_empty()).then(|| format!("a crate only the tests of {} use", users.join(", ")))
}

/// Ties a file to the target whose module tree holds it.
fn place_in_package(
    path: PathBuf,
    display: String,
    package: &Package,
    index: usize,
    targets: &TargetIndex,
) -> SourceFile {
    let relative = path.strip_prefix(&package.dir).unwrap_or(&path);
    let in_test_dir = matches!(
        relative.components().next(),
        Some(Component::Normal(first)) if first == "tests" || first == "benches"
    );
    let (target, module_path) = find_target(package, targets, &path);
    let edition = target.map_or(package.edition, |target| package.targets[target].edition);
    SourceFile {
        path,
        display,
        package: Some(index),
        target,
        module_path,
        edition,
        in_test_dir,
        context_only: false,
    }
}

/// A package's targets by root and by the folder their root sits in, so that
/// placing a file costs a few lookups instead of comparing it with every target.
/// `Path`'s hash agrees with its `==` (component by component), so a lookup
/// finds what a comparison would.
#[derive(Debug, Default)]
struct TargetIndex {
    /// Root -> the first target with that root.
    roots: HashMap<PathBuf, usize>,
    /// Folder -> the first target whose root sits in it and owns the folder.
    claims: HashMap<PathBuf, usize>,
    /// Folders that hold a target root.
    holds_roots: HashSet<PathBuf>,
}

impl TargetIndex {
    fn new(package: &Package) -> TargetIndex {
        let mut index = TargetIndex::default();
        for (position, target) in package.targets.iter().enumerate() {
            index.roots.entry(target.root.clone()).or_insert(position);
            if let Some(parent) = target.root.parent() {
                if owns_folder(target) {
                    index.claims.entry(parent.to_path_buf()).or_insert(position);
                }
                index.holds_roots.insert(parent.to_path_buf());
            }
        }
        index
    }
}

/// The target for `file` and its module path in that target's crate.
///
/// A target root is its own crate root. Otherwise the nearest folder above the
/// file decides: a folder holding a library or a `main.rs` root belongs to
/// that target (the library first); a folder holding only single-file roots
/// (`src/bin/x.rs`, `tests/x.rs`, `build.rs`) belongs to none, and the file
/// gets its path below that folder as a best-guess module path.
fn find_target(package: &Package, targets: &TargetIndex, file: &Path) -> (Option<usize>, Vec<String>) {
    // Targets are sorted by kind, so the first match is the preferred one.
    if let Some(&index) = targets.roots.get(file) {
        return (Some(index), Vec::new());
    }
    let mut dir = file.parent();
    while let Some(current) = dir {
        if let Some(&index) = targets.claims.get(current) {
            return (Some(index), module_path(current, file));
        }
        if targets.holds_roots.contains(current) || current == package.dir {
            return (None, module_path(current, file));
        }
        dir = current.parent();
    }
    (None, Vec::new())
}

/// Whether a target's module tree is the whole folder its root sits in.
fn owns_folder(target: &Target) -> bool {
    target.kind == TargetKind::Lib
        || target.root.file_name().is_some_and(|name| name == "main.rs" || name == "lib.rs")
}

/// `src/a/b.rs` below `src` -> `["a", "b"]`; `src/a/mod.rs` -> `["a"]`.
fn module_path(dir: &Path, file: &Path) -> Vec<String> {
    let Ok(relative) = file.strip_prefix(dir) else {
        return Vec::new();
    };
    let mut segments: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    if segments.last().is_some_and(|last| last == "mod") {
        segments.pop();
    }
    segments
}

/// The part of a manifest discovery reads without cargo.
#[derive(Debug, Default, Deserialize)]
struct RawManifest {
    package: Option<RawPackage>,
    workspace: Option<RawWorkspace>,
    lib: Option<RawTarget>,
    #[serde(default)]
    bin: Vec<RawTarget>,
    #[serde(default)]
    example: Vec<RawTarget>,
    #[serde(default)]
    test: Vec<RawTarget>,
    #[serde(default)]
    bench: Vec<RawTarget>,
}

#[derive(Debug, Deserialize)]
struct RawPackage {
    name: String,
    /// A string, or `{ workspace = true }`.
    edition: Option<toml::Value>,
    /// A string, or `{ workspace = true }`.
    #[serde(rename = "rust-version")]
    rust_version: Option<toml::Value>,
    /// A path, or `false`.
    build: Option<toml::Value>,
    /// `false`, or the registries it may go to.
    publish: Option<toml::Value>,
    autobins: Option<bool>,
    autoexamples: Option<bool>,
    autotests: Option<bool>,
    autobenches: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct RawWorkspace {
    package: Option<RawWorkspacePackage>,
}

#[derive(Debug, Deserialize)]
struct RawWorkspacePackage {
    edition: Option<String>,
    #[serde(rename = "rust-version")]
    rust_version: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawTarget {
    name: Option<String>,
    path: Option<String>,
    edition: Option<String>,
}

/// Manifests read so far, per folder, so that each is read once however many
/// files sit below it.
#[derive(Default)]
struct ManifestCache {
    /// The highest folder searched for a manifest; `None` searches up to the
    /// file system's root.
    stop_at: Option<PathBuf>,
    /// Folder -> the folder of the nearest manifest at or above it.
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    /// Manifest folder -> index of its package in the workspace, `None` for a
    /// virtual or broken manifest.
    packages: HashMap<PathBuf, Option<usize>>,
    /// Manifest folder -> the parsed manifest, `None` when broken.
    manifests: HashMap<PathBuf, Option<RawManifest>>,
    /// Package index -> its targets, indexed.
    targets: HashMap<usize, TargetIndex>,
    problems: Vec<FileProblem>,
}

impl ManifestCache {
    /// Lists each file as a file of the package nearest above it: the
    /// manifests are read and the files placed in their targets on every core
    /// (a vendored folder has hundreds of packages); packages are numbered in
    /// the order of the files.
    fn place_all(&mut self, files: Vec<(PathBuf, String)>, workspace: &mut Workspace) -> Vec<SourceFile> {
        let dirs: Vec<Option<PathBuf>> =
            files.iter().map(|(path, _)| path.parent().and_then(|dir| self.nearest_manifest(dir))).collect();
        let mut unread: Vec<&PathBuf> = Vec::new();
        let mut seen: HashSet<&PathBuf> = HashSet::new();
        for dir in dirs.iter().flatten() {
            if !self.manifests.contains_key(dir) && seen.insert(dir) {
                unread.push(dir);
            }
        }
        let read: Vec<(PathBuf, Result<RawManifest, String>)> =
            unread.par_iter().map(|dir| ((*dir).clone(), read_manifest(&dir.join("Cargo.toml")))).collect();
        for (dir, parsed) in read {
            self.remember_manifest(dir, parsed);
        }
        let packages: Vec<Option<usize>> =
            dirs.iter().map(|dir| dir.as_ref().and_then(|dir| self.package(dir, workspace))).collect();
        for index in packages.iter().flatten() {
            if !self.targets.contains_key(index) {
                self.targets.insert(*index, TargetIndex::new(&workspace.packages[*index]));
            }
        }
        let (targets, packages_of) = (&self.targets, &workspace.packages);
        files
            .into_par_iter()
            .zip(packages)
            .map(|((path, display), package)| match package {
                Some(index) => place_in_package(path, display, &packages_of[index], index, &targets[&index]),
                None => outside_packages(path, display),
            })
            .collect()
    }

    fn nearest_manifest(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.nearest.get(dir) {
            return found.clone();
        }
        let found = if dir.join("Cargo.toml").is_file() {
            Some(dir.to_path_buf())
        } else if self.stop_at.as_deref() == Some(dir) {
            None
        } else {
            match dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => self.nearest_manifest(parent),
                _ => None,
            }
        };
        self.nearest.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The package of the manifest in `dir`, made on first use.
    fn package(&mut self, dir: &Path, workspace: &mut Workspace) -> Option<usize> {
        if let Some(index) = self.packages.get(dir) {
            return *index;
        }
        let index = self.make_package(dir).map(|package| {
            workspace.packages.push(package);
            workspace.packages.len() - 1
        });
        self.packages.insert(dir.to_path_buf(), index);
        index
    }

    fn manifest(&mut self, dir: &Path) -> Option<&RawManifest> {
        if !self.manifests.contains_key(dir) {
            let parsed = read_manifest(&dir.join("Cargo.toml"));
            self.remember_manifest(dir.to_path_buf(), parsed);
        }
        self.manifests.get(dir).and_then(Option::as_ref)
    }

    /// Keeps a manifest read, or the problem of one that could not be.
    fn remember_manifest(&mut self, dir: PathBuf, parsed: Result<RawManifest, String>) {
        let parsed = match parsed {
            Ok(manifest) => Some(manifest),
            Err(message) => {
                self.problems.push(FileProblem { path: dir.join("Cargo.toml"), message });
                None
            }
        };
        self.manifests.insert(dir, parsed);
    }

    fn make_package(&mut self, dir: &Path) -> Option<Package> {
        let manifest = self.manifest(dir)?;
        let package = manifest.package.as_ref()?;
        let inherits_edition = matches!(
            &package.edition,
            Some(toml::Value::Table(table)) if table.get("workspace").and_then(toml::Value::as_bool) == Some(true)
        );
        // Cargo's default when a manifest names no edition is 2015.
        let written = match &package.edition {
            Some(toml::Value::String(text)) => Some(Edition::parse(text).unwrap_or(Edition::E2024)),
            None => Some(Edition::E2015),
            Some(_) => None,
        };
        let targets_spec = guess_targets(dir, manifest);
        let name = package.name.clone();
        let rust_version_field = package.rust_version.clone();
        let publishable = match &package.publish {
            Some(toml::Value::Boolean(allowed)) => *allowed,
            Some(toml::Value::Array(registries)) => !registries.is_empty(),
            _ => true,
        };
        let edition = match written {
            Some(edition) => edition,
            None if inherits_edition => self.workspace_edition(dir).unwrap_or_default(),
            None => Edition::default(),
        };
        let targets = targets_spec
            .into_iter()
            .map(|guess| Target {
                name: crate_name(guess.name.as_deref().unwrap_or(&name)),
                kind: guess.kind,
                root: guess.root,
                edition: guess.edition.unwrap_or(edition),
            })
            .collect();
        let rust_version = match rust_version_field {
            Some(toml::Value::String(text)) => RustVersion::parse(&text),
            Some(toml::Value::Table(table))
                if table.get("workspace").and_then(toml::Value::as_bool) == Some(true) =>
            {
                self.workspace_package(dir)
                    .and_then(|package| package.rust_version.as_deref())
                    .and_then(RustVersion::parse)
            }
            _ => None,
        };
        Some(Package {
            manifest_path: dir.join("Cargo.toml"),
            dir: dir.to_path_buf(),
            name,
            edition,
            rust_version,
            publishable,
            targets,
            only_for_tests: None,
        })
    }

    /// `[workspace.package] edition` of the workspace above `dir`.
    fn workspace_edition(&mut self, dir: &Path) -> Option<Edition> {
        let edition = self.workspace_package(dir)?.edition.as_deref()?;
        Some(Edition::parse(edition).unwrap_or(Edition::E2024))
    }

    /// `[workspace.package]` of the workspace above `dir`.
    fn workspace_package(&mut self, dir: &Path) -> Option<&RawWorkspacePackage> {
        let mut current = fs::canonicalize(dir).ok()?;
        loop {
            if current.join("Cargo.toml").is_file()
                && self.manifest(&current).is_some_and(|m| m.workspace.is_some())
            {
                return self.manifest(&current)?.workspace.as_ref()?.package.as_ref();
            }
            current = current.parent()?.to_path_buf();
        }
    }
}

/// Reads and parses a manifest; the error says what is wrong with it.
fn read_manifest(path: &Path) -> Result<RawManifest, String> {
    let text = fs::read_to_string(path).map_err(|error| format!("cannot read: {error}"))?;
    toml::from_str::<RawManifest>(&text)
        .map_err(|error| format!("cannot read the manifest: {}", error.message().trim_end()))
}

/// A file no package holds: no target, no module path.
fn outside_packages(path: PathBuf, display: String) -> SourceFile {
    SourceFile {
        path,
        display,
        package: None,
        target: None,
        module_path: Vec::new(),
        edition: Edition::default(),
        in_test_dir: false,
        context_only: false,
    }
}

/// Cargo's name for a build script's crate.
fn build_name() -> Option<String> {
    Some("build-script-build".to_string())
}

/// A target found by cargo's layout conventions.
struct GuessedTarget {
    /// `None` means the package's name.
    name: Option<String>,
    kind: TargetKind,
    root: PathBuf,
    edition: Option<Edition>,
}

/// The targets cargo would find in `dir`: explicit `[lib]` / `[[bin]]` /
/// ... paths, then `src/lib.rs`, `src/main.rs`, `src/bin/`, `examples/`,
/// `tests/`, `benches/` and `build.rs`, keyed by root so none is listed twice.
fn guess_targets(dir: &Path, manifest: &RawManifest) -> Vec<GuessedTarget> {
    let mut found: BTreeMap<PathBuf, GuessedTarget> = BTreeMap::new();
    let mut add = |root: PathBuf, kind: TargetKind, name: Option<String>, edition: Option<Edition>| {
        if root.is_file() {
            found.entry(root.clone()).or_insert(GuessedTarget { name, kind, root, edition });
        }
    };
    let explicit = |raw: &RawTarget| raw.edition.as_deref().and_then(Edition::parse);
    if let Some(lib) = &manifest.lib {
        let root = dir.join(lib.path.as_deref().unwrap_or("src/lib.rs"));
        add(root, TargetKind::Lib, lib.name.clone(), explicit(lib));
    }
    for (list, kind, folder) in [
        (&manifest.bin, TargetKind::Bin, "src/bin"),
        (&manifest.example, TargetKind::Example, "examples"),
        (&manifest.test, TargetKind::Test, "tests"),
        (&manifest.bench, TargetKind::Bench, "benches"),
    ] {
        for raw in list {
            let root = match (&raw.path, &raw.name) {
                (Some(path), _) => dir.join(path),
                (None, Some(name)) => {
                    let single = dir.join(folder).join(format!("{name}.rs"));
                    if single.is_file() { single } else { dir.join(folder).join(name).join("main.rs") }
                }
                (None, None) => continue,
            };
            add(root, kind, raw.name.clone(), explicit(raw));
        }
    }
    add(dir.join("src/lib.rs"), TargetKind::Lib, None, None);
    let package = manifest.package.as_ref();
    let auto = |flag: Option<bool>| flag.unwrap_or(true);
    if auto(package.and_then(|package| package.autobins)) {
        add(dir.join("src/main.rs"), TargetKind::Bin, None, None);
    }
    for (flag, kind, folder) in [
        (package.and_then(|p| p.autobins), TargetKind::Bin, "src/bin"),
        (package.and_then(|p| p.autoexamples), TargetKind::Example, "examples"),
        (package.and_then(|p| p.autotests), TargetKind::Test, "tests"),
        (package.and_then(|p| p.autobenches), TargetKind::Bench, "benches"),
    ] {
        if !auto(flag) {
            continue;
        }
        let Ok(entries) = fs::read_dir(dir.join(folder)) else {
            continue;
        };
        let mut roots: Vec<(PathBuf, String)> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let path = entry.path();
                let stem = path.file_stem()?.to_string_lossy().into_owned();
                if path.is_dir() {
                    Some((path.join("main.rs"), stem))
                } else if path.extension() == Some(OsStr::new("rs")) {
                    Some((path, stem))
                } else {
                    None
                }
            })
            .collect();
        roots.sort();
        for (root, name) in roots {
            add(root, kind, Some(name), None);
        }
    }
    match package.and_then(|package| package.build.as_ref()) {
        Some(toml::Value::String(path)) => add(dir.join(path), TargetKind::BuildScript, build_name(), None),
        Some(toml::Value::Boolean(false)) => {}
        _ => add(dir.join("build.rs"), TargetKind::BuildScript, build_name(), None),
    }
    let mut targets: Vec<GuessedTarget> = found.into_values().collect();
    targets.sort_by(|a, b| (a.kind, &a.root).cmp(&(b.kind, &b.root)));
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` (path, content) under a fresh temporary folder.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        dir
    }

    fn everything() -> FileFilter {
        FileFilter::default()
    }

    fn displays(workspace: &Workspace) -> Vec<&str> {
        workspace.files.iter().map(|file| file.display.as_str()).collect()
    }

    fn file<'a>(workspace: &'a Workspace, display: &str) -> &'a SourceFile {
        workspace
            .files
            .iter()
            .find(|file| file.display == display)
            .unwrap_or_else(|| panic!("{display} not found in {:?}", displays(workspace)))
    }

    /// The target name and module path of a file, as `name::a::b`.
    fn place(workspace: &Workspace, display: &str) -> String {
        let file = file(workspace, display);
        let target = match (file.package, file.target) {
            (Some(package), Some(target)) => workspace.packages[package].targets[target].name.clone(),
            (Some(_), None) => "?".to_string(),
            _ => "-".to_string(),
        };
        std::iter::once(target).chain(file.module_path.iter().cloned()).collect::<Vec<_>>().join("::")
    }

    const MEMBER_A: &str = "[package]\nname = \"member-a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    const MEMBER_B: &str = "[package]\nname = \"member-b\"\nversion = \"0.1.0\"\nedition = \"2018\"\n";

    fn two_member_workspace() -> tempfile::TempDir {
        tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/a\", \"crates/b\"]\nexclude = [\"crates/a/fuzz\"]\nresolver = \"2\"\n",
            ),
            ("crates/a/Cargo.toml", MEMBER_A),
            ("crates/a/src/lib.rs", "pub mod rt;\n"),
            ("crates/a/src/rt.rs", ""),
            ("crates/a/src/net/mod.rs", ""),
            ("crates/a/src/net/tcp.rs", ""),
            ("crates/a/src/main.rs", "fn main() {}\n"),
            ("crates/a/src/bin/tool.rs", "fn main() {}\n"),
            ("crates/a/src/bin/big/main.rs", "mod cli;\nfn main() {}\n"),
            ("crates/a/src/bin/big/cli.rs", ""),
            ("crates/a/tests/it.rs", ""),
            ("crates/a/tests/common/mod.rs", ""),
            ("crates/a/build.rs", "fn main() {}\n"),
            ("crates/a/README.md", ""),
            ("crates/a/fuzz/Cargo.toml", "[package]\nname = \"fuzz\"\nversion = \"0.1.0\"\n"),
            ("crates/a/fuzz/src/lib.rs", ""),
            ("crates/b/Cargo.toml", MEMBER_B),
            ("crates/b/src/lib.rs", ""),
            ("target/debug/build/out.rs", ""),
        ])
    }

    #[test]
    fn two_member_workspace_lists_every_member_file() {
        let dir = two_member_workspace();
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(
            displays(&workspace),
            [
                "crates/a/build.rs",
                "crates/a/src/bin/big/cli.rs",
                "crates/a/src/bin/big/main.rs",
                "crates/a/src/bin/tool.rs",
                "crates/a/src/lib.rs",
                "crates/a/src/main.rs",
                "crates/a/src/net/mod.rs",
                "crates/a/src/net/tcp.rs",
                "crates/a/src/rt.rs",
                "crates/a/tests/common/mod.rs",
                "crates/a/tests/it.rs",
                "crates/b/src/lib.rs",
            ]
        );
        assert!(workspace.problems.is_empty(), "{:?}", workspace.problems);
        let names: Vec<_> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["member-a", "member-b"]);
        let a = &workspace.packages[0];
        assert_eq!(a.dir, dir.path().join("crates/a"));
        assert_eq!(a.manifest_path, dir.path().join("crates/a/Cargo.toml"));
        assert_eq!(a.lib().unwrap().name, "member_a");
        assert_eq!(a.lib().unwrap().root, dir.path().join("crates/a/src/lib.rs"));
        let lib_rs = file(&workspace, "crates/a/src/lib.rs");
        assert_eq!(lib_rs.path, dir.path().join("crates/a/src/lib.rs"));
        assert_eq!(lib_rs.package, Some(0));
        assert_eq!(lib_rs.edition, Edition::E2021);
        assert_eq!(file(&workspace, "crates/b/src/lib.rs").edition, Edition::E2018);
    }

    #[test]
    fn module_paths_follow_the_target_trees() {
        let dir = two_member_workspace();
        let workspace = discover(dir.path(), &everything()).unwrap();
        for (display, expected) in [
            ("crates/a/src/lib.rs", "member_a"),
            ("crates/a/src/rt.rs", "member_a::rt"),
            ("crates/a/src/net/mod.rs", "member_a::net"),
            ("crates/a/src/net/tcp.rs", "member_a::net::tcp"),
            ("crates/a/src/main.rs", "member_a"),
            ("crates/a/src/bin/tool.rs", "tool"),
            ("crates/a/src/bin/big/main.rs", "big"),
            ("crates/a/src/bin/big/cli.rs", "big::cli"),
            ("crates/a/tests/it.rs", "it"),
            ("crates/a/tests/common/mod.rs", "?::common"),
            ("crates/a/build.rs", "build_script_build"),
            ("crates/b/src/lib.rs", "member_b"),
        ] {
            assert_eq!(place(&workspace, display), expected, "{display}");
        }
        let main_rs = file(&workspace, "crates/a/src/main.rs");
        let a = &workspace.packages[0];
        assert_eq!(a.targets[main_rs.target.unwrap()].kind, TargetKind::Bin);
        assert!(file(&workspace, "crates/a/tests/it.rs").in_test_dir);
        assert!(file(&workspace, "crates/a/tests/common/mod.rs").in_test_dir);
        assert!(!file(&workspace, "crates/a/src/rt.rs").in_test_dir);
    }

    #[test]
    fn member_folder_reads_other_members_for_context_only() {
        let dir = two_member_workspace();
        let workspace = discover(&dir.path().join("crates/b"), &everything()).unwrap();
        let scanned: Vec<&str> =
            workspace.files.iter().filter(|f| !f.context_only).map(|f| f.display.as_str()).collect();
        assert_eq!(scanned, ["src/lib.rs"]);
        assert_eq!(place(&workspace, "src/lib.rs"), "member_b");
        // Member `a` is there for resolution (its re-exports), never to report.
        assert_eq!(workspace.packages.len(), 2);
        let others: Vec<&SourceFile> = workspace.files.iter().filter(|f| f.context_only).collect();
        assert!(others.iter().any(|f| f.display.ends_with("crates/a/src/rt.rs")), "{others:?}");
    }

    #[test]
    fn nested_package_is_not_entered() {
        let dir = two_member_workspace();
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert!(!displays(&workspace).iter().any(|d| d.contains("fuzz")), "{:?}", displays(&workspace));
    }

    #[test]
    fn broken_manifest_is_a_metadata_error_naming_it() {
        let dir = tree(&[("Cargo.toml", "[package\n"), ("src/lib.rs", "")]);
        let error = discover(dir.path(), &everything()).unwrap_err();
        let message = error.to_string();
        let manifest = dir.path().join("Cargo.toml");
        assert!(
            message.starts_with(&format!("{}: cargo metadata failed: ", manifest.display())),
            "{message}"
        );
        assert!(matches!(error, DiscoverError::Metadata { .. }));
    }

    #[test]
    fn folder_without_manifest_guesses_packages() {
        let dir = tree(&[
            ("foo/Cargo.toml", "[package]\nname = \"foo-bar\"\nedition = \"2018\"\n"),
            ("foo/src/lib.rs", ""),
            ("foo/src/x/y.rs", ""),
            ("foo/src/bin/run.rs", ""),
            ("foo/examples/demo.rs", ""),
            ("old/Cargo.toml", "[package]\nname = \"old\"\n"),
            ("old/lib/mylib.rs", ""),
            ("old/lib/inner.rs", ""),
            ("old/Cargo.toml.orig", ""),
            ("broken/Cargo.toml", "[package\n"),
            ("broken/src/lib.rs", ""),
            ("loose.rs", ""),
        ]);
        fs::write(
            dir.path().join("old/Cargo.toml"),
            "[package]\nname = \"old\"\n[lib]\npath = \"lib/mylib.rs\"\n",
        )
        .unwrap();
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(
            displays(&workspace),
            [
                "broken/src/lib.rs",
                "foo/examples/demo.rs",
                "foo/src/bin/run.rs",
                "foo/src/lib.rs",
                "foo/src/x/y.rs",
                "loose.rs",
                "old/lib/inner.rs",
                "old/lib/mylib.rs",
            ]
        );
        assert_eq!(place(&workspace, "foo/src/x/y.rs"), "foo_bar::x::y");
        assert_eq!(place(&workspace, "foo/src/bin/run.rs"), "run");
        assert_eq!(place(&workspace, "foo/examples/demo.rs"), "demo");
        assert_eq!(place(&workspace, "old/lib/inner.rs"), "old::inner");
        assert_eq!(place(&workspace, "loose.rs"), "-");
        assert_eq!(place(&workspace, "broken/src/lib.rs"), "-");
        assert_eq!(file(&workspace, "foo/src/x/y.rs").edition, Edition::E2018);
        // No edition in the manifest means 2015, as cargo reads it.
        assert_eq!(file(&workspace, "old/lib/inner.rs").edition, Edition::E2015);
        assert_eq!(file(&workspace, "loose.rs").edition, Edition::E2021);
        assert_eq!(workspace.problems.len(), 1, "{:?}", workspace.problems);
        // Relative to the root, like a file's display path.
        assert_eq!(workspace.problems[0].path, PathBuf::from("broken/Cargo.toml"));
        assert!(
            workspace.problems[0].message.starts_with("cannot read the manifest: "),
            "{}",
            workspace.problems[0].message
        );
    }

    #[test]
    fn folder_inherits_the_workspace_edition() {
        let dir = tree(&[
            ("ws/Cargo.toml", "[workspace]\nmembers = [\"m\"]\n[workspace.package]\nedition = \"2024\"\n"),
            ("ws/m/Cargo.toml", "[package]\nname = \"m\"\nedition.workspace = true\n"),
            ("ws/m/src/lib.rs", ""),
        ]);
        let workspace = discover(&dir.path().join("ws/m/src"), &everything()).unwrap();
        // The manifest search stops at the scanned folder.
        assert_eq!(place(&workspace, "lib.rs"), "-");
        let workspace = discover(&dir.path().join("ws/m/src/lib.rs"), &everything()).unwrap();
        let lib_rs = &workspace.files[0];
        assert_eq!(place(&workspace, &lib_rs.display), "m");
        assert_eq!(lib_rs.edition, Edition::E2024);
    }

    #[test]
    fn single_file_keeps_the_path_as_given() {
        let dir = tree(&[("Cargo.toml", MEMBER_A), ("src/rt.rs", ""), ("src/lib.rs", "")]);
        let path = dir.path().join("src/rt.rs");
        let workspace = discover(&path, &FileFilter::new(&[], &["**".into()]).unwrap()).unwrap();
        assert_eq!(displays(&workspace), [slash_path(&path)]);
        assert_eq!(place(&workspace, &slash_path(&path)), "member_a::rt");
    }

    #[test]
    fn single_file_must_be_rust() {
        let dir = tree(&[("notes.txt", "")]);
        let error = discover(&dir.path().join("notes.txt"), &everything()).unwrap_err();
        assert!(matches!(error, DiscoverError::NotRust { .. }), "{error}");
    }

    #[test]
    fn missing_path_is_an_error() {
        let dir = tree(&[]);
        let error = discover(&dir.path().join("nope"), &everything()).unwrap_err();
        assert!(error.to_string().ends_with("nope: no such file or folder"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_a_problem_named_relative_to_the_root_and_the_walk_goes_on() {
        let dir = tree(&[("src/lib.rs", ""), ("src/a/b.rs", "")]);
        std::os::unix::fs::symlink("..", dir.path().join("src/a/up")).unwrap();
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(displays(&workspace), ["src/a/b.rs", "src/lib.rs"]);
        assert_eq!(workspace.problems.len(), 1, "{:?}", workspace.problems);
        // Printers put the root in front of a problem's path, as they do for a
        // site's; a path that held the root already came out twice.
        assert_eq!(workspace.problems[0].path, PathBuf::from("src/a/up"));
        assert!(
            workspace.problems[0].message.starts_with("symbolic link loop"),
            "{}",
            workspace.problems[0].message
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_folder_is_scanned_once() {
        let dir = tree(&[("real/x.rs", "")]);
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("alias")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("zlink")).unwrap();
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(displays(&workspace), ["real/x.rs"]);
        std::fs::rename(dir.path().join("real"), dir.path().join(".real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join(".real"), dir.path().join("alias2")).unwrap();
        std::fs::remove_file(dir.path().join("alias")).unwrap();
        std::fs::remove_file(dir.path().join("zlink")).unwrap();
        std::os::unix::fs::symlink(dir.path().join(".real"), dir.path().join("zlink2")).unwrap();
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(displays(&workspace), ["alias2/x.rs"]);
    }

    #[test]
    fn gitignored_file_is_skipped_without_git() {
        let dir = tree(&[
            (".gitignore", "generated.rs\n"),
            ("src/lib.rs", ""),
            ("src/generated.rs", ""),
            (".hidden/x.rs", ""),
        ]);
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(displays(&workspace), ["src/lib.rs"]);
    }

    #[test]
    fn cargo_target_folder_is_skipped_but_a_module_named_target_is_not() {
        let dir = tree(&[
            ("Cargo.toml", MEMBER_A),
            ("src/lib.rs", ""),
            ("src/target/mod.rs", ""),
            ("target/debug/x.rs", ""),
        ]);
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(displays(&workspace), ["src/lib.rs", "src/target/mod.rs"]);
    }

    #[test]
    fn include_and_exclude_match_the_display_path() {
        let dir = tree(&[("src/lib.rs", ""), ("src/gen/out.rs", ""), ("tools/x.rs", "")]);
        let filter = FileFilter::new(&["src/**".into()], &["src/gen/**".into()]).unwrap();
        let workspace = discover(dir.path(), &filter).unwrap();
        assert_eq!(displays(&workspace), ["src/lib.rs"]);
        let filter = FileFilter::new(&["*.rs".into()], &[]).unwrap();
        assert!(!filter.matches("src/lib.rs"), "`*` must not cross `/`");
    }

    #[test]
    fn invalid_glob_is_an_error() {
        let error = FileFilter::new(&["a[".into()], &[]).unwrap_err();
        assert!(error.to_string().starts_with("invalid glob \"a[\": "), "{error}");
    }

    #[test]
    fn huge_file_is_reported_when_read_and_not_scanned() {
        let dir = tree(&[("small.rs", "fn f() { tokio::spawn(x); }\n")]);
        let big = fs::File::create(dir.path().join("big.rs")).unwrap();
        big.set_len(MAX_FILE_SIZE + 1).unwrap();
        let workspace = discover(dir.path(), &everything()).unwrap();
        assert_eq!(displays(&workspace), ["big.rs", "small.rs"]);
        let problem = read_source(&dir.path().join("big.rs")).unwrap_err();
        assert_eq!(problem.message, "file is larger than 8 MiB; skipped");
        let scanned = crate::scan::scan(&workspace, &crate::config::Config::default());
        let problems: Vec<(String, &str)> =
            scanned.problems.iter().map(|p| (slash(&p.path), p.message.as_str())).collect();
        assert_eq!(problems, [("big.rs".to_string(), "file is larger than 8 MiB; skipped")]);
        assert_eq!(scanned.sites.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(), ["small.rs"]);
    }

    #[test]
    fn read_source_reports_the_first_bad_byte() {
        let dir = tree(&[]);
        let path = dir.path().join("bad.rs");
        fs::write(&path, b"fn main() {}\n\xff\xfe").unwrap();
        let problem = read_source(&path).unwrap_err();
        assert_eq!(problem.path, path);
        assert_eq!(problem.message, "not valid UTF-8 (first bad byte at offset 13)");
    }

    #[test]
    fn read_source_reads_text_and_reports_missing_files() {
        let dir = tree(&[("ok.rs", "fn main() {}\n")]);
        assert_eq!(read_source(&dir.path().join("ok.rs")).unwrap(), "fn main() {}\n");
        let problem = read_source(&dir.path().join("gone.rs")).unwrap_err();
        assert!(problem.message.starts_with("cannot read: "), "{}", problem.message);
    }

    #[test]
    fn editions_parse_from_manifest_strings() {
        assert_eq!(Edition::parse("2015"), Some(Edition::E2015));
        assert_eq!(Edition::parse("2024"), Some(Edition::E2024));
        assert_eq!(Edition::parse("2030"), None);
        assert_eq!(Edition::default(), Edition::E2021);
        assert_eq!(Edition::E2018.as_str(), "2018");
    }
}
