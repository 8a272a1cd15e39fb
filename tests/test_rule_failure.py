"""A rule that cannot run (a missing tool, a bug in a check) is reported with the file and the rule,
makes the run fail with exit code 2, and never hides the other rules' findings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_missing_shellcheck_is_reported_and_other_findings_stay(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian\nRUN cd /x; make\n")
    # A Python without shellcheck beside it, and a PATH without one.
    env = {**os.environ, "PATH": str(tmp_path)}
    code = (
        "import sys; sys.executable = sys.argv.pop(1); "
        "from dfanalyze.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "python"), str(dockerfile), "--shellcheck",
         "--output-format", "concise"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert out.returncode == 2
    assert "rule DF599 could not run" in out.stderr
    assert "ShellCheck is not installed" in out.stderr
    assert "DF500" in out.stdout  # the other rules still reported
