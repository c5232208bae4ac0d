//! Every call of the workspace's own files, macro expansions included, resolved
//! against the catalogue; for a spawn written in a file, the function its task
//! hands its run to is read too (see `lifetime`).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use ra_ap_hir::{AsAssocItem, Crate, Function, InFile, ModuleDef, PathResolution, ScopeDef, Semantics};
use ra_ap_ide_db::base_db::SourceDatabase;
use ra_ap_ide_db::base_db::salsa::Database as _;
use ra_ap_ide_db::{EditionedFileId, FxHashSet, RootDatabase};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange, ast, ast::HasVisibility};

use super::lifetime;
use super::prune::Candidates;
use super::targets::Targets;
use super::{GlobImport, Options, Resolution, SemanticCall, SemanticFindings};
use crate::sites::lifetime::TaskReader;

/// How deep macro expansions are followed (a macro whose expansion calls a macro ...).
const MAX_EXPANSION_DEPTH: u32 = 16;

/// How many files are resolved between two evictions of the database's caches.
const RESOLVE_BATCH: usize = 16;

thread_local! {
    /// Set while this thread analyses: rust-analyzer's panics are caught and counted, not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn resolve_workspace(
    db: &mut RootDatabase,
    vfs: &ra_ap_vfs::Vfs,
    options: &Options,
    candidates: &Candidates,
) -> SemanticFindings {
    let targets = ra_ap_hir::attach_db(db, || Targets::find(db, &options.extra_spawns));
    let crates = Crate::all(db);
    let local: Vec<Crate> = crates.iter().copied().filter(|k| k.origin(db).is_local()).collect();
    let mut files: Vec<EditionedFileId> = Vec::new();
    let mut seen = FxHashSet::default();
    for krate in &local {
        for module in krate.modules(db) {
            if let Some(file) = module.definition_source_file_id(db).file_id()
                && seen.insert(file.file_id(db))
            {
                files.push(file);
            }
        }
    }
    let needles = options.needles();
    // A file that names no spawn, and calls no macro that can write one, holds no spawn
    // call: nothing in it is resolved (see `prune::Candidates`).
    let wanted: Vec<EditionedFileId> = files
        .iter()
        .copied()
        .filter(|file| candidates.reached_by(db.file_text(file.file_id(db)).text(db)))
        .collect();
    install_quiet_hook();
    // `RESOLVE_BATCH` files at a time; between batches the database drops the
    // trees it keeps only as a cache (see `load::prime`).
    let mut parts: Vec<Part> = Vec::new();
    for batch in wanted.chunks(RESOLVE_BATCH) {
        parts.extend(resolve_files(
            db,
            vfs,
            &targets,
            &needles,
            &options.long_lived_calls,
            candidates,
            batch,
        ));
        db.trigger_lru_eviction();
    }
    let mut calls = BTreeMap::new();
    let mut globs = Vec::new();
    let mut panics = 0;
    for (part_calls, part_globs, part_panics) in parts {
        for (key, call) in part_calls {
            calls.entry(key).or_insert(call);
        }
        globs.extend(part_globs);
        panics += part_panics;
    }
    let path_of =
        |file: &EditionedFileId| vfs.file_path(file.file_id(db)).as_path().map(|p| PathBuf::from(p.as_str()));
    let mut paths: Vec<PathBuf> = files.iter().filter_map(path_of).collect();
    paths.sort();
    SemanticFindings {
        calls: calls.into_values().collect(),
        globs,
        files: paths,
        crates: crates.len(),
        local_crates: local.len(),
        targets: targets.len(),
        panics,
        ..SemanticFindings::default()
    }
}

/// What resolving some files found: their calls, their glob imports, and how
/// many times rust-analyzer panicked on them.
type Part = (BTreeMap<(PathBuf, u32, u32), SemanticCall>, Vec<GlobImport>, usize);

