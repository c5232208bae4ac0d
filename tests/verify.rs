//! `apply --verify` on a fixture where one rewrite cannot compile: that site
//! is reverted and reported with the compiler's message, the others stay
//! converted, and the workspace compiles at the end.

mod common;

use assert_cmd::Command;
use common::cargo::{cargo, copy_tree, shared_target_dir};

#[test]
fn verify_reverts_only_the_site_that_breaks_the_build() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify/queue");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture, dir.path());
    let before = cargo(dir.path(), &["check", "--all-targets"]);
    assert!(before.success, "the fixture must compile before the rewrite:\n{}", before.stderr);

    let output = Command::cargo_bin("corral")
        .unwrap()
        .args(["apply", ".", "--verify", "--allow-dirty"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("2 converted (1 own tracker, 1 global helper)"), "{stdout}");
    assert!(stdout.contains("reverted by --verify (1), needs a hand:"), "{stdout}");
    assert!(stdout.contains("src/lib.rs:24:9  `tokio::spawn`: error[E0502]"), "{stdout}");
    assert!(stderr.contains("verify: round 1: checking 3 converted site(s)"), "{stderr}");
    assert!(stderr.contains("verify: round 2: checking 2 converted site(s)"), "{stderr}");

    let lib = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    assert!(
        lib.contains("        let queue = self.queue_mut();\n        tokio::spawn(async move { job * 2 });"),
        "{lib}"
    );
    assert!(lib.contains("        self.tracker.spawn(async {"), "{lib}");
    assert!(lib.contains("    crate::tasks::spawn(async {});"), "{lib}");

    let after = cargo(dir.path(), &["check", "--all-targets"]);
    assert!(after.success, "the verified rewrite must compile:\n{}", after.stderr);
    let list =
        Command::cargo_bin("corral").unwrap().args(["check", "."]).current_dir(dir.path()).output().unwrap();
    assert_eq!(list.status.code(), Some(1), "the reverted site is still a bare spawn");
}
