//! How long the task a spawn starts runs: until its work is done, or as long as the process.
//!
//! A `TaskTracker`'s `wait()`, and so corral's generated `drain()`, returns only when every
//! tracked task has ended. An accept loop, a ticker or a channel pump that lives as long as the
//! process would make every drain hang, so corral exempts such tasks instead of tracking them.
//! This module reads the task's body as written, and one level of a local function it hands
//! its run to, and says which kind of task it is with the evidence a reviewer checks. When it
//! cannot tell, it says `Ends` and marks the verdict undecided rather than guess. A function
//! written in another file is beyond what a file's tree shows: the semantic tier resolves the
//! call the task hands its run to (`task_call`) and reads that function (`classify_function`).

use std::cell::OnceCell;
use std::collections::HashMap;

use ra_ap_syntax::{
    AstNode, Edition, SourceFile, SyntaxElement, SyntaxKind, SyntaxNode, TextSize, WalkEvent, ast,
    ast::HasArgList, ast::HasName,
};

/// How long the task a spawn starts runs, as far as its body shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lifetime {
    pub kind: LifetimeKind,
    /// One line a reviewer reads, e.g. "loops on `listener.accept()` with no exit",
    /// "leaves the loop when `shutdown.cancelled()` fires (select! arm)", "no loop".
    pub evidence: String,
    /// Set when corral could not decide and chose `Ends` by default (a called function it did
    /// not read, ...): never a guess presented as fact.
    pub undecided: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifetimeKind {
    Ends,
    LongLived,
}

impl Lifetime {
    /// The reason of a `// spawn-exempt:` comment: one short line, no backticks.
    pub fn exempt_reason(&self) -> String {
        let reason = match self.kind {
            LifetimeKind::LongLived => format!("runs until shutdown: {}", self.evidence),
            // Only a long-lived task is exempt for how long it runs: any other keeps its evidence alone.
            LifetimeKind::Ends => self.evidence.clone(),
        };
        shorten(&reason.replace('`', ""), REASON_WIDTH)
    }

    fn ends(evidence: String) -> Self {
        Lifetime { kind: LifetimeKind::Ends, evidence, undecided: false }
    }

    fn long_lived(evidence: String) -> Self {
        Lifetime { kind: LifetimeKind::LongLived, evidence, undecided: false }
    }

    fn undecided(evidence: String) -> Self {
        Lifetime { kind: LifetimeKind::Ends, evidence, undecided: true }
    }

    fn within(self, function: &str) -> Self {
        Lifetime { evidence: format!("in `{function}()`: {}", self.evidence), ..self }
    }
}

/// The longest exempt reason, so that the comment stays on one readable line.
const REASON_WIDTH: usize = 90;

/// The longest piece of code quoted in evidence.
const SNIPPET_WIDTH: usize = 40;

/// Methods whose result is the next item of something that ends only when its producer does:
/// channels (`recv`, `changed`, `notified`), listeners (`accept`, `incoming`), streams (`next`,
/// `try_next`, `select_next_some`) and intervals (`tick`). A loop over one runs until shutdown.
const SOURCE_METHODS: &[&str] = &[
    "accept",
    "recv",
    "recv_async",
    "recv_from",
    "recv_many",
    "next",
    "try_next",
    "select_next_some",
    "changed",
    "tick",
    "incoming",
    "notified",
];

/// Words of a name that make it a source where the call alone does not: `for job in rx`,
/// `rx.iter()`, and a `next()` that is not awaited (`interval.next()`, but not `lines.next()`).
const SOURCE_NAME_WORDS: &[&str] =
    &["rx", "receiver", "inbox", "incoming", "listener", "interval", "ticker", "stream", "subscription"];

/// Words of a parameter's type that make it a source: `jobs: mpsc::Receiver<Job>`.
const SOURCE_TYPE_WORDS: &[&str] =
    &["Receiver", "Listener", "Incoming", "Interval", "Stream", "Subscriber", "Subscription"];

/// Beginnings of the words that name a shutdown or cancellation signal: `shutdown_rx`,
/// `token.cancelled()`, `stop.changed()`, `ctrl_c()`.
const SIGNAL_WORD_PREFIXES: &[&str] =
    &["shutdown", "cancel", "stop", "quit", "exit", "term", "close", "kill", "done", "ctrl"];

/// Methods that wrap a task without changing how long it runs: tracing spans, boxing, fusing.
const WRAPPER_METHODS: &[&str] =
    &["instrument", "in_current_span", "with_current_subscriber", "boxed", "boxed_local", "fuse"];

/// Classifies the task a spawn starts.
///
/// `task` is the spawned task expression as written: an `async {}`/`async move {}` block, a
/// closure (`move || { .. }`, for spawn_blocking and threads), a call `run(listener)` /
/// `self.run()` / `Self::run(x)`, `fut.instrument(span)` or `Box::pin(..)` wrappers, or a
/// path/variable. Local functions are looked up in the same file (the tree root is reached
/// through `task.syntax().ancestors()`), one level deep. Lines in evidence count from that root.
pub fn classify_task(task: &ast::Expr) -> Lifetime {
    File::of(task.syntax()).classify_task(task)
}

