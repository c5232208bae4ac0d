//! corral rewrites real code that nobody here wrote, and it still compiles and
//! its own tests still pass: the published sources of `mini-redis` 0.4.1
//! (fetched through cargo, see `common::cargo::fetch_published`).
//!
//! The three bare `tokio::spawn` calls in `src/` (`buffer.rs`, `db.rs`,
//! `server.rs`; see tests/real_code.rs for the hand count) become
//! `crate::tasks::spawn`; the six in `tests/` are test code and stay.
//!
//! mini-redis ships a `Cargo.lock` from 2021 that pins tokio 1.8.1. The
//! tokio-util that has `TaskTracker` (0.7.10 and later) needs tokio 1.28 or
//! later, so the migration moves tokio to 1.28.0, the oldest that works, and
//! a newer tokio may change what mini-redis's own tests see (under today's
//! tokio, `key_value_timeout` fails whether or not corral touched it: it
//! relies on the purge task running before a `GET` after `time::advance`).
//! So the test runs the original's tests with the same `Cargo.lock` too, and
//! requires every test that passes there to pass after the rewrite.
//!
//! This test needs crates.io (or the configured registry mirror); it builds
//! into the shared target folder of tests/compile.rs.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::cargo::{CargoRun, cargo, copy_tree, fetch_published};
use common::{Run, corral};

/// The tests of a `cargo test --no-fail-fast` run: (passed, failed) names.
fn outcomes(run: &CargoRun) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut passed = BTreeSet::new();
    let mut failed = BTreeSet::new();
    for line in run.stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else { continue };
        if let Some(name) = rest.strip_suffix(" ... ok") {
            passed.insert(name.to_string());
        } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
            failed.insert(name.to_string());
        }
    }
    (passed, failed)
}

/// Makes a published package its own workspace, so cargo does not look above it.
fn standalone(package: &Path) {
    let manifest = package.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    if !text.contains("[workspace]") {
        std::fs::write(&manifest, format!("{text}\n[workspace]\n")).unwrap();
    }
}

#[test]
fn mini_redis_still_passes_its_own_tests_after_the_rewrite() {
    let scratch = tempfile::tempdir().unwrap();
    let rewritten = fetch_published("mini-redis", "0.4.1", scratch.path());
    standalone(&rewritten);
    let original = scratch.path().join("original");
    copy_tree(&rewritten, &original);

    let out =
        Run::of(corral(scratch.path()).args(["apply", "--allow-dirty", "--color", "never"]).arg(&rewritten));
    assert_eq!(out.code, 0, "{out:?}");
    let audit = format!("{}{}", out.stdout, out.stderr);
    eprintln!("{audit}");
    assert!(
        audit.contains(
            "2 converted (0 own tracker, 2 global helper), 0 exempt (+1 long-lived, exempted), 0 skipped, 6 in test code"
        ),
        "{audit}"
    );
    // The buffer's task pumps its channel until every `Buffer` handle is gone:
    // exempted with that evidence, not tracked.
    for (file, call) in [
        (
            "src/buffer.rs",
            "    // spawn-exempt: runs until shutdown: in run(): loops on rx.recv() until it closes\n    tokio::spawn(async move { run(client, rx).await });",
        ),
        ("src/db.rs", "crate::tasks::spawn(purge_expired_tasks(shared.clone()));"),
        ("src/server.rs", "crate::tasks::spawn(async move {"),
    ] {
        let text = std::fs::read_to_string(rewritten.join(file)).unwrap();
        assert!(text.contains(call), "{file} lacks `{call}`:\n{text}");
    }

    let out =
        Run::of(corral(scratch.path()).args(["diff", "--exit-code", "--color", "never"]).arg(&rewritten));
    assert!(out.code == 0 && out.stdout.is_empty(), "a second run still changes things: {out:?}");

    let after = cargo(&rewritten, &["test", "--no-fail-fast"]);
    let (passed_after, failed_after) = outcomes(&after);
    assert!(passed_after.len() >= 10, "too few tests ran:\n{}\n{}", after.stdout, after.stderr);
    if failed_after.is_empty() {
        assert!(after.success, "cargo test failed after the rewrite:\n{}", after.stderr);
        return;
    }

    // Same dependency versions for the original: only what corral changed differs.
    std::fs::copy(rewritten.join("Cargo.lock"), original.join("Cargo.lock")).unwrap();
    let before = cargo(&original, &["test", "--no-fail-fast"]);
    let (passed_before, failed_before) = outcomes(&before);
    assert!(!passed_before.is_empty(), "the original's tests did not run:\n{}", before.stderr);
    let broken: Vec<&String> = failed_after.iter().filter(|name| passed_before.contains(*name)).collect();
    assert!(
        broken.is_empty(),
        "tests that pass on the original fail after the rewrite: {broken:?}\n{}\n{}",
        after.stdout,
        after.stderr
    );
    eprintln!("failing with and without the rewrite (upstream, under today's tokio): {failed_before:?}");
}
