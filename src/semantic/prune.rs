//! Which dependency crates the semantic tier needs analysed, and emptying the
//! rest before anything is computed.
//!
//! Name resolution of the whole dependency graph is most of the tier's cost,
//! and most of the graph cannot matter to a spawn: a crate can only define or
//! re-export a spawn function, or a type whose methods spawn, if it is a
//! runtime crate or depends (directly or not) on one. So the tier analyses:
//! the standard library, the workspace's own crates, their direct
//! dependencies (so that the workspace's own types, a `Lazy<Runtime>` say,
//! still resolve), and every crate that is or reaches a runtime crate (the
//! only ones that can re-export a spawn or hand out a runtime). Everything
//! else keeps its place in the graph with an empty root file: imports of it do
//! not resolve, which no spawn depends on.
//!
//! The runtime crates' own dependencies (`libc`, `mio`, `pin-project-lite`
//! under tokio) are not analysed either: every function and type of the
//! catalogue is written in its runtime crate itself, not made by a
//! dependency's macro. On a 116-package graph (axum, hyper, reqwest, tower)
//! this leaves 13 crates and halves the tier's time.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ra_ap_hir::ChangeWithProcMacros;
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::base_db::{Crate, SourceDatabase, SourceRootId, all_crates};

use crate::parse::holds_any_word;

/// One crate of the graph, as much as the choice needs.
#[derive(Debug, Clone, Default)]
pub(super) struct Node {
    pub name: String,
    pub local: bool,
    /// Part of the standard library.
    pub lang: bool,
    /// Indexes of the crates it depends on.
    pub deps: Vec<usize>,
}

/// Which crates of `graph` to analyse when every local crate can reach a spawn;
/// `runtimes` are the runtime crates' names.
#[cfg(test)]
pub(super) fn crates_to_analyse(graph: &[Node], runtimes: &[String]) -> Vec<bool> {
    let reaches = reaching_runtimes(graph, runtimes);
    let seeds: Vec<bool> = graph.iter().map(|n| n.local).collect();
    crates_needed(graph, &seeds, &reaches)
}

/// Which crates' packages the tier can ever read, known from the graph alone:
/// the standard library, the workspace's crates, their direct dependencies,
/// and every crate that is or reaches a runtime crate. `empty_unneeded_crates`
/// keeps some of these; the others are never read (see `read_packages`).
pub(super) fn worth_reading(graph: &[Node], runtimes: &[String]) -> Vec<bool> {
    let reaches = reaching_runtimes(graph, runtimes);
    let mut wanted: Vec<bool> =
        (0..graph.len()).map(|i| graph[i].local || graph[i].lang || reaches[i]).collect();
    for node in graph.iter().filter(|node| node.local) {
        for &dep in &node.deps {
            wanted[dep] = true;
        }
    }
    wanted
}

/// For each crate of `graph`, whether it is, or depends on, one of the
/// runtime crates (named `runtimes`).
fn reaching_runtimes(graph: &[Node], runtimes: &[String]) -> Vec<bool> {
    fn reaches(graph: &[Node], index: usize, runtimes: &[String], memo: &mut [Option<bool>]) -> bool {
        if let Some(known) = memo[index] {
            return known;
        }
        // A crate graph has no cycles; mark first anyway so a malformed one ends.
        memo[index] = Some(false);
        let found = runtimes.contains(&graph[index].name)
            || graph[index].deps.iter().any(|&dep| reaches(graph, dep, runtimes, memo));
        memo[index] = Some(found);
        found
    }
    let mut memo = vec![None; graph.len()];
    (0..graph.len()).map(|index| reaches(graph, index, runtimes, &mut memo)).collect()
}

/// The names a spawn can be called by in the workspace, and the macros that can write one.
#[derive(Debug, Clone, Default)]
pub(super) struct Candidates {
    /// `spawn`, the configured spawn names, and the names the workspace imports them as
    /// (`use tokio::spawn as go;`). A call named otherwise cannot be a spawn.
    pub names: Vec<String>,
    /// Macros (`macro_rules!` names) whose definition's file names a spawn or one of these
    /// macros: only their calls, and calls whose tokens name a spawn, can expand into one.
    pub macros: HashSet<String>,
}

