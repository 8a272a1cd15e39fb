"""Every request answers on broken and half-typed Dockerfiles: the server never crashes, never logs
a failure, and publishes diagnostics for every version.

Inputs: the bad inputs of ``test_bad_input.py`` (binary, invalid UTF-8 as the editor decodes it,
NUL bytes, a 10 MB line, unterminated heredocs and continuations, broken JSON forms), the
Dockerfiles under ``tests/fixtures``, every prefix of ``test_server.DOCKERFILE`` cut inside each line
(a file being typed), and mutants of it with a fixed seed (a character deleted, or a quote, escape,
``$``, ``{``, ``<<`` or ``--`` inserted). Each text is sent as a new version of one open document;
then every request the server implements is sent at positions on its first lines (start, middle
and end of each, and past the end), over the real stdio connection.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from test_bad_input import BAD_FILES
from test_server import DOCKERFILE, ENV, SERVER, Document, Inbox, prepare

pytestmark = pytest.mark.asyncio(loop_scope="module")

FIXTURES = Path(__file__).parent / "fixtures"
MUTATIONS = ("'", '"', "\\", "$", "${", "{", "<<", "--", "=", "\n", "[")
LINES_ASKED = 8  # the first lines of each text get every request (the rest are the same code paths)


def _mutants(count: int, seed: int = 15) -> Iterator[str]:
    chance = random.Random(seed)
    for _ in range(count):
        at = chance.randrange(len(DOCKERFILE))
        if chance.random() < 0.3:
            yield DOCKERFILE[:at] + DOCKERFILE[at + 1 :]
        else:
            yield DOCKERFILE[:at] + chance.choice(MUTATIONS) + DOCKERFILE[at:]


def _prefixes() -> Iterator[str]:
    done = ""
    for line in DOCKERFILE.splitlines(keepends=True):
        for cut in sorted({1, len(line) // 2, len(line) - 1}):
            yield done + line[:cut]
        done += line


def _inputs() -> list[tuple[str, str]]:
    found = [(f"bad-{bad.name}", bad.data.decode("utf-8", errors="replace")) for bad in BAD_FILES]
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and ("ockerfile" in path.name or "ontainerfile" in path.name):
            found.append((f"fixture-{path.name}", path.read_text(encoding="utf-8", errors="replace")))
    found += [(f"prefix-{n}", text) for n, text in enumerate(_prefixes())]
    found += [(f"mutant-{n}", text) for n, text in enumerate(_mutants(40))]
    return found


INPUTS = _inputs()
inbox = Inbox()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / ".git").mkdir()
    (root / "requirements.txt").write_text("flask\n", encoding="utf-8")
    return root


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, server_env=ENV))
async def client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[None]:
    prepare(lsp_client, inbox)
    params = lsp.InitializeParams(
        capabilities=client_capabilities("neovim"),
        root_uri=workspace.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(workspace.as_uri(), "fuzz")],
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def document(client: LanguageClient, workspace: Path) -> Document:
    doc = Document(client, workspace / "Dockerfile", inbox)
    await doc.open("FROM scratch\n")
    return doc


def _positions(text: str) -> Iterator[lsp.Position]:
    lines = text.split("\n")
    for number, line in enumerate(lines[:LINES_ASKED]):
        length = min(len(line), 2000)
        for character in sorted({0, length // 2, length}):
            yield lsp.Position(number, character)
    yield lsp.Position(len(lines) + 3, 0)  # past the end


@pytest.mark.parametrize(("name", "text"), INPUTS, ids=[name for name, _ in INPUTS])
async def test_every_request_answers(document: Document, name: str, text: str) -> None:
    client = document.client
    errors_before = len([m for m in client.log_messages if m.type == lsp.MessageType.Error])
    await document.edit(text)
    doc = document.id
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(len(text.split("\n")) + 1, 0))
    empty = lsp.CodeActionContext(diagnostics=[])
    asked = [
        client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc)),
        client.text_document_folding_range_async(lsp.FoldingRangeParams(text_document=doc)),
        client.text_document_inlay_hint_async(lsp.InlayHintParams(text_document=doc, range=whole)),
        client.text_document_code_action_async(
            lsp.CodeActionParams(text_document=doc, range=whole, context=empty)
        ),
    ]
    for at in _positions(text):
        point = lsp.Range(at, at)
        context = lsp.ReferenceContext(include_declaration=True)
        asked += [
            client.text_document_hover_async(lsp.HoverParams(text_document=doc, position=at)),
            client.text_document_completion_async(lsp.CompletionParams(text_document=doc, position=at)),
            client.text_document_definition_async(lsp.DefinitionParams(text_document=doc, position=at)),
            client.text_document_references_async(
                lsp.ReferenceParams(text_document=doc, position=at, context=context)
            ),
            client.text_document_document_highlight_async(
                lsp.DocumentHighlightParams(text_document=doc, position=at)
            ),
            client.text_document_prepare_rename_async(
                lsp.PrepareRenameParams(text_document=doc, position=at)
            ),
            client.text_document_code_action_async(
                lsp.CodeActionParams(text_document=doc, range=point, context=empty)
            ),
        ]
    await asyncio.gather(*asked)  # sent at once, as an editor does; every one must answer
    failures = [m.message for m in client.log_messages if m.type == lsp.MessageType.Error][errors_before:]
    assert failures == []
