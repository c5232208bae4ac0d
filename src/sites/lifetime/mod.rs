//! How long the task a spawn starts runs: until its work is done, or as long as the process.
//!
//! A `TaskTracker`'s `wait()`, and so corral's generated `drain()`, returns only when every
//! tracked task has ended. A task that never ends by itself in the tracker makes every drain
//! hang, so corral exempts such tasks instead of tracking them. The rule is DESIGN.md's: a task
//! is long-lived unless it ends after bounded work or leaves on an explicit shutdown or
//! cancellation signal it watches; lifecycle-scoped tasks (a channel, stream or connection
//! closing, a send failing, peers going away) and tasks that wait for a process signal are
//! long-lived.
//!
//! This module reads the task's body as written and follows the calls it hands its run to,
//! up to `MAX_HOPS` deep: the functions of each call's own file, and, given a resolver (the
//! semantic tier's), any function of the workspace. It says which kind of task it is with the
//! evidence a reviewer checks; when it cannot tell, it says `Ends` and marks the verdict
//! undecided rather than guess. `loops` reads loops and their exits, `code` the expressions,
//! `catalogue` holds what is known of calls corral does not read.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use ra_ap_syntax::{
    AstNode, Edition, SourceFile, SyntaxKind, SyntaxNode, TextSize, ast, ast::HasArgList, ast::HasName,
};

mod catalogue;
mod code;
mod loops;

use catalogue::{CONNECTION_DRIVERS, LOGGING_MACROS, Runs, SEND_METHODS, TIMER_CALLS, long_running};
use code::*;
use loops::*;

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

/// How many calls deep a task's run is followed.
const MAX_HOPS: usize = 4;

/// Finds the function a call names, so that a task's run is followed into it: the semantic
/// tier resolves the call across the workspace; `None` leaves it to the call's own file.
pub type Resolve<'r> = &'r dyn Fn(&ast::Expr) -> Option<ast::Fn>;

/// Classifies the task a spawn starts.
///
/// `task` is the spawned task expression as written: an `async {}`/`async move {}` block, a
/// closure (`move || { .. }`, for spawn_blocking and threads), a call `run(listener)` /
/// `self.run()` / `Self::run(x)`, `fut.instrument(span)` or `Box::pin(..)` wrappers, or a
/// path/variable. Functions it hands its run to are looked up in the same file (the tree
/// root is reached through `task.syntax().ancestors()`) and followed up to `MAX_HOPS` calls
/// deep. Lines in evidence count from the root of the tree they are in.
pub fn classify_task(task: &ast::Expr) -> Lifetime {
    TaskReader::default().classify(task)
}

/// Classifies the tasks of many spawns, as `classify_task` does one: the file (or macro
/// fragment) they are written in is indexed once, not once per spawn, so that a file of a
/// thousand spawns is not searched a thousand times for the functions they hand their run to.
#[derive(Default)]
pub struct TaskReader {
    files: RefCell<HashMap<SyntaxNode, Rc<File>>>,
    /// Calls the configuration names as running until shutdown (`long-lived-calls`).
    configured: Vec<String>,
}

impl TaskReader {
    /// A reader that also knows the configured long-running calls.
    pub fn with_calls(configured: &[String]) -> TaskReader {
        TaskReader { files: RefCell::default(), configured: configured.to_vec() }
    }

    pub fn classify(&mut self, task: &ast::Expr) -> Lifetime {
        self.classify_with(task, None)
    }

    /// Classifies a task, following its run through the functions `resolve` finds (and
    /// those of each call's own file).
    pub fn classify_with(&self, task: &ast::Expr, resolve: Option<Resolve>) -> Lifetime {
        let reader = Follow::new(self, resolve);
        match self.file(task.syntax()).read_task(task, &reader) {
            Reading::Verdict(lifetime) => lifetime,
            Reading::HandsTo(call) => reader.follow(&call),
        }
    }

    fn file(&self, node: &SyntaxNode) -> Rc<File> {
        let root = root_of(node);
        let mut files = self.files.borrow_mut();
        files.entry(root.clone()).or_insert_with(|| Rc::new(File::new(root))).clone()
    }
}

/// One reading: the reader's files, what resolves calls beyond them, and the functions
/// the reading is inside of (the last one deepest).
struct Follow<'r> {
    reader: &'r TaskReader,
    resolve: Option<Resolve<'r>>,
    inside: RefCell<Vec<ast::Fn>>,
}

