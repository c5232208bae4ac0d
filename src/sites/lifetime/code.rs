//! Reading expressions for the lifetime reading: what a call is named, what a value is
//! bound to, what a body hands its run to, what a future's words say of a signal, and
//! quoting code in evidence. Pure functions over syntax trees.

use ra_ap_syntax::{
    AstNode, Edition, SourceFile, SyntaxKind, SyntaxNode, WalkEvent, ast, ast::HasArgList, ast::HasName,
};

use super::catalogue::*;
use super::*;

/// The words of a future that can name a signal: its paths, receivers, methods and
/// arguments, but not the code of a block or closure it holds (an `async move { .. }`
/// that mentions `shutdown` somewhere is no shutdown signal).
pub(super) fn signal_text(expr: &ast::Expr) -> Option<String> {
    let (expr, _) = peel_await(expr.clone());
    match &expr {
        ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) => Some(expr.syntax().to_string()),
        ast::Expr::MethodCallExpr(call) => {
            let receiver = call.receiver().and_then(|r| signal_text(&r)).unwrap_or_default();
            let arguments: Vec<String> = call_arguments(&expr).iter().filter_map(signal_text).collect();
            Some(format!("{receiver}.{}({})", call.name_ref()?.text(), arguments.join(", ")))
        }
        ast::Expr::CallExpr(call) => {
            let arguments: Vec<String> = call_arguments(&expr).iter().filter_map(signal_text).collect();
            Some(format!("{}({})", call.expr()?.syntax(), arguments.join(", ")))
        }
        _ => None,
    }
}

/// A `select!` arm's future, parsed on its own, seen through `.await`, `?` and parentheses.
pub(super) fn parse_future(future: &str) -> Option<ast::Expr> {
    let parsed = SourceFile::parse(&format!("fn arm() {{ ({future}).await; }}"), Edition::Edition2021).tree();
    let awaited = parsed.syntax().descendants().find_map(ast::AwaitExpr::cast)?.expr()?;
    Some(peel_await(awaited).0)
}

