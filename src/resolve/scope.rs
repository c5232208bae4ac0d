//! The names each module and block of one syntax tree binds.

use std::collections::HashMap;

use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode, ast, ast::HasName};

use super::path::{UseEntry, WrittenPath, use_entries};

/// What a name in a scope stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// Brought in by `use`; the path is relative to the module that wrote it.
    Import { target: WrittenPath },
    /// A child module (`mod x;` or `mod x { .. }`).
    Module,
    /// Any other item defined here: a function, type, constant.
    Item,
}

/// Who can see a name a scope binds, or a glob it opens (the glob's names
/// take the `use`'s visibility).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// No `pub`: the module itself and the modules inside it.
    Private,
    /// `pub(crate)`, `pub(super)`, `pub(in ..)`: taken as the whole crate.
    Crate,
    /// `pub`.
    Public,
}

impl Visibility {
    fn of(item: &SyntaxNode) -> Visibility {
        match item.children().find_map(ast::Visibility::cast) {
            None => Visibility::Private,
            Some(visibility) if visibility.syntax().text() == "pub" => Visibility::Public,
            Some(_) => Visibility::Crate,
        }
    }

    /// Whether code in the module `from` sees what the module `owner` binds with this visibility.
    pub fn reaches(self, owner: &[String], from: &[String]) -> bool {
        match self {
            Visibility::Public => true,
            Visibility::Crate => owner.first() == from.first(),
            Visibility::Private => from.starts_with(owner),
        }
    }
}

/// The names one scope binds, and the globs it opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub items: HashMap<String, Binding>,
    pub globs: Vec<WrittenPath>,
    /// The visibility of each name of `items` that is not `pub`.
    restricted: HashMap<String, Visibility>,
    /// The visibility of each glob of `globs` that is not `pub`.
    restricted_globs: HashMap<WrittenPath, Visibility>,
    /// The module calls macros in item position (`thread_local! {..}`,
    /// `wit_bindgen::generate!(..)`), whose items the syntax tier does not
    /// read: it may bind names `items` does not list.
    pub macro_items: bool,
}

impl Names {
    /// Adds another file's (or cfg branch's) bindings of the same module; first one wins.
    pub fn merge(&mut self, other: Names) {
        self.macro_items |= other.macro_items;
        for (name, binding) in other.items {
            let visibility = other.restricted.get(&name).copied().unwrap_or(Visibility::Public);
            self.bind(name, binding, visibility);
        }
        for glob in other.globs {
            let visibility = other.restricted_globs.get(&glob).copied().unwrap_or(Visibility::Public);
            self.open(glob, visibility);
        }
    }

    /// Who can see the name `name` binds here (`Public` for a name not bound here).
    pub fn visibility(&self, name: &str) -> Visibility {
        self.restricted.get(name).copied().unwrap_or(Visibility::Public)
    }

    /// Who can see the names the glob `glob` brings here.
    pub fn glob_visibility(&self, glob: &WrittenPath) -> Visibility {
        self.restricted_globs.get(glob).copied().unwrap_or(Visibility::Public)
    }

    fn bind(&mut self, name: String, binding: Binding, visibility: Visibility) {
        // An item and an import of the same name cannot both exist; keep the first seen.
        if self.items.contains_key(&name) {
            return;
        }
        if visibility != Visibility::Public {
            self.restricted.insert(name.clone(), visibility);
        }
        self.items.insert(name, binding);
    }

    fn open(&mut self, glob: WrittenPath, visibility: Visibility) {
        if self.globs.contains(&glob) {
            return;
        }
        if visibility != Visibility::Public {
            self.restricted_globs.insert(glob.clone(), visibility);
        }
        self.globs.push(glob);
    }
}

/// A module's scope inside a tree: the file itself, or an inline `mod x { .. }`.
#[derive(Debug, Clone)]
pub struct ModuleScope {
    /// Absolute module path: the crate key, then module names.
    pub path: Vec<String>,
    /// Range covered, in the tree's own offsets.
    pub start: u32,
    pub end: u32,
    pub names: Names,
}

/// A block (`{ .. }` of a function or expression) that declares items or `use`s.
#[derive(Debug, Clone)]
pub struct BlockScope {
    pub start: u32,
    pub end: u32,
    pub names: Names,
}

/// Every scope of one tree.
#[derive(Debug, Clone, Default)]
pub struct TreeScopes {
    pub modules: Vec<ModuleScope>,
    pub blocks: Vec<BlockScope>,
}

