//! `corral lsp` as an editor runs it: a process speaking JSON-RPC with
//! Content-Length framing on stdin and stdout.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("corral"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
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
        let message = self.wait_for(|m| {
            assert_ne!(m["method"], "window/logMessage", "the server logged an error: {m}");
            m["method"] == "textDocument/publishDiagnostics"
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }
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
    assert_eq!(initialized["result"]["capabilities"]["textDocumentSync"], 1, "{initialized}");
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
