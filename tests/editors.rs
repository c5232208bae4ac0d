//! The editor integrations shipped in `editors/`: the Zed extension builds,
//! and its manifest declares the language server its code answers for.

mod common;

use std::path::{Path, PathBuf};

use common::cargo::{cargo, shared_target_dir};

fn zed_extension() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/zed")
}

/// The Zed extension is its own crate (not a member of corral's workspace):
/// it must type-check against the `zed_extension_api` its committed lock pins.
/// Checked for the host target, which every machine has; Zed builds it for
/// `wasm32-wasip2`. Its first build takes minutes (zed_extension_api's code
/// generator), so the suite leaves it to `.ci/run`, which runs it with
/// `--include-ignored` into its kept target folder.
#[test]
#[ignore = "builds zed_extension_api (minutes cold): .ci/run runs it"]
fn zed_extension_checks() {
    let manifest = zed_extension().join("Cargo.toml");
    let target = shared_target_dir().join("zed-extension");
    let run = cargo(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "check",
            "--locked",
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--target-dir",
            target.to_str().unwrap(),
        ],
    );
    assert!(run.success, "cargo check of editors/zed failed:\n{}", run.stderr);
    assert_eq!(run.warnings(), Vec::<&str>::new(), "cargo check of editors/zed warned:\n{}", run.stderr);
}

/// `extension.toml` declares one language server, for Rust, under the id
/// that `src/lib.rs` answers for (and that names the `lsp.<id>` settings).
#[test]
fn zed_manifest_declares_the_server_the_code_runs() {
    let dir = zed_extension();
    let manifest: toml::Table = std::fs::read_to_string(dir.join("extension.toml"))
        .unwrap()
        .parse()
        .expect("editors/zed/extension.toml is not TOML");
    assert_eq!(manifest["id"].as_str(), Some("corral"));
    assert_eq!(manifest["schema_version"].as_integer(), Some(1));

    let servers = manifest["language_servers"].as_table().expect("no [language_servers] table");
    let ids: Vec<&String> = servers.keys().collect();
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let handled = lib
        .lines()
        .find_map(|line| line.strip_prefix("const SERVER_ID: &str = \"")?.strip_suffix("\";"))
        .expect("src/lib.rs has no `const SERVER_ID: &str = \"...\";` line");
    assert_eq!(ids, [handled], "extension.toml's language servers and src/lib.rs's SERVER_ID differ");

    let languages = servers[handled]["languages"].as_array().expect("the server lists no languages");
    assert_eq!(languages, &[toml::Value::from("Rust")]);
}
