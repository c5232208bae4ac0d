//! Loops and their ways out: which exits leave a loop, and whether each is a real end
//! (a counter, a flag, an explicit signal) or one taken only when what the loop serves is
//! gone (a source ending, a send failing, an error, a process signal).

use ra_ap_syntax::{AstNode, Edition, SourceFile, SyntaxElement, SyntaxKind, SyntaxNode, TextSize, ast};

use super::code::*;
use super::*;

impl File {
    /// Whether a loop (`loop`, `while`, `for`) runs until shutdown, and why.
    pub(super) fn classify_loop(&self, node: &SyntaxNode, shift: Shift, cx: &Follow) -> Lifetime {
        let exits: Vec<Exit> =
            self.exits_in(node, shift, cx).into_iter().filter(|exit| leaves(exit, node)).collect();
        if let Some(exit) = exits.iter().find(|exit| exit.lasts.is_none()) {
            return Lifetime::ends(exit.evidence.clone());
        }
        let until_closed =
            |source: String| Lifetime::long_lived(format!("loops on `{source}` until it closes"));
        let lasting = exits.into_iter().find_map(|exit| exit.lasts);
        if let Some(each) = ast::WhileExpr::cast(node.clone()) {
            return match each.condition() {
                Some(ast::Expr::LetExpr(binding)) => match binding.expr().and_then(|e| source_of(&e, node)) {
                    Some(source) => until_closed(source),
                    None => Lifetime::ends(format!("loops while `{}` matches", snippet(&binding))),
                },
                Some(ast::Expr::MethodCallExpr(check))
                    if check
                        .name_ref()
                        .is_some_and(|n| matches!(n.text().to_string().as_str(), "is_some" | "is_ok"))
                        && check.receiver().and_then(|r| source_of(&r, node)).is_some() =>
                {
                    until_closed(check.receiver().and_then(|r| source_of(&r, node)).unwrap_or_default())
                }
                Some(condition) if condition.syntax().text() != "true" => {
                    Lifetime::ends(format!("loops while `{}`", snippet(&condition)))
                }
                _ => endless(node, lasting),
            };
        }
        if let Some(each) = ast::ForExpr::cast(node.clone()) {
            let iterable = each.iterable();
            return match iterable.as_ref().and_then(|iterable| source_of(iterable, node)) {
                Some(source) => until_closed(source),
                None => Lifetime::ends(format!(
                    "iterates over `{}`",
                    iterable.map(|i| snippet(&i)).unwrap_or_default()
                )),
            };
        }
        endless(node, lasting)
    }

    /// Every `break`, `return` and labelled `continue` in a loop, whichever loop each leaves.
    pub(super) fn exits_in(&self, loop_node: &SyntaxNode, shift: Shift, cx: &Follow) -> Vec<Exit> {
        let mut exits = Vec::new();
        for node in own_nodes(loop_node) {
            let label = (ast::BreakExpr::cast(node.clone()).and_then(|e| e.lifetime()))
                .or_else(|| ast::ContinueExpr::cast(node.clone()).and_then(|e| e.lifetime()))
                .map(|lifetime| lifetime.syntax().text().to_string());
            let keyword = match node.kind() {
                SyntaxKind::BREAK_EXPR => "break",
                SyntaxKind::RETURN_EXPR => "return",
                SyntaxKind::CONTINUE_EXPR if label.is_some() => "continue",
                SyntaxKind::MACRO_CALL => {
                    exits.extend(self.macro_exits(&node, shift, cx));
                    continue;
                }
                _ => continue,
            };
            let line = self.line(shift.file_offset(node.text_range().start()));
            let evidence = match condition_of(&node, loop_node) {
                Some(condition) => format!("leaves the loop at `{keyword}` when `{condition}` (line {line})"),
                None => format!("leaves the loop at `{keyword}` (line {line})"),
            };
            let lasts = source_ended_at(&node, loop_node)
                .map(|source| format!("loops on `{source}` until it closes"))
                .or_else(|| send_failed_at(&node, loop_node))
                .or_else(|| error_exit_at(&node, loop_node));
            exits.push(Exit {
                anchor: node,
                label,
                is_return: keyword == "return",
                is_continue: keyword == "continue",
                lasts,
                evidence,
            });
        }
        exits
    }