/// Classifies the tasks of many spawns, as `classify_task` does one: the file (or macro
/// fragment) they are written in is indexed once, not once per spawn, so that a file of a
/// thousand spawns is not searched a thousand times for the functions they hand their run to.
#[derive(Default)]
pub struct TaskReader {
    files: HashMap<SyntaxNode, File>,
}

impl TaskReader {
    pub fn classify(&mut self, task: &ast::Expr) -> Lifetime {
        let root = root_of(task.syntax());
        self.files.entry(root.clone()).or_insert_with(|| File::new(root)).classify_task(task)
    }
}

/// The root of the tree that holds `node`.
fn root_of(node: &SyntaxNode) -> SyntaxNode {
    node.ancestors().last().unwrap_or_else(|| node.clone())
}

/// The call a task hands its whole run to, when reading the task comes down to one:
/// `run(listener)` in `tokio::spawn(run(listener))`, `server.start()` in
/// `thread::spawn(move || server.start())`, `serve(l)` in `async move { serve(l).await }`.
///
/// It is the call `classify_task` looks up among the file's own functions. When the function
/// is written in another file, `classify_task` leaves the verdict undecided; a caller that can
/// resolve the call (the semantic tier) reads the function with `classify_function` instead.
pub fn task_call(task: &ast::Expr) -> Option<ast::Expr> {
    match File::of(task.syntax()).read_task(task) {
        Reading::HandsTo(call) => Some(call),
        Reading::Verdict(_) => None,
    }
}

/// Classifies a function's body as the task a spawn hands its run to, one level deep, as
/// `classify_task` reads a function of the task's own file: a call the body hands its run to
/// in turn is not read. The evidence starts with "in `name()`: ", and its lines count from the
/// function's own file (the tree root above `function`).
pub fn classify_function(function: &ast::Fn) -> Lifetime {
    File::of(function.syntax()).function(function)
}

/// What reading a body found: a verdict, or the call it hands its whole run to, which only
/// the caller knows how far to follow.
enum Reading {
    Verdict(Lifetime),
    HandsTo(ast::Expr),
}

/// How far a tree's offsets are from the file's: zero for the file itself; for a `select!` arm
/// read on its own, the distance between the arm's text in the file and in its own tree.
#[derive(Clone, Copy)]
struct Shift(i64);

impl Shift {
    fn file_offset(self, offset: TextSize) -> usize {
        usize::try_from(i64::from(u32::from(offset)) + self.0).unwrap_or(0)
    }
}

/// A way out of a loop: `break`, `return`, or a labelled `continue`.
struct Exit {
    /// Where the search for the loop it leaves starts: the keyword, or the macro call it sits in.
    anchor: SyntaxNode,
    label: Option<String>,
    is_return: bool,
    /// Set when the exit is reached only once a source has ended (`None => break` on
    /// `rx.recv()`): such a loop still runs until shutdown.
    source_ended: Option<String>,
    evidence: String,
}

/// The file a task is written in: where local functions are found and line numbers counted.
struct File {
    root: SyntaxNode,
    /// The root's text, made only when a line number is asked for: most tasks need none.
    text: OnceCell<String>,
    /// The functions of the tree by name, in preorder, made when a task hands its run to a call.
    functions: OnceCell<HashMap<String, Vec<ast::Fn>>>,
}

impl File {
    /// The file whose tree holds `node`.
    fn of(node: &SyntaxNode) -> File {
        File::new(root_of(node))
    }

    fn new(root: SyntaxNode) -> File {
        File { root, text: OnceCell::new(), functions: OnceCell::new() }
    }

    fn classify_task(&self, task: &ast::Expr) -> Lifetime {
        match self.read_task(task) {
            Reading::Verdict(lifetime) => lifetime,
            Reading::HandsTo(call) => self.follow(&call),
        }
    }

    /// The functions of the tree named `name`, in preorder.
    fn functions_named(&self, name: &str) -> &[ast::Fn] {
        let functions = self.functions.get_or_init(|| {
            let mut by_name: HashMap<String, Vec<ast::Fn>> = HashMap::new();
            for function in self.root.descendants().filter_map(ast::Fn::cast) {
                if let Some(found) = function.name() {
                    by_name.entry(found.text().to_string()).or_default().push(function);
                }
            }
            by_name
        });
        functions.get(name).map_or(&[], Vec::as_slice)
    }