impl Candidates {
    /// Whether `text` names a spawn or calls a macro that can write one.
    pub fn reached_by(&self, text: &str) -> bool {
        holds_any_word(text, &self.names) || self.macros.iter().any(|name| calls_macro(text, name))
    }
}

/// Empties the root file of every crate the tier does not need; returns how
/// many crates are left to analyse, and what a spawn can be called in them.
/// `runtimes`: the crates whose items can be spawn functions or spawning types
/// (the catalogue's and the configuration's); `needles`: the names of the spawns.
///
/// A local crate is needed when one of its package's files can reach a spawn
/// (see `Candidates`), or when a needed local crate depends on it (its types may
/// be the receivers of spawns). Local crates that cannot are left empty as the
/// rest of the graph is, and so are the crates only they depend on.
pub(super) fn empty_unneeded_crates(
    db: &mut RootDatabase,
    runtimes: &[String],
    needles: &[String],
) -> (usize, Candidates) {
    let crates = all_crates(db);
    let indexes: HashMap<Crate, usize> = crates.iter().enumerate().map(|(i, &k)| (k, i)).collect();
    let index_of = |krate: Crate| indexes.get(&krate).copied();
    let graph: Vec<Node> = crates
        .iter()
        .map(|&krate| {
            let data = krate.data(db);
            Node {
                name: krate.extra_data(db).display_name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                local: data.origin.is_local(),
                lang: data.origin.is_lang(),
                deps: data.dependencies.iter().filter_map(|dep| index_of(dep.crate_id)).collect(),
            }
        })
        .collect();
    let reaches = reaching_runtimes(&graph, runtimes);
    // The files of each crate's package (a source root: all the targets of a package share one).
    let root_of: Vec<SourceRootId> = crates
        .iter()
        .map(|&krate| db.file_source_root(krate.data(db).root_file_id).source_root_id(db))
        .collect();
    let mut texts = HashMap::new();
    for (index, node) in graph.iter().enumerate() {
        if (node.local || (reaches[index] && !node.lang)) && !texts.contains_key(&root_of[index]) {
            let root = db.source_root(root_of[index]).source_root(db);
            let files: Vec<_> = root.iter().map(|file| db.file_text(file).text(db).clone()).collect();
            texts.insert(root_of[index], files);
        }
    }
    let local_roots: HashSet<SourceRootId> =
        graph.iter().zip(&root_of).filter(|(n, _)| n.local).map(|(_, r)| *r).collect();
    let local_texts: Vec<&str> = local_roots.iter().flat_map(|r| texts[r].iter().map(|t| &**t)).collect();
    let all_texts: Vec<&str> = texts.values().flatten().map(|t| &**t).collect();
    let candidates = candidates(&local_texts, &all_texts, needles);
    // The targets of a package share its source root; each is a crate of its
    // own (wasmtime has 300 binaries in one package), so a seed is a target
    // whose module tree can hold a file that reaches a spawn, not a whole package.
    let mut targets: HashMap<SourceRootId, Vec<(usize, Option<PathBuf>)>> = HashMap::new();
    for (index, &krate) in crates.iter().enumerate().filter(|(i, _)| graph[*i].local) {
        let root = db.source_root(root_of[index]).source_root(db);
        let path = root
            .path_for_file(&krate.data(db).root_file_id)
            .and_then(|p| p.as_path())
            .map(|p| p.to_path_buf().into());
        targets.entry(root_of[index]).or_default().push((index, path));
    }
    let mut seeds = vec![false; graph.len()];
    for &source_root in &local_roots {
        let root = db.source_root(source_root).source_root(db);
        let of_root = &targets[&source_root];
        for (file, text) in root.iter().zip(&texts[&source_root]) {
            let path: Option<PathBuf> =
                root.path_for_file(&file).and_then(|p| p.as_path()).map(|p| p.to_path_buf().into());
            // A package's README or manifest that mentions a spawn is no module of any
            // of its targets (wasmtime's test-programs: 280 binaries beside one).
            if !is_rust_source(path.as_deref()) || !candidates.reached_by(text) {
                continue;
            }
            for index in owners(path.as_deref(), of_root) {
                seeds[index] = true;
            }
        }
    }
    let keep = crates_needed(&graph, &seeds, &reaches);
    if crate::scan::timings_wanted() {
        let count = |f: &dyn Fn(usize) -> bool| (0..graph.len()).filter(|&i| keep[i] && f(i)).count();
        let mut kept_deps: Vec<&str> = (0..graph.len())
            .filter(|&i| keep[i] && !graph[i].local)
            .map(|i| graph[i].name.as_str())
            .collect();
        kept_deps.sort_unstable();
        eprintln!(
            "timing: prune: {} crates, {} kept: {} local ({} seeds), {} dependencies: {}",
            graph.len(),
            count(&|_| true),
            count(&|i| graph[i].local),
            seeds.iter().filter(|&&s| s).count(),
            kept_deps.len(),
            kept_deps.join(" ")
        );
    }
    let mut change = ChangeWithProcMacros::default();
    // A root file that is also a file of a kept package (`#[path]`) is left as it is.
    let kept_roots: HashSet<SourceRootId> =
        keep.iter().zip(&root_of).filter(|(k, _)| **k).map(|(_, r)| *r).collect();
    for (index, &krate) in crates.iter().enumerate() {
        if !keep[index] && (!graph[index].local || !kept_roots.contains(&root_of[index])) {
            change.change_file(krate.data(db).root_file_id, Some(String::new()));
        }
    }
    db.apply_change(change);
    (keep.iter().filter(|&&k| k).count(), candidates)
}

