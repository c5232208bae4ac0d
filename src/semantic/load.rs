//! Loading a workspace into rust-analyzer's database, safely: no build
//! scripts, no proc-macro server, no toolchain download, and the stub standard
//! library when the toolchain has no `rust-src`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use ra_ap_ide_db::base_db::salsa::Database as _;
use ra_ap_ide_db::base_db::{Crate, all_crates};
use ra_ap_ide_db::{FxHashMap, RootDatabase};
use ra_ap_project_model::{CargoConfig, CargoFeatures, ProjectManifest, ProjectWorkspace, RustLibSource};

use super::{prune, read_packages, targets};

/// The stub standard library, written out when the toolchain has no `rust-src`.
const STUB_STD: &[(&str, &str)] = &[
    ("core/src/lib.rs", include_str!("stub_std/core/lib.rs")),
    ("alloc/src/lib.rs", include_str!("stub_std/alloc/lib.rs")),
    ("std/src/lib.rs", include_str!("stub_std/std/lib.rs")),
];

/// An address nothing listens on: rustup pointed there cannot download anything.
const DEAD_SERVER: &str = "http://127.0.0.1:9";

/// How to load and what to look for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Project-specific spawn functions (`my_crate::tasks::spawn`), as path segments.
    pub extra_spawns: Vec<Vec<String>>,
    /// Use the stub standard library even when `rust-src` is installed.
    pub force_stub_std: bool,
    /// Worker threads for indexing (0: one per core, at most eight).
    pub threads: usize,
    /// Calls the configuration names as running until shutdown (`long-lived-calls`).
    pub long_lived_calls: Vec<String>,
}

impl Options {
    /// The names a spawn function has: `spawn` and the configured ones' last names.
    pub(super) fn needles(&self) -> Vec<String> {
        let mut needles = vec!["spawn".to_string()];
        needles.extend(self.extra_spawns.iter().filter_map(|p| p.last().cloned()));
        needles
    }
}

/// A loaded workspace.
pub(super) struct Loaded {
    pub db: RootDatabase,
    pub vfs: ra_ap_vfs::Vfs,
    pub sysroot: &'static str,
    /// How many crates of the graph are analysed (the rest are emptied: see `prune`).
    pub analysed_crates: usize,
    /// What a spawn can be called, and the macros that can write one, in the analysed crates.
    pub candidates: prune::Candidates,
    /// Time spent on name resolution of those crates (part of loading).
    pub index_time: std::time::Duration,
    /// Holds the stub standard library's folder for as long as the database lives.
    _stub: Option<tempfile::TempDir>,
}

pub(super) fn load(
    root: &Path,
    options: &Options,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Loaded, String> {
    let manifest_dir =
        manifest_dir(root).ok_or_else(|| format!("no Cargo.toml at or above {}", root.display()))?;
    let manifest_dir = std::path::absolute(&manifest_dir).map_err(|e| e.to_string())?;
    let mut extra_env: FxHashMap<String, Option<String>> = FxHashMap::default();
    for (key, value) in safe_env() {
        extra_env.insert(key.to_string(), Some(value.to_string()));
    }
    let (sysroot_src, stub, sysroot) = match rust_src(&manifest_dir) {
        Some(_) if !options.force_stub_std => (None, None, "rust-src"),
        _ => {
            let dir = write_stub_std().map_err(|e| format!("cannot write the stub standard library: {e}"))?;
            let path = ra_ap_paths::Utf8PathBuf::from_path_buf(dir.path().to_path_buf())
                .map_err(|p| format!("temporary folder is not UTF-8: {}", p.display()))?;
            let path = ra_ap_paths::AbsPathBuf::assert(path);
            (Some(path), Some(dir), "stub")
        }
    };
    let cargo_config = CargoConfig {
        all_targets: true,
        features: CargoFeatures::All,
        sysroot: Some(RustLibSource::Discover),
        sysroot_src,
        set_test: true,
        extra_env,
        ..Default::default()
    };
    let report = |message: String| progress(&message);
    let manifest = ra_ap_paths::Utf8PathBuf::from_path_buf(manifest_dir.clone())
        .map_err(|p| format!("{} is not UTF-8", p.display()))?;
    let manifest = ProjectManifest::discover_single(&ra_ap_paths::AbsPathBuf::assert(manifest))
        .map_err(|e| one_line(&format!("{e:#}")))?;
    let workspace =
        ProjectWorkspace::load(manifest, &cargo_config, &report).map_err(|e| one_line(&format!("{e:#}")))?;
    let runtimes = targets::runtime_crates(&options.extra_spawns);
    let (mut db, vfs) = read_packages::load_workspace(workspace, &cargo_config.extra_env, &runtimes);
    let (analysed_crates, candidates) = prune::empty_unneeded_crates(&mut db, &runtimes, &options.needles());
    progress(&format!("indexing {analysed_crates} crates"));
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get().min(8)),
        n => n,
    };
    let started = std::time::Instant::now();
    prime(&mut db, threads, analysed_crates);
    let index_time = started.elapsed();
    Ok(Loaded { db, vfs, sysroot, analysed_crates, candidates, index_time, _stub: stub })
}

