"""The language server: pygls wiring, document versions and the worker that does the work.

Every computation (lint, layers, hovers, completions ...) runs in one worker thread, so the
snapshot of a version is never computed twice at once and the event loop keeps reading messages
while the worker is busy. A version that is no longer the newest when its turn comes is skipped,
and diagnostics computed for a version a newer one has replaced are dropped, never published: the
work on an old text is abandoned as soon as a newer one arrives (a lint already running finishes,
which takes milliseconds, and its result is thrown away).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from dfanalyze import __version__
from dfanalyze.api import Checker
from dfanalyze.server import features
from dfanalyze.server.snapshot import Snapshot

logger = logging.getLogger("dfanalyze.server")
T = TypeVar("T")
WATCHED = (
    "**/*.toml",
    "**/.hadolint.yaml",
    "**/.hadolint.yml",
    "**/.dockerignore",
    "**/*.dockerignore",
)
"""Files whose change makes every open document linted again: configurations (``.dfanalyze.toml``,
``pyproject.toml``, the rule files of ``extend-rules`` folders, hadolint's) and ignore files."""


class _Protocol(LanguageServerProtocol):
    """pygls 2.1 keeps the future of every notification it handled in ``_request_futures`` for
    good (only requests' are removed, when they answer): ~1.3 KB per notification, 1.3 MB over
    1,000 edits. Finished ones are dropped after each notification (a finished future is needed
    by nothing: a request's answer is already sent, a notification has none)."""

    def _handle_notification(self, method_name: str, params: Any) -> None:
        super()._handle_notification(method_name, params)
        futures = self._request_futures
        for key in [k for k, future in futures.items() if future.done()]:
            del futures[key]


class DfanalyzeServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "dfanalyze",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=_Protocol,
        )
        self.checker = Checker()
        self.snapshots: dict[str, Snapshot] = {}
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="dfanalyze")
        self.tidied = 0

    def shutdown(self) -> None:
        self.worker.shutdown(wait=False, cancel_futures=True)
        super().shutdown()  # type: ignore[no-untyped-call]

    # -- documents ----------------------------------------------------------------------------------

    def path_of(self, uri: str) -> Path:
        """The file a document is (for its configuration and build context); an unsaved document
        counts as a ``Dockerfile`` in the first workspace folder (else the current folder)."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            return Path(path)
        root = self.workspace.root_path
        return Path(root or Path.cwd()) / "Dockerfile"

    def update(self, uri: str) -> Snapshot:
        """A new snapshot of the document's current text: the newest version from now on."""
        document = self.workspace.get_text_document(uri)
        encoding = str(self.workspace.position_encoding or lsp.PositionEncodingKind.Utf16)
        snapshot = Snapshot(uri, self.path_of(uri), document.version, document.source, self.checker, encoding)
        self.snapshots[uri] = snapshot
        return snapshot

    def current(self, snapshot: Snapshot) -> bool:
        return self.snapshots.get(snapshot.uri) is snapshot

    async def publish(self, snapshot: Snapshot) -> None:
        """Lint the snapshot in the worker and publish its diagnostics, unless a newer version
        replaced it before or while it was linted."""
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(self.worker, self._diagnostics, snapshot)
        if found is not None and self.current(snapshot):
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(snapshot.uri, found, snapshot.version)
            )
        self.worker.submit(self.tidy)

    def tidy(self) -> None:
        """Collect the garbage of the versions replaced so far, between two lints instead of in
        the middle of one (a lint leaves its model in reference cycles; the automatic collector,
        turned off by :func:`serve`, paused a lint 50-90 ms every ~20 edits of a 200-line file).
        What the first lints loaded for good (rules, data) is frozen out of later collections."""
        self.tidied += 1
        if self.tidied in (1, 20):
            gc.collect()
            gc.freeze()
        elif self.tidied % 100 == 0:
            gc.collect()
        else:
            gc.collect(1)

    def _diagnostics(self, snapshot: Snapshot) -> list[lsp.Diagnostic] | None:
        if not self.current(snapshot):
            return None  # a newer version is queued: this one is abandoned
        return self.safely(features.diagnostics, snapshot)

    async def relint_all(self) -> None:
        """Configuration or context files changed: every open document is linted again."""
        for uri in list(self.snapshots):
            await self.publish(self.update(uri))

    # -- requests -----------------------------------------------------------------------------------

    async def answer(self, uri: str, feature: Callable[..., T], *args: Any) -> T | None:
        """``feature(snapshot, *args)`` for the document's newest version, in the worker."""
        snapshot = self.snapshots.get(uri)
        if snapshot is None:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.worker, self.safely, feature, snapshot, *args)

    def safely(self, feature: Callable[..., T], *args: Any) -> T | None:
        """A feature's answer; a bug in it is logged to the client and answers nothing."""
        try:
            return feature(*args)
        except features.RenameError:
            raise
        except Exception as exc:
            detail = "".join(traceback.format_exception(exc))
            logger.error("%s failed: %s", feature.__name__, detail)
            self.window_log_message(
                lsp.LogMessageParams(lsp.MessageType.Error, f"dfanalyze: {feature.__name__} failed: {detail}")
            )
            return None

    def disable_rule(self, uri: str, code: str) -> str:
        """Add ``code`` to ``ignore`` in the configuration of the document's file (made when there
        is none); the file written."""
        from dfanalyze.engine.config_edit import ignore_rule
        from dfanalyze.fix import write_atomic

        path = self.path_of(uri).resolve()
        ours, _ = self.checker.config_files(path)
        target, text = ignore_rule(ours, path.parent, code)
        if target.is_file():
            write_atomic(target, text, target.read_bytes())
        else:
            target.write_text(text, encoding="utf-8")
        self.checker.forget()
        return str(target)


