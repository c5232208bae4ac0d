//! `corral lsp`: a language server on stdio that publishes the findings of
//! `check` (bare spawns, exempt markers without a reason) as diagnostics and
//! offers the rewrite as code actions.
//!
//! An open document is analysed as part of the workspace around it (the
//! nearest manifest above it with a `[workspace]` table, else its package),
//! with the editor's texts of the open documents read instead of the files on
//! disk ([`Workspace::overlay`](crate::discover::Workspace)); a file outside
//! any package is analysed alone. The syntax tier runs on every change; after
//! a save the semantic tier runs in the background and, when it finishes,
//! refines the diagnostics of the documents not edited meanwhile (edits win:
//! their syntax diagnostics stand until the next save). A change to a
//! `corral.toml` or a manifest, or a Rust file created or deleted, drops what
//! was discovered. Nothing that goes wrong in an analysis stops the server:
//! the client hears it as a `window/logMessage`, and the document keeps its
//! last diagnostics.

mod actions;
mod diagnostics;
mod edits;
mod semantic;
mod text;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use crossbeam_channel::{Sender, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, CodeActionResolveRequest, RegisterCapability, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability, Diagnostic,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher,
    GlobPattern, LogMessageParams, MessageType, PublishDiagnosticsParams, Registration, RegistrationParams,
    SaveOptions, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri, WatchKind,
};
use serde_json::json;

use self::actions::code_actions;
use self::diagnostics::diagnostic;
use self::edits::ClientSupport;
use self::semantic::Pass;
use self::text::file_path;
use crate::analysis::{Analysis, Inputs, Quiet};
use crate::sites::model::SpawnSite;

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run() -> Result<()> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

/// What the server offers: full text sync with saves, code actions.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
            ..TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::from(actions::FIX_ALL)]),
            resolve_provider: Some(true),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// The handshake, then the main loop over `connection`.
pub fn serve(connection: &Connection) -> Result<()> {
    let (id, params) = connection.initialize_start()?;
    let support = ClientSupport::of(&params["capabilities"]);
    let semantic = semantic::wanted(&params["initializationOptions"]);
    let result = json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "corral", "version": env!("CARGO_PKG_VERSION")},
    });
    connection.initialize_finish(id, result)?;
    if support.watch_files {
        watch_files(connection)?;
    }
    let (passes, finished) = crossbeam_channel::unbounded();
    let mut server = Server::new(support, semantic, passes);
    loop {
        select! {
            recv(connection.receiver) -> message => {
                let Ok(message) = message else { return Ok(()) };
                if server.handle(connection, message)? == Flow::Exit {
                    return Ok(());
                }
            }
            recv(finished) -> pass => {
                if let Ok(pass) = pass {
                    server.semantic_finished(connection, pass)?;
                }
            }
        }
        // Everything the client already sent is taken in before analysing:
        // a burst of changes costs one analysis.
        while let Ok(message) = connection.receiver.try_recv() {
            if server.handle(connection, message)? == Flow::Exit {
                return Ok(());
            }
        }
        server.publish_stale(connection)?;
    }
}

/// Asks the client to tell about configuration files, manifests and Rust
/// files created or deleted.
fn watch_files(connection: &Connection) -> Result<()> {
    let watcher = |glob: &str, kind: WatchKind| FileSystemWatcher {
        glob_pattern: GlobPattern::String(glob.to_string()),
        kind: Some(kind),
    };
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![
            watcher("**/corral.toml", WatchKind::all()),
            watcher("**/Cargo.toml", WatchKind::all()),
            watcher("**/Cargo.lock", WatchKind::all()),
            watcher("**/*.rs", WatchKind::Create | WatchKind::Delete),
        ],
    };
    let params = RegistrationParams {
        registrations: vec![Registration {
            id: "corral-watched-files".to_string(),
            method: DidChangeWatchedFiles::METHOD.to_string(),
            register_options: Some(serde_json::to_value(options)?),
        }],
    };
    let request =
        Request::new(RequestId::from("corral-watch".to_string()), RegisterCapability::METHOD.into(), params);
    connection.sender.send(Message::Request(request))?;
    Ok(())
}

