"""Human output: ``full`` (ruff-style code frames, rendered with rich) and ``concise``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TextIO

from dfanalyze.findings import Finding, Severity

TAB = "    "
_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "bold cyan",
    Severity.STYLE: "bold magenta",
}


def render_concise(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        fixable = " [*]" if f.fix is not None else ""
        out.write(f"{f.path}:{f.span.start.line}:{f.span.start.column}: {f.code}{fixable} {f.message}\n")
    out.write(summary(findings) + "\n")


def summary(findings: Sequence[Finding]) -> str:
    if not findings:
        return "All checks passed!"
    n = len(findings)
    text = f"Found {n} {'error' if n == 1 else 'errors'}."
    fixable = sum(1 for f in findings if f.fix is not None)
    if fixable:
        text += f"\n[*] {fixable} fixable with the `--fix` option."
    return text


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _frame_lines(f: Finding, lines: tuple[str, ...]) -> list[tuple[int, str, int, int]]:
    """(line number, text, caret start cell, caret width) for each line of the frame."""
    start, end = f.span.start, f.span.end
    first = max(1, start.line - 1)
    last = min(len(lines), max(end.line, start.line) + 1)
    rows: list[tuple[int, str, int, int]] = []
    for number in range(first, last + 1):
        raw = lines[number - 1] if number - 1 < len(lines) else ""
        shown = raw.replace("\t", TAB)
        caret_from = caret_to = 0
        if start.line <= number <= end.line:
            col_from = start.column if number == start.line else 1
            col_to = end.column if number == end.line else len(raw) + 1
            before = raw[: col_from - 1].replace("\t", TAB)
            inside = raw[col_from - 1 : col_to - 1].replace("\t", TAB)
            caret_from = _cells(before)
            caret_to = caret_from + max(_cells(inside), 1)
        rows.append((number, shown, caret_from, caret_to))
    if len(rows) > 9:  # long spans: first and last lines only
        rows = [*rows[:4], (0, "...", 0, 0), *rows[-4:]]
    return rows


def render_full(
    findings: Sequence[Finding],
    sources: Mapping[str, tuple[str, ...]],
    out: TextIO,
    *,
    color: bool = True,
) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, no_color=not color, highlight=False, emoji=False, soft_wrap=True)
    for f in findings:
        header = Text()
        header.append(f.code, style=_STYLE[f.severity])
        if f.fix is not None:
            header.append(" [*]", style="bold cyan")
        header.append(f" {f.message}", style="bold")
        console.print(header)
        start = f.span.start
        console.print(Text(f" --> {f.path}:{start.line}:{start.column}", style="blue"))
        lines = sources.get(f.path, ())
        rows = _frame_lines(f, lines) if lines else []
        gutter = max((len(str(r[0])) for r in rows), default=1)
        pad = " " * gutter
        console.print(Text(f"{pad} |", style="blue"))
        for number, text, caret_from, caret_to in rows:
            label = str(number) if number else "."
            line = Text(f"{label:>{gutter}} | ", style="blue")
            line.append(text)
            console.print(line)
            if caret_to > caret_from:
                marks = Text(f"{pad} | ", style="blue")
                marks.append(" " * caret_from + "^" * (caret_to - caret_from), style=_STYLE[f.severity])
                console.print(marks)
        console.print(Text(f"{pad} |", style="blue"))
        if f.fix is not None:
            console.print(Text(f"help: {f.fix.title}", style="bold cyan"))
        if f.url:
            console.print(Text(f"  = see {f.url}", style="dim"))
        console.print()
    console.print(Text(summary(findings), style="bold" if findings else "bold green"))
