"""Parse a Dockerfile into the model: ``parse_bytes`` / ``parse_text`` never raise on bad input.

Problems (invalid UTF-8, binary data, unterminated heredocs, unknown instructions ...) become
:class:`~dfanalyze.model.Diagnostic` values with exact spans; parsing always goes on to the end of the
file, so one bad instruction never hides the rest.
"""

from __future__ import annotations

from msgspec.structs import replace

from dfanalyze import model
from dfanalyze.model import Diagnostic, Dockerfile, Instruction
from dfanalyze.parse.instructions import (
    ANALYSIS_LIMIT,
    EMPTY_CONTINUATION,
    NO_BUILD_STAGE,
    SYNTAX_ERROR,
    HeredocHeader,
    parse_instruction,
)
from dfanalyze.parse.lines import LineReader
from dfanalyze.span import Position, Span

__all__ = ["MAX_FILE_BYTES", "decode", "parse_bytes", "parse_text"]

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest Dockerfile dfanalyze analyses (16 MiB, more than a thousand times a large real one):
time and memory grow linearly with a file's size (about 4 s and 200 MB per MB of RUN lines), so a
larger file is reported (DF713, exit status 2) instead of analysed."""


def decode(data: bytes) -> tuple[str | None, Diagnostic | None]:
    """Decode a Dockerfile's bytes as UTF-8; refuse binary data with a located diagnostic."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, Diagnostic(
            SYNTAX_ERROR,
            "file contains NUL bytes: this is a binary file, not a Dockerfile",
            _character_span(data, nul),
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, Diagnostic(
            SYNTAX_ERROR,
            f"invalid UTF-8: byte 0x{data[exc.start]:02x} cannot start or continue a character",
            _character_span(data, exc.start),
        )


def _character_span(data: bytes, offset: int) -> Span:
    """The span of the character at byte ``offset`` in the readable text of ``data``."""
    line = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Span.of(line, column, line, column + 1)


def parse_bytes(data: bytes, path: str = "Dockerfile") -> Dockerfile:
    if len(data) > MAX_FILE_BYTES:
        end = data.find(b"\n", 0, 4096)
        return _too_large(path, data[: end if end >= 0 else 4096], len(data))
    text, problem = decode(data)
    if text is None:
        assert problem is not None
        return _unreadable(path, data, problem)
    return parse_text(text, path)


def _unreadable(path: str, data: bytes, problem: Diagnostic) -> Dockerfile:
    """A file that is not UTF-8 text: no instructions, and its lines as far as they can be shown
    (undecodable bytes and NULs as U+FFFD) so that the problem can be displayed where it is."""
    readable = data.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    lines = readable.split("\n")
    if lines[-1] == "":
        lines.pop()
    return Dockerfile(
        path=path,
        source=readable,
        lines=tuple(line.rstrip("\r") for line in lines),
        escape="\\",
        directives=(),
        instructions=(),
        global_args=(),
        stages=(),
        diagnostics=(problem,),
    )


def _too_large(path: str, head: bytes, size: int) -> Dockerfile:
    """A file over :data:`MAX_FILE_BYTES`: not parsed; its first line kept to show where."""
    first = head.decode("utf-8", errors="replace").replace("\x00", "\ufffd").rstrip("\r")
    message = f"the file is {size:,} bytes: files over {MAX_FILE_BYTES:,} bytes are not analysed"
    return Dockerfile(
        path=path,
        source=first,
        lines=(first,),
        escape="\\",
        directives=(),
        instructions=(),
        global_args=(),
        stages=(),
        diagnostics=(Diagnostic(ANALYSIS_LIMIT, message, Span.of(1, 1, 1, 1 + len(first))),),
    )


