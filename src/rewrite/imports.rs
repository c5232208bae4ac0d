//! Imports a rewrite makes unused: `use tokio::spawn;` once every `spawn(..)`
//! became `crate::tasks::spawn(..)`. Only private imports are touched, and
//! only when the rewrite removed their last use (the rewrite only replaces
//! spawn callees, so nothing else can lose its uses); an import still used
//! elsewhere in the file, or already unused, is left alone.

use std::collections::HashMap;

use ra_ap_syntax::{
    AstNode, Direction, Edition, SourceFile, SyntaxKind, SyntaxNode, ast, ast::HasName, ast::HasVisibility,
};

use crate::edit::Edit;
use crate::resolve::path::WrittenPath;

/// Edits (against `original`) that remove the imports `rewritten` no longer uses.
pub fn remove_unused_imports(original: &str, rewritten: &str, edition: Edition) -> Vec<Edit> {
    let before = SourceFile::parse(original, edition).tree();
    let after = SourceFile::parse(rewritten, edition).tree();
    let uses_before = identifier_uses(before.syntax());
    let uses_after = identifier_uses(after.syntax());
    let mut edits = Vec::new();
    for item in before.syntax().descendants().filter_map(ast::Use::cast) {
        if item.visibility().is_some() {
            continue;
        }
        let Some(top) = item.use_tree() else { continue };
        let mut removable = Vec::new();
        collect_removable(&top, &WrittenPath { global: false, segments: Vec::new() }, &mut |tree, name| {
            let was_used = uses_before.get(name).copied().unwrap_or(0) > 0;
            let still_used = uses_after.get(name).copied().unwrap_or(0) > 0;
            if was_used && !still_used {
                removable.push(tree.clone());
            }
        });
        if removable.is_empty() {
            continue;
        }
        let leaves = count_leaves(&top);
        if removable.len() == leaves {
            edits.push(remove_item(original, item.syntax()));
        } else {
            edits.extend(removable.iter().map(remove_tree));
        }
    }
    edits
}

/// Walks a use tree; calls `found` for every named leaf with the name it binds.
fn collect_removable(tree: &ast::UseTree, prefix: &WrittenPath, found: &mut dyn FnMut(&ast::UseTree, &str)) {
    let mut path = prefix.clone();
    if let Some(written) = tree.path().and_then(|p| WrittenPath::from_ast(&p)) {
        path.segments.extend(written.segments);
    }
    if let Some(list) = tree.use_tree_list() {
        for child in list.use_trees() {
            collect_removable(&child, &path, found);
        }
        return;
    }
    if tree.star_token().is_some()
        || path.segments.first().is_some_and(|s| matches!(s.as_str(), "crate" | "self" | "super"))
    {
        return;
    }
    let name = match tree.rename() {
        Some(rename) => match rename.name() {
            Some(name) => name.text().to_string(),
            None => return,
        },
        None => match path.segments.last() {
            Some(last) => last.clone(),
            None => return,
        },
    };
    // Any private import the rewrite took the last use of is now unused,
    // whatever it names: a spawn function, its module, or a workspace alias.
    found(tree, &name);
}

fn count_leaves(tree: &ast::UseTree) -> usize {
    match tree.use_tree_list() {
        Some(list) => list.use_trees().map(|t| count_leaves(&t)).sum(),
        None => 1,
    }
}

/// How often each name is used the way an import is: as the first segment of
/// a path outside `use` items (`spawn(..)`, `task::spawn(..)`), or inside a
/// macro's tokens, where any identifier may be one. `crate::tasks::spawn`
/// does not use an imported `spawn`.
fn identifier_uses(root: &SyntaxNode) -> HashMap<String, usize> {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for token in root.descendants_with_tokens().filter_map(|e| e.into_token()) {
        if token.kind() != SyntaxKind::IDENT {
            continue;
        }
        let Some(parent) = token.parent() else { continue };
        let counts = match parent.kind() {
            SyntaxKind::TOKEN_TREE => true,
            SyntaxKind::NAME_REF => parent
                .parent()
                .and_then(ast::PathSegment::cast)
                .is_some_and(|segment| segment.parent_path().qualifier().is_none()),
            _ => false,
        };
        if counts && !token.parent_ancestors().any(|a| a.kind() == SyntaxKind::USE) {
            *uses.entry(token.text().to_string()).or_default() += 1;
        }
    }
    uses
}

