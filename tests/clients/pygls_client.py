"""An editor for `corral lsp`, made of pygls's LanguageClient: tests/lsp_client.rs runs it.

Usage: pygls_client.py CORRAL WORKSPACE

It starts `CORRAL lsp`, opens WORKSPACE/src/lib.rs (a package with two bare
spawns) and goes through what a user does in an editor:

1. "Track this spawn" on the first finding, then "Track every spawn in this
   file" on what is left;
2. the file back to its text on disk (an undo), then "Exempt this spawn" on
   the first finding;
3. shutdown and exit.

The client applies each action's workspace edit as an editor does: to its own
buffers, never to the files on disk, except that a created file is created
empty (as VS Code does) before its text is filled in. A document the edit
touches that is not open yet is opened, with its new text, and kept open
(unsaved). The server hears of every change: didOpen or a full-text
didChange with the next version.

It prints one JSON document on stdout with what it saw, for the Rust side to
judge; it only decides whether it can go on. It exits 1, saying why on
stderr, when it cannot: the server does not answer in time, sends
something pygls cannot read, offers no action of a title it needs, or sends an
edit that cannot be applied (overlapping ranges, a position outside the text,
a stale version, a file that already exists).

Without `codeActionProvider` in the server's capabilities, it stops after the
first diagnostics and reports `"actions": null`.
"""

import asyncio
import json
import logging
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import default_converter

# Long enough for a debug build on a loaded CI machine; a step that takes this
# long is a hang.
TIMEOUT = 60.0

TRACK = "Track this spawn"
TRACK_FILE = "Track every spawn in this file"
EXEMPT = "Exempt this spawn"

CONVERTER = default_converter()


class Failure(Exception):
    """A step the client cannot go on from; the message says which and why."""


def as_json(value):
    """An lsprotocol value as the JSON the server sent (camelCase keys)."""
    return CONVERTER.unstructure(value)


def file_uri(path):
    return path.as_uri()


def uri_path(uri):
    """The path a `file:` URI names, resolved the way the workspace was."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise Failure(f"the server named a document that is no file: {uri}")
    return Path(unquote(parsed.path)).resolve()


def language_of(path):
    return {".rs": "rust", ".toml": "toml"}.get(path.suffix, "plaintext")


class Editor(LanguageClient):
    """The client, plus what an editor keeps: buffers, versions, and what the server said."""

    def __init__(self, root):
        super().__init__("corral-tests-pygls", "1")
        self.root = root
        # The text of every document the editor holds, by path, and the
        # version the server knows of each open one.
        self.buffers = {}
        self.versions = {}
        # Every publishDiagnostics, in order: (path, version, diagnostics as JSON).
        self.published = []
        self.news = asyncio.Event()
        self.logs = []
        # The first thing pygls could not read or handle, or the server ending
        # before it was asked to: either ends the run.
        self.broken = asyncio.get_running_loop().create_future()
        self.exiting = False
        self.exit_code = None

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def diagnostics(params):
            self.published.append(
                (uri_path(params.uri), params.version, [as_json(d) for d in params.diagnostics])
            )
            self.news.set()

        @self.feature(types.WINDOW_LOG_MESSAGE)
        async def logged(params):
            self.logs.append({"type": int(params.type), "message": params.message})

    def report_server_error(self, error, source):
        if not self.broken.done():
            self.broken.set_result(f"pygls reported {source.__name__}: {error!r}")

    async def server_exit(self, server):
        self.exit_code = server.returncode
        if not self.exiting and not self.broken.done():
            self.broken.set_result(f"the server exited with code {server.returncode}")

    def relative(self, path):
        return path.relative_to(self.root).as_posix()

    async def within(self, awaitable, what):
        """The result of `awaitable`, or a Failure naming `what` when it takes too long
        or the server sends something pygls cannot read meanwhile."""
        task = asyncio.ensure_future(awaitable)
        done, _ = await asyncio.wait(
            {task, self.broken}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            try:
                return task.result()
            except Exception as error:
                raise Failure(f"{what} failed: {error!r}") from error
        task.cancel()
        if self.broken.done():
            raise Failure(f"while waiting for {what}: {self.broken.result()}")
        raise Failure(f"{what} did not come within {TIMEOUT:.0f} s")

    # Documents.

    def open(self, path, text):
        self.buffers[path] = text
        self.versions[path] = 1
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=file_uri(path), language_id=language_of(path), version=1, text=text
                )
            )
        )

    def change(self, path, text):
        self.buffers[path] = text
        self.versions[path] += 1
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=file_uri(path), version=self.versions[path]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def diagnostics(self, path, since):
        """The first diagnostics published for `path` after the `since`-th publish of the run."""

        async def first():
            while True:
                for published, version, diagnostics in self.published[since:]:
                    if published == path:
                        return {"version": version, "diagnostics": diagnostics}
                self.news.clear()
                await self.news.wait()

        return await self.within(first(), f"publishDiagnostics for {self.relative(path)}")

    async def sync(self, texts):
        """Tells the server of the new `texts` (path -> text): a didChange for an
        open document, a didOpen for another. Returns the diagnostics then
        published for each Rust file, by relative path."""
        since = len(self.published)
        for path, text in texts.items():
            if path in self.versions:
                self.change(path, text)
            else:
                self.open(path, text)
        # Only Rust files have diagnostics; a manifest gets none, or empty ones.
        return {
            self.relative(path): await self.diagnostics(path, since)
            for path in texts
            if path.suffix == ".rs"
        }

    # Code actions.

    async def actions(self, path, range_, diagnostics, only=None):
        """The server's code actions for `range_` of `path`, as JSON."""
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=file_uri(path)),
            range=CONVERTER.structure(range_, types.Range),
            context=types.CodeActionContext(
                diagnostics=[CONVERTER.structure(d, types.Diagnostic) for d in diagnostics],
                only=only,
                trigger_kind=types.CodeActionTriggerKind.Invoked,
            ),
        )
        answer = await self.within(
            self.text_document_code_action_async(params), "the answer to textDocument/codeAction"
        )
        return [as_json(action) for action in answer or []]

    def apply(self, edit):
        """Applies a WorkspaceEdit (as JSON) to the buffers; returns the new text of
        each document it touched, by path, in the order touched, and the paths it created."""
        touched = {}
        created = []

        def current(path):
            if path in touched:
                return touched[path]
            if path in self.buffers:
                return self.buffers[path]
            if not path.is_file():
                raise Failure(f"the edit changes {self.relative(path)}, which does not exist")
            return path.read_text()

        if "documentChanges" in edit:
            operations = edit["documentChanges"]
        else:
            operations = [
                {"textDocument": {"uri": uri, "version": None}, "edits": edits}
                for uri, edits in (edit.get("changes") or {}).items()
            ]
        for operation in operations:
            kind = operation.get("kind")
            if kind == "create":
                path = uri_path(operation["uri"])
                options = operation.get("options") or {}
                exists = path in self.buffers or path in touched or path.exists()
                if exists and options.get("ignoreIfExists") and not options.get("overwrite"):
                    continue
                if exists and not options.get("overwrite"):
                    raise Failure(f"the edit creates {self.relative(path)}, which exists")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("")
                touched[path] = ""
                created.append(self.relative(path))
            elif kind is not None:
                # The client declared `resourceOperations: ["create"]` only.
                raise Failure(f"the edit holds a `{kind}` operation, which the client did not declare")
            else:
                document = operation["textDocument"]
                path = uri_path(document["uri"])
                version = document.get("version")
                if version is not None and self.versions.get(path) != version:
                    raise Failure(
                        f"the edit of {self.relative(path)} is for version {version}, "
                        f"the editor holds {self.versions.get(path)}"
                    )
                touched[path] = apply_text_edits(current(path), operation["edits"], self.relative(path))
        return touched, created


