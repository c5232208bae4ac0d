//! Where a call sits: its function and impl, the closures and async blocks
//! around it, what happens to its JoinHandle, whether it is test code, and
//! which statement an exempt comment would annotate.

use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode, ast, ast::HasAttrs, ast::HasName};

use super::model::{Enclosing, EnclosingKind, HandleUse, SelfKind};
use super::test_code::{TestGate, cfg_gate};
use super::trees::TreeSet;

/// What `context_of` finds; the impl's struct is named for the tracker lookup.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    pub function: Option<String>,
    pub method: Option<MethodSyntax>,
    /// Outermost first.
    pub enclosing: Vec<Enclosing>,
    pub in_test_code: bool,
    /// Set when an item around the call compiles for tests and in another configuration
    /// (`#[cfg(any(test, feature = "x"))]`): production code that tests use.
    pub test_support: Option<String>,
    /// File range of the statement (or item, arm, field) an exempt comment annotates.
    pub anchor: (u32, u32),
    /// See `SiteContext::statement_start`.
    pub statement_start: Option<u32>,
    /// The names the enclosing function's parameters bind, in order ("" for a pattern).
    pub parameters: Vec<String>,
}

/// The impl a method belongs to, as written.
#[derive(Debug, Clone)]
pub struct MethodSyntax {
    pub self_type: String,
    /// The last segment of the self type's path, to find its struct.
    pub self_name: String,
    pub self_kind: Option<SelfKind>,
}

/// Looks at the ancestors of a call (across macro fragments).
pub fn context_of(trees: &TreeSet, tree: usize, call: &SyntaxNode) -> CallContext {
    let mut context = CallContext::default();
    let own = &trees.trees[tree];
    let call_range = call.text_range();
    context.anchor = (own.file_offset(call_range.start().into()), own.file_offset(call_range.end().into()));
    let mut anchor_found = false;
    let mut in_function = false;
    // Closures and async blocks still waiting for the statement that holds them.
    let mut waiting = 0;
    // A block's tail expression is its own statement.
    if call.parent().is_some_and(|p| p.kind() == SyntaxKind::STMT_LIST && !own.is_wrapper_node(&p)) {
        context.statement_start = Some(context.anchor.0);
    }
    for (index, node) in trees.ancestors(tree, call) {
        let holder = &trees.trees[index];
        let range = node.text_range();
        let (start, end) = (holder.file_offset(range.start().into()), holder.file_offset(range.end().into()));
        // Checked after the node itself is recorded: a closure that is a block's tail
        // is its own statement, and the `let` for what it captures goes before it.
        let is_statement = !in_function
            && node.kind() != SyntaxKind::FN
            && node
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::STMT_LIST && !holder.is_wrapper_node(&p));
        if !anchor_found && is_anchor(&node) {
            context.anchor = (start, end);
            anchor_found = true;
        }
        match test_attribute(&node) {
            Some(TestGate::Test(_)) => context.in_test_code = true,
            Some(TestGate::Support(why)) => _ = context.test_support.get_or_insert(why),
            None => {}
        }
        if in_function {
            continue;
        }
        match node.kind() {
            SyntaxKind::CLOSURE_EXPR => {
                let is_move = ast::ClosureExpr::cast(node.clone()).is_some_and(|c| c.move_token().is_some());
                context.enclosing.push(Enclosing {
                    kind: EnclosingKind::Closure,
                    is_move,
                    start,
                    end,
                    statement_start: None,
                });
                waiting += 1;
            }
            SyntaxKind::BLOCK_EXPR => {
                if let Some(block) = ast::BlockExpr::cast(node.clone())
                    && block.async_token().is_some()
                {
                    let is_move = block.move_token().is_some();
                    context.enclosing.push(Enclosing {
                        kind: EnclosingKind::AsyncBlock,
                        is_move,
                        start,
                        end,
                        statement_start: None,
                    });
                    waiting += 1;
                }
            }
            SyntaxKind::FN => {
                in_function = true;
                if let Some(function) = ast::Fn::cast(node.clone()) {
                    context.function = function.name().map(|n| n.text().to_string());
                    context.method = method_of(&function);
                    context.parameters = function
                        .param_list()
                        .into_iter()
                        .flat_map(|list| list.params())
                        // One entry per parameter, so that positions hold: "" for a pattern.
                        .map(|param| match param.pat() {
                            Some(ast::Pat::IdentPat(ident)) => {
                                ident.name().map(|n| n.text().to_string()).unwrap_or_default()
                            }
                            _ => String::new(),
                        })
                        .collect();
                }
            }
            _ => {}
        }
        if is_statement {
            if context.enclosing.is_empty() && context.statement_start.is_none() {
                context.statement_start = Some(start);
            }
            let count = context.enclosing.len();
            for enclosing in &mut context.enclosing[count - waiting..] {
                enclosing.statement_start = Some(start);
            }
            waiting = 0;
        }
    }
    context.enclosing.reverse();
    context
}

