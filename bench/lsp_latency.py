"""The client side of bench/lsp-latency.sh: how long `corral lsp` takes from
an edit to its diagnostics. Python's standard library only.

Usage: lsp_latency.py CORRAL WORKSPACE FILE [EDITS]    (EDITS defaults to 50)

It starts `CORRAL lsp` (with CORRAL_SYNTAX_ONLY=1: the syntax tier alone),
initializes, opens FILE (a Rust file of WORKSPACE, as bench/lsp-latency.sh
generates it: edits go after its `let name = self.name.clone();` statements)
and then makes EDITS small edits to it, one after the other, each sent as a
full-text didChange, the way an editor syncs a document: a line added, a
spawn added, a line removed, a spawn removed, in turn, at places chosen with a
fixed seed. For the open and
for each edit it measures the time from writing the notification to reading
the publishDiagnostics for that document and version. It also checks that each
edit's diagnostics count the spawns the text holds (every spawn of FILE is
bare), and fails when they do not: a fast wrong answer is no result.

Prints a table: the open, the median, p90 and worst edit, in ms, the server's
CPU time per edit (from /proc: less swayed by a busy machine than wall
times), and its peak RSS (VmHWM, read before shutdown).
"""

import json
import math
import os
import queue
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

TIMEOUT = 60.0
SEED = 7
SPAWN = re.compile(r"^\s*(tokio::spawn|tokio::task::spawn_blocking|std::thread::spawn)\(")
# Statements inside a method body, after which a line can go.
ANCHOR = re.compile(r"^        let name = self\.name\.clone\(\);$")


