//! Where a package's helper module lives, and how each crate root reaches it.
//!
//! A package carries one helper file. With a library, the file sits beside
//! the library's root, the library declares it (`pub mod tasks;`) and every
//! other target names it through the library (`svc::tasks::spawn`). Without
//! one, the file is `src/tasks.rs` and each crate root that needs it declares
//! it: `src/main.rs`, beside it, with `mod tasks;`, every other root with
//! `#[path = "../tasks.rs"] mod tasks;`. A crate root looks for its modules in
//! its own folder, and a `#[path]` there is relative to that folder too, so
//! `src/bin/NAME.rs`, `src/bin/NAME/main.rs`, `examples/NAME.rs` and a
//! `[[bin]]` at `tools/custom.rs` all reach the one file. Each binary is its
//! own process, so one file still means one tracker per process.
//!
//! The file never goes where cargo discovers targets by itself (`src/bin/`,
//! `examples/`, `tests/`, `benches/`): there it would become a target of its
//! own. A `tasks` module the user already owns (the file, a `tasks/mod.rs`, or
//! a declaration in a root that does not lead to corral's file) makes it
//! `corral_tasks`, for the whole package.

use std::path::{Component, Path, PathBuf};

use ra_ap_syntax::ast::{self, HasAttrs, HasName};
use ra_ap_syntax::{AstNode, Edition, SourceFile, SyntaxKind};

use super::helper::HEADER;
use crate::config::Config;
use crate::discover::{Package, SourceFile as Discovered, TargetKind, Workspace};
use crate::edit::Edit;

/// Where a crate's helper lives and how sites name it.
#[derive(Debug, Clone)]
pub(super) struct HelperHome {
    /// Target root that declares the module.
    pub(super) root: PathBuf,
    /// The package's one helper file.
    pub(super) file: PathBuf,
    pub(super) module: String,
    pub(super) public: bool,
    /// Package index, for the manifest.
    pub(super) package: usize,
}

impl HelperHome {
    /// The `#[path]` value the root's declaration needs, relative to the
    /// root's folder; `None` where rustc finds the file by the module's name.
    pub(super) fn path_attribute(&self) -> Option<String> {
        let folder = normalize(self.root.parent()?);
        let beside = self.file.parent().is_some_and(|parent| normalize(parent) == folder)
            && self.file.file_name().is_some_and(|name| *name == *format!("{}.rs", self.module));
        if beside { None } else { Some(relative_path(&folder, &normalize(&self.file))) }
    }
}

/// Where the helper of a file's crate lives: the package's library when it
/// has one (every other target can reach it), else the file's own target,
/// which declares the package's shared file. `None` for a build script, which
/// reaches neither, and for a file no target holds in a package without a
/// library.
pub(super) fn helper_home(
    workspace: &Workspace,
    file: &Discovered,
    config: &Config,
    existing: &dyn Fn(&Path) -> Option<String>,
) -> Option<HelperHome> {
    let module = config.helper.strip_prefix("crate::").filter(|m| !m.contains("::"))?;
    let package_index = file.package?;
    let package: &Package = &workspace.packages[package_index];
    let own = file.target.map(|target| &package.targets[target]);
    if own.is_some_and(|target| target.kind == TargetKind::BuildScript) {
        return None;
    }
    let (root, public) = match (package.lib(), own) {
        (Some(lib), _) => (lib.root.clone(), true),
        (None, Some(target)) => (target.root.clone(), false),
        (None, None) => return None,
    };
    let folder = helper_folder(package);
    let name = if module_taken(package, &folder, module, existing) {
        format!("corral_{module}")
    } else {
        module.to_string()
    };
    Some(HelperHome {
        root,
        file: folder.join(format!("{name}.rs")),
        module: name,
        public,
        package: package_index,
    })
}

/// Every file `helper_home` may read for `home`'s package (with the helper's
/// default name): the candidate files and the roots that would declare it.
pub(super) fn files_read(workspace: &Workspace, home: &HelperHome) -> Vec<PathBuf> {
    let package = &workspace.packages[home.package];
    let folder = helper_folder(package);
    let mut files = vec![
        home.file.clone(),
        folder.join(format!("corral_{}.rs", home.module)),
        folder.join(&home.module).join("mod.rs"),
        package.manifest_path.clone(),
    ];
    files.extend(declaring_roots(package).map(Path::to_path_buf));
    files
}

/// How a file names its crate's helper: `crate::tasks` inside the library
/// and in a package without one, `<lib>::tasks` from a library's other targets.
pub(super) fn helper_path(workspace: &Workspace, file: &Discovered, home: &HelperHome) -> String {
    let package = &workspace.packages[home.package];
    let in_home = file.target.is_some_and(|t| package.targets[t].root == home.root);
    match (in_home, package.lib()) {
        (false, Some(lib)) => format!("{}::{}", lib.name, home.module),
        _ => format!("crate::{}", home.module),
    }
}

/// The folder of a package's helper file: the library's, else `src/`; never
/// one whose files cargo takes for targets of their own.
fn helper_folder(package: &Package) -> PathBuf {
    package
        .lib()
        .and_then(|lib| lib.root.parent())
        .filter(|folder| !discovers_targets(&package.dir, folder))
        .map_or_else(|| package.dir.join("src"), Path::to_path_buf)
}

