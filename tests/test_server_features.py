"""Server features in process, where the end-to-end tests cannot reach: related locations (the
findings of today's rules carry none yet) and positions in UTF-16, UTF-8 and UTF-32."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from dfanalyze.api import Checker
from dfanalyze.findings import Finding
from dfanalyze.server import features
from dfanalyze.server.snapshot import Lines, Snapshot
from dfanalyze.span import Position, Span


@dataclass(frozen=True)
class Related:
    span: Span
    message: str


class WithRelated:
    """A finding with related locations, as rules that report one finding per mistake give them."""

    def __init__(self, finding: Finding, related: tuple[Related, ...]) -> None:
        self._finding = finding
        self.related = related

    def __getattr__(self, name: str) -> Any:
        return getattr(self._finding, name)


def test_related_locations_become_related_information(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    snapshot = Snapshot(
        path.as_uri(), path, 1, "FROM alpine:3.20\nrun echo a\nRUN echo b\n", Checker(), "utf-16"
    )
    finding = snapshot.checked.findings[0]
    assert features.diagnostic(snapshot, finding).related_information is None
    stand_in: Any = WithRelated(finding, (Related(Span.of(3, 1, 3, 4), "the other RUN"),))
    [info] = features.diagnostic(snapshot, stand_in).related_information or []
    assert (info.message, info.location.uri) == ("the other RUN", path.as_uri())
    assert info.location.range == lsp.Range(lsp.Position(2, 0), lsp.Position(2, 3))


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