#[derive(PartialEq)]
enum Flow {
    Continue,
    Exit,
}

/// An open document: the editor's text and its version.
struct Document {
    text: String,
    version: i32,
    /// Rust source, to analyse (a manifest open in the editor only lends its text).
    rust: bool,
    /// Where it is: its canonical path (none for a URI that is no file) and
    /// the folder analysed for it (see `workspace_root`), found when it opens
    /// rather than on every change.
    place: Option<Place>,
}

#[derive(Clone)]
struct Place {
    path: PathBuf,
    root: PathBuf,
}

impl Place {
    fn of(uri: &Uri) -> Option<Place> {
        let path = canonical(file_path(uri)?);
        Some(Place { root: workspace_root(&path), path })
    }
}

/// The open documents and the workspaces analysed around them.
struct Server {
    support: ClientSupport,
    /// Whether the semantic tier runs after a save.
    semantic: bool,
    documents: HashMap<Uri, Document>,
    /// The documents whose diagnostics are older than their text.
    stale: HashSet<Uri>,
    /// Configuration and discovered workspace, by root; dropped when files
    /// that change them change.
    workspaces: HashMap<PathBuf, Analysis>,
    /// The background semantic passes: where they report, which run, which must run again.
    passes: Sender<Pass>,
    running: HashSet<PathBuf>,
    again: HashSet<PathBuf>,
    /// Roots whose semantic tier could not run, already told to the client.
    told_unavailable: HashSet<PathBuf>,
    /// The latest tracking actions offered, for telling whether one was made.
    offers: VecDeque<Offer>,
    /// Files a code action's edit changed in the editor that the client does
    /// not sync: their texts stand for the files on disk until the editor opens
    /// them, or the files change on disk (saved).
    applied: HashMap<PathBuf, String>,
}

/// An edit a tracking action offered (see `Server::offer`).
struct Offer {
    /// The document the action was asked for, and the text the edit leaves in it.
    document: PathBuf,
    text: String,
    /// What it leaves in the files the client does not sync.
    unsynced: Vec<(PathBuf, String)>,
}

/// How many offers are remembered: an editor asks for actions as the cursor
/// moves, and the edit picked comes right after.
const OFFERS_KEPT: usize = 64;

impl Server {
    fn new(support: ClientSupport, semantic: bool, passes: Sender<Pass>) -> Server {
        Server {
            support,
            semantic,
            documents: HashMap::new(),
            stale: HashSet::new(),
            workspaces: HashMap::new(),
            passes,
            running: HashSet::new(),
            again: HashSet::new(),
            told_unavailable: HashSet::new(),
            offers: VecDeque::new(),
            applied: HashMap::new(),
        }
    }

