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

use std::collections::HashMap;

use ra_ap_hir::ChangeWithProcMacros;
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::base_db::{Crate, all_crates};

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

/// Which crates of `graph` to analyse; `runtimes` are the runtime crates' names.
pub(super) fn crates_to_analyse(graph: &[Node], runtimes: &[String]) -> Vec<bool> {
    let is_runtime = |node: &Node| runtimes.contains(&node.name);
    let mut keep: Vec<bool> = graph.iter().map(|n| n.local || n.lang).collect();
    // Direct dependencies of the workspace's crates.
    for node in graph.iter().filter(|n| n.local) {
        for &dep in &node.deps {
            keep[dep] = true;
        }
    }
    // Crates that reach a runtime crate, runtime crates included.
    let mut reaches = vec![None; graph.len()];
    for (index, kept) in keep.iter_mut().enumerate() {
        *kept |= reaches_runtime(graph, index, &is_runtime, &mut reaches);
    }
    keep
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

/// Empties the root file of every crate the tier does not need; returns how
/// many crates are left to analyse. `runtimes`: the crates whose items can be
/// spawn functions or spawning types (the catalogue's and the configuration's).
pub(super) fn empty_unneeded_crates(db: &mut RootDatabase, runtimes: &[String]) -> usize {
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
    let keep = crates_to_analyse(&graph, runtimes);
    let mut change = ChangeWithProcMacros::default();
    for (index, &krate) in crates.iter().enumerate() {
        if !keep[index] {
            change.change_file(krate.data(db).root_file_id, Some(String::new()));
        }
    }
    db.apply_change(change);
    keep.iter().filter(|&&k| k).count()
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
}
