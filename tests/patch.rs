//! `corral patch`: the patches applied in order with `git am` on the
//! untouched tree give exactly what `corral apply` writes; `--split owners`
//! follows CODEOWNERS; the manifest describes every patch.

mod common;

use std::path::Path;

use common::{Scratch, corral, git};
use serde_json::Value;

const CORE_LIB: &str = "pub mod rt;\n\npub fn start() {\n    tokio::spawn(async {});\n}\n";
const CORE_RT: &str =
    "pub use tokio::spawn;\n\npub fn blocking() {\n    tokio::task::spawn_blocking(|| ());\n}\n";
const SERVER_MAIN: &str =
    "fn main() {\n    core_lib::rt::spawn(async {});\n    std::thread::spawn(|| ());\n}\n";
const TOOLS_LIB: &str = "pub fn tool() {\n    // spawn-exempt: lives as long as the process\n    tokio::spawn(async {});\n    std::thread::spawn(|| ());\n}\n";

/// A three-member workspace in a git repository with one commit.
fn repository() -> Scratch {
    let deps = "[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n";
    let scratch = Scratch::new();
    scratch
        .file("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n")
        .file("crates/core-lib/Cargo.toml", &common::manifest("core-lib", deps))
        .file("crates/core-lib/src/lib.rs", CORE_LIB)
        .file("crates/core-lib/src/rt.rs", CORE_RT)
        .file(
            "crates/server/Cargo.toml",
            &common::manifest("server", &format!("{deps}core-lib = {{ path = \"../core-lib\" }}\n")),
        )
        .file("crates/server/src/main.rs", SERVER_MAIN)
        .file("crates/tools/Cargo.toml", &common::manifest("tools", deps))
        .file("crates/tools/src/lib.rs", TOOLS_LIB)
        .file(
            ".github/CODEOWNERS",
            "* @platform\n/crates/server/ @edge-team\n/crates/core-lib/src/rt.rs @runtime @edge-team\n",
        );
    git(scratch.path(), &["init", "-q", "-b", "main"]);
    git(scratch.path(), &["add", "-A"]);
    git(scratch.path(), &["commit", "-q", "-m", "initial"]);
    scratch
}

