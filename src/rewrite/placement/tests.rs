use super::*;
use crate::discover::{Edition as CargoEdition, Target};

/// A package at `./app` (a relative base, as `corral apply .` gives) with these targets.
fn workspace(targets: &[(TargetKind, &str)]) -> Workspace {
    let dir = PathBuf::from(".").join("app");
    let targets = targets
        .iter()
        .map(|(kind, root)| Target {
            name: Path::new(root).file_stem().unwrap().to_string_lossy().into_owned(),
            kind: *kind,
            root: dir.join(root),
            edition: CargoEdition::default(),
        })
        .collect();
    let package = Package {
        name: "app".into(),
        manifest_path: dir.join("Cargo.toml"),
        dir,
        edition: CargoEdition::default(),
        rust_version: None,
        publishable: false,
        targets,
        only_for_tests: None,
    };
    Workspace { root: PathBuf::from("."), packages: vec![package], ..Workspace::default() }
}

/// The home of a file that is the root of target `root`, with these files on disk.
fn home_of(workspace: &Workspace, root: &str, files: &[(&str, &str)]) -> Option<HelperHome> {
    let package = &workspace.packages[0];
    let path = package.dir.join(root);
    let file = Discovered {
        display: format!("app/{root}"),
        package: Some(0),
        target: package.targets.iter().position(|t| t.root == path),
        path,
        module_path: Vec::new(),
        edition: CargoEdition::default(),
        in_test_dir: false,
        context_only: false,
    };
    let files: Vec<(PathBuf, String)> =
        files.iter().map(|(path, text)| (package.dir.join(path), text.to_string())).collect();
    let existing = |path: &Path| files.iter().find(|(p, _)| p == path).map(|(_, text)| text.clone());
    helper_home(workspace, &file, &Config::default(), &existing)
}

/// The helper file (relative to the package), the module and the root's `#[path]`.
fn placed(workspace: &Workspace, root: &str, files: &[(&str, &str)]) -> (String, String, Option<String>) {
    let home = home_of(workspace, root, files).unwrap_or_else(|| panic!("{root} has no home"));
    let file = home.file.strip_prefix(&workspace.packages[0].dir).unwrap();
    (crate::discover::slash(file), home.module.clone(), home.path_attribute())
}

const EVERY_LAYOUT: &[(TargetKind, &str)] = &[
    (TargetKind::Bin, "src/main.rs"),
    (TargetKind::Bin, "src/bin/single.rs"),
    (TargetKind::Bin, "src/bin/multi/main.rs"),
    (TargetKind::Bin, "tools/custom.rs"),
    (TargetKind::Example, "examples/ex1.rs"),
    (TargetKind::Example, "examples/ex2/main.rs"),
    (TargetKind::Example, "demos/demo.rs"),
    (TargetKind::Test, "checks/smoke.rs"),
    (TargetKind::Bench, "perf/load.rs"),
    (TargetKind::BuildScript, "build.rs"),
];

#[test]
fn every_root_of_a_package_without_a_library_reaches_one_src_tasks() {
    let workspace = workspace(EVERY_LAYOUT);
    for (root, path) in [
        ("src/main.rs", None),
        ("src/bin/single.rs", Some("../tasks.rs")),
        ("src/bin/multi/main.rs", Some("../../tasks.rs")),
        ("tools/custom.rs", Some("../src/tasks.rs")),
        ("examples/ex1.rs", Some("../src/tasks.rs")),
        ("examples/ex2/main.rs", Some("../../src/tasks.rs")),
        ("demos/demo.rs", Some("../src/tasks.rs")),
        ("checks/smoke.rs", Some("../src/tasks.rs")),
        ("perf/load.rs", Some("../src/tasks.rs")),
    ] {
        let expected = ("src/tasks.rs".to_string(), "tasks".to_string(), path.map(str::to_string));
        assert_eq!(placed(&workspace, root, &[]), expected, "{root}");
        let home = home_of(&workspace, root, &[]).unwrap();
        assert!(!home.public, "{root}: a binary's helper is crate-visible");
        assert_eq!(home.root, workspace.packages[0].dir.join(root));
    }
}

#[test]
fn a_build_script_reaches_no_helper() {
    assert!(home_of(&workspace(EVERY_LAYOUT), "build.rs", &[]).is_none());
    let mut with_lib = EVERY_LAYOUT.to_vec();
    with_lib.push((TargetKind::Lib, "src/lib.rs"));
    assert!(
        home_of(&workspace(&with_lib), "build.rs", &[]).is_none(),
        "a build script cannot use its library"
    );
}

#[test]
fn a_library_holds_the_helper_of_every_other_target() {
    for (lib, file, path) in [
        ("src/lib.rs", "src/tasks.rs", None),
        // A custom library root: its own folder, as rustc looks beside a crate root.
        ("src/core.rs", "src/tasks.rs", None),
        ("lib/core.rs", "lib/tasks.rs", None),
        // Never beside a root in a folder cargo takes targets from.
        ("examples/shared.rs", "src/tasks.rs", Some("../src/tasks.rs")),
    ] {
        let mut layouts = EVERY_LAYOUT.to_vec();
        layouts.push((TargetKind::Lib, lib));
        let workspace = workspace(&layouts);
        for root in ["src/bin/single.rs", "tools/custom.rs", "examples/ex2/main.rs", lib] {
            let home = home_of(&workspace, root, &[]).unwrap();
            assert_eq!(home.root, workspace.packages[0].dir.join(lib), "{lib}: {root}");
            assert!(home.public);
            let expected = (file.to_string(), "tasks".to_string(), path.map(str::to_string));
            assert_eq!(placed(&workspace, root, &[]), expected, "{lib}: {root}");
        }
    }
}