/// Removes a whole `use` item with its line (indentation and line ending).
fn remove_item(text: &str, item: &SyntaxNode) -> Edit {
    let range = item.text_range();
    let (mut start, mut end) = (usize::from(range.start()), usize::from(range.end()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if text[line_start..start].trim().is_empty() {
        start = line_start;
        let rest = &text[end..];
        let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        if rest[..line_end].trim().is_empty() {
            end += line_end;
        }
    }
    Edit::replace(start as u32, end as u32, "", "remove an import the rewrite made unused")
}

/// Removes one tree from a group, with the comma that separates it from a neighbour.
fn remove_tree(tree: &ast::UseTree) -> Edit {
    let range = tree.syntax().text_range();
    let (start, mut end) = (u32::from(range.start()), u32::from(range.end()));
    let mut next = tree.syntax().siblings_with_tokens(Direction::Next).skip(1);
    let mut removed_comma = false;
    for element in next.by_ref() {
        match element.kind() {
            SyntaxKind::WHITESPACE if removed_comma => {
                end = element.text_range().end().into();
                break;
            }
            SyntaxKind::WHITESPACE => {}
            SyntaxKind::COMMA => {
                end = element.text_range().end().into();
                removed_comma = true;
            }
            _ => break,
        }
    }
    if !removed_comma {
        // The last tree of a group: take the comma before it instead.
        let previous_comma = tree
            .syntax()
            .siblings_with_tokens(Direction::Prev)
            .skip(1)
            .find(|e| e.kind() != SyntaxKind::WHITESPACE)
            .filter(|e| e.kind() == SyntaxKind::COMMA);
        if let Some(comma) = previous_comma {
            return Edit::replace(
                comma.text_range().start().into(),
                end,
                "",
                "remove an import the rewrite made unused",
            );
        }
    }
    Edit::replace(start, end, "", "remove an import the rewrite made unused")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit;

    fn cleaned(original: &str, rewritten: &str) -> String {
        let edits = remove_unused_imports(original, rewritten, Edition::Edition2021);
        edit::apply(original, &edit::normalize(edits).unwrap())
    }

    #[test]
    fn removes_an_import_whose_last_use_is_gone() {
        let original = "use std::sync::Arc;\nuse tokio::spawn;\n\nfn f() { spawn(x); }\n";
        assert_eq!(
            cleaned(
                original,
                "use std::sync::Arc;\nuse tokio::spawn;\n\nfn f() { crate::tasks::spawn(x); }\n"
            ),
            "use std::sync::Arc;\n\nfn f() { spawn(x); }\n"
        );
    }

    #[test]
    fn keeps_imports_still_used_or_already_unused() {
        let original = "use tokio::spawn;\nuse tokio::task;\nfn f() { spawn(x); spawn(y); }\n";
        let rewritten = "use tokio::spawn;\nuse tokio::task;\nfn f() { crate::tasks::spawn(x); spawn(y); }\n";
        assert_eq!(cleaned(original, rewritten), original);
    }

    #[test]
    fn removes_one_name_from_a_group_and_renames() {
        let original = "use tokio::{spawn as go, sync::mpsc};\nfn f() { go(x); mpsc::channel(); }\n";
        let rewritten =
            "use tokio::{spawn as go, sync::mpsc};\nfn f() { crate::tasks::spawn(x); mpsc::channel(); }\n";
        assert_eq!(
            cleaned(original, rewritten),
            "use tokio::{sync::mpsc};\nfn f() { go(x); mpsc::channel(); }\n"
        );
        let last = "use tokio::{sync::mpsc, task};\nfn f() { task::spawn(x); mpsc::channel(); }\n";
        let rewritten =
            "use tokio::{sync::mpsc, task};\nfn f() { crate::tasks::spawn(x); mpsc::channel(); }\n";
        assert_eq!(
            cleaned(last, rewritten),
            "use tokio::{sync::mpsc};\nfn f() { task::spawn(x); mpsc::channel(); }\n"
        );
    }
}
