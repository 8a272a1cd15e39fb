"""Checking many files: read, parse, lint and (with ``--fix``) fix each one, in a pool of processes
when there are enough files for the pool to pay for itself.

Every file gives one :class:`FileResult`, in the order the files were given, whatever order the
workers finish in. A file that cannot be read is a result with an ``error``, never an exception, so
the other files are still checked. Fixing happens in memory; :func:`write_fixes` then writes the
fixed files back (atomically, and never over a file that changed in the meantime) and
:func:`fixes_diff` shows them as a unified diff instead.

The workers are forked from this process when the platform can fork: they inherit the loaded rules
and the ``Job`` without pickling them (rules compiled from ``[match]`` tables are closures, which
cannot be pickled). Elsewhere the job is pickled, and a job that cannot be is run in this process.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from msgspec import Struct
from msgspec.structs import replace

from dfanalyze.engine.run import RulesFailed, RunProblem
from dfanalyze.findings import Finding
from dfanalyze.model import Dockerfile
from dfanalyze.report.result import FileError, Report, RuleFailure, printable

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PARALLEL_THRESHOLD = 32  # below this many files, starting worker processes costs more than it saves
PROGRESS_THRESHOLD = 50  # a progress bar for this many files or more (on a terminal only)
MAX_FIX_PASSES = 10  # fixes that overlap are applied in later passes, up to this many


class Task(Struct, frozen=True):
    """One file to check: read from ``path``, unless its content is given (standard input)."""

    path: str
    data: bytes | None = None


class Job(Struct, frozen=True):
    """How to check each file. ``lint`` must be picklable (a module-level function or a
    ``functools.partial`` of one) for the files to be checked in parallel; otherwise they are checked
    one after the other in this process."""

    lint: Callable[[Dockerfile], Sequence[Finding]]
    fix: bool = False
    unsafe_fixes: bool = False


class FileResult(Struct, frozen=True):
    """What checking one file produced: findings, problems and any fixed text."""

    path: str
    findings: tuple[Finding, ...] = ()  # after fixing, when fixing
    lines: tuple[str, ...] = ()  # the file's lines (after fixing), kept only when there are findings
    error: str | None = None  # why the file could not be read
    parse_failed: bool = False  # or analysed only in part (DF713): exit status 2
    original: bytes | None = None  # the bytes that were read, kept when fixes changed the text
    fixed_text: str | None = None  # the text after fixing, when fixes changed it
    fixed: tuple[Finding, ...] = ()  # the findings the fixes resolved
    failures: tuple[RuleFailure, ...] = ()  # rules that raised an exception on the file


def _resolved(before: Sequence[Finding], after: Sequence[Finding], unsafe: bool) -> list[Finding]:
    """The fixable findings of ``before`` that a fixing pass resolved: per rule, as many as the pass
    removed, taken in order among that rule's applicable fixes."""
    gone = Counter(f.code for f in before)
    gone.subtract(f.code for f in after)
    resolved = []
    for f in before:
        if f.fix is not None and (f.fix.safe or unsafe) and gone[f.code] > 0:
            gone[f.code] -= 1
            resolved.append(f)
    return resolved


def _fix(
    job: Job, dockerfile: Dockerfile, findings: Sequence[Finding]
) -> tuple[Dockerfile, Sequence[Finding], list[Finding], list[RunProblem]]:
    """Apply fixes pass after pass (re-linting in between) until nothing more applies. A pass after
    which a rule fails is not kept: fixing stops at the last text every rule could check. A fix
    that makes a finding some rule reports is not applied, nor offered (say, a path made absolute
    inside another volume): when a pass adds findings, each of its fixes is tried alone."""
    from dfanalyze.fix import apply_fixes
    from dfanalyze.parse import parse_text

    bom = "\ufeff" if dockerfile.source.startswith("\ufeff") else ""  # spans do not count the BOM
    fixed: list[Finding] = []

    def attempt(text: str, candidates: Sequence[Finding]) -> tuple[Dockerfile, Sequence[Finding]] | None:
        new_text, applied = apply_fixes(text, candidates, unsafe=job.unsafe_fixes)
        if not applied or new_text == text:
            return None
        new_dockerfile = parse_text(bom + new_text, dockerfile.path)
        return new_dockerfile, job.lint(new_dockerfile)

    refused: set[int] = set()  # ids of the current findings whose fix makes another finding
    for _ in range(MAX_FIX_PASSES):
        text = dockerfile.source[len(bom) :]
        refused = set()
        try:
            result = attempt(text, findings)
            if result is not None and _adds(findings, result[1]):
                for finding in findings:
                    alone = attempt(text, [finding])
                    if alone is not None and _adds(findings, alone[1]):
                        refused.add(id(finding))
                result = attempt(text, [f for f in findings if id(f) not in refused])
                if result is not None and _adds(findings, result[1]):
                    result = None  # harmless alone, not together: left to the user
        except RulesFailed as exc:
            return dockerfile, findings, fixed, exc.problems
        if result is None:
            break
        fixed += _resolved(findings, result[1], job.unsafe_fixes)
        dockerfile, findings = result
        refused = set()
    if refused:  # not offered as fixable: --fix would not apply them
        findings = [replace(f, fix=None) if id(f) in refused else f for f in findings]
    return dockerfile, findings, fixed, []


