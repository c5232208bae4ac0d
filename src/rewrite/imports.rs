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

/// A private glob import (`use util::prelude::*;`) and what it can bring in,
/// as the semantic tier resolved it; the range is the whole `use` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobExport {
    pub start: u32,
    pub end: u32,
    pub names: Vec<String>,
    /// A trait can be used through method syntax alone: such a glob is never removed.
    pub has_traits: bool,
}

/// Glob imports by the display path of the file that holds them.
pub type GlobExports = HashMap<String, Vec<GlobExport>>;

/// Edits (against `original`) that remove the imports `rewritten` no longer uses.
///
/// A glob import goes too when `globs` says what it brings in, none of it is
/// a trait, and the rewrite removed the last use of everything it brought
/// that the module does not also bind itself.
pub fn remove_unused_imports(
    original: &str,
    rewritten: &str,
    edition: Edition,
    globs: &[GlobExport],
) -> Vec<Edit> {
    let before = SourceFile::parse(original, edition).tree();
    let after = SourceFile::parse(rewritten, edition).tree();
    let uses_before = identifier_uses(before.syntax());
    let uses_after = identifier_uses(after.syntax());
    let unused = |name: &str| {
        uses_before.get(name).copied().unwrap_or(0) > 0 && uses_after.get(name).copied().unwrap_or(0) == 0
    };
    let mut edits = Vec::new();
    let mut removed_items = Vec::new();
    for item in before.syntax().descendants().filter_map(ast::Use::cast) {
        if item.visibility().is_some() {
            continue;
        }
        let range = item.syntax().text_range();
        if let Some(glob) =
            globs.iter().find(|g| g.start == u32::from(range.start()) && g.end == u32::from(range.end()))
        {
            if glob_made_unused(&item, glob, &unused, &uses_after) {
                removed_items.push(remove_item(original, item.syntax()));
            }
            continue;
        }
        let Some(top) = item.use_tree() else { continue };
        match plan_tree(&top, &WrittenPath { global: false, segments: Vec::new() }, &unused) {
            TreePlan::Untouched => {}
            TreePlan::Removed => removed_items.push(remove_item(original, item.syntax())),
            TreePlan::Edits(tree_edits) => edits.extend(tree_edits),
        }
    }
    edits.extend(without_orphaned_blank_lines(original, removed_items));
    edits
}

/// Whether the rewrite removed the last use of everything a glob brings in.
/// Names the glob's own module binds otherwise (an item, another `use`) are
/// not the glob's to supply.
fn glob_made_unused(
    item: &ast::Use,
    glob: &GlobExport,
    unused: &dyn Fn(&str) -> bool,
    uses_after: &HashMap<String, usize>,
) -> bool {
    if glob.has_traits {
        return false;
    }
    let bound_here = names_bound_beside(item);
    let supplied: Vec<&String> =
        glob.names.iter().filter(|name| !bound_here.contains(name.as_str())).collect();
    supplied.iter().any(|name| unused(name))
        && supplied.iter().all(|name| !uses_after.contains_key(name.as_str()))
}

/// The names the items beside a `use` bind in their module, glob imports aside.
fn names_bound_beside(item: &ast::Use) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    let Some(parent) = item.syntax().parent() else { return names };
    for sibling in parent.children() {
        if let Some(other) = ast::Use::cast(sibling.clone()) {
            if let Some(tree) = other.use_tree() {
                leaf_names(&tree, &WrittenPath { global: false, segments: Vec::new() }, &mut names);
            }
        } else if let Some(named) = ast::AnyHasName::cast(sibling) {
            names.extend(named.name().map(|n| n.text().to_string()));
        }
    }
    names
}

/// Every name the leaves of a use tree bind (see `leaf_name`).
fn leaf_names(tree: &ast::UseTree, prefix: &WrittenPath, out: &mut std::collections::HashSet<String>) {
    let mut path = prefix.clone();
    if let Some(written) = tree.path().and_then(|p| WrittenPath::from_ast(&p)) {
        path.segments.extend(written.segments);
    }
    match tree.use_tree_list() {
        Some(list) => list.use_trees().for_each(|child| leaf_names(&child, &path, out)),
        None => out.extend(leaf_name(tree, prefix, &path)),
    }
}

