//! `corral lsp` as an editor runs it: a process speaking JSON-RPC with
//! Content-Length framing on stdin and stdout.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

mod common;

const TIMEOUT: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
}

impl Server {
    /// The server as the tests run it: the syntax tier alone (`.cargo/config.toml` sets `CORRAL_SYNTAX_ONLY`).
    fn start() -> Server {
        Server::spawn(Command::new(assert_cmd::cargo::cargo_bin("corral")).arg("lsp"))
    }

    /// The server as an editor runs it: the semantic tier after saves.
    fn start_semantic() -> Server {
        Server::spawn(
            Command::new(assert_cmd::cargo::cargo_bin("corral")).arg("lsp").env_remove("CORRAL_SYNTAX_ONLY"),
        )
    }

    fn spawn(command: &mut Command) -> Server {
        let mut child =
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = Some(value.parse::<usize>().unwrap());
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Server { child, stdin, messages }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|message| message["id"] == id)
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message `wanted` accepts; fails after the timeout.
    fn wait_for(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self.messages.recv_timeout(TIMEOUT).expect("the server answers in time");
            if wanted(&message) {
                return message;
            }
        }
    }

    /// The diagnostics of the next publishDiagnostics.
    fn diagnostics(&self) -> Vec<Value> {
        self.published()["diagnostics"].as_array().unwrap().clone()
    }

    /// The parameters of the next publishDiagnostics: uri, version, diagnostics.
    fn published(&self) -> Value {
        let message = self.wait_for(|m| {
            assert_ne!(m["method"], "window/logMessage", "the server logged: {m}");
            m["method"] == "textDocument/publishDiagnostics"
        });
        message["params"].clone()
    }

    /// The handshake, with `capabilities` as the client's.
    fn initialize(&mut self, capabilities: Value) -> Value {
        let answer = self.request(1, "initialize", json!({"capabilities": capabilities}));
        self.notify("initialized", json!({}));
        answer["result"].clone()
    }

    fn open(&mut self, uri: &str, text: &str) {
        let document = json!({"uri": uri, "languageId": "rust", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({ "textDocument": document }));
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        let document = json!({"uri": uri, "version": version});
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": document, "contentChanges": [{"text": text}]}),
        );
    }

    /// The code actions for `range`, by title.
    fn actions(&mut self, id: u64, uri: &str, range: &Value, only: Option<Value>) -> Vec<Value> {
        let mut context = json!({"diagnostics": []});
        if let Some(only) = only {
            context["only"] = only;
        }
        let params = json!({"textDocument": {"uri": uri}, "range": range, "context": context});
        let answer = self.request(id, "textDocument/codeAction", params);
        answer["result"].as_array().unwrap_or_else(|| panic!("no actions: {answer}")).clone()
    }

    fn stop(mut self) {
        let shutdown = self.request(99, "shutdown", Value::Null);
        assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
        self.notify("exit", Value::Null);
        let status = wait(&mut self.child);
        assert!(status.success(), "{status:?}");
    }
}

/// The `file:` URI of a file under `root`.
fn uri_of(root: &Path, relative: &str) -> String {
    format!("file://{}", fs::canonicalize(root).unwrap().join(relative).display())
}

/// `text` with the LSP text edits `edits` made (ASCII texts: characters are bytes).
fn edited(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        text.split_inclusive('\n').take(line).map(str::len).sum::<usize>() + character
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|edit| {
            let new_text = edit["newText"].as_str().or(edit["snippet"]["value"].as_str()).unwrap();
            (offset(&edit["range"]["start"]), offset(&edit["range"]["end"]), new_text.to_string())
        })
        .collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.0));
    let mut text = text.to_string();
    for (start, end, new_text) in edits {
        text.replace_range(start..end, &new_text);
    }
    text
}

/// Applies a workspace edit with `documentChanges` to the files under `root`
/// and to `open` (the editor's text of the document `open_uri`).
fn apply_edit(edit: &Value, open_uri: &str, open: &mut String) {
    for operation in edit["documentChanges"].as_array().unwrap_or_else(|| panic!("documentChanges: {edit}")) {
        if operation["kind"] == "create" {
            let path = operation["uri"].as_str().unwrap().strip_prefix("file://").unwrap();
            assert!(!Path::new(path).exists(), "{path} exists");
            fs::write(path, "").unwrap();
            continue;
        }
        let uri = operation["textDocument"]["uri"].as_str().unwrap();
        let edits = operation["edits"].as_array().unwrap();
        if uri == open_uri {
            *open = edited(open, edits);
        } else {
            let path = uri.strip_prefix("file://").unwrap();
            let text = fs::read_to_string(path).unwrap();
            fs::write(path, edited(&text, edits)).unwrap();
        }
    }
}

