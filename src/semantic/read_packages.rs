//! Loading the workspace into rust-analyzer's database, reading the files of
//! only the packages the tier can need.
//!
//! `load-cargo` reads every file of every package of the graph before anything
//! else happens: on wasmtime, 166 MB of text in 12,455 files, of which the
//! tier can ever look at half. What it can need is known from the crate graph
//! alone (see `prune::worth_reading`), so the graph is built first, reading
//! each crate's root file only, and the folders of the other packages are
//! never read: their crates keep their root file, which `prune` then empties
//! like the rest of what the tier does not need.
//!
//! This follows `ra_ap_load_cargo::load_workspace_into_db` (0.0.348) without
//! its proc-macro server, which the tier does not start.

use std::collections::HashMap;

use ra_ap_hir::{ChangeWithProcMacros, ProcMacrosBuilder};
use ra_ap_ide_db::base_db::{CrateGraphBuilder, ProcMacroLoadingError};
use ra_ap_ide_db::{FxHashMap, RootDatabase};
use ra_ap_load_cargo::ProjectFolders;
use ra_ap_paths::{AbsPath, AbsPathBuf};
use ra_ap_project_model::ProjectWorkspace;
use ra_ap_vfs::loader::{Config, Handle, LoadingProgress, Message};
use ra_ap_vfs::{FileExcluded, Vfs, VfsPath};

use super::prune::{self, Node};

/// Loads `workspace` into a new database; `runtimes`: the crates whose items
/// can be spawns (see `prune`).
pub(super) fn load_workspace(
    workspace: ProjectWorkspace,
    extra_env: &FxHashMap<String, Option<String>>,
    runtimes: &[String],
) -> (RootDatabase, Vfs) {
    let mut db = RootDatabase::new(None);
    let (sender, receiver) = crossbeam_channel::unbounded();
    let mut vfs = Vfs::default();
    let mut loader = ra_ap_vfs_notify::NotifyHandle::spawn(sender);
    let (crate_graph, proc_macro_paths) = workspace.to_crate_graph(
        &mut |path: &AbsPath| {
            let contents = loader.load_sync(path);
            let path = VfsPath::from(path.to_path_buf());
            vfs.set_file_contents(path.clone(), contents);
            vfs.file_id(&path)
                .and_then(|(file_id, excluded)| (excluded == FileExcluded::No).then_some(file_id))
        },
        extra_env,
    );
    // No proc-macro server: every proc-macro crate's macros are disabled.
    let proc_macros: ProcMacrosBuilder = proc_macro_paths
        .into_iter()
        .map(|(krate, path)| (krate, path.and_then(|_| Err(ProcMacroLoadingError::Disabled))))
        .collect();

    let folders = ProjectFolders::new(std::slice::from_ref(&workspace), &[], None);
    let roots = wanted_crate_roots(&crate_graph, &vfs, runtimes);
    let load = (folders.load.into_iter())
        .filter(|entry| roots.iter().any(|root| entry.contains_file(root)))
        .collect();
    loader.set_config(Config { load, watch: vec![], version: 0 });

    let mut change = ChangeWithProcMacros::default();
    db.enable_proc_attr_macros();
    for message in &receiver {
        match message {
            Message::Progress { n_done: LoadingProgress::Finished, .. } => break,
            Message::Progress { .. } => {}
            Message::Loaded { files } | Message::Changed { files } => {
                for (path, contents) in files {
                    vfs.set_file_contents(path.into(), contents);
                }
            }
        }
    }
    for (_, file) in vfs.take_changes() {
        if let ra_ap_vfs::Change::Create(bytes, _) | ra_ap_vfs::Change::Modify(bytes, _) = file.change
            && let Ok(text) = String::from_utf8(bytes)
        {
            change.change_file(file.file_id, Some(text));
        }
    }
    change.set_roots(folders.source_root_config.partition(&vfs));
    change.set_crate_graph(crate_graph);
    change.set_proc_macros(proc_macros);
    db.apply_change(change);
    (db, vfs)
}

/// The root files of the crates whose packages are worth reading.
fn wanted_crate_roots(graph: &CrateGraphBuilder, vfs: &Vfs, runtimes: &[String]) -> Vec<AbsPathBuf> {
    let ids: Vec<_> = graph.iter().collect();
    let index: HashMap<_, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let nodes: Vec<Node> = ids
        .iter()
        .map(|&id| {
            let krate = &graph[id];
            Node {
                name: krate.extra.display_name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                local: krate.basic.origin.is_local(),
                lang: krate.basic.origin.is_lang(),
                deps: krate
                    .basic
                    .dependencies
                    .iter()
                    .filter_map(|dep| index.get(&dep.crate_id).copied())
                    .collect(),
            }
        })
        .collect();
    let wanted = prune::worth_reading(&nodes, runtimes);
    (ids.iter().zip(wanted))
        .filter(|(_, wanted)| *wanted)
        .filter_map(|(&id, _)| vfs.file_path(graph[id].basic.root_file_id).as_path().map(|p| p.to_path_buf()))
        .collect()
}