/// What becomes of a use tree.
enum TreePlan {
    Untouched,
    /// Every name it binds lost its last use.
    Removed,
    /// Some did: these edits take them out.
    Edits(Vec<Edit>),
}

/// Plans a use tree: the leaves whose name `unused` says lost its last use
/// go, a group that loses every leaf goes whole, and a group left with one
/// untouched tree loses its braces (`tokio::{spawn, sync::mpsc}` ->
/// `tokio::sync::mpsc`).
fn plan_tree(tree: &ast::UseTree, prefix: &WrittenPath, unused: &dyn Fn(&str) -> bool) -> TreePlan {
    let mut path = prefix.clone();
    if let Some(written) = tree.path().and_then(|p| WrittenPath::from_ast(&p)) {
        path.segments.extend(written.segments);
    }
    let Some(list) = tree.use_tree_list() else {
        return match leaf_name(tree, prefix, &path) {
            Some(name) if unused(&name) => TreePlan::Removed,
            _ => TreePlan::Untouched,
        };
    };
    let children: Vec<(ast::UseTree, TreePlan)> =
        list.use_trees().map(|child| (child.clone(), plan_tree(&child, &path, unused))).collect();
    if children.iter().all(|(_, plan)| matches!(plan, TreePlan::Untouched)) {
        return TreePlan::Untouched;
    }
    if children.iter().all(|(_, plan)| matches!(plan, TreePlan::Removed)) {
        return TreePlan::Removed;
    }
    let kept: Vec<&(ast::UseTree, TreePlan)> =
        children.iter().filter(|(_, plan)| !matches!(plan, TreePlan::Removed)).collect();
    if let [(only, TreePlan::Untouched)] = kept.as_slice() {
        let only_text = only.syntax().text().to_string();
        let collapsed = match tree.path() {
            // `task::{self}` -> `task`.
            Some(own) if only_text == "self" => own.syntax().text().to_string(),
            Some(own) => format!("{}::{only_text}", own.syntax().text()),
            None if only_text != "self" && tree.coloncolon_token().is_none() => only_text,
            None => return TreePlan::Edits(remove_children(&children)),
        };
        let range = tree.syntax().text_range();
        return TreePlan::Edits(vec![Edit::replace(
            range.start().into(),
            range.end().into(),
            collapsed,
            "remove an import the rewrite made unused",
        )]);
    }
    TreePlan::Edits(remove_children(&children))
}

fn remove_children(children: &[(ast::UseTree, TreePlan)]) -> Vec<Edit> {
    let mut edits = Vec::new();
    for (child, plan) in children {
        match plan {
            TreePlan::Untouched => {}
            TreePlan::Removed => edits.push(remove_tree(child)),
            TreePlan::Edits(child_edits) => edits.extend(child_edits.iter().cloned()),
        }
    }
    edits
}

/// The name a leaf binds: its rename, its last segment, or for `self` in a
/// group the module the group is in. A glob binds no one name.
fn leaf_name(tree: &ast::UseTree, prefix: &WrittenPath, path: &WrittenPath) -> Option<String> {
    if tree.star_token().is_some() {
        return None;
    }
    if let Some(rename) = tree.rename() {
        return rename.name().map(|name| name.text().to_string());
    }
    if is_group_self(tree) {
        return prefix.segments.last().cloned();
    }
    path.segments.last().cloned()
}

/// `self` inside a group: `task` in `use tokio::task::{self, JoinHandle}`.
fn is_group_self(tree: &ast::UseTree) -> bool {
    tree.path().is_some_and(|p| p.qualifier().is_none() && p.syntax().text() == "self")
        && tree.syntax().parent().is_some_and(|p| p.kind() == SyntaxKind::USE_TREE_LIST)
}