/// The kind of signal code waits for, if it names one.
pub(super) fn signal_of(code: &str) -> Option<Signal> {
    let lower = code.to_lowercase();
    // `signal(SignalKind::terminate())`, but not `wait_stop_signal()`.
    let signal_call = lower
        .match_indices("signal(")
        .any(|(at, _)| !lower[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
    if PROCESS_SIGNAL_WORDS.iter().any(|word| lower.contains(word)) || signal_call {
        return Some(Signal::Process);
    }
    if names_signal(&lower) {
        return Some(Signal::Explicit);
    }
    if lower.contains(".closed()") || lower.contains("is_closed") {
        return Some(Signal::Closing);
    }
    None
}

/// The root of the tree that holds `node`.
pub(super) fn root_of(node: &SyntaxNode) -> SyntaxNode {
    node.ancestors().last().unwrap_or_else(|| node.clone())
}

/// The nodes of a body that run as part of it, the body included. The walk does not enter
/// closures, async blocks (unless awaited where they are written) and items: their code runs
/// elsewhere, or later, or not at all.
pub(super) fn own_nodes(body: &SyntaxNode) -> Vec<SyntaxNode> {
    let mut nodes = Vec::new();
    let mut walk = body.preorder();
    while let Some(event) = walk.next() {
        let WalkEvent::Enter(node) = event else { continue };
        // An async block awaited where it is written (`async move { .. }.await`) runs in place.
        let awaited_here = node.parent().is_some_and(|p| p.kind() == SyntaxKind::AWAIT_EXPR);
        let runs_elsewhere = node.kind() == SyntaxKind::CLOSURE_EXPR
            || ast::BlockExpr::cast(node.clone())
                .is_some_and(|block| block.async_token().is_some() && !awaited_here)
            || (ast::Item::can_cast(node.kind()) && node.kind() != SyntaxKind::MACRO_CALL);
        if runs_elsewhere && node != *body {
            walk.skip_subtree();
        } else {
            nodes.push(node);
        }
    }
    nodes
}

/// The source an expression reads from, quoted: a source call, a receiver by its name
/// (`for job in rx`), or a variable a `let` in `scope` bound to a source call.
pub(super) fn source_of(expr: &ast::Expr, scope: &SyntaxNode) -> Option<String> {
    if let Some(source) = source_call(expr) {
        return Some(source);
    }
    let (ast::Expr::PathExpr(_), _) = peel_await(expr.clone()) else { return None };
    let name = value_name(expr)?;
    if names_source(&name) {
        return Some(name);
    }
    let binds_name = |pattern: Option<ast::Pat>| match pattern {
        Some(ast::Pat::IdentPat(binding)) => binding.name().is_some_and(|n| n.text() == name),
        _ => false,
    };
    let bound_by_let = (scope.descendants().filter_map(ast::LetStmt::cast))
        .filter(|statement| binds_name(statement.pat()))
        .find_map(|statement| source_call(&statement.initializer()?));
    // A parameter of an enclosing function typed as a source: `jobs: mpsc::Receiver<Job>`.
    let typed_parameter = || {
        (scope.ancestors().filter_map(ast::Fn::cast))
            .filter_map(|function| function.param_list())
            .flat_map(|list| list.params())
            .filter(|param| binds_name(param.pat()))
            .find_map(|param| {
                let ty = param.ty()?.syntax().text().to_string();
                SOURCE_TYPE_WORDS.iter().any(|word| ty.contains(word)).then(|| name.clone())
            })
    };
    bound_by_let.or_else(typed_parameter)
}

/// The call quoted when `expr` (seen through `.await`, `?` and parentheses) reads a source.
pub(super) fn source_call(expr: &ast::Expr) -> Option<String> {
    let (ast::Expr::MethodCallExpr(call), awaited) = peel_await(expr.clone()) else { return None };
    let method = call.name_ref()?.text().to_string();
    let receiver_is_named_source =
        call.receiver().and_then(|r| value_name(&r)).is_some_and(|n| names_source(&n));
    let is_source = match method.as_str() {
        "iter" | "into_iter" => receiver_is_named_source,
        "next" | "try_next" => awaited || receiver_is_named_source,
        method => SOURCE_METHODS.contains(&method),
    };
    is_source.then(|| snippet(&call))
}

/// Strips `.await`, `?`, parentheses and `&`/`&mut`, and says whether an `.await` was among them.
pub(super) fn peel_await(mut expr: ast::Expr) -> (ast::Expr, bool) {
    let mut awaited = false;
    loop {
        let inner = match &expr {
            ast::Expr::AwaitExpr(e) => {
                awaited = true;
                e.expr()
            }
            ast::Expr::TryExpr(e) => e.expr(),
            ast::Expr::ParenExpr(e) => e.expr(),
            ast::Expr::RefExpr(e) => e.expr(),
            _ => None,
        };
        match inner {
            Some(inner) => expr = inner,
            None => return (expr, awaited),
        }
    }
}

/// The name a value goes by: `rx` for `rx`, `self.rx` and `&mut rx`.
pub(super) fn value_name(expr: &ast::Expr) -> Option<String> {
    match peel_await(expr.clone()).0 {
        ast::Expr::PathExpr(path) => Some(path.path()?.segment()?.name_ref()?.text().to_string()),
        ast::Expr::FieldExpr(field) => Some(field.name_ref()?.text().to_string()),
        _ => None,
    }
}

pub(super) fn names_source(name: &str) -> bool {
    name.to_lowercase().split('_').any(|word| SOURCE_NAME_WORDS.contains(&word))
}

pub(super) fn names_signal(code: &str) -> bool {
    (code.to_lowercase().split(|c: char| !c.is_ascii_alphanumeric()))
        .any(|word| SIGNAL_WORD_PREFIXES.iter().any(|prefix| word.starts_with(prefix)))
}

/// Whether a body runs its calls where they are written: a closure's (a thread's, a blocking
/// task's) or a plain function's, not an async block's or an `async fn`'s, whose calls of
/// `async fn`s only build futures until awaited.
pub(super) fn runs_synchronously(body: &SyntaxNode) -> bool {
    match body.parent() {
        Some(parent) => match_ast_sync(&parent),
        None => false,
    }
}

pub(super) fn match_ast_sync(parent: &SyntaxNode) -> bool {
    if let Some(closure) = ast::ClosureExpr::cast(parent.clone()) {
        return closure.async_token().is_none();
    }
    if let Some(function) = ast::Fn::cast(parent.clone()) {
        return function.async_token().is_none();
    }
    false
}

/// The call a statement makes, or a `let` binds the result of, seen through `?`,
/// `.unwrap()` and `.expect(..)`.
pub(super) fn statement_call(node: &SyntaxNode) -> Option<ast::Expr> {
    let expr = if let Some(statement) = ast::ExprStmt::cast(node.clone()) {
        statement.expr()?
    } else {
        ast::LetStmt::cast(node.clone())?.initializer()?
    };
    let mut expr = peel_await(expr).0;
    while let ast::Expr::MethodCallExpr(call) = &expr {
        match call.name_ref()?.text().to_string().as_str() {
            "unwrap" | "expect" => expr = peel_await(call.receiver()?).0,
            _ => break,
        }
    }
    matches!(expr, ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_)).then_some(expr)
}

/// The future a `block_on(..)` call runs where it is written: `runtime.block_on(async { .. })`,
/// `futures::executor::block_on(run())`.
pub(super) fn blocked_on(node: &SyntaxNode) -> Option<ast::Expr> {
    let call = ast::Expr::cast(node.clone())?;
    if callee(&call)?.0 != "block_on" {
        return None;
    }
    let arguments = call_arguments(&call);
    let future = arguments.last()?.clone();
    Some(peel_await(future).0)
}

/// The type a method call's receiver has, as the code writes it: `self` in an impl of
/// `Server<P>` is a `Server`; `server` bound by `let server = Server::new(..)` or a
/// parameter `server: Server<V4>` is a `Server`; `Self::run(..)` is the impl's type.
pub(super) fn receiver_type(call: &ast::Expr) -> Option<String> {
    let enclosing_impl = || {
        let imp = call.syntax().ancestors().find_map(ast::Impl::cast)?;
        type_name(&imp.self_ty()?.syntax().to_string())
    };
    let receiver = match call {
        ast::Expr::MethodCallExpr(method) => peel_await(method.receiver()?).0,
        ast::Expr::CallExpr(path_call) => {
            let ast::Expr::PathExpr(callee) = path_call.expr()? else { return None };
            let qualifier = callee.path()?.qualifier()?.syntax().to_string();
            return if qualifier == "Self" { enclosing_impl() } else { type_name(&qualifier) };
        }
        _ => return None,
    };
    let name = value_name(&receiver)?;
    if name == "self" {
        return enclosing_impl();
    }
    let bound = let_binding(call.syntax(), &name).and_then(|statement| match statement.ty() {
        Some(ty) => type_name(&ty.syntax().to_string()),
        None => match peel_await(statement.initializer()?).0 {
            // `let link = match RemoteLink::new(..).await { Ok(l) => l, Err(_) => return };`
            ast::Expr::MatchExpr(choice) => constructed_type(&peel_await(choice.expr()?).0),
            value => constructed_type(&value),
        },
    });
    bound.or_else(|| {
        let function = call.syntax().ancestors().find_map(ast::Fn::cast)?;
        (function.param_list()?.params())
            .find(|param| param.pat().is_some_and(|pattern| binds(&pattern, &name)))
            .and_then(|param| type_name(&param.ty()?.syntax().to_string()))
    })
}

/// The type a constructor call names: `Server` for `Server::new(..)`.
fn constructed_type(value: &ast::Expr) -> Option<String> {
    let ast::Expr::CallExpr(constructor) = value else { return None };
    let ast::Expr::PathExpr(callee) = constructor.expr()? else { return None };
    type_name(&callee.path()?.qualifier()?.syntax().to_string())
}

/// The last `let` before `at`, in the function around it, that binds `name`.
pub(super) fn let_binding(at: &SyntaxNode, name: &str) -> Option<ast::LetStmt> {
    let function = at.ancestors().find_map(ast::Fn::cast)?;
    let before = at.text_range().start();
    (function.syntax().descendants().filter_map(ast::LetStmt::cast))
        .filter(|statement| statement.syntax().text_range().end() <= before)
        .filter(|statement| statement.pat().is_some_and(|pattern| binds(&pattern, name)))
        .last()
}

/// The name of the impl's type a function sits in (`Server` for `impl<P> Server<P>`).
pub(super) fn impl_type(function: &ast::Fn) -> Option<String> {
    let imp = function.syntax().ancestors().find_map(ast::Impl::cast)?;
    if imp.trait_().is_some() {
        return None;
    }
    type_name(&imp.self_ty()?.syntax().to_string())
}

/// A type as written, down to its last name: `&mut crate::Server<V4>` -> `Server`.
pub(super) fn type_name(written: &str) -> Option<String> {
    let without_generics = written.split('<').next()?;
    let name = without_generics
        .rsplit("::")
        .next()?
        .trim_start_matches(['&', ' '])
        .trim_start_matches("mut ")
        .trim();
    (!name.is_empty() && name.starts_with(char::is_uppercase)).then(|| name.to_string())
}

/// Whether a value (not a call) is named as a connection's driver: `client_dispatch`,
/// `self.dispatch`, `conn_driver`. Such a future runs until its connection closes.
pub(super) fn drives_a_connection(expr: &ast::Expr) -> bool {
    let (expr, _) = peel_await(expr.clone());
    if !matches!(expr, ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_)) {
        return false;
    }
    value_name(&expr).is_some_and(|name| {
        name.to_lowercase().split('_').any(|word| CONNECTION_DRIVER_WORDS.contains(&word))
    })
}

