//! One helper for the whole workspace (`helper-crate = "crates/tasks"`): a
//! member crate whose library is the helper, which every crate with a site to
//! convert depends on, so that one `drain()` waits for every task and thread
//! of the process instead of one per crate.
//!
//! corral creates the crate when it is missing (its manifest, its library and
//! the `[workspace] members` entry), and adds the dependency to each crate
//! that needs it: `{ workspace = true }` through `[workspace.dependencies]`
//! where the workspace declares its dependencies there, a `path` otherwise.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use super::helper::{
    HelperStyle, ManifestEdit, WorkspaceDependency, ensure_dependencies, helper_module, keep_line_endings,
};
use super::{FileChange, Sources};
use crate::discover::{RustVersion, Workspace, slash};

/// The workspace's helper crate, as configured and as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperCrate {
    pub dir: PathBuf,
    /// The package name, and the name code calls it by (`-` becomes `_`).
    pub name: String,
    pub ident: String,
    pub manifest: PathBuf,
    pub lib: PathBuf,
    /// Whether its manifest is already there.
    pub exists: bool,
}

impl HelperCrate {
    /// The helper crate at `relative` (to the workspace root); its name is
    /// the existing manifest's, or the folder's.
    pub fn locate(workspace: &Workspace, relative: &Path, sources: &Sources) -> Option<HelperCrate> {
        let dir = workspace.root.join(relative);
        let manifest = dir.join("Cargo.toml");
        let existing = sources.get(&manifest);
        let name = match existing {
            Some(text) => {
                text.parse::<DocumentMut>().ok()?.get("package")?.get("name")?.as_str()?.to_string()
            }
            None => dir.file_name()?.to_str()?.to_string(),
        };
        Some(HelperCrate {
            ident: name.replace('-', "_"),
            lib: dir.join("src").join("lib.rs"),
            exists: existing.is_some(),
            dir,
            manifest,
            name,
        })
    }

    /// The files the plan reads to install it.
    pub fn wanted(&self) -> [PathBuf; 2] {
        [self.manifest.clone(), self.lib.clone()]
    }
}

/// What installing the helper crate changes: the crate itself when missing,
/// the root manifest's members and dependencies, and each needing package's
/// manifest. `needing` are package indices; `display` names files.
pub fn install(
    workspace: &Workspace,
    helper: &HelperCrate,
    needing: &BTreeSet<usize>,
    sources: &Sources,
    display: &dyn Fn(&Path) -> String,
) -> Vec<FileChange> {
    let mut changes = Vec::new();
    if needing.is_empty() {
        return changes;
    }
    let root_manifest_path = workspace.root.join("Cargo.toml");
    let root_text = sources.get(&root_manifest_path).cloned().unwrap_or_default();
    let workspace_deps = super::helper::workspace_dependencies(&root_text);
    let uses_workspace_deps = root_text
        .parse::<DocumentMut>()
        .ok()
        .is_some_and(|doc| doc.get("workspace").and_then(|w| w.get("dependencies")).is_some());
    let relative = slash(&relative_path(&workspace.root, &helper.dir));
    let mut root_new = root_text.clone();
    if !helper.exists {
        let rust_version = needing.iter().filter_map(|&index| workspace.packages[index].rust_version).min();
        let manifest = new_manifest(&helper.name, rust_version, &workspace_deps);
        changes.push(new_file(&helper.manifest, manifest, &helper.name, display));
        let style = HelperStyle { public: true, line_ending: "\n", tabs: false, rust_version };
        let library = helper_module(style)
            .replace("this crate starts", "the workspace starts")
            .replace("every spawn of this crate", "every spawn of the workspace");
        changes.push(new_file(&helper.lib, library, &helper.name, display));
        if let Some(text) = add_member(&root_new, &relative) {
            root_new = text;
        }
    }
    if uses_workspace_deps && let Some(text) = add_workspace_dependency(&root_new, &helper.name, &relative) {
        root_new = text;
    }
    let mut edited = vec![(root_manifest_path.clone(), root_new)];
    for &index in needing {
        let package = &workspace.packages[index];
        if package.dir == helper.dir {
            continue;
        }
        let manifest_path = &package.manifest_path;
        let text = match edited.iter().find(|(path, _)| path == manifest_path) {
            Some((_, text)) => text.clone(),
            None => match sources.get(manifest_path) {
                Some(text) => text.clone(),
                None => continue,
            },
        };
        let dependency = if uses_workspace_deps {
            Dependency::Workspace
        } else {
            Dependency::Path(slash(&relative_path(&package.dir, &helper.dir)))
        };
        if let Some(new_text) = add_dependency(&text, &helper.name, &dependency) {
            match edited.iter_mut().find(|(path, _)| path == manifest_path) {
                Some(entry) => entry.1 = new_text,
                None => edited.push((manifest_path.clone(), new_text)),
            }
        }
    }
    for (path, new_text) in edited {
        let original = sources.get(&path).cloned().unwrap_or_default();
        if new_text != original {
            let package = workspace.packages.iter().find(|p| p.manifest_path == path).map(|p| p.name.clone());
            changes.push(FileChange {
                display: display(&path),
                path,
                original: Some(original.clone()),
                new_text: keep_line_endings(&original, new_text),
                package,
            });
        }
    }
    changes
}

fn new_file(path: &Path, new_text: String, package: &str, display: &dyn Fn(&Path) -> String) -> FileChange {
    FileChange {
        path: path.to_path_buf(),
        display: display(path),
        original: None,
        new_text,
        package: Some(package.to_string()),
    }
}

