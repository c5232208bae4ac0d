//! The per-file pass: one file's text in, the facts the workspace stage needs
//! out (the names its modules bind, its structs' interesting fields, and
//! every call that may start a task, with its context). The syntax tree is
//! dropped at the end, so memory stays flat however many files there are.

use ra_ap_syntax::{
    AstNode, Edition, SyntaxKind, SyntaxNode, TextSize, WalkEvent, ast, ast::HasName, ast::HasVisibility,
    ast::VisibilityKind,
};

use super::abbreviate::abbreviate;
use super::context::{CallContext, context_of, handle_use};
use super::lifetime::{Lifetime, TaskReader};
use super::model::HandleUse;
use super::receiver::{Receiver, receiver_of, type_path};
use super::trees::TreeSet;
use crate::parse::tokens::{Token, code_tokens};
use crate::parse::{LineIndex, parse_file};
use crate::resolve::catalogue::is_spawn_method;
use crate::resolve::path::WrittenPath;
use crate::resolve::scope::{Binding, Names, TreeScopes};

/// How many syntax errors of one file are worth quoting.
const MAX_QUOTED_ERRORS: usize = 3;

/// One file, as the per-file pass needs it.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    pub text: &'a str,
    pub edition: Edition,
    /// Absolute module path of the file: crate key, then module names.
    pub module: &'a [String],
    /// Words a callee must contain to be considered (`spawn`, configured names, aliases).
    pub needles: &'a [String],
    /// The exempt marker word.
    pub marker: &'a str,
    /// Type names that make a field a tracker: the types whose `Clone` / `Copy` matter.
    pub tracker_types: &'a [String],
    /// The text's code tokens when the pre-filter lexed it already; lexed here otherwise.
    pub tokens: Option<&'a [Token]>,
    /// Calls the configuration names as running until shutdown (`long-lived-calls`).
    pub long_lived_calls: &'a [String],
}

/// What the per-file pass found.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// The file's modules (itself and inline ones) with the names they bind.
    pub modules: Vec<(Vec<String>, Names)>,
    /// Block scopes that candidates refer to by index.
    pub blocks: Vec<Names>,
    pub structs: Vec<StructFields>,
    /// The file's types that derive or implement `Clone` / `Copy`, and those that do neither.
    pub type_traits: Vec<TypeTraits>,
    pub candidates: Vec<Candidate>,
    /// Syntax errors, `line:column: message`, the first few of them, and how many there were.
    pub syntax_errors: (Vec<String>, usize),
    /// Whether the file is corral's generated helper module (its header says so).
    pub is_helper: bool,
}

/// A struct's named fields whose type is a path, for tracker and runtime fields.
#[derive(Debug, Clone)]
pub struct StructFields {
    pub module: Vec<String>,
    pub name: String,
    pub fields: Vec<Field>,
}

/// One named field: the type it holds (behind `&`, `Arc`, `Rc`, `Box`, `Lazy`) and how.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: WrittenPath,
    pub holding: Holding,
    /// The module within which the field can be named (it and its descendants),
    /// as its visibility says; `None` for a `pub` field.
    pub visible_in: Option<Vec<String>>,
}

impl Field {
    /// Whether code in `module` (an absolute module path) can name the field.
    pub fn visible_from(&self, module: &[String]) -> bool {
        self.visible_in.as_ref().is_none_or(|scope| module.starts_with(scope))
    }
}

/// How a field holds the type its path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// `T` itself (or in a `Box` / `Lazy`).
    Owned,
    /// `&T` / `&mut T`.
    Reference,
    /// `Arc<T>` / `Rc<T>`: cloning shares it.
    Shared,
}

/// Whether a type defined in the file derives or implements `Clone` / `Copy`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeTraits {
    pub module: Vec<String>,
    pub name: String,
    pub clone: bool,
    pub copy: bool,
    /// Whether this entry is the type's definition (an `impl` alone says less).
    pub defined: bool,
}