def parse_text(text: str, path: str = "Dockerfile") -> Dockerfile:
    if len(text) > MAX_FILE_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return _too_large(path, text[:4096].split("\n", 1)[0].encode("utf-8", "surrogatepass"), len(text))
    reader = LineReader.from_text(text)
    diagnostics = reader.diagnostics
    instructions: list[Instruction] = []
    while (line := reader.next_line()) is not None:
        end_line = line.end_line
        start = line.offsets.position(0)
        instruction, headers = parse_instruction(
            line.text,
            line.offsets,
            reader.escape,
            comments=line.comments,
            span=Span(start, _line_end(reader.lines, end_line)),
        )
        keyword_start = instruction.keyword.span.start
        if headers:
            heredocs = []
            for header in headers:
                content, offsets, first, last, terminated = reader.read_heredoc(header.name, header.chomp)
                word_span = line.offsets.span(header.start, header.end)
                body_span = Span(
                    offsets.position(0) if first > last else Position(first, 1), _line_end(reader.lines, last)
                )
                heredocs.append(
                    model.Heredoc(
                        name=header.name,
                        content=content,
                        expand=header.expand,
                        chomp=header.chomp,
                        fd=header.fd,
                        span=word_span,
                        body_span=body_span,
                        body_offsets=offsets,
                    )
                )
                end_line = max(end_line, last)
                if not terminated:
                    diagnostics.append(
                        Diagnostic(SYNTAX_ERROR, "unterminated heredoc", Span(word_span.start, body_span.end))
                    )
                    break
            instruction = _attach_heredocs(instruction, tuple(heredocs), headers)
        if end_line != line.end_line or keyword_start != start:
            # after heredocs, or when the keyword is not where the line starts
            instruction = replace(instruction, span=Span(keyword_start, _line_end(reader.lines, end_line)))
        if line.empty_continuation_lines:
            diagnostics.append(
                Diagnostic(
                    EMPTY_CONTINUATION,
                    "Empty continuation line",
                    # BuildKit places it on the last line of the continuation, before any heredoc body.
                    Span(Position(line.end_line, 1), _line_end(reader.lines, line.end_line)),
                    severity="warning",
                )
            )
        instructions.append(instruction)
    if not instructions and not diagnostics:
        last = max(len(reader.lines), 1)
        diagnostics.append(Diagnostic(SYNTAX_ERROR, "file with no instructions", Span.of(last, 1, last, 1)))
    return _assemble(path, text, reader, instructions, diagnostics)


def _line_end(lines: list[str], number: int) -> Position:
    if 1 <= number <= len(lines):
        return Position(number, len(lines[number - 1]) + 1)
    return Position(max(number, 1), 1)


def _attach_heredocs(
    instruction: Instruction, heredocs: tuple[model.Heredoc, ...], headers: list[HeredocHeader]
) -> Instruction:
    if isinstance(instruction, model.Onbuild) and instruction.child is not None:
        child = replace(instruction.child, heredocs=heredocs)
        return replace(instruction, heredocs=heredocs, child=child)
    return replace(instruction, heredocs=heredocs)


def _assemble(
    path: str,
    text: str,
    reader: LineReader,
    instructions: list[Instruction],
    diagnostics: list[Diagnostic],
) -> Dockerfile:
    global_args: list[model.Arg] = []
    stages: list[model.Stage] = []
    current: model.From | None = None
    body: list[Instruction] = []
    for instruction in instructions:
        diagnostics.extend(instruction.errors)
        if isinstance(instruction, model.Onbuild) and instruction.child is not None:
            diagnostics.extend(instruction.child.errors)
        if isinstance(instruction, model.From):
            if current is not None:
                stages.append(model.Stage(index=len(stages), from_=current, instructions=tuple(body)))
            current, body = instruction, []
        elif current is None:
            if isinstance(instruction, model.Arg):
                global_args.append(instruction)
            elif not isinstance(instruction, model.Unknown):
                diagnostics.append(
                    Diagnostic(NO_BUILD_STAGE, "no build stage in current context", instruction.keyword.span)
                )
        else:
            body.append(instruction)
    if current is not None:
        stages.append(model.Stage(index=len(stages), from_=current, instructions=tuple(body)))
    diagnostics.sort(key=lambda d: (d.span.start, d.span.end))
    return Dockerfile(
        path=path,
        source=text,
        lines=tuple(reader.lines),
        escape=reader.escape,
        directives=tuple(reader.directives),
        instructions=tuple(instructions),
        global_args=tuple(global_args),
        stages=tuple(stages),
        diagnostics=tuple(diagnostics),
    )


_FRAGMENT_BASE = "FROM ${__dfanalyze_no_from__}"  # an image nothing defines: unknown to every rule


def orphan_view(dockerfile: Dockerfile) -> tuple[Dockerfile, model.From] | None:
    """The instructions before the first FROM other than ARG (BuildKit refuses them: DF728) as the
    one stage of a Dockerfile of their own, on an unknown base image, so that the rules can look at
    them too (hadolint does: templates and fragments have no FROM); the global ARGs stay global.
    Returns that Dockerfile and its made-up FROM, a zero-width span where the first such
    instruction starts; None when the file has no such instruction."""
    before: list[Instruction] = []
    for ins in dockerfile.instructions:
        if isinstance(ins, model.From):
            break
        before.append(ins)
    orphans = tuple(i for i in before if not isinstance(i, (model.Arg, model.Unknown)))
    if not orphans:
        return None
    at = Span(orphans[0].span.start, orphans[0].span.start)
    parsed = parse_text(_FRAGMENT_BASE).stages[0].from_
    assert parsed.image is not None
    from_ = replace(
        parsed, span=at, keyword=replace(parsed.keyword, span=at), image=replace(parsed.image, span=at)
    )
    stage = model.Stage(index=0, from_=from_, instructions=orphans)
    view = replace(dockerfile, instructions=tuple(before), stages=(stage,), diagnostics=())
    return view, from_