/// Whether a file of a source root can be a module: a `.rs` file, or one
/// whose path the database does not know (taken to be one).
fn is_rust_source(path: Option<&Path>) -> bool {
    path.is_none_or(|path| path.extension().is_some_and(|ext| ext == "rs"))
}

/// The crates among `targets` (index and root file, of one package) whose
/// module tree can hold `file`: the crate it is the root of; else every crate
/// whose root sits in the nearest folder above it that holds a root (`src/`
/// for the library and `main.rs`, `src/bin/` or `tests/` for a file a few
/// binaries or tests may share); else (the package's folder, a file outside
/// the targets' folders), or for a file without a path, all of them.
pub(super) fn owners(file: Option<&Path>, targets: &[(usize, Option<PathBuf>)]) -> Vec<usize> {
    let all = || targets.iter().map(|(index, _)| *index).collect();
    let Some(file) = file else { return all() };
    let rooted_at = |wanted: &dyn Fn(&Path) -> bool| -> Vec<usize> {
        targets.iter().filter(|(_, root)| root.as_deref().is_some_and(wanted)).map(|(i, _)| *i).collect()
    };
    let exact = rooted_at(&|root| root == file);
    if !exact.is_empty() {
        return exact;
    }
    if targets.iter().any(|(_, root)| root.is_none()) {
        return all();
    }
    for dir in file.ancestors().skip(1) {
        let here = rooted_at(&|root| root.parent() == Some(dir));
        let build_script = |index: &usize| {
            targets
                .iter()
                .any(|(i, root)| i == index && root.as_deref().is_some_and(|r| r.ends_with("build.rs")))
        };
        if here.iter().all(build_script) && !here.is_empty() {
            // The package's folder: a file outside the targets' own folders (a
            // `#[path]` module, say) may belong to any of them.
            return all();
        }
        if !here.is_empty() {
            return here;
        }
    }
    all()
}

/// Which crates to analyse, given the local crates that can reach a spawn (`seeds`) and the
/// crates that are or reach a runtime (`reaches`): the standard library; the seeds and the
/// local crates they depend on (directly or not) that reach a runtime (they can hand one out:
/// `pub static RT: Lazy<Runtime>`), with the direct dependencies of all these (so that a
/// `Lazy<Runtime>` or an `Arc<Handle>` resolves); and every crate the seeds reach that
/// reaches a runtime. A local crate the seeds depend on that reaches no runtime can give a
/// spawn neither a function nor a receiver: its imports are left unresolved with the rest.
pub(super) fn crates_needed(graph: &[Node], seeds: &[bool], reaches: &[bool]) -> Vec<bool> {
    let mut reachable = seeds.to_vec();
    let mut stack: Vec<usize> = (0..graph.len()).filter(|&i| seeds[i]).collect();
    while let Some(index) = stack.pop() {
        for &dep in &graph[index].deps {
            if !reachable[dep] {
                reachable[dep] = true;
                stack.push(dep);
            }
        }
    }
    let needed: Vec<bool> =
        (0..graph.len()).map(|i| seeds[i] || (graph[i].local && reachable[i] && reaches[i])).collect();
    let mut keep: Vec<bool> =
        graph.iter().enumerate().map(|(i, n)| n.lang || needed[i] || (reachable[i] && reaches[i])).collect();
    for (index, node) in graph.iter().enumerate() {
        if needed[index] {
            for &dep in &node.deps {
                keep[dep] = true;
            }
        }
    }
    keep
}

