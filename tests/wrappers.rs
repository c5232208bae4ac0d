//! A project's own wrapper (`fn spawn_named(name, f) { tokio::spawn(f) }`) is
//! reported as a wrapper, and by default its body is what gets converted, not
//! every caller.

mod common;

use common::{Run, Scratch, corral};

const LIB: &str = "use std::future::Future;

pub fn spawn_named<F>(name: &str, f: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let _ = name;
    tokio::spawn(f);
}

pub fn not_a_wrapper() {
    let f = async {};
    tokio::spawn(f);
}

pub fn start() {
    spawn_named(\"ticker\", async {});
}
";

#[test]
fn a_wrapper_is_reported_and_its_body_converted() {
    let scratch = Scratch::package(LIB);
    let list = Run::of(corral(scratch.path()).args(["list", ".", "--color", "never"]));
    assert_eq!(list.code, 0, "{list:?}");
    assert!(
        list.stdout.contains("src/lib.rs:8:5   bare  tokio::spawn  tokio::spawn  (spawn wrapper `spawn_named`: its callers start the tasks)"),
        "{}",
        list.stdout
    );
    let json = Run::of(corral(scratch.path()).args(["list", ".", "--format", "json"])).json();
    let wrappers: Vec<_> =
        json["findings"].as_array().unwrap().iter().map(|f| f["context"]["wrapper"].clone()).collect();
    assert_eq!(wrappers, [serde_json::json!("spawn_named"), serde_json::Value::Null]);

    let diff = Run::of(corral(scratch.path()).args(["diff", ".", "--color", "never"]));
    assert!(diff.stdout.contains("-    tokio::spawn(f);\n+    crate::tasks::spawn(f);\n"), "{}", diff.stdout);
    assert!(!diff.stdout.contains("-    spawn_named("), "callers stay as they are:\n{}", diff.stdout);
}
