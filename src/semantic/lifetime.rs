//! How long a spawned task runs, when it hands its run to functions of other files.
//!
//! The syntax tier reads a task's body and follows its run through the functions of each
//! call's own file (`sites::lifetime`). A task such as `tokio::spawn(server::run(listener))`
//! with `run` in another module, or `thread::spawn(move || broker.start())` with `start` a
//! method written elsewhere, stays undecided there. This tier knows what each call names: it
//! hands the reading a resolver that finds the called `hir::Function` and its source, so the
//! run is followed across files and crates of the workspace, as many calls deep as the syntax
//! tier follows within a file.

use ra_ap_hir::{AsAssocItem, AssocItem, AssocItemContainer, Function, Impl, Semantics};
use ra_ap_ide_db::RootDatabase;
use ra_ap_syntax::{AstNode, SyntaxNode, ast, ast::HasArgList};

use super::walk::{callee_function, callee_in_attributes};
use crate::sites::lifetime::{Lifetime, TaskReader};

/// How long the task that the spawn call `spawn` (or a call that may be one) starts runs,
/// read through the functions the task hands its run to, across the workspace and as many
/// calls deep as the syntax tier follows within a file. `None` when the syntax tier decides
/// alone, or when this tier decides no more than it does.
pub(super) fn task_lifetime(
    sema: &Semantics<'_, RootDatabase>,
    reader: &TaskReader,
    spawn: &SyntaxNode,
) -> Option<Lifetime> {
    // The syntax tier takes the first argument for the task: the same one is read here, so
    // that both tiers speak of the same task.
    let args = match ast::Expr::cast(spawn.clone())? {
        ast::Expr::CallExpr(call) => call.arg_list()?,
        ast::Expr::MethodCallExpr(call) => call.arg_list()?,
        _ => return None,
    };
    let task = args.args().next()?;
    if !reader.classify_with(&task, None).undecided {
        return None;
    }
    let resolve = |call: &ast::Expr| -> Option<ast::Fn> {
        let function = (callee_function(sema, call))
            .or_else(|| callee_in_attributes(sema, call))
            .or_else(|| inherent_method(sema, call))?;
        readable(sema, function)
    };
    let lifetime = reader.classify_with(&task, Some(&resolve));
    (!lifetime.undecided).then_some(lifetime)
}

/// The inherent method a method call names, found by the receiver's type. Inference can know
/// the receiver's type and still resolve no method: over the stub standard library, rumqttd's
/// `server.start(..)` on a `Server<V4>` whose impl is bounded `P: Protocol + Clone + Send`
/// resolves to nothing. When that type has one inherent method of the name, it is the one
/// called.
fn inherent_method(sema: &Semantics<'_, RootDatabase>, call: &ast::Expr) -> Option<Function> {
    let ast::Expr::MethodCallExpr(call) = call else { return None };
    let db = sema.db;
    let receiver = sema.type_of_expr(&call.receiver()?)?.original.strip_references();
    receiver.as_adt()?;
    let name = call.name_ref()?;
    let mut methods = (Impl::all_for_type(db, receiver).into_iter())
        .filter(|implementation| implementation.trait_(db).is_none())
        .flat_map(|implementation| implementation.items(db))
        .filter_map(|item| match item {
            AssocItem::Function(function) if function.name(db).as_str() == name.text() => Some(function),
            _ => None,
        });
    let method = methods.next()?;
    methods.next().is_none().then_some(method)
}

/// The source of a function of the workspace's own crates, to read as the task's run.
fn readable(sema: &Semantics<'_, RootDatabase>, function: Function) -> Option<ast::Fn> {
    let db = sema.db;
    // A dependency's function is often a constructor of a future or a builder, whose body
    // is not the run: only the workspace's own code is read, as the syntax tier reads it.
    if !function.module(db).krate(db).origin(db).is_local() {
        return None;
    }
    // A trait's own body is a default that the impl the call reaches may override.
    if let Some(item) = function.as_assoc_item(db)
        && matches!(item.container(db), AssocItemContainer::Trait(_))
    {
        return None;
    }
    // Through `sema`, so that the calls in its body resolve in turn.
    let source = sema.source(function)?;
    // A function a macro writes has no text of its own to quote in evidence.
    if source.file_id.is_macro() || source.value.body().is_none() {
        return None;
    }
    Some(source.value)
}