/// The names and macros a spawn can be reached by: `needles`, the names the workspace's files
/// (`local`) import them as, and the `macro_rules!` of any file (`all`) whose rules name one
/// (or call such a macro).
pub(super) fn candidates(local: &[&str], all: &[&str], needles: &[String]) -> Candidates {
    let names = crate::parse::with_renames(local, needles);
    // A macro can write a spawn when its own definition names one or calls such a macro.
    let definitions: Vec<(String, &str)> =
        all.iter().flat_map(|text| macro_rules_definitions(text)).collect();
    let mut macros: HashSet<String> = HashSet::new();
    loop {
        let mut grew = false;
        for (name, body) in &definitions {
            if !macros.contains(name)
                && (holds_any_word(body, &names) || macros.iter().any(|known| calls_macro(body, known)))
            {
                macros.insert(name.clone());
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    Candidates { names, macros }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `text` writes `name!` (a call of the macro `name`).
fn calls_macro(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].trim_start();
        !before.is_some_and(is_ident) && after.starts_with('!')
    })
}

/// The `macro_rules!` a text defines: each name, and its rules as written
/// (to the end of the text when the brackets do not balance, so that nothing
/// a macro can write is missed).
fn macro_rules_definitions(text: &str) -> Vec<(String, &str)> {
    text.match_indices("macro_rules!")
        .filter_map(|(at, found)| {
            let rest = text[at + found.len()..].trim_start();
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if name.is_empty() {
                return None;
            }
            let body = rest[name.len()..].trim_start();
            let mut depth = 0usize;
            let end = body.char_indices().find_map(|(i, c)| {
                match c {
                    '{' | '(' | '[' => depth += 1,
                    '}' | ')' | ']' => depth = depth.saturating_sub(1),
                    _ => return None,
                }
                (depth == 0).then_some(i + 1)
            });
            Some((name, &body[..end.unwrap_or(body.len())]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, deps: &[usize]) -> Node {
        Node { name: name.into(), deps: deps.to_vec(), ..Node::default() }
    }

    #[test]
    fn a_file_belongs_to_the_targets_around_it() {
        let targets: Vec<(usize, Option<PathBuf>)> = [
            "/p/src/lib.rs",
            "/p/src/main.rs",
            "/p/src/bin/a.rs",
            "/p/src/bin/b.rs",
            "/p/src/bin/c/main.rs",
            "/p/tests/it.rs",
            "/p/build.rs",
        ]
        .iter()
        .enumerate()
        .map(|(i, root)| (i, Some(PathBuf::from(root))))
        .collect();
        let owners_of = |file: &str| owners(Some(Path::new(file)), &targets);
        assert_eq!(owners_of("/p/src/bin/a.rs"), [2]);
        assert_eq!(owners_of("/p/src/net/io.rs"), [0, 1]);
        assert_eq!(owners_of("/p/src/bin/shared.rs"), [2, 3]);
        assert_eq!(owners_of("/p/src/bin/c/run.rs"), [4]);
        assert_eq!(owners_of("/p/tests/common/mod.rs"), [5]);
        assert_eq!(owners_of("/p/other/x.rs").len(), 7);
        assert_eq!(owners_of("/elsewhere/x.rs"), [0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(owners(None, &targets).len(), 7);
    }

    #[test]
    fn only_rust_files_are_modules() {
        assert!(is_rust_source(Some(Path::new("/p/src/lib.rs"))));
        assert!(is_rust_source(None));
        assert!(!is_rust_source(Some(Path::new("/p/README.md"))));
        assert!(!is_rust_source(Some(Path::new("/p/Cargo.toml"))));
    }

    #[test]
    fn keeps_what_can_reach_a_spawn_and_drops_the_rest() {
        // 0 app -> 1 axum -> 2 tokio -> 3 libc
        //     \-> 4 serde_json -> 5 serde
        //      1 axum -> 6 http -> 7 bytes;  2 tokio -> 8 tokio_macros -> 9 syn
        //      10 std (lang)
        let mut graph = vec![
            node("app", &[1, 4]),
            node("axum", &[2, 6]),
            node("tokio", &[3, 8, 7]),
            node("libc", &[]),
            node("serde_json", &[5]),
            node("serde", &[]),
            node("http", &[7]),
            node("bytes", &[]),
            node("tokio_macros", &[9]),
            node("syn", &[]),
            node("std", &[]),
        ];
        graph[0].local = true;
        graph[10].lang = true;
        let keep = crates_to_analyse(&graph, &["tokio".to_string()]);
        let kept: Vec<&str> =
            graph.iter().zip(&keep).filter(|(_, k)| **k).map(|(n, _)| n.name.as_str()).collect();
        // serde_json: a direct dependency; axum: reaches tokio; tokio's own
        // dependencies and http: neither.
        assert_eq!(kept, ["app", "axum", "tokio", "serde_json", "std"]);
    }

    #[test]
    fn a_local_crate_behind_the_seeds_is_kept_only_when_it_can_hand_out_a_runtime() {
        // 0 app (seed) -> 1 model -> 2 codegen -> 3 gimli;  0 app -> 4 rt -> 5 tokio
        //                                                    4 rt -> 6 once_cell
        let mut graph = vec![
            node("app", &[1, 4]),
            node("model", &[2]),
            node("codegen", &[3]),
            node("gimli", &[]),
            node("rt", &[5, 6]),
            node("tokio", &[]),
            node("once_cell", &[]),
        ];
        for index in [0, 1, 2, 4] {
            graph[index].local = true;
        }
        let seeds = [true, false, false, false, false, false, false];
        let reaches = reaching_runtimes(&graph, &["tokio".to_string()]);
        let keep = crates_needed(&graph, &seeds, &reaches);
        let kept: Vec<&str> =
            graph.iter().zip(&keep).filter(|(_, k)| **k).map(|(n, _)| n.name.as_str()).collect();
        // model: a direct dependency of the seed; codegen (and so gimli): behind it, reaching
        // no runtime; rt: reaches tokio, so its own dependencies (a `Lazy<Runtime>`) stay.
        assert_eq!(kept, ["app", "model", "rt", "tokio", "once_cell"]);
    }

    #[test]
    fn a_configured_root_is_a_runtime() {
        let mut graph = vec![node("app", &[1]), node("facade", &[2]), node("my_rt", &[]), node("other", &[])];
        graph[0].local = true;
        let keep = crates_to_analyse(&graph, &["my_rt".to_string()]);
        assert_eq!(keep, [true, true, true, false]);
    }

    #[test]
    fn candidates_follow_aliases_and_the_macros_that_write_a_spawn() {
        let local = ["use tokio::spawn as go;\npub use crate::go as run;", "fn f() { boot!(x); }"];
        let all = [
            "macro_rules! boot { ($e:expr) => { tokio::spawn($e) } }\nmacro_rules! chain { () => { boot!(1) } }",
            // A macro beside a spawn, not writing one; and one whose brackets never close.
            "macro_rules! quiet { () => {} }\nfn f() { spawn(x) }\nmacro_rules! open { ( spawn",
        ];
        let found = candidates(&local, &all, &["spawn".to_string()]);
        assert_eq!(found.names, ["spawn", "go", "run"]);
        let mut macros: Vec<&String> = found.macros.iter().collect();
        macros.sort();
        assert_eq!(macros, ["boot", "chain", "open"]);
        assert!(found.reached_by("fn f() { boot !(x); }"));
        assert!(!found.reached_by("fn f() { quiet!(); reboot(); }"));
    }
}
