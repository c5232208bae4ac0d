//! Paths as written, reduced to their segments.

use ra_ap_syntax::ast::{self, HasName, PathSegmentKind};

/// A path as written in the source: its segments and whether it starts with `::`.
///
/// Keywords keep their spelling (`crate`, `self`, `super`, `Self`) so that
/// resolution can anchor them; generic arguments are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WrittenPath {
    pub global: bool,
    pub segments: Vec<String>,
}

impl WrittenPath {
    /// Reads an `ast::Path`; `None` for paths with a type anchor (`<T as Trait>::f`).
    pub fn from_ast(path: &ast::Path) -> Option<WrittenPath> {
        let mut segments = Vec::new();
        let mut global = false;
        for (index, segment) in path.segments().enumerate() {
            if index == 0 && segment.coloncolon_token().is_some() {
                global = true;
            }
            let name = match segment.kind()? {
                PathSegmentKind::Name(name) => name.text().to_string(),
                PathSegmentKind::SelfTypeKw => "Self".to_string(),
                PathSegmentKind::SelfKw => "self".to_string(),
                PathSegmentKind::SuperKw => "super".to_string(),
                PathSegmentKind::CrateKw => "crate".to_string(),
                PathSegmentKind::Type { .. } => return None,
            };
            segments.push(name);
        }
        (!segments.is_empty()).then_some(WrittenPath { global, segments })
    }

    /// Reads a type as written (`Server<T>`, `crate::net::Server`); `None` for
    /// anything that is not a plain path (`&T`, `(A, B)`, `dyn Trait`).
    pub fn from_type_text(text: &str) -> Option<WrittenPath> {
        let path = text.split('<').next()?.trim();
        let (global, path) = match path.strip_prefix("::") {
            Some(rest) => (true, rest),
            None => (false, path),
        };
        let segments: Vec<String> = path.split("::").map(|s| s.trim().to_string()).collect();
        let plain =
            segments.iter().all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'));
        plain.then_some(WrittenPath { global, segments })
    }

    pub fn last(&self) -> &str {
        self.segments.last().map(String::as_str).unwrap_or("")
    }

    /// The path as the user would write it.
    pub fn display(&self) -> String {
        let joined = self.segments.join("::");
        if self.global { format!("::{joined}") } else { joined }
    }
}

/// One name a `use` item binds, or one glob it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UseEntry {
    /// `use a::b::c;` binds `c`; `use a::b as d;` binds `d`; `use a::{self}` binds `a`.
    Named { name: String, target: WrittenPath },
    /// `use a::b::*;`
    Glob { target: WrittenPath },
}

/// Flattens a `use` item's tree into the names it binds.
pub fn use_entries(item: &ast::Use) -> Vec<UseEntry> {
    let mut entries = Vec::new();
    if let Some(tree) = item.use_tree() {
        flatten(&tree, &WrittenPath { global: false, segments: Vec::new() }, &mut entries);
    }
    entries
}

fn flatten(tree: &ast::UseTree, prefix: &WrittenPath, out: &mut Vec<UseEntry>) {
    let mut base = prefix.clone();
    if let Some(path) = tree.path() {
        let Some(written) = WrittenPath::from_ast(&path) else { return };
        if base.segments.is_empty() {
            base.global = written.global;
        }
        // `use a::{self}` names `a` itself.
        let names_prefix_itself = written.segments == ["self"] && !base.segments.is_empty();
        if !names_prefix_itself {
            base.segments.extend(written.segments);
        }
    }
    if let Some(list) = tree.use_tree_list() {
        for child in list.use_trees() {
            flatten(&child, &base, out);
        }
        return;
    }
    if tree.star_token().is_some() {
        out.push(UseEntry::Glob { target: base });
        return;
    }
    let Some(last) = base.segments.last().cloned() else { return };
    let name = match tree.rename() {
        Some(rename) => match rename.name() {
            Some(name) => name.text().to_string(),
            // `use a as _;` binds nothing callable.
            None => return,
        },
        None => last,
    };
    if matches!(name.as_str(), "self" | "crate" | "super") {
        return;
    }
    out.push(UseEntry::Named { name, target: base });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{AstNode, Edition, SourceFile};

    fn entries(text: &str) -> Vec<String> {
        let file = SourceFile::parse(text, Edition::Edition2021).tree();
        let item = file.syntax().descendants().find_map(ast::Use::cast).unwrap();
        use_entries(&item)
            .into_iter()
            .map(|entry| match entry {
                UseEntry::Named { name, target } => format!("{name}={}", target.display()),
                UseEntry::Glob { target } => format!("*={}", target.display()),
            })
            .collect()
    }

    #[test]
    fn a_type_as_written_is_a_path_without_its_generics() {
        let shown = |text: &str| WrittenPath::from_type_text(text).map(|p| p.display());
        assert_eq!(shown("Server<T>").as_deref(), Some("Server"));
        assert_eq!(shown("crate::net::Server<'a, T>").as_deref(), Some("crate::net::Server"));
        assert_eq!(shown("::app::Server").as_deref(), Some("::app::Server"));
        assert_eq!(shown("&Server"), None);
        assert_eq!(shown("(A, B)"), None);
        assert_eq!(shown("dyn Trait"), None);
    }

    #[test]
    fn flattens_nested_groups_renames_and_globs() {
        assert_eq!(
            entries("use tokio::{spawn as go, task::{self, spawn_blocking}, runtime::*};"),
            [
                "go=tokio::spawn",
                "task=tokio::task",
                "spawn_blocking=tokio::task::spawn_blocking",
                "*=tokio::runtime"
            ]
        );
    }

    #[test]
    fn keeps_leading_colons_and_keywords() {
        assert_eq!(entries("use ::tokio::spawn;"), ["spawn=::tokio::spawn"]);
        assert_eq!(entries("use crate::rt::spawn;"), ["spawn=crate::rt::spawn"]);
        assert_eq!(entries("use super::super::x as y;"), ["y=super::super::x"]);
        assert!(entries("use tokio::spawn as _;").is_empty());
    }
}