/// How a call names what it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallShape {
    /// `path(args)`.
    Path(WrittenPath),
    /// `receiver.name(args)`.
    Method { name: String, receiver: Receiver },
}

/// The comment a site carries, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    None,
    Reason(String),
    Empty,
}

/// A call that may start a task; the workspace stage decides.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub shape: CallShape,
    pub module: Vec<String>,
    /// Indices into `FileFacts::blocks`, innermost first.
    pub blocks: Vec<usize>,
    pub marker: Marker,
    pub context: CallContext,
    pub handle: HandleUse,
    pub in_macro: Option<String>,
    pub start: u32,
    pub end: u32,
    pub callee_start: u32,
    pub callee_end: u32,
    pub line: u32,
    pub column: u32,
    pub written_as: String,
    pub source_line: String,
    /// The last segment of the callee of the call's first argument, when that is
    /// a call (`track_thread` in `spawn(crate::tasks::track_thread(..))`).
    pub first_arg_callee: Option<String>,
    /// The call's first argument when it is a plain name (`f` in `tokio::spawn(f)`).
    pub first_arg_name: Option<String>,
    /// Whether any argument is already wrapped (`tracker.track_future(f)`), for
    /// configured spawns whose task argument is not the first.
    pub wraps_an_argument: bool,
    /// How long the task (the first argument) runs, as far as its body shows.
    pub lifetime: Option<Lifetime>,
}

