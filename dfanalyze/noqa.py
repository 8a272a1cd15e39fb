"""``--add-noqa`` (ruff's name): a suppression comment for every current finding, so that a big
repository can adopt dfanalyze at once and fix its findings over time, while new ones are reported.

Each instruction with findings gets ``# dfanalyze: ignore=CODE,...`` on the line above it (with the
instruction's indentation and line ending); an existing ``# dfanalyze: ignore=`` comment right above
it is extended instead. Findings outside any instruction (in comments or parser directives) get one
``# dfanalyze: ignore-file=...`` above the first instruction: parser directives must stay first.
ShellCheck findings are suppressed by their own codes (``SC2086``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Sequence

from dfanalyze.findings import Finding
from dfanalyze.model import Dockerfile

_EXISTING = re.compile(  # an existing comment without a reason, which codes can be added to
    r"^(\s*#\s*dfanalyze\s*:\s*ignore\s*=\s*)([\w.-]+(?:\s*,\s*[\w.-]+)*)\s*$", re.IGNORECASE
)


def _ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n"


def add_suppressions(
    dockerfile: Dockerfile, findings: Sequence[Finding], skip: Collection[str] = ()
) -> tuple[str, int]:
    """The file's text with suppression comments for ``findings`` (except the rules ``skip``:
    those that report on suppression comments themselves), and how many codes were written."""
    instructions = dockerfile.instructions
    starts = [ins.span.start for ins in instructions]
    per_line: dict[int, set[str]] = {}  # first line of an instruction -> codes
    whole_file: set[str] = set()
    for f in findings:
        if f.code in skip:
            continue
        index = bisect.bisect_right(starts, f.span.start) - 1
        if index >= 0 and f.span.start <= instructions[index].span.end:
            per_line.setdefault(instructions[index].span.start.line, set()).add(f.code)
        else:
            whole_file.add(f.code)
    bom = "\ufeff" if dockerfile.source.startswith("\ufeff") else ""
    lines = dockerfile.source[len(bom) :].splitlines(keepends=True)
    written = 0
    for number in sorted(per_line, reverse=True):  # from the bottom: line numbers above stay valid
        codes = sorted(per_line[number])
        line = lines[number - 1]
        above = _EXISTING.match(lines[number - 2].rstrip("\r\n")) if number > 1 else None
        if above is not None:
            present = [c.strip() for c in above.group(2).split(",") if c.strip()]
            added = [c for c in codes if c not in present]
            lines[number - 2] = f"{above.group(1)}{','.join(present + added)}{_ending(lines[number - 2])}"
            written += len(added)
            continue
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        lines.insert(number - 1, f"{indent}# dfanalyze: ignore={','.join(codes)}{_ending(line)}")
        written += len(codes)
    if whole_file:
        # Above the first instruction: after the parser directives and whatever comments follow
        # them, so that no directive stops being one.
        at = instructions[0].span.start.line - 1 if instructions else len(lines)
        ending = _ending(lines[0]) if lines else "\n"
        if at == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += ending
        lines.insert(at, f"# dfanalyze: ignore-file={','.join(sorted(whole_file))}{ending}")
        written += len(whole_file)
    return bom + "".join(lines), written