impl TreeScopes {
    /// Collects the scopes of `root`, whose own module path is `module` (a macro
    /// fragment passes the module its macro call sits in).
    pub fn collect(root: &SyntaxNode, module: &[String]) -> TreeScopes {
        let mut scopes = TreeScopes::start(root, module);
        for node in root.descendants() {
            scopes.visit(&node);
        }
        scopes
    }

    /// The scopes of `root` before any node is visited: just the tree's own module.
    pub fn start(root: &SyntaxNode, module: &[String]) -> TreeScopes {
        let range = root.text_range();
        TreeScopes {
            modules: vec![ModuleScope {
                path: module.to_vec(),
                start: range.start().into(),
                end: range.end().into(),
                names: Names::default(),
            }],
            blocks: Vec::new(),
        }
    }

    /// Takes one node of the tree into account; nodes must come in preorder (so an
    /// inline module is known before the items inside it), as `descendants` gives them.
    pub fn visit(&mut self, node: &SyntaxNode) {
        if !ast::Item::can_cast(node.kind()) {
            return;
        }
        if node.kind() == SyntaxKind::MACRO_CALL {
            if let Some(names) = node.parent().and_then(|parent| self.module_names(&parent)) {
                names.macro_items = true;
            }
            return;
        }
        let Some(name_entries) = bindings_of(node) else { return };
        if let Some(parent) = node.parent() {
            self.bind_all(&parent, node, name_entries);
        }
        if let Some(inline) = ast::Module::cast(node.clone())
            && inline.item_list().is_some()
        {
            let mut path = self.container_module_path(node);
            let Some(name) = inline.name() else { return };
            path.push(name.text().to_string());
            let range = node.text_range();
            self.modules.push(ModuleScope {
                path,
                start: range.start().into(),
                end: range.end().into(),
                names: Names::default(),
            });
        }
    }

    /// The names of the module whose item list (or file) is `parent`.
    fn module_names(&mut self, parent: &SyntaxNode) -> Option<&mut Names> {
        match parent.kind() {
            SyntaxKind::SOURCE_FILE => Some(&mut self.modules[0].names),
            SyntaxKind::ITEM_LIST if parent.parent().is_some_and(|p| p.kind() == SyntaxKind::MODULE) => {
                let range = parent.parent().map(|p| p.text_range()).unwrap_or(parent.text_range());
                let (start, end): (u32, u32) = (range.start().into(), range.end().into());
                // Skip the tree's own scope: an inline module at offset 0 starts where it does.
                let module = self.modules.iter_mut().skip(1).find(|m| m.start == start && m.end == end)?;
                Some(&mut module.names)
            }
            _ => None,
        }
    }

    fn bind_all(&mut self, parent: &SyntaxNode, item: &SyntaxNode, name_entries: Vec<NameEntry>) {
        let names = match parent.kind() {
            SyntaxKind::SOURCE_FILE | SyntaxKind::ITEM_LIST => match self.module_names(parent) {
                Some(names) => names,
                None => return,
            },
            SyntaxKind::STMT_LIST => {
                let range = parent.text_range();
                let (start, end) = (range.start().into(), range.end().into());
                let index = match self.blocks.iter().position(|b| b.start == start && b.end == end) {
                    Some(index) => index,
                    None => {
                        self.blocks.push(BlockScope { start, end, names: Names::default() });
                        self.blocks.len() - 1
                    }
                };
                &mut self.blocks[index].names
            }
            _ => return,
        };
        let visibility = Visibility::of(item);
        for entry in name_entries {
            match entry {
                NameEntry::Bound(name, binding) => names.bind(name, binding, visibility),
                NameEntry::Glob(target) => names.open(target, visibility),
            }
        }
    }

    /// The module scope that holds `offset`, innermost.
    pub fn module_at(&self, offset: u32) -> &ModuleScope {
        self.modules
            .iter()
            .filter(|m| m.start <= offset && offset < m.end.max(m.start + 1))
            .min_by_key(|m| m.end - m.start)
            .unwrap_or(&self.modules[0])
    }

    /// Indices of the block scopes around `offset` inside its module, innermost first.
    pub fn blocks_at(&self, offset: u32) -> Vec<usize> {
        let module = self.module_at(offset);
        let mut blocks: Vec<usize> = (0..self.blocks.len())
            .filter(|&i| {
                let b = &self.blocks[i];
                b.start <= offset && offset < b.end && module.start <= b.start && b.end <= module.end
            })
            .collect();
        blocks.sort_by_key(|&i| self.blocks[i].end - self.blocks[i].start);
        blocks
    }

