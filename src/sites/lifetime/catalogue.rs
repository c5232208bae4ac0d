//! What the lifetime reading knows of calls it does not read: the words that name a
//! source, a signal or a wrapper, and the well-known calls that run for as long as a
//! connection or a process does (per-connection work and servers). One table, as data
//! beside the spawn catalogue; `corral.toml`'s `long-lived-calls` adds to it.

/// Methods whose result is the next item of something that ends only when its producer does:
/// channels (`recv`, `changed`, `notified`), listeners (`accept`, `incoming`), streams (`next`,
/// `try_next`, `select_next_some`), intervals (`tick`) and connections read until they close
/// (`read`, `read_line`, `next_line`). A loop over one runs as long as its producer.
pub const SOURCE_METHODS: &[&str] = &[
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
    "read",
    "read_buf",
    "read_line",
    "next_line",
    "read_frame",
    "read_message",
];

/// Words of a name that make it a source where the call alone does not: `for job in rx`,
/// `rx.iter()`, and a `next()` that is not awaited (`interval.next()`, but not `lines.next()`).
pub const SOURCE_NAME_WORDS: &[&str] =
    &["rx", "receiver", "inbox", "incoming", "listener", "interval", "ticker", "stream", "subscription"];

/// Words of a parameter's type that make it a source: `jobs: mpsc::Receiver<Job>`.
pub const SOURCE_TYPE_WORDS: &[&str] =
    &["Receiver", "Listener", "Incoming", "Interval", "Stream", "Subscriber", "Subscription"];

/// Methods that fail once the other end of a channel or a connection is gone: a loop that
/// leaves only when one fails lives as long as its receivers or its peer.
pub const SEND_METHODS: &[&str] = &[
    "send",
    "try_send",
    "send_async",
    "send_all",
    "send_data",
    "send_timeout",
    "blocking_send",
    "reserve",
    "feed",
    "write",
    "write_all",
    "write_buf",
    "flush",
];

/// Beginnings of the words that name an explicit shutdown or cancellation signal, one the
/// service fires when it stops: `shutdown_rx`, `token.cancelled()`, `stop.changed()`,
/// `drain.signaled()`. Process signals and a channel closing are not among them.
pub const SIGNAL_WORD_PREFIXES: &[&str] =
    &["shutdown", "cancel", "stop", "quit", "exit", "kill", "done", "drain", "halt", "abort"];

/// Words of code that waits for a process signal: the drain cannot fire it, so a task that
/// leaves on one alone runs until the process ends.
pub const PROCESS_SIGNAL_WORDS: &[&str] =
    &["ctrl_c", "signalkind", "sigterm", "sigint", "sighup", "sigquit", "unix_signal", "signal_hook"];

/// Methods that wrap a task without changing how long it runs: tracing spans, boxing, fusing,
/// mapping its output.
pub const WRAPPER_METHODS: &[&str] = &[
    "instrument",
    "in_current_span",
    "with_current_subscriber",
    "with_subscriber",
    "boxed",
    "boxed_local",
    "fuse",
    "map",
    "map_err",
    "map_ok",
    "inspect",
    "inspect_err",
    "err_into",
    "unwrap_or_else",
];

/// Calls whose future runs until a timer fires: an arm of one bounds a `select!`.
pub const TIMER_CALLS: &[&str] = &["sleep", "sleep_until", "timeout", "timeout_at", "delay_for"];

/// Calls a body may end on that do their work at once, or once: spawning another task
/// (a site of its own), a timer, one send. The task ends when its own body does.
pub const ENDING_CALLS: &[&str] = &[
    "drop",
    "spawn",
    "spawn_blocking",
    "spawn_local",
    "sleep",
    "sleep_until",
    "send",
    "try_send",
    "notify_one",
    "notify_waiters",
];

/// Macros whose arguments are evaluated where they are written: a call among them runs.
pub const LOGGING_MACROS: &[&str] =
    &["error", "warn", "info", "debug", "trace", "println", "eprintln", "print", "eprint", "format", "dbg"];

/// Functions whose future never completes.
pub const NEVER_CALLS: &[&str] = &["pending"];

