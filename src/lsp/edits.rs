//! The plan's file changes as one workspace edit, in the form the client
//! says it can apply.

use std::collections::HashMap;
use std::path::Path;

use lsp_types::{
    CreateFile, CreateFileOptions, DocumentChangeOperation, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp, TextDocumentEdit, TextEdit, Uri,
    WorkspaceEdit,
};
use serde_json::Value;

use super::text::{file_uri, text_edit};
use crate::rewrite::FileChange;

/// What the client said it can do with an edit, from its `initialize` capabilities.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientSupport {
    /// `documentChanges`: versioned edits, in order, with file operations.
    pub document_changes: bool,
    /// Creating files inside an edit.
    pub create_files: bool,
    /// Snippet text edits (LSP 3.18 `snippetEditSupport`).
    pub snippets: bool,
    /// Registering file watchers at run time.
    pub watch_files: bool,
    /// Resolving a code action's edit when it is picked (`codeAction/resolve`).
    pub resolve_edit: bool,
}

impl ClientSupport {
    /// Read from the raw capabilities, so that fields newer than `lsp-types` count too.
    pub fn of(capabilities: &Value) -> ClientSupport {
        let edit = &capabilities["workspace"]["workspaceEdit"];
        let operations = edit["resourceOperations"].as_array();
        ClientSupport {
            document_changes: edit["documentChanges"] == true,
            create_files: operations.is_some_and(|ops| ops.iter().any(|op| op == "create")),
            snippets: edit["snippetEditSupport"] == true,
            watch_files: capabilities["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"] == true,
            resolve_edit: capabilities["textDocument"]["codeAction"]["resolveSupport"]["properties"]
                .as_array()
                .is_some_and(|properties| properties.iter().any(|p| p == "edit")),
        }
    }
}

/// `changes` as one edit: each changed file's text between what is unchanged,
/// new files created and filled. `version` gives the editor's version of an
/// open document. Fails, saying why, when the client cannot apply it.
// lsp-types keys `WorkspaceEdit::changes` by `Uri`, whose hash never changes.
#[allow(clippy::mutable_key_type)]
pub fn workspace_edit(
    changes: &[FileChange],
    version: &dyn Fn(&Path) -> Option<i32>,
    support: ClientSupport,
) -> Result<WorkspaceEdit, String> {
    let creates = changes.iter().any(|change| change.original.is_none());
    if creates && !(support.document_changes && support.create_files) {
        let names: Vec<&str> =
            changes.iter().filter(|c| c.original.is_none()).map(|c| c.display.as_str()).collect();
        return Err(format!(
            "the edit creates {} and this editor cannot create files in an edit: run `corral init` once",
            names.join(", ")
        ));
    }
    let mut edits = Vec::new();
    for change in changes {
        let uri =
            file_uri(&change.path).ok_or_else(|| format!("{} has no file URI", change.path.display()))?;
        let edit = match &change.original {
            Some(original) if *original == change.new_text => continue,
            Some(original) => text_edit(original, &change.new_text),
            None => TextEdit {
                range: Range::new(Position::new(0, 0), Position::new(0, 0)),
                new_text: change.new_text.clone(),
            },
        };
        edits.push((uri, change.original.is_none(), version(&change.path), edit));
    }
    if !support.document_changes {
        let mut map: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (uri, _, _, edit) in edits {
            map.entry(uri).or_default().push(edit);
        }
        return Ok(WorkspaceEdit { changes: Some(map), ..WorkspaceEdit::default() });
    }
    let mut operations = Vec::new();
    for (uri, created, version, edit) in edits {
        if created {
            operations.push(DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions { overwrite: Some(false), ignore_if_exists: Some(true) }),
                annotation_id: None,
            })));
        }
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: vec![OneOf::Left(edit)],
        }));
    }
    Ok(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(operations)),
        ..WorkspaceEdit::default()
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn change(path: &str, original: Option<&str>, new_text: &str) -> FileChange {
        FileChange {
            path: PathBuf::from(path),
            display: path.trim_start_matches("/w/").to_string(),
            original: original.map(str::to_string),
            new_text: new_text.to_string(),
            package: None,
        }
    }

    #[test]
    fn new_files_are_created_then_filled() {
        let changes = [
            change("/w/src/lib.rs", Some("mod a;\n"), "mod a;\nmod tasks;\n"),
            change("/w/src/tasks.rs", None, "pub fn spawn() {}\n"),
        ];
        let support =
            ClientSupport { document_changes: true, create_files: true, ..ClientSupport::default() };
        let version = |path: &Path| (path == Path::new("/w/src/lib.rs")).then_some(7);
        let edit = serde_json::to_value(workspace_edit(&changes, &version, support).unwrap()).unwrap();
        let operations = edit["documentChanges"].as_array().unwrap();
        assert_eq!(operations.len(), 3, "{edit}");
        assert_eq!(operations[0]["textDocument"]["version"], 7);
        assert_eq!(operations[0]["edits"][0]["newText"], "mod tasks;\n");
        assert_eq!(operations[1]["kind"], "create");
        assert_eq!(operations[1]["uri"], "file:///w/src/tasks.rs");
        assert_eq!(operations[2]["textDocument"]["version"], Value::Null);
        assert_eq!(operations[2]["edits"][0]["newText"], "pub fn spawn() {}\n");

        // A client that cannot create files hears why instead.
        let plain = ClientSupport::default();
        let why = workspace_edit(&changes, &version, plain).unwrap_err();
        assert!(why.contains("src/tasks.rs"), "{why}");
        let edit = workspace_edit(&changes[..1], &version, plain).unwrap();
        assert_eq!(edit.changes.unwrap().len(), 1);
    }

    #[test]
    fn capabilities_are_read_from_the_raw_json() {
        let raw = serde_json::json!({"workspace": {
            "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create", "rename"], "snippetEditSupport": true},
            "didChangeWatchedFiles": {"dynamicRegistration": true}
        }});
        let support = ClientSupport::of(&raw);
        assert!(support.document_changes && support.create_files && support.snippets && support.watch_files);
        let support = ClientSupport::of(&serde_json::json!({}));
        assert!(
            !support.document_changes && !support.create_files && !support.snippets && !support.watch_files
        );
    }
}
