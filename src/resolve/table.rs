//! The workspace's modules in one table, and path resolution through it.
//!
//! A path written at a call site is followed step by step: its first segment
//! through the enclosing blocks, the module, its globs and the extern crates;
//! then, while the path points into a workspace crate, through that module's
//! `use` items (re-exports, renames, globs) until it leaves the workspace or
//! lands on a local item. The absolute path it ends on is what `catalogue`
//! matches.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::catalogue::Catalogue;
use super::path::WrittenPath;
use super::scope::{Binding, Names};

/// How deep re-export chains are followed before giving up (cycles end here too).
const MAX_DEPTH: usize = 24;

/// Crates whose names are always in scope, whatever the manifest says.
const PRELUDE_CRATES: &[&str] = &["std", "core", "alloc"];

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// An item outside the workspace, by absolute path (`tokio::task::spawn`).
    External(Vec<String>),
    /// An item defined in the workspace that is not a re-export of an external one.
    Local,
    /// An item defined in the workspace at this absolute path (a function, a type).
    Defined(Vec<String>),
    /// A workspace module that has no item of that name (so it is no spawn either).
    Missing,
    /// The syntax tier cannot tell; the reason says why.
    Unknown(String),
}

thread_local! {
    /// How many times resolutions on this thread met a file module left unparsed.
    static UNPARSED_MET: Cell<u64> = const { Cell::new(0) };
}

/// How many times resolutions on this thread have met a file module the
/// pre-filter left unparsed: a caller compares two readings to tell whether
/// what it resolved in between can change once more files are parsed.
pub fn unparsed_met_on_this_thread() -> u64 {
    UNPARSED_MET.with(Cell::get)
}

/// Where a path is written: its module and the blocks around it.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// Absolute module path, starting with the crate key.
    pub module: &'a [String],
    /// Block scopes around the site, innermost first.
    pub blocks: &'a [&'a Names],
}

/// Every module of the workspace that corral parsed, by absolute path.
#[derive(Debug, Default)]
pub struct ModuleTable {
    modules: HashMap<Vec<String>, Names>,
    crates: HashSet<String>,
    /// Modules that have a file of their own, parsed or not.
    files: HashSet<Vec<String>>,
    /// File modules that a resolution needed but the pre-filter left unparsed:
    /// `use tokio::task;` in a file that never writes `spawn` still matters to
    /// `crate::task::spawn(..)` elsewhere.
    unparsed_hits: Mutex<HashSet<Vec<String>>>,
}

impl ModuleTable {
    /// Adds a module's names; a module split across cfg branches or fragments merges.
    pub fn insert(&mut self, path: Vec<String>, names: Names) {
        if let Some(first) = path.first() {
            self.crates.insert(first.clone());
        }
        match self.modules.get_mut(&path) {
            Some(existing) => existing.merge(names),
            None => {
                self.modules.insert(path, names);
            }
        }
    }

    /// Declares a crate key even when none of its files were parsed.
    pub fn declare_crate(&mut self, key: &str) {
        self.crates.insert(key.to_string());
    }

    /// Declares the module of a file, whether or not the file gets parsed.
    pub fn declare_file_module(&mut self, path: &[String]) {
        self.files.insert(path.to_vec());
    }