    fn container_module_path(&self, node: &SyntaxNode) -> Vec<String> {
        let offset: u32 = node.text_range().start().into();
        // Only modules already known (outer ones come first in preorder) can contain it.
        self.modules
            .iter()
            .filter(|m| m.start < offset && offset < m.end)
            .min_by_key(|m| m.end - m.start)
            .map(|m| m.path.clone())
            .unwrap_or_else(|| self.modules[0].path.clone())
    }
}

enum NameEntry {
    Bound(String, Binding),
    Glob(WrittenPath),
}

/// The names an item binds in its container; `None` for nodes that are not items.
fn bindings_of(node: &SyntaxNode) -> Option<Vec<NameEntry>> {
    let item = ast::Item::cast(node.clone())?;
    let named = |name: Option<ast::Name>, binding: Binding| {
        name.map(|n| vec![NameEntry::Bound(n.text().to_string(), binding)]).unwrap_or_default()
    };
    let entries = match &item {
        ast::Item::Use(item) => use_entries(item)
            .into_iter()
            .map(|entry| match entry {
                UseEntry::Named { name, target } => NameEntry::Bound(name, Binding::Import { target }),
                UseEntry::Glob { target } => NameEntry::Glob(target),
            })
            .collect(),
        ast::Item::Module(item) => named(item.name(), Binding::Module),
        ast::Item::ExternCrate(item) => {
            let target = item.name_ref()?.text().to_string();
            let name =
                item.rename().and_then(|r| r.name()).map(|n| n.text().to_string()).unwrap_or(target.clone());
            vec![NameEntry::Bound(
                name,
                Binding::Import { target: WrittenPath { global: true, segments: vec![target] } },
            )]
        }
        ast::Item::Fn(item) => named(item.name(), Binding::Item),
        ast::Item::Struct(item) => named(item.name(), Binding::Item),
        ast::Item::Enum(item) => named(item.name(), Binding::Item),
        ast::Item::Union(item) => named(item.name(), Binding::Item),
        ast::Item::Trait(item) => named(item.name(), Binding::Item),
        ast::Item::Const(item) => named(item.name(), Binding::Item),
        ast::Item::Static(item) => named(item.name(), Binding::Item),
        // `type Tracker = tokio_util::task::TaskTracker;` names what its path names,
        // as `use .. as Tracker;` would: a field of that type is a tracker.
        ast::Item::TypeAlias(item) => {
            let target = match item.ty() {
                Some(ast::Type::PathType(ty)) => ty.path().and_then(|p| WrittenPath::from_ast(&p)),
                _ => None,
            };
            match target {
                Some(target) => named(item.name(), Binding::Import { target }),
                None => named(item.name(), Binding::Item),
            }
        }
        _ => return None,
    };
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn scopes(text: &str) -> TreeScopes {
        let file = SourceFile::parse(text, Edition::Edition2021).tree();
        TreeScopes::collect(file.syntax(), &["app".to_string()])
    }

    #[test]
    fn module_block_and_inline_module_scopes() {
        let text = "use tokio::spawn as go;\nmod inner { pub use tokio::task::*; fn spawn() {} }\nfn f() { use std::thread; thread::spawn(|| {}); }\n";
        let scopes = scopes(text);
        assert!(matches!(scopes.modules[0].names.items.get("go"), Some(Binding::Import { .. })));
        assert_eq!(scopes.modules[0].names.items.get("inner"), Some(&Binding::Module));
        let inner = &scopes.modules[1];
        assert_eq!(inner.path, ["app", "inner"]);
        assert_eq!(inner.names.globs.len(), 1);
        assert_eq!(inner.names.items.get("spawn"), Some(&Binding::Item));
        let call = text.find("thread::spawn").unwrap() as u32;
        let blocks = scopes.blocks_at(call);
        assert_eq!(blocks.len(), 1);
        assert!(scopes.blocks[blocks[0]].names.items.contains_key("thread"));
    }

    #[test]
    fn inline_module_at_the_start_of_the_file_keeps_its_own_uses() {
        // Regression: the inline module and the file both start at offset 0, and
        // its `use` landed in the file's scope.
        let scopes = scopes("mod inner { use tokio::spawn; fn run() { spawn(x); } }\nfn other() {}\n");
        assert!(!scopes.modules[0].names.items.contains_key("spawn"));
        assert!(matches!(scopes.modules[1].names.items.get("spawn"), Some(Binding::Import { .. })));
    }
}