/// Whether cargo takes the `.rs` files of `folder` for targets (`src/bin/`,
/// `examples/`, `tests/`, `benches/`), as it does unless told otherwise.
fn discovers_targets(package_dir: &Path, folder: &Path) -> bool {
    let folder = normalize(folder);
    let Ok(relative) = folder.strip_prefix(normalize(package_dir)) else { return false };
    ["src/bin", "examples", "tests", "benches"].iter().any(|auto| relative == Path::new(auto))
}

/// The roots that would declare the helper: the library, or every target but
/// the build script.
fn declaring_roots(package: &Package) -> impl Iterator<Item = &Path> {
    let lib = package.lib();
    package
        .targets
        .iter()
        .filter(move |target| match lib {
            Some(lib) => target.root == lib.root,
            None => target.kind != TargetKind::BuildScript,
        })
        .map(|target| target.root.as_path())
}

/// Whether `module` belongs to the user: a file of that name that corral did
/// not write, a `module/mod.rs`, or a declaration in a root that does not lead
/// to corral's file (an inline module, or one with a file elsewhere).
fn module_taken(
    package: &Package,
    folder: &Path,
    module: &str,
    existing: &dyn Fn(&Path) -> Option<String>,
) -> bool {
    let file = folder.join(format!("{module}.rs"));
    match existing(&file) {
        Some(text) => return !text.starts_with(HEADER),
        None if existing(&folder.join(module).join("mod.rs")).is_some() => return true,
        None => {}
    }
    declaring_roots(package)
        .any(|root| existing(root).is_some_and(|text| declares_other_module(&text, root, module, &file)))
}

/// Whether a crate root declares a module `name` that is not the file `ours`.
fn declares_other_module(text: &str, root: &Path, name: &str, ours: &Path) -> bool {
    let folder = root.parent().unwrap_or(Path::new(""));
    top_modules(text).filter(|m| m.name().is_some_and(|n| n.text() == name)).any(|module| {
        if module.item_list().is_some() {
            return true;
        }
        let file = match path_attribute(&module) {
            Some(relative) => folder.join(relative),
            None => folder.join(format!("{name}.rs")),
        };
        normalize(&file) != normalize(ours)
    })
}

/// The value of a module's `#[path = "..."]`.
fn path_attribute(module: &ast::Module) -> Option<String> {
    module.attrs().filter(|attr| attr.simple_name().is_some_and(|n| n == "path")).find_map(|attr| {
        let ast::Meta::KeyValueMeta(meta) = attr.meta()? else { return None };
        let ast::Expr::Literal(literal) = meta.expr()? else { return None };
        let text = literal.token().text().to_string();
        Some(text.trim_matches('"').to_string())
    })
}

fn top_modules(text: &str) -> impl Iterator<Item = ast::Module> {
    let file = SourceFile::parse(text.strip_prefix('\u{feff}').unwrap_or(text), Edition::Edition2021).tree();
    file.syntax().children().filter_map(ast::Module::cast).collect::<Vec<_>>().into_iter()
}

/// Whether a crate root declares a module `name` (in any form).
fn declares_module(root: &str, name: &str) -> bool {
    top_modules(root).any(|m| m.name().is_some_and(|n| n.text() == name))
}

/// How a root declares its crate's helper.
#[derive(Debug, Clone, Copy)]
pub(super) struct Declaration<'a> {
    pub(super) module: &'a str,
    pub(super) public: bool,
    /// `#[path]`, for a root whose folder does not hold the file.
    pub(super) path: Option<&'a str>,
    pub(super) eol: &'a str,
}

/// The `mod tasks;` line for a crate root that lacks it: after the last `mod`
/// declaration, or before the first item.
pub(super) fn declare_module(root: &str, declaration: Declaration) -> Option<Edit> {
    let Declaration { module, public, path, eol } = declaration;
    if declares_module(root, module) {
        return None;
    }
    let file = SourceFile::parse(root.strip_prefix('\u{feff}').unwrap_or(root), Edition::Edition2021).tree();
    let bom = if root.starts_with('\u{feff}') { 3 } else { 0 };
    let items: Vec<ast::Item> = file.syntax().children().filter_map(ast::Item::cast).collect();
    let visibility = if public { "pub " } else { "" };
    let path = path.map(|path| format!("#[path = \"{path}\"]{eol}")).unwrap_or_default();
    let line = format!("{path}{visibility}mod {module};");
    let last_mod = items.iter().rfind(|item| matches!(item, ast::Item::Module(m) if m.item_list().is_none()));
    if let Some(last) = last_mod {
        let end = u32::from(last.syntax().text_range().end()) + bom;
        return Some(Edit::insert(end, format!("{eol}{line}"), "declare the helper module"));
    }
    match items.first() {
        Some(first) => {
            // Before the item's attributes and doc comments too.
            let start = first
                .syntax()
                .children_with_tokens()
                .find(|e| !matches!(e.kind(), SyntaxKind::WHITESPACE))
                .map_or(first.syntax().text_range().start(), |e| e.text_range().start());
            Some(Edit::insert(
                u32::from(start) + bom,
                format!("{line}{eol}{eol}"),
                "declare the helper module",
            ))
        }
        None => {
            let separator = if root.is_empty() || root.ends_with('\n') { "" } else { eol };
            Some(Edit::insert(
                root.len() as u32,
                format!("{separator}{line}{eol}"),
                "declare the helper module",
            ))
        }
    }
}

/// A path without `.` components, and with `a/..` folded away.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` relative to the folder `from`, with `/` separators (rustc takes them
/// on every platform); both normalized and from the same base.
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), from.len() - common);
    let downs = to[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests;