    /// The exits inside a macro call in a loop. Its tokens are read as code on their own: each
    /// `select!` arm as `let PATTERN = (FUTURE).await; HANDLER`, so that `None => break` on
    /// what the arm bound reads as it would in place; any other macro whole, when it holds a
    /// `break` or `return` at all.
    pub(super) fn macro_exits(&self, node: &SyntaxNode, shift: Shift, cx: &Follow) -> Vec<Exit> {
        let Some(call) = ast::MacroCall::cast(node.clone()) else { return Vec::new() };
        let Some(tree) = call.token_tree() else { return Vec::new() };
        if !is_select(&call) {
            let exits = (tree.syntax().descendants_with_tokens())
                .any(|token| matches!(token.kind(), SyntaxKind::BREAK_KW | SyntaxKind::RETURN_KW));
            let start = tree.syntax().text_range().start();
            return if exits {
                self.read_alone(node, "", &tree.syntax().to_string(), start, shift, cx)
            } else {
                Vec::new()
            };
        }
        let arms = select_arms(&tree);
        let first_future =
            arms.iter().find_map(|arm| arm.binding.as_ref()).map(|(_, future)| shorten_code(future));
        let mut exits = Vec::new();
        for arm in &arms {
            let prefix = match &arm.binding {
                Some((pattern, future)) => format!("let {pattern} = ({future}).await; "),
                None => String::new(),
            };
            let future = arm.binding.as_ref().map(|(_, future)| future);
            let signal = future.and_then(|future| {
                self.arm_signal(future, node, cx).map(|kind| (kind, shorten_code(future)))
            });
            for mut exit in self.read_alone(node, &prefix, &arm.handler, arm.handler_start, shift, cx) {
                match &signal {
                    Some((Signal::Explicit, code)) => {
                        exit.lasts = None;
                        exit.evidence = format!("leaves the loop when `{code}` fires (select! arm)");
                    }
                    Some((Signal::Process, code)) => {
                        exit.lasts = Some(format!("runs until a process signal: leaves only on `{code}`"));
                    }
                    Some((Signal::Closing, code)) => {
                        exit.lasts = Some(format!("runs until its peers go away: leaves on `{code}`"));
                    }
                    None if arm.binding.as_ref().is_some_and(|(pattern, _)| names_an_error(pattern)) => {
                        let future = future.map(|f| shorten_code(f)).unwrap_or_default();
                        exit.lasts = Some(format!("runs until `{future}` fails: leaves only on its error"));
                    }
                    None if arm.binding.is_none() => {
                        // `else` runs once every other arm's pattern has failed: the sources have ended.
                        exit.lasts = first_future.as_ref().map(|f| format!("loops on `{f}` until it closes"));
                    }
                    None => {}
                }
                exits.push(exit);
            }
        }
        exits
    }

    /// The exits of macro tokens parsed on their own inside a loop, `prefix` first, that leave
    /// that loop, and so the loop around the macro call `call`.
    pub(super) fn read_alone(
        &self,
        call: &SyntaxNode,
        prefix: &str,
        code: &str,
        start: TextSize,
        shift: Shift,
        cx: &Follow,
    ) -> Vec<Exit> {
        let head = format!("fn alone() {{ loop {{ {prefix}");
        let parsed = SourceFile::parse(&format!("{head}{code}\n}} }}"), Edition::Edition2021).tree();
        let Some(alone) = parsed.syntax().descendants().find(|n| n.kind() == SyntaxKind::LOOP_EXPR) else {
            return Vec::new();
        };
        let start = i64::try_from(shift.file_offset(start)).unwrap_or(0);
        let mut exits = self.exits_in(&alone, Shift(start - i64::try_from(head.len()).unwrap_or(0)), cx);
        exits.retain(|exit| leaves(exit, &alone));
        for exit in &mut exits {
            exit.anchor = call.clone();
        }
        exits
    }

    pub(super) fn line(&self, offset: usize) -> usize {
        self.text
            .get_or_init(|| self.root.to_string())
            .get(..offset)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }
}