/// Resolves the calls of `files` on every core: each thread reads through a
/// handle of its own on the same database (nothing is written while they read).
fn resolve_files(
    db: &RootDatabase,
    vfs: &ra_ap_vfs::Vfs,
    targets: &Targets,
    needles: &[String],
    long_lived_calls: &[String],
    candidates: &Candidates,
    files: &[EditionedFileId],
) -> Vec<Part> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(files.len()).max(1);
    // A database handle is not shared between threads: each gets a clone, made here.
    let handles: Vec<RootDatabase> = (0..threads).map(|_| db.clone()).collect();
    // Thread `t` takes files `t`, `t + threads`, ...: the files of a batch go to the
    // threads in turn (a fixed share, so that which thread meets a call first, and
    // so the report, does not depend on timing).
    std::thread::scope(|scope| {
        let running: Vec<_> = handles
            .into_iter()
            .enumerate()
            .map(|(thread, db)| {
                scope.spawn(move || {
                    ra_ap_hir::attach_db(&db, || {
                        QUIET.with(|q| q.set(true));
                        let mut walker = Walker {
                            sema: Semantics::new(&db),
                            db: &db,
                            vfs,
                            targets,
                            needles: needles.to_vec(),
                            tasks: TaskReader::with_calls(long_lived_calls),
                            candidates,
                            calls: BTreeMap::new(),
                            panics: 0,
                        };
                        let mut globs = Vec::new();
                        for file in files.iter().skip(thread).step_by(threads) {
                            let tree = walker.sema.parse(*file);
                            walker.walk(tree.syntax(), false, 0);
                            if let Some(path) = walker.path_of(*file) {
                                globs.extend(walker.glob_imports(tree.syntax(), &path));
                            }
                        }
                        QUIET.with(|q| q.set(false));
                        (walker.calls, globs, walker.panics)
                    })
                })
            })
            .collect();
        running
            .into_iter()
            .map(|thread| thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

struct Walker<'a, 'db> {
    sema: Semantics<'db, RootDatabase>,
    db: &'db RootDatabase,
    vfs: &'a ra_ap_vfs::Vfs,
    targets: &'a Targets,
    needles: Vec<String>,
    /// Reads the tasks of the spawns found; it keeps the trees it indexed, so it is
    /// emptied with each batch of files.
    tasks: TaskReader,
    candidates: &'a Candidates,
    /// By (file, start, end): a call that several expansions share is one call.
    calls: BTreeMap<(PathBuf, u32, u32), SemanticCall>,
    panics: usize,
}

impl Walker<'_, '_> {
    fn walk(&mut self, root: &SyntaxNode, via_macro: bool, depth: u32) {
        for node in root.descendants() {
            match node.kind() {
                SyntaxKind::CALL_EXPR | SyntaxKind::METHOD_CALL_EXPR => {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.call(&node, via_macro)
                    }));
                    match outcome {
                        Ok(Some(call)) => self.record(call),
                        Ok(None) => {}
                        Err(_) => self.panics += 1,
                    }
                }
                SyntaxKind::MACRO_CALL if depth < MAX_EXPANSION_DEPTH => {
                    let Some(call) = ast::MacroCall::cast(node.clone()) else { continue };
                    if !self.may_write_spawn(&call) {
                        continue;
                    }
                    let expansion = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.sema.expand_macro_call(&call)
                    }));
                    match expansion {
                        Ok(Some(expansion)) => self.walk(&expansion.value, true, depth + 1),
                        Ok(None) => {}
                        Err(_) => self.panics += 1,
                    }
                }
                _ => {}
            }
        }
    }

    /// The file's private `use path::*;` items whose path is a module, with
    /// the names that module exports to the importing one.
    fn glob_imports(&self, root: &SyntaxNode, file: &std::path::Path) -> Vec<GlobImport> {
        let mut out = Vec::new();
        for item in root.descendants().filter_map(ast::Use::cast) {
            if item.visibility().is_some() {
                continue;
            }
            let Some(tree) = item.use_tree() else { continue };
            let Some(path) =
                tree.path().filter(|_| tree.star_token().is_some() && tree.use_tree_list().is_none())
            else {
                continue;
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let Some(PathResolution::Def(ModuleDef::Module(module))) = self.sema.resolve_path(&path)
                else {
                    return None;
                };
                let from = self.sema.scope(item.syntax())?.module();
                let scope = module.scope(self.db, Some(from));
                let has_traits =
                    scope.iter().any(|(_, def)| matches!(def, ScopeDef::ModuleDef(ModuleDef::Trait(_))));
                let names = scope.iter().map(|(name, _)| name.as_str().to_string()).collect();
                Some((names, has_traits))
            }));
            if let Ok(Some((names, has_traits))) = outcome {
                let (start, end) = bounds(item.syntax().text_range());
                out.push(GlobImport { file: file.to_path_buf(), start, end, names, has_traits });
            }
        }
        out
    }

    fn record(&mut self, call: SemanticCall) {
        let key = (call.file.clone(), call.start, call.end);
        match self.calls.get(&key) {
            // A spawn seen through one expansion stays a spawn when another cannot resolve it.
            Some(known) if known.family().is_some() || call.resolution == Resolution::Unresolved => {}
            _ => {
                self.calls.insert(key, call);
            }
        }
    }

    /// Resolves one call; `None` when it is neither a spawn nor named like one.
    fn call(&self, node: &SyntaxNode, via_macro: bool) -> Option<SemanticCall> {
        let (callee, name, named_like_spawn, resolution) =
            if let Some(call) = ast::MethodCallExpr::cast(node.clone()) {
                let name = call.name_ref()?;
                if !self.named_like_spawn(name.text()) {
                    return None;
                }
                let resolution = match self.sema.resolve_method_call(&call) {
                    Some(f) => self.targets.classify(self.db, f),
                    None => Resolution::Unresolved,
                };
                (name.syntax().clone(), name.text().to_string(), true, resolution)
            } else {
                let call = ast::CallExpr::cast(node.clone())?;
                let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
                let path = callee.path()?;
                let last = path.segment()?.name_ref()?;
                let named = self.named_like_spawn(last.text());
                let resolved = if named {
                    resolve_call_path(&self.sema, &path)
                } else {
                    // Name resolution only (no type inference): enough for a renamed import.
                    self.sema.scope(path.syntax()).and_then(|scope| scope.speculative_resolve(&path))
                };
                let resolution = match resolved {
                    Some(PathResolution::Def(ModuleDef::Function(f))) => self.targets.classify(self.db, f),
                    Some(_) => Resolution::Other(path.syntax().text().to_string()),
                    None => Resolution::Unresolved,
                };
                if !named && !matches!(resolution, Resolution::Spawn(_)) {
                    return None;
                }
                (callee.syntax().clone(), last.text().to_string(), named, resolution)
            };
        let resolution = match resolution {
            Resolution::Unresolved if !via_macro => {
                self.through_attributes(node).unwrap_or(Resolution::Unresolved)
            }
            other => other,
        };
        if !named_like_spawn && resolution.family().is_none() {
            return None;
        }
        let mut found = self.locate(node, &callee, name, via_macro, resolution)?;
        // A call this tier could not resolve may still be a spawn to the syntax tier (a
        // `thread::Builder` that inference over the stub standard library loses), so its task
        // is read too. A spawn a macro expansion holds is left to the syntax tier's reading of
        // its tokens.
        if !via_macro && matches!(found.resolution, Resolution::Spawn(_) | Resolution::Unresolved) {
            found.lifetime = lifetime::task_lifetime(&self.sema, &self.tasks, node);
        }
        Some(found)
    }

    /// A call inside an item an attribute macro rewrites: resolve it in the expansion.
    fn through_attributes(&self, node: &SyntaxNode) -> Option<Resolution> {
        let function = callee_in_attributes(&self.sema, &ast::Expr::cast(node.clone())?)?;
        Some(self.targets.classify(self.db, function))
    }

    /// Where a call's text is: the call itself when it (or a macro call's input)
    /// holds it; where the callee is written when a macro body builds the call.
    fn locate(
        &self,
        node: &SyntaxNode,
        callee: &SyntaxNode,
        name: String,
        via_macro: bool,
        resolution: Resolution,
    ) -> Option<SemanticCall> {
        let exact = |node: &SyntaxNode| match self.original(node) {
            Some((range, true)) => Some(range),
            _ => None,
        };
        let (file, range, callee_range, exact) = match (exact(node), exact(callee)) {
            (Some(call), Some(written)) if call.file_id == written.file_id => {
                (call.file_id, call.range, written.range, true)
            }
            _ => {
                // The callee as the macro body writes it, else the macro call that holds it all.
                let written = self.original(callee).map(|(range, _)| range);
                let range = written.unwrap_or_else(|| self.sema.original_range(callee));
                (range.file_id, range.range, range.range, false)
            }
        };
        let path = self.path_of(file)?;
        let (start, end) = bounds(range);
        let (callee_start, callee_end) = bounds(callee_range);
        Some(SemanticCall {
            file: path,
            start,
            end,
            callee_start,
            callee_end,
            name,
            resolution,
            via_macro,
            exact,
            lifetime: None,
        })
    }

    /// Where a node's text is in a real file, and whether it is there as written
    /// (a root syntax context), not as a macro definition's body.
    fn original(&self, node: &SyntaxNode) -> Option<(ra_ap_hir::FileRange, bool)> {
        let (range, context) =
            InFile::new(self.sema.hir_file_for(node), node).original_file_range_opt(self.db)?;
        Some((range, context.is_root()))
    }

    /// Whether a macro call can expand into a spawn call: its tokens name one, or its
    /// macro is one whose definition can write one.
    fn may_write_spawn(&self, call: &ast::MacroCall) -> bool {
        let tokens = call.token_tree().map(|t| t.syntax().text().to_string()).unwrap_or_default();
        let name = call.path().and_then(|p| p.segment()).and_then(|s| s.name_ref());
        self.candidates.names.iter().any(|n| tokens.contains(n.as_str()))
            || name.is_some_and(|name| self.candidates.macros.contains(name.text().to_string().as_str()))
    }

    fn named_like_spawn(&self, name: &str) -> bool {
        self.needles.iter().any(|needle| name.contains(needle.as_str()))
    }

    fn path_of(&self, file: EditionedFileId) -> Option<PathBuf> {
        let path = self.vfs.file_path(file.file_id(self.db));
        path.as_path().map(|p| PathBuf::from(p.as_str()))
    }
}

