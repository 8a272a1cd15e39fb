"""The command line in a real pseudo-terminal: colour and a progress bar on a terminal, none of either
when piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

TREE = Path(__file__).parent / "fixtures" / "tree"
COMMAND = [sys.executable, "-m", "dfanalyze", "--select=DF100,DF704"]


def _environment() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "DFANALYZE_OUTPUT_FORMAT")
    }
    env["TERM"] = "xterm-256color"
    env["COLUMNS"] = "60"  # narrower than the output: it must not be wrapped by us
    return env


def _in_terminal(args: list[str], cwd: Path) -> str:
    """Run with stdout and stderr on a pseudo-terminal; return everything the terminal received."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        COMMAND + args,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=_environment(),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal closed when the process exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 1
    return b"".join(chunks).decode("utf-8")


def _piped(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        COMMAND + args, cwd=cwd, capture_output=True, text=True, env=_environment(), timeout=60, check=False
    )


def test_colour_on_a_terminal_and_none_when_piped() -> None:
    shown = _in_terminal(["Containerfile", "Dockerfile"], TREE)
    assert "\x1b[1;33mDF100\x1b[0m" in shown  # a warning's code in bold yellow
    assert "\x1b[1;35mDF704\x1b[0m" in shown  # a style finding's code in bold magenta
    piped = _piped(["Containerfile", "Dockerfile"], TREE)
    assert piped.returncode == 1
    assert "\x1b" not in piped.stdout + piped.stderr
    long_line = next(line for line in piped.stdout.splitlines() if line.startswith("DF100 "))
    assert len(long_line) > 60  # not wrapped at the terminal width


@pytest.fixture
def many_files(tmp_path: Path) -> Path:
    for n in range(60):
        folder = tmp_path / f"service{n:02}"
        folder.mkdir()
        (folder / "Dockerfile").write_text("FROM ubuntu\n", encoding="utf-8")
    return tmp_path


def test_progress_bar_only_on_a_terminal(many_files: Path) -> None:
    shown = _in_terminal([], many_files)
    assert "Checking" in shown
    assert "60 warnings" in shown and "60 findings" in shown
    piped = _piped([], many_files)
    assert piped.returncode == 1
    assert piped.stderr == ""
    assert piped.stdout.count("DF100 ") == 60