/// A package with two bare spawns, one in a method that moves a captured variable.
fn package(root: &Path) {
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\n",
    );
    write(
        root,
        "src/lib.rs",
        "pub struct Worker {\n    name: String,\n}\n\nimpl Worker {\n    pub fn start(&self) {\n        let name = self.name.clone();\n        tokio::spawn(async move {\n            println!(\"{name}\");\n        });\n    }\n}\n\npub fn background() {\n    std::thread::spawn(|| ());\n}\n",
    );
}

/// A scratch `package()`: its folder, and its `src/lib.rs`'s URI and text.
fn scratch_package() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    package(dir.path());
    let uri = uri_of(dir.path(), "src/lib.rs");
    let text = fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    (dir, uri, text)
}

#[test]
fn code_actions_track_or_exempt_a_spawn() {
    let (dir, uri, original) = scratch_package();
    let root = dir.path();

    let mut server = Server::start();
    let capabilities = json!({"workspace": {"workspaceEdit": {
        "documentChanges": true, "resourceOperations": ["create"], "snippetEditSupport": true
    }}});
    let result = server.initialize(capabilities);
    assert_eq!(
        result["capabilities"]["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "source.fixAll.corral"])
    );
    server.open(&uri, &original);
    let published = server.published();
    assert_eq!(published["version"], 1, "{published}");
    let diagnostics = published["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");

    // At the first finding: track it, exempt it, or track the whole file.
    let actions = server.actions(2, &uri, &diagnostics[0]["range"], None);
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Track this spawn", "Exempt this spawn", "Track every spawn in this file"]);
    assert!(actions.iter().all(|a| a["kind"] == "quickfix"), "{actions:?}");
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(actions[0]["diagnostics"][0]["range"], diagnostics[0]["range"]);

    // The exempt marker goes above the call, its reason a placeholder to type over.
    let exempt = &actions[1]["edit"]["documentChanges"][0];
    assert_eq!(exempt["textDocument"]["version"], 1);
    assert_eq!(exempt["edits"][0]["snippet"]["value"], "        // spawn-exempt: ${1:reason}\n");
    assert_eq!(exempt["edits"][0]["range"]["start"], json!({"line": 7, "character": 0}));

    // Tracking creates the helper module and edits the crate root and the manifest.
    let track = &actions[0]["edit"];
    let operations = track["documentChanges"].as_array().unwrap();
    let created: Vec<&str> =
        operations.iter().filter(|o| o["kind"] == "create").map(|o| o["uri"].as_str().unwrap()).collect();
    assert_eq!(created, [uri_of(root, "src/tasks.rs")], "{track}");
    let mut text = original.clone();
    apply_edit(track, &uri, &mut text);
    assert!(text.contains("mod tasks;"), "{text}");
    assert!(!text.contains("tokio::spawn("), "{text}");
    assert!(text.contains("std::thread::spawn("), "only the one site: {text}");
    assert!(fs::read_to_string(root.join("Cargo.toml")).unwrap().contains("tokio-util"));
    assert!(fs::read_to_string(root.join("src/tasks.rs")).unwrap().contains("pub async fn drain()"));
    server.change(&uri, 2, &text);
    let published = server.published();
    assert_eq!(published["version"], 2);
    let diagnostics = published["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("std::thread::spawn"), "{diagnostics:?}");

    // Away from any finding, only the file-wide action, as a source action.
    let nowhere = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    let actions = server.actions(3, &uri, &nowhere, Some(json!(["source.fixAll"])));
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Track every spawn in this file"]);
    assert_eq!(actions[0]["kind"], "source.fixAll.corral");
    assert!(server.actions(4, &uri, &nowhere, Some(json!(["refactor"]))).is_empty());
    apply_edit(&actions[0]["edit"], &uri, &mut text);
    server.change(&uri, 3, &text);
    assert_eq!(server.diagnostics(), Vec::<Value>::new());
    server.stop();
}

#[test]
fn a_client_without_file_operations_can_still_exempt() {
    let (_dir, uri, original) = scratch_package();

    let mut server = Server::start();
    server.initialize(json!({}));
    server.open(&uri, &original);
    let diagnostics = server.diagnostics();
    let actions = server.actions(2, &uri, &diagnostics[1]["range"], None);
    // Tracking needs a new file this client cannot create: the action says so.
    let reason = actions[0]["disabled"]["reason"].as_str().unwrap_or_else(|| panic!("{actions:?}"));
    assert!(reason.contains("src/tasks.rs") && reason.contains("corral init"), "{reason}");
    assert!(actions[0].get("edit").is_none());
    // The marker, plain, with the reason left to write: the gate asks for it.
    let edits = actions[1]["edit"]["changes"][&uri].as_array().unwrap().clone();
    assert_eq!(edits[0]["newText"], "    // spawn-exempt:\n");
    let text = edited(&original, &edits);
    server.change(&uri, 2, &text);
    let diagnostics = server.diagnostics();
    let codes: Vec<&str> = diagnostics.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["bare-spawn", "exempt-without-reason"]);
    server.stop();
}

#[test]
fn a_changed_configuration_is_read_again() {
    let (dir, uri, text) = scratch_package();
    let root = dir.path();

    let mut server = Server::start();
    let result =
        server.initialize(json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    assert!(result["capabilities"].is_object());
    // The server asks to hear about configuration files and manifests.
    let registration = server.wait_for(|m| m["method"] == "client/registerCapability");
    let watchers = &registration["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert_eq!(watchers[0]["globPattern"], "**/corral.toml", "{registration}");
    server.send(json!({"jsonrpc": "2.0", "id": registration["id"], "result": null}));
    server.open(&uri, &text);
    assert_eq!(server.diagnostics().len(), 2);

    let config = uri_of(root, "corral.toml");
    let changed = |kind: u32| json!({"changes": [{"uri": config, "type": kind}]});
    write(root, "corral.toml", "marker = \"detached\"\n");
    server.notify("workspace/didChangeWatchedFiles", changed(1));
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 2);
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("// detached:"), "{diagnostics:?}");

    // A broken file is named in the log; the document keeps its diagnostics.
    write(root, "corral.toml", "marker = [\n");
    server.notify("workspace/didChangeWatchedFiles", changed(2));
    let logged = server.wait_for(|m| m["method"] == "window/logMessage");
    assert!(logged["params"]["message"].as_str().unwrap().contains("corral.toml"), "{logged}");

    write(root, "corral.toml", "exclude = [\"src/lib.rs\"]\n");
    server.notify("workspace/didChangeWatchedFiles", changed(2));
    assert_eq!(server.diagnostics(), Vec::<Value>::new());
    server.stop();
}

#[test]
fn a_member_is_read_with_its_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"app\"]\n");
    // The configuration at the workspace's root holds for its members.
    write(root, "corral.toml", "exclude = [\"app/src/skipped.rs\"]\n");
    package(&root.join("app"));
    write(root, "app/src/skipped.rs", "pub fn f() {\n    tokio::spawn(async {});\n}\n");
    let mut server = Server::start();
    server.initialize(json!({}));
    let uri = uri_of(root, "app/src/skipped.rs");
    server.open(&uri, &fs::read_to_string(root.join("app/src/skipped.rs")).unwrap());
    assert_eq!(server.diagnostics(), Vec::<Value>::new());
    server.stop();
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn diagnostics_follow_the_unsaved_text() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    // On disk the file holds no spawn: the diagnostics come from the editor's text.
    write(root, "src/lib.rs", "pub fn start() {}\n");
    let uri = format!("file://{}", root.join("src/lib.rs").display());

    let mut server = Server::start();
    let initialized = server.request(1, "initialize", json!({"capabilities": {}}));
    assert_eq!(initialized["result"]["capabilities"]["textDocumentSync"]["change"], 1, "{initialized}");
    server.notify("initialized", json!({}));

    let bare = "pub fn start() {\n    tokio::spawn(async {});\n}\n";
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": bare}}),
    );
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "bare-spawn");
    assert_eq!(diagnostic["source"], "corral");
    assert_eq!(diagnostic["severity"], 2);
    assert_eq!(diagnostic["range"]["start"], json!({"line": 1, "character": 4}));
    assert_eq!(diagnostic["range"]["end"], json!({"line": 1, "character": 16}));
    let message = diagnostic["message"].as_str().unwrap();
    assert!(message.starts_with("bare `tokio::spawn`: the task is not tracked\n"), "{message}");

    let exempt =
        "pub fn start() {\n    // spawn-exempt: runs for the process\n    tokio::spawn(async {});\n}\n";
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": exempt}]}),
    );
    assert_eq!(server.diagnostics(), Vec::<Value>::new());

    let no_reason = "pub fn start() {\n    // spawn-exempt:\n    tokio::spawn(async {});\n}\n";
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": no_reason}]}),
    );
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "exempt-without-reason");
    assert_eq!(diagnostics[0]["range"]["start"], json!({"line": 2, "character": 4}));

    server.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    assert_eq!(server.diagnostics(), Vec::<Value>::new());

    let shutdown = server.request(2, "shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
    server.notify("exit", Value::Null);
    let status = wait(&mut server.child);
    assert!(status.success(), "{status:?}");
}