    /// The file modules resolutions looked into without finding them parsed, since the last call.
    pub fn take_unparsed_hits(&self) -> HashSet<Vec<String>> {
        std::mem::take(&mut *self.unparsed_hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Records that a resolution needed a file module that is not parsed.
    fn hit_unparsed(&self, module: Vec<String>) {
        UNPARSED_MET.with(|met| met.set(met.get() + 1));
        self.unparsed_hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(module);
    }

    pub fn is_workspace_crate(&self, key: &str) -> bool {
        self.crates.contains(key)
    }

    /// Names bound anywhere in the workspace to a function of the catalogue, for
    /// the pre-filter: a file can call `go(..)` without ever writing `spawn`.
    pub fn spawn_aliases(&self, catalogue: &Catalogue) -> Vec<(String, Vec<String>)> {
        let mut aliases = Vec::new();
        for (module, names) in &self.modules {
            for (name, binding) in &names.items {
                if !matches!(binding, Binding::Import { .. }) {
                    continue;
                }
                let place = Place { module, blocks: &[] };
                let written = WrittenPath { global: false, segments: vec!["self".into(), name.clone()] };
                if let Resolution::External(path) = self.resolve(catalogue, place, &written)
                    && catalogue.function(&path).is_some()
                {
                    aliases.push((name.clone(), module.clone()));
                }
            }
        }
        aliases.sort();
        aliases
    }

    /// Resolves a path written at `place`.
    pub fn resolve(&self, catalogue: &Catalogue, place: Place, written: &WrittenPath) -> Resolution {
        self.resolve_at(catalogue, place, written, 0, &mut Walk::default())
    }

    fn resolve_at(
        &self,
        catalogue: &Catalogue,
        place: Place,
        written: &WrittenPath,
        depth: usize,
        walk: &mut Walk,
    ) -> Resolution {
        if depth > MAX_DEPTH {
            return Resolution::Unknown(format!("`{}` goes through too many re-exports", written.display()));
        }
        let segments = &written.segments;
        let Some(first) = segments.first() else {
            return Resolution::Unknown("empty path".into());
        };
        if written.global {
            return self.follow(catalogue, segments.clone(), depth + 1, walk);
        }
        let absolute = match first.as_str() {
            "crate" => prefixed(&place.module[..1.min(place.module.len())], &segments[1..]),
            "self" => prefixed(place.module, &segments[1..]),
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                if ups >= place.module.len() {
                    return Resolution::Unknown(format!(
                        "`{}` climbs above the crate root",
                        written.display()
                    ));
                }
                prefixed(&place.module[..place.module.len() - ups], &segments[ups..])
            }
            "Self" => return Resolution::Local,
            name => {
                let module_names = self.modules.get(place.module);
                let scopes = place.blocks.iter().copied().chain(module_names);
                for names in scopes.clone() {
                    if let Some(binding) = names.items.get(name) {
                        return self.through_binding(
                            catalogue,
                            place.module,
                            name,
                            binding,
                            &segments[1..],
                            depth,
                            walk,
                        );
                    }
                }
                let mut unresolved_globs = Vec::new();
                // `tokio::spawn` means the crate `tokio` unless a workspace glob
                // here binds `tokio` itself. A glob into an external crate is
                // taken not to shadow a crate name, and one whose modules the
                // syntax tier cannot read either: otherwise every `use x::*`
                // next to a `tokio::spawn` would hide it.
                let crate_name = segments.len() > 1
                    && (PRELUDE_CRATES.contains(&name)
                        || self.crates.contains(name)
                        || catalogue.knows_prefix(&segments[..1]));
                // Any other name may come through a glob, unless the glob is a workspace
                // module's known not to bring it (`use super::*;` in a test module beside
                // `use tokio_test::task;`): asked with an external crate's glob taken to
                // bring any name, `glob_brings` says no only for such a module.
                let brings = |glob: &WrittenPath| {
                    if !crate_name && segments.len() == 1 {
                        return true;
                    }
                    let found = self.glob_brings(
                        place.module,
                        place.module,
                        glob,
                        name,
                        !crate_name,
                        &mut HashSet::new(),
                    );
                    if crate_name { found == Some(true) } else { found != Some(false) }
                };
                // A glob's own path may start with a name another glob brings in, but
                // the same name is not looked for through the same module's globs again
                // while that lookup is under way: that only grows the path (`g::g::g::x`)
                // and made the search exponential in the number of globs.
                let key = (place.module.to_vec(), name.to_string());
                let through_globs = !walk.glob_names.contains(&key);
                if through_globs {
                    walk.glob_names.push(key);
                }
                for names in scopes.filter(|_| through_globs) {
                    for glob in names.globs.iter().filter(|glob| brings(glob)) {
                        let mut candidate = glob.clone();
                        candidate.segments.extend(segments.iter().cloned());
                        let outer = Place { module: place.module, blocks: &[] };
                        match self.resolve_at(catalogue, outer, &candidate, depth + 1, walk) {
                            Resolution::External(path) if catalogue.knows_prefix(&path) => {
                                walk.glob_names.pop();
                                return Resolution::External(path);
                            }
                            found @ (Resolution::Local | Resolution::Defined(_)) => {
                                walk.glob_names.pop();
                                return found;
                            }
                            _ => unresolved_globs.push(glob.display()),
                        }
                    }
                }
                if through_globs {
                    walk.glob_names.pop();
                }
                if PRELUDE_CRATES.contains(&name)
                    || self.crates.contains(name)
                    || catalogue.knows_prefix(&segments[..1])
                {
                    return self.follow(catalogue, segments.clone(), depth + 1, walk);
                }
                if let Some(glob) = unresolved_globs.first() {
                    return Resolution::Unknown(format!(
                        "`{name}` may come from `use {glob}::*`, which the syntax tier cannot see into"
                    ));
                }
                if segments.len() == 1 {
                    return Resolution::Unknown(format!(
                        "`{name}` is neither defined nor imported in this module"
                    ));
                }
                // Any other first segment is an extern crate the workspace depends on.
                return self.follow(catalogue, segments.clone(), depth + 1, walk);
            }
        };
        self.follow(catalogue, absolute, depth + 1, walk)
    }

    #[allow(clippy::too_many_arguments)]
    fn through_binding(
        &self,
        catalogue: &Catalogue,
        module: &[String],
        name: &str,
        binding: &Binding,
        rest: &[String],
        depth: usize,
        walk: &mut Walk,
    ) -> Resolution {
        match binding {
            // `use a::b as c;` then `c::d` means `a::b::d`, whether `a::b` is an item or a module.
            Binding::Import { target } => {
                let place = Place { module, blocks: &[] };
                let mut path = target.clone();
                path.segments.extend(rest.iter().cloned());
                // `use tokio::{self, ..};` binds `tokio` to the crate `tokio`: an import
                // never names itself, so its own first segment is the crate (or the
                // module) of that name, not the binding again.
                if !target.global && target.segments.len() == 1 && target.segments[0] == name {
                    path.global = true;
                    if self.modules.contains_key(&prefixed(module, &[name.to_string()])) {
                        return self.follow(catalogue, prefixed(module, &path.segments), depth + 1, walk);
                    }
                }
                self.resolve_at(catalogue, place, &path, depth + 1, walk)
            }
            // A path that ends on a module names no function.
            Binding::Module if rest.is_empty() => Resolution::Local,
            Binding::Module => {
                let mut path = module.to_vec();
                path.push(name.to_string());
                self.follow(catalogue, prefixed(&path, rest), depth + 1, walk)
            }
            Binding::Item if rest.is_empty() => Resolution::Defined(prefixed(module, &[name.to_string()])),
            Binding::Item => Resolution::Local,
        }
    }

    /// Whether the module `glob` opens (written in `module`) binds `name`,
    /// itself or through its own globs, followed to a fixed point: `Some(true)`
    /// it does, `Some(false)` it does not (or opens an external crate, unless
    /// `external_may_bring`), `None` the syntax tier cannot tell (a module it
    /// did not read, an external crate's glob when `external_may_bring`, a
    /// module whose macros write items it does not read). A glob brings
    /// only what `importer`, the module that asks, can see: not the private
    /// `extern crate std;` of another crate's root, nor what a private glob
    /// of a module outside the importer's own brings there.
    fn glob_brings(
        &self,
        importer: &[String],
        module: &[String],
        glob: &WrittenPath,
        name: &str,
        external_may_bring: bool,
        seen: &mut HashSet<Vec<String>>,
    ) -> Option<bool> {
        let target = self.module_of(module, glob)?;
        if !self.crates.contains(target.first()?) {
            return (!external_may_bring).then_some(false);
        }
        if !seen.insert(target.clone()) {
            return Some(false);
        }
        let Some(names) = self.modules.get(&target) else {
            if self.files.contains(&target) {
                // The scan parses the file and resolves again.
                self.hit_unparsed(target);
            }
            return None;
        };
        if names.items.contains_key(name) {
            return Some(names.visibility(name).reaches(&target, importer));
        }
        // A macro in item position may bind it.
        let mut unknown = names.macro_items;
        for inner in
            names.globs.iter().filter(|inner| names.glob_visibility(inner).reaches(&target, importer))
        {
            match self.glob_brings(importer, &target, inner, name, external_may_bring, seen) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// The absolute path of the module a `use` path written in `module` names,
    /// when it starts from the crate, `self`, `super`, a child module or a
    /// crate name; `None` through an import (the syntax tier does not chase those here).
    fn module_of(&self, module: &[String], written: &WrittenPath) -> Option<Vec<String>> {
        let segments = &written.segments;
        let first = segments.first()?;
        if written.global {
            return Some(segments.clone());
        }
        match first.as_str() {
            "crate" => Some(prefixed(&module[..1.min(module.len())], &segments[1..])),
            "self" => Some(prefixed(module, &segments[1..])),
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                (ups < module.len()).then(|| prefixed(&module[..module.len() - ups], &segments[ups..]))
            }
            name => match self.modules.get(module).and_then(|names| names.items.get(name)) {
                Some(Binding::Module) => Some(prefixed(module, segments)),
                Some(_) => None,
                None => Some(segments.clone()),
            },
        }
    }

    /// Follows an absolute path through workspace modules until it leaves the workspace.
    fn follow(&self, catalogue: &Catalogue, path: Vec<String>, depth: usize, walk: &mut Walk) -> Resolution {
        if walk.following.contains(&path) {
            // A path met again on the way (`use super::*` both ways) adds
            // nothing the first visit does not find: the fixed point.
            return Resolution::Missing;
        }
        if depth > MAX_DEPTH {
            return Resolution::Unknown(format!("`{}` goes through too many re-exports", path.join("::")));
        }
        let Some(first) = path.first() else { return Resolution::Local };
        // A known function wins even when its crate is vendored into the scanned folder.
        if !self.crates.contains(first) || catalogue.function(&path).is_some() {
            return Resolution::External(path);
        }
        let known = |module: &[String]| self.modules.contains_key(module) || self.files.contains(module);
        let Some(split) = (1..path.len()).rev().find(|&k| known(&path[..k])) else {
            // A workspace crate with no module of that path: nothing it names can be a spawn.
            return Resolution::Local;
        };
        let module = &path[..split];
        if !self.modules.contains_key(module) {
            // The pre-filter skipped the module's file; the scan parses it and asks again.
            self.hit_unparsed(module.to_vec());
            return Resolution::Local;
        }
        let name = &path[split];
        let names = &self.modules[module];
        if let Some(binding) = names.items.get(name) {
            return self.through_binding(catalogue, module, name, binding, &path[split + 1..], depth, walk);
        }
        walk.following.push(path.clone());
        let mut found = Resolution::Missing;
        for glob in &names.globs {
            let mut candidate = glob.clone();
            candidate.segments.extend(path[split..].iter().cloned());
            let place = Place { module, blocks: &[] };
            match self.resolve_at(catalogue, place, &candidate, depth + 1, walk) {
                Resolution::External(path) if catalogue.knows_prefix(&path) => {
                    found = Resolution::External(path);
                    break;
                }
                hit @ (Resolution::Local | Resolution::Defined(_)) => {
                    found = hit;
                    break;
                }
                _ => {}
            }
        }
        walk.following.pop();
        found
    }
}

/// What one resolution is in the middle of, so that glob cycles end early.
#[derive(Debug, Default)]
struct Walk {
    /// Absolute paths being looked up through a module's globs.
    following: Vec<Vec<String>>,
    /// First segments being looked up through a module's globs, with the module.
    glob_names: Vec<(Vec<String>, String)>,
}

fn prefixed(prefix: &[String], rest: &[String]) -> Vec<String> {
    prefix.iter().chain(rest).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::scope::TreeScopes;
    use ra_ap_syntax::{AstNode, Edition, SourceFile};

    fn table(files: &[(&str, &str)]) -> ModuleTable {
        let mut table = ModuleTable::default();
        for (module, text) in files {
            let module: Vec<String> = module.split("::").map(str::to_string).collect();
            let file = SourceFile::parse(text, Edition::Edition2021).tree();
            for scope in TreeScopes::collect(file.syntax(), &module).modules {
                table.insert(scope.path, scope.names);
            }
        }
        table
    }

    fn resolve(table: &ModuleTable, module: &str, path: &str) -> Resolution {
        let module: Vec<String> = module.split("::").map(str::to_string).collect();
        let written = WrittenPath { global: false, segments: path.split("::").map(str::to_string).collect() };
        table.resolve(&Catalogue::new(&[], &[]), Place { module: &module, blocks: &[] }, &written)
    }

    fn external(path: &str) -> Resolution {
        Resolution::External(path.split("::").map(str::to_string).collect())
    }

    #[test]
    fn imported_workspace_module_leads_to_its_reexport() {
        // Regression: `use crate::rt;` then `rt::spawn` looped on the module `app::rt`
        // until it gave up with "too many re-exports".
        let table = table(&[
            ("app", "pub mod rt;\nmod service;\n"),
            ("app::rt", "pub use tokio::spawn;\n"),
            ("app::service", "use crate::rt;\nfn f() { rt::spawn(x); }\n"),
        ]);
        assert_eq!(resolve(&table, "app::service", "rt::spawn"), external("tokio::spawn"));
        assert_eq!(resolve(&table, "app::service", "rt"), Resolution::Local);
    }

    #[test]
    fn imported_extern_module_keeps_the_rest_of_the_path() {
        let table = table(&[("app", "use tokio::task as t;\n")]);
        assert_eq!(resolve(&table, "app", "t::spawn_local"), external("tokio::task::spawn_local"));
    }

    #[test]
    fn skipped_file_module_is_reported_as_a_hit() {
        let mut table = table(&[("app", "mod quiet;\n")]);
        table.declare_crate("app");
        table.declare_file_module(&["app".to_string(), "quiet".to_string()]);
        assert_eq!(resolve(&table, "app", "crate::quiet::task::spawn"), Resolution::Local);
        let hits = table.take_unparsed_hits();
        assert!(hits.contains(&vec!["app".to_string(), "quiet".to_string()]), "{hits:?}");
        assert!(table.take_unparsed_hits().is_empty());
    }

    #[test]
    fn a_crate_name_is_the_crate_unless_a_workspace_glob_binds_it() {
        let mut table = table(&[
            ("app", "mod rt;\nmod own;\nmod quiet;\n"),
            // A glob into modules that do not bind `tokio`, one of them never read.
            ("app::rt", "pub use crate::quiet::*;\npub use some_dep::prelude::*;\n"),
            ("app::service", "use crate::rt::*;\nfn f() { tokio::spawn(x); }\n"),
            // A workspace glob that does bind `tokio`: the local module wins.
            ("app::own", "pub mod tokio { pub fn spawn() {} }\n"),
            ("app::shadowed", "use crate::own::*;\nfn f() { tokio::spawn(x); }\n"),
        ]);
        table.declare_crate("app");
        table.declare_file_module(&["app".to_string(), "quiet".to_string()]);
        assert_eq!(resolve(&table, "app::service", "tokio::spawn"), external("tokio::spawn"));
        assert_eq!(
            resolve(&table, "app::shadowed", "tokio::spawn"),
            Resolution::Defined(["app", "own", "tokio", "spawn"].map(str::to_string).to_vec())
        );
    }

    #[test]
    fn a_glob_brings_only_the_names_the_importer_can_see() {
        let mut table = table(&[
            // A crate root that binds `tokio` and `std` privately, and a private glob.
            ("lib", "extern crate std;\nuse helpers as tokio;\nuse inner::*;\nmod helpers;\nmod inner;\n"),
            ("lib::helpers", "pub fn spawn() {}\n"),
            ("lib::inner", "pub mod rt { pub fn spawn() {} }\n"),
            ("app", "use lib::*;\nfn f() { tokio::spawn(x); std::thread::spawn(y); }\n"),
            // A module inside the crate sees its ancestors' private names.
            ("lib::child", "use super::*;\nfn f() { tokio::spawn(x); rt::spawn(y); }\n"),
        ]);
        table.declare_crate("lib");
        table.declare_crate("app");
        assert_eq!(resolve(&table, "app", "tokio::spawn"), external("tokio::spawn"));
        assert_eq!(resolve(&table, "app", "std::thread::spawn"), external("std::thread::spawn"));
        let defined = |path: &str| Resolution::Defined(path.split("::").map(str::to_string).collect());
        assert_eq!(resolve(&table, "lib::child", "tokio::spawn"), defined("lib::helpers::spawn"));
        // `rt` comes through the root's private glob, which `lib::child` sees too.
        assert_eq!(resolve(&table, "lib::child", "rt::spawn"), defined("lib::inner::rt::spawn"));
    }

    #[test]
    fn a_workspace_glob_that_cannot_bring_a_name_does_not_hide_a_dependency() {
        // `tokio_test` is a dependency the syntax tier knows nothing of; the parent
        // module the test module globs binds no such name, so it is that crate.
        let beside_parent = table(&[
            ("app", "use tokio::sync::mpsc;\nmod tests;\n"),
            ("app::tests", "use super::*;\nuse tokio_test::task;\n"),
        ]);
        assert_eq!(
            resolve(&beside_parent, "app::tests", "task::spawn"),
            Resolution::External(["tokio_test", "task", "spawn"].map(String::from).to_vec())
        );
        // A glob into a crate the syntax tier cannot read, or into a module whose macros
        // write items it does not read, may still bring it.
        let with_external_glob = table(&[("app", "use other::*;\nuse tokio_test::task;\n")]);
        assert!(matches!(resolve(&with_external_glob, "app", "task::spawn"), Resolution::Unknown(_)));
        // Nor is a glob into a workspace module that opens an external crate's glob.
        let beside_external = table(&[
            ("app", "pub use tokio::task::*;\nmod tests;\n"),
            ("app::tests", "use super::*;\nuse tokio_test::task;\n"),
        ]);
        assert!(matches!(resolve(&beside_external, "app::tests", "task::spawn"), Resolution::Unknown(_)));
        let beside_macros = table(&[
            ("app", "thread_local! { static X: u8 = 0; }\nmod tests;\n"),
            ("app::tests", "use super::*;\nuse tokio_test::task;\n"),
        ]);
        assert!(matches!(resolve(&beside_macros, "app::tests", "task::spawn"), Resolution::Unknown(_)));
    }

    #[test]
    fn modules_that_glob_each_other_end_at_a_fixed_point() {
        // A ring of globs: looking a name up goes round once and stops, without
        // calling an ordinary path "too many re-exports".
        let table = table(&[
            ("app", "mod a;\nmod b;\nmod c;\n"),
            ("app::a", "pub use crate::b::*;\npub use crate::c::*;\n"),
            ("app::b", "pub use crate::c::*;\npub use crate::a::*;\n"),
            (
                "app::c",
                "pub use crate::a::*;\npub use crate::b::*;\npub use tokio::task::spawn_blocking as blocking;\n",
            ),
            ("app::user", "use crate::a::*;\n"),
        ]);
        assert_eq!(resolve(&table, "app::user", "blocking"), external("tokio::task::spawn_blocking"));
        assert_eq!(resolve(&table, "app::user", "crate::a::nothing"), Resolution::Missing);
        assert_eq!(resolve(&table, "app::user", "tokio::spawn"), external("tokio::spawn"));
    }
}