/// The `match` a body ends on (its tail, or its last statement after `let`s).
pub(super) fn tail_match(body: &SyntaxNode) -> Option<ast::MatchExpr> {
    let block = ast::BlockExpr::cast(body.clone())?;
    let last = match block.tail_expr() {
        Some(tail) => tail,
        None => match block.statements().last()? {
            ast::Stmt::ExprStmt(statement) => statement.expr()?,
            _ => return None,
        },
    };
    match peel_await(last).0 {
        ast::Expr::MatchExpr(choice) => Some(choice),
        _ => None,
    }
}

/// Whether a pattern binds `name` (alone, in a tuple, a struct or a slice).
pub(super) fn binds(pattern: &ast::Pat, name: &str) -> bool {
    std::iter::once(pattern.syntax().clone())
        .chain(pattern.syntax().descendants())
        .filter_map(ast::IdentPat::cast)
        .any(|binding| binding.name().is_some_and(|n| n.text() == name))
}

/// A call's path as written, for the catalogue: `tokio::io::copy_bidirectional`, a method's
/// own name (`serve_connection`).
pub(super) fn call_path(call: &ast::Expr) -> Option<String> {
    match call {
        ast::Expr::CallExpr(call) => {
            let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
            let path = callee.path()?;
            Some(path.syntax().text().to_string().split_whitespace().collect())
        }
        ast::Expr::MethodCallExpr(call) => Some(call.name_ref()?.text().to_string()),
        _ => None,
    }
}