    fn handle(&mut self, connection: &Connection, message: Message) -> Result<Flow> {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(Flow::Exit);
                }
                let response = self.requested(connection, request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => self.notified(connection, notification)?,
            Message::Response(_) => {}
        }
        Ok(Flow::Continue)
    }

    fn requested(&mut self, connection: &Connection, request: Request) -> Response {
        let method = request.method.clone();
        // What the client gets when the analysis fails (and its log hears why).
        let (uri, fallback, result) = match method.as_str() {
            CodeActionRequest::METHOD => {
                let params = match serde_json::from_value::<CodeActionParams>(request.params) {
                    Ok(params) => params,
                    Err(error) => {
                        let why = format!("malformed {method}: {error}");
                        return Response::new_err(request.id, ErrorCode::InvalidParams as i32, why);
                    }
                };
                let actions = guarded(|| self.actions(&params)).map(serde_json::Value::from);
                (params.text_document.uri.as_str().to_string(), json!([]), actions)
            }
            CodeActionResolveRequest::METHOD => {
                let uri = request.params["data"]["uri"].as_str().unwrap_or_default().to_string();
                let unresolved = request.params.clone();
                (uri, unresolved, guarded(|| self.resolve(request.params)))
            }
            _ => {
                let why = format!("corral lsp does not handle {method}");
                return Response::new_err(request.id, ErrorCode::MethodNotFound as i32, why);
            }
        };
        let result = result.unwrap_or_else(|error| {
            let _ = log(connection, MessageType::ERROR, format!("corral: {uri}: {error:#}"));
            fallback
        });
        Response::new_ok(request.id, result)
    }

    /// Remembers an offered edit: the text it leaves in the document asked
    /// about, and in the files the client does not sync (a manifest, a new
    /// helper module). When the document's next text is that text, the edit
    /// was made, and the other texts stand for those files from then on (see
    /// `made_offer`): the protocol tells a server nothing of edits to files it
    /// does not sync.
    fn offer(&mut self, document: &Path, changes: &[crate::rewrite::FileChange]) {
        let Some(predicted) = changes.iter().find(|change| change.path == document) else { return };
        let open: HashSet<&PathBuf> =
            self.documents.values().filter_map(|open| Some(&open.place.as_ref()?.path)).collect();
        let unsynced: Vec<(PathBuf, String)> = changes
            .iter()
            .filter(|change| !open.contains(&change.path))
            .map(|change| (change.path.clone(), change.new_text.clone()))
            .collect();
        if unsynced.is_empty() {
            return;
        }
        self.offers.push_back(Offer {
            document: document.to_path_buf(),
            text: predicted.new_text.clone(),
            unsynced,
        });
        if self.offers.len() > OFFERS_KEPT {
            self.offers.pop_front();
        }
    }

    /// The document at `path` now holds `text`: when an offered edit leaves
    /// that, it was made. Offers made for its earlier texts go either way.
    fn made_offer(&mut self, path: &Path, text: &str) {
        let made = self.offers.iter().rposition(|offer| offer.document == path && offer.text == text);
        if let Some(made) = made.and_then(|index| self.offers.remove(index)) {
            self.applied.extend(made.unsynced);
            // A manifest may have changed what the workspace is.
            self.reload();
        }
        self.offers.retain(|offer| offer.document != path);
    }

    fn actions(&mut self, params: &CodeActionParams) -> Result<Vec<serde_json::Value>> {
        let only = params.context.only.as_deref();
        let made =
            self.act(&params.text_document.uri, |analysis, document, version, support, remember| {
                code_actions(analysis, document, params.range, only, support, version, remember)
            })?;
        Ok(made.unwrap_or_default())
    }

    /// `codeAction/resolve`: the edit of an action offered without one.
    fn resolve(&mut self, action: serde_json::Value) -> Result<serde_json::Value> {
        let uri: Option<Uri> = action["data"]["uri"].as_str().and_then(|uri| uri.parse().ok());
        let Some(uri) = uri else { return Ok(action) };
        let unresolved = action.clone();
        let made = self.act(&uri, |analysis, document, version, support, remember| {
            actions::resolve(analysis, document, action, support, version, remember)
        })?;
        Ok(made.unwrap_or(unresolved))
    }

    /// Runs `act` on the open document `uri`, its findings and its workspace
    /// (scanned with the editor's texts); `None` when the document is not open.
    fn act<T>(
        &mut self,
        uri: &Uri,
        act: impl FnOnce(
            &mut Analysis,
            &actions::Document<'_>,
            &dyn Fn(&Path) -> Option<i32>,
            ClientSupport,
            &mut actions::Remember<'_>,
        ) -> T,
    ) -> Result<Option<T>> {
        if !self.documents.contains_key(uri) {
            return Ok(None);
        }
        let (root, findings) = self.analyse(uri)?;
        let versions: HashMap<PathBuf, i32> = self
            .documents
            .values()
            .filter_map(|open| Some((open.place.as_ref()?.path.clone(), open.version)))
            .collect();
        let (text, document_version) = (self.documents[uri].text.clone(), self.documents[uri].version);
        let document = actions::Document { uri, text: &text, version: document_version, findings: &findings };
        let mut analysis = self.workspaces.remove(&root).expect("analysed above");
        let version = |path: &Path| versions.get(path).copied();
        let support = self.support;
        let document_path = self.documents[uri].place.as_ref().expect("analysed above").path.clone();
        let mut remember = |changes: &[crate::rewrite::FileChange]| self.offer(&document_path, changes);
        let made = act(&mut analysis, &document, &version, support, &mut remember);
        self.workspaces.insert(root, analysis);
        Ok(Some(made))
    }

    fn notified(&mut self, connection: &Connection, notification: Notification) -> Result<()> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(params) = params::<DidOpenTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                let document = params.text_document;
                let place = Place::of(&document.uri);
                if let Some(place) = &place {
                    // The editor syncs it from now on.
                    self.applied.remove(&place.path);
                }
                let rust = document.language_id == "rust" || is_rust(&document.uri);
                let open = Document { text: document.text, version: document.version, rust, place };
                self.documents.insert(document.uri.clone(), open);
                if rust {
                    self.stale.insert(document.uri);
                }
            }
            DidChangeTextDocument::METHOD => {
                let Some(params) = params::<DidChangeTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = params.content_changes.into_iter().last() else { return Ok(()) };
                let uri = params.text_document.uri;
                let (rust, place) = match self.documents.get(&uri) {
                    Some(open) => (open.rust, open.place.clone()),
                    None => (is_rust(&uri), Place::of(&uri)),
                };
                if let Some(place) = &place {
                    self.made_offer(&place.path, &change.text);
                }
                let version = params.text_document.version;
                let document = Document { text: change.text, version, rust, place };
                self.documents.insert(uri.clone(), document);
                if rust {
                    // Other documents (a manifest) only lend their texts to plans.
                    self.stale.insert(uri);
                }
            }
            DidSaveTextDocument::METHOD => {
                let Some(params) = params::<DidSaveTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                if is_rust(&uri) {
                    // Files may have come or gone since the workspace was discovered
                    // (for clients that do not watch files).
                    self.workspaces.clear();
                    if self.semantic {
                        self.start_semantic(connection, &uri)?;
                    }
                } else {
                    // A configuration file or a manifest, open in the editor.
                    self.reload();
                }
            }
            DidCloseTextDocument::METHOD => {
                let Some(params) = params::<DidCloseTextDocumentParams>(connection, notification)? else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                self.documents.remove(&uri);
                self.stale.remove(&uri);
                return publish(connection, uri, None, Vec::new());
            }
            DidChangeWatchedFiles::METHOD => {
                let Some(params) = params::<DidChangeWatchedFilesParams>(connection, notification)? else {
                    return Ok(());
                };
                if !params.changes.is_empty() {
                    for change in &params.changes {
                        // Saved (or changed otherwise): the file on disk is the truth again.
                        if let Some(path) = file_path(&change.uri) {
                            self.applied.remove(&canonical(path));
                        }
                    }
                    self.reload();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Forgets every configuration and discovered workspace; the open documents are analysed again.
    fn reload(&mut self) {
        self.workspaces.clear();
        // A manifest may have gained or lost its `[workspace]` table.
        for (uri, open) in &mut self.documents {
            open.place = Place::of(uri);
        }
        self.stale.extend(self.documents.iter().filter(|(_, open)| open.rust).map(|(uri, _)| uri.clone()));
    }

    /// Publishes the diagnostics of every document whose text changed since its last ones.
    fn publish_stale(&mut self, connection: &Connection) -> Result<()> {
        let mut stale: Vec<Uri> = self.stale.drain().collect();
        stale.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        for uri in stale {
            let Some(version) = self.documents.get(&uri).map(|d| d.version) else { continue };
            match guarded(|| self.diagnostics(&uri)) {
                Ok(diagnostics) => publish(connection, uri, Some(version), diagnostics)?,
                Err(error) => {
                    log(connection, MessageType::ERROR, format!("corral: {}: {error:#}", uri.as_str()))?
                }
            }
        }
        Ok(())
    }

    /// The findings in the open document `uri`, as diagnostics.
    fn diagnostics(&mut self, uri: &Uri) -> Result<Vec<Diagnostic>> {
        let (root, findings) = self.analyse(uri)?;
        let marker = &self.workspaces[&root].config.marker;
        let text = &self.documents[uri].text;
        Ok(findings.iter().map(|site| diagnostic(site, text, marker)).collect())
    }

    /// Scans the workspace of the open document `uri` with the syntax tier and
    /// the open documents' texts; its root and the document's findings.
    fn analyse(&mut self, uri: &Uri) -> Result<(PathBuf, Vec<SpawnSite>)> {
        let place = self.documents.get(uri).and_then(|open| open.place.clone());
        let Place { path, root } = place.ok_or_else(|| anyhow!("not a file URI"))?;
        let known =
            self.workspaces.get(&root).is_some_and(|analysis| analysis.workspace.file(&path).is_some());
        if !known {
            // A new file, or a root not seen yet (or since the last reload).
            let mut analysis = Analysis::discover(&inputs(&root))?;
            // Every change scans the workspace again: files not changed are not parsed again.
            analysis.workspace.facts_cache = Some(Default::default());
            self.workspaces.insert(root.clone(), analysis);
        }
        let overlay = self.overlay();
        let analysis = self.workspaces.get_mut(&root).expect("inserted above");
        let Some(display) = analysis.workspace.file(&path).map(|file| file.display.clone()) else {
            // Excluded by the configuration, or not part of what discovery found.
            return Ok((root, Vec::new()));
        };
        analysis.workspace.overlay = overlay;
        analysis.scan(&root, true, &Quiet);
        let findings = findings_in(&analysis.result.sites, &display);
        Ok((root, findings))
    }

    /// The texts that stand for files on disk, by canonical path: the open
    /// documents', and what applied edits left in files the client does not sync.
    fn overlay(&self) -> HashMap<PathBuf, String> {
        let mut overlay = self.applied.clone();
        overlay.extend(
            self.documents
                .values()
                .filter_map(|open| Some((open.place.as_ref()?.path.clone(), open.text.clone()))),
        );
        overlay
    }

    /// Starts the semantic tier on the workspace of `uri` in the background,
    /// or asks for another pass when one is running there.
    fn start_semantic(&mut self, connection: &Connection, uri: &Uri) -> Result<()> {
        let Some(Place { path, root }) = self.documents.get(uri).and_then(|open| open.place.clone()) else {
            return Ok(());
        };
        if root == path {
            // A file outside any package: nothing for rust-analyzer to load.
            return Ok(());
        }
        if !self.running.insert(root.clone()) {
            self.again.insert(root);
            return Ok(());
        }
        let versions = self
            .documents
            .iter()
            .filter(|(_, open)| open.place.as_ref().is_some_and(|place| place.root == root))
            .map(|(uri, document)| (uri.clone(), document.version))
            .collect();
        semantic::start(root, self.overlay(), versions, self.passes.clone())
            .map_err(|error| anyhow!("cannot start the semantic tier: {error}"))
            .or_else(|error| log(connection, MessageType::ERROR, format!("corral: {error:#}")))
    }

    /// Publishes what a semantic pass found for the documents not edited since it started.
    fn semantic_finished(&mut self, connection: &Connection, pass: Pass) -> Result<()> {
        self.running.remove(&pass.root);
        match pass.outcome {
            Err(error) => {
                log(connection, MessageType::ERROR, format!("corral: {}: {error:#}", pass.root.display()))?;
            }
            Ok(semantic::Outcome::Unavailable(why)) => {
                if self.told_unavailable.insert(pass.root.clone()) {
                    let message = format!(
                        "corral: the semantic tier cannot run here ({why}); the syntax tier goes on alone"
                    );
                    log(connection, MessageType::INFO, message)?;
                }
            }
            Ok(semantic::Outcome::Found(analysis)) => {
                for (uri, version) in &pass.versions {
                    let Some(document) = self.documents.get(uri) else { continue };
                    if document.version != *version || self.stale.contains(uri) {
                        // Edited meanwhile: the syntax tier's diagnostics of the new text win.
                        continue;
                    }
                    let Some(place) = &document.place else { continue };
                    let Some(file) = analysis.workspace.file(&place.path) else { continue };
                    let marker = &analysis.config.marker;
                    let diagnostics = findings_in(&analysis.result.sites, &file.display)
                        .iter()
                        .map(|site| diagnostic(site, &document.text, marker))
                        .collect();
                    publish(connection, uri.clone(), Some(*version), diagnostics)?;
                }
            }
        }
        if self.again.remove(&pass.root)
            && let Some((uri, _)) = pass.versions.first()
        {
            self.start_semantic(connection, &uri.clone())?;
        }
        Ok(())
    }
}

/// The findings among `sites` in the file shown as `display`.
fn findings_in(sites: &[SpawnSite], display: &str) -> Vec<SpawnSite> {
    sites.iter().filter(|site| site.path == display && site.verdict.is_finding()).cloned().collect()
}

/// What an analysis of `root` reads: its own configuration, the test code as it says.
fn inputs(root: &Path) -> Inputs<'_> {
    Inputs { path: root, include_tests: false, config: None, syntax_only: true, progress: &Quiet }
}

