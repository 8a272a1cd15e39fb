"""Where findings are, for the machine formats: paths relative to a CI workspace, file URIs, and
fingerprints that identify a finding by its content rather than by its line number."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from dfanalyze.findings import Finding
from dfanalyze.report.result import Report
from dfanalyze.span import Span

STDIN = "-"


def relative_path(path: str, root: str | None) -> str:
    """``path`` relative to ``root`` with ``/`` separators when it lies inside ``root`` (a CI
    workspace or project folder); otherwise ``path`` itself with ``/`` separators."""
    if path == STDIN or not root:
        return path.replace(os.sep, "/")
    absolute = Path(path).absolute()
    base = Path(root).absolute()
    if not absolute.is_relative_to(base):
        return path.replace(os.sep, "/")
    return absolute.relative_to(base).as_posix()


def uri(path: str) -> str:
    """A URI for ``path``: relative paths stay relative (resolved against the run's source root),
    absolute ones become ``file://`` URIs; characters that URIs reserve are percent-encoded."""
    posix = path.replace(os.sep, "/")
    if Path(path).is_absolute():
        return Path(path).as_uri()
    return quote(str(PurePosixPath(posix)), safe="/")


def span_text(lines: Sequence[str], span: Span) -> str:
    """The source text under ``span`` (lines joined by newlines)."""
    first, last = span.start.line, min(span.end.line, len(lines))
    if first > len(lines) or first > last:
        return ""
    chunk = list(lines[first - 1 : last])
    if first == last:
        return chunk[0][span.start.column - 1 : span.end.column - 1]
    chunk[-1] = chunk[-1][: span.end.column - 1]
    chunk[0] = chunk[0][span.start.column - 1 :]
    return "\n".join(chunk)


def fingerprints(report: Report, paths: Sequence[str]) -> list[str]:
    """One stable fingerprint per finding of ``report`` (``paths`` are the findings' paths as the
    format shows them).

    A fingerprint hashes the path, the rule, the text of the lines the finding covers (whitespace
    trimmed) and the exact text under its span, plus how many identical findings came before it in
    the file. No line number enters it, so a finding keeps its fingerprint when unrelated lines are
    added or removed above it, and two identical findings in one file still differ.
    """
    seen: Counter[tuple[str, ...]] = Counter()
    out: list[str] = []
    for f, path in zip(report.findings, paths, strict=True):
        lines = report.sources.get(f.path, ())
        covered = lines[max(f.span.start.line, 1) - 1 : f.span.end.line]
        key = (path, f.code, "\n".join(line.strip() for line in covered), span_text(lines, f.span))
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8", "surrogatepass"))
        out.append(digest.hexdigest()[:32])
    return out


def workspace_paths(findings: Sequence[Finding], root: str | None) -> list[str]:
    """The findings' paths relative to ``root`` (computed once per distinct path)."""
    cache: dict[str, str] = {}
    for f in findings:
        if f.path not in cache:
            cache[f.path] = relative_path(f.path, root)
    return [cache[f.path] for f in findings]