impl<'r> Follow<'r> {
    fn new(reader: &'r TaskReader, resolve: Option<Resolve<'r>>) -> Follow<'r> {
        Follow { reader, resolve, inside: RefCell::default() }
    }

    /// The function a call names: resolved, or one of the call's own file.
    fn function_of(&self, call: &ast::Expr) -> Result<ast::Fn, Lifetime> {
        self.function_in(call, &self.reader.file(call.syntax()))
    }

    /// As `function_of`, looking among the functions of `file` when the resolver finds none:
    /// the file a `select!` arm or a macro's arguments, parsed on their own, are written in.
    fn function_in(&self, call: &ast::Expr, file: &File) -> Result<ast::Fn, Lifetime> {
        match self.resolve.and_then(|resolve| resolve(call)) {
            Some(function) => Ok(function),
            None => file.function_named(call),
        }
    }

    /// Follows the call a body hands its run to: into the function it names (resolved, or
    /// one of the call's own file), else what the catalogue knows of it, else undecided.
    fn follow(&self, call: &ast::Expr) -> Lifetime {
        if let Some(never) = never_completes(call) {
            return never;
        }
        // The arguments run first: `log_err_if_any("web", actix::init(..))` runs the server
        // before it logs.
        for argument in call_arguments(call) {
            let (mut argument, _) = peel_await(argument);
            // `log_err_if_any("gRPC", { tonic::init(..) })`: a block runs its tail there too.
            if let ast::Expr::BlockExpr(block) = &argument
                && block.async_token().is_none()
                && let Some(tail) = block.tail_expr()
            {
                argument = peel_await(tail).0;
            }
            if matches!(argument, ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_))
                && let Some(lasting) = self.lasting_call(&argument)
            {
                return lasting;
            }
        }
        match self.function_of(call) {
            Ok(function) if self.inside.borrow().contains(&function) => {
                Lifetime::undecided(format!("calls `{}` again, recursively", callee_name(call)))
            }
            Ok(_) if self.inside.borrow().len() >= MAX_HOPS => Lifetime::undecided(format!(
                "calls `{}`, deeper than the {MAX_HOPS} calls corral follows",
                callee_name(call)
            )),
            Ok(function) => self.function(&function),
            Err(unread) => self.known_call(call).unwrap_or(unread),
        }
    }

    /// Reads a function's body as the task's, following a call it hands its run to in turn.
    fn function(&self, function: &ast::Fn) -> Lifetime {
        let name = function.name().map(|name| name.text().to_string()).unwrap_or_default();
        if function.ret_type().and_then(|r| r.ty()).is_some_and(|ty| matches!(ty, ast::Type::NeverType(_))) {
            return Lifetime::long_lived("never returns (`-> !`)".to_string()).within(&name);
        }
        let Some(body) = function.body() else {
            return Lifetime::undecided(format!("calls `{name}`, which has no body to read"));
        };
        // A function that is not `async` but returns a future (`fn run(self) -> Task`) runs
        // nothing of its body in the task: the future it returns is the task.
        let returned = function.ret_type().and_then(|r| r.ty()).map(|ty| ty.syntax().to_string());
        let returns_future = function.async_token().is_none()
            && returned
                .is_some_and(|ty| ["Future", "Task", "Pin<", "Fut"].iter().any(|word| ty.contains(word)));
        if returns_future {
            return self.returned_future(&body, &name);
        }
        self.inside.borrow_mut().push(function.clone());
        let lifetime = match self.reader.file(function.syntax()).read(body.syntax(), self) {
            Reading::Verdict(lifetime) => lifetime,
            Reading::HandsTo(call) => self.follow(&call),
        };
        self.inside.borrow_mut().pop();
        lifetime.within(&name)
    }

    /// The task a function that returns a future hands back: the async block it ends on,
    /// the call that builds it, or undecided.
    fn returned_future(&self, body: &ast::BlockExpr, name: &str) -> Lifetime {
        let tail = body.tail_expr().map(|tail| {
            let mut tail = peel_await(tail).0;
            while let Some(inner) = unwrap_wrapper(&tail) {
                tail = inner;
            }
            tail
        });
        let lifetime = match tail {
            Some(ast::Expr::BlockExpr(block)) if block.async_token().is_some() => {
                match self.reader.file(block.syntax()).read(block.syntax(), self) {
                    Reading::Verdict(lifetime) => lifetime,
                    Reading::HandsTo(call) => self.follow(&call),
                }
            }
            Some(call @ (ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_))) => self.follow(&call),
            Some(other) => {
                Lifetime::undecided(format!("returns `{}`, a future corral did not read", snippet(&other)))
            }
            None => Lifetime::undecided("returns a future corral did not read".to_string()),
        };
        lifetime.within(name)
    }

    /// A call awaited along the way (not the one the body ends on) that runs as long as
    /// the task can: a function of the workspace read to a long-lived verdict.
    fn lasting_call(&self, call: &ast::Expr) -> Option<Lifetime> {
        self.lasting_function(&self.function_of(call).ok()?)
    }

    /// A function read to a decided long-lived verdict, unless reading it would recurse or go
    /// deeper than `MAX_HOPS`.
    fn lasting_function(&self, function: &ast::Fn) -> Option<Lifetime> {
        if self.inside.borrow().len() >= MAX_HOPS || self.inside.borrow().contains(function) {
            return None;
        }
        Some(self.function(function)).filter(|l| l.kind == LifetimeKind::LongLived && !l.undecided)
    }

    /// What the catalogue of long-running calls says of a call corral cannot read.
    fn known_call(&self, call: &ast::Expr) -> Option<Lifetime> {
        let path = call_path(call)?;
        let configured = (self.reader.configured.iter()).any(|name| {
            path == *name || name.ends_with(&format!("::{path}")) || path.ends_with(&format!("::{name}"))
        });
        if configured {
            return Some(Lifetime::long_lived(format!(
                "runs `{path}`, which the configuration names as long-running"
            )));
        }
        // actix's `HttpServer::run()`: a method too common to know by its name alone.
        if let ast::Expr::MethodCallExpr(method) = call
            && path == "run"
            && method
                .receiver()
                .and_then(|r| value_name(&r))
                .is_some_and(|name| name.to_lowercase().contains("server"))
        {
            return Some(Lifetime::long_lived(format!(
                "runs a server: `{}`",
                shorten_code(&call.syntax().to_string())
            )));
        }
        let entry = long_running(&path, matches!(call, ast::Expr::MethodCallExpr(_)))?;
        let quoted = shorten_code(&call.syntax().to_string());
        if let Some(signal) = entry.signal_argument.and_then(|n| call_arguments(call).into_iter().nth(n - 1))
        {
            let code = snippet(&signal);
            return Some(match self.signal_kind(&signal, &self.reader.file(call.syntax())) {
                Some(Signal::Explicit) => Lifetime::ends(format!("`{quoted}` stops when `{code}` fires")),
                Some(Signal::Process) => {
                    Lifetime::long_lived(format!("`{quoted}` runs until a process signal (`{code}`)"))
                }
                _ => Lifetime::undecided(format!("`{quoted}` stops on `{code}`, which corral did not read")),
            });
        }
        // `items.iter().for_each(..)` walks a collection, not a stream.
        let over_collection = call.syntax().to_string().contains(".iter()")
            || call.syntax().to_string().contains(".into_iter()")
            || call.syntax().to_string().contains(".iter_mut()");
        Some(Lifetime::long_lived(match entry.runs {
            Runs::Connection => format!("per-connection work: `{quoted}` runs until the connection closes"),
            Runs::Server => format!("runs a server: `{quoted}`"),
            Runs::Stream if over_collection => return None,
            Runs::Stream => format!("drains a stream until it ends: `{quoted}`"),
        }))
    }

    /// What kind of signal a future written in `file` is, reading a function it calls
    /// (`shutdown_signal()` that awaits `ctrl_c()`).
    fn signal_kind(&self, future: &ast::Expr, file: &File) -> Option<Signal> {
        // A block that waits for a signal stands for it: `async { wait_stop_signal().await; }`.
        if let (ast::Expr::BlockExpr(block), _) = peel_await(future.clone()) {
            return (own_nodes(block.syntax()).into_iter().filter_map(ast::AwaitExpr::cast))
                .filter_map(|wait| wait.expr())
                .find_map(|awaited| self.signal_kind(&awaited, file));
        }
        let kind = signal_of(&signal_text(future)?)?;
        let called = Some(peel_await(future.clone()).0)
            .filter(|call| matches!(call, ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_)));
        // A function named for shutdown may wait for a process signal inside.
        let body = called.and_then(|call| self.function_in(&call, file).ok());
        match body.and_then(|f| f.body()).map(|b| signal_of(&b.syntax().to_string())) {
            Some(Some(Signal::Process)) => Some(Signal::Process),
            _ => Some(kind),
        }
    }
}

