use super::*;
use LifetimeKind::{Ends, LongLived};

/// The first argument of the first `spawn` call in `source` (its node keeps the tree alive).
fn spawned(source: &str) -> ast::Expr {
    let file = SourceFile::parse(source, Edition::Edition2021).tree();
    (file.syntax().descendants().filter_map(ast::CallExpr::cast))
        .find(|call| call.expr().is_some_and(|callee| callee.syntax().text().to_string().contains("spawn")))
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
    let otherwise = task("loop { futures::select! { m = s.select_next_some() => go(m), else => break, } }");
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
    for source in ["stream.next().await", "listener.accept().await", "rx.changed().await", "interval.next()"]
    {
        check(&task(&format!("while let Ok(x) = {source} {{}}")), LongLived, "until it closes");
    }
    check(&task("while n < 10 { n += 1; }"), Ends, "loops while `n < 10`");
    check(&task("while let Some(job) = queue.pop() {}"), Ends, "while `let Some(job) = queue.pop()` matches");
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
fn a_local_function_is_read() {
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
    let deeper = "async fn run() { listen().await }\nfn f() { tokio::spawn(run()); }";
    assert!(check(deeper, Ends, "in `run()`: calls `listen`, whose body corral did not read").undecided);
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
    check(&task("'outer: loop { loop { if done() { break 'outer; } } }"), Ends, "at `break` when `done()`");
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
    let unknown =
        check("fn f() { tokio::spawn(serve(l)); }", Ends, "calls `serve`, whose body corral did not read");
    assert!(unknown.undecided);
    assert!(check("fn f() { tokio::spawn(fut.instrument(span)); }", Ends, "spawns `fut`").undecided);
    assert!(check(&task("my_loop! { loop { work().await } }"), Ends, "a loop inside `my_loop!`").undecided);
    assert!(check(&task("tokio::select! { _ = a() => {} }"), Ends, "no shutdown arm").undecided);
    let decided = check("fn f() { tokio::spawn(Box::pin(async move { go(x); Ok(()) })); }", Ends, "no loop");
    assert!(!decided.undecided);
}

#[test]
fn a_run_handed_on_is_followed_several_calls_deep() {
    let two_hops = "fn f() { tokio::spawn(async move { identity.run().await }); }\n\
        impl Identity { async fn run(self) { self.refresh_forever().await } \
        async fn refresh_forever(&self) { loop { self.refresh().await; sleep(D).await; } } }";
    check(two_hops, LongLived, "in `run()`: in `refresh_forever()`: a `loop` with no exit");
    let thread = "fn f() { std::thread::spawn(move || serve(cfg)); }\n\
        fn serve(cfg: Config) { let rt = build(cfg); pump(rt) }\n\
        fn pump(rt: Rt) -> ! { loop { rt.turn(); } }";
    check(thread, LongLived, "in `serve()`: in `pump()`: never returns (`-> !`)");
    let recursive =
        "fn f() { tokio::spawn(run()); }\nasync fn run() { again().await }\nasync fn again() { run().await }";
    assert!(check(recursive, Ends, "recursively").undecided);
    let bounded = "fn f() { tokio::spawn(step()); }\nasync fn step() { finish().await }\nasync fn finish() { let done = true; }";
    let ends = check(bounded, Ends, "in `step()`: in `finish()`: no loop");
    assert!(!ends.undecided);
}

#[test]
fn a_resolver_reads_functions_of_other_files() {
    let other =
        SourceFile::parse("pub async fn run(l: L) { loop { l.accept().await; } }", Edition::Edition2021)
            .tree();
    let run = other.syntax().descendants().find_map(ast::Fn::cast).expect("a function");
    let resolve = move |call: &ast::Expr| callee(call).filter(|(name, _)| name == "run").map(|_| run.clone());
    let task = spawned("fn f() { tokio::spawn(server::run(listener)); }");
    let alone = TaskReader::default().classify(&task.clone());
    assert!(alone.undecided, "{alone:?}");
    let resolved = TaskReader::default().classify_with(&task, Some(&resolve));
    assert_eq!((resolved.kind, resolved.undecided), (LongLived, false), "{resolved:?}");
    assert_eq!(resolved.evidence, "in `run()`: loops on `l.accept()` with no exit");
}

#[test]
fn loops_that_leave_only_when_their_peers_go_are_long_lived() {
    let closed = task(
        "loop { tokio::select! { _ = tx.closed() => return, r = rx.changed() => { if r.is_err() { return; } } } }",
    );
    check(&closed, LongLived, "");
    check(&task("tx.closed().await;"), LongLived, "until every receiver is gone");
    let requests =
        task("loop { let req = match reqs_rx.recv().await { Some(r) => r, None => return }; go(req); }");
    check(&requests, LongLived, "loops on `reqs_rx.recv()` until it closes");
    let send = task("loop { let item = next_item().await; if tx.send(item).await.is_err() { break; } }");
    check(&send, LongLived, "leaves only when `tx.send(..)` fails");
    let send_let = task("loop { let v = produce(); if let Err(_) = out.send(v) { return; } tick().await; }");
    check(&send_let, LongLived, "`out.send(..)` fails");
    let write = task(
        "let mut buf = [0; 1024]; loop { match sock.read(&mut buf).await { Ok(0) => return, Ok(n) => \
        { if writer.write_all(&buf[..n]).await.is_err() { return; } } Err(_) => return } }",
    );
    check(&write, LongLived, "");
    // An explicit shutdown beside them still ends the loop.
    let with_token = task(
        "loop { tokio::select! { _ = token.cancelled() => break, m = rx.recv() => match m { Some(m) => go(m), None => break } } }",
    );
    check(&with_token, Ends, "`token.cancelled()` fires");
}

#[test]
fn process_signals_are_not_signals_the_drain_fires() {
    let sigterm = task(
        "let mut term = signal(SignalKind::terminate()).unwrap(); \
        loop { tokio::select! { _ = term.recv() => break, Ok((s, _)) = l.accept() => { go(s); } } }",
    );
    check(&sigterm, LongLived, "process signal");
    let ctrl_c =
        task("loop { tokio::select! { _ = tokio::signal::ctrl_c() => return, _ = tick.tick() => flush() } }");
    check(&ctrl_c, LongLived, "process signal");
    let graceful = "fn f() { tokio::spawn(async move { axum::serve(l, app).with_graceful_shutdown(shutdown_signal()).await }); }\n\
        async fn shutdown_signal() { tokio::signal::ctrl_c().await.unwrap(); }";
    check(graceful, LongLived, "process signal");
    let drained = "fn f() { tokio::spawn(async move { axum::serve(l, app).with_graceful_shutdown(token.cancelled_owned()).await }); }";
    check(drained, Ends, "stops when `token.cancelled_owned()` fires");
}

#[test]
fn per_connection_work_and_servers_are_long_lived() {
    check(
        &task("let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await; debug!(\"done\");"),
        LongLived,
        "per-connection work",
    );
    check(
        &task("if let Err(e) = http1::Builder::new().serve_connection(io, svc).await { warn!(%e); }"),
        LongLived,
        "per-connection work",
    );
    check(&task("Server::builder().add_service(svc).serve(addr).await.unwrap()"), LongLived, "runs a server");
    let driver = "async fn f() { let (sender, conn) = hyper::client::conn::http1::handshake(io).await?; \
        tokio::spawn(conn); }";
    check(driver, LongLived, "drives the connection");
    let mapped = "async fn f() { let (tx, conn) = handshake(io).await?; \
        tokio::spawn(conn.map_err(|e| warn!(%e))); }";
    check(mapped, LongLived, "drives the connection");
    check(
        "fn f() { tokio::spawn(conn.then(|_| futures::future::pending::<()>())); }",
        LongLived,
        "never completes",
    );
    // A select of a connection against a timer ends with the timer.
    check(
        &task("tokio::select! { _ = copy_bidirectional(&mut a, &mut b) => {}, _ = sleep(T) => {} }"),
        Ends,
        "elapses",
    );
    check(
        &task("tokio::select! { _ = copy_bidirectional(&mut a, &mut b) => {}, _ = tx.closed() => {} }"),
        LongLived,
        "every arm lasts",
    );
}

#[test]
fn a_value_is_read_through_the_let_that_binds_it() {
    let bound = "fn f() { let fut = async move { loop { l.accept().await; } }; tokio::spawn(fut); }";
    check(bound, LongLived, "loops on `l.accept()`");
    assert!(
        check("fn f(fut: F) { tokio::spawn(fut); }", Ends, "a value whose body corral did not read")
            .undecided
    );
}

#[test]
fn configured_calls_are_long_lived() {
    let task = spawned("fn f() { tokio::spawn(async move { my_app::server::run(cfg).await }); }");
    assert!(TaskReader::default().classify(&task).undecided);
    let found = TaskReader::with_calls(&["my_app::server::run".to_string()]).classify(&task);
    assert_eq!(found.kind, LongLived, "{found:?}");
    assert!(found.evidence.contains("the configuration names"), "{found:?}");
}

#[test]
fn exempt_reason_is_one_short_line_without_backticks() {
    let reason = Lifetime::long_lived(format!("loops on `{}` with no exit", "x".repeat(200))).exempt_reason();
    assert!(reason.len() <= REASON_WIDTH && !reason.contains('`') && reason.ends_with("..."), "{reason}");
    assert_eq!(Lifetime::undecided("calls `run`".to_string()).exempt_reason(), "calls run");
}

#[test]
fn loops_that_leave_only_on_an_error_are_long_lived() {
    let failed =
        task("loop { match resolve().await { Ok(a) => publish(a), Err(e) => { log(e); return; } } }");
    check(&failed, LongLived, "runs until `resolve().await` fails");
    let gone =
        task("loop { let cache = match weak.upgrade() { Some(c) => c, None => return }; cache.evict(); }");
    check(&gone, LongLived, "runs until `weak.upgrade()` fails");
    let checked = task("loop { let r = step().await; if r.is_err() { return; } }");
    check(&checked, LongLived, "runs until `r` fails");
    let arm =
        task("loop { tokio::select! { e = pool.drive() => { warn!(e); return; }, m = rx.recv() => go(m) } }");
    check(&arm, LongLived, "");
    // Success is a real exit: a retry loop ends once it succeeds.
    check(&task("loop { if connect().await.is_ok() { break; } }"), Ends, "leaves the loop at `break`");
    let selected = task(
        "loop { let res = tokio::select! { _ = tx.closed() => return, res = rx.changed() => res }; \
        if res.is_err() { return; } }",
    );
    check(&selected, LongLived, "");
}

#[test]
fn work_run_along_the_way_counts() {
    // An async block awaited in place runs as part of the task.
    check(
        &task("setup().await; async move { while let Some(r) = rx.recv().await { go(r); } }.await; done();"),
        LongLived,
        "rx.recv()",
    );
    // `runtime.block_on(..)` in a thread runs its future there.
    let blocked = "fn f() { std::thread::spawn(move || { let rt = build(); \
        rt.block_on(async { Server::builder().serve(addr).await.unwrap(); }); log(); }); }";
    check(blocked, LongLived, "runs a server");
    // An argument runs before the call it is passed to.
    let argument = "fn f() { std::thread::spawn(move || log_err(\"web\", { serve_forever() })); }\n\
        fn serve_forever() -> Result<(), E> { loop { tick(); } }";
    check(argument, LongLived, "in `serve_forever()`");
    // A plain function's call along the way runs there and then.
    let statement = "fn f() { std::thread::spawn(move || { let e = router.run(0); error!(e); }); }\n\
        impl Router { fn run(&mut self, n: usize) -> Result<(), E> { loop { self.step()?; } } }";
    check(statement, LongLived, "in `run()`");
    // A body ending on a match runs one of its arms.
    let dispatch = "fn f() { tokio::spawn(async move { match id { Id::A(a) => a.run().await, Id::B => {} } }); }\n\
        impl A { async fn run(self) { loop { self.refresh().await; } } }";
    check(dispatch, LongLived, "in `run()`");
}

#[test]
fn a_function_returning_a_future_hands_back_the_future() {
    let stored =
        "fn f() { tokio::spawn(identity.run()); }\nimpl Identity { fn run(self) -> Task { self.task } }";
    assert!(check(stored, Ends, "returns `self.task`, a future corral did not read").undecided);
    let built = "fn f() { tokio::spawn(watch()); }\n\
        fn watch() -> impl Future<Output = ()> { async move { loop { tick().await; } } }";
    check(built, LongLived, "in `watch()`: a `loop` with no exit");
}

#[test]
fn a_signal_is_read_from_its_words_not_from_the_code_it_wraps() {
    // The async block mentions `drain`, but it is the work, not a signal.
    let work = "fn f() { let work = async move { async move { while let Some(x) = rx.recv().await { go(x); } }.await; \
        drain_tx.drain().await; }; tokio::spawn(work.instrument(span)); }";
    check(work, LongLived, "rx.recv()");
    let graceful =
        task("Server::builder().serve_with_shutdown(addr, async { wait_stop_signal().await; }).await");
    check(&graceful, Ends, "stops when");
}

#[test]
fn a_labelled_continue_inside_a_select_goes_round_the_outer_loop() {
    let reconnect = task(
        "'outer: loop { let mut net = connect().await; loop { tokio::select! { \
        m = net.read() => go(m), _ = ping.tick() => { if unacked { continue 'outer; } } } } }",
    );
    check(&reconnect, LongLived, "");
}

#[test]
fn a_thread_that_joins_long_lived_threads_is_long_lived() {
    let broker = "fn f() { std::thread::spawn(move || broker.start()); }\n\
        impl Broker { fn start(&mut self) -> Result<(), E> { let mut handles = vec![]; \
        for c in configs { handles.push(std::thread::spawn(move || { loop { accept(c); } })); } \
        handles.into_iter().for_each(|h| { let _ = h.join(); }); Ok(()) } }";
    check(broker, LongLived, "joins the threads it starts; one a `loop` with no exit");
    let bounded =
        "fn f() { std::thread::spawn(move || { let h = std::thread::spawn(|| work()); h.join() }); }";
    assert!(check(bounded, Ends, "").kind == Ends);
}

#[test]
fn the_receivers_type_picks_among_methods_of_one_name() {
    let file = "impl<P: Clone> Server<P> { async fn start(&mut self) { loop { self.accept().await; } } }\n\
        impl Broker { fn start(&mut self) { let mut server = Server::new(cfg); \
        std::thread::spawn(move || rt.block_on(async { server.start().await })); } }";
    check(file, LongLived, "in `start()`: loops on `self.accept()` with no exit");
    let typed = "impl Ticker { fn start(self) { loop { tick(); } } }\nimpl Once { fn start(self) { go(); } }\n\
        fn f(ticker: Ticker, once: Once) { std::thread::spawn(move || once.start()); }";
    assert!(check(typed, Ends, "in `start()`").kind == Ends);
}

#[test]
fn a_call_in_a_logging_macro_runs_there() {
    let logged = "impl Node { fn spawn(mut self) { std::thread::spawn(move || error!(\"done: {:?}\", self.accept())); } \
        fn accept(&mut self) { loop { self.rx.recv().unwrap(); } } }";
    check(logged, LongLived, "in `accept()`");
}

#[test]
fn a_value_named_as_a_connection_driver_runs_until_it_closes() {
    check(
        "fn f(client_dispatch: impl Future) { tokio::spawn(async move { if let Err(e) = client_dispatch.await { log(e); } cleanup(); }); }",
        LongLived,
        "a connection's dispatch or driver",
    );
    check(
        "impl C { fn spawn(self) { let dispatch = self.dispatch.unwrap_or_else(|e| warn(e)); tokio::spawn(dispatch); } }",
        LongLived,
        "is its dispatch or driver",
    );
}
