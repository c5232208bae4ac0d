//! Writing the migration: IO at the edge. Every write is atomic (a temporary
//! file in the same folder, then a rename) and keeps the file's permissions;
//! a file that changed on disk since corral read it is not overwritten, and a
//! new file never replaces one that appeared meanwhile.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::rewrite::FileChange;

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteResult {
    Written,
    /// Not written; the message says why.
    Refused(String),
}

/// Writes every change; each file on its own, so one refusal does not stop the others.
pub fn write_changes(changes: &[FileChange]) -> Vec<(String, WriteResult)> {
    each_change(changes, write_change)
}

/// Undoes changes written by `write_changes`: originals come back, new files go.
/// A file edited since corral wrote it is left alone and reported.
pub fn restore_changes(changes: &[FileChange]) -> Vec<(String, WriteResult)> {
    each_change(changes, restore_change)
}

fn each_change(
    changes: &[FileChange],
    action: fn(&FileChange) -> Result<(), String>,
) -> Vec<(String, WriteResult)> {
    changes
        .iter()
        .map(|change| {
            let result = match action(change) {
                Ok(()) => WriteResult::Written,
                Err(message) => WriteResult::Refused(message),
            };
            (change.display.clone(), result)
        })
        .collect()
}

fn restore_change(change: &FileChange) -> Result<(), String> {
    let current = match fs::read(&change.path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && change.original.is_none() => return Ok(()),
        Err(e) => return Err(format!("cannot read it again: {e}")),
    };
    if current == change.original.as_deref().unwrap_or_default().as_bytes() && change.original.is_some() {
        return Ok(());
    }
    if current != change.new_text.as_bytes() {
        return Err("it changed on disk since corral wrote it".into());
    }
    match &change.original {
        Some(original) => write_atomic(&change.path, original.as_bytes(), false),
        None => fs::remove_file(&change.path).map_err(|e| format!("cannot remove it: {e}")),
    }
}

fn write_change(change: &FileChange) -> Result<(), String> {
    let path = &change.path;
    match &change.original {
        Some(original) => {
            let current = fs::read(path).map_err(|e| format!("cannot read it again: {e}"))?;
            if current != original.as_bytes() {
                return Err("it changed on disk since corral read it; run corral again".into());
            }
            write_atomic(path, change.new_text.as_bytes(), false)
        }
        None => {
            if path.exists() {
                return Err("it appeared on disk since corral looked; run corral again".into());
            }
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            write_atomic(path, change.new_text.as_bytes(), true)
        }
    }
}

/// Writes an output file of corral's own (a patch, a manifest), atomically.
pub fn write_output(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let existed = path.exists();
    write_atomic(path, text.as_bytes(), !existed)
}

/// Temp file in the same folder, same permission bits, then rename.
fn write_atomic(path: &Path, bytes: &[u8], new: bool) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".corral-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    temp.write_all(bytes).map_err(|e| format!("cannot write: {e}"))?;
    temp.as_file().sync_all().map_err(|e| format!("cannot write: {e}"))?;
    if !new {
        let permissions =
            fs::metadata(path).map_err(|e| format!("cannot read its permissions: {e}"))?.permissions();
        fs::set_permissions(temp.path(), permissions)
            .map_err(|e| format!("cannot keep its permissions: {e}"))?;
    }
    let persisted = if new { temp.persist_noclobber(path) } else { temp.persist(path) };
    persisted.map(|_| ()).map_err(|e| format!("cannot replace it: {}", e.error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn change(path: PathBuf, original: Option<&str>, new_text: &str) -> FileChange {
        FileChange {
            display: path.display().to_string(),
            path,
            original: original.map(str::to_string),
            new_text: new_text.into(),
            package: None,
        }
    }

    #[test]
    fn writes_atomically_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        let results = write_changes(&[change(path.clone(), Some("old"), "new")]);
        assert_eq!(results[0].1, WriteResult::Written);
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn refuses_a_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, "edited meanwhile").unwrap();
        let results = write_changes(&[change(path.clone(), Some("old"), "new")]);
        assert!(matches!(&results[0].1, WriteResult::Refused(m) if m.contains("changed on disk")));
        assert_eq!(fs::read_to_string(&path).unwrap(), "edited meanwhile");
    }

    #[test]
    fn restore_undoes_writes_and_new_files() {
        let dir = tempfile::tempdir().unwrap();
        let edited = dir.path().join("a.rs");
        fs::write(&edited, "old").unwrap();
        let created = dir.path().join("tasks.rs");
        let changes = [change(edited.clone(), Some("old"), "new"), change(created.clone(), None, "helper")];
        assert!(write_changes(&changes).iter().all(|(_, r)| *r == WriteResult::Written));
        assert!(restore_changes(&changes).iter().all(|(_, r)| *r == WriteResult::Written));
        assert_eq!(fs::read_to_string(&edited).unwrap(), "old");
        assert!(!created.exists());
    }

    #[test]
    fn creates_new_files_but_never_over_existing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("src/tasks.rs");
        assert_eq!(write_changes(&[change(path.clone(), None, "helper")])[0].1, WriteResult::Written);
        assert_eq!(fs::read_to_string(&path).unwrap(), "helper");
        assert!(matches!(write_changes(&[change(path, None, "again")])[0].1, WriteResult::Refused(_)));
    }
}
