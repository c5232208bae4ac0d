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
        list.stdout.contains("src/lib.rs:8:5   bare  ends?  tokio::spawn  tokio::spawn  (spawn wrapper `spawn_named`: its callers start the tasks)"),
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

/// With `argument` in `[[spawn]]`, a wrapper's callers are converted instead:
/// their task argument is wrapped in `track_future`, the call stays, and a
/// second run changes nothing.
#[test]
fn callers_of_a_configured_wrapper_get_their_task_wrapped() {
    let scratch = Scratch::package(LIB);
    scratch.file("corral.toml", "[[spawn]]\npath = \"app::spawn_named\"\nargument = 2\n");
    let main = "fn main() {\n    app::spawn_named(\"ticker\", async {});\n}\n";
    scratch.file("src/main.rs", main);
    let apply = Run::of(corral(scratch.path()).args(["apply", ".", "--allow-dirty"]));
    assert_eq!(apply.code, 0, "{apply:?}");
    let rewritten = std::fs::read_to_string(scratch.path().join("src/main.rs")).unwrap();
    assert_eq!(
        rewritten,
        "fn main() {\n    app::spawn_named(\"ticker\", app::tasks::tracker().track_future(async {}));\n}\n"
    );
    let again = Run::of(corral(scratch.path()).args(["diff", ".", "--exit-code"]));
    assert_eq!((again.code, again.stdout.as_str()), (0, ""), "{again:?}");
}

#[test]
fn argument_must_be_a_position_and_not_beside_a_template() {
    let scratch = Scratch::package(LIB);
    scratch.file("corral.toml", "[[spawn]]\npath = \"app::spawn_named\"\nargument = 0\n");
    let run = Run::of(corral(scratch.path()).args(["check", "."]));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("corral.toml:3:12: [[spawn]] argument: expected the 1-based position"),
        "{}",
        run.stderr
    );
    scratch.file(
        "corral.toml",
        "[[spawn]]\npath = \"app::spawn_named\"\ntemplate = \"x({args})\"\nargument = 2\n",
    );
    let run = Run::of(corral(scratch.path()).args(["check", "."]));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("expected either `template` or `argument`, not both"), "{}", run.stderr);
}

/// `wrappers = "callers"` does for every wrapper what `argument` does for one:
/// callers across the workspace get their task wrapped, the body stays and is
/// reported exempt with the reason, and a second run changes nothing.
#[test]
fn wrappers_callers_converts_every_wrappers_callers_instead_of_its_body() {
    let scratch = Scratch::package(LIB);
    scratch.file("corral.toml", "wrappers = \"callers\"\n");
    scratch.file("src/main.rs", "fn main() {\n    app::spawn_named(\"ticker\", async {});\n}\n");
    let list = Run::of(corral(scratch.path()).args(["list", ".", "--color", "never"]));
    assert_eq!(list.code, 0, "{list:?}");
    for line in [
        "src/lib.rs:8:5   exempt  ends?  tokio::spawn      tokio::spawn      (spawn wrapper `app::spawn_named`: its callers' tasks are tracked instead)",
        // `let f = async {};` then `tokio::spawn(f)`: read through the `let`, it ends.
        "src/lib.rs:13:5  bare    ends   tokio::spawn      tokio::spawn\n",
        "src/lib.rs:17:5  bare    ends?  app::spawn_named  spawn_named\n",
        "src/main.rs:2:5  bare    ends?  app::spawn_named  app::spawn_named\n",
    ] {
        assert!(list.stdout.contains(line), "missing `{line}` in:\n{}", list.stdout);
    }

    let apply = Run::of(corral(scratch.path()).args(["apply", ".", "--allow-dirty"]));
    assert_eq!(apply.code, 0, "{apply:?}");
    let lib = std::fs::read_to_string(scratch.path().join("src/lib.rs")).unwrap();
    assert!(lib.contains("    tokio::spawn(f);\n}\n\npub fn not_a_wrapper"), "the body stays:\n{lib}");
    assert!(
        lib.contains("    crate::tasks::spawn(f);\n}\n\npub fn start"),
        "not a wrapper, converted:\n{lib}"
    );
    assert!(
        lib.contains("spawn_named(\"ticker\", crate::tasks::tracker().track_future(async {}));"),
        "{lib}"
    );
    let main = std::fs::read_to_string(scratch.path().join("src/main.rs")).unwrap();
    assert_eq!(
        main,
        "fn main() {\n    app::spawn_named(\"ticker\", app::tasks::tracker().track_future(async {}));\n}\n"
    );

    let again = Run::of(corral(scratch.path()).args(["diff", ".", "--exit-code"]));
    assert_eq!((again.code, again.stdout.as_str()), (0, ""), "{again:?}");
    let check = Run::of(corral(scratch.path()).args(["check", "."]));
    assert_eq!(check.code, 0, "nothing bare is left: {check:?}");
}
