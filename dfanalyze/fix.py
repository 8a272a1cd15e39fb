"""Applying fixes: edits by span, non-overlapping, in one pass; unsafe fixes only when asked.

Writing files back is atomic (a temporary file in the same folder, then a rename) and refuses to
overwrite a file that changed on disk since it was read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dfanalyze.findings import Edit, Finding
from dfanalyze.span import Position


class FileChangedError(OSError):
    """The file changed on disk between reading and writing it."""


def _offsets(text: str) -> list[int]:
    """Offset of the start of each line (index 0 is line 1)."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _offset(starts: list[int], text: str, p: Position) -> int:
    if p.line - 1 >= len(starts):
        return len(text)
    return min(starts[p.line - 1] + p.column - 1, len(text))


def apply_fixes(text: str, findings: Sequence[Finding], *, unsafe: bool = False) -> tuple[str, int]:
    """Apply the fixes of ``findings`` to ``text``; returns the new text and how many fixes applied.

    A fix whose edits overlap an already chosen fix is skipped (the next run picks it up), so the
    result never depends on edit order.
    """
    starts = _offsets(text)
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for finding in sorted(findings, key=Finding.sort_key):
        fix = finding.fix
        if fix is None or (not fix.safe and not unsafe):
            continue
        ranges = [
            (_offset(starts, text, e.span.start), _offset(starts, text, e.span.end), e.content)
            for e in fix.edits
        ]
        if any(a < d and c < b for a, b, _ in ranges for c, d, _ in chosen) or any(
            a == b == c == d for a, b, _ in ranges for c, d, _ in chosen
        ):
            continue
        chosen.extend(ranges)
        applied += 1
    out = text
    for start, end, content in sorted(chosen, key=lambda r: (r[0], r[1]), reverse=True):
        out = out[:start] + content + out[end:]
    return out, applied


def common_ends(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """How many lines two versions of a text share at their start, and then at their end (the
    changed lines lie between)."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


def write_atomic(path: Path, new_text: str, original: bytes) -> None:
    """Replace ``path`` with ``new_text`` unless its bytes are no longer ``original``."""
    if path.read_bytes() != original:
        raise FileChangedError(f"{path}: changed on disk since it was read; not overwritten")
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(new_text)
        Path(tmp).chmod(mode & 0o7777)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["Edit", "FileChangedError", "apply_fixes", "write_atomic"]
