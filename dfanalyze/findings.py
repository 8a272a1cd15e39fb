"""What a check reports: a finding with a location, a severity and, where safe, a fix."""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct

from dfanalyze.span import Span


class Severity(StrEnum):
    """How bad a finding is, most severe first."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """0 for the most severe; lower ranks sort first."""
        return _RANKS[self]


_RANKS = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2, Severity.STYLE: 3}


class Edit(Struct, frozen=True, gc=False):
    """Replace the text under ``span`` by ``content`` (an empty span inserts)."""

    span: Span
    content: str


class Fix(Struct, frozen=True, gc=False):
    """A set of edits that resolves a finding. ``safe`` fixes are applied by ``--fix``; unsafe ones
    need ``--unsafe-fixes`` because they may change behaviour."""

    title: str
    edits: tuple[Edit, ...]
    safe: bool = True


class Related(Struct, frozen=True, gc=False):
    """One item of a finding about several (a package of an install command, a port of an EXPOSE):
    where it is and what is wrong with it there."""

    span: Span
    message: str


class Finding(Struct, frozen=True, gc=False):
    """One reported problem: rule identity, severity, message, location and optional fix.

    A finding about several items of one instruction (one mistake made for each) spans them all;
    ``related`` then holds each item's own span and message."""

    code: str
    name: str
    family: str
    severity: Severity
    message: str
    path: str
    span: Span
    aliases: tuple[str, ...] = ()
    fix: Fix | None = None
    url: str | None = None
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.start.line, self.span.start.column, self.code)