/// The kinds of node a `// spawn-exempt:` comment sits above.
fn is_anchor(node: &SyntaxNode) -> bool {
    matches!(
        node.kind(),
        SyntaxKind::EXPR_STMT
            | SyntaxKind::LET_STMT
            | SyntaxKind::MATCH_ARM
            | SyntaxKind::RECORD_EXPR_FIELD
            | SyntaxKind::STATIC
            | SyntaxKind::CONST
    ) || (node.kind() == SyntaxKind::MACRO_CALL
        && node.parent().is_some_and(|p| p.kind() == SyntaxKind::STMT_LIST))
}

fn method_of(function: &ast::Fn) -> Option<MethodSyntax> {
    let list = function.syntax().parent().filter(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST)?;
    let imp = list.parent().and_then(ast::Impl::cast)?;
    let self_ty = imp.self_ty()?;
    let self_name = match &self_ty {
        ast::Type::PathType(p) => p.path()?.segment()?.name_ref()?.text().to_string(),
        _ => return None,
    };
    let self_kind = function.param_list().and_then(|params| params.self_param()).map(|param| {
        if let Some(ty) = param.ty() {
            SelfKind::Typed { ty: ty.syntax().text().to_string() }
        } else if param.amp_token().is_some() {
            SelfKind::Ref
        } else {
            SelfKind::Value
        }
    });
    Some(MethodSyntax { self_type: self_ty.syntax().text().to_string(), self_name, self_kind })
}

/// `#[test]`, `#[tokio::test]`, `#[rstest]`... and `#[cfg(test)]`: test code; a `cfg` that
/// also holds outside tests (`any(test, feature = "x")`): test support.
fn test_attribute(node: &SyntaxNode) -> Option<TestGate> {
    let item = ast::AnyHasAttrs::cast(node.clone())?;
    let test_function = item.attrs().filter_map(|attr| attr.meta()).any(|meta| {
        let Some(path) = meta.path() else { return false };
        let last =
            path.segment().and_then(|s| s.name_ref()).map(|n| n.text().to_string()).unwrap_or_default();
        last == "test"
            || last.starts_with("test_")
            || matches!(last.as_str(), "rstest" | "wasm_bindgen_test" | "quickcheck")
    });
    if test_function {
        return Some(TestGate::Test("#[test]".to_string()));
    }
    cfg_gate(&item)
}