/// Runs the per-file pass.
pub fn collect_file(input: FileInput) -> FileFacts {
    // The needles and the names the file renames one to: a block without any holds no candidate.
    let words = crate::parse::with_renames(&[input.text], input.needles);
    // Bodies nothing is read in are blanked first (same length: offsets are the text's).
    let lexed;
    let tokens = match input.tokens {
        Some(tokens) => tokens,
        None => {
            lexed = code_tokens(input.text);
            &lexed
        }
    };
    let parsed_text = crate::parse::bodies::blank_unread_bodies(input.text, tokens, &words);
    let (file, errors) = parse_file(&parsed_text, input.edition);
    let lines = LineIndex::new(input.text);
    let mut facts = FileFacts::default();
    facts.syntax_errors.1 = errors.len();
    for error in errors.iter().take(MAX_QUOTED_ERRORS) {
        let (line, column) = lines.line_col(input.text, error.range().start().into());
        facts.syntax_errors.0.push(format!("{line}:{column}: {error}"));
    }

    // One walk per tree gathers what every later step needs: scopes, calls,
    // macro calls (for fragments) and, in the file's own tree, structs.
    let mut trees = TreeSet::of_file(&file);
    let mut tree_scopes: Vec<TreeScopes> = Vec::new();
    let mut calls: Vec<Vec<SyntaxNode>> = Vec::new();
    let mut structs = Vec::new();
    let mut types = Vec::new();
    let mut needles = input.needles.to_vec();
    let mut block_base = Vec::new();
    let mut index = 0;
    while index < trees.trees.len() {
        let tree = &trees.trees[index];
        // A fragment's module is the one its macro call sits in.
        let module = match &tree.parent {
            Some((parent, call)) => {
                tree_scopes[*parent].module_at(call.text_range().start().into()).path.clone()
            }
            None => input.module.to_vec(),
        };
        let mut scopes = TreeScopes::start(&tree.root, &module);
        let mut tree_calls = Vec::new();
        let mut macro_calls = Vec::new();
        let mut walk = tree.root.preorder();
        while let Some(event) = walk.next() {
            let WalkEvent::Enter(node) = event else { continue };
            if index == 0
                && node.kind() == SyntaxKind::STMT_LIST
                && !block_may_spawn(input.text, &node, &words)
            {
                // Nothing in the block can be a candidate, and what it binds is
                // visible in the block alone: its nodes are not visited.
                walk.skip_subtree();
                continue;
            }
            match node.kind() {
                SyntaxKind::CALL_EXPR | SyntaxKind::METHOD_CALL_EXPR => tree_calls.push(node),
                SyntaxKind::MACRO_CALL => {
                    scopes.visit(&node);
                    macro_calls.push(node);
                }
                SyntaxKind::STRUCT if index == 0 => {
                    scopes.visit(&node);
                    structs.push(node.clone());
                    types.push(node);
                }
                SyntaxKind::ENUM | SyntaxKind::UNION | SyntaxKind::IMPL if index == 0 => {
                    scopes.visit(&node);
                    types.push(node);
                }
                _ => scopes.visit(&node),
            }
        }
        if index == 0 {
            needles.extend(renamed_spawns(&scopes, input.needles));
        }
        block_base.push(facts.blocks.len());
        facts.blocks.extend(scopes.blocks.iter().map(|b| b.names.clone()));
        tree_scopes.push(scopes);
        calls.push(tree_calls);
        trees.add_fragments(index, &macro_calls, input.text, input.edition, &needles);
        index += 1;
    }
    facts.modules = tree_scopes[0].modules.iter().map(|m| (m.path.clone(), m.names.clone())).collect();
    facts.structs = struct_fields(&structs, &tree_scopes[0]);
    facts.type_traits = type_traits(&types, &tree_scopes[0], input.tracker_types);

    let comments = Comments::new(file.syntax(), input.text, input.marker);
    let mut tasks = TaskReader::with_calls(input.long_lived_calls);
    for (index, tree) in trees.trees.iter().enumerate() {
        for node in &calls[index] {
            let (shape, callee) = match node.kind() {
                SyntaxKind::CALL_EXPR => {
                    let Some(call) = ast::CallExpr::cast(node.clone()) else { continue };
                    let Some(ast::Expr::PathExpr(callee)) = call.expr() else { continue };
                    let Some(path) = callee.path().and_then(|p| WrittenPath::from_ast(&p)) else { continue };
                    if !needles.iter().any(|needle| path.last().contains(needle.as_str())) {
                        continue;
                    }
                    (CallShape::Path(path), callee.syntax().text_range())
                }
                SyntaxKind::METHOD_CALL_EXPR => {
                    let Some(call) = ast::MethodCallExpr::cast(node.clone()) else { continue };
                    let Some(name) = call.name_ref() else { continue };
                    if !is_spawn_method(name.text()) {
                        continue;
                    }
                    let receiver = receiver_of(&trees, index, &call);
                    (
                        CallShape::Method { name: name.text().to_string(), receiver },
                        name.syntax().text_range(),
                    )
                }
                _ => continue,
            };
            let node = node.clone();
            let range = node.text_range();
            let start = tree.file_offset(range.start().into());
            let end = tree.file_offset(range.end().into());
            let (line, column) = lines.line_col(input.text, start);
            let context = context_of(&trees, index, &node);
            let marker = marker_for(input.text, &lines, &comments, context.anchor, start, input.marker);
            let written_as = match &shape {
                CallShape::Path(path) => path.display(),
                CallShape::Method { name, .. } => {
                    let receiver = ast::MethodCallExpr::cast(node.clone())
                        .and_then(|c| c.receiver())
                        .map(|receiver| abbreviate(&receiver))
                        .unwrap_or_default();
                    format!("{receiver}.{name}")
                }
            };
            facts.candidates.push(Candidate {
                module: module_of(&trees, &tree_scopes, index, &node),
                blocks: blocks_of(&trees, &tree_scopes, &block_base, index, &node),
                shape,
                marker,
                handle: handle_use(&node),
                in_macro: trees.macro_name(index),
                start,
                end,
                callee_start: tree.file_offset(callee.start().into()),
                callee_end: tree.file_offset(callee.end().into()),
                line,
                column,
                written_as,
                source_line: lines.line_text(input.text, line as usize - 1).to_string(),
                first_arg_callee: first_arg_callee(&node),
                first_arg_name: first_arg_name(&node),
                wraps_an_argument: wraps_an_argument(&node),
                lifetime: first_arg(&node).map(|task| tasks.classify(&task)),
                context,
            });
        }
    }
    facts
}

