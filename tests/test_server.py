"""``dfanalyze server`` end to end: a real LSP client (pytest-lsp) starts the server as a subprocess
(``python -m dfanalyze server``) and talks to it over stdio, as an editor does.

The workspace is a temporary git repository with a ``.dfanalyze.toml`` (end of life judged on a fixed
day, so the answers do not change with the calendar). Diagnostics are compared with what
``dfanalyze check`` says of the same file (one source of truth); every code action is applied to
the text and the result is linted again; the answers to the other requests are snapshots (syrupy),
with the workspace's path replaced by ``WORKSPACE``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from lsprotocol.converters import get_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from syrupy.assertion import SnapshotAssertion
from test_plugins import rule_file

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER = [sys.executable, "-m", "dfanalyze", "server"]
# The server and the command line it is compared with, without the developer's user configuration
# (a path that does not exist: no user configuration) or output settings.
ENV = {k: v for k, v in os.environ.items() if not k.startswith("DFANALYZE_")}
ENV["XDG_CONFIG_HOME"] = str(Path(__file__).parent / "no-user-configuration")
WAIT_SECONDS = 60  # far above the real time (milliseconds): only a server that never answers takes it
CONFIG = """\
extend-select = ["DF103", "DF512", "DF513", "DF602", "DF790"]

[rules.DF103]
today = "2026-11-27"
"""
DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG PYTHON=3.12
FROM python:${PYTHON}-slim AS build
ARG PYTHON
ENV APP_HOME=/app PIP_NO_CACHE_DIR=1
WORKDIR $APP_HOME
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN <<EOF
echo "building in $APP_HOME with $PYTHON"
python -m compileall .
EOF

from debian:bookworm-slim AS runtime
# dfanalyze: ignore=DF513
RUN apt-get update && apt-get install -y curl \\
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
RUN --mount=type=cache,from=build,target=/cache ls /cache
USER app
CMD python -m app
"""
_converter = get_converter()
registered: list[lsp.Registration] = []  # what the server asked the client to register


class Inbox:
    """Every diagnostics notification the client received, in order (waiting for "the next
    notification" could miss one that arrives while the test looks at the previous one)."""

    def __init__(self) -> None:
        self.items: list[lsp.PublishDiagnosticsParams] = []
        self.arrived = asyncio.Event()

    def add(self, params: lsp.PublishDiagnosticsParams) -> None:
        self.items.append(params)
        self.arrived.set()

    async def wait(self, index: int) -> lsp.PublishDiagnosticsParams:
        """The notification at ``index``, once it arrives (a minute at most)."""
        while index >= len(self.items):
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), WAIT_SECONDS)
        return self.items[index]


inbox = Inbox()


def plain(value: Any, workspace: Path) -> Any:
    """An LSP answer as JSON values, the workspace's URI replaced by a fixed one."""
    text = json.dumps(_converter.unstructure(value), sort_keys=True)
    return json.loads(text.replace(workspace.as_uri(), "file:///WORKSPACE"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    (root / ".git").mkdir()
    (root / ".dfanalyze.toml").write_text(CONFIG, encoding="utf-8")
    (root / "requirements.txt").write_text("flask==3.0.0\n", encoding="utf-8")
    (root / "app.py").write_text("print('hello')\n", encoding="utf-8")
    return root


def prepare(client: LanguageClient, received: Inbox) -> None:
    """Record every diagnostics notification and registration; read code actions right."""
    registered.clear()
    received.__init__()
    client.protocol._converter.register_structure_hook(
        lsp.Command | lsp.CodeAction,  # lsprotocol reads a CodeAction that has a command as a Command
        lambda value, _: _converter.structure(
            value, lsp.Command if isinstance(value.get("command"), str) else lsp.CodeAction
        ),
    )
    features = client.protocol.fm.features
    del features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]  # pytest-lsp's own keeps only the last

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        received.add(params)

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: lsp.RegistrationParams) -> None:
        registered.extend(params.registrations)


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, server_env=ENV))
async def client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[None]:
    params = lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=workspace.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(workspace.as_uri(), "workspace")],
    )
    prepare(lsp_client, inbox)
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


