"""dfanalyze on the real-world set: every file alone, with the settings a new user gets.

Each file is linted as ``dfanalyze check Dockerfile`` lints it in a folder without a dfanalyze
configuration: no build arguments, no settings. The benchmark runs every rule (:func:`full_linter`)
and judges the default selection as the subset :func:`default_codes`, so that the labels of opt-in
rules keep matching their findings and a rule's precision is known whether it is on or off. The build context
(the file's folder in its repository) is not given: the snapshots have no work tree, and a
context made of one repository's files would be a guess at what the user sends. The rules that
need a context stay silent without one, as they do for a Dockerfile read from stdin.

Files are linted in worker processes (fork): on this 2-core machine that halves the ~25 s the
whole set takes in one process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dfanalyze.api import parse
from dfanalyze.engine.config import Config, Overrides
from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import Linter, RunProblem
from dfanalyze.engine.selection import Selection
from dfanalyze.findings import Finding

WORD_LIMIT = 40  # characters of the word under a finding kept in its key


@dataclass(frozen=True, order=True)
class Hit:
    """One finding, reduced to what the benchmark compares, keys and prints (and picklable)."""

    blob: str
    line: int
    column: int
    code: str
    word: str  # the first word under the finding's span: tells apart findings of one rule on a line
    end_line: int
    end_column: int
    name: str
    severity: str
    message: str


EXTERNAL = ("DF599",)  # rules that run another program (ShellCheck): left out of the full run


def default_linter() -> Linter:
    """The linter ``dfanalyze check`` uses where no configuration file is found."""
    return Config().linter(default_registry(), Overrides())


def full_linter() -> Linter:
    """Every built-in rule, opt-in ones included, but those that run another program."""
    return Config().linter(default_registry(), Overrides(Selection(select=["ALL"], ignore=EXTERNAL)))


def default_codes() -> frozenset[str]:
    """The rules ``dfanalyze check`` runs by default."""
    return default_linter().plan.codes


def word_at(lines: Sequence[str], line: int, column: int) -> str:
    """The first whitespace-separated word at a 1-based position (its first :data:`WORD_LIMIT`
    characters), or the empty string past the text."""
    if not 1 <= line <= len(lines):
        return ""
    rest = lines[line - 1][max(column, 1) - 1 :].split()
    return rest[0][:WORD_LIMIT] if rest else ""


def source_lines(data: bytes) -> list[str]:
    """The physical lines of a Dockerfile as the parser counts them (LF or CRLF ends a line)."""
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")


def hits_of(blob: str, data: bytes, findings: Sequence[Finding]) -> list[Hit]:
    lines = source_lines(data)
    return sorted(
        Hit(
            blob=blob,
            line=f.span.start.line,
            column=f.span.start.column,
            code=f.code,
            word=word_at(lines, f.span.start.line, f.span.start.column),
            end_line=f.span.end.line,
            end_column=f.span.end.column,
            name=f.name,
            severity=str(f.severity),
            message=f.message,
        )
        for f in findings
    )


_linter: Linter | None = None  # set in the parent before the workers fork


def _lint_one(item: tuple[str, str, bytes]) -> tuple[list[Hit], list[str]]:
    assert _linter is not None
    blob, path, data = item
    problems: list[RunProblem] = []
    findings = _linter.lint(parse(data, path), problems=problems)
    return hits_of(blob, data, findings), [f"{path} ({blob[:10]}): {p.code}: {p.error}" for p in problems]


def lint_all(
    items: Sequence[tuple[str, str, bytes]], linter: Linter | None = None, workers: int | None = None
) -> tuple[dict[str, list[Hit]], list[str]]:
    """Lint every ``(blob, path, content)``; returns the hits by blob id, and the rules that
    failed to run (a bug in dfanalyze, reported, never hidden)."""
    global _linter  # noqa: PLW0603 -- handed to the forked workers without pickling
    _linter = linter or full_linter()
    workers = workers or len(os.sched_getaffinity(0))
    if workers > 1 and len(items) > 20:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_lint_one, items, chunksize=8)
    else:
        results = [_lint_one(item) for item in items]
    hits: dict[str, list[Hit]] = {}
    problems: list[str] = []
    for (blob, _, _), (found, failed) in zip(items, results, strict=True):
        hits[blob] = found
        problems += failed
    return hits, problems


def rule_catalogue() -> Mapping[str, tuple[str, bool, tuple[str, ...]]]:
    """Every rule: code -> (name, on by default, aliases)."""
    rules = default_registry().rules
    return {code: (r.name, r.enabled, r.aliases) for code, r in rules.items()}
