"""Checks of the syntax family that report what the parser found (BuildKit's own errors and
warnings), so that parse problems are findings like any other: selectable, suppressible, documented."""

from __future__ import annotations

from collections.abc import Iterator

from dfanalyze.checks.context import Context, Hit
from dfanalyze.parse.instructions import (
    BAD_ONBUILD_TRIGGER,
    EMPTY_CONTINUATION,
    FLAG_ERROR,
    NO_BUILD_STAGE,
    SYNTAX_ERROR,
    UNKNOWN_INSTRUCTION,
)


def _diagnostics(ctx: Context, code: str) -> Iterator[Hit]:
    for d in ctx.dockerfile.diagnostics:
        if d.code == code:
            yield Hit(d.span, {"message": d.message})


def syntax_error(ctx: Context) -> Iterator[Hit]:
    yield from _diagnostics(ctx, SYNTAX_ERROR)


def unknown_instruction(ctx: Context) -> Iterator[Hit]:
    yield from _diagnostics(ctx, UNKNOWN_INSTRUCTION)


def invalid_flag(ctx: Context) -> Iterator[Hit]:
    yield from _diagnostics(ctx, FLAG_ERROR)


def empty_continuation(ctx: Context) -> Iterator[Hit]:
    yield from _diagnostics(ctx, EMPTY_CONTINUATION)


def instruction_before_from(ctx: Context) -> Iterator[Hit]:
    yield from _diagnostics(ctx, NO_BUILD_STAGE)


def invalid_onbuild_trigger(ctx: Context) -> Iterator[Hit]:
    yield from _diagnostics(ctx, BAD_ONBUILD_TRIGGER)


def analysis_limit(ctx: Context) -> Iterator[Hit]:
    """Parts of the file dfanalyze did not analyse because they are beyond its limits."""
    for instruction in ctx.instructions("RUN", "ONBUILD"):
        for script in ctx.analysis.shell_scripts(instruction):
            for limit in script.limits:
                yield Hit(limit.span, {"message": limit.message})