def make_server() -> DfanalyzeServer:
    """A server with every feature registered."""
    server = DfanalyzeServer()

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: DfanalyzeServer, params: lsp.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        options = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[lsp.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
        )
        registration = lsp.Registration(
            "dfanalyze-watched-files", lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, options
        )
        try:
            await ls.client_register_capability_async(lsp.RegistrationParams([registration]))
        except Exception as exc:  # a client that refuses: configuration changes are seen on the next edit
            logger.warning("the client did not register the file watchers: %s", exc)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: DfanalyzeServer, params: lsp.DidOpenTextDocumentParams) -> None:
        await ls.publish(ls.update(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: DfanalyzeServer, params: lsp.DidChangeTextDocumentParams) -> None:
        await ls.publish(ls.update(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: DfanalyzeServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.checker.forget()  # the build context may have changed with the saved file
        await ls.publish(ls.update(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DfanalyzeServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.snapshots.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched_files(ls: DfanalyzeServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        ls.checker.forget()
        await ls.relint_all()

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, features.FIX_ALL_KIND]),
    )
    async def code_action(ls: DfanalyzeServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        return await ls.answer(params.text_document.uri, features.code_actions, params)

    @server.command(features.DISABLE_RULE_COMMAND)
    async def disable_rule(ls: DfanalyzeServer, uri: str, code: str) -> None:
        try:
            written = ls.disable_rule(uri, code)
        except (OSError, ValueError) as exc:
            ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error, f"dfanalyze: {exc}"))
            return
        message = f"dfanalyze: {code} ignored in {written}"
        ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Info, message))
        await ls.relint_all()

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: DfanalyzeServer, params: lsp.HoverParams) -> lsp.Hover | None:
        return await ls.answer(params.text_document.uri, features.hover, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
    async def inlay_hint(ls: DfanalyzeServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint] | None:
        return await ls.answer(params.text_document.uri, features.inlay_hints, params.range)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        ls: DfanalyzeServer, params: lsp.DocumentSymbolParams
    ) -> list[lsp.DocumentSymbol] | None:
        return await ls.answer(params.text_document.uri, features.document_symbols)

    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding_range(
        ls: DfanalyzeServer, params: lsp.FoldingRangeParams
    ) -> list[lsp.FoldingRange] | None:
        return await ls.answer(params.text_document.uri, features.folding_ranges)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: DfanalyzeServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        return await ls.answer(params.text_document.uri, features.definition, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: DfanalyzeServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        include = params.context.include_declaration
        return await ls.answer(params.text_document.uri, features.references, params.position, include)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    async def highlight(
        ls: DfanalyzeServer, params: lsp.DocumentHighlightParams
    ) -> list[lsp.DocumentHighlight] | None:
        return await ls.answer(params.text_document.uri, features.highlights, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: DfanalyzeServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
        return await ls.answer(params.text_document.uri, features.prepare_rename, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))
    async def rename(ls: DfanalyzeServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        return await ls.answer(params.text_document.uri, features.rename, params.position, params.new_name)

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=["$", "{", "=", ":", "-"], resolve_provider=True),
    )
    async def completion(
        ls: DfanalyzeServer, params: lsp.CompletionParams
    ) -> list[lsp.CompletionItem] | None:
        return await ls.answer(params.text_document.uri, features.completion, params.position)

    @server.feature(lsp.COMPLETION_ITEM_RESOLVE)
    async def completion_resolve(ls: DfanalyzeServer, item: lsp.CompletionItem) -> lsp.CompletionItem:
        loop = asyncio.get_running_loop()
        resolved = await loop.run_in_executor(ls.worker, ls.safely, features.resolve_completion, item)
        return resolved if resolved is not None else item

    return server


def serve(log_file: str | None = None) -> None:
    """Run the server over standard input and output until the client says exit."""
    if log_file:
        logging.basicConfig(filename=log_file, level=logging.INFO)
    gc.disable()  # the worker collects between lints: DfanalyzeServer.tidy
    make_server().start_io()