/// Every file of a tree but `.git`, with its text.
fn snapshot_tree(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git" || n == "target") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                files.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn manifest(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn patches_applied_with_git_am_equal_apply() {
    let repo = repository();
    let applied = repository();
    let out = tempfile::tempdir().unwrap();
    let run = common::Run::of(
        corral(repo.path()).args(["patch", ".", "--split", "crate", "--out"]).arg(out.path()),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    let document = manifest(out.path());
    let patches = document["patches"].as_array().unwrap();
    let slices: Vec<&str> = patches.iter().map(|p| p["slice"].as_str().unwrap()).collect();
    assert_eq!(slices, ["core-lib", "server", "tools"]);
    let files: Vec<String> = patches.iter().map(|p| p["file"].as_str().unwrap().to_string()).collect();
    assert_eq!(files[0], "0001-Track-spawned-tasks-in-core-lib.patch");

    for file in &files {
        git(repo.path(), &["am", "-q", out.path().join(file).to_str().unwrap()]);
    }
    let log = git(repo.path(), &["log", "--format=%s"]);
    assert_eq!(
        log,
        "Track spawned tasks in tools\nTrack spawned tasks in server\nTrack spawned tasks in core-lib\ninitial\n"
    );

    let run = common::Run::of(corral(applied.path()).args(["apply", "."]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(snapshot_tree(repo.path()), snapshot_tree(applied.path()));
}

#[test]
fn manifest_describes_each_patch() {
    let repo = repository();
    let out = tempfile::tempdir().unwrap();
    let run = common::Run::of(corral(repo.path()).args(["patch", ".", "--out"]).arg(out.path()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = manifest(out.path());
    assert_eq!(document["split"], "crate");
    let core = &document["patches"][0];
    assert_eq!(core["branch"], "corral/track-spawns-core-lib");
    assert_eq!(core["title"], "Track spawned tasks in core-lib");
    assert_eq!(core["converted"], 2);
    let files: Vec<&str> = core["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    // The helper module and the manifest travel with the crate's patch.
    assert_eq!(
        files,
        [
            "crates/core-lib/Cargo.toml",
            "crates/core-lib/src/lib.rs",
            "crates/core-lib/src/rt.rs",
            "crates/core-lib/src/tasks.rs"
        ]
    );
    let sites: Vec<(String, u64, String)> = core["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().into(),
                s["line"].as_u64().unwrap(),
                s["result"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        sites,
        [
            ("crates/core-lib/src/lib.rs".into(), 4, "global-helper".into()),
            ("crates/core-lib/src/rt.rs".into(), 4, "global-helper".into())
        ]
    );
    let body = core["body"].as_str().unwrap();
    assert!(body.contains("drained at shutdown and between tests"), "{body}");
    assert!(body.contains("- crates/core-lib/src/lib.rs:4: `tokio::spawn` (global helper)"), "{body}");
    let tools = &document["patches"][2];
    assert_eq!((tools["converted"].as_u64(), tools["exempt"].as_u64()), (Some(1), Some(1)));
}

#[test]
fn split_by_owners_follows_codeowners() {
    let repo = repository();
    let out = tempfile::tempdir().unwrap();
    let run = common::Run::of(
        corral(repo.path()).args(["patch", ".", "--split", "owners", "--out"]).arg(out.path()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = manifest(out.path());
    let slices: Vec<(String, Vec<String>)> = document["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let files =
                p["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
            (p["slice"].as_str().unwrap().to_string(), files)
        })
        .collect();
    let names: Vec<&str> = slices.iter().map(|(name, _)| name.as_str()).collect();
    // Last matching rule wins: rt.rs belongs to two owners together.
    assert_eq!(names, ["@edge-team", "@platform", "@runtime @edge-team"]);
    assert!(slices[0].1.contains(&"crates/server/src/main.rs".to_string()));
    assert!(slices[2].1 == ["crates/core-lib/src/rt.rs"], "{:?}", slices[2].1);
    for (_, files) in &slices {
        for file in files {
            assert!(!file.is_empty());
        }
    }
}

#[test]
fn templates_and_since_shape_the_patches() {
    let repo = repository();
    std::fs::write(
        repo.path().join("crates/tools/src/lib.rs"),
        format!("{TOOLS_LIB}\npub fn more() {{\n    tokio::spawn(async {{}});\n}}\n"),
    )
    .unwrap();
    git(repo.path(), &["commit", "-qam", "more tools"]);
    let out = tempfile::tempdir().unwrap();
    let run = common::Run::of(
        corral(repo.path())
            .args([
                "patch",
                ".",
                "--since",
                "HEAD~1",
                "--subject",
                "tasks: {slice} ({converted} sites)",
                "--out",
            ])
            .arg(out.path()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = manifest(out.path());
    let patches = document["patches"].as_array().unwrap();
    assert_eq!(patches.len(), 1, "only the slice changed since HEAD~1: {document}");
    assert_eq!(patches[0]["title"], "tasks: tools (2 sites)");
    let text = std::fs::read_to_string(out.path().join(patches[0]["file"].as_str().unwrap())).unwrap();
    assert!(text.contains("Subject: [PATCH] tasks: tools (2 sites)"), "{text}");
}

/// With a `Cargo.lock`, each patch carries the lock change its own manifest
/// edits need: applied alone on the base, it builds with `--locked` (what each
/// pull request's CI runs); applied in order with `git am -3` (a 3-way merge,
/// as a merge of the pull requests is), the identical `tokio-util` entries
/// merge and the tree equals what `apply` writes, lock included.
#[test]
fn each_patch_carries_its_lock_change() {
    let repo = repository();
    let applied = repository();
    for scratch in [&repo, &applied] {
        let lock = common::cargo::cargo(scratch.path(), &["generate-lockfile"]);
        assert!(lock.success, "{}", lock.stderr);
        git(scratch.path(), &["add", "Cargo.lock"]);
        git(scratch.path(), &["commit", "-q", "-m", "lock"]);
    }
    let out = tempfile::tempdir().unwrap();
    let run = common::Run::of(
        corral(repo.path()).args(["patch", ".", "--split", "crate", "--out"]).arg(out.path()),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let document = manifest(out.path());
    let patches: Vec<String> = document["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| out.path().join(p["file"].as_str().unwrap()).to_string_lossy().into_owned())
        .collect();
    assert_eq!(patches.len(), 3);

    for patch in &patches {
        let text = std::fs::read_to_string(patch).unwrap();
        assert!(text.contains("diff --git a/Cargo.lock b/Cargo.lock\n"), "no lock change in {patch}");
        git(repo.path(), &["switch", "-q", "--detach", "main"]);
        git(repo.path(), &["am", "-q", patch]);
        let metadata = common::cargo::cargo(repo.path(), &["metadata", "--locked", "--format-version", "1"]);
        assert!(metadata.success, "{patch} alone does not resolve with --locked:\n{}", metadata.stderr);
        let check = common::cargo::cargo(repo.path(), &["check", "--locked", "--workspace"]);
        assert!(check.success, "{patch} alone does not build with --locked:\n{}", check.stderr);
    }

    git(repo.path(), &["switch", "-q", "--detach", "main"]);
    for patch in &patches {
        git(repo.path(), &["am", "-q", "-3", patch]);
    }
    let run = common::Run::of(corral(applied.path()).args(["apply", "."]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("Cargo.lock not updated"), "{}", run.stdout);
    assert_eq!(snapshot_tree(repo.path()), snapshot_tree(applied.path()));
}

/// A package without a library whose binaries all spawn, cut one file per
/// patch: the one `src/tasks.rs` travels with the first patch, each root's
/// `#[path]` declaration with its own file, and the patches applied in order
/// equal what `apply` writes.
#[test]
fn binaries_of_one_package_share_one_helper_across_patches() {
    let build = || {
        let scratch = Scratch::new();
        scratch
            .file(
                "Cargo.toml",
                &common::manifest("app", "[[bin]]\nname = \"custom\"\npath = \"tools/custom.rs\"\n"),
            )
            .file("src/main.rs", "fn main() {\n    std::thread::spawn(|| ());\n}\n")
            .file("src/bin/single.rs", "fn main() {\n    std::thread::spawn(|| ());\n}\n")
            .file("tools/custom.rs", "fn main() {\n    std::thread::spawn(|| ());\n}\n")
            .file("examples/ex1.rs", "fn main() {\n    std::thread::spawn(|| ());\n}\n");
        git(scratch.path(), &["init", "-q", "-b", "main"]);
        git(scratch.path(), &["add", "-A"]);
        git(scratch.path(), &["commit", "-q", "-m", "initial"]);
        scratch
    };
    let (repo, applied) = (build(), build());
    let out = tempfile::tempdir().unwrap();
    let run =
        common::Run::of(corral(repo.path()).args(["patch", ".", "--split", "file", "--out"]).arg(out.path()));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let document = manifest(out.path());
    let patches = document["patches"].as_array().unwrap();
    let files: Vec<Vec<&str>> = patches
        .iter()
        .map(|p| p["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect())
        .collect();
    assert_eq!(
        files,
        [
            vec!["Cargo.toml", "examples/ex1.rs", "src/tasks.rs"],
            vec!["src/bin/single.rs"],
            vec!["src/main.rs"],
            vec!["tools/custom.rs"],
        ]
    );
    for patch in patches {
        git(repo.path(), &["am", "-q", out.path().join(patch["file"].as_str().unwrap()).to_str().unwrap()]);
    }
    let run = common::Run::of(corral(applied.path()).args(["apply", "."]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let tree = snapshot_tree(repo.path());
    assert_eq!(tree, snapshot_tree(applied.path()));
    let text = |path: &str| tree.iter().find(|(p, _)| p == path).map(|(_, t)| t.as_str()).unwrap();
    assert!(text("src/main.rs").starts_with("mod tasks;\n"), "{}", text("src/main.rs"));
    assert!(text("src/bin/single.rs").starts_with("#[path = \"../tasks.rs\"]\nmod tasks;\n"));
    assert!(text("tools/custom.rs").starts_with("#[path = \"../src/tasks.rs\"]\nmod tasks;\n"));
    assert!(text("examples/ex1.rs").starts_with("#[path = \"../src/tasks.rs\"]\nmod tasks;\n"));
    assert!(!tree.iter().any(|(path, _)| path.ends_with("/tasks.rs") && path != "src/tasks.rs"), "{tree:?}");
}