def _failures(problems: Sequence[RunProblem]) -> tuple[RuleFailure, ...]:
    return tuple(
        RuleFailure(
            p.code,
            p.path,
            p.error,
            p.span.start.line if p.span else 0,
            p.span.start.column if p.span else 0,
            p.instruction,
        )
        for p in problems
    )


def _adds(before: Sequence[Finding], after: Sequence[Finding]) -> bool:
    """Whether some rule reports more after a pass of fixes than before it."""
    grown = Counter(f.code for f in after)
    grown.subtract(f.code for f in before)
    return any(count > 0 for count in grown.values())


def _incomplete(dockerfile: Dockerfile, findings: Sequence[Finding]) -> bool:
    """The file could not be parsed, or part of it is beyond what dfanalyze analyses (exit 2)."""
    from dfanalyze.parse.instructions import ANALYSIS_LIMIT

    return bool(dockerfile.errors) or any(f.code == ANALYSIS_LIMIT for f in findings)


def check_file(job: Job, task: Task) -> FileResult:
    """Read, parse, lint and (with ``job.fix``) fix one file."""
    from dfanalyze.api import InputError, parse, read

    try:
        data = task.data if task.data is not None else read(task.path)
    except InputError as exc:
        return FileResult(task.path, error=str(exc))
    return check_dockerfile(job, parse(data, task.path), data)


def check_dockerfile(job: Job, dockerfile: Dockerfile, data: bytes) -> FileResult:
    """Lint and (with ``job.fix``) fix a file already parsed from ``data``: what
    :func:`check_file` does after reading it (the language server checks an editor's text so)."""
    # A binary file has no lines worth showing: a code frame would be a screen of garbage.
    binary = b"\0" in data
    try:
        findings: Sequence[Finding] = job.lint(dockerfile)
    except RulesFailed as exc:  # a rule could not run: report it, keep the other rules' findings
        return FileResult(
            dockerfile.path,
            findings=tuple(exc.findings),
            lines=dockerfile.lines if exc.findings and not binary else (),
            parse_failed=_incomplete(dockerfile, exc.findings),
            failures=_failures(exc.problems),
        )
    fixed: list[Finding] = []
    problems: list[RunProblem] = []
    original = dockerfile.source
    if job.fix and any(f.fix is not None for f in findings):
        dockerfile, findings, fixed, problems = _fix(job, dockerfile, findings)
    changed = dockerfile.source != original
    return FileResult(
        dockerfile.path,
        findings=tuple(findings),
        lines=dockerfile.lines if findings and not binary else (),
        parse_failed=_incomplete(dockerfile, findings),
        original=data if changed else None,
        fixed_text=dockerfile.source if changed else None,
        fixed=tuple(fixed),
        failures=_failures(problems),
    )


def show_progress(stream: TextIO, files: int) -> bool:
    """A progress bar is drawn for long runs, and only on a terminal."""
    isatty = getattr(stream, "isatty", None)
    return files >= PROGRESS_THRESHOLD and bool(isatty and isatty())


