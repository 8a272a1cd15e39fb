"""Bad input, through the command line (a subprocess) and through the Python API.

Every bad file gives a located diagnostic (``path:line:column``; a file that cannot be read is named
instead), exit code 2 and no traceback; the other files of the same command line are still checked
and reported. A subprocess timeout, not a speed assertion, proves that nothing hangs.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dfanalyze.api import InputError, lint
from dfanalyze.api import parse as api_parse
from dfanalyze.parse import parse_bytes

NO_HANG_SECONDS = 120  # far above the real time (well under a second each): only a hang can exceed it


@dataclass(frozen=True)
class Bad:
    """A bad input: its bytes, and the diagnostic expected for it."""

    name: str
    data: bytes
    line: int
    column: int
    message: str
    code: str = "DF700"


TEN_MB_LINE = b"RUN echo " + b"x" * (10 * 1024 * 1024) + b"\n"
BAD_FILES = [
    Bad("empty", b"", 1, 1, "file with no instructions"),
    Bad(
        "binary",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        3,
        1,
        "file contains NUL bytes: this is a binary file",
    ),
    Bad("latin1", b"FROM a\n# caf\xe9 au lait\n", 2, 6, "invalid UTF-8: byte 0xe9 cannot start or continue"),
    Bad("nul", b"FROM a\nRUN echo \xc3\xa9\x00\n", 2, 11, "file contains NUL bytes"),
    Bad("huge", b"FROM a\n" + TEN_MB_LINE, 2, 1, "dockerfile line greater than max allowed size of 65535"),
    # The first escape token continues the line to the end of the file: BuildKit's keyword-less instruction.
    Bad("backslashes", b"\\\n" * 10_000, 1, 1, "unknown instruction: (nothing but an escape token", "DF701"),
    Bad("heredoc", b"FROM a\nRUN <<EOF\necho hi\n", 2, 5, "unterminated heredoc"),
    Bad(
        "shell", b'FROM a\nSHELL ["/bin/sh", "-c"\n', 2, 7, "SHELL requires the arguments to be in JSON form"
    ),
]
IDS = [bad.name for bad in BAD_FILES]
OTHER = b"FROM alpine:3.20\nRUNN echo\n"  # a file with one known finding: DF701 at 2:1


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dfanalyze", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=NO_HANG_SECONDS,
        check=False,
    )


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "Error:" not in result.stderr.replace("dfanalyze: error:", "")


# -- through the API --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", BAD_FILES, ids=IDS)
def test_api_locates_the_problem(bad: Bad) -> None:
    df = parse_bytes(bad.data, bad.name)
    problem = df.errors[0]
    assert bad.message in problem.message
    assert (problem.span.start.line, problem.span.start.column) == (bad.line, bad.column)
    # the span is inside the lines the model keeps, so that a reporter can show it
    assert problem.span.start.line <= max(len(df.lines), 1)


@pytest.mark.parametrize("bad", BAD_FILES, ids=IDS)
def test_api_lint_reports_instead_of_raising(bad: Bad, tmp_path: Path) -> None:
    path = tmp_path / bad.name
    path.write_bytes(bad.data)
    findings = lint(path)
    assert any(f.code == bad.code and f.span.start.line == bad.line for f in findings)


def test_unreadable_files_keep_readable_lines_for_display() -> None:
    df = parse_bytes(b"FROM a\r\nRUN \xff\x00x\n")
    assert df.lines == ("FROM a", "RUN \ufffd\ufffdx")
    assert (df.errors[0].span.start.column, df.errors[0].span.end.column) == (6, 7)  # the NUL, in characters
    assert df.instructions == ()


def test_api_names_the_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing: no such file"):
        api_parse(Path("missing"))
    with pytest.raises(InputError, match="is a directory, not a Dockerfile"):
        api_parse(tmp_path)


def test_api_parses_ten_thousand_continuation_lines() -> None:
    text = "FROM a\nRUN true \\\n" + "  && true \\\n" * 10_000 + "  && true\n"
    df = api_parse(text)
    assert df.errors == ()
    run = df.instructions[1]
    assert (run.span.start.line, run.span.end.line) == (2, 10_003)
    assert run.args[0].text.count("&& true") == 10_001


# -- through the command line -----------------------------------------------------------------
def test_cli_check_reports_every_bad_file_and_still_checks_the_others(tmp_path: Path) -> None:
    for bad in BAD_FILES:
        (tmp_path / bad.name).write_bytes(bad.data)
    (tmp_path / "other").write_bytes(OTHER)
    names = [bad.name for bad in BAD_FILES]
    result = run_cli(tmp_path, "check", "--output-format", "concise", *names, "missing", "other")
    no_traceback(result)
    assert result.returncode == 2
    for bad in BAD_FILES:
        assert f"{bad.name}:{bad.line}:{bad.column}: {bad.code} {bad.message}" in result.stdout
    assert "other:2:1: DF701 unknown instruction: RUNN (did you mean RUN?)" in result.stdout
    assert "dfanalyze: error: missing: no such file" in result.stderr


@pytest.mark.parametrize("bad", BAD_FILES, ids=IDS)
def test_cli_parse_locates_the_problem(bad: Bad, tmp_path: Path) -> None:
    (tmp_path / bad.name).write_bytes(bad.data)
    for output_format, stream in (("text", "stdout"), ("json", "stderr")):
        result = run_cli(tmp_path, "parse", "--format", output_format, bad.name)
        no_traceback(result)
        assert result.returncode == 2
        assert f"{bad.name}:{bad.line}:{bad.column}: error: {bad.message}" in getattr(result, stream)


def test_cli_names_the_file_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    for args, message in (
        (("parse", "missing"), "dfanalyze: error: missing: no such file"),
        (("parse", "folder"), "dfanalyze: error: folder: is a directory, not a Dockerfile"),
        (("check", "missing"), "dfanalyze: error: missing: no such file"),
    ):
        result = run_cli(tmp_path, *args)
        no_traceback(result)
        assert result.returncode == 2
        assert message in result.stderr


def test_cli_checks_a_bad_file_found_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_bytes(b"FROM a\nRUN <<EOF\n")
    result = run_cli(tmp_path, "check", "--output-format", "concise", "app")
    no_traceback(result)
    assert result.returncode == 2
    assert f"{Path('app', 'Dockerfile')}:2:5: DF700 unterminated heredoc" in result.stdout


def test_cli_an_unterminated_exec_form_is_buildkits_shell_form(tmp_path: Path) -> None:
    # BuildKit silently runs `CMD ["a",` as a shell command: not a parse error, but a finding.
    (tmp_path / "Dockerfile").write_bytes(b'FROM alpine:3.20\nCMD ["echo", "hi"\n')
    result = run_cli(tmp_path, "check", "--output-format", "concise", "Dockerfile")
    no_traceback(result)
    assert result.returncode == 1
    assert "Dockerfile:2:5: " in result.stdout
