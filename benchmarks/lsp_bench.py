"""The language server while typing: how soon diagnostics follow an edit, and whether memory stays
flat over many edits.

    .venv/bin/python benchmarks/lsp_bench.py [--edits 1000] [--json figures.json]

It starts ``dfanalyze server`` as an editor does (a subprocess over stdio, driven by pytest-lsp's
client), opens a 200-line Dockerfile made of the corpus's two longest files, and types: each edit
inserts or deletes one character at the end of a line in the middle of the file (incremental
changes, as editors send them), then waits for the diagnostics of that version. After each edit it
also asks for the inlay hints of the whole file, as VS Code does, so the layer model runs too.
The first 30 edits are the warm-up (imports, rule loading, the Debian package data).

Printed: the time from sending an edit to receiving its diagnostics (median, 95th percentile,
max, after warm-up) and the CPU time the server used per edit; the server's resident memory after
the warm-up and after every 100 edits. The target (issue 15): diagnostics within 50 ms for a
200-line file, memory flat over 1,000 edits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pytest_lsp import client_capabilities, make_test_lsp_client

CORPUS = Path(__file__).resolve().parent / "corpus"
LINES = 200
WARM_UP = 30


def document() -> str:
    """200 lines of real Dockerfiles: the corpus's longest files, one after the other."""
    files = sorted(
        CORPUS.glob("*.Dockerfile"), key=lambda p: -len(p.read_text(encoding="utf-8").splitlines())
    )
    lines: list[str] = []
    for path in files:
        lines += path.read_text(encoding="utf-8").splitlines()
        if len(lines) >= LINES:
            break
    return "\n".join(lines[:LINES]) + "\n"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(edits: int) -> dict[str, Any]:
    text = document()
    client = make_test_lsp_client()
    arrived: dict[int, float] = {}
    event = asyncio.Event()
    del client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    client.feature(lsp.CLIENT_REGISTER_CAPABILITY)(lambda params: None)  # the file watchers

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            arrived[params.version] = time.perf_counter()
            event.set()

    async def diagnostics_of(version: int) -> float:
        while version not in arrived:
            event.clear()
            await asyncio.wait_for(event.wait(), 60)
        return arrived[version]

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".git").mkdir()
        path = root / "Dockerfile"
        path.write_text(text, encoding="utf-8")
        env = {**os.environ, "XDG_CONFIG_HOME": str(root / "no-user-config")}  # no user configuration
        await client.start_io(sys.executable, "-m", "dfanalyze", "server", env=env)
        assert client._server is not None
        pid = client._server.pid
        await client.initialize_session(
            lsp.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri()
            )
        )
        uri = path.as_uri()
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "dockerfile", 1, text))
        )
        await diagnostics_of(1)
        line = LINES // 2
        width = len(text.split("\n")[line])
        typed = 0
        latencies: list[float] = []
        cpu: list[float] = []
        memory: list[tuple[int, int]] = []
        whole = lsp.Range(lsp.Position(0, 0), lsp.Position(LINES + 1, 0))
        for version in range(2, edits + 2):
            if typed < 5 and (version // 5) % 2 == 0:  # type five characters, then delete them
                at = lsp.Position(line, width + typed)
                change = lsp.TextDocumentContentChangePartial(range=lsp.Range(at, at), text="x")
                typed += 1
            elif typed > 0:
                end = lsp.Position(line, width + typed)
                start = lsp.Position(line, width + typed - 1)
                change = lsp.TextDocumentContentChangePartial(range=lsp.Range(start, end), text="")
                typed -= 1
            else:
                at = lsp.Position(line, width)
                change = lsp.TextDocumentContentChangePartial(range=lsp.Range(at, at), text="x")
                typed += 1
            before_cpu = cpu_seconds(pid)
            sent = time.perf_counter()
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    lsp.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
                )
            )
            received = await diagnostics_of(version)
            await client.text_document_inlay_hint_async(
                lsp.InlayHintParams(text_document=lsp.TextDocumentIdentifier(uri), range=whole)
            )
            if version > WARM_UP:
                latencies.append((received - sent) * 1000)
                cpu.append((cpu_seconds(pid) - before_cpu) * 1000)
            if version == WARM_UP or (version - 1) % 100 == 0:
                memory.append((version - 1, rss_kib(pid)))
        await client.shutdown_session()
    ordered = sorted(latencies)
    return {
        "lines": LINES,
        "edits_measured": len(latencies),
        "diagnostics_ms": {
            "median": round(statistics.median(ordered), 1),
            "p95": round(ordered[int(len(ordered) * 0.95)], 1),
            "max": round(ordered[-1], 1),
        },
        "server_cpu_ms_per_edit_with_inlay_hints": round(statistics.mean(cpu), 1),
        "rss_kib_after_edits": memory,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.edits))
    latency = figures["diagnostics_ms"]
    print(f"{figures['lines']}-line Dockerfile, {figures['edits_measured']} edits after {WARM_UP} of warm-up")
    print(
        f"diagnostics after an edit: median {latency['median']} ms, "
        f"p95 {latency['p95']} ms, max {latency['max']} ms"
    )
    print(
        f"server CPU per edit (lint + inlay hints): {figures['server_cpu_ms_per_edit_with_inlay_hints']} ms"
    )
    print(
        "server memory (RSS): "
        + ", ".join(f"{kib / 1024:.1f} MiB after {n}" for n, kib in figures["rss_kib_after_edits"])
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