@contextmanager
def _progress_bar(total: int, stream: TextIO) -> Iterator[Callable[[], None]]:
    """A transient progress bar on ``stream``; yields the function to call after each file. It is
    redrawn at most ten times a second, from this thread (no refresh thread, so forking the worker
    processes stays safe)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream, highlight=False)
    columns = (TextColumn("Checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("files", total=total)
        last = 0.0

        def advance() -> None:
            nonlocal last
            progress.advance(task)
            now = time.monotonic()
            if now - last >= 0.1:
                last = now
                progress.refresh()

        yield advance


def _usable_cpus() -> int:
    """The CPUs this process may run on (a container or ``taskset`` may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _picklable(job: Job) -> bool:
    import pickle

    try:
        pickle.dumps(job)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


# The job of this worker process, set once by the pool's initializer: forked workers receive it
# without pickling. It is never set in the main process.
_worker_job: Job | None = None


def _start_worker(job: Job) -> None:
    global _worker_job  # noqa: PLW0603 -- one value per worker process, set before any task runs
    _worker_job = job


def _check_in_worker(task: Task) -> FileResult:
    assert _worker_job is not None, "the pool initializer sets the job"
    return check_file(_worker_job, task)


def _pool(job: Job, workers: int) -> ProcessPoolExecutor | None:
    """A pool of worker processes that know ``job``, or None when the job cannot reach them.
    (multiprocessing is imported here: a run on a few files never pays for it.)"""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" in multiprocessing.get_all_start_methods():
        method: str | None = "fork"
    elif _picklable(job):
        method = None  # the platform's default
    else:
        return None
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(job,))


def check_files(
    job: Job,
    tasks: Sequence[Task],
    *,
    progress: TextIO | None = None,
    parallel_threshold: int = PARALLEL_THRESHOLD,
    workers: int | None = None,
) -> list[FileResult]:
    """Check every task; results come in the order of ``tasks``. With ``progress`` (a terminal
    stream), a progress bar is drawn on it."""
    workers = min(workers or _usable_cpus(), len(tasks))
    pool = _pool(job, workers) if len(tasks) >= parallel_threshold and workers > 1 else None
    results: list[FileResult] = []
    with _maybe_progress(len(tasks), progress) as advance:
        if pool is None:
            for task in tasks:
                results.append(check_file(job, task))
                advance()
            return results
        chunk = max(1, min(64, len(tasks) // (workers * 4)))
        with pool:
            for result in pool.map(_check_in_worker, tasks, chunksize=chunk):
                results.append(result)
                advance()
        return results


@contextmanager
def _maybe_progress(total: int, stream: TextIO | None) -> Iterator[Callable[[], None]]:
    if stream is None:
        yield lambda: None
        return
    with _progress_bar(total, stream) as advance:
        yield advance


def write_fixes(results: Sequence[FileResult]) -> list[tuple[str, str]]:
    """Write every fixed file back; returns ``(path, problem)`` for each file that could not be."""
    from pathlib import Path

    from dfanalyze.fix import write_atomic

    problems = []
    for r in results:
        if r.fixed_text is None or r.original is None or r.path == "-":
            continue
        try:
            write_atomic(Path(r.path), r.fixed_text, r.original)
        except OSError as exc:  # FileChangedError included: the message names the file
            problems.append((r.path, str(exc)))
    return problems


def fixes_diff(results: Sequence[FileResult]) -> str:
    """What ``--fix`` would change, as a unified diff per file."""
    import difflib

    out: list[str] = []
    for r in results:
        if r.fixed_text is None or r.original is None:
            continue
        before = r.original.decode("utf-8").splitlines(keepends=True)
        after = r.fixed_text.splitlines(keepends=True)
        for line in difflib.unified_diff(before, after, fromfile=r.path, tofile=r.path):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def make_report(
    results: Sequence[FileResult],
    unreadable: Sequence[FileError] = (),
    write_problems: Sequence[tuple[str, str]] = (),
    unsafe_fixes: bool = False,
) -> Report:
    """The report of a run: every file's findings in order, the files that could not be read (or,
    after fixing, written back), and what the fixes resolved. File names that are not UTF-8 are
    shown escaped (:func:`~dfanalyze.report.result.printable`) in the report, and only there."""
    errors = list(unreadable)
    errors += [FileError(r.path, r.error) for r in results if r.error is not None]
    errors += [FileError(path, problem) for path, problem in write_problems]
    return Report(
        findings=tuple(_printable(f) for r in results for f in r.findings),
        sources={printable(r.path): r.lines for r in results if r.lines},
        paths=tuple(printable(r.path) for r in results if r.error is None),
        errors=tuple(FileError(printable(e.path), printable(e.message)) for e in errors),
        fixed=tuple(_printable(f) for r in results for f in r.fixed),
        unsafe_fixes=unsafe_fixes,
        failures=tuple(replace(x, path=printable(x.path)) for r in results for x in r.failures),
    )


def _printable(finding: Finding) -> Finding:
    shown = printable(finding.path)
    return finding if shown is finding.path else replace(finding, path=shown)