def line_starts(text):
    """The index where each line of `text` starts; a line ends at \\n, \\r\\n or \\r."""
    return [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]


def offset(text, starts, position, where):
    """The index into `text` of an LSP position (line, UTF-16 code units);
    `starts` are the text's line starts.

    Stricter than the specification, which clamps a character past the end of
    its line: corral computes its positions from the text, so one outside it
    is a bug to report, not to paper over."""
    line, character = position["line"], position["character"]
    if line >= len(starts):
        raise Failure(f"{where}: line {line} is past the end of the text ({position})")
    units = 0
    index = starts[line]
    while units < character:
        if index == len(text) or text[index] in "\r\n":
            raise Failure(f"{where}: character {character} is past the end of line {line}")
        units += 2 if ord(text[index]) > 0xFFFF else 1
        index += 1
    if units != character:
        raise Failure(f"{where}: {position} falls inside a surrogate pair")
    return index


def apply_text_edits(text, edits, where):
    """`text` with `edits` applied: every range refers to `text` as it was, the
    ranges must not overlap, and insertions at one place keep their order."""
    starts = line_starts(text)
    spans = []
    for order, edit in enumerate(edits):
        if "snippet" in edit:
            raise Failure(f"{where}: a snippet edit, though the client declared no snippet support")
        start = offset(text, starts, edit["range"]["start"], where)
        end = offset(text, starts, edit["range"]["end"], where)
        if end < start:
            raise Failure(f"{where}: an edit ends before it starts: {edit['range']}")
        spans.append((start, end, order, edit["newText"]))
    spans.sort()
    for before, after in zip(spans, spans[1:]):
        if before[1] > after[0]:
            raise Failure(f"{where}: edits {before[2]} and {after[2]} overlap")
    pieces = []
    last = 0
    for start, end, _, new_text in spans:
        pieces.append(text[last:start])
        pieces.append(new_text)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def summary(action):
    """What the test checks of an offered action: all but its edit."""
    return {
        "title": action.get("title"),
        "kind": action.get("kind"),
        "isPreferred": action.get("isPreferred"),
        "diagnostics": action.get("diagnostics"),
        "disabled": action.get("disabled"),
        "hasEdit": "edit" in action,
        "hasCommand": "command" in action,
    }


