//! `corral lsp`: a language server on stdio that publishes the findings of
//! `check` (bare spawns, exempt markers without a reason) as diagnostics.
//!
//! Only the syntax tier runs. An open document is scanned as part of the
//! workspace around it (the nearest folder above it with a `Cargo.toml`), with
//! the editor's texts of the open documents read instead of the files on disk
//! ([`Workspace::overlay`]); a file outside any package is scanned alone.
//! Nothing that goes wrong in an analysis stops the server: the client hears it
//! as a `window/logMessage`, and the document keeps its last diagnostics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use lsp_server::{Connection, ErrorCode, Message, Notification, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, LogMessage,
    Notification as _, PublishDiagnostics,
};
use lsp_types::{
    Diagnostic, DiagnosticSeverity, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, LogMessageParams, MessageType, NumberOrString,
    Position, PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};

use crate::analysis::{Quiet, scan_tiers};
use crate::config::{self, Config};
use crate::discover::{self, FileFilter, Workspace};
use crate::render;
use crate::sites::model::{SpawnSite, Verdict};

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run() -> Result<()> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

/// The capabilities: full text sync, nothing else yet.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        ..ServerCapabilities::default()
    }
}

/// The handshake, then the main loop over `connection`.
pub fn serve(connection: &Connection) -> Result<()> {
    connection.initialize(serde_json::to_value(capabilities())?)?;
    let mut server = Server::default();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let error = Response::new_err(
                    request.id,
                    ErrorCode::MethodNotFound as i32,
                    format!("corral lsp does not handle {}", request.method),
                );
                connection.sender.send(Message::Response(error))?;
            }
            Message::Notification(notification) => server.notified(connection, notification)?,
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// The open documents and the workspaces discovered around them.
#[derive(Default)]
struct Server {
    /// The editor's text of each open document, by URI.
    documents: HashMap<Uri, String>,
    /// Discovered workspaces with their configuration, by root; dropped on save,
    /// when files may have come or gone.
    workspaces: HashMap<PathBuf, (Config, Workspace)>,
}

impl Server {
    fn notified(&mut self, connection: &Connection, notification: Notification) -> Result<()> {
        let uri = match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(params) = params::<DidOpenTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                let document = params.text_document;
                self.documents.insert(document.uri.clone(), document.text);
                document.uri
            }
            DidChangeTextDocument::METHOD => {
                let Some(params) = params::<DidChangeTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = params.content_changes.into_iter().last() else { return Ok(()) };
                self.documents.insert(params.text_document.uri.clone(), change.text);
                params.text_document.uri
            }
            DidSaveTextDocument::METHOD => {
                let Some(params) = params::<DidSaveTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                self.workspaces.clear();
                params.text_document.uri
            }
            DidCloseTextDocument::METHOD => {
                let Some(params) = params::<DidCloseTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                self.documents.remove(&uri);
                return publish(connection, uri, Vec::new());
            }
            _ => return Ok(()),
        };
        if !self.documents.contains_key(&uri) {
            return Ok(());
        }
        let analysed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.diagnostics(&uri)))
            .unwrap_or_else(|_| Err(anyhow!("the analysis panicked")));
        match analysed {
            Ok(diagnostics) => publish(connection, uri, diagnostics),
            Err(error) => log(connection, MessageType::ERROR, format!("corral: {}: {error:#}", uri.as_str())),
        }
    }

    /// The findings in the open document `uri`, as diagnostics.
    fn diagnostics(&mut self, uri: &Uri) -> Result<Vec<Diagnostic>> {
        let path = file_path(uri).ok_or_else(|| anyhow!("not a file URI"))?;
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        let root = path
            .ancestors()
            .skip(1)
            .find(|dir| dir.join("Cargo.toml").is_file())
            .unwrap_or(&path)
            .to_path_buf();
        let known = self
            .workspaces
            .get(&root)
            .is_some_and(|(_, workspace)| workspace.files.iter().any(|file| file.path == path));
        if !known {
            // A new file, or a root not seen yet (or since the last save).
            let config_root = if root == path { path.parent().unwrap_or(&path) } else { &root };
            let config = config::load(config_root)?;
            let filter = FileFilter::new(&config.include, &config.exclude)?;
            let workspace = discover::discover(&root, &filter)
                .with_context(|| format!("cannot discover {}", root.display()))?;
            self.workspaces.insert(root.clone(), (config, workspace));
        }
        let (config, workspace) = self.workspaces.get_mut(&root).expect("inserted above");
        let Some(display) = workspace.files.iter().find(|file| file.path == path).map(|f| f.display.clone())
        else {
            // Excluded by the configuration, or not part of what discovery found.
            return Ok(Vec::new());
        };
        workspace.overlay = self
            .documents
            .iter()
            .filter_map(|(uri, text)| {
                let path = file_path(uri)?;
                Some((std::fs::canonicalize(&path).unwrap_or(path), text.clone()))
            })
            .collect();
        let mut config = config.clone();
        let (result, _) = scan_tiers(&root, workspace, &mut config, true, &Quiet);
        workspace.overlay.clear();
        let text = &self.documents[uri];
        Ok(result
            .sites
            .iter()
            .filter(|site| site.path == display && site.verdict.is_finding())
            .map(|site| diagnostic(site, text, &config.marker))
            .collect())
    }
}