#[test]
fn bad_input_is_logged_and_the_server_goes_on() {
    let mut server = Server::start();
    server.request(1, "initialize", json!({"capabilities": {}}));
    server.notify("initialized", json!({}));
    // Malformed parameters, and a document that is no file.
    server.notify("textDocument/didOpen", json!({"textDocument": 42}));
    let logged = server.wait_for(|m| m["method"] == "window/logMessage");
    assert_eq!(logged["params"]["type"], 1, "{logged}");
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "untitled:Untitled-1", "languageId": "rust", "version": 1, "text": "fn"}}),
    );
    let logged = server.wait_for(|m| m["method"] == "window/logMessage");
    assert!(logged["params"]["message"].as_str().unwrap().contains("not a file URI"), "{logged}");
    // An unknown request gets an error, not a crash.
    let answer = server.request(2, "textDocument/hover", json!({}));
    assert_eq!(answer["error"]["code"], -32601, "{answer}");

    server.request(3, "shutdown", Value::Null);
    server.notify("exit", Value::Null);
    assert!(wait(&mut server.child).success());
}

/// The exit status, or a failure when the process does not end in time.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_semantic_tier_refines_the_diagnostics_after_a_save() {
    let (_dir, root) = common::cargo::fetched_fixture("ws");
    let uri = uri_of(&root, "app/src/lib.rs");
    let text = fs::read_to_string(root.join("app/src/lib.rs")).unwrap();
    let mut server = Server::start_semantic();
    server.initialize(json!({}));
    server.open(&uri, &text);
    let lines = |published: &Value| -> Vec<u64> {
        let diagnostics = published["diagnostics"].as_array().unwrap();
        diagnostics.iter().map(|d| d["range"]["start"]["line"].as_u64().unwrap()).collect()
    };
    let syntax = lines(&server.published());

    // After the save, rust-analyzer sees through types and macros the syntax tier cannot.
    let save = json!({"textDocument": {"uri": uri}});
    server.notify("textDocument/didSave", save.clone());
    let refined = server.published();
    assert_eq!(refined["version"], 1, "{refined}");
    let semantic = lines(&refined);
    let added: Vec<u64> = semantic.iter().copied().filter(|line| !syntax.contains(line)).collect();
    // `self.runtime.spawn` through a type alias, `rt.spawn_blocking` on a helper's return type.
    assert_eq!(added, [13, 24], "{syntax:?} -> {semantic:?}");
    assert!(syntax.iter().all(|line| semantic.contains(line)), "{syntax:?} -> {semantic:?}");

    // Edits made while a pass runs win: its findings for the old text are not published.
    server.notify("textDocument/didSave", save.clone());
    let edited = text.replace("pub fn run_it() {", "pub fn run_it() {\n    tokio::spawn(async {});");
    server.change(&uri, 2, &edited);
    let after_edit = server.published();
    assert_eq!(after_edit["version"], 2, "{after_edit}");
    server.notify("textDocument/didSave", save);
    loop {
        let published = server.published();
        assert_eq!(published["version"], 2, "a pass over the old text was published: {published}");
        if lines(&published).len() == semantic.len() + 1 {
            break;
        }
    }
    server.stop();
}