/// Whether the text of a block (a statement list of the file's own tree) holds a word.
fn block_may_spawn(text: &str, block: &SyntaxNode, words: &[String]) -> bool {
    let range = block.text_range();
    let Some(inside) = text.get(usize::from(range.start())..usize::from(range.end())) else { return true };
    crate::parse::holds_any_word(inside, words)
}

/// Whether an argument of the call is `track_future(..)` / `track_thread(..)`.
fn wraps_an_argument(call: &ra_ap_syntax::SyntaxNode) -> bool {
    use ra_ap_syntax::ast::HasArgList;
    let args = match ast::Expr::cast(call.clone()) {
        Some(ast::Expr::CallExpr(c)) => c.arg_list(),
        Some(ast::Expr::MethodCallExpr(m)) => m.arg_list(),
        _ => None,
    };
    args.into_iter().flat_map(|list| list.args()).any(|arg| {
        let name = match arg {
            ast::Expr::MethodCallExpr(m) => m.name_ref().map(|n| n.text().to_string()),
            ast::Expr::CallExpr(c) => match c.expr() {
                Some(ast::Expr::PathExpr(p)) => p
                    .path()
                    .and_then(|p| p.segment())
                    .and_then(|s| s.name_ref())
                    .map(|n| n.text().to_string()),
                _ => None,
            },
            _ => None,
        };
        matches!(name.as_deref(), Some("track_future" | "track_thread"))
    })
}

/// A call's first argument: the task, for every spawn of the catalogue.
fn first_arg(call: &ra_ap_syntax::SyntaxNode) -> Option<ast::Expr> {
    use ra_ap_syntax::ast::HasArgList;
    let args = match ast::Expr::cast(call.clone())? {
        ast::Expr::CallExpr(c) => c.arg_list()?,
        ast::Expr::MethodCallExpr(m) => m.arg_list()?,
        _ => return None,
    };
    args.args().next()
}

/// A call's first argument, when it is a single name.
fn first_arg_name(call: &ra_ap_syntax::SyntaxNode) -> Option<String> {
    match first_arg(call)? {
        ast::Expr::PathExpr(p) => Some(p.path()?.as_single_name_ref()?.text().to_string()),
        _ => None,
    }
}

/// The last segment of the callee of a call's first argument, if it is a call.
fn first_arg_callee(call: &ra_ap_syntax::SyntaxNode) -> Option<String> {
    match first_arg(call)? {
        ast::Expr::CallExpr(c) => match c.expr()? {
            ast::Expr::PathExpr(p) => Some(p.path()?.segment()?.name_ref()?.text().to_string()),
            _ => None,
        },
        ast::Expr::MethodCallExpr(m) => Some(m.name_ref()?.text().to_string()),
        _ => None,
    }
}