/// A loop with no exit of its own: `loop`, or `while true`.
pub(super) fn endless(node: &SyntaxNode, lasting: Option<String>) -> Lifetime {
    if let Some(evidence) = lasting {
        return Lifetime::long_lived(evidence);
    }
    let nodes = own_nodes(node);
    let source = nodes.iter().filter_map(|n| ast::Expr::cast(n.clone())).find_map(|e| source_call(&e));
    // `?` stops such a loop only on an error: an accept loop that gives up on an I/O error
    // still runs until shutdown.
    let on_error = nodes.iter().any(|n| n.kind() == SyntaxKind::TRY_EXPR);
    Lifetime::long_lived(match (source, on_error) {
        (Some(source), false) => format!("loops on `{source}` with no exit"),
        (Some(source), true) => format!("loops on `{source}`, leaving only on error (`?`)"),
        (None, false) => "a `loop` with no exit".to_string(),
        (None, true) => "a `loop` leaving only on error (`?`)".to_string(),
    })
}

pub(super) fn is_loop(node: &SyntaxNode) -> bool {
    matches!(node.kind(), SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::FOR_EXPR)
}

/// Whether a node of a body runs inside one of its loops, the body itself included.
pub(super) fn inside_loop(node: &SyntaxNode, body: &SyntaxNode) -> bool {
    node != body && (is_loop(body) || node.ancestors().skip(1).take_while(|n| n != body).any(|n| is_loop(&n)))
}

/// Whether an exit found inside `loop_node` leaves it: an unlabelled `break` leaves the
/// innermost loop around it, a labelled one the loop or block with its label.
pub(super) fn leaves(exit: &Exit, loop_node: &SyntaxNode) -> bool {
    let labelled = |node: &SyntaxNode, label: &str| {
        (node.children().filter_map(ast::Label::cast))
            .any(|l| l.lifetime().is_some_and(|lifetime| lifetime.syntax().text() == label))
    };
    if exit.is_return {
        return true;
    }
    let caught_inside =
        exit.anchor.ancestors().skip(1).take_while(|n| n != loop_node).any(|n| match &exit.label {
            None => is_loop(&n),
            Some(label) => labelled(&n, label),
        });
    // A `continue 'outer` that names this very loop goes round again.
    let continues_this_loop =
        exit.is_continue && exit.label.as_deref().is_some_and(|label| labelled(loop_node, label));
    !caught_inside && !continues_this_loop
}

/// The condition of the `if` an exit sits in, for evidence: `if n == 3 { break }`.
pub(super) fn condition_of(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
    let branch = exit.ancestors().take_while(|n| n != loop_node).find_map(ast::IfExpr::cast)?;
    let inside_then = branch.then_branch()?.syntax().text_range().contains_range(exit.text_range());
    inside_then.then(|| branch.condition().map(|c| snippet(&c))).flatten()
}

/// The source whose end an exit is reached on: the `None`/`Err(_)` arm of a match on
/// `rx.recv().await`, the `else` of `let Some(x) = rx.recv().await` or of `if let`.
pub(super) fn source_ended_at(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
    for node in exit.ancestors().skip(1).take_while(|n| n != loop_node) {
        if let Some(arm) = ast::MatchArm::cast(node.clone()) {
            let pattern = arm.pat()?.syntax().text().to_string().replace(char::is_whitespace, "");
            let ended = pattern.split('|').all(|alternative| {
                matches!(alternative, "None" | "_" | "Ok(None)" | "Ok(0)" | "0")
                    || alternative.starts_with("Err(")
                    || alternative.starts_with("Some(Err(")
            });
            let scrutinee = node.parent()?.parent().and_then(ast::MatchExpr::cast)?.expr()?;
            return ended.then(|| source_of(&scrutinee, loop_node)).flatten();
        }
        if let Some(let_else) = ast::LetElse::cast(node.clone()) {
            let statement = let_else.syntax().parent().and_then(ast::LetStmt::cast)?;
            return source_of(&statement.initializer()?, loop_node);
        }
        if let Some(branch) = ast::IfExpr::cast(node.clone()) {
            let in_else = branch
                .else_branch()
                .is_some_and(|e| e.syntax().text_range().contains_range(exit.text_range()));
            return match branch.condition()? {
                ast::Expr::LetExpr(binding) => {
                    in_else.then(|| source_of(&binding.expr()?, loop_node)).flatten()
                }
                // `if r.is_err() { return }` on what a source gave: it has ended.
                ast::Expr::MethodCallExpr(check) if !in_else => {
                    let name = check.name_ref()?.text().to_string();
                    matches!(name.as_str(), "is_err" | "is_none")
                        .then(|| source_of(&check.receiver()?, loop_node))
                        .flatten()
                }
                _ => None,
            };
        }
    }
    None
}

