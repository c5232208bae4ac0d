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

use ra_ap_hir::ChangeWithProcMacros;
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::base_db::{Crate, SourceDatabase, SourceRootId, all_crates};

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
    let is_runtime = |node: &Node| runtimes.contains(&node.name);
    let mut memo = vec![None; graph.len()];
    let reaches: Vec<bool> =
        (0..graph.len()).map(|i| reaches_runtime(graph, i, &is_runtime, &mut memo)).collect();
    let seeds: Vec<bool> = graph.iter().map(|n| n.local).collect();
    crates_needed(graph, &seeds, &reaches)
}

/// Whether `index` is, or depends on, a runtime crate (memoised in `memo`).
fn reaches_runtime(
    graph: &[Node],
    index: usize,
    is_runtime: &dyn Fn(&Node) -> bool,
    memo: &mut [Option<bool>],
) -> bool {
    if let Some(known) = memo[index] {
        return known;
    }
    // A crate graph has no cycles; mark first anyway so a malformed one ends.
    memo[index] = Some(false);
    let found = is_runtime(&graph[index])
        || graph[index].deps.iter().any(|&dep| reaches_runtime(graph, dep, is_runtime, memo));
    memo[index] = Some(found);
    found
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
        holds_any(text, &self.names) || self.macros.iter().any(|name| calls_macro(text, name))
    }
}

/// How many rounds of alias discovery run (an alias of an alias ...).
const MAX_ALIAS_ROUNDS: usize = 4;

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
    let is_runtime = |node: &Node| runtimes.contains(&node.name);
    let mut memo = vec![None; graph.len()];
    let reaches: Vec<bool> =
        (0..graph.len()).map(|i| reaches_runtime(&graph, i, &is_runtime, &mut memo)).collect();
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
    let seed_roots: HashSet<SourceRootId> = local_roots
        .iter()
        .filter(|r| texts[*r].iter().any(|text| candidates.reached_by(text)))
        .copied()
        .collect();
    let seeds: Vec<bool> =
        graph.iter().zip(&root_of).map(|(n, r)| n.local && seed_roots.contains(r)).collect();
    let keep = crates_needed(&graph, &seeds, &reaches);
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

/// Which crates to analyse, given the local crates that can reach a spawn (`seeds`) and the
/// crates that are or reach a runtime (`reaches`): the standard library, the seeds and the
/// local crates they depend on, their direct dependencies, and the crates reachable from
/// them that reach a runtime.
pub(super) fn crates_needed(graph: &[Node], seeds: &[bool], reaches: &[bool]) -> Vec<bool> {
    // Local crates that seeds depend on, directly or not.
    let mut needed = seeds.to_vec();
    let mut reachable = seeds.to_vec();
    let mut stack: Vec<usize> = (0..graph.len()).filter(|&i| seeds[i]).collect();
    while let Some(index) = stack.pop() {
        for &dep in &graph[index].deps {
            if !reachable[dep] {
                reachable[dep] = true;
                if graph[dep].local {
                    needed[dep] = true;
                }
                stack.push(dep);
            }
        }
    }
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
/// (`local`) import them as, and the `macro_rules!` of any file (`all`) that names one.
pub(super) fn candidates(local: &[&str], all: &[&str], needles: &[String]) -> Candidates {
    let mut names: Vec<String> = needles.to_vec();
    let mut new_words = names.clone();
    for _ in 0..MAX_ALIAS_ROUNDS {
        let mut found: Vec<String> = Vec::new();
        for text in local {
            for word in &new_words {
                for alias in aliases(text, word) {
                    if !names.contains(&alias) && !found.contains(&alias) {
                        found.push(alias);
                    }
                }
            }
        }
        if found.is_empty() {
            break;
        }
        names.extend(found.iter().cloned());
        new_words = found;
    }
    let mut macros: HashSet<String> = HashSet::new();
    let mut reached = vec![false; all.len()];
    loop {
        let mut grew = false;
        for (index, text) in all.iter().enumerate() {
            if reached[index] {
                continue;
            }
            if holds_any(text, &names) || macros.iter().any(|name| calls_macro(text, name)) {
                reached[index] = true;
                for name in macro_rules_names(text) {
                    grew |= macros.insert(name);
                }
            }
        }
        if !grew {
            break;
        }
    }
    Candidates { names, macros }
}

fn holds_any(text: &str, words: &[String]) -> bool {
    words.iter().any(|word| memchr::memmem::find(text.as_bytes(), word.as_bytes()).is_some())
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

/// The names of the `macro_rules!` a text defines.
fn macro_rules_names(text: &str) -> Vec<String> {
    text.match_indices("macro_rules!")
        .filter_map(|(at, found)| {
            let rest = text[at + found.len()..].trim_start();
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// The names `text` imports a word holding `word` as: `go` for `use tokio::spawn as go;`.
fn aliases(text: &str, word: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(word) {
        let rest = &text[at..];
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let rest = &rest[end..];
        let trimmed = rest.trim_start();
        if trimmed.len() == rest.len() || !trimmed.starts_with("as") {
            continue;
        }
        let after = &trimmed[2..];
        let name_part = after.trim_start();
        if name_part.len() == after.len() {
            continue;
        }
        let name: String = name_part.chars().take_while(|&c| is_ident(c)).collect();
        if !name.is_empty() && name != "_" {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, deps: &[usize]) -> Node {
        Node { name: name.into(), deps: deps.to_vec(), ..Node::default() }
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
    fn a_configured_root_is_a_runtime() {
        let mut graph = vec![node("app", &[1]), node("facade", &[2]), node("my_rt", &[]), node("other", &[])];
        graph[0].local = true;
        let keep = crates_to_analyse(&graph, &["my_rt".to_string()]);
        assert_eq!(keep, [true, true, true, false]);
    }

    #[test]
    fn candidates_follow_aliases_and_the_macros_that_write_a_spawn() {
        let local = ["use tokio::spawn as go;\npub use crate::go as run;", "fn f() { boot!(x); }"];
        let all =
            ["macro_rules! boot { ($e:expr) => { tokio::spawn($e) } }", "macro_rules! quiet { () => {} }"];
        let found = candidates(&local, &all, &["spawn".to_string()]);
        assert_eq!(found.names, ["spawn", "go", "run"]);
        assert_eq!(found.macros.iter().collect::<Vec<_>>(), ["boot"]);
        assert!(found.reached_by("fn f() { boot !(x); }"));
        assert!(!found.reached_by("fn f() { quiet!(); reboot(); }"));
    }
}