/// What a future that a task watches stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    /// A shutdown or cancellation the service fires: draining works once it does.
    Explicit,
    /// A signal of the process (`ctrl_c()`, SIGTERM): the drain cannot fire it.
    Process,
    /// Something closing (`tx.closed()`): the task lives as long as what it watches.
    Closing,
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
    /// A labelled `continue`, which goes round the loop of its label again: kept apart from
    /// the anchor, which is the macro call for an exit inside one.
    is_continue: bool,
    /// Set when the exit is reached only once what the loop serves is gone (`None => break`
    /// on `rx.recv()`, a failed send, a process signal): such a loop is long-lived, and this
    /// says why.
    lasts: Option<String>,
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
    fn new(root: SyntaxNode) -> File {
        File { root, text: OnceCell::new(), functions: OnceCell::new() }
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

    /// The one function of this file a call names, or the undecided verdict on the call.
    fn function_named(&self, call: &ast::Expr) -> Result<ast::Fn, Lifetime> {
        let Some((name, in_impl)) = callee(call) else { return Err(unread(call)) };
        let candidates: Vec<&ast::Fn> = (self.functions_named(&name).iter())
            .filter(|function| {
                let is_associated =
                    function.syntax().parent().is_some_and(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST);
                is_associated == in_impl
            })
            .filter(|function| function.body().is_some())
            .collect();
        match candidates.as_slice() {
            [function] => Ok((*function).clone()),
            [] => Err(unread(call)),
            many => match receiver_type(call) {
                // Several impls define the method: the receiver's type as written picks one.
                Some(ty) => {
                    let mut of_type =
                        many.iter().filter(|function| impl_type(function).as_deref() == Some(&ty));
                    match (of_type.next(), of_type.next()) {
                        (Some(function), None) => Ok((*function).clone()),
                        _ => Err(Lifetime::undecided(format!(
                            "calls `{name}`, which this file defines more than once"
                        ))),
                    }
                }
                None => Err(Lifetime::undecided(format!(
                    "calls `{name}`, which this file defines more than once"
                ))),
            },
        }
    }

    /// Reads the task a spawn starts, seen through the wrappers that do not change how long it runs.
    fn read_task(&self, task: &ast::Expr, cx: &Follow) -> Reading {
        let mut task = task.clone();
        while let Some(inner) = unwrap_wrapper(&task) {
            task = inner;
        }
        match &task {
            ast::Expr::ClosureExpr(closure) => match closure.body() {
                Some(body) => self.read(body.syntax(), cx),
                None => Reading::Verdict(Lifetime::undecided("a closure without a body".to_string())),
            },
            ast::Expr::BlockExpr(_) | ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_) => {
                self.read(task.syntax(), cx)
            }
            _ if drives_a_connection(&task) => Reading::Verdict(Lifetime::long_lived(format!(
                "drives a connection: `{}` is its dispatch or driver",
                snippet(&task)
            ))),
            ast::Expr::PathExpr(_) => self.read_value(&task, cx),
            _ => Reading::Verdict(Lifetime::undecided(format!(
                "spawns `{}`, which corral did not read",
                snippet(&task)
            ))),
        }
    }

    /// A task passed as a value: read through the `let` of its function that binds it, a
    /// connection driver that a handshake returned, or undecided.
    fn read_value(&self, task: &ast::Expr, cx: &Follow) -> Reading {
        let undecided = || {
            Reading::Verdict(Lifetime::undecided(format!(
                "spawns `{}`, a value whose body corral did not read",
                snippet(task)
            )))
        };
        let Some(name) = value_name(task) else { return undecided() };
        let binding = let_binding(task.syntax(), &name)
            .and_then(|statement| Some((statement.pat()?, statement.initializer()?)));
        let Some((pattern, value)) = binding else { return undecided() };
        let (mut inner, _) = peel_await(value.clone());
        while let Some(unwrapped) = unwrap_wrapper(&inner) {
            inner = peel_await(unwrapped).0;
        }
        let driver = call_path(&inner)
            .filter(|path| CONNECTION_DRIVERS.contains(&path.rsplit("::").next().unwrap_or(path)));
        match (&pattern, driver) {
            (ast::Pat::IdentPat(_), None) => self.read_task(&value, cx),
            (_, Some(path)) => Reading::Verdict(Lifetime::long_lived(format!(
                "drives the connection `{path}(..)` returned (`{name}`), until it closes"
            ))),
            _ => undecided(),
        }
    }

    /// Reads a body: its loops first, then what it waits for, then the call it hands its run to.
    fn read(&self, body: &SyntaxNode, cx: &Follow) -> Reading {
        let nodes = own_nodes(body);
        let mut ended_loop = None;
        for node in nodes.iter().filter(|node| is_loop(node)) {
            let verdict = self.classify_loop(node, Shift(0), cx);
            if verdict.kind == LifetimeKind::LongLived {
                return Reading::Verdict(verdict);
            }
            ended_loop.get_or_insert(verdict);
        }
        let mut signal = None;
        let handed = delegate(body);
        let sync = runs_synchronously(body);
        for node in nodes.iter().filter(|node| !inside_loop(node, body)) {
            let wait = ast::AwaitExpr::cast(node.clone());
            match wait.as_ref().and_then(|wait| self.wait_of(wait, cx)) {
                Some(wait) if wait.kind == LifetimeKind::LongLived => return Reading::Verdict(wait),
                Some(wait) => _ = signal.get_or_insert(wait),
                None => {}
            }
            // A call awaited along the way, not the one the body hands its run to, may
            // itself run as long as the task can (`init().await; publish_updates().await`
            // inside an `if`).
            if let Some(operand) = wait.and_then(|wait| wait.expr()).map(|e| peel_await(e).0)
                && matches!(operand, ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_))
                && handed.as_ref().is_none_or(|h| h.syntax() != operand.syntax())
                && let Some(lasting) = cx.lasting_call(&operand)
            {
                return Reading::Verdict(lasting);
            }
            // In a thread's closure or a plain function, a call made along the way runs
            // there and then (`let e = self.run(0); error!(..)`).
            if sync
                && let Some(call) = statement_call(node)
                && handed.as_ref().is_none_or(|h| h.syntax() != call.syntax())
                && let Some(lasting) = cx.lasting_call(&call)
            {
                return Reading::Verdict(lasting);
            }
            // `runtime.block_on(async { .. })` in a thread runs the future there and then.
            if let Some(future) = blocked_on(node) {
                let lifetime = match &future {
                    ast::Expr::BlockExpr(block) => match self.read(block.syntax(), cx) {
                        Reading::Verdict(lifetime) => Some(lifetime),
                        Reading::HandsTo(call) => Some(cx.follow(&call)),
                    },
                    call @ (ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_)) => cx.lasting_call(call),
                    _ => None,
                };
                if let Some(lifetime) = lifetime.filter(|l| l.kind == LifetimeKind::LongLived) {
                    return Reading::Verdict(lifetime);
                }
            }
            let Some(call) = ast::MacroCall::cast(node.clone()) else { continue };
            let Some(tree) = call.token_tree() else { continue };
            if let Some(lasting) = self.logged_call(&call, &tree, cx) {
                return Reading::Verdict(lasting);
            }
            if is_select(&call) {
                match self.select_once(&call, &tree, cx) {
                    Some(lifetime) if lifetime.kind == LifetimeKind::LongLived => {
                        return Reading::Verdict(lifetime);
                    }
                    Some(lifetime) => _ = signal.get_or_insert(lifetime),
                    None => {
                        let evidence = "a `select!` with no shutdown arm, which corral did not read";
                        return Reading::Verdict(Lifetime::undecided(evidence.to_string()));
                    }
                }
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
        // A thread that joins the threads it starts lives as long as the longest of them
        // (`Broker::start` starting server threads, then `handle.join()` on each).
        if sync && let Some(joined) = self.joined_thread(body, cx) {
            return Reading::Verdict(joined);
        }
        // A body that ends on a `match` runs one of its arms: one that is long-lived makes
        // the task so (`match self { Self::Certify(c) => c.run().await, .. }`).
        if let Some(choice) = tail_match(body) {
            for arm in choice.match_arm_list().into_iter().flat_map(|list| list.arms()) {
                let Some(expr) = arm.expr() else { continue };
                let lifetime = match self.read(expr.syntax(), cx) {
                    Reading::Verdict(lifetime) => lifetime,
                    Reading::HandsTo(call) => cx.follow(&call),
                };
                if lifetime.kind == LifetimeKind::LongLived {
                    return Reading::Verdict(lifetime);
                }
            }
        }
        match handed {
            Some(ast::Expr::BlockExpr(block)) => self.read(block.syntax(), cx),
            Some(call) => Reading::HandsTo(call),
            None => Reading::Verdict(ended_loop.unwrap_or_else(|| Lifetime::ends("no loop".to_string()))),
        }
    }

    /// A call of this file made inside the arguments of a logging or printing macro
    /// (`error!("done: {:?}", self.accept())`), which runs there and then, read when it is
    /// long-lived. The macro's tokens are parsed on their own, so only this file's functions
    /// are looked up (the resolver knows nothing of that tree).
    fn logged_call(&self, call: &ast::MacroCall, tree: &ast::TokenTree, cx: &Follow) -> Option<Lifetime> {
        let name = macro_name(call)?;
        if !LOGGING_MACROS.contains(&name.as_str()) {
            return None;
        }
        let inner = tree.syntax().to_string();
        let arguments = inner.get(1..inner.len().saturating_sub(1))?;
        let parsed =
            SourceFile::parse(&format!("fn logged() {{ log({arguments}); }}"), Edition::Edition2021).tree();
        let log = parsed.syntax().descendants().find_map(ast::CallExpr::cast)?;
        for argument in log.arg_list()?.args() {
            let argument = peel_await(argument).0;
            if !matches!(argument, ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_)) {
                continue;
            }
            if let Some(lasting) = self.function_named(&argument).ok().and_then(|f| cx.lasting_function(&f)) {
                return Some(lasting);
            }
        }
        None
    }

    /// The first long-lived thread a body starts and then joins (`.join()` with no
    /// argument somewhere in it): the body waits for it, so it lasts as long.
    fn joined_thread(&self, body: &SyntaxNode, cx: &Follow) -> Option<Lifetime> {
        let calls: Vec<ast::MethodCallExpr> =
            body.descendants().filter_map(ast::MethodCallExpr::cast).collect();
        let joins = calls.iter().any(|call| {
            call.name_ref().is_some_and(|n| n.text() == "join")
                && call.arg_list().is_some_and(|a| a.args().next().is_none())
        });
        if !joins {
            return None;
        }
        let spawned = (body.descendants().filter_map(ast::Expr::cast))
            .filter(|call| callee(call).is_some_and(|(name, _)| name == "spawn"))
            .filter_map(|call| call_arguments(&call).into_iter().next())
            .filter_map(|task| match task {
                ast::Expr::ClosureExpr(closure) => closure.body(),
                _ => None,
            });
        for thread in spawned {
            let lifetime = match self.read(thread.syntax(), cx) {
                Reading::Verdict(lifetime) => lifetime,
                Reading::HandsTo(call) => cx.follow(&call),
            };
            if lifetime.kind == LifetimeKind::LongLived {
                return Some(Lifetime::long_lived(format!(
                    "joins the threads it starts; one {}",
                    lifetime.evidence
                )));
            }
        }
        None
    }

    /// A `select!` outside any loop ends when its first arm does: an explicit signal or a
    /// timer bounds it; arms that all run as long as something else (a connection, a
    /// channel, the process) make it long-lived; `None` when an arm is beyond reading.
    fn select_once(&self, call: &ast::MacroCall, tree: &ast::TokenTree, cx: &Follow) -> Option<Lifetime> {
        let alone = Follow::new(cx.reader, None);
        let futures: Vec<String> =
            select_arms(tree).into_iter().filter_map(|arm| arm.binding.map(|(_, future)| future)).collect();
        // Each arm's reading: `Some(evidence)` for one that lasts, `None` for one beyond reading.
        let mut long_lived: Vec<Option<String>> = Vec::new();
        for future in &futures {
            match self.arm_signal(future, call.syntax(), cx) {
                Some(Signal::Explicit) => {
                    return Some(Lifetime::ends(format!(
                        "ends when `{}` fires (select!)",
                        shorten_code(future)
                    )));
                }
                Some(Signal::Process) => {
                    long_lived.push(Some(format!("a process signal (`{}`)", shorten_code(future))));
                    continue;
                }
                Some(Signal::Closing) => {
                    long_lived.push(Some(format!("`{}` (its peers going away)", shorten_code(future))));
                    continue;
                }
                None => {}
            }
            let Some(expr) = parse_future(future) else {
                long_lived.push(None);
                continue;
            };
            let name = call_path(&expr).map(|p| p.rsplit("::").next().unwrap_or(&p).to_string());
            if name.as_deref().is_some_and(|n| TIMER_CALLS.contains(&n)) {
                return Some(Lifetime::ends(format!(
                    "ends when `{}` elapses (select!)",
                    shorten_code(future)
                )));
            }
            let lasting = source_call(&expr)
                .map(|source| format!("`{source}` (until it closes)"))
                .or_else(|| never_completes(&expr).map(|_| format!("`{}`", shorten_code(future))))
                .or_else(|| {
                    alone.known_call(&expr).filter(|l| l.kind == LifetimeKind::LongLived).map(|l| l.evidence)
                });
            long_lived.push(lasting);
        }
        let lasting: Vec<String> = long_lived.into_iter().collect::<Option<_>>()?;
        (!lasting.is_empty()).then(|| {
            Lifetime::long_lived(format!("a `select!` whose every arm lasts: {}", lasting.join(", ")))
        })
    }

    /// What an `.await` outside any loop says of the task's lifetime, when it says something:
    /// waiting for every receiver to go, for a signal, for a cancellation, or for a call that
    /// runs as long as a connection or the process.
    fn wait_of(&self, wait: &ast::AwaitExpr, cx: &Follow) -> Option<Lifetime> {
        let operand = wait.expr()?;
        let code = snippet(&operand);
        let name = match &operand {
            ast::Expr::MethodCallExpr(call) => call.name_ref()?.text().to_string(),
            ast::Expr::CallExpr(_) => callee(&operand)?.0,
            _ => String::new(),
        };
        if drives_a_connection(&operand) {
            return Some(Lifetime::long_lived(format!("awaits `{code}`, a connection's dispatch or driver")));
        }
        match name.as_str() {
            "closed" => {
                return Some(Lifetime::long_lived(format!(
                    "waits on `{code}`, until every receiver is gone"
                )));
            }
            "pending" => {
                return Some(Lifetime::long_lived(format!("awaits `{code}`, which never completes")));
            }
            _ => {}
        }
        // A well-known long-running call awaited along the way (`copy_bidirectional(..)`,
        // then logging), unless the workspace defines a function of that name to read.
        let own = self.function_named(&operand).is_ok() || cx.resolve.and_then(|r| r(&operand)).is_some();
        if let Some(known) = (!own).then(|| cx.known_call(&operand)).flatten() {
            return Some(known);
        }
        match self.signal_in(&operand, wait.syntax(), cx) {
            Some(Signal::Process) => {
                Some(Lifetime::long_lived(format!("waits for `{code}`, a process-wide signal")))
            }
            Some(Signal::Explicit) => Some(Lifetime::ends(format!("ends when `{code}` fires"))),
            _ => None,
        }
    }

    /// What kind of signal a future of a `select!` arm is (its tokens, `future`, parsed on
    /// their own; `at` the macro call), without the resolver: a node of a tree of its own is
    /// nothing the semantic tier knows.
    fn arm_signal(&self, future: &str, at: &SyntaxNode, cx: &Follow) -> Option<Signal> {
        let alone = Follow::new(cx.reader, None);
        self.signal_in(&parse_future(future)?, at, &alone)
    }

    /// What kind of signal a future written at `at` is: by its own words, by the function it
    /// calls (`shutdown_signal()` that awaits `ctrl_c()`), or by the `let` of the function
    /// that bound its receiver (`let mut term = signal(SignalKind::terminate())?;` then
    /// `term.recv()`).
    fn signal_in(&self, future: &ast::Expr, at: &SyntaxNode, cx: &Follow) -> Option<Signal> {
        if let Some(kind) = cx.signal_kind(future, self) {
            return Some(kind);
        }
        let (ast::Expr::MethodCallExpr(call), _) = peel_await(future.clone()) else { return None };
        let name = value_name(&call.receiver()?)?;
        let value = let_binding(at, &name)?.initializer()?;
        cx.signal_kind(&value, self)
    }
}

#[cfg(test)]
mod tests;
