//! corral on real code that nobody here wrote: the published sources of
//! `mini-redis` 0.4.1 (Tokio's example application), fetched through cargo.
//!
//! The expected sites were found by hand: `grep -rn spawn` over the crate's
//! 25 `.rs` files, each hit read. Ten of the 19 hits are prose in comments
//! (`server.rs` 4, `db.rs` 3, `bin/cli.rs` 2, `buffer.rs` 1); the other nine
//! are `tokio::spawn` calls written out in full. Nothing else starts a
//! task or a thread: `blocking_client.rs` only builds a current-thread
//! runtime (`tokio::runtime::Builder::new_current_thread`) and calls
//! `block_on`, the examples spawn nothing, and no `use` names a spawn
//! function under another name. The three in `src/` are bare; the six in
//! `tests/` sit in a package's `tests/` folder, so they are test code.
//!
//! This test needs crates.io (or the configured registry mirror); when cargo
//! cannot fetch, it fails and says why rather than passing quietly.

mod common;

use common::cargo::fetch_published;
use common::{Run, corral, site, sites};
use serde_json::Value;

const CRATE: &str = "mini-redis";
const VERSION: &str = "0.4.1";

#[test]
fn mini_redis_sites_match_the_hand_count() {
    let scratch = tempfile::tempdir().unwrap();
    let mini_redis = fetch_published(CRATE, VERSION, scratch.path());

    let out = Run::of(corral(scratch.path()).args(["list", "--format", "json"]).arg(&mini_redis));
    assert_eq!(out.code, 0, "{out:?}");
    let document = out.json();
    assert_eq!(document["problems"], Value::Array(vec![]), "{document}");
    assert_eq!(
        sites(&document),
        [
            // `buffer()`: the task that owns the client connection.
            site("src/buffer.rs", 30, 5, "tokio::spawn", "bare"),
            // `Db::new()`: the background task that purges expired keys.
            site("src/db.rs", 111, 9, "tokio::spawn", "bare"),
            // `Listener::run()`: one task per accepted connection.
            site("src/server.rs", 276, 13, "tokio::spawn", "bare"),
            // `start_server()` helpers and publishers in the integration tests.
            site("tests/buffer.rs", 27, 18, "tokio::spawn", "test-code"),
            site("tests/client.rs", 29, 5, "tokio::spawn", "test-code"),
            site("tests/client.rs", 50, 5, "tokio::spawn", "test-code"),
            site("tests/client.rs", 59, 5, "tokio::spawn", "test-code"),
            site("tests/client.rs", 89, 18, "tokio::spawn", "test-code"),
            site("tests/server.rs", 404, 5, "tokio::spawn", "test-code"),
        ]
    );
    // Every library spawn drops its JoinHandle; `start_server` keeps its own.
    let handles: Vec<&str> =
        document["findings"].as_array().unwrap().iter().map(|f| f["handle"].as_str().unwrap()).collect();
    assert_eq!(
        handles,
        ["dropped", "dropped", "dropped", "bound", "dropped", "dropped", "dropped", "bound", "dropped"]
    );
    let packages: Vec<&Value> =
        document["findings"].as_array().unwrap().iter().map(|f| &f["package"]).collect();
    assert!(packages.iter().all(|package| *package == CRATE), "{packages:?}");

    // The gate sees the three in `src/`.
    let out = Run::of(corral(scratch.path()).args(["check", "--format", "json"]).arg(&mini_redis));
    assert_eq!(out.code, 1, "{out:?}");
    let found: Vec<(String, u64)> = sites(&out.json()).into_iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(
        found,
        [
            ("src/buffer.rs".to_string(), 30),
            ("src/db.rs".to_string(), 111),
            ("src/server.rs".to_string(), 276)
        ]
    );
}