/// The failed send or write an exit is taken on (`if tx.send(x).await.is_err() { break }`,
/// `Err(_) => return` on `socket.write_all(..)`): the loop lives as long as the receivers
/// or the peer, and this says so.
pub(super) fn send_failed_at(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
    let sent = |expr: &ast::Expr| -> Option<String> {
        let (ast::Expr::MethodCallExpr(call), _) = peel_await(expr.clone()) else { return None };
        let call = match call.name_ref()?.text().to_string().as_str() {
            "is_err" => match peel_await(call.receiver()?).0 {
                ast::Expr::MethodCallExpr(inner) => inner,
                _ => return None,
            },
            _ => call,
        };
        let method = call.name_ref()?.text().to_string();
        SEND_METHODS.contains(&method.as_str()).then(|| {
            let target = call.receiver().map(|r| snippet(&r)).unwrap_or_default();
            format!("lives as long as `{target}`'s peers: leaves only when `{target}.{method}(..)` fails")
        })
    };
    for node in exit.ancestors().skip(1).take_while(|n| n != loop_node) {
        if let Some(arm) = ast::MatchArm::cast(node.clone()) {
            let pattern = arm.pat()?.syntax().text().to_string().replace(char::is_whitespace, "");
            let scrutinee = node.parent()?.parent().and_then(ast::MatchExpr::cast)?.expr()?;
            return (pattern.starts_with("Err(") || pattern == "_").then(|| sent(&scrutinee)).flatten();
        }
        if let Some(branch) = ast::IfExpr::cast(node.clone()) {
            let in_then = branch.then_branch()?.syntax().text_range().contains_range(exit.text_range());
            return match branch.condition()? {
                ast::Expr::LetExpr(binding) if in_then => {
                    let pattern = binding.pat()?.syntax().text().to_string();
                    if pattern.starts_with("Err") { sent(&binding.expr()?) } else { None }
                }
                condition if in_then => sent(&condition),
                _ => None,
            };
        }
    }
    None
}

/// The error or absence an exit is taken on, for a loop that otherwise goes on: `Err(_) =>
/// return`, `if r.is_err() { break }`, `let Some(x) = y else { return }`. Such a loop
/// runs until something fails or goes away, not after bounded work nor on a signal.
pub(super) fn error_exit_at(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
    let failing = |expr: &ast::Expr| format!("runs until `{}` fails: leaves only on an error", snippet(expr));
    for node in exit.ancestors().skip(1).take_while(|n| n != loop_node) {
        if let Some(arm) = ast::MatchArm::cast(node.clone()) {
            let pattern = arm.pat()?.syntax().text().to_string().replace(char::is_whitespace, "");
            let scrutinee = node.parent()?.parent().and_then(ast::MatchExpr::cast)?.expr()?;
            return pattern.split('|').all(is_failure_pattern).then(|| failing(&scrutinee));
        }
        if let Some(let_else) = ast::LetElse::cast(node.clone()) {
            let statement = let_else.syntax().parent().and_then(ast::LetStmt::cast)?;
            let pattern = statement.pat()?.syntax().text().to_string();
            let success = pattern.starts_with("Some(") || pattern.starts_with("Ok(");
            return success.then(|| Some(failing(&statement.initializer()?))).flatten();
        }
        if let Some(branch) = ast::IfExpr::cast(node.clone()) {
            let in_then = branch.then_branch()?.syntax().text_range().contains_range(exit.text_range());
            return match branch.condition()? {
                ast::Expr::LetExpr(binding) => {
                    let pattern = binding.pat()?.syntax().text().to_string().replace(char::is_whitespace, "");
                    let success = pattern.starts_with("Some(") || pattern.starts_with("Ok(");
                    let taken = if in_then { is_failure_pattern(&pattern) } else { success };
                    taken.then(|| Some(failing(&binding.expr()?))).flatten()
                }
                ast::Expr::MethodCallExpr(check) if in_then => {
                    let name = check.name_ref()?.text().to_string();
                    matches!(name.as_str(), "is_err" | "is_none")
                        .then(|| Some(failing(&check.receiver()?)))
                        .flatten()
                }
                ast::Expr::PrefixExpr(not) if in_then && not.op_kind() == Some(ast::UnaryOp::Not) => {
                    let ast::Expr::MethodCallExpr(check) = not.expr()? else { return None };
                    let name = check.name_ref()?.text().to_string();
                    matches!(name.as_str(), "is_ok" | "is_some")
                        .then(|| Some(failing(&check.receiver()?)))
                        .flatten()
                }
                _ => None,
            };
        }
    }
    None
}