#[test]
fn the_helper_never_goes_where_cargo_discovers_targets() {
    let only_elsewhere: &[(TargetKind, &str)] =
        &[(TargetKind::Bin, "src/bin/single.rs"), (TargetKind::Example, "examples/ex1.rs")];
    let workspace = workspace(only_elsewhere);
    for root in ["src/bin/single.rs", "examples/ex1.rs"] {
        let (file, _, _) = placed(&workspace, root, &[]);
        assert_eq!(file, "src/tasks.rs", "{root}");
    }
    let dir = Path::new("./app");
    for folder in ["src/bin", "examples", "tests", "benches", "./examples"] {
        assert!(discovers_targets(dir, &dir.join(folder)), "{folder}");
    }
    for folder in ["src", "tools", "examples/ex2", "src/bin/multi", ""] {
        assert!(!discovers_targets(dir, &dir.join(folder)), "{folder}");
    }
}

#[test]
fn a_tasks_module_of_the_users_renames_the_helper_of_the_whole_package() {
    let workspace = workspace(EVERY_LAYOUT);
    let corral = |path: Option<&str>| {
        ("src/corral_tasks.rs".to_string(), "corral_tasks".to_string(), path.map(str::to_string))
    };
    // Their own `src/tasks.rs`, or a `tasks/` folder.
    let own = [("src/tasks.rs", "pub struct Todo;\n")];
    assert_eq!(placed(&workspace, "src/bin/single.rs", &own), corral(Some("../corral_tasks.rs")));
    assert_eq!(placed(&workspace, "src/main.rs", &[("src/tasks/mod.rs", "")]), corral(None));
    // An inline `mod tasks` in one binary renames it for every root of the package.
    let inline = [("tools/custom.rs", "mod tasks {}\nfn main() {}\n")];
    assert_eq!(placed(&workspace, "src/main.rs", &inline), corral(None));
    assert_eq!(placed(&workspace, "examples/ex1.rs", &inline), corral(Some("../src/corral_tasks.rs")));
    // A file of theirs that a root declares by `#[path]`.
    let elsewhere = [("src/bin/single.rs", "#[path = \"../todo.rs\"]\nmod tasks;\nfn main() {}\n")];
    assert_eq!(placed(&workspace, "src/main.rs", &elsewhere), corral(None));
}

#[test]
fn corrals_own_helper_and_declarations_keep_the_name() {
    let workspace = workspace(EVERY_LAYOUT);
    let tasks = |path: &str| ("src/tasks.rs".to_string(), "tasks".to_string(), Some(path.to_string()));
    let ours = format!("{HEADER}\n");
    let declared = [
        ("src/tasks.rs", ours.as_str()),
        ("src/main.rs", "mod tasks;\nfn main() {}\n"),
        ("src/bin/single.rs", "#[path = \"../tasks.rs\"]\nmod tasks;\nfn main() {}\n"),
    ];
    assert_eq!(placed(&workspace, "tools/custom.rs", &declared), tasks("../src/tasks.rs"));
    // The helper was deleted, its declarations stayed: the next run writes it again, not `corral_tasks`.
    assert_eq!(placed(&workspace, "tools/custom.rs", &declared[1..]), tasks("../src/tasks.rs"));
}

#[test]
fn files_read_cover_every_root_that_could_declare_the_helper() {
    let workspace = workspace(EVERY_LAYOUT);
    let home = home_of(&workspace, "examples/ex1.rs", &[]).unwrap();
    let read = files_read(&workspace, &home);
    let dir = &workspace.packages[0].dir;
    for expected in
        ["src/tasks.rs", "src/corral_tasks.rs", "src/tasks/mod.rs", "Cargo.toml", "tools/custom.rs"]
    {
        assert!(read.contains(&dir.join(expected)), "{expected} is not read: {read:?}");
    }
    assert!(!read.contains(&dir.join("build.rs")));
}

#[test]
fn relative_paths_climb_from_the_root_folder() {
    assert_eq!(relative_path(Path::new("a/src/bin"), Path::new("a/src/tasks.rs")), "../tasks.rs");
    assert_eq!(relative_path(Path::new("a/tools"), Path::new("a/src/tasks.rs")), "../src/tasks.rs");
    assert_eq!(relative_path(Path::new("a/src"), Path::new("a/src/tasks.rs")), "tasks.rs");
    assert_eq!(normalize(Path::new("./a/src/bin/../tasks.rs")), PathBuf::from("a/src/tasks.rs"));
    assert_eq!(normalize(Path::new("../a/./b")), PathBuf::from("../a/b"));
}

#[test]
fn a_root_beside_no_helper_declares_it_by_path() {
    let declaration = Declaration { module: "tasks", public: false, path: Some("../tasks.rs"), eol: "\n" };
    let root = "mod worker;\n\nfn main() {}\n";
    let edit = declare_module(root, declaration).unwrap();
    let text = crate::edit::apply(root, &[edit]);
    assert_eq!(text, "mod worker;\n#[path = \"../tasks.rs\"]\nmod tasks;\n\nfn main() {}\n");
    assert!(declare_module(&text, declaration).is_none(), "declared once");
    let crlf = Declaration { eol: "\r\n", ..declaration };
    let edit = declare_module("fn main() {}\r\n", crlf).unwrap();
    assert_eq!(
        crate::edit::apply("fn main() {}\r\n", &[edit]),
        "#[path = \"../tasks.rs\"]\r\nmod tasks;\r\n\r\nfn main() {}\r\n"
    );
}