/// Names this file binds to a renamed spawn (`use tokio::spawn as go;`).
fn renamed_spawns(scopes: &TreeScopes, needles: &[String]) -> Vec<String> {
    let all = scopes.modules.iter().map(|m| &m.names).chain(scopes.blocks.iter().map(|b| &b.names));
    let mut names = Vec::new();
    for scope in all {
        for (name, binding) in &scope.items {
            if let Binding::Import { target } = binding {
                let renamed = target.last() != name;
                if renamed && needles.iter().any(|needle| target.last().contains(needle.as_str())) {
                    names.push(name.clone());
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

fn module_of(
    trees: &TreeSet,
    scopes: &[TreeScopes],
    tree: usize,
    node: &ra_ap_syntax::SyntaxNode,
) -> Vec<String> {
    let (mut tree, mut offset): (usize, u32) = (tree, node.text_range().start().into());
    while let Some((parent, call)) = &trees.trees[tree].parent {
        tree = *parent;
        offset = call.text_range().start().into();
    }
    scopes[tree].module_at(offset).path.clone()
}

fn blocks_of(
    trees: &TreeSet,
    scopes: &[TreeScopes],
    base: &[usize],
    tree: usize,
    node: &ra_ap_syntax::SyntaxNode,
) -> Vec<usize> {
    let (mut tree, mut offset): (usize, u32) = (tree, node.text_range().start().into());
    let mut blocks = Vec::new();
    loop {
        blocks.extend(scopes[tree].blocks_at(offset).into_iter().map(|b| base[tree] + b));
        match &trees.trees[tree].parent {
            Some((parent, call)) => {
                tree = *parent;
                offset = call.text_range().start().into();
            }
            None => return blocks,
        }
    }
}

fn struct_fields(structs: &[SyntaxNode], scopes: &TreeScopes) -> Vec<StructFields> {
    let mut out = Vec::new();
    for item in structs.iter().filter_map(|node| ast::Struct::cast(node.clone())) {
        let Some(name) = item.name() else { continue };
        let Some(ast::FieldList::RecordFieldList(list)) = item.field_list() else { continue };
        let module = scopes.module_at(item.syntax().text_range().start().into()).path.clone();
        let fields: Vec<Field> = list
            .fields()
            .filter_map(|field| {
                let ty = field.ty()?;
                Some(Field {
                    name: field.name()?.text().to_string(),
                    ty: type_path(&ty)?,
                    holding: holding(&ty),
                    visible_in: visible_in(field.visibility(), &module),
                })
            })
            .collect();
        if fields.is_empty() {
            continue;
        }
        out.push(StructFields { module, name: name.text().to_string(), fields });
    }
    out
}

/// The module an item or field declared in `module` with `visibility` can be
/// named in (with its descendants), as Rust defines it; `None` for `pub`.
/// A `pub(in path)` that climbs above the crate counts as the crate.
fn visible_in(visibility: Option<ast::Visibility>, module: &[String]) -> Option<Vec<String>> {
    let crate_root = module[..1.min(module.len())].to_vec();
    let Some(visibility) = visibility else { return Some(module.to_vec()) };
    match visibility.kind() {
        VisibilityKind::Pub => None,
        VisibilityKind::PubSelf => Some(module.to_vec()),
        VisibilityKind::PubCrate => Some(crate_root),
        VisibilityKind::PubSuper => Some(module[..module.len().saturating_sub(1).max(1)].to_vec()),
        VisibilityKind::In(path) => {
            let Some(written) = WrittenPath::from_ast(&path) else { return Some(crate_root) };
            let segments = &written.segments;
            let (mut scope, rest) = match segments.first().map(String::as_str) {
                Some("crate") => (crate_root.clone(), &segments[1..]),
                Some("self") => (module.to_vec(), &segments[1..]),
                Some("super") => {
                    let ups = segments.iter().take_while(|s| *s == "super").count();
                    (module[..module.len().saturating_sub(ups).max(1)].to_vec(), &segments[ups..])
                }
                // Edition 2015: a path from the crate root.
                _ => (crate_root.clone(), &segments[..]),
            };
            scope.extend(rest.iter().cloned());
            Some(scope)
        }
    }
}

/// How a field's type holds what its path names (see `receiver::type_path`).
fn holding(ty: &ast::Type) -> Holding {
    match ty {
        ast::Type::RefType(_) => Holding::Reference,
        ast::Type::ParenType(p) => p.ty().map_or(Holding::Owned, |inner| holding(&inner)),
        ast::Type::PathType(p) => {
            let last = p.path().and_then(|path| path.segment()).and_then(|s| s.name_ref());
            match last.as_ref().map(|n| n.text().to_string()).as_deref() {
                Some("Arc" | "Rc") => Holding::Shared,
                _ => Holding::Owned,
            }
        }
        _ => Holding::Owned,
    }
}

/// Which of the file's types are `Clone` / `Copy`: derived on the definition,
/// or implemented by hand (`impl Clone for Tasks`).
/// Only the types named in `tracker_types` are looked at: no other type is hoisted.
fn type_traits(items: &[SyntaxNode], scopes: &TreeScopes, tracker_types: &[String]) -> Vec<TypeTraits> {
    let is_tracker = |name: &str| tracker_types.iter().any(|t| t == name);
    let mut out: Vec<TypeTraits> = Vec::new();
    for node in items {
        let module = || scopes.module_at(node.text_range().start().into()).path.clone();
        let entry = if let Some(imp) = ast::Impl::cast(node.clone()) {
            let Some(trait_) = imp.trait_().as_ref().and_then(type_path) else { continue };
            if !matches!(trait_.last(), "Clone" | "Copy") || imp.excl_token().is_some() {
                continue;
            }
            let Some(self_ty) = imp.self_ty().as_ref().and_then(type_path) else { continue };
            if !is_tracker(self_ty.last()) {
                continue;
            }
            let name = self_ty.last().to_string();
            let copy = trait_.last() == "Copy";
            TypeTraits { module: module(), name, clone: !copy, copy, defined: false }
        } else {
            let Some(adt) = ast::Adt::cast(node.clone()) else { continue };
            let Some(name) = adt.name().filter(|n| is_tracker(n.text())) else { continue };
            let module = module();
            let derived = derived_traits(&adt);
            TypeTraits {
                module,
                name: name.text().to_string(),
                clone: derived.iter().any(|d| d == "Clone"),
                copy: derived.iter().any(|d| d == "Copy"),
                defined: true,
            }
        };
        match out.iter_mut().find(|t| t.module == entry.module && t.name == entry.name) {
            Some(known) => {
                known.clone |= entry.clone;
                known.copy |= entry.copy;
                known.defined |= entry.defined;
            }
            None => out.push(entry),
        }
    }
    out
}

/// The last names of what `#[derive(..)]` lists on an item.
fn derived_traits(item: &impl ast::HasAttrs) -> Vec<String> {
    let mut out = Vec::new();
    for attr in item.attrs() {
        let Some((name, tokens)) = attr.as_simple_call() else { continue };
        if name != "derive" {
            continue;
        }
        let words: Vec<_> = tokens.syntax().children_with_tokens().filter_map(|t| t.into_token()).collect();
        for (index, token) in words.iter().enumerate() {
            let next = words[index + 1..].iter().find(|t| t.kind() != SyntaxKind::WHITESPACE);
            let ends_a_path =
                next.is_none_or(|t| !matches!(t.kind(), SyntaxKind::COLON | SyntaxKind::COLON2));
            if token.kind() == SyntaxKind::IDENT && ends_a_path {
                out.push(token.text().to_string());
            }
        }
    }
    out
}

/// The file's comments, looked up by line when a candidate needs them.
struct Comments<'a> {
    root: &'a SyntaxNode,
    /// False when the marker word appears nowhere in the file: no comment can hold it.
    any: bool,
}

impl<'a> Comments<'a> {
    fn new(root: &'a SyntaxNode, text: &str, marker: &str) -> Comments<'a> {
        Comments { root, any: memchr::memmem::find(text.as_bytes(), marker.as_bytes()).is_some() }
    }

    /// The comments on a 0-based line (a block comment counts on every line it spans),
    /// in file order.
    fn on_line(&self, text: &str, lines: &LineIndex, line: usize) -> Vec<String> {
        let mut out = Vec::new();
        if !self.any || line >= lines.line_count() {
            return out;
        }
        // Where the line starts and ends (without its line break, where no comment starts).
        let content = lines.line_text(text, line);
        let start = (content.as_ptr() as usize - text.as_ptr() as usize) as u32;
        let end = start + content.len() as u32;
        let Some(mut token) = self.root.token_at_offset(TextSize::from(start)).right_biased() else {
            return out;
        };
        loop {
            let range = token.text_range();
            if u32::from(range.start()) >= end {
                break;
            }
            if token.kind() == SyntaxKind::COMMENT && u32::from(range.end()) > start {
                out.push(token.text().to_string());
            }
            match token.next_token() {
                Some(next) => token = next,
                None => break,
            }
        }
        out
    }
}

/// Finds an exempt marker on the anchor's lines or in the comment lines right above it.
fn marker_for(
    text: &str,
    lines: &LineIndex,
    comments: &Comments,
    anchor: (u32, u32),
    call_start: u32,
    marker: &str,
) -> Marker {
    if !comments.any {
        return Marker::None;
    }
    let first = lines.line_of(anchor.0);
    let last = lines.line_of(anchor.1.saturating_sub(1).max(anchor.0));
    let call_line = lines.line_of(call_start);
    let mut candidates = vec![first, last, call_line];
    for start in [first, call_line] {
        let mut line = start;
        while line > 0 {
            line -= 1;
            let content = lines.line_text(text, line).trim_start();
            if content.starts_with("//") || content.starts_with("/*") || content.starts_with('*') {
                candidates.push(line);
            } else if !content.starts_with("#[") {
                break;
            }
        }
    }
    for line in candidates {
        for comment in &comments.on_line(text, lines, line) {
            if let Some(found) = parse_marker(comment, marker) {
                return found;
            }
        }
    }
    Marker::None
}

/// `// spawn-exempt: reason` -> `Reason`; the marker alone -> `Empty`.
fn parse_marker(comment: &str, marker: &str) -> Option<Marker> {
    let body = comment.trim_start_matches('/').trim_start_matches('!').trim_start_matches('*');
    let body = body.trim_end_matches("*/").trim();
    let rest = body.strip_prefix(marker)?;
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-') {
        return None;
    }
    let reason = rest.trim_start_matches([':', '-', ' ', '\t']).trim();
    Some(if reason.is_empty() { Marker::Empty } else { Marker::Reason(reason.to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_with_and_without_reason() {
        assert_eq!(
            parse_marker("// spawn-exempt: lives as long as the server", "spawn-exempt"),
            Some(Marker::Reason("lives as long as the server".into()))
        );
        assert_eq!(parse_marker("// spawn-exempt:", "spawn-exempt"), Some(Marker::Empty));
        assert_eq!(parse_marker("/* spawn-exempt */", "spawn-exempt"), Some(Marker::Empty));
        assert_eq!(parse_marker("// spawn-exempted later", "spawn-exempt"), None);
        assert_eq!(parse_marker("// not a marker", "spawn-exempt"), None);
    }

    #[test]
    fn clone_and_copy_come_from_derives_and_impls() {
        let text = "#[derive(Debug, Clone, Copy)]\npub struct A;\n#[derive(std::clone::Clone)]\nstruct B;\n\
                    struct C;\nimpl Clone for C {\n    fn clone(&self) -> C { C }\n}\n#[derive(serde::Serialize)]\nstruct D;\n\
                    enum E { X }\nimpl std::marker::Copy for E {}\nimpl Clone for E { fn clone(&self) -> E { *self } }\n";
        let file = ra_ap_syntax::SourceFile::parse(text, Edition::Edition2021).tree();
        let mut scopes = TreeScopes::start(file.syntax(), &["app".to_string()]);
        let mut items = Vec::new();
        for node in file.syntax().descendants() {
            scopes.visit(&node);
            if matches!(node.kind(), SyntaxKind::STRUCT | SyntaxKind::ENUM | SyntaxKind::IMPL) {
                items.push(node);
            }
        }
        let found: Vec<(String, bool, bool, bool)> =
            type_traits(&items, &scopes, &["A", "B", "C", "D", "E"].map(String::from))
                .into_iter()
                .map(|t| (t.name, t.clone, t.copy, t.defined))
                .collect();
        let expected = [("A", true, true, true), ("B", true, false, true), ("C", true, false, true)];
        let mut expected: Vec<(String, bool, bool, bool)> =
            expected.iter().map(|(n, a, b, c)| (n.to_string(), *a, *b, *c)).collect();
        // `Serialize` is no `Clone`, even written as a path ending in a name.
        expected.push(("D".into(), false, false, true));
        expected.push(("E".into(), true, true, true));
        assert_eq!(found, expected);
    }
}

#[cfg(test)]
mod visibility_tests {
    use super::*;

    /// The fields of the one struct of `text`, a file of module `module`, with where each is visible.
    fn fields(module: &str, text: &str) -> Vec<(String, Option<String>)> {
        let module: Vec<String> = module.split("::").map(str::to_string).collect();
        let facts = collect_file(FileInput {
            text,
            edition: Edition::Edition2021,
            module: &module,
            needles: &["spawn".to_string()],
            marker: "spawn-exempt",
            tracker_types: &["TaskTracker".to_string()],
            tokens: None,
            long_lived_calls: &[],
        });
        let [found] = &facts.structs[..] else { panic!("one struct expected: {:?}", facts.structs) };
        found.fields.iter().map(|f| (f.name.clone(), f.visible_in.as_ref().map(|m| m.join("::")))).collect()
    }

    #[test]
    fn blocks_without_a_spawn_word_are_not_walked_but_renames_count() {
        let text = "use tokio::spawn as go;\n\
                    fn quiet() { use std::io::Read; let x = 1; }\n\
                    fn loud() { use std::io::Write; go(async {}); }\n";
        let facts = collect_file(FileInput {
            text,
            edition: Edition::Edition2021,
            module: &["app".to_string()],
            needles: &["spawn".to_string()],
            marker: "spawn-exempt",
            tracker_types: &[],
            tokens: None,
            long_lived_calls: &[],
        });
        let calls: Vec<&str> = facts.candidates.iter().map(|c| c.written_as.as_str()).collect();
        assert_eq!(calls, ["go"]);
        // `loud`'s block (it names `go`, an alias) is walked; `quiet`'s is not.
        let blocks: Vec<Vec<&String>> = facts.blocks.iter().map(|b| b.items.keys().collect()).collect();
        assert_eq!(blocks, [vec![&"Write".to_string()]]);
    }

    #[test]
    fn a_field_is_visible_where_its_visibility_says() {
        let found = fields(
            "app::a::b",
            "struct S {\n    private: T,\n    pub public: T,\n    pub(crate) krate: T,\n    pub(super) parent: T,\n    \
             pub(self) own: T,\n    pub(in crate::a) in_a: T,\n    pub(in super::super) grand: T,\n    \
             pub(in self) in_self: T,\n}\n",
        );
        let expected = [
            ("private", Some("app::a::b")),
            ("public", None),
            ("krate", Some("app")),
            ("parent", Some("app::a")),
            ("own", Some("app::a::b")),
            ("in_a", Some("app::a")),
            ("grand", Some("app")),
            ("in_self", Some("app::a::b")),
        ];
        let expected: Vec<(String, Option<String>)> =
            expected.iter().map(|(n, m)| (n.to_string(), m.map(str::to_string))).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn an_inline_module_is_the_fields_module() {
        let found = fields(
            "app",
            "mod inner {\n    pub struct S {\n        t: T,\n        pub(super) u: T,\n    }\n}\n",
        );
        assert_eq!(
            found,
            [("t".to_string(), Some("app::inner".to_string())), ("u".to_string(), Some("app".to_string()))]
        );
        let field = |scope: Option<&[&str]>| Field {
            name: "t".into(),
            ty: WrittenPath { global: false, segments: vec!["T".into()] },
            holding: Holding::Owned,
            visible_in: scope.map(|s| s.iter().map(|m| m.to_string()).collect()),
        };
        let here = ["app", "inner"].map(String::from);
        let child = ["app", "inner", "deep"].map(String::from);
        let sibling = ["app", "other"].map(String::from);
        let private = field(Some(&["app", "inner"]));
        assert!(private.visible_from(&here) && private.visible_from(&child));
        assert!(!private.visible_from(&sibling) && !private.visible_from(&["app".to_string()]));
        assert!(field(None).visible_from(&["other_crate".to_string()]));
        assert!(!field(Some(&["app"])).visible_from(&["other_crate".to_string()]));
    }
}