/// A pattern that matches a failure or an absence: `Err(..)`, `None`, `Some(Err(..))`.
pub(super) fn is_failure_pattern(pattern: &str) -> bool {
    pattern == "None"
        || pattern == "Ok(None)"
        || pattern.starts_with("Err(")
        || pattern.starts_with("Some(Err(")
}

/// Whether a `select!` arm's pattern binds an error (`e = pool.drive() => return`).
pub(super) fn names_an_error(pattern: &str) -> bool {
    matches!(pattern.trim(), "e" | "err" | "error") || pattern.trim().starts_with("Err(")
}

/// Whether a macro races futures in arms (`tokio::select!`, `futures::select!`): a `break` in
/// an arm leaves the loop around the macro.
pub(super) fn is_select(call: &ast::MacroCall) -> bool {
    macro_name(call).is_some_and(|name| matches!(name.as_str(), "select" | "select_biased"))
}

/// One arm of a `select!`, as written.
pub(super) struct SelectArm {
    /// The pattern and the future; `None` for the `else` arm.
    pub(super) binding: Option<(String, String)>,
    pub(super) handler: String,
    pub(super) handler_start: TextSize,
}

/// Splits a `select!` body into arms: `[biased;] PATTERN = FUTURE [, if COND] => HANDLER,`.
/// Nested groups are single elements of the token tree, so every token looked at here is at
/// the top level of the macro body.
pub(super) fn select_arms(tree: &ast::TokenTree) -> Vec<SelectArm> {
    let elements: Vec<SyntaxElement> = tree.syntax().children_with_tokens().collect();
    // Where in `elements` the tokens and groups between the delimiters are, trivia left out.
    let at: Vec<usize> =
        (1..elements.len().saturating_sub(1)).filter(|&i| !elements[i].kind().is_trivia()).collect();
    let kind = |k: usize| at.get(k).map(|&i| elements[i].kind());
    // `=>` is two tokens in a token tree: `=` then `>`, with no space between them.
    let is_arrow = |k: usize| {
        kind(k) == Some(SyntaxKind::EQ) && kind(k + 1) == Some(SyntaxKind::R_ANGLE) && at[k + 1] == at[k] + 1
    };
    let text = |from: usize, to: usize| {
        elements[at[from]..=at[to]].iter().map(ToString::to_string).collect::<String>()
    };
    let mut arms = Vec::new();
    let mut k = if kind(1) == Some(SyntaxKind::SEMICOLON) && text(0, 0) == "biased" { 2 } else { 0 };
    while let Some(arrow) = (k..at.len()).find(|&a| is_arrow(a)) {
        let from = arrow + 2;
        let Some(&first) = at.get(from) else { break };
        let is_block = elements[first]
            .as_node()
            .and_then(|n| n.first_token())
            .is_some_and(|t| t.kind() == SyntaxKind::L_CURLY);
        let to = match is_block {
            true => from,
            false => (from..at.len()).find(|&c| kind(c) == Some(SyntaxKind::COMMA)).unwrap_or(at.len()) - 1,
        };
        let binding = if arrow == k + 1 && kind(k) == Some(SyntaxKind::ELSE_KW) {
            None
        } else {
            let Some(equals) = (k + 1..arrow).find(|&e| kind(e) == Some(SyntaxKind::EQ)) else { break };
            // A precondition `, if COND` may follow the future.
            let end = (equals + 1..arrow).find(|&c| kind(c) == Some(SyntaxKind::COMMA)).unwrap_or(arrow);
            Some((text(k, equals - 1), text(equals + 1, end.max(equals + 2) - 1)))
        };
        if to < from {
            break;
        }
        arms.push(SelectArm {
            binding,
            handler: text(from, to),
            handler_start: elements[first].text_range().start(),
        });
        k = to + 1 + usize::from(kind(to + 1) == Some(SyntaxKind::COMMA));
    }
    arms
}
