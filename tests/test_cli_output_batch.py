"""Checking many files: the same results in parallel as in one process and in the same order, files
that cannot be read, fixes applied pass after pass, written back safely, or shown as a diff."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from msgspec.structs import replace

from dfanalyze.batch import (
    Job,
    Task,
    check_file,
    check_files,
    fixes_diff,
    make_report,
    show_progress,
    write_fixes,
)
from dfanalyze.engine.run import lint_dockerfile
from dfanalyze.findings import Edit, Finding, Fix, Severity
from dfanalyze.model import Dockerfile
from dfanalyze.span import Span

CASING = Job(partial(lint_dockerfile, select=["DF704"]), fix=True)


def _tree(root: Path, count: int) -> list[Task]:
    tasks = []
    for n in range(count):
        path = root / f"s{n:03}" / "Dockerfile"
        path.parent.mkdir()
        path.write_text(f"FROM alpine:3.{n}\nRUN a\n" + "run echo\n" * (n % 2), encoding="utf-8")
        tasks.append(Task(str(path)))
    return tasks


def test_parallel_results_equal_serial_results_in_order(tmp_path: Path) -> None:
    tasks = [*_tree(tmp_path, 40), Task(str(tmp_path / "missing"))]
    serial = check_files(CASING, tasks, parallel_threshold=10_000)
    parallel = check_files(CASING, tasks, parallel_threshold=1, workers=2)
    assert parallel == serial
    assert [r.path for r in parallel] == [t.path for t in tasks]
    assert sum(len(r.fixed) for r in parallel) == 20  # one `run` in every other file
    assert parallel[-1].error == f"{tmp_path / 'missing'}: no such file"


def _bang(dockerfile: Dockerfile) -> Sequence[Finding]:
    return [Finding("DEMO1", "bang", "demo", Severity.STYLE, "bang", dockerfile.path, Span.of(1, 1, 1, 5))]


def test_jobs_that_cannot_be_pickled_still_run_in_workers(tmp_path: Path) -> None:
    tasks = _tree(tmp_path, 4)

    def local(dockerfile: Dockerfile) -> Sequence[Finding]:  # a closure: forked workers inherit it
        return [replace(f, message=str(os.getpid())) for f in _bang(dockerfile)]

    results = check_files(Job(local), tasks, parallel_threshold=1, workers=2)
    processes = {f.message for r in results for f in r.findings}
    assert len([f for r in results for f in r.findings]) == 4
    assert str(os.getpid()) not in processes


def _overlapping(dockerfile: Dockerfile) -> Sequence[Finding]:
    """Two fixes of the same text: only one can be applied per pass."""
    findings = []
    for number, line in enumerate(dockerfile.lines, start=1):
        if line.startswith("run"):
            span = Span.of(number, 1, number, 4)
            for title in ("first", "second"):
                fix = Fix(title, (Edit(span, "RUN"),))
                findings.append(
                    Finding("DEMO2", "casing", "demo", Severity.STYLE, title, dockerfile.path, span, fix=fix)
                )
    return findings


def test_overlapping_fixes_are_applied_in_later_passes(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"\xef\xbb\xbfFROM x\r\nrun a\r\nrun b\r\n")
    result = check_file(Job(_overlapping, fix=True), Task(str(path)))
    assert result.fixed_text == "\ufeffFROM x\r\nRUN a\r\nRUN b\r\n"  # BOM and line ends kept
    assert result.findings == ()
    assert len(result.fixed) == 4


def test_write_fixes_never_overwrites_a_file_changed_meanwhile(tmp_path: Path) -> None:
    tasks = _tree(tmp_path, 4)
    first, second = tasks[1], tasks[3]
    results = [check_file(CASING, first), check_file(CASING, second)]
    Path(second.path).write_text("FROM changed\n", encoding="utf-8")
    problems = write_fixes(results)
    assert Path(first.path).read_text(encoding="utf-8") == "FROM alpine:3.1\nRUN a\nRUN echo\n"
    assert Path(second.path).read_text(encoding="utf-8") == "FROM changed\n"
    assert problems == [(second.path, f"{second.path}: changed on disk since it was read; not overwritten")]
    report = make_report(results, write_problems=problems)
    assert [e.path for e in report.errors] == [second.path]


def test_fixes_diff_marks_a_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM x\nrun a", encoding="utf-8")
    diff = fixes_diff([check_file(CASING, Task(str(path)))])
    assert diff.endswith("-run a\n\\ No newline at end of file\n+RUN a\n\\ No newline at end of file\n")
    assert path.read_text(encoding="utf-8") == "FROM x\nrun a"


def test_standard_input_is_checked_from_the_given_bytes() -> None:
    result = check_file(CASING, Task("app/Dockerfile", b"FROM x\nrun a\n"))
    assert (result.path, result.fixed_text, result.error) == ("app/Dockerfile", "FROM x\nRUN a\n", None)


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_only_for_many_files_on_a_terminal() -> None:
    assert show_progress(_Stream(tty=True), 100)
    assert not show_progress(_Stream(tty=True), 3)
    assert not show_progress(_Stream(tty=False), 100)


def test_progress_bar_is_drawn_and_cleared(tmp_path: Path) -> None:
    stream = _Stream(tty=True)
    results = check_files(Job(_bang), _tree(tmp_path, 3), progress=stream)
    assert len(results) == 3
    assert "Checking" in stream.getvalue()