/// What a well-known call does for as long as it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// For as long as one connection: per-connection work.
    Connection,
    /// For as long as the process, or until the shutdown signal its argument names.
    Server,
    /// Until a stream ends: a connection's requests, a subscription.
    Stream,
}

/// A call that runs for as long as a connection or a process: its last path segment or method
/// name, what must be written before it (`io::copy`, not any `copy`), and which argument is a
/// shutdown signal (1-based), when it takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongRunning {
    pub name: &'static str,
    /// What a path must end with before the name (`io::` for `copy`); empty: anything. A
    /// method call matches an entry with qualifiers only when `method` is set.
    pub qualifiers: &'static [&'static str],
    /// Whether a method of this name matches (`.serve(addr)` on a builder).
    pub method: bool,
    pub runs: Runs,
    pub signal_argument: Option<usize>,
}

const fn call(name: &'static str, runs: Runs) -> LongRunning {
    LongRunning { name, qualifiers: &[], method: true, runs, signal_argument: None }
}

/// The crates whose free function `serve` runs a server.
const SERVER_CRATES: &[&str] = &["axum::", "warp::", "poem::", "salvo::", "tonic::"];

/// tokio's copies, hyper's and h2's connection drivers, and the servers of axum, hyper,
/// tonic, warp, actix and poem.
pub const LONG_RUNNING: &[LongRunning] = &[
    call("copy_bidirectional", Runs::Connection),
    call("copy_bidirectional_with_sizes", Runs::Connection),
    LongRunning {
        name: "copy",
        qualifiers: &["io::"],
        method: false,
        runs: Runs::Connection,
        signal_argument: None,
    },
    LongRunning {
        name: "copy_buf",
        qualifiers: &["io::"],
        method: false,
        runs: Runs::Connection,
        signal_argument: None,
    },
    call("for_each", Runs::Stream),
    call("for_each_concurrent", Runs::Stream),
    call("try_for_each", Runs::Stream),
    call("try_for_each_concurrent", Runs::Stream),
    call("forward", Runs::Stream),
    call("serve_connection", Runs::Connection),
    call("serve_connection_with_upgrades", Runs::Connection),
    call("with_upgrades", Runs::Connection),
    LongRunning {
        name: "serve",
        qualifiers: SERVER_CRATES,
        method: true,
        runs: Runs::Server,
        signal_argument: None,
    },
    call("serve_with_incoming", Runs::Server),
    call("run_until_stopped", Runs::Server),
    call("bind_with_graceful_shutdown", Runs::Server),
    LongRunning { signal_argument: Some(2), ..call("serve_with_shutdown", Runs::Server) },
    LongRunning { signal_argument: Some(2), ..call("serve_with_incoming_shutdown", Runs::Server) },
    LongRunning { signal_argument: Some(1), ..call("with_graceful_shutdown", Runs::Server) },
];

/// Calls whose result (a tuple's later element, or the whole value) is a connection's
/// driver: the future that runs the connection until it closes (`let (tx, conn) =
/// hyper::client::conn::handshake(io).await?; tokio::spawn(conn)`).
pub const CONNECTION_DRIVERS: &[&str] = &["handshake", "connect", "connect_with_config", "client_async"];

/// Words of a value's name that make it a connection's driver (`client_dispatch`,
/// `self.dispatch`): awaited or spawned, it runs until the connection closes.
pub const CONNECTION_DRIVER_WORDS: &[&str] = &["dispatch", "driver"];

/// The entry of `LONG_RUNNING` a call names: `path` as written for a call of a path
/// (`tokio::io::copy_bidirectional`, `axum::serve`), the name alone for a method call.
pub fn long_running(path: &str, method: bool) -> Option<&'static LongRunning> {
    let name = path.rsplit("::").next().unwrap_or(path);
    let before = &path[..path.len() - name.len()];
    LONG_RUNNING.iter().find(|entry| {
        entry.name == name
            && match (method, entry.qualifiers) {
                (true, _) => entry.method,
                (false, []) => true,
                (false, qualifiers) => qualifiers.iter().any(|q| before.ends_with(q)),
            }
    })
}