pub(super) fn call_arguments(call: &ast::Expr) -> Vec<ast::Expr> {
    let list = match call {
        ast::Expr::CallExpr(call) => call.arg_list(),
        ast::Expr::MethodCallExpr(call) => call.arg_list(),
        _ => None,
    };
    list.map(|list| list.args().collect()).unwrap_or_default()
}

/// The verdict on a call whose future never completes, or that builds on one
/// (`future::pending()`, `conn.then(|_| pending())`).
pub(super) fn never_completes(call: &ast::Expr) -> Option<Lifetime> {
    let never = std::iter::once(call.syntax().clone())
        .chain(call.syntax().descendants())
        .filter_map(ast::CallExpr::cast)
        .find(|inner| {
            callee(&ast::Expr::CallExpr(inner.clone()))
                .is_some_and(|(name, _)| NEVER_CALLS.contains(&name.as_str()))
        })?;
    Some(Lifetime::long_lived(format!("awaits `{}`, which never completes", snippet(&never))))
}

/// The name a call calls, for evidence.
pub(super) fn callee_name(call: &ast::Expr) -> String {
    callee(call).map_or_else(|| snippet(call), |(name, _)| name)
}

/// The expression a body hands its whole run to: its last statement (after any `let`s), or
/// the body itself, seen through `.await`, `?`, `.unwrap()`, `let _ =`, `if let`, `match`
/// and `block_on(..)`. A constructor such as `Ok(())`, or `drop(x)`, hands nothing over.
pub(super) fn delegate(body: &SyntaxNode) -> Option<ast::Expr> {
    let mut expr = match ast::BlockExpr::cast(body.clone()) {
        Some(block) => {
            let mut setup: Vec<ast::Stmt> = block.statements().collect();
            let last = match block.tail_expr() {
                Some(tail) => tail,
                None => match setup.pop()? {
                    ast::Stmt::ExprStmt(statement) => statement.expr()?,
                    ast::Stmt::LetStmt(statement) => statement.initializer()?,
                    ast::Stmt::Item(_) => return None,
                },
            };
            setup.iter().all(|statement| matches!(statement, ast::Stmt::LetStmt(_))).then_some(last)?
        }
        None => ast::Expr::cast(body.clone())?,
    };
    while let Some(inner) = handed_to(&expr) {
        expr = inner;
    }
    match &expr {
        ast::Expr::BlockExpr(block) if block.async_token().is_some() => Some(expr),
        ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_) => {
            let name = callee(&expr)?.0;
            (!name.starts_with(char::is_uppercase) && !ENDING_CALLS.contains(&name.as_str())).then_some(expr)
        }
        _ => None,
    }
}

