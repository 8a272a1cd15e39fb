"""Checks that report on suppression comments themselves: DF790 (a suppression that suppresses
nothing), DF791 (a code that names no rule), DF792 (a comment that cannot be read).

These rules run in the late phase: the engine (:mod:`dfanalyze.engine.suppress`) reads the comments,
applies them to the findings of every other rule, and leaves what it learnt in the file's analysis
under :data:`REPORT_KEY` as a :class:`SuppressionReport`; the checks here turn it into hits.
"""

from __future__ import annotations

from collections.abc import Iterator

from msgspec import Struct

from dfanalyze.checks.context import Context, Hit
from dfanalyze.findings import Edit, Fix
from dfanalyze.span import Position, Span

REPORT_KEY = "suppression-report"


class Code(Struct, frozen=True):
    """One code as written in a suppression comment, with its span."""

    text: str
    span: Span


class Comment(Struct, frozen=True):
    """One suppression comment.

    ``source`` is ``dfanalyze``, ``hadolint`` or ``check`` (BuildKit); ``action`` is ``ignore``,
    ``ignore-file``, ``disable`` or ``enable`` (hadolint's ``global ignore`` is ``ignore-file``,
    BuildKit's ``skip`` is ``ignore`` above an instruction and ``ignore-file`` as a parser directive).
    ``target`` is the span of the instruction an ``ignore`` applies to (None: no instruction).
    """

    source: str
    action: str
    codes: tuple[Code, ...]
    line: int
    target: Span | None = None
    reason: str = ""


class Unused(Struct, frozen=True):
    comment: Comment
    codes: tuple[Code, ...]  # the comment's codes that suppress nothing, in order


class SuppressionReport(Struct, frozen=True):
    unused: tuple[Unused, ...] = ()
    unknown: tuple[tuple[Code, str], ...] = ()  # a code naming no rule, and a hint
    invalid: tuple[tuple[Span, str], ...] = ()  # an unreadable comment, and why


def _report(ctx: Context) -> SuppressionReport:
    report: SuppressionReport = ctx.analysis.cached(REPORT_KEY, SuppressionReport)
    return report


_SCOPE = {
    "ignore": "on this instruction",
    "ignore-file": "in this file",
    "disable": "before the matching `enable`",
}


def _removal(unused: Unused, lines: tuple[str, ...]) -> Fix | None:
    """Remove the unused codes from the comment, or the whole comment line when none is left.

    BuildKit's ``# check=`` comments also configure ``docker build``: they are left to the user.
    Removing a code from a hadolint comment is unsafe: hadolint itself may still need it.
    """
    comment = unused.comment
    if comment.source == "check" or comment.action == "enable":
        return None
    kept = [c.text for c in comment.codes if c not in unused.codes]
    safe = comment.source == "dfanalyze"
    if not kept:
        line = comment.line
        if line > len(lines) or not lines[line - 1].lstrip().startswith("#"):
            return None
        edit = Edit(Span(Position(line, 1), Position(line + 1, 1)), "")
        return Fix("Remove the unused suppression comment", (edit,), safe=safe)
    first, last = comment.codes[0].span, comment.codes[-1].span
    edit = Edit(Span(first.start, last.end), ",".join(kept))
    return Fix("Remove the unused codes from the suppression comment", (edit,), safe=safe)


def unused_suppression(ctx: Context) -> Iterator[Hit]:
    lines = ctx.dockerfile.lines
    for unused in _report(ctx).unused:
        fix = _removal(unused, lines)
        for code in unused.codes:
            if unused.comment.action == "enable":
                message = f"`enable={code.text}` has no earlier `disable={code.text}` to end"
                yield Hit(code.span, {"code": code.text, "scope": ""}, fix, message)
            else:
                yield Hit(code.span, {"code": code.text, "scope": _SCOPE[unused.comment.action]}, fix)


def unknown_suppression_code(ctx: Context) -> Iterator[Hit]:
    for code, hint in _report(ctx).unknown:
        yield Hit(code.span, {"code": code.text, "hint": hint})


def invalid_suppression_comment(ctx: Context) -> Iterator[Hit]:
    for span, problem in _report(ctx).invalid:
        yield Hit(span, {"problem": problem})
