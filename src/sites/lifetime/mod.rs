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

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use ra_ap_syntax::{
    AstNode, Edition, SourceFile, SyntaxElement, SyntaxKind, SyntaxNode, TextSize, WalkEvent, ast,
    ast::HasArgList, ast::HasName,
};

mod catalogue;

use catalogue::{
    CONNECTION_DRIVER_WORDS, CONNECTION_DRIVERS, ENDING_CALLS, LOGGING_MACROS, NEVER_CALLS,
    PROCESS_SIGNAL_WORDS, Runs, SEND_METHODS, SIGNAL_WORD_PREFIXES, SOURCE_METHODS, SOURCE_NAME_WORDS,
    SOURCE_TYPE_WORDS, TIMER_CALLS, WRAPPER_METHODS, long_running,
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
        match self.resolve.and_then(|resolve| resolve(call)) {
            Some(function) => Ok(function),
            None => self.reader.file(call.syntax()).function_named(call),
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
        if self.inside.borrow().len() >= MAX_HOPS {
            return None;
        }
        let function = self.function_of(call).ok()?;
        if self.inside.borrow().contains(&function) {
            return None;
        }
        Some(self.function(&function)).filter(|l| l.kind == LifetimeKind::LongLived && !l.undecided)
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
        let body = called.and_then(|call| match self.resolve.and_then(|resolve| resolve(&call)) {
            Some(function) => Some(function),
            None => file.function_named(&call).ok(),
        });
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

/// The words of a future that can name a signal: its paths, receivers, methods and
/// arguments, but not the code of a block or closure it holds (an `async move { .. }`
/// that mentions `shutdown` somewhere is no shutdown signal).
fn signal_text(expr: &ast::Expr) -> Option<String> {
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
fn parse_future(future: &str) -> Option<ast::Expr> {
    let parsed = SourceFile::parse(&format!("fn arm() {{ ({future}).await; }}"), Edition::Edition2021).tree();
    let awaited = parsed.syntax().descendants().find_map(ast::AwaitExpr::cast)?.expr()?;
    Some(peel_await(awaited).0)
}

/// The kind of signal code waits for, if it names one.
fn signal_of(code: &str) -> Option<Signal> {
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
fn root_of(node: &SyntaxNode) -> SyntaxNode {
    node.ancestors().last().unwrap_or_else(|| node.clone())
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
        let Some(function) = task.syntax().ancestors().find_map(ast::Fn::cast) else { return undecided() };
        let at = task.syntax().text_range().start();
        let binding = (function.syntax().descendants().filter_map(ast::LetStmt::cast))
            .filter(|statement| statement.syntax().text_range().end() <= at)
            .filter_map(|statement| Some((statement.pat()?, statement.initializer()?)))
            .filter(|(pattern, _)| binds(pattern, &name))
            .last();
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
            let Ok(function) = self.function_named(&argument) else { continue };
            if cx.inside.borrow().contains(&function) || cx.inside.borrow().len() >= MAX_HOPS {
                continue;
            }
            let lifetime = cx.function(&function);
            if lifetime.kind == LifetimeKind::LongLived && !lifetime.undecided {
                return Some(lifetime);
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
        let function = at.ancestors().find_map(ast::Fn::cast)?;
        let value = (function.syntax().descendants().filter_map(ast::LetStmt::cast))
            .filter(|statement| statement.pat().is_some_and(|pattern| binds(&pattern, &name)))
            .find_map(|statement| statement.initializer())?;
        cx.signal_kind(&value, self)
    }

    /// Whether a loop (`loop`, `while`, `for`) runs until shutdown, and why.
    fn classify_loop(&self, node: &SyntaxNode, shift: Shift, cx: &Follow) -> Lifetime {
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
    fn exits_in(&self, loop_node: &SyntaxNode, shift: Shift, cx: &Follow) -> Vec<Exit> {
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
    fn macro_exits(&self, node: &SyntaxNode, shift: Shift, cx: &Follow) -> Vec<Exit> {
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
    fn read_alone(
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

    fn line(&self, offset: usize) -> usize {
        self.text
            .get_or_init(|| self.root.to_string())
            .get(..offset)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }
}

/// A loop with no exit of its own: `loop`, or `while true`.
fn endless(node: &SyntaxNode, lasting: Option<String>) -> Lifetime {
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

/// The nodes of a body that run as part of it, the body included. The walk does not enter
/// closures, async blocks (unless awaited where they are written) and items: their code runs
/// elsewhere, or later, or not at all.
fn own_nodes(body: &SyntaxNode) -> Vec<SyntaxNode> {
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
    let continues_this_loop =
        exit.is_continue && exit.label.as_deref().is_some_and(|label| labelled(loop_node, label));
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

/// The failed send or write an exit is taken on (`if tx.send(x).await.is_err() { break }`,
/// `Err(_) => return` on `socket.write_all(..)`): the loop lives as long as the receivers
/// or the peer, and this says so.
fn send_failed_at(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
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
fn error_exit_at(exit: &SyntaxNode, loop_node: &SyntaxNode) -> Option<String> {
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
fn is_failure_pattern(pattern: &str) -> bool {
    pattern == "None"
        || pattern == "Ok(None)"
        || pattern.starts_with("Err(")
        || pattern.starts_with("Some(Err(")
}

/// Whether a `select!` arm's pattern binds an error (`e = pool.drive() => return`).
fn names_an_error(pattern: &str) -> bool {
    matches!(pattern.trim(), "e" | "err" | "error") || pattern.trim().starts_with("Err(")
}

/// Whether a body runs its calls where they are written: a closure's (a thread's, a blocking
/// task's) or a plain function's, not an async block's or an `async fn`'s, whose calls of
/// `async fn`s only build futures until awaited.
fn runs_synchronously(body: &SyntaxNode) -> bool {
    match body.parent() {
        Some(parent) => match_ast_sync(&parent),
        None => false,
    }
}

fn match_ast_sync(parent: &SyntaxNode) -> bool {
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
fn statement_call(node: &SyntaxNode) -> Option<ast::Expr> {
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
fn blocked_on(node: &SyntaxNode) -> Option<ast::Expr> {
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
fn receiver_type(call: &ast::Expr) -> Option<String> {
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
    let function = call.syntax().ancestors().find_map(ast::Fn::cast)?;
    let at = call.syntax().text_range().start();
    let bound = (function.syntax().descendants().filter_map(ast::LetStmt::cast))
        .filter(|statement| statement.syntax().text_range().end() <= at)
        .filter(|statement| statement.pat().is_some_and(|pattern| binds(&pattern, &name)))
        .last()
        .and_then(|statement| match statement.ty() {
            Some(ty) => type_name(&ty.syntax().to_string()),
            None => match peel_await(statement.initializer()?).0 {
                // `let link = match RemoteLink::new(..).await { Ok(l) => l, Err(_) => return };`
                ast::Expr::MatchExpr(choice) => match peel_await(choice.expr()?).0 {
                    ast::Expr::CallExpr(constructor) => {
                        let ast::Expr::PathExpr(callee) = constructor.expr()? else { return None };
                        type_name(&callee.path()?.qualifier()?.syntax().to_string())
                    }
                    _ => None,
                },
                ast::Expr::CallExpr(constructor) => {
                    let ast::Expr::PathExpr(callee) = constructor.expr()? else { return None };
                    type_name(&callee.path()?.qualifier()?.syntax().to_string())
                }
                _ => None,
            },
        });
    bound.or_else(|| {
        (function.param_list()?.params())
            .find(|param| param.pat().is_some_and(|pattern| binds(&pattern, &name)))
            .and_then(|param| type_name(&param.ty()?.syntax().to_string()))
    })
}

/// The name of the impl's type a function sits in (`Server` for `impl<P> Server<P>`).
fn impl_type(function: &ast::Fn) -> Option<String> {
    let imp = function.syntax().ancestors().find_map(ast::Impl::cast)?;
    if imp.trait_().is_some() {
        return None;
    }
    type_name(&imp.self_ty()?.syntax().to_string())
}

/// A type as written, down to its last name: `&mut crate::Server<V4>` -> `Server`.
fn type_name(written: &str) -> Option<String> {
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
fn drives_a_connection(expr: &ast::Expr) -> bool {
    let (expr, _) = peel_await(expr.clone());
    if !matches!(expr, ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_)) {
        return false;
    }
    value_name(&expr).is_some_and(|name| {
        name.to_lowercase().split('_').any(|word| CONNECTION_DRIVER_WORDS.contains(&word))
    })
}

/// The `match` a body ends on (its tail, or its last statement after `let`s).
fn tail_match(body: &SyntaxNode) -> Option<ast::MatchExpr> {
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
fn binds(pattern: &ast::Pat, name: &str) -> bool {
    std::iter::once(pattern.syntax().clone())
        .chain(pattern.syntax().descendants())
        .filter_map(ast::IdentPat::cast)
        .any(|binding| binding.name().is_some_and(|n| n.text() == name))
}

/// A call's path as written, for the catalogue: `tokio::io::copy_bidirectional`, a method's
/// own name (`serve_connection`).
fn call_path(call: &ast::Expr) -> Option<String> {
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

fn call_arguments(call: &ast::Expr) -> Vec<ast::Expr> {
    let list = match call {
        ast::Expr::CallExpr(call) => call.arg_list(),
        ast::Expr::MethodCallExpr(call) => call.arg_list(),
        _ => None,
    };
    list.map(|list| list.args().collect()).unwrap_or_default()
}

/// The verdict on a call whose future never completes, or that builds on one
/// (`future::pending()`, `conn.then(|_| pending())`).
fn never_completes(call: &ast::Expr) -> Option<Lifetime> {
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
fn callee_name(call: &ast::Expr) -> String {
    callee(call).map_or_else(|| snippet(call), |(name, _)| name)
}

/// The expression a body hands its whole run to: its last statement (after any `let`s), or
/// the body itself, seen through `.await`, `?`, `.unwrap()`, `let _ =`, `if let`, `match`
/// and `block_on(..)`. A constructor such as `Ok(())`, or `drop(x)`, hands nothing over.
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
            let name = callee(&expr)?.0;
            (!name.starts_with(char::is_uppercase) && !ENDING_CALLS.contains(&name.as_str())).then_some(expr)
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
mod tests;