/// An editor that syncs only the Rust documents it has open: the manifest and
/// the new helper module an action edits stay unsaved buffers the server never
/// hears of. A second action must start from them, not from the disk.
#[test]
fn edits_to_files_the_client_does_not_sync_are_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    package(root);
    let lib = fs::canonicalize(root).unwrap().join("src/lib.rs");
    let uri = uri_of(root, "src/lib.rs");
    // The editor's buffers, by URI: what it shows, saved or not.
    let mut buffers: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    buffers.insert(uri.clone(), fs::read_to_string(&lib).unwrap());

    let mut server = Server::start();
    server.initialize(
        json!({"workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}}),
    );
    server.open(&uri, &buffers[&uri]);
    let mut diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 2);

    let mut version = 1;
    let mut next_id = 10;
    for left in [1, 0] {
        next_id += 1;
        let actions = server.actions(next_id, &uri, &diagnostics[0]["range"], None);
        let track = actions.iter().find(|a| a["title"] == "Track this spawn").unwrap().clone();
        for operation in track["edit"]["documentChanges"].as_array().unwrap() {
            let target =
                operation["uri"].as_str().or(operation["textDocument"]["uri"].as_str()).unwrap().to_string();
            if operation["kind"] == "create" {
                // Made on disk, empty, as VS Code does; its text stays in the buffer.
                fs::write(target.strip_prefix("file://").unwrap(), "").unwrap();
                buffers.insert(target, String::new());
                continue;
            }
            let before = buffers
                .get(&target)
                .cloned()
                .unwrap_or_else(|| fs::read_to_string(target.strip_prefix("file://").unwrap()).unwrap());
            buffers.insert(target, edited(&before, operation["edits"].as_array().unwrap()));
        }
        version += 1;
        server.change(&uri, version, &buffers[&uri]);
        // The server tells from the document's new text that the edit was
        // made (the protocol says nothing of the other files), and reads the
        // workspace again with what the edit left in them.
        assert!(track.get("command").is_none(), "{track}");
        // The workspace is read again, with those texts.
        diagnostics = server.diagnostics();
        assert_eq!(diagnostics.len(), left);
    }
    let files: Vec<&str> = buffers.keys().map(|uri| uri.rsplit('/').next().unwrap()).collect();
    assert_eq!(files, ["Cargo.toml", "lib.rs", "tasks.rs"], "one helper module, no second one");

    // What the editor holds is what `corral apply` writes, once.
    let copy = tempfile::tempdir().unwrap();
    package(copy.path());
    let applied = Command::new(assert_cmd::cargo::cargo_bin("corral"))
        .args(["apply", "."])
        .current_dir(copy.path())
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    for (uri, text) in &buffers {
        let relative = uri.strip_prefix(&uri_of(root, "")).unwrap();
        let expected = fs::read_to_string(copy.path().join(relative)).unwrap();
        assert_eq!(text, &expected, "{relative}");
    }
    server.stop();
}