/// Name resolution (def maps) and the trait impls of every crate, on
/// `threads` threads: what resolving the calls needs. rust-analyzer's own
/// `parallel_prime_caches` also builds every crate's import map and every
/// module's symbol index, for completion and search; on wasmtime those took
/// most of the tier's memory (1.7 GB in all) and a fifth of its time.
///
/// The crates go `PRIME_BATCH` at a time, dependencies first (see
/// `batches_by_depth`), and after each batch the database drops what it keeps
/// only as a cache (the syntax trees of files and macro expansions, beyond
/// the most recent few hundred): salsa evicts those when asked, never on its
/// own, so in one pass every tree of every crate stayed until the end. On
/// wasmtime, with only the packages the tier can need read: 1.27 GB at the
/// peak in one pass, 0.70 GB in batches of 32 crates and 64 files, 0.60 GB in
/// batches of 16 and 16; the batches' barriers cost about a fifth more time.
///
/// A graph of at most `ONE_PASS_CRATES` analysed crates (`analysed`) fits in a
/// few hundred MB: it is primed in one pass, without the barriers (116
/// packages, 13 analysed: 1.9 s and 180 MB in one pass, 2.3 s and 117 MB in
/// batches).
fn prime(db: &mut RootDatabase, threads: usize, analysed: usize) {
    let batches = if analysed <= ONE_PASS_CRATES {
        vec![all_crates(db).iter().copied().collect()]
    } else {
        batches_by_depth(db, PRIME_BATCH)
    };
    for batch in batches {
        let batch = &batch;
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                let db = db.clone();
                let next = &next;
                scope.spawn(move || {
                    while let Some(&krate) = batch.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let _ = ra_ap_hir::crate_def_map(&db, krate);
                        ra_ap_hir::attach_db(&db, || {
                            let _ = ra_ap_hir::TraitImpls::for_crate(&db, krate);
                        });
                    }
                });
            }
        });
        db.trigger_lru_eviction();
    }
}

/// How many crates are primed between two evictions of the database's caches.
const PRIME_BATCH: usize = 16;

/// Up to how many analysed crates the graph is primed in one pass.
const ONE_PASS_CRATES: usize = 64;

/// The crates of the graph in batches of at most `size`, each batch after
/// the crates its crates depend on, and no crate in the same batch as one of
/// its dependencies: a crate's def map is built from its dependencies', so a
/// thread that took a crate whose dependency another thread is still building
/// would wait for it. Crates go by depth in the graph (a crate without
/// dependencies is at depth 0, any other one deeper than all of its own).
fn batches_by_depth(db: &RootDatabase, size: usize) -> Vec<Vec<Crate>> {
    fn depth(db: &RootDatabase, krate: Crate, depths: &mut FxHashMap<Crate, usize>) -> usize {
        if let Some(&known) = depths.get(&krate) {
            return known;
        }
        // A crate graph has no cycles; mark first anyway so a malformed one ends.
        depths.insert(krate, 0);
        let below = krate.data(db).dependencies.iter().map(|dep| depth(db, dep.crate_id, depths) + 1).max();
        let found = below.unwrap_or(0);
        depths.insert(krate, found);
        found
    }
    let mut depths = FxHashMap::default();
    let mut levels: Vec<Vec<Crate>> = Vec::new();
    for krate in all_crates(db).iter().copied() {
        let level = depth(db, krate, &mut depths);
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(krate);
    }
    levels.iter().flat_map(|level| level.chunks(size.max(1)).map(<[Crate]>::to_vec)).collect()
}

/// The nearest folder at or above `path` with a `Cargo.toml`.
fn manifest_dir(path: &Path) -> Option<PathBuf> {
    let start = if path.is_file() { path.parent()? } else { path };
    let start = if start.as_os_str().is_empty() { Path::new(".") } else { start };
    start.ancestors().find(|dir| dir.join("Cargo.toml").is_file()).map(Path::to_path_buf)
}

/// Environment that keeps rustup from installing anything on the tier's behalf
/// (a `rust-src` component, a toolchain a `rust-toolchain.toml` names).
fn safe_env() -> [(&'static str, &'static str); 3] {
    [("RUSTUP_DIST_SERVER", DEAD_SERVER), ("RUSTUP_UPDATE_ROOT", DEAD_SERVER), ("RUSTUP_AUTO_INSTALL", "0")]
}

/// The toolchain's library sources, when installed (`RUST_SRC_PATH` or `rustc --print sysroot`).
fn rust_src(dir: &Path) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RUST_SRC_PATH").map(PathBuf::from)
        && path.join("core").is_dir()
    {
        return Some(path);
    }
    let mut rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    rustc.args(["--print", "sysroot"]).current_dir(dir);
    for (key, value) in safe_env() {
        rustc.env(key, value);
    }
    let output = rustc.output().ok().filter(|o| o.status.success())?;
    let sysroot = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    let library = sysroot.join("lib/rustlib/src/rust/library");
    library.join("core/src/lib.rs").is_file().then_some(library)
}

/// Writes the stub standard library into a fresh temporary folder.
fn write_stub_std() -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new().prefix("corral-stub-std-").tempdir()?;
    for (path, text) in STUB_STD {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("stub paths have a folder"))?;
        std::fs::write(path, text)?;
    }
    Ok(dir)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