def pick(actions, title, where):
    for action in actions:
        if action.get("title") == title:
            if "edit" not in action:
                raise Failure(f"{where}: the action {title!r} has no edit: {summary(action)}")
            return action
    titles = [action.get("title") for action in actions]
    raise Failure(f"{where}: no action titled {title!r} among {titles}")


def capabilities():
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[types.ResourceOperationKind.Create],
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[
                            types.CodeActionKind.QuickFix,
                            types.CodeActionKind.Source,
                            types.CodeActionKind.SourceFixAll,
                        ]
                    )
                ),
                is_preferred_support=True,
                disabled_support=True,
            ),
        ),
    )


async def drive(corral, root):
    editor = Editor(root)
    await editor.start_io(corral, "lsp")
    try:
        return await session(editor, root)
    finally:
        # After a failure, the server may still run: pygls keeps its process
        # in a private attribute, and offers no other way to end it.
        server = getattr(editor, "_server", None)
        if server is not None and server.returncode is None:
            server.kill()
            await server.wait()


async def session(editor, root):
    lib = root / "src" / "lib.rs"
    original = lib.read_text()
    report = {}

    initialized = await editor.within(
        editor.initialize_async(
            types.InitializeParams(
                process_id=os.getpid(),
                root_uri=file_uri(root),
                workspace_folders=[types.WorkspaceFolder(uri=file_uri(root), name=root.name)],
                capabilities=capabilities(),
                client_info=types.ClientInfo(name="pygls", version="2.1.1"),
            )
        ),
        "the answer to initialize",
    )
    report["capabilities"] = as_json(initialized.capabilities)
    editor.initialized(types.InitializedParams())

    since = len(editor.published)
    editor.open(lib, original)
    opened = await editor.diagnostics(lib, since)
    report["opened"] = opened

    if initialized.capabilities.code_action_provider is None:
        report["actions"] = None
    else:
        report["actions"] = await code_actions(editor, lib, original, opened["diagnostics"])

    await editor.within(editor.shutdown_async(None), "the answer to shutdown")
    editor.exiting = True
    editor.exit(None)
    await editor.within(editor.stop(), "the server to exit")
    report["published"] = [
        {"path": editor.relative(path), "version": version, "count": len(diagnostics)}
        for path, version, diagnostics in editor.published
    ]
    report["logs"] = editor.logs
    report["exitCode"] = editor.exit_code
    return report


async def step(editor, texts, created):
    """One applied action: the documents it touched, with their new texts, and
    the diagnostics the server published for them once told."""
    return {
        "texts": {editor.relative(path): text for path, text in texts.items()},
        "created": created,
        "published": await editor.sync(texts),
    }


async def code_actions(editor, lib, original, diagnostics):
    report = {}
    if not diagnostics:
        raise Failure("no diagnostics on src/lib.rs to ask for actions on")
    first = diagnostics[0]

    # 1. "Track this spawn" on the first finding.
    offered = await editor.actions(lib, first["range"], [first])
    report["atFirst"] = [summary(action) for action in offered]
    texts, created = editor.apply(pick(offered, TRACK, "at the first finding")["edit"])
    report["track"] = await step(editor, texts, created)

    # 2. "Track every spawn in this file" on what is left.
    left = report["track"]["published"].get("src/lib.rs", {}).get("diagnostics") or []
    if not left:
        raise Failure("no finding left after \"Track this spawn\" to ask for actions on")
    offered = await editor.actions(lib, left[0]["range"], [left[0]])
    report["atLeft"] = [summary(action) for action in offered]
    # Away from any finding, as an editor asks on save (`codeActionsOnSave`).
    nowhere = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    on_save = await editor.actions(lib, nowhere, [], only=[types.CodeActionKind.SourceFixAll])
    report["onSave"] = [summary(action) for action in on_save]
    chosen = pick(offered, TRACK_FILE, "at the finding left")
    report["sameEditOnSave"] = any(
        action.get("title") == TRACK_FILE and action.get("edit") == chosen["edit"] for action in on_save
    )
    texts, created = editor.apply(chosen["edit"])
    report["trackFile"] = await step(editor, texts, created)
    # Every document an edit reached, as the editor holds it now.
    report["files"] = {
        editor.relative(path): text for path, text in sorted(editor.buffers.items())
    }

    # 3. Back to the text on disk, then "Exempt this spawn" on the first finding.
    reverted = (await editor.sync({lib: original}))["src/lib.rs"]
    report["reverted"] = reverted
    if not reverted["diagnostics"]:
        raise Failure("no diagnostics on the reverted src/lib.rs")
    first = reverted["diagnostics"][0]
    offered = await editor.actions(lib, first["range"], [first])
    report["atFirstAgain"] = [summary(action) for action in offered]
    texts, created = editor.apply(pick(offered, EXEMPT, "at the first finding, reverted")["edit"])
    report["exempt"] = await step(editor, texts, created)
    return report


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="pygls_client: %(name)s: %(message)s")
    corral, root = sys.argv[1], Path(sys.argv[2]).resolve()
    try:
        report = asyncio.run(drive(corral, root))
    except Failure as failure:
        print(f"pygls_client: {failure}", file=sys.stderr)
        return 1
    json.dump(report, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