class Server:
    """`corral lsp` on pipes; a thread reads its messages, stamped with when they arrived."""

    def __init__(self, corral):
        env = dict(os.environ, CORRAL_SYNTAX_ONLY="1")
        self.process = subprocess.Popen(
            [corral, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        self.messages = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        stdout = self.process.stdout
        while True:
            length = None
            while True:
                line = stdout.readline()
                if not line:
                    self.messages.put((time.perf_counter(), None))
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = stdout.read(length)
            self.messages.put((time.perf_counter(), json.loads(body)))

    def send(self, message):
        """Writes `message`; returns the time just before the write."""
        body = json.dumps(message).encode()
        started = time.perf_counter()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return started

    def notify(self, method, params):
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        _, answer = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m, method)
        if "error" in answer:
            sys.exit(f"lsp_latency: {method} failed: {answer['error']}")
        return answer["result"]

    def wait(self, wanted, what):
        """The arrival time and the first message that `wanted` accepts."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                arrived, message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                sys.exit(f"lsp_latency: {what} did not come within {TIMEOUT:.0f} s")
            if message is None:
                sys.exit(f"lsp_latency: the server closed its output while waiting for {what}")
            if message.get("method") == "window/logMessage" and message["params"]["type"] <= 2:
                sys.exit(f"lsp_latency: the server logged: {message['params']['message']}")
            if wanted(message):
                return arrived, message

    def diagnostics(self, uri, version):
        """The arrival time and the diagnostics published for `uri` at `version`."""

        def wanted(message):
            if message.get("method") != "textDocument/publishDiagnostics":
                return False
            params = message["params"]
            # A server that does not say which version it analysed: the next one counts.
            return params["uri"] == uri and params.get("version") in (version, None)

        arrived, message = self.wait(wanted, f"diagnostics for version {version}")
        return arrived, message["params"]["diagnostics"]

    def cpu_seconds(self):
        """The server's CPU time so far, user and system, all threads."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime and stime: fields 14 and 15 of stat(5), 12 and 13 after the command name.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self):
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
        return kb / 1024


def edits(lines, count, rng):
    """`count` edits of `lines`, made in place: yields a label each time the text changed."""
    added = []  # lines this run added, still in the text
    kinds = ["add a line", "add a spawn", "remove a line", "remove a spawn"]
    for n in range(count):
        kind = kinds[n % len(kinds)]
        if kind in ("add a line", "add a spawn"):
            anchors = [i for i, line in enumerate(lines) if ANCHOR.match(line)]
            at = rng.choice(anchors) + 1
            if kind == "add a line":
                new = f"        let checked_{n} = name.len() + {n};"
            else:
                new = f'        tokio::spawn(async move {{ println!("edit {n}") }});'
            lines.insert(at, new)
            added.append(new)
        elif kind == "remove a line":
            ours = [i for i, line in enumerate(lines) if line in added and not SPAWN.match(line)]
            if not ours:
                ours = [i for i, line in enumerate(lines) if line.strip().startswith("///")]
            at = rng.choice(ours)
            if lines[at] in added:
                added.remove(lines[at])
            del lines[at]
        else:
            # Every fourth edit adds a spawn, so there is always one to remove.
            spawns = [i for i, line in enumerate(lines) if SPAWN.match(line)]
            at = rng.choice(spawns)
            if lines[at] in added:
                added.remove(lines[at])
            del lines[at]
        yield kind


def percentile(sorted_values, fraction):
    """The nearest-rank percentile."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.split("\n\n")[1])
    corral, workspace, path = sys.argv[1], Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve()
    count = int(sys.argv[4]) if len(sys.argv) == 5 else 50
    text = path.read_text()
    uri = path.as_uri()
    lines = text.split("\n")
    if not any(ANCHOR.match(line) for line in lines):
        sys.exit(f"lsp_latency: {path} has no line to edit after (`let name = self.name.clone();`)")

    server = Server(corral)
    server.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": workspace.as_uri(),
            "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
        },
    )
    server.notify("initialized", {})

    document = {"uri": uri, "languageId": "rust", "version": 1, "text": text}
    sent = server.notify("textDocument/didOpen", {"textDocument": document})
    arrived, diagnostics = server.diagnostics(uri, 1)
    open_ms = (arrived - sent) * 1000
    spawns = sum(1 for line in lines if SPAWN.match(line))
    if len(diagnostics) != spawns:
        sys.exit(f"lsp_latency: {len(diagnostics)} diagnostics on open, for {spawns} spawns")
    opened_lines, opened_spawns = text.count("\n"), spawns

    times = []
    cpu_before = server.cpu_seconds()
    for version, kind in enumerate(edits(lines, count, random.Random(SEED)), start=2):
        text = "\n".join(lines)
        sent = server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )
        arrived, diagnostics = server.diagnostics(uri, version)
        times.append((arrived - sent) * 1000)
        spawns = sum(1 for line in lines if SPAWN.match(line))
        if len(diagnostics) != spawns:
            sys.exit(f"lsp_latency: edit {version - 1} ({kind}): {len(diagnostics)} diagnostics, {spawns} spawns")

    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / count
    peak = server.peak_rss_mb()
    server.request("shutdown", None)
    server.notify("exit", None)
    status = server.process.wait(timeout=TIMEOUT)
    if status != 0:
        sys.exit(f"lsp_latency: the server exited with {status}")

    times.sort()
    median = statistics.median(times)
    rows = [
        ("first open", open_ms),
        (f"edit, median of {len(times)}", median),
        ("edit, p90", percentile(times, 0.9)),
        ("edit, worst", times[-1]),
        # Less swayed by other work on the machine than the wall times above.
        ("server CPU per edit", cpu_ms),
    ]
    print("\ncorral lsp, syntax tier (CORRAL_SYNTAX_ONLY=1)")
    print(f"{path.relative_to(workspace)}: {opened_lines} lines, {opened_spawns} spawns when opened")
    print(f"{'':<22} {'ms':>8}")
    for label, ms in rows:
        print(f"{label:<22} {ms:>8.1f}")
    print(f"{'server peak RSS':<22} {peak:>8.1f} MB")
    verdict = "met" if median < 50 else "NOT met"
    print(f"target: edit median under 50 ms (syntax tier): {verdict}")


if __name__ == "__main__":
    main()