/// One finding as a diagnostic on its callee.
fn diagnostic(site: &SpawnSite, text: &str, marker: &str) -> Diagnostic {
    let code = match site.verdict {
        Verdict::ExemptWithoutReason => "exempt-without-reason",
        _ => "bare-spawn",
    };
    Diagnostic {
        range: Range {
            start: position(text, site.callee_start as usize),
            end: position(text, site.callee_end as usize),
        },
        severity: Some(DiagnosticSeverity::WARNING),
        code: Some(NumberOrString::String(code.to_string())),
        source: Some("corral".to_string()),
        message: format!("{}\n{}", render::headline(site), render::fix_hint(site, marker)),
        ..Diagnostic::default()
    }
}

/// The LSP position (line, UTF-16 code units) of a byte offset of `text`.
fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count();
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    Position { line: line as u32, character: character as u32 }
}

/// The path a `file:` URI names, percent-decoded.
fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    let path = String::from_utf8(decoded).ok()?;
    Some(Path::new(&path).to_path_buf())
}

/// The parameters of a notification; a malformed one is logged and skipped.
fn params<P: serde::de::DeserializeOwned>(
    connection: &Connection,
    notification: Notification,
) -> Result<Option<P>> {
    let method = notification.method.clone();
    match serde_json::from_value(notification.params) {
        Ok(params) => Ok(Some(params)),
        Err(error) => {
            log(connection, MessageType::ERROR, format!("corral: malformed {method}: {error}"))?;
            Ok(None)
        }
    }
}

fn publish(connection: &Connection, uri: Uri, diagnostics: Vec<Diagnostic>) -> Result<()> {
    let params = PublishDiagnosticsParams { uri, diagnostics, version: None };
    let notification = Notification::new(PublishDiagnostics::METHOD.to_string(), params);
    connection.sender.send(Message::Notification(notification))?;
    Ok(())
}

fn log(connection: &Connection, typ: MessageType, message: String) -> Result<()> {
    let notification = Notification::new(LogMessage::METHOD.to_string(), LogMessageParams { typ, message });
    connection.sender.send(Message::Notification(notification))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "fn a() {}\nlet é𝄞 = x;";
        assert_eq!(position(text, 0), Position { line: 0, character: 0 });
        let x = text.find('x').unwrap();
        // `é` is one unit, `𝄞` two.
        assert_eq!(position(text, x), Position { line: 1, character: 10 });
    }

    #[test]
    fn file_uris_are_decoded() {
        let uri: Uri = "file:///tmp/a%20b/lib.rs".parse().unwrap();
        assert_eq!(file_path(&uri), Some(PathBuf::from("/tmp/a b/lib.rs")));
        let uri: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_path(&uri), None);
    }
}