/// One step into what an expression hands its run to.
pub(super) fn handed_to(expr: &ast::Expr) -> Option<ast::Expr> {
    match expr {
        ast::Expr::IfExpr(branch) => match branch.condition()? {
            ast::Expr::LetExpr(binding) => binding.expr(),
            _ => None,
        },
        ast::Expr::MatchExpr(choice) => choice.expr(),
        ast::Expr::AwaitExpr(e) => e.expr(),
        ast::Expr::TryExpr(e) => e.expr(),
        ast::Expr::MethodCallExpr(call) => match call.name_ref()?.text() {
            "unwrap" | "expect" => call.receiver(),
            "block_on" => call.arg_list()?.args().next(),
            _ => unwrap_wrapper(expr),
        },
        ast::Expr::CallExpr(call) if callee(expr)?.0 == "block_on" => call.arg_list()?.args().last(),
        _ => unwrap_wrapper(expr),
    }
}

/// The task inside a wrapper that does not change how long it runs: parentheses,
/// `.instrument(span)`, `.boxed()`, `Box::pin(..)`.
pub(super) fn unwrap_wrapper(expr: &ast::Expr) -> Option<ast::Expr> {
    match expr {
        ast::Expr::ParenExpr(e) => e.expr(),
        ast::Expr::MethodCallExpr(call) if WRAPPER_METHODS.contains(&call.name_ref()?.text()) => {
            call.receiver()
        }
        ast::Expr::CallExpr(call) if call.expr()?.syntax().text().to_string().ends_with("Box::pin") => {
            call.arg_list()?.args().next()
        }
        _ => None,
    }
}

/// The verdict on a task that hands its run to a call corral does not follow.
pub(super) fn unread(call: &ast::Expr) -> Lifetime {
    match callee(call) {
        Some((name, _)) => Lifetime::undecided(format!("calls `{name}`, whose body corral did not read")),
        None => Lifetime::undecided(format!("calls `{}`, which corral did not read", snippet(call))),
    }
}

/// The name a call calls, and whether it is an associated function or method (found in an
/// `impl`) rather than a free function: `run(x)`, `Self::run(x)`, `self.run()`.
pub(super) fn callee(call: &ast::Expr) -> Option<(String, bool)> {
    match call {
        ast::Expr::MethodCallExpr(call) => Some((call.name_ref()?.text().to_string(), true)),
        ast::Expr::CallExpr(call) => {
            let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
            let path = callee.path()?;
            let name = path.segment()?.name_ref()?.text().to_string();
            let in_impl = (path.qualifier().and_then(|q| q.segment()))
                .is_some_and(|segment| segment.syntax().text().to_string().starts_with(char::is_uppercase));
            Some((name, in_impl))
        }
        _ => None,
    }
}

pub(super) fn macro_name(call: &ast::MacroCall) -> Option<String> {
    Some(call.path()?.segment()?.name_ref()?.text().to_string())
}

pub(super) fn snippet(node: &impl AstNode) -> String {
    shorten_code(&node.syntax().text().to_string())
}

/// Code quoted on one line, cut to `SNIPPET_WIDTH`.
pub(super) fn shorten_code(code: &str) -> String {
    shorten(&code.split_whitespace().collect::<Vec<_>>().join(" "), SNIPPET_WIDTH)
}

pub(super) fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(3)).collect();
    format!("{}...", kept.trim_end())
}