/// The helper crate's manifest: tokio and tokio-util as the helper needs them.
fn new_manifest(
    name: &str,
    rust_version: Option<RustVersion>,
    workspace_deps: &[WorkspaceDependency],
) -> String {
    let mut text = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         description = \"Tracked task spawning for the whole workspace, generated by corral.\"\n\
         publish = false\n"
    );
    if let Some(version) = rust_version {
        text += &format!("rust-version = \"{version}\"\n");
    }
    text += "\n[dependencies]\n";
    match ensure_dependencies(&text, workspace_deps) {
        Ok(ManifestEdit::Changed(with_dependencies)) => with_dependencies,
        _ => text,
    }
}

/// Adds `relative` to `[workspace] members` unless a pattern already covers it.
fn add_member(root: &str, relative: &str) -> Option<String> {
    let mut document: DocumentMut = root.parse().ok()?;
    let workspace = document.get_mut("workspace")?.as_table_like_mut()?;
    if workspace.get("members").is_none() {
        workspace.insert("members", Item::Value(Value::Array(Array::new())));
    }
    let members = workspace.get_mut("members")?.as_array_mut()?;
    let covered = members.iter().filter_map(Value::as_str).any(|pattern| {
        pattern.trim_end_matches('/') == relative
            || globset::Glob::new(pattern).is_ok_and(|glob| glob.compile_matcher().is_match(relative))
    });
    if covered {
        return None;
    }
    members.push(relative);
    Some(document.to_string())
}

/// Declares the helper crate in `[workspace.dependencies]` by path.
fn add_workspace_dependency(root: &str, name: &str, relative: &str) -> Option<String> {
    let mut document: DocumentMut = root.parse().ok()?;
    let dependencies = document.get_mut("workspace")?.get_mut("dependencies")?.as_table_like_mut()?;
    if dependencies.contains_key(name) {
        return None;
    }
    let mut entry = InlineTable::new();
    entry.insert("path", Value::from(relative));
    dependencies.insert(name, Item::Value(Value::InlineTable(entry)));
    Some(document.to_string())
}

enum Dependency {
    Workspace,
    Path(String),
}

/// Adds the helper crate to a package's `[dependencies]`.
fn add_dependency(manifest: &str, name: &str, dependency: &Dependency) -> Option<String> {
    let mut document: DocumentMut = manifest.parse().ok()?;
    let dependencies = document.entry("dependencies").or_insert_with(|| Item::Table(Table::new()));
    let dependencies = dependencies.as_table_like_mut()?;
    if dependencies.contains_key(name) {
        return None;
    }
    let mut entry = InlineTable::new();
    match dependency {
        Dependency::Workspace => entry.insert("workspace", Value::from(true)),
        Dependency::Path(path) => entry.insert("path", Value::from(path.as_str())),
    };
    dependencies.insert(name, Item::Value(Value::InlineTable(entry)));
    Some(document.to_string())
}

/// `to` relative to `from` (both under one root): `../tasks` from `crates/app`.
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for component in &to[common..] {
        path.push(component.as_os_str());
    }
    if path.as_os_str().is_empty() { PathBuf::from(".") } else { path }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative_path(Path::new("/w/crates/app"), Path::new("/w/crates/tasks")),
            Path::new("../tasks")
        );
        assert_eq!(relative_path(Path::new("/w"), Path::new("/w/crates/tasks")), Path::new("crates/tasks"));
        assert_eq!(relative_path(Path::new("/w/a/b"), Path::new("/w/t")), Path::new("../../t"));
    }

    #[test]
    fn members_get_the_crate_unless_a_pattern_covers_it() {
        let root = "[workspace]\nmembers = [\"app\", \"lib\"]\nresolver = \"2\"\n";
        assert_eq!(
            add_member(root, "crates/tasks").unwrap(),
            "[workspace]\nmembers = [\"app\", \"lib\", \"crates/tasks\"]\nresolver = \"2\"\n"
        );
        assert_eq!(add_member("[workspace]\nmembers = [\"crates/*\"]\n", "crates/tasks"), None);
        assert_eq!(add_member("[workspace]\nmembers = [\"crates/tasks/\"]\n", "crates/tasks"), None);
    }

    #[test]
    fn dependencies_by_path_or_through_the_workspace() {
        let manifest = "[package]\nname = \"app\"\n\n[dependencies]\nserde = \"1\"\n";
        let by_path = add_dependency(manifest, "tasks", &Dependency::Path("../tasks".into())).unwrap();
        assert!(by_path.ends_with("serde = \"1\"\ntasks = { path = \"../tasks\" }\n"), "{by_path}");
        let inherited = add_dependency(manifest, "tasks", &Dependency::Workspace).unwrap();
        assert!(inherited.ends_with("tasks = { workspace = true }\n"), "{inherited}");
        assert_eq!(add_dependency(&by_path, "tasks", &Dependency::Workspace), None);
        let root = "[workspace]\nmembers = []\n\n[workspace.dependencies]\ntokio = \"1\"\n";
        let declared = add_workspace_dependency(root, "tasks", "crates/tasks").unwrap();
        assert!(declared.ends_with("tokio = \"1\"\ntasks = { path = \"crates/tasks\" }\n"), "{declared}");
    }

    #[test]
    fn the_new_manifest_has_what_the_helper_needs() {
        let text = new_manifest("tasks", Some(RustVersion { major: 1, minor: 75 }), &[]);
        assert!(text.starts_with("[package]\nname = \"tasks\"\n"), "{text}");
        assert!(text.contains("publish = false\nrust-version = \"1.75\"\n"), "{text}");
        assert!(text.contains("tokio-util = { version = \"0.7.10\", features = [\"rt\"] }"), "{text}");
        assert!(text.contains("tokio = { version = \"1\", features = [\"rt\", \"time\"] }"), "{text}");
    }
}
