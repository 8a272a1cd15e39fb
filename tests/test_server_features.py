"""Server features in process, where the end-to-end tests cannot reach: related locations, what
kept rules from running, and positions in UTF-16, UTF-8 and UTF-32."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from msgspec import structs

from dfanalyze.api import Checker
from dfanalyze.engine.linting import Skipped
from dfanalyze.findings import Related
from dfanalyze.server import features
from dfanalyze.server.snapshot import Lines, Snapshot
from dfanalyze.span import Position, Span

TEXT = "FROM alpine:3.20\nrun echo a\nRUN echo b\n"


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    path = tmp_path / "Dockerfile"
    return Snapshot(path.as_uri(), path, 1, TEXT, Checker(), "utf-16")


def test_related_items_become_related_information(snapshot: Snapshot) -> None:
    finding = snapshot.checked.findings[0]
    assert features.diagnostic(snapshot, finding).related_information is None
    items = (Related(Span.of(3, 1, 3, 4), "the other RUN"), Related(Span.of(1, 6, 1, 12), "the image"))
    about_two = structs.replace(finding, related=items)
    first, second = features.diagnostic(snapshot, about_two).related_information or []
    assert (first.message, first.location.uri) == ("the other RUN", snapshot.uri)
    assert first.location.range == lsp.Range(lsp.Position(2, 0), lsp.Position(2, 3))
    assert (second.message, second.location.range.start) == ("the image", lsp.Position(0, 5))


def test_rules_that_fail_or_cannot_run_are_diagnostics(snapshot: Snapshot) -> None:
    from dfanalyze.report.result import RuleFailure

    failure = RuleFailure("LOC001", str(snapshot.path), "RuntimeError: boom", 2, 1, "run echo a")
    missing = [
        Skipped("DF599", "shellcheck", "ShellCheck is not installed", named=True),
        Skipped("DF599", "shellcheck", "ShellCheck is not installed", named=False),
    ]
    checked = structs.replace(snapshot.checked, failures=(failure,), not_run=tuple(missing))
    snapshot.__dict__["checked"] = checked  # the cached_property's value, as a run would give it
    found = features.diagnostics(snapshot)
    assert [(d.code, d.severity) for d in found[-3:]] == [
        ("internal-error", lsp.DiagnosticSeverity.Error),
        ("rule-not-run", lsp.DiagnosticSeverity.Error),
        ("rule-not-run", lsp.DiagnosticSeverity.Hint),
    ]
    assert found[-3].message == failure.message()
    assert found[-3].range == lsp.Range(lsp.Position(1, 0), lsp.Position(1, 3))  # the RUN that failed
    assert found[-2].message == "rule DF599 (shellcheck) not run: ShellCheck is not installed"
    assert found[-1].message == "rule DF599 (shellcheck) skipped: ShellCheck is not installed"
    assert len(found) == len(checked.findings) + 3


def test_positions_in_every_encoding() -> None:
    line = 'LABEL x="é😀" y=1'  # é: 1 UTF-16 unit, 2 UTF-8 bytes; 😀: 2 UTF-16 units, 4 UTF-8 bytes
    after = Position(1, line.index(" y") + 1)  # the code point just after the closing quote
    expected = {
        lsp.PositionEncodingKind.Utf32: line.index(" y"),
        lsp.PositionEncodingKind.Utf16: line.index(" y") + 1,
        lsp.PositionEncodingKind.Utf8: len(line[: line.index(" y")].encode("utf-8")),
    }
    for encoding, character in expected.items():
        lines = Lines([line], encoding)
        assert lines.position(after) == lsp.Position(0, character), encoding
        assert lines.from_lsp(lsp.Position(0, character)) == after, encoding
        assert lines.from_lsp(lsp.Position(0, 999)) == Position(1, len(line) + 1)
        assert lines.from_lsp(lsp.Position(7, 0)) == Position(8, 1)  # past the end: no error
