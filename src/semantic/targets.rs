//! The catalogue as rust-analyzer knows it: the spawn functions and the types
//! whose methods spawn, found once by walking the dependency crates' modules
//! (so private module paths such as `tokio::task::spawn::spawn` never matter).

use std::collections::HashMap;

use ra_ap_hir::{AsAssocItem, AssocItemContainer, Crate, Function, Module, ModuleDef, ScopeDef};
use ra_ap_ide_db::RootDatabase;

use super::Resolution;
use crate::resolve::catalogue::{FUNCTIONS, VALUES, ValueKind, method_family};
use crate::sites::model::Family;

/// The crates that define the catalogue's functions and types, and those the
/// configured spawn paths start with (`std` aside: it is always analysed).
pub(super) fn runtime_crates(extra: &[Vec<String>]) -> Vec<String> {
    let roots = FUNCTIONS.iter().map(|(path, _)| path[0]).chain(VALUES.iter().map(|(path, _)| path[0]));
    let mut crates: Vec<String> = roots.filter(|root| *root != "std").map(str::to_string).collect();
    crates.extend(extra.iter().filter_map(|path| path.first()).map(|root| root.replace('-', "_")));
    crates.sort();
    crates.dedup();
    crates
}

/// The catalogue's functions and types in one loaded graph.
#[derive(Debug, Default)]
pub(super) struct Targets {
    functions: HashMap<Function, Family>,
    types: HashMap<ModuleDef, ValueKind>,
}

impl Targets {
    pub fn find(db: &RootDatabase, extra: &[Vec<String>]) -> Targets {
        let mut targets = Targets::default();
        let crates = Crate::all(db);
        let by_name = |name: &str| -> Vec<Crate> {
            crates
                .iter()
                .copied()
                .filter(|k| k.display_name(db).is_some_and(|n| n.to_string() == name))
                .collect()
        };
        for (path, family) in FUNCTIONS {
            for krate in by_name(path[0]) {
                if let Some(ModuleDef::Function(f)) = walk(db, krate.root_module(db), &path[1..]) {
                    targets.functions.insert(f, family());
                }
            }
        }
        for (path, kind) in VALUES {
            for krate in by_name(path[0]) {
                if let Some(def @ ModuleDef::Adt(_)) = walk(db, krate.root_module(db), &path[1..]) {
                    targets.types.insert(def, *kind);
                }
            }
        }
        for path in extra.iter().filter(|p| p.len() >= 2) {
            let words: Vec<&str> = path.iter().map(String::as_str).collect();
            let name = words[0].replace('-', "_");
            for krate in by_name(&name) {
                if let Some(ModuleDef::Function(f)) = walk(db, krate.root_module(db), &words[1..]) {
                    targets.functions.insert(f, Family::Custom { path: path.join("::") });
                }
            }
        }
        targets
    }

    pub fn len(&self) -> usize {
        self.functions.len() + self.types.len()
    }

    /// What a call of `f` is.
    pub fn classify(&self, db: &RootDatabase, f: Function) -> Resolution {
        if let Some(family) = self.functions.get(&f) {
            return Resolution::Spawn(family.clone());
        }
        let name = f.name(db).as_str().to_string();
        if let Some(item) = f.as_assoc_item(db)
            && let AssocItemContainer::Impl(imp) = item.container(db)
            && imp.trait_(db).is_none()
            && let Some(adt) = imp.self_ty(db).as_adt()
            && let Some(kind) = self.types.get(&ModuleDef::Adt(adt))
            && let Some(resolution) = method(*kind, &name)
        {
            return resolution;
        }
        Resolution::Other(path_of(db, f))
    }
}

/// A method of a catalogue type: a spawn, or a spawn through a tracker (`TaskTracker`, `JoinSet`).
fn method(kind: ValueKind, name: &str) -> Option<Resolution> {
    let family = method_family(kind, name)?;
    Some(if kind == ValueKind::Tracker { Resolution::Tracked } else { Resolution::Spawn(family) })
}

/// Follows `path` from `module` through the module scopes (imports and
/// re-exports included), one namespace per step.
fn walk(db: &RootDatabase, mut module: Module, path: &[&str]) -> Option<ModuleDef> {
    for (index, segment) in path.iter().enumerate() {
        let last = index + 1 == path.len();
        // A scope lists a name once per namespace: `tokio::task` holds both a
        // private `mod spawn` and the `fn spawn` it re-exports.
        let found = module.scope(db, None).into_iter().find_map(|(name, def)| {
            if name.as_str() != *segment {
                return None;
            }
            match def {
                ScopeDef::ModuleDef(ModuleDef::Module(m)) if !last => Some(ModuleDef::Module(m)),
                ScopeDef::ModuleDef(def @ (ModuleDef::Function(_) | ModuleDef::Adt(_))) if last => Some(def),
                _ => None,
            }
        })?;
        match found {
            ModuleDef::Module(m) => module = m,
            def => return Some(def),
        }
    }
    None
}

/// `crate::module::function`, for reports.
pub(super) fn path_of(db: &RootDatabase, f: Function) -> String {
    let krate = f.module(db).krate(db).display_name(db).map(|n| n.to_string()).unwrap_or_default();
    let path = ModuleDef::Function(f)
        .canonical_path(db, ra_ap_ide_db::span::Edition::CURRENT)
        .unwrap_or_else(|| f.name(db).as_str().to_string());
    format!("{krate}::{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_crates_are_the_catalogues_roots_and_the_configured_ones() {
        let extra = vec![vec!["my-rt".to_string(), "launch".to_string()]];
        assert_eq!(runtime_crates(&extra), ["async_std", "my_rt", "smol", "tokio", "tokio_util"]);
    }
}
