"""The server's scheduling, in process: work on a version that a newer one replaced is abandoned,
and what was computed for it is never published."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from dfanalyze.server import features
from dfanalyze.server.app import DfanalyzeServer
from dfanalyze.server.snapshot import Snapshot

pytestmark = pytest.mark.asyncio

TEXT = "FROM alpine:3.20\nrun echo hi\n"


def _server(published: list[int | None]) -> DfanalyzeServer:
    server = DfanalyzeServer()

    def publish(params: lsp.PublishDiagnosticsParams) -> None:
        published.append(params.version)

    server.text_document_publish_diagnostics = publish  # type: ignore[method-assign]
    return server


def _snapshot(server: DfanalyzeServer, tmp_path: Path, version: int) -> Snapshot:
    uri = (tmp_path / "Dockerfile").as_uri()
    snapshot = Snapshot(uri, tmp_path / "Dockerfile", version, TEXT + "#" * version, server.checker, "utf-16")
    server.snapshots[uri] = snapshot
    return snapshot


async def test_versions_queued_behind_a_newer_one_are_never_linted(tmp_path: Path) -> None:
    published: list[int | None] = []
    server = _server(published)
    gate = threading.Event()
    server.worker.submit(gate.wait)  # the worker is busy while five versions arrive
    snapshots = [_snapshot(server, tmp_path, version) for version in range(1, 6)]
    tasks = [asyncio.create_task(server.publish(s)) for s in snapshots]
    await asyncio.sleep(0.05)
    gate.set()
    await asyncio.gather(*tasks)
    assert published == [5]
    assert ["checked" in vars(s) for s in snapshots] == [False, False, False, False, True]
    server.worker.shutdown()


async def test_a_lint_overtaken_while_running_is_not_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[int | None] = []
    server = _server(published)
    started, release = threading.Event(), threading.Event()
    real = features.diagnostics

    def slow(snapshot: Snapshot) -> list[lsp.Diagnostic]:
        if snapshot.version == 1:
            started.set()
            release.wait()
        return real(snapshot)

    monkeypatch.setattr(features, "diagnostics", slow)
    first = asyncio.create_task(server.publish(_snapshot(server, tmp_path, 1)))
    await asyncio.get_running_loop().run_in_executor(None, started.wait)
    second = _snapshot(server, tmp_path, 2)  # arrives while version 1 is being linted
    release.set()
    await first
    await server.publish(second)
    assert published == [2]
    server.worker.shutdown()