/// Whole `use` lines removed in a row leave the blank line that separated
/// them from the code after them: take it too, when nothing but a blank line
/// (or the start of the file or block) comes before them.
fn without_orphaned_blank_lines(text: &str, mut removals: Vec<Edit>) -> Vec<Edit> {
    removals.sort_by_key(|edit| edit.start);
    let mut index = 0;
    while index < removals.len() {
        let mut last = index;
        while last + 1 < removals.len() && removals[last + 1].start == removals[last].end {
            last += 1;
        }
        let (start, end) = (removals[index].start as usize, removals[last].end as usize);
        let before = text[..start].trim_end_matches([' ', '\t']);
        let opens = before.is_empty()
            || before.trim_start_matches('\u{feff}').is_empty()
            || before.ends_with("\n\n")
            || before.ends_with("\n\r\n")
            || before.trim_end().ends_with('{');
        let after = &text[end..];
        let blank = after.find('\n').filter(|&i| after[..i].trim().is_empty());
        if let (true, Some(newline), true) = (opens, blank, text[start..end].ends_with('\n')) {
            let removal = &mut removals[last];
            removal.end += newline as u32 + 1;
        }
        index = last + 1;
    }
    removals
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
            // In a macro's tokens, a name right after `::` is a path's tail, not a use of the import.
            SyntaxKind::TOKEN_TREE => !follows_path_separator(&token),
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

/// Whether a token in a token tree comes right after `::` (as one token or two colons).
fn follows_path_separator(token: &ra_ap_syntax::SyntaxToken) -> bool {
    let before = |t: &ra_ap_syntax::SyntaxToken| {
        let mut previous = t.prev_token();
        while let Some(p) = previous.as_ref().filter(|p| p.kind() == SyntaxKind::WHITESPACE) {
            previous = p.prev_token();
        }
        previous
    };
    match before(token) {
        Some(p) if p.kind() == SyntaxKind::COLON2 => true,
        Some(p) if p.kind() == SyntaxKind::COLON => before(&p).is_some_and(|q| q.kind() == SyntaxKind::COLON),
        _ => false,
    }
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
        let edits = remove_unused_imports(original, rewritten, Edition::Edition2021, &[]);
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
            "use tokio::sync::mpsc;\nfn f() { go(x); mpsc::channel(); }\n"
        );
        let last = "use tokio::{sync::mpsc, task, time};\nfn f() { task::spawn(x); mpsc::channel(); time::sleep(d); }\n";
        let rewritten = "use tokio::{sync::mpsc, task, time};\nfn f() { crate::tasks::spawn(x); mpsc::channel(); time::sleep(d); }\n";
        assert_eq!(
            cleaned(last, rewritten),
            "use tokio::{sync::mpsc, time};\nfn f() { task::spawn(x); mpsc::channel(); time::sleep(d); }\n"
        );
    }

    #[test]
    fn a_group_left_with_one_tree_loses_its_braces() {
        let original = "use tokio::task::{self, JoinHandle};\nfn f() -> JoinHandle<()> { task::spawn(x) }\n";
        let rewritten =
            "use tokio::task::{self, JoinHandle};\nfn f() -> JoinHandle<()> { crate::tasks::spawn(x) }\n";
        assert_eq!(
            cleaned(original, rewritten),
            "use tokio::task::JoinHandle;\nfn f() -> JoinHandle<()> { task::spawn(x) }\n"
        );
        let original = "use tokio::task::{self, spawn};\nfn f() { spawn(x); task::yield_now(); }\n";
        let rewritten =
            "use tokio::task::{self, spawn};\nfn f() { crate::tasks::spawn(x); task::yield_now(); }\n";
        assert_eq!(
            cleaned(original, rewritten),
            "use tokio::task;\nfn f() { spawn(x); task::yield_now(); }\n"
        );
    }

    #[test]
    fn a_nested_group_that_loses_every_name_goes_whole() {
        let original = "use tokio::{sync::mpsc, task::{spawn, spawn_local}, time};\n\
                        fn f() { spawn(x); spawn_local(y); mpsc::channel(); time::sleep(d); }\n";
        let rewritten = "use tokio::{sync::mpsc, task::{spawn, spawn_local}, time};\n\
                         fn f() { crate::tasks::spawn(x); crate::tasks::spawn_local(y); mpsc::channel(); time::sleep(d); }\n";
        assert_eq!(
            cleaned(original, rewritten),
            "use tokio::{sync::mpsc, time};\nfn f() { spawn(x); spawn_local(y); mpsc::channel(); time::sleep(d); }\n"
        );
    }

    #[test]
    fn removing_every_import_takes_the_blank_line_after_them() {
        let original = "use tokio::spawn as go;\nuse tokio::task::spawn_blocking;\n\nfn f() { go(x); spawn_blocking(y); }\n";
        let rewritten = "use tokio::spawn as go;\nuse tokio::task::spawn_blocking;\n\n\
                         fn f() { crate::tasks::spawn(x); crate::tasks::spawn_blocking(y); }\n";
        assert_eq!(cleaned(original, rewritten), "fn f() { go(x); spawn_blocking(y); }\n");
        // Between two blank lines, one of them stays.
        let middle = "//! Doc.\n\nuse tokio::spawn;\n\nfn f() { spawn(x); }\n";
        let rewritten = "//! Doc.\n\nuse tokio::spawn;\n\nfn f() { crate::tasks::spawn(x); }\n";
        assert_eq!(cleaned(middle, rewritten), "//! Doc.\n\nfn f() { spawn(x); }\n");
        // Other imports above keep their blank line.
        let kept = "use std::sync::Arc;\nuse tokio::spawn;\n\nfn f(a: Arc<u8>) { spawn(x); }\n";
        let rewritten =
            "use std::sync::Arc;\nuse tokio::spawn;\n\nfn f(a: Arc<u8>) { crate::tasks::spawn(x); }\n";
        assert_eq!(cleaned(kept, rewritten), "use std::sync::Arc;\n\nfn f(a: Arc<u8>) { spawn(x); }\n");
    }

    /// `cleaned`, with the glob `use util::prelude::*;` on the original's line 2 said to bring `names`.
    fn cleaned_with_glob(original: &str, rewritten: &str, names: &[&str], has_traits: bool) -> String {
        let start = original.find("use util::prelude::*;").unwrap() as u32;
        let glob = GlobExport {
            start,
            end: start + "use util::prelude::*;".len() as u32,
            names: names.iter().map(|n| n.to_string()).collect(),
            has_traits,
        };
        let edits = remove_unused_imports(original, rewritten, Edition::Edition2021, &[glob]);
        edit::apply(original, &edit::normalize(edits).unwrap())
    }

    #[test]
    fn a_glob_goes_when_nothing_it_brings_is_used_any_more() {
        let original =
            "use tokio::runtime::Handle;\nuse util::prelude::*;\n\nfn f(h: Handle) { spawn(x); }\n";
        let rewritten = "use tokio::runtime::Handle;\nuse util::prelude::*;\n\nfn f(h: Handle) { crate::tasks::spawn(x); }\n";
        // `Handle` comes from the explicit import beside it, not from the glob.
        let names = ["spawn", "Handle", "JoinSet"];
        assert_eq!(
            cleaned_with_glob(original, rewritten, &names, false),
            "use tokio::runtime::Handle;\n\nfn f(h: Handle) { spawn(x); }\n"
        );
        // A trait can be used by its methods alone: the glob stays.
        assert_eq!(cleaned_with_glob(original, rewritten, &names, true), original);
        // Something else it brings is still used: the glob stays.
        let still = "use tokio::runtime::Handle;\nuse util::prelude::*;\n\nfn f(h: Handle) { crate::tasks::spawn(x); JoinSet::new(); }\n";
        let before = "use tokio::runtime::Handle;\nuse util::prelude::*;\n\nfn f(h: Handle) { spawn(x); JoinSet::new(); }\n";
        assert_eq!(cleaned_with_glob(before, still, &names, false), before);
        // A name used in a macro's tokens counts, unless it follows `::`.
        let with_macro = "use tokio::runtime::Handle;\nuse util::prelude::*;\n\nfn f(h: Handle) { spawn(x); m!(spawn); }\n";
        let rewritten = with_macro.replace("{ spawn(x)", "{ crate::tasks::spawn(x)");
        assert_eq!(cleaned_with_glob(with_macro, &rewritten, &names, false), with_macro);
        let qualified = "use tokio::runtime::Handle;\nuse util::prelude::*;\n\nfn f(h: Handle) { spawn(x); m!(tokio::spawn); }\n";
        let rewritten = qualified.replace("{ spawn(x)", "{ crate::tasks::spawn(x)");
        assert!(!cleaned_with_glob(qualified, &rewritten, &names, false).contains("prelude"));
    }
}