/// The folder corral analyses for `path`: the nearest manifest above it with a
/// `[workspace]` table, else its package; the file itself outside any package.
fn workspace_root(path: &Path) -> PathBuf {
    let mut manifests = path.ancestors().skip(1).filter(|dir| dir.join("Cargo.toml").is_file());
    let Some(package) = manifests.next() else { return path.to_path_buf() };
    std::iter::once(package)
        .chain(manifests)
        .find(|dir| {
            let text = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
            text.parse::<toml::Table>().is_ok_and(|manifest| manifest.contains_key("workspace"))
        })
        .unwrap_or(package)
        .to_path_buf()
}

fn canonical(path: PathBuf) -> PathBuf {
    std::fs::canonicalize(&path).unwrap_or(path)
}

fn is_rust(uri: &Uri) -> bool {
    uri.as_str().ends_with(".rs")
}

/// Runs `analysis`; a panic comes back as an error, so the server goes on.
fn guarded<T>(analysis: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(analysis))
        .unwrap_or_else(|_| Err(anyhow!("the analysis panicked")))
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

fn publish(
    connection: &Connection,
    uri: Uri,
    version: Option<i32>,
    diagnostics: Vec<Diagnostic>,
) -> Result<()> {
    let params = PublishDiagnosticsParams { uri, diagnostics, version };
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
    fn a_member_is_analysed_with_its_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |relative: &str, text: &str| {
            let path = root.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
        write("crates/a/Cargo.toml", "[package]\nname = \"a\"\n");
        write("crates/a/src/lib.rs", "");
        let outside = tempfile::tempdir().unwrap();
        assert_eq!(workspace_root(&root.join("crates/a/src/lib.rs")), root);
        // No workspace above: the package. Outside any package: the file.
        let lone = tempfile::tempdir().unwrap();
        std::fs::write(lone.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        assert_eq!(workspace_root(&lone.path().join("src/main.rs")), lone.path());
        let file = outside.path().join("script.rs");
        assert_eq!(workspace_root(&file), file);
    }
}