/// What the code does with the value of the call expression.
pub fn handle_use(call: &SyntaxNode) -> HandleUse {
    let mut node = call.clone();
    loop {
        let Some(parent) = node.parent() else { return HandleUse::PassedOn };
        match parent.kind() {
            SyntaxKind::PAREN_EXPR | SyntaxKind::TRY_EXPR => node = parent,
            SyntaxKind::METHOD_CALL_EXPR => {
                let method = ast::MethodCallExpr::cast(parent.clone());
                let name = method.as_ref().and_then(|m| m.name_ref()).map(|n| n.text().to_string());
                let is_receiver = method.and_then(|m| m.receiver()).is_some_and(|r| r.syntax() == &node);
                if is_receiver && matches!(name.as_deref(), Some("unwrap" | "expect")) {
                    node = parent;
                } else {
                    return HandleUse::PassedOn;
                }
            }
            SyntaxKind::AWAIT_EXPR => return HandleUse::Awaited,
            SyntaxKind::EXPR_STMT => return HandleUse::Dropped,
            SyntaxKind::LET_STMT => {
                let wildcard = ast::LetStmt::cast(parent)
                    .and_then(|s| s.pat())
                    .is_some_and(|p| matches!(p, ast::Pat::WildcardPat(_)));
                return if wildcard { HandleUse::Dropped } else { HandleUse::Bound };
            }
            SyntaxKind::BIN_EXPR => return HandleUse::Bound,
            SyntaxKind::STMT_LIST => {
                // The tail of a block whose value nobody takes (a `for` body, say) is dropped.
                let block = parent.parent();
                let owner = block.as_ref().and_then(|b| b.parent());
                let discarded = owner.is_some_and(|o| {
                    matches!(o.kind(), SyntaxKind::FOR_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::LOOP_EXPR)
                });
                return if discarded { HandleUse::Dropped } else { HandleUse::PassedOn };
            }
            _ => return HandleUse::PassedOn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn context(text: &str) -> (CallContext, HandleUse) {
        let file = SourceFile::parse(text, Edition::Edition2021).tree();
        let trees = TreeSet::new(&file, Edition::Edition2021, &["spawn".to_string()]);
        let (tree, call) = trees
            .trees
            .iter()
            .enumerate()
            .find_map(|(i, t)| {
                t.root
                    .descendants()
                    .find(|n| {
                        n.kind() == SyntaxKind::CALL_EXPR && n.text().to_string().starts_with("tokio::spawn")
                    })
                    .map(|n| (i, n))
            })
            .unwrap();
        (context_of(&trees, tree, &call), handle_use(&call))
    }

    #[test]
    fn method_with_arc_self_inside_async_move() {
        let text = "impl Handler { fn run(self: Arc<Self>) { let f = async move { tokio::spawn(x); }; } }";
        let (found, handle) = context(text);
        let method = found.method.unwrap();
        assert_eq!(method.self_name, "Handler");
        assert_eq!(method.self_kind, Some(SelfKind::Typed { ty: "Arc<Self>".into() }));
        assert_eq!(found.enclosing.len(), 1);
        assert!(found.enclosing[0].is_move);
        assert_eq!(handle, HandleUse::Dropped);
    }

    #[test]
    fn handle_uses() {
        assert_eq!(context("fn f() { let h = tokio::spawn(x); }").1, HandleUse::Bound);
        assert_eq!(context("fn f() { let _ = tokio::spawn(x); }").1, HandleUse::Dropped);
        assert_eq!(context("async fn f() { tokio::spawn(x).await; }").1, HandleUse::Awaited);
        assert_eq!(context("fn f() -> J { tokio::spawn(x) }").1, HandleUse::PassedOn);
        assert_eq!(context("fn f() { v.push(tokio::spawn(x)); }").1, HandleUse::PassedOn);
    }

    #[test]
    fn test_code_and_macro_fragments() {
        assert!(context("#[cfg(test)] mod t { fn f() { tokio::spawn(x); } }").0.in_test_code);
        assert!(context("#[tokio::test] async fn f() { tokio::spawn(x); }").0.in_test_code);
        assert!(!context("#[cfg(not(test))] fn f() { tokio::spawn(x); }").0.in_test_code);
        let (found, _) = context("impl S { fn f(&self) { tokio::select! { _ = tokio::spawn(x) => {} } } }");
        assert_eq!(found.function.as_deref(), Some("f"));
        assert_eq!(found.method.unwrap().self_kind, Some(SelfKind::Ref));
    }
}