class Document:
    """One open document of the test client, with its version."""

    def __init__(self, client: LanguageClient, path: Path, received: Inbox | None = None) -> None:
        self.client = client
        self.inbox = received or inbox
        self.path = path
        self.uri = path.as_uri()
        self.version = 0
        self.text = ""

    @property
    def id(self) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(self.uri)

    async def diagnostics(self, start: int | None = None) -> list[lsp.Diagnostic]:
        """Wait for the diagnostics of the current version published after the ``start``-th
        notification (by default: after every notification received so far)."""
        index = len(self.inbox.items) if start is None else start
        while True:
            params = await self.inbox.wait(index)
            index += 1
            if params.uri == self.uri and params.version == self.version:
                return list(params.diagnostics)

    async def open(self, text: str) -> list[lsp.Diagnostic]:
        self.version, self.text = 1, text
        start = len(self.inbox.items)
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(self.uri, "dockerfile", 1, text))
        )
        return await self.diagnostics(start)

    def change(self, text: str) -> None:
        self.version += 1
        self.text = text
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri),
                [lsp.TextDocumentContentChangeWholeDocument(text)],
            )
        )

    async def edit(self, text: str) -> list[lsp.Diagnostic]:
        start = len(self.inbox.items)
        self.change(text)
        return await self.diagnostics(start)

    def close(self) -> None:
        self.client.text_document_did_close(lsp.DidCloseTextDocumentParams(self.id))


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """The text after ``edits`` (ASCII text: LSP columns are characters)."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(p: lsp.Position) -> int:
        return min(offsets[min(p.line, len(lines))] + p.character, len(text))

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def edits_of(action: lsp.CodeAction) -> list[lsp.TextEdit]:
    assert action.edit is not None and action.edit.document_changes is not None
    found: list[lsp.TextEdit] = []
    for change in action.edit.document_changes:
        assert isinstance(change, lsp.TextDocumentEdit)
        found += [e for e in change.edits if isinstance(e, lsp.TextEdit)]
    return found


def cli_findings(path: Path, text: str) -> list[tuple[str, int, int, int, int]]:
    """What ``dfanalyze check`` reports for ``text`` as the file ``path``: (code, start line,
    start column, end line, end column), 0-based as LSP counts."""
    result = subprocess.run(
        [*SERVER[:-1], "check", "--output-format=json", "-", "--stdin-filename", str(path)],
        input=text,
        capture_output=True,
        text=True,
        cwd=path.parent,
        env=ENV,
        check=False,
    )
    return [
        (
            f["code"],
            f["location"]["row"] - 1,
            f["location"]["column"] - 1,
            f["end_location"]["row"] - 1,
            f["end_location"]["column"] - 1,
        )
        for f in json.loads(result.stdout)
    ]


def located(diagnostics: list[lsp.Diagnostic]) -> list[tuple[str, int, int, int, int]]:
    return [
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in diagnostics
    ]


@pytest.fixture
def document(client: LanguageClient, workspace: Path, request: pytest.FixtureRequest) -> Iterator[Document]:
    """A document of its own for each test (a folder of its own under the workspace)."""
    folder = workspace / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir()
    (folder / "requirements.txt").write_text("flask==3.0.0\n", encoding="utf-8")
    path = folder / "Dockerfile"
    path.write_text(DOCKERFILE, encoding="utf-8")
    doc = Document(client, path)
    yield doc
    doc.close()


# -- diagnostics ---------------------------------------------------------------------------------


async def test_diagnostics_are_the_command_lines(document: Document, snapshot: SnapshotAssertion) -> None:
    found = await document.open(DOCKERFILE)
    assert located(found) == cli_findings(document.path, DOCKERFILE)
    assert "DF513" not in [d.code for d in found]  # the suppression comment
    assert "DF103" in [d.code for d in found]  # bookworm, past its end of life on the configured day
    assert plain(found, document.path.parent) == snapshot


async def test_each_diagnostic_links_its_rule_docs(document: Document) -> None:
    for diagnostic in await document.open(DOCKERFILE):
        assert diagnostic.source == "dfanalyze"
        assert diagnostic.code_description is not None
        assert diagnostic.code_description.href.endswith(
            f"#{str(diagnostic.code).lower()}-{diagnostic.data['name']}"
        )


async def test_edits_relint_and_suppression_comments_apply(document: Document) -> None:
    await document.open(DOCKERFILE)
    found = await document.edit(DOCKERFILE.replace("CMD python -m app", 'CMD ["python", "-m", "app"]'))
    assert "DF200" not in [d.code for d in found]
    text = DOCKERFILE.replace("# dfanalyze: ignore=DF513\n", "")
    found = await document.edit(text)
    assert "DF513" in [d.code for d in found]
    assert located(found) == cli_findings(document.path, text)


async def test_the_configuration_of_the_files_folder_applies_and_is_reread(document: Document) -> None:
    config = document.path.parent / ".dfanalyze.toml"
    config.write_text(CONFIG + 'ignore = ["DF704"]\n', encoding="utf-8")
    found = await document.open(DOCKERFILE)
    assert "DF704" not in [d.code for d in found]
    config.write_text(CONFIG, encoding="utf-8")  # changed on disk: seen at the next edit
    found = await document.edit(DOCKERFILE + "\n")
    assert "DF704" in [d.code for d in found]
    config.write_text(CONFIG + 'ignore = ["DF200"]\n', encoding="utf-8")  # and when the editor says so
    start = len(inbox.items)
    document.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(config.as_uri(), lsp.FileChangeType.Changed)])
    )
    assert "DF200" not in [d.code for d in await document.diagnostics(start)]  # the same version again


async def test_configurations_rule_files_and_ignore_files_are_watched(document: Document) -> None:
    await document.open(DOCKERFILE)
    [registration] = registered
    assert registration.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert registration.register_options is not None  # as the client received it: JSON
    globs = [w["globPattern"] for w in registration.register_options["watchers"]]
    assert globs == [
        "**/*.toml",
        "**/.hadolint.yaml",
        "**/.hadolint.yml",
        "**/.dockerignore",
        "**/*.dockerignore",
    ]


async def test_a_broken_configuration_is_one_diagnostic(document: Document) -> None:
    config = document.path.parent / ".dfanalyze.toml"
    config.write_text('ignore = "DF704"\n', encoding="utf-8")
    found = await document.open(DOCKERFILE)
    assert [(d.code, d.severity) for d in found] == [("configuration", lsp.DiagnosticSeverity.Error)]
    assert "ignore: must be a list of strings" in found[0].message
    assert found[0].related_information is not None
    assert found[0].related_information[0].location.uri == config.as_uri()


async def test_a_configuration_beside_the_file_may_not_name_python_code(document: Document) -> None:
    """The trust model of ``dfanalyze check``: a workspace's configuration may add declarative rules
    only; one that names a Python check stops the lint, as the command line does, and is not run."""
    rules = document.path.parent / "rules"
    rules.mkdir()
    rule_file(rules, "LOC001", "python-rule", 'check = "workspace_checks:check"')
    (document.path.parent / ".dfanalyze.toml").write_text(
        'extend-rules = ["rules"]\n' + CONFIG, encoding="utf-8"
    )
    [found] = await document.open(DOCKERFILE)
    assert (found.code, found.severity) == ("configuration", lsp.DiagnosticSeverity.Error)
    assert "'workspace_checks:check' names Python code, which a configuration found next to" in found.message
    (rules / "LOC001-python-rule.toml").unlink()
    declarative = rule_file(rules, "LOC002", "declarative-rule")  # a declarative rule is fine
    start = len(inbox.items)
    document.client.workspace_did_change_watched_files(  # rule files are watched as configurations are
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(declarative.as_uri(), lsp.FileChangeType.Created)])
    )
    found = await document.diagnostics(start)
    assert "LOC002" in [d.code for d in found]
    assert located(found) == cli_findings(document.path, document.text)


async def test_only_the_newest_version_is_published(document: Document) -> None:
    await document.open(DOCKERFILE)
    start = len(inbox.items)
    lines = DOCKERFILE.splitlines(keepends=True)
    for count in range(1, len(lines) + 1):  # typed line by line, as fast as the client can send
        document.change("".join(lines[:count]))
    await document.diagnostics(start)
    published = [p.version for p in inbox.items[start:] if p.uri == document.uri]
    assert published == sorted(published)
    assert published[-1] == document.version
    assert located(list(document.client.diagnostics[document.uri])) == cli_findings(
        document.path, document.text
    )


# -- code actions --------------------------------------------------------------------------------


async def code_actions(
    document: Document, line: int | None = None, only: list[str] | None = None
) -> list[lsp.CodeAction]:
    start = lsp.Position(line or 0, 0)
    end = lsp.Position(
        line if line is not None else len(document.text.split("\n")), 0 if line is None else 200
    )
    found = await document.client.text_document_code_action_async(
        lsp.CodeActionParams(document.id, lsp.Range(start, end), lsp.CodeActionContext([], only=only))
    )
    assert found is not None
    return [a for a in found if isinstance(a, lsp.CodeAction)]


async def test_code_actions_snapshot(document: Document, snapshot: SnapshotAssertion) -> None:
    await document.open(DOCKERFILE)
    actions = await code_actions(document)
    assert [(a.title, a.kind, a.is_preferred) for a in actions] == snapshot


async def test_every_fix_applied_and_relinted(document: Document) -> None:
    before = await document.open(DOCKERFILE)
    fixes = [a for a in await code_actions(document) if a.kind == lsp.CodeActionKind.QuickFix and a.edit]
    fixes = [a for a in fixes if not a.title.startswith("Ignore ")]
    assert {a.title.rsplit("(", 1)[1].split(",")[0].rstrip(")") for a in fixes} >= {"DF200", "DF704", "DF512"}
    for action in fixes:
        code = action.title.rsplit("(", 1)[1].split(",")[0].rstrip(")")
        count = sum(d.code == code for d in before)
        after = await document.edit(apply(DOCKERFILE, edits_of(action)))
        assert sum(d.code == code for d in after) == count - 1, action.title
        assert located(after) == cli_findings(document.path, document.text)


async def test_every_ignore_comment_applied_and_relinted(document: Document) -> None:
    before = await document.open(DOCKERFILE)
    ignores = [a for a in await code_actions(document) if a.title.startswith("Ignore ")]
    assert len(ignores) >= 5
    for action in ignores:
        code = action.title.split()[1]
        after = await document.edit(apply(DOCKERFILE, edits_of(action)))
        assert sum(d.code == code for d in after) < sum(d.code == code for d in before), action.title
        assert "DF790" not in [d.code for d in after]  # the comment suppresses something


async def test_ignore_adds_to_an_existing_comment(document: Document) -> None:
    await document.open(DOCKERFILE)
    runtime = DOCKERFILE.split("\n").index("RUN apt-get update && apt-get install -y curl \\")
    actions = await code_actions(document, runtime)
    ignore = next(a for a in actions if a.title == "Ignore DF512 for this instruction")
    fixed = apply(DOCKERFILE, edits_of(ignore))
    assert "# dfanalyze: ignore=DF513,DF512\n" in fixed
    after = await document.edit(fixed)
    assert not {"DF512", "DF513", "DF790"} & {str(d.code) for d in after}


async def test_fix_all_is_the_command_lines_fix(document: Document) -> None:
    await document.open(DOCKERFILE)
    [action] = await code_actions(document, only=["source.fixAll"])
    assert action.kind == "source.fixAll.dfanalyze"
    fixed = apply(DOCKERFILE, edits_of(action))
    cli = subprocess.run(
        [*SERVER[:-1], "check", "--fix", "-", "--stdin-filename", str(document.path)],
        input=DOCKERFILE,
        capture_output=True,
        text=True,
        cwd=document.path.parent,
        env=ENV,
        check=False,
    )
    assert fixed == cli.stdout != DOCKERFILE
    after = await document.edit(fixed)
    assert [d.code for d in after if d.data["fix"] == "safe"] == []
    assert [d.code for d in after if d.data["fix"] == "unsafe"] == ["DF512"]


async def test_disable_in_configuration_writes_it_and_relints(document: Document, workspace: Path) -> None:
    await document.open(DOCKERFILE)
    disable = next(a for a in await code_actions(document) if a.title.startswith("Disable DF602"))
    assert disable.command is not None
    start = len(inbox.items)
    await document.client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(disable.command.command, disable.command.arguments)
    )
    assert "DF602" not in [d.code for d in await document.diagnostics(start)]
    written = (workspace / ".dfanalyze.toml").read_text(encoding="utf-8")
    try:
        assert tomllib.loads(written) == {
            "extend-select": ["DF103", "DF512", "DF513", "DF602", "DF790"],
            "ignore": ["DF602"],
            "rules": {"DF103": {"today": "2026-11-27"}},
        }
        assert set(CONFIG.splitlines()) <= set(written.splitlines())  # the rest of the file kept
    finally:
        (workspace / ".dfanalyze.toml").write_text(CONFIG, encoding="utf-8")
        document.client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                [lsp.FileEvent((workspace / ".dfanalyze.toml").as_uri(), lsp.FileChangeType.Changed)]
            )
        )


# -- hover, inlay hints, symbols, navigation, completion -----------------------------------------


def position_of(text: str, needle: str, offset: int = 0) -> lsp.Position:
    before = text[: text.index(needle) + offset]
    return lsp.Position(before.count("\n"), len(before.rsplit("\n", 1)[-1]))


HOVERS = {
    "image": ("python:${PYTHON}", 3),
    "variable-use": ("$APP_HOME\nCOPY", 2),
    "variable-definition": ("ENV APP_HOME", 5),
    "stage-use": ("--from=build", 9),
    "suppression-code": ("ignore=DF513", 9),
    "run-layer": ("RUN pip", 1),
    "finding": ("from debian", 1),
    "debian-image": ("debian:bookworm-slim", 2),
}


@pytest.mark.parametrize("where", HOVERS)
async def test_hover(document: Document, where: str, snapshot: SnapshotAssertion) -> None:
    await document.open(DOCKERFILE)
    needle, offset = HOVERS[where]
    found = await document.client.text_document_hover_async(
        lsp.HoverParams(document.id, position_of(DOCKERFILE, needle, offset))
    )
    assert found is not None
    assert plain(found, document.path.parent) == snapshot


async def test_inlay_hints(document: Document, snapshot: SnapshotAssertion) -> None:
    await document.open(DOCKERFILE)
    everything = lsp.Range(lsp.Position(0, 0), lsp.Position(40, 0))
    hints = await document.client.text_document_inlay_hint_async(
        lsp.InlayHintParams(text_document=document.id, range=everything)
    )
    assert hints
    assert any("reruns" in str(h.label) for h in hints)
    assert any(str(h.label).strip().startswith("image ") for h in hints)
    assert plain(hints, document.path.parent) == snapshot


async def test_symbols_and_folding(document: Document, snapshot: SnapshotAssertion) -> None:
    await document.open(DOCKERFILE)
    symbols = await document.client.text_document_document_symbol_async(lsp.DocumentSymbolParams(document.id))
    folding = await document.client.text_document_folding_range_async(lsp.FoldingRangeParams(document.id))
    assert plain({"symbols": symbols, "folding": folding}, document.path.parent) == snapshot


async def test_definition_references_highlight(document: Document, snapshot: SnapshotAssertion) -> None:
    await document.open(DOCKERFILE)
    client = document.client
    answers: dict[str, Any] = {}
    for name, (needle, offset) in {
        "stage": ("--from=build", 9),
        "mount-stage": ("from=build,target", 6),
        "env": ("$APP_HOME\nCOPY", 2),
        "heredoc-variable": ("$APP_HOME with", 2),
        "stage-arg": ('$PYTHON"', 2),
        "global-arg": ("${PYTHON}", 3),
    }.items():
        at = position_of(DOCKERFILE, needle, offset)
        answers[name] = {
            "definition": await client.text_document_definition_async(
                lsp.DefinitionParams(text_document=document.id, position=at)
            ),
            "references": await client.text_document_references_async(
                lsp.ReferenceParams(
                    text_document=document.id,
                    position=at,
                    context=lsp.ReferenceContext(include_declaration=True),
                )
            ),
            "highlight": await client.text_document_document_highlight_async(
                lsp.DocumentHighlightParams(text_document=document.id, position=at)
            ),
        }
    assert plain(answers, document.path.parent) == snapshot


async def test_rename_a_stage(document: Document) -> None:
    await document.open(DOCKERFILE)
    client = document.client
    at = position_of(DOCKERFILE, "--from=build", 9)
    prepared = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(text_document=document.id, position=at)
    )
    assert prepared is not None
    edit = await client.text_document_rename_async(
        lsp.RenameParams(text_document=document.id, position=at, new_name="builder")
    )
    assert edit is not None and edit.document_changes is not None
    change = edit.document_changes[0]
    assert isinstance(change, lsp.TextDocumentEdit)
    renamed = apply(DOCKERFILE, [e for e in change.edits if isinstance(e, lsp.TextEdit)])
    assert renamed == DOCKERFILE.replace("AS build", "AS builder").replace("from=build", "from=builder")
    assert located(await document.edit(renamed)) == cli_findings(document.path, renamed)
    variable = position_of(renamed, "$APP_HOME", 2)
    assert (
        await client.text_document_prepare_rename_async(
            lsp.PrepareRenameParams(text_document=document.id, position=variable)
        )
        is None
    )
    with pytest.raises(Exception, match="is not a stage name"):
        await client.text_document_rename_async(
            lsp.RenameParams(text_document=document.id, position=at, new_name="9 lives")
        )


COMPLETIONS = {
    "keyword": ("R", "\nR"),
    "flag": ("COPY --", "\nCOPY --"),
    "mount-flag": ("RUN --m", "\nRUN --m"),
    "stage": ("COPY --from=", "\nCOPY --from="),
    "mount-stage": ("RUN --mount=type=bind,from=", "\nRUN --mount=type=bind,from="),
    "variable": ("RUN echo $", "\nENV MODE=prod\nRUN echo $"),
    "from-variable": ("FROM alpine:${", "\nFROM alpine:${"),
    "tag": ("FROM node:", "\nFROM node:"),
}


@pytest.mark.parametrize("where", COMPLETIONS)
async def test_completion(document: Document, where: str, snapshot: SnapshotAssertion) -> None:
    line, added = COMPLETIONS[where]
    text = DOCKERFILE.rstrip("\n") + added
    await document.open(text)
    at = lsp.Position(text.count("\n"), len(line))
    found = await document.client.text_document_completion_async(
        lsp.CompletionParams(text_document=document.id, position=at)
    )
    assert found
    items = found if isinstance(found, list) else found.items
    if where == "tag":
        resolved = await document.client.completion_item_resolve_async(items[0])
        assert resolved.documentation is not None
        assert plain(resolved, document.path.parent) == snapshot(name="resolved")
    assert [(i.label, i.detail) for i in items] == snapshot