/// A client that resolves actions gets the tracking edit when it picks the
/// action, not with every request as the cursor moves: the same edit an eager
/// client gets at once.
#[test]
fn a_resolving_client_gets_the_edit_when_it_picks_the_action() {
    let (_dir, uri, text) = scratch_package();
    let edits = json!({"documentChanges": true, "resourceOperations": ["create"]});

    let eager = {
        let mut server = Server::start();
        server.initialize(json!({"workspace": {"workspaceEdit": edits}}));
        server.open(&uri, &text);
        let diagnostics = server.diagnostics();
        let actions = server.actions(2, &uri, &diagnostics[0]["range"], None);
        server.stop();
        actions
    };

    let mut server = Server::start();
    let result = server.initialize(json!({
        "workspace": {"workspaceEdit": edits},
        "textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}
    }));
    assert_eq!(result["capabilities"]["codeActionProvider"]["resolveProvider"], true);
    server.open(&uri, &text);
    let diagnostics = server.diagnostics();
    let actions = server.actions(2, &uri, &diagnostics[0]["range"], None);
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Track this spawn", "Exempt this spawn", "Track every spawn in this file"]);
    assert!(actions[0].get("edit").is_none(), "{:?}", actions[0]);
    assert_eq!(actions[1]["edit"], eager[1]["edit"], "the marker costs nothing: it comes at once");
    for (lazy, eager) in [(&actions[0], &eager[0]), (&actions[2], &eager[2])] {
        let resolved = server.request(3, "codeAction/resolve", lazy.clone());
        assert_eq!(resolved["result"]["edit"], eager["edit"], "{resolved}");
    }
    // An action for an older text comes back without an edit.
    server.change(&uri, 2, &format!("// moved\n{text}"));
    server.diagnostics();
    let stale = server.request(4, "codeAction/resolve", actions[0].clone());
    assert!(stale["result"].get("edit").is_none(), "{stale}");
    server.stop();
}

