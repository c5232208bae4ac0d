//! What a method call's receiver is, as far as the file's text shows.
//!
//! `Builder::new().name(..).spawn(f)`, `let rt = Handle::current(); rt.spawn(f)`,
//! `self.runtime.spawn(f)`, `fn run(h: &Handle) { h.spawn(f) }`: the receiver
//! is followed back to a constructor call, a declared type or a field of
//! `Self`, plus the methods applied on the way. Resolving those paths is left
//! to the workspace stage.

use ra_ap_syntax::{
    AstNode, SyntaxKind, SyntaxNode, ast, ast::HasArgList, ast::HasGenericArgs, ast::HasName,
};

use super::abbreviate::abbreviate;
use super::trees::TreeSet;
use crate::resolve::path::WrittenPath;

/// How many `let` bindings are followed back from a receiver.
const MAX_BINDING_HOPS: usize = 4;

/// A receiver, reduced to where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receiver {
    /// `self.spawn(..)`: a method of the type's own.
    SelfValue,
    /// A value from `root`, then passed through `methods` in order.
    Chain { root: ReceiverRoot, methods: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiverRoot {
    /// The value a path call returns (`Handle::current()`, `Builder::new()`).
    Constructor(WrittenPath),
    /// A value of a declared type (a parameter, an annotated `let`).
    Typed(WrittenPath),
    /// A field of `Self` (`self.runtime`).
    SelfField(String),
    /// A field of the struct that a field of `Self` holds (`self.server.tracker`): one hop.
    SelfFieldOf { via: String, field: String },
    /// The first parameter of a closure passed to the function `callee` (`thread::scope(|s| ..)`).
    ClosureParam { callee: WrittenPath },
    /// Anything else; the text as written.
    Unknown(String),
}

/// Follows the receiver of a method call back to its source.
pub fn receiver_of(trees: &TreeSet, tree: usize, call: &ast::MethodCallExpr) -> Receiver {
    let Some(receiver) = call.receiver() else {
        return Receiver::Chain { root: ReceiverRoot::Unknown(String::new()), methods: Vec::new() };
    };
    if is_self(&receiver) {
        return Receiver::SelfValue;
    }
    let (root, methods) = trace(trees, tree, receiver, MAX_BINDING_HOPS);
    Receiver::Chain { root, methods }
}

fn trace(trees: &TreeSet, tree: usize, expr: ast::Expr, hops: usize) -> (ReceiverRoot, Vec<String>) {
    let mut methods = Vec::new();
    let mut expr = expr;
    loop {
        expr = match expr {
            ast::Expr::ParenExpr(e) => match e.expr() {
                Some(inner) => inner,
                None => break,
            },
            ast::Expr::RefExpr(e) => match e.expr() {
                Some(inner) => inner,
                None => break,
            },
            ast::Expr::TryExpr(e) => match e.expr() {
                Some(inner) => inner,
                None => break,
            },
            ast::Expr::MethodCallExpr(e) => {
                if let Some(name) = e.name_ref() {
                    methods.push(name.text().to_string());
                }
                match e.receiver() {
                    Some(inner) => inner,
                    None => break,
                }
            }
            ast::Expr::CallExpr(e) => {
                methods.reverse();
                let root = match e.expr() {
                    Some(ast::Expr::PathExpr(p)) => p
                        .path()
                        .and_then(|p| WrittenPath::from_ast(&p))
                        .map(ReceiverRoot::Constructor)
                        .unwrap_or_else(|| ReceiverRoot::Unknown(abbreviate(&e.clone().into()))),
                    _ => ReceiverRoot::Unknown(abbreviate(&e.clone().into())),
                };
                return (root, methods);
            }
            ast::Expr::FieldExpr(e) => {
                methods.reverse();
                let root = match (e.expr(), e.name_ref()) {
                    (Some(base), Some(field)) if is_self(&base) => {
                        ReceiverRoot::SelfField(field.text().to_string())
                    }
                    (Some(ast::Expr::FieldExpr(inner)), Some(field))
                        if inner.expr().is_some_and(|base| is_self(&base)) && inner.name_ref().is_some() =>
                    {
                        let via = inner.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
                        ReceiverRoot::SelfFieldOf { via, field: field.text().to_string() }
                    }
                    _ => ReceiverRoot::Unknown(abbreviate(&e.clone().into())),
                };
                return (root, methods);
            }
            ast::Expr::PathExpr(p) => {
                methods.reverse();
                let name = p.path().and_then(|p| p.as_single_name_ref()).map(|n| n.text().to_string());
                let root = match name {
                    Some(name) => binding_source(trees, tree, p.syntax(), &name, hops)
                        .map(|(root, mut before)| {
                            before.append(&mut methods);
                            methods = before;
                            root
                        })
                        .unwrap_or(ReceiverRoot::Unknown(name)),
                    None => ReceiverRoot::Unknown(abbreviate(&p.clone().into())),
                };
                return (root, methods);
            }
            other => {
                methods.reverse();
                return (ReceiverRoot::Unknown(abbreviate(&other)), methods);
            }
        };
    }
    methods.reverse();
    (ReceiverRoot::Unknown(String::new()), methods)
}

/// Where a local name gets its value: a `let` before the use, a closure or function parameter.
fn binding_source(
    trees: &TreeSet,
    tree: usize,
    usage: &SyntaxNode,
    name: &str,
    hops: usize,
) -> Option<(ReceiverRoot, Vec<String>)> {
    let usage_start = usage.text_range().start();
    for (ancestor_tree, ancestor) in trees.ancestors(tree, usage) {
        // Offsets only compare within one tree; a `let` in an outer tree comes before the macro.
        let same_tree = ancestor_tree == tree;
        match ancestor.kind() {
            SyntaxKind::STMT_LIST => {
                let lets = ancestor.children().filter_map(ast::LetStmt::cast);
                let mut found = None;
                for stmt in lets {
                    if same_tree && stmt.syntax().text_range().end() > usage_start {
                        break;
                    }
                    if pattern_binds(stmt.pat(), name) {
                        found = Some(stmt);
                    }
                }
                if let Some(stmt) = found {
                    if let Some(ty) = stmt.ty().and_then(|ty| type_path(&ty)) {
                        return Some((ReceiverRoot::Typed(ty), Vec::new()));
                    }
                    let init = stmt.initializer()?;
                    if hops == 0 {
                        return None;
                    }
                    return Some(trace(trees, ancestor_tree, init, hops - 1));
                }
            }
            SyntaxKind::CLOSURE_EXPR => {
                let closure = ast::ClosureExpr::cast(ancestor.clone())?;
                let params = closure.param_list()?;
                for (index, param) in params.params().enumerate() {
                    if pattern_binds(param.pat(), name) {
                        if let Some(ty) = param.ty().and_then(|ty| type_path(&ty)) {
                            return Some((ReceiverRoot::Typed(ty), Vec::new()));
                        }
                        let callee = closure_callee(&closure).filter(|_| index == 0)?;
                        return Some((ReceiverRoot::ClosureParam { callee }, Vec::new()));
                    }
                }
            }
            SyntaxKind::FN => {
                let function = ast::Fn::cast(ancestor.clone())?;
                for param in function.param_list()?.params() {
                    if pattern_binds(param.pat(), name) {
                        let ty = param.ty().and_then(|ty| type_path(&ty))?;
                        return Some((ReceiverRoot::Typed(ty), Vec::new()));
                    }
                }
            }
            // `static RUNTIME: LazyLock<Runtime> = ..;` in a module or block.
            SyntaxKind::SOURCE_FILE | SyntaxKind::ITEM_LIST => {
                if let Some(ty) = static_type(&ancestor, name) {
                    return Some((ReceiverRoot::Typed(ty), Vec::new()));
                }
            }
            _ => {}
        }
        if ancestor.kind() == SyntaxKind::STMT_LIST
            && let Some(ty) = static_type(&ancestor, name)
        {
            return Some((ReceiverRoot::Typed(ty), Vec::new()));
        }
    }
    None
}

/// The type of a `static` or `const` named `name` declared directly in `container`.
fn static_type(container: &SyntaxNode, name: &str) -> Option<WrittenPath> {
    container.children().find_map(|child| {
        let (item_name, ty) = match ast::Item::cast(child)? {
            ast::Item::Static(s) => (s.name()?, s.ty()?),
            ast::Item::Const(c) => (c.name()?, c.ty()?),
            _ => return None,
        };
        (item_name.text() == name).then(|| type_path(&ty)).flatten()
    })
}

/// The path of the function a closure is passed to, as its argument.
fn closure_callee(closure: &ast::ClosureExpr) -> Option<WrittenPath> {
    let args = closure.syntax().parent().and_then(ast::ArgList::cast)?;
    let call = args.syntax().parent().and_then(ast::CallExpr::cast)?;
    if call.arg_list()?.syntax() != args.syntax() {
        return None;
    }
    match call.expr()? {
        ast::Expr::PathExpr(p) => WrittenPath::from_ast(&p.path()?),
        _ => None,
    }
}

fn pattern_binds(pat: Option<ast::Pat>, name: &str) -> bool {
    match pat {
        Some(ast::Pat::IdentPat(ident)) => ident.name().is_some_and(|n| n.text() == name),
        _ => false,
    }
}

fn is_self(expr: &ast::Expr) -> bool {
    matches!(expr, ast::Expr::PathExpr(p) if p.path().is_some_and(|p| p.syntax().text() == "self"))
}

/// The path of a type, seen through references and the smart pointers and
/// lazy cells that forward method calls (`&Handle`, `Arc<Runtime>`,
/// `LazyLock<TaskTracker>`; `Option<..>` is not one).
pub fn type_path(ty: &ast::Type) -> Option<WrittenPath> {
    match ty {
        ast::Type::RefType(r) => type_path(&r.ty()?),
        ast::Type::ParenType(p) => type_path(&p.ty()?),
        ast::Type::PathType(p) => {
            let path = p.path()?;
            let written = WrittenPath::from_ast(&path)?;
            if matches!(written.last(), "Arc" | "Rc" | "Box" | "LazyLock" | "LazyCell" | "Lazy") {
                let args = path.segment()?.generic_arg_list()?;
                let inner = args.generic_args().find_map(|arg| match arg {
                    ast::GenericArg::TypeArg(t) => t.ty(),
                    _ => None,
                })?;
                return type_path(&inner);
            }
            Some(written)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn receiver(text: &str) -> Receiver {
        let file = SourceFile::parse(text, Edition::Edition2021).tree();
        let trees = TreeSet::new(&file, Edition::Edition2021, &["spawn".to_string()]);
        let call = file
            .syntax()
            .descendants()
            .filter_map(ast::MethodCallExpr::cast)
            .find(|c| c.name_ref().is_some_and(|n| n.text() == "spawn"))
            .unwrap();
        receiver_of(&trees, 0, &call)
    }

    fn constructor(path: &str, methods: &[&str]) -> Receiver {
        Receiver::Chain {
            root: ReceiverRoot::Constructor(WrittenPath {
                global: false,
                segments: path.split("::").map(str::to_string).collect(),
            }),
            methods: methods.iter().map(|m| m.to_string()).collect(),
        }
    }

    #[test]
    fn builder_chain_in_one_expression() {
        let found = receiver("fn f() { thread::Builder::new().name(n).spawn(g).unwrap(); }");
        assert_eq!(found, constructor("thread::Builder::new", &["name"]));
    }

    #[test]
    fn builder_bound_across_statements() {
        let found =
            receiver("fn f() { let b = Builder::new().name(n); let b = b.stack_size(1); b.spawn(g); }");
        assert_eq!(found, constructor("Builder::new", &["name", "stack_size"]));
    }

    #[test]
    fn parameters_fields_and_scopes() {
        let typed = receiver("fn f(h: &Arc<Handle>) { h.spawn(x); }");
        assert!(
            matches!(typed, Receiver::Chain { root: ReceiverRoot::Typed(ref p), .. } if p.segments == ["Handle"])
        );
        let field = receiver("impl A { fn f(&self) { self.rt.spawn(x); } }");
        assert!(matches!(field, Receiver::Chain { root: ReceiverRoot::SelfField(ref f), .. } if f == "rt"));
        // One hop through a field of `Self`, directly or through a hoisted clone; not two.
        let through = |text: &str| match receiver(text) {
            Receiver::Chain { root: ReceiverRoot::SelfFieldOf { via, field }, methods } => {
                Some((via, field, methods))
            }
            _ => None,
        };
        let expected = Some(("server".to_string(), "tracker".to_string(), Vec::<String>::new()));
        assert_eq!(through("impl A { fn f(&self) { self.server.tracker.spawn(x); } }"), expected);
        let hoisted = "impl A { fn f(&self) { let t = self.server.tracker.clone(); t.spawn(x); } }";
        assert_eq!(
            through(hoisted),
            Some(("server".to_string(), "tracker".to_string(), vec!["clone".to_string()]))
        );
        assert!(through("impl A { fn f(&self) { self.a.server.tracker.spawn(x); } }").is_none());
        let scoped = receiver("fn f() { std::thread::scope(|s| { s.spawn(|| ()); }); }");
        assert!(matches!(scoped, Receiver::Chain { root: ReceiverRoot::ClosureParam { .. }, .. }));
        assert_eq!(receiver("impl A { fn f(&self) { self.spawn(x); } }"), Receiver::SelfValue);
        let lazy = receiver("static RT: LazyLock<Runtime> = LazyLock::new(make);\nfn f() { RT.spawn(x); }");
        assert!(
            matches!(lazy, Receiver::Chain { root: ReceiverRoot::Typed(ref p), .. } if p.segments == ["Runtime"])
        );
    }
}
