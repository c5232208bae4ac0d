//! The few questions corral asks git: which files have uncommitted changes,
//! which changed since a revision, and who the author of a patch is.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::gate::since::ChangedLines;

/// The files among `paths` that git reports with uncommitted changes (staged,
/// unstaged or untracked); empty outside a git work tree or without git.
pub fn dirty_files(root: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
    let existing: Vec<&PathBuf> = paths.iter().filter(|p| p.exists()).collect();
    if existing.is_empty() {
        return Vec::new();
    }
    let dir = work_dir(root);
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain", "-z", "--untracked-files=all", "--"])
        .args(existing.iter().map(|p| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())))
        .output();
    let Ok(output) = output else { return Vec::new() };
    if !output.status.success() {
        return Vec::new();
    }
    let Some(top) = toplevel(dir) else { return Vec::new() };
    let reported: Vec<PathBuf> = output
        .stdout
        .split(|&b| b == 0)
        .filter(|entry| entry.len() > 3)
        .map(|entry| top.join(String::from_utf8_lossy(&entry[3..]).as_ref()))
        .collect();
    existing
        .into_iter()
        .filter(|p| {
            let canonical = fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            reported.iter().any(|r| fs::canonicalize(r).unwrap_or_else(|_| r.clone()) == canonical)
        })
        .cloned()
        .collect()
}

/// Paths (absolute) that differ between `rev` and the work tree, under `root`.
pub fn changed_since(root: &Path, rev: &str) -> Result<Vec<PathBuf>, String> {
    let dir = work_dir(root);
    let top = toplevel(dir).ok_or_else(|| format!("{} is not inside a git work tree", dir.display()))?;
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["diff", "--name-only", "-z", rev, "--"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!("git diff {rev}: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(output
        .stdout
        .split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| top.join(String::from_utf8_lossy(entry).as_ref()))
        .collect())
}

/// The lines added or modified between `rev` and the work tree (renames
/// followed, untracked files new as a whole), and the top of the work tree
/// the paths are relative to.
pub fn changed_lines(root: &Path, rev: &str) -> Result<(PathBuf, ChangedLines), String> {
    let dir = work_dir(root);
    let top = toplevel(dir).ok_or_else(|| format!("{} is not inside a git work tree", dir.display()))?;
    let git = |args: &[&str]| -> Result<Vec<u8>, String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(&top)
            .args(["-c", "core.quotePath=false"])
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !output.status.success() {
            return Err(format!("git {}: {}", args[0], String::from_utf8_lossy(&output.stderr).trim()));
        }
        Ok(output.stdout)
    };
    // `rev^{commit}` turns a typo into "unknown revision" rather than a path.
    git(&["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .map_err(|_| format!("--since {rev}: not a git revision here"))?;
    let diff = git(&[
        "diff",
        "-U0",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        rev,
        "--",
    ])?;
    let mut changed = ChangedLines::parse_diff(&String::from_utf8_lossy(&diff))?;
    let untracked = git(&["ls-files", "--others", "--exclude-standard", "--full-name", "-z"])?;
    for entry in untracked.split(|&b| b == 0).filter(|entry| !entry.is_empty()) {
        changed.add_whole_file(PathBuf::from(String::from_utf8_lossy(entry).as_ref()));
    }
    Ok((top, changed))
}

/// `Name <email>` from git's configuration, if it has one.
pub fn identity(root: &Path) -> Option<String> {
    let get = |key: &str| {
        let output = Command::new("git").arg("-C").arg(work_dir(root)).args(["config", key]).output().ok()?;
        let value = String::from_utf8_lossy(&output.stdout).trim().to_string();
        (output.status.success() && !value.is_empty()).then_some(value)
    };
    Some(format!("{} <{}>", get("user.name")?, get("user.email")?))
}

fn work_dir(root: &Path) -> &Path {
    let dir = if root.is_dir() { root } else { root.parent().unwrap_or(Path::new(".")) };
    if dir.as_os_str().is_empty() { Path::new(".") } else { dir }
}

/// The root of the git work tree holding `dir`.
pub fn toplevel(dir: &Path) -> Option<PathBuf> {
    let output =
        Command::new("git").arg("-C").arg(dir).args(["rev-parse", "--show-toplevel"]).output().ok()?;
    output.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}