#[test]
fn a_file_outside_any_package_is_analysed_alone() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "script.rs", "fn main() {\n    std::thread::spawn(|| ());\n}\n");
    let uri = uri_of(dir.path(), "script.rs");
    let mut server = Server::start();
    server.initialize(json!({}));
    server.open(&uri, &fs::read_to_string(dir.path().join("script.rs")).unwrap());
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"]["start"], json!({"line": 1, "character": 4}));
    server.stop();
}

/// The code action places the helper as `apply` does: in a package without a
/// library, a binary under `src/bin/` declares the shared `src/tasks.rs` by
/// `#[path]` (a `mod tasks;` there would look for `src/bin/tasks.rs`, which
/// cargo would take for a binary of its own).
#[test]
fn a_binary_under_src_bin_reaches_the_packages_helper_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\n",
    );
    write(root, "src/main.rs", "fn main() {}\n");
    write(root, "src/bin/single.rs", "fn main() {\n    std::thread::spawn(|| ()).join().unwrap();\n}\n");
    let uri = uri_of(root, "src/bin/single.rs");
    let original = fs::read_to_string(root.join("src/bin/single.rs")).unwrap();
    let mut server = Server::start();
    server.initialize(json!({"workspace": {"workspaceEdit": {
        "documentChanges": true, "resourceOperations": ["create"]
    }}}));
    server.open(&uri, &original);
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let actions = server.actions(2, &uri, &diagnostics[0]["range"], None);
    assert_eq!(actions[0]["title"], "Track this spawn", "{actions:?}");
    let track = &actions[0]["edit"];
    let created: Vec<&str> = track["documentChanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "create")
        .map(|o| o["uri"].as_str().unwrap())
        .collect();
    assert_eq!(created, [uri_of(root, "src/tasks.rs")], "{track}");
    let mut text = original.clone();
    apply_edit(track, &uri, &mut text);
    assert_eq!(
        text,
        "#[path = \"../tasks.rs\"]\nmod tasks;\n\nfn main() {\n    crate::tasks::spawn_thread(|| ()).join().unwrap();\n}\n"
    );
    assert_eq!(fs::read_to_string(root.join("src/main.rs")).unwrap(), "fn main() {}\n");
    assert!(fs::read_to_string(root.join("src/tasks.rs")).unwrap().contains("pub(crate) async fn drain()"));
    server.stop();
}

/// A file its parent declares under `#[cfg(test)]` is test code in the editor too, and the
/// parent is read from its unsaved text: the spawn is no diagnostic until the declaration
/// loses its `cfg` in the editor.
#[test]
fn a_file_declared_under_cfg_test_gets_no_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write(root, "src/lib.rs", "#[cfg(test)]\nmod checks;\n");
    let checks = "fn spawns() {\n    tokio::spawn(async {});\n}\n";
    write(root, "src/checks.rs", checks);
    let (lib_uri, checks_uri) = (uri_of(root, "src/lib.rs"), uri_of(root, "src/checks.rs"));

    let mut server = Server::start();
    server.request(1, "initialize", json!({"capabilities": {}}));
    server.notify("initialized", json!({}));
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": checks_uri, "languageId": "rust", "version": 1, "text": checks}}),
    );
    assert_eq!(server.diagnostics(), Vec::<Value>::new());

    // The parent, edited in the editor, declares the module for every build.
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": lib_uri, "languageId": "rust", "version": 1, "text": "mod checks;\n"}}),
    );
    assert_eq!(server.diagnostics(), Vec::<Value>::new(), "lib.rs itself spawns nothing");
    // The server publishes what changed: the next edit of checks.rs reads the new parent.
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": checks_uri, "version": 2}, "contentChanges": [{"text": checks}]}),
    );
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "bare-spawn");

    server.request(2, "shutdown", Value::Null);
    server.notify("exit", Value::Null);
    assert!(wait(&mut server.child).success());
}