/// The function a call calls: a method through inference, a path through name resolution.
pub(super) fn callee_function(sema: &Semantics<'_, RootDatabase>, call: &ast::Expr) -> Option<Function> {
    match call {
        ast::Expr::MethodCallExpr(call) => sema.resolve_method_call(call),
        ast::Expr::CallExpr(call) => {
            let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
            match resolve_call_path(sema, &callee.path()?)? {
                PathResolution::Def(ModuleDef::Function(function)) => Some(function),
                _ => None,
            }
        }
        _ => None,
    }
}

/// What the path of a call names: by name resolution alone when that finds a free
/// function, else with the type inference of the body around the call (a method of a type,
/// `Handle::spawn`, or a path name resolution cannot settle). Inference of a function that
/// builds deep generic types (a `tower` stack) costs seconds, and a `tokio::spawn(..)` in it
/// needs none: on linkerd2-proxy, resolving went from 8.4 s to 4.4 s. A path a macro
/// expansion writes always takes the full resolution: name resolution alone would read its
/// `$crate` as the crate the macro is called in.
fn resolve_call_path<'db>(
    sema: &Semantics<'db, RootDatabase>,
    path: &ast::Path,
) -> Option<PathResolution<'db>> {
    if !sema.hir_file_for(path.syntax()).is_macro()
        && let Some(scope) = sema.scope(path.syntax())
        && let Some(found @ PathResolution::Def(ModuleDef::Function(function))) =
            scope.speculative_resolve(path)
        && function.as_assoc_item(sema.db).is_none()
    {
        return Some(found);
    }
    sema.resolve_path(path)
}

/// The function a call inside an item that an attribute macro rewrites calls, resolved in
/// the expansion.
pub(super) fn callee_in_attributes(sema: &Semantics<'_, RootDatabase>, call: &ast::Expr) -> Option<Function> {
    let expanded = sema.descend_node_into_attributes(call.clone());
    expanded.iter().filter(|copy| copy.syntax() != call.syntax()).find_map(|copy| callee_function(sema, copy))
}

impl Resolution {
    fn family(&self) -> Option<&crate::sites::model::Family> {
        match self {
            Resolution::Spawn(family) => Some(family),
            _ => None,
        }
    }
}

fn bounds(range: TextRange) -> (u32, u32) {
    (range.start().into(), range.end().into())
}

/// Wraps the panic hook, once, so that panics on a thread that analyses are not printed.
fn install_quiet_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}