    /// Reads the task a spawn starts, seen through the wrappers that do not change how long it runs.
    fn read_task(&self, task: &ast::Expr) -> Reading {
        let mut task = task.clone();
        while let Some(inner) = unwrap_wrapper(&task) {
            task = inner;
        }
        match &task {
            ast::Expr::ClosureExpr(closure) => match closure.body() {
                Some(body) => self.read(body.syntax()),
                None => Reading::Verdict(Lifetime::undecided("a closure without a body".to_string())),
            },
            ast::Expr::BlockExpr(_) | ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_) => {
                self.read(task.syntax())
            }
            ast::Expr::PathExpr(_) => Reading::Verdict(Lifetime::undecided(format!(
                "spawns `{}`, a value whose body corral did not read",
                snippet(&task)
            ))),
            _ => Reading::Verdict(Lifetime::undecided(format!(
                "spawns `{}`, which corral did not read",
                snippet(&task)
            ))),
        }
    }

    /// Reads a body: its loops first, then what it waits for, then the call it hands its run to.
    fn read(&self, body: &SyntaxNode) -> Reading {
        let nodes = own_nodes(body);
        let mut ended_loop = None;
        for node in nodes.iter().filter(|node| is_loop(node)) {
            let verdict = self.classify_loop(node, Shift(0));
            if verdict.kind == LifetimeKind::LongLived {
                return Reading::Verdict(verdict);
            }
            ended_loop.get_or_insert(verdict);
        }
        let mut signal = None;
        for node in nodes.iter().filter(|node| !inside_loop(node, body)) {
            match ast::AwaitExpr::cast(node.clone()).and_then(|wait| wait_of(&wait)) {
                Some(wait) if wait.kind == LifetimeKind::LongLived => return Reading::Verdict(wait),
                Some(wait) => _ = signal.get_or_insert(wait),
                None => {}
            }
            let Some(call) = ast::MacroCall::cast(node.clone()) else { continue };
            let Some(tree) = call.token_tree() else { continue };
            if is_select(&call) {
                // A `select!` outside any loop ends when its first arm does: a shutdown arm bounds it.
                let arms = select_arms(&tree);
                let mut futures =
                    arms.iter().filter_map(|arm| arm.binding.as_ref().map(|(_, future)| future));
                let Some(shutdown) = futures.find(|future| names_signal(future)) else {
                    let evidence = "a `select!` with no shutdown arm, which corral did not read";
                    return Reading::Verdict(Lifetime::undecided(evidence.to_string()));
                };
                let evidence = format!("ends when `{}` fires (select!)", shorten_code(shutdown));
                signal.get_or_insert(Lifetime::ends(evidence));
            } else if tree.syntax().descendants_with_tokens().any(|element| {
                matches!(element.kind(), SyntaxKind::LOOP_KW | SyntaxKind::WHILE_KW | SyntaxKind::FOR_KW)
            }) {
                let name = macro_name(&call).unwrap_or_default();
                let evidence = format!("a loop inside `{name}!`, which corral did not read");
                return Reading::Verdict(Lifetime::undecided(evidence));
            }
        }
        if let Some(wait) = signal {
            return Reading::Verdict(wait);
        }
        match delegate(body) {
            Some(ast::Expr::BlockExpr(block)) => self.read(block.syntax()),
            Some(call) => Reading::HandsTo(call),
            None => Reading::Verdict(ended_loop.unwrap_or_else(|| Lifetime::ends("no loop".to_string()))),
        }
    }

    /// Reads the function of this file that a task hands its run to, one level deep.
    fn follow(&self, call: &ast::Expr) -> Lifetime {
        let Some((name, in_impl)) = callee(call) else { return unread(call) };
        let candidates: Vec<&ast::Fn> = (self.functions_named(&name).iter())
            .filter(|function| {
                let is_associated =
                    function.syntax().parent().is_some_and(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST);
                is_associated == in_impl
            })
            .filter(|function| function.body().is_some())
            .collect();
        match candidates.as_slice() {
            [function] => self.function(function),
            [] => unread(call),
            _ => Lifetime::undecided(format!("calls `{name}`, which this file defines more than once")),
        }
    }

    /// Reads a function's body as the task's: a call it hands its run to is not followed.
    fn function(&self, function: &ast::Fn) -> Lifetime {
        let name = function.name().map(|name| name.text().to_string()).unwrap_or_default();
        let Some(body) = function.body() else {
            return Lifetime::undecided(format!("calls `{name}`, which has no body to read"));
        };
        let lifetime = match self.read(body.syntax()) {
            Reading::Verdict(lifetime) => lifetime,
            Reading::HandsTo(call) => unread(&call),
        };
        lifetime.within(&name)
    }

    /// Whether a loop (`loop`, `while`, `for`) runs until shutdown, and why.
    fn classify_loop(&self, node: &SyntaxNode, shift: Shift) -> Lifetime {
        let exits: Vec<Exit> =
            self.exits_in(node, shift).into_iter().filter(|exit| leaves(exit, node)).collect();
        if let Some(exit) = exits.iter().find(|exit| exit.source_ended.is_none()) {
            return Lifetime::ends(exit.evidence.clone());
        }
        let until_closed =
            |source: String| Lifetime::long_lived(format!("loops on `{source}` until it closes"));
        let ended_source = exits.into_iter().find_map(|exit| exit.source_ended);
        if let Some(each) = ast::WhileExpr::cast(node.clone()) {
            return match each.condition() {
                Some(ast::Expr::LetExpr(binding)) => match binding.expr().and_then(|e| source_of(&e, node)) {
                    Some(source) => until_closed(source),
                    None => Lifetime::ends(format!("loops while `{}` matches", snippet(&binding))),
                },
                Some(condition) if condition.syntax().text() != "true" => {
                    Lifetime::ends(format!("loops while `{}`", snippet(&condition)))
                }
                _ => endless(node, ended_source),
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
        endless(node, ended_source)
    }

    /// Every `break`, `return` and labelled `continue` in a loop, whichever loop each leaves.
    fn exits_in(&self, loop_node: &SyntaxNode, shift: Shift) -> Vec<Exit> {
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
                    exits.extend(self.macro_exits(&node, shift));
                    continue;
                }
                _ => continue,
            };
            let line = self.line(shift.file_offset(node.text_range().start()));
            let evidence = match condition_of(&node, loop_node) {
                Some(condition) => format!("leaves the loop at `{keyword}` when `{condition}` (line {line})"),
                None => format!("leaves the loop at `{keyword}` (line {line})"),
            };
            let source_ended = source_ended_at(&node, loop_node);
            exits.push(Exit { anchor: node, label, is_return: keyword == "return", source_ended, evidence });
        }
        exits
    }

    /// The exits inside a macro call in a loop. Its tokens are read as code on their own: each
    /// `select!` arm as `let PATTERN = (FUTURE).await; HANDLER`, so that `None => break` on
    /// what the arm bound reads as it would in place; any other macro whole, when it holds a
    /// `break` or `return` at all.
    fn macro_exits(&self, node: &SyntaxNode, shift: Shift) -> Vec<Exit> {
        let Some(call) = ast::MacroCall::cast(node.clone()) else { return Vec::new() };
        let Some(tree) = call.token_tree() else { return Vec::new() };
        if !is_select(&call) {
            let exits = (tree.syntax().descendants_with_tokens())
                .any(|token| matches!(token.kind(), SyntaxKind::BREAK_KW | SyntaxKind::RETURN_KW));
            let start = tree.syntax().text_range().start();
            return if exits {
                self.read_alone(node, "", &tree.syntax().to_string(), start, shift)
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
            let signal = arm.binding.as_ref().map(|(_, future)| future).filter(|future| names_signal(future));
            for mut exit in self.read_alone(node, &prefix, &arm.handler, arm.handler_start, shift) {
                if let Some(signal) = signal {
                    exit.source_ended = None;
                    exit.evidence =
                        format!("leaves the loop when `{}` fires (select! arm)", shorten_code(signal));
                } else if arm.binding.is_none() {
                    // `else` runs once every other arm's pattern has failed: the sources have ended.
                    exit.source_ended = first_future.clone();
                }
                exits.push(exit);
            }
        }
        exits
    }

    /// The exits of macro tokens parsed on their own inside a loop, `prefix` first, that leave
    /// that loop, and so the loop around the macro call `call`.
    fn read_alone(
        &self,
        call: &SyntaxNode,
        prefix: &str,
        code: &str,
        start: TextSize,
        shift: Shift,
    ) -> Vec<Exit> {
        let head = format!("fn alone() {{ loop {{ {prefix}");
        let parsed = SourceFile::parse(&format!("{head}{code}\n}} }}"), Edition::Edition2021).tree();
        let Some(alone) = parsed.syntax().descendants().find(|n| n.kind() == SyntaxKind::LOOP_EXPR) else {
            return Vec::new();
        };
        let start = i64::try_from(shift.file_offset(start)).unwrap_or(0);
        let mut exits = self.exits_in(&alone, Shift(start - i64::try_from(head.len()).unwrap_or(0)));
        exits.retain(|exit| leaves(exit, &alone));
        for exit in &mut exits {
            exit.anchor = call.clone();
        }
        exits
    }

    fn line(&self, offset: usize) -> usize {
        self.text
            .get_or_init(|| self.root.to_string())
            .get(..offset)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }
}

/// A loop with no exit of its own: `loop`, or `while true`.
fn endless(node: &SyntaxNode, ended_source: Option<String>) -> Lifetime {
    if let Some(source) = ended_source {
        return Lifetime::long_lived(format!("loops on `{source}` until it closes"));
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

/// The nodes of a body that run as part of it, the body included. The walk does not enter
/// closures, async blocks and items: their code runs elsewhere, or later, or not at all.
fn own_nodes(body: &SyntaxNode) -> Vec<SyntaxNode> {
    let mut nodes = Vec::new();
    let mut walk = body.preorder();
    while let Some(event) = walk.next() {
        let WalkEvent::Enter(node) = event else { continue };
        let runs_elsewhere = node.kind() == SyntaxKind::CLOSURE_EXPR
            || ast::BlockExpr::cast(node.clone()).is_some_and(|block| block.async_token().is_some())
            || (ast::Item::can_cast(node.kind()) && node.kind() != SyntaxKind::MACRO_CALL);
        if runs_elsewhere && node != *body {
            walk.skip_subtree();
        } else {
            nodes.push(node);
        }
    }
    nodes
}

fn is_loop(node: &SyntaxNode) -> bool {
    matches!(node.kind(), SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::FOR_EXPR)
}

/// Whether a node of a body runs inside one of its loops, the body itself included.
fn inside_loop(node: &SyntaxNode, body: &SyntaxNode) -> bool {
    node != body && (is_loop(body) || node.ancestors().skip(1).take_while(|n| n != body).any(|n| is_loop(&n)))
}

/// Whether an exit found inside `loop_node` leaves it: an unlabelled `break` leaves the
/// innermost loop around it, a labelled one the loop or block with its label.
fn leaves(exit: &Exit, loop_node: &SyntaxNode) -> bool {
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
    let continues_this_loop = exit.anchor.kind() == SyntaxKind::CONTINUE_EXPR
        && exit.label.as_deref().is_some_and(|label| labelled(loop_node, label));
    !caught_inside && !continues_this_loop
}

/// The condition of the `if` an exit sits in, for evidence: `if n == 3 { break }`.
fn condition_of(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
    let branch = exit.ancestors().take_while(|n| n != loop_node).find_map(ast::IfExpr::cast)?;
    let inside_then = branch.then_branch()?.syntax().text_range().contains_range(exit.text_range());
    inside_then.then(|| branch.condition().map(|c| snippet(&c))).flatten()
}

/// The source whose end an exit is reached on: the `None`/`Err(_)` arm of a match on
/// `rx.recv().await`, the `else` of `let Some(x) = rx.recv().await` or of `if let`.
fn source_ended_at(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
    for node in exit.ancestors().skip(1).take_while(|n| n != loop_node) {
        if let Some(arm) = ast::MatchArm::cast(node.clone()) {
            let pattern = arm.pat()?.syntax().text().to_string().replace(char::is_whitespace, "");
            let ended = matches!(pattern.as_str(), "None" | "_" | "Ok(None)")
                || pattern.starts_with("Err(")
                || pattern.starts_with("Some(Err(");
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
            let Some(ast::Expr::LetExpr(binding)) = branch.condition() else { return None };
            return in_else.then(|| source_of(&binding.expr()?, loop_node)).flatten();
        }
    }
    None
}

/// The source an expression reads from, quoted: a source call, a receiver by its name
/// (`for job in rx`), or a variable a `let` in `scope` bound to a source call.
fn source_of(expr: &ast::Expr, scope: &SyntaxNode) -> Option<String> {
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
fn source_call(expr: &ast::Expr) -> Option<String> {
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
fn peel_await(mut expr: ast::Expr) -> (ast::Expr, bool) {
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
fn value_name(expr: &ast::Expr) -> Option<String> {
    match peel_await(expr.clone()).0 {
        ast::Expr::PathExpr(path) => Some(path.path()?.segment()?.name_ref()?.text().to_string()),
        ast::Expr::FieldExpr(field) => Some(field.name_ref()?.text().to_string()),
        _ => None,
    }
}

fn names_source(name: &str) -> bool {
    name.to_lowercase().split('_').any(|word| SOURCE_NAME_WORDS.contains(&word))
}

fn names_signal(code: &str) -> bool {
    (code.to_lowercase().split(|c: char| !c.is_ascii_alphanumeric()))
        .any(|word| SIGNAL_WORD_PREFIXES.iter().any(|prefix| word.starts_with(prefix)))
}

/// What an `.await` outside any loop says of the task's lifetime, when it says something:
/// waiting for every receiver to go, or for a signal, or for a cancellation.
fn wait_of(wait: &ast::AwaitExpr) -> Option<Lifetime> {
    let operand = wait.expr()?;
    let code = snippet(&operand);
    let name = match &operand {
        ast::Expr::MethodCallExpr(call) => call.name_ref()?.text().to_string(),
        ast::Expr::CallExpr(_) => callee(&operand)?.0,
        _ => String::new(),
    };
    match name.as_str() {
        "closed" => Some(Lifetime::long_lived(format!("waits on `{code}`, until every receiver is gone"))),
        "pending" => Some(Lifetime::long_lived(format!("awaits `{code}`, which never completes"))),
        "ctrl_c" => Some(Lifetime::long_lived(format!("waits for `{code}`, a process-wide signal"))),
        _ if names_signal(&code) => Some(Lifetime::ends(format!("ends when `{code}` fires"))),
        _ => None,
    }
}

/// The expression a body hands its whole run to: its last statement (after any `let`s), or
/// the body itself, seen through `.await`, `?`, `.unwrap()`, `let _ =`, `if let`, `match`
/// and `block_on(..)`. A constructor such as `Ok(())` hands nothing over.
fn delegate(body: &SyntaxNode) -> Option<ast::Expr> {
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
            (!callee(&expr)?.0.starts_with(char::is_uppercase)).then_some(expr)
        }
        _ => None,
    }
}

/// One step into what an expression hands its run to.
fn handed_to(expr: &ast::Expr) -> Option<ast::Expr> {
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
fn unwrap_wrapper(expr: &ast::Expr) -> Option<ast::Expr> {
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
fn unread(call: &ast::Expr) -> Lifetime {
    match callee(call) {
        Some((name, _)) => Lifetime::undecided(format!("calls `{name}`, whose body corral did not read")),
        None => Lifetime::undecided(format!("calls `{}`, which corral did not read", snippet(call))),
    }
}

/// The name a call calls, and whether it is an associated function or method (found in an
/// `impl`) rather than a free function: `run(x)`, `Self::run(x)`, `self.run()`.
fn callee(call: &ast::Expr) -> Option<(String, bool)> {
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

fn macro_name(call: &ast::MacroCall) -> Option<String> {
    Some(call.path()?.segment()?.name_ref()?.text().to_string())
}

/// Whether a macro races futures in arms (`tokio::select!`, `futures::select!`): a `break` in
/// an arm leaves the loop around the macro.
fn is_select(call: &ast::MacroCall) -> bool {
    macro_name(call).is_some_and(|name| matches!(name.as_str(), "select" | "select_biased"))
}

/// One arm of a `select!`, as written.
struct SelectArm {
    /// The pattern and the future; `None` for the `else` arm.
    binding: Option<(String, String)>,
    handler: String,
    handler_start: TextSize,
}

/// Splits a `select!` body into arms: `[biased;] PATTERN = FUTURE [, if COND] => HANDLER,`.
/// Nested groups are single elements of the token tree, so every token looked at here is at
/// the top level of the macro body.
fn select_arms(tree: &ast::TokenTree) -> Vec<SelectArm> {
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

fn snippet(node: &impl AstNode) -> String {
    shorten_code(&node.syntax().text().to_string())
}

/// Code quoted on one line, cut to `SNIPPET_WIDTH`.
fn shorten_code(code: &str) -> String {
    shorten(&code.split_whitespace().collect::<Vec<_>>().join(" "), SNIPPET_WIDTH)
}

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(3)).collect();
    format!("{}...", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use LifetimeKind::{Ends, LongLived};

    /// The first argument of the first `spawn` call in `source` (its node keeps the tree alive).
    fn spawned(source: &str) -> ast::Expr {
        let file = SourceFile::parse(source, Edition::Edition2021).tree();
        (file.syntax().descendants().filter_map(ast::CallExpr::cast))
            .find(|call| {
                call.expr().is_some_and(|callee| callee.syntax().text().to_string().contains("spawn"))
            })
            .and_then(|call| call.arg_list()?.args().next())
            .expect("the source spawns a task")
    }

    /// Classifies the first argument of the first `spawn` call in `source`, and checks the
    /// verdict and that the evidence says `evidence`.
    fn check(source: &str, kind: LifetimeKind, evidence: &str) -> Lifetime {
        let lifetime = classify_task(&spawned(source));
        assert_eq!(lifetime.kind, kind, "{lifetime:?}");
        assert!(lifetime.evidence.contains(evidence), "{lifetime:?} does not say {evidence:?}");
        lifetime
    }

    /// A file that spawns an async block with `body`.
    fn task(body: &str) -> String {
        format!("fn f() {{ tokio::spawn(async move {{ {body} }}); }}")
    }

    #[test]
    fn accept_loop_without_exit_is_long_lived() {
        let found = check(&task("loop { listener.accept().await.unwrap(); }"), LongLived, "");
        assert_eq!(found.exempt_reason(), "runs until shutdown: loops on listener.accept() with no exit");
        check(&task("loop { let (s, _) = listener.accept().await?; }"), LongLived, "only on error (`?`)");
    }

    #[test]
    fn accept_loop_with_a_cancellation_arm_ends() {
        let cancelled = task(
            "loop { tokio::select! { biased; _ = token.cancelled() => break, \
            accepted = listener.accept() => { handle(accepted); } } }",
        );
        check(&cancelled, Ends, "leaves the loop when `token.cancelled()` fires (select! arm)");
        let shutdown =
            task("loop { tokio::select! { _ = shutdown_rx.recv() => return, Ok(s) = l.accept() => {} } }");
        check(&shutdown, Ends, "when `shutdown_rx.recv()` fires");
    }

    #[test]
    fn select_arms_that_break_only_when_their_source_ends_stay_long_lived() {
        let bound = task(
            "loop { tokio::select! { msg = rx.recv() => match msg { Some(m) => go(m), None => break }, \
            _ = interval.tick() => flush(), } }",
        );
        check(&bound, LongLived, "loops on `rx.recv()` until it closes");
        let otherwise =
            task("loop { futures::select! { m = s.select_next_some() => go(m), else => break, } }");
        check(&otherwise, LongLived, "loops on `s.select_next_some()` until it closes");
        let quit = task("loop {\n tokio::select! { Some(m) = rx.recv() => { if m.is_quit() { break; } } } }");
        check(&quit, Ends, "leaves the loop at `break` when `m.is_quit()` (line 2)");
    }

    #[test]
    fn while_let_over_a_source_is_long_lived_and_a_counted_while_ends() {
        check(
            &task("while let Some(job) = rx.recv().await { run(job); }"),
            LongLived,
            "on `rx.recv()` until it closes",
        );
        for source in
            ["stream.next().await", "listener.accept().await", "rx.changed().await", "interval.next()"]
        {
            check(&task(&format!("while let Ok(x) = {source} {{}}")), LongLived, "until it closes");
        }
        check(&task("while n < 10 { n += 1; }"), Ends, "loops while `n < 10`");
        check(
            &task("while let Some(job) = queue.pop() {}"),
            Ends,
            "while `let Some(job) = queue.pop()` matches",
        );
        check(
            &task("while !token.is_cancelled() { work().await; }"),
            Ends,
            "loops while `!token.is_cancelled()`",
        );
    }

    #[test]
    fn ticker_is_long_lived_unless_it_counts_to_an_end() {
        check(
            &task("loop { interval.tick().await; report(); }"),
            LongLived,
            "loops on `interval.tick()` with no exit",
        );
        let counted = task("loop {\n interval.tick().await;\n if n == 3 { break }\n n += 1;\n }");
        check(&counted, Ends, "leaves the loop at `break` when `n == 3` (line 3)");
    }

    #[test]
    fn waiting_on_a_close_is_long_lived_and_on_a_cancellation_ends() {
        check(&task("tx.closed().await; cleanup();"), LongLived, "waits on `tx.closed()`");
        check(&task("std::future::pending::<()>().await"), LongLived, "never completes");
        check(&task("tokio::signal::ctrl_c().await; stop();"), LongLived, "a process-wide signal");
        check(&task("token.cancelled().await;"), Ends, "ends when `token.cancelled()` fires");
        let select = task("tokio::select! { _ = serve(l) => {}, _ = &mut shutdown => {} }");
        check(&select, Ends, "ends when `&mut shutdown` fires (select!)");
    }

    #[test]
    fn a_local_function_is_read_one_level_deep() {
        let run = "async fn run(l: TcpListener) { loop { l.accept().await; } }\n";
        check(
            &format!("{run}fn f() {{ tokio::spawn(run(l)); }}"),
            LongLived,
            "in `run()`: loops on `l.accept()`",
        );
        let awaited = task("let l = bind().await; if let Err(e) = run(l).await { log(e) }");
        check(&format!("{run}{awaited}"), LongLived, "in `run()`");
        let returns = "async fn run(mut rx: Rx) { loop { if rx.is_empty() { return; } } }\n";
        let spawned = format!("{returns}fn f() {{ tokio::spawn(run(rx)); }}");
        check(&spawned, Ends, "in `run()`: leaves the loop at `return` when `rx.is_empty()`");
        let deeper = "async fn run() { serve().await }\nfn f() { tokio::spawn(run()); }";
        assert!(check(deeper, Ends, "in `run()`: calls `serve`, whose body corral did not read").undecided);
    }

    #[test]
    fn methods_are_found_in_any_impl_of_the_file() {
        let method = "impl S { async fn run(self) { while let Some(c) = self.incoming.next().await {} } \
            fn start(self) { tokio::spawn(self.run()); } }";
        check(method, LongLived, "in `run()`: loops on `self.incoming.next()`");
        let associated = "impl S { fn pump(rx: Receiver<Job>) { for job in rx { job.run(); } } }\n\
            fn f() { std::thread::spawn(move || Self::pump(rx)); }";
        check(associated, LongLived, "in `pump()`: loops on `rx` until it closes");
        let free_not_method = "impl S { fn run(&self) { loop {} } }\nfn f() { tokio::spawn(run()); }";
        assert!(check(free_not_method, Ends, "calls `run`, whose body corral did not read").undecided);
    }

    #[test]
    fn a_labelled_continue_goes_round_its_own_loop_and_leaves_an_inner_one() {
        let own =
            "fn f() { tokio::spawn(async { 'outer: loop { for r in rs { if r { continue 'outer; } } } }); }";
        check(own, LongLived, "a `loop` with no exit");
        let inner = "fn f() { tokio::spawn(async { 'outer: loop { loop { continue 'outer; } } }); }";
        check(inner, LongLived, "with no exit");
        let leaves = "fn f() { tokio::spawn(async { 'a: for x in xs { loop { if x { continue 'a; } } } }); }";
        check(leaves, Ends, "iterates over `xs`");
    }

    #[test]
    fn threads_over_a_receiver_are_long_lived_and_over_a_range_end() {
        check("fn f() { std::thread::spawn(move || for job in rx { job(); }); }", LongLived, "loops on `rx`");
        let incoming = "fn f() { std::thread::spawn(move || { for c in listener.incoming() { go(c); } }); }";
        check(incoming, LongLived, "`listener.incoming()`");
        check("fn f() { std::thread::spawn(move || { for i in 0..10 {} }); }", Ends, "iterates over `0..10`");
        let typed = "fn f(jobs: std::sync::mpsc::Receiver<u32>) { std::thread::spawn(move || for j in jobs { drop(j); }); }";
        check(typed, LongLived, "loops on `jobs` until it closes");
        let untyped = "fn f(jobs: Vec<u32>) { std::thread::spawn(move || for j in jobs { drop(j); }); }";
        check(untyped, Ends, "iterates over `jobs`");
        let runtime = "async fn serve(l: L) { loop { l.accept().await; } }\n\
            fn f() { std::thread::spawn(move || rt.block_on(serve(l))); }";
        check(runtime, LongLived, "in `serve()`");
    }

    #[test]
    fn only_breaks_that_leave_the_loop_count() {
        check(
            &task("'outer: loop { loop { if done() { break 'outer; } } }"),
            Ends,
            "at `break` when `done()`",
        );
        check(&task("loop { 'inner: loop { break 'inner; } }"), LongLived, "a `loop` with no exit");
        check(
            &task("loop { for x in xs { if x { break; } } tick().await; }"),
            LongLived,
            "a `loop` with no exit",
        );
        check(&task("loop { let g = || { return 1; }; g(); }"), LongLived, "a `loop` with no exit");
        check(&task("loop { if stop { return; } }"), Ends, "leaves the loop at `return` when `stop`");
    }

    #[test]
    fn breaks_reached_when_the_source_ends_keep_the_loop_long_lived() {
        let matched = task("loop { match rx.recv().await { Some(j) => run(j), None => break } }");
        check(&matched, LongLived, "loops on `rx.recv()` until it closes");
        let bound = "fn f() { std::thread::spawn(move || loop { let job = rx.recv(); \
            match job { Ok(j) => j(), Err(_) => break } }); }";
        check(bound, LongLived, "loops on `rx.recv()`");
        check(&task("loop { let Some(m) = rx.recv().await else { break }; }"), LongLived, "until it closes");
        let accept = task("loop { match l.accept().await { Ok(s) => go(s), Err(_) => break } }");
        check(&accept, LongLived, "`l.accept()`");
        let quit = task("loop { match rx.recv().await { Some(Quit) => break, _ => {} } }");
        check(&quit, Ends, "leaves the loop at `break`");
    }

    #[test]
    fn what_corral_cannot_read_ends_undecided() {
        let unknown = check(
            "fn f() { tokio::spawn(serve(l)); }",
            Ends,
            "calls `serve`, whose body corral did not read",
        );
        assert!(unknown.undecided);
        assert!(check("fn f() { tokio::spawn(fut.instrument(span)); }", Ends, "spawns `fut`").undecided);
        assert!(
            check(&task("my_loop! { loop { work().await } }"), Ends, "a loop inside `my_loop!`").undecided
        );
        assert!(check(&task("tokio::select! { _ = a() => {} }"), Ends, "no shutdown arm").undecided);
        let decided =
            check("fn f() { tokio::spawn(Box::pin(async move { go(x); Ok(()) })); }", Ends, "no loop");
        assert!(!decided.undecided);
    }

    #[test]
    fn task_call_is_the_call_a_task_hands_its_run_to() {
        let call = |source: &str| task_call(&spawned(source)).map(|call| call.syntax().to_string());
        assert_eq!(call("fn f() { tokio::spawn(server::run(l)); }").as_deref(), Some("server::run(l)"));
        let method = "fn f() { std::thread::spawn(move || Server::new(c).start().unwrap()); }";
        assert_eq!(call(method).as_deref(), Some("Server::new(c).start()"));
        let awaited = "fn f() { tokio::spawn(async move { let l = bind().await; serve(l).await }); }";
        assert_eq!(call(awaited).as_deref(), Some("serve(l)"));
        assert_eq!(call("fn f() { tokio::spawn(run(l).instrument(span)); }").as_deref(), Some("run(l)"));
        // A task read to a verdict of its own hands its run to no call.
        assert_eq!(call("fn f() { tokio::spawn(async move { loop { l.accept().await; } }); }"), None);
        assert_eq!(call("fn f() { tokio::spawn(fut); }"), None);
    }

    #[test]
    fn a_function_is_classified_as_the_task_one_level_deep() {
        let classify = |source: &str| {
            let file = SourceFile::parse(source, Edition::Edition2021).tree();
            let function = file.syntax().descendants().find_map(ast::Fn::cast).expect("a function");
            classify_function(&function)
        };
        let accept = classify("pub async fn run(l: TcpListener) { loop { l.accept().await; } }");
        assert_eq!((accept.kind, accept.undecided), (LongLived, false));
        assert_eq!(accept.evidence, "in `run()`: loops on `l.accept()` with no exit");
        let method = classify(
            "impl S {\n fn start(&self) {\n for job in self.rx.iter() {\n if job.last() { return; }\n } } }",
        );
        assert_eq!(method.kind, Ends);
        assert_eq!(method.evidence, "in `start()`: leaves the loop at `return` when `job.last()` (line 4)");
        let deeper = classify("async fn run() { serve().await }\nasync fn serve() { loop {} }");
        assert!(deeper.undecided, "{deeper:?}");
        assert_eq!(deeper.evidence, "in `run()`: calls `serve`, whose body corral did not read");
    }

    #[test]
    fn exempt_reason_is_one_short_line_without_backticks() {
        let reason =
            Lifetime::long_lived(format!("loops on `{}` with no exit", "x".repeat(200))).exempt_reason();
        assert!(reason.len() <= REASON_WIDTH && !reason.contains('`') && reason.ends_with("..."), "{reason}");
        assert_eq!(Lifetime::undecided("calls `run`".to_string()).exempt_reason(), "calls run");
    }
}
