"""A rule that cannot run never hides the other rules' findings.

- ShellCheck missing: when the user asked for it by name (``--shellcheck``, ``--select DF599``) the
  run fails with exit 2 and says so; when it came with a broad selection (``--select ALL``, a
  family, a prefix) it is skipped with a warning and the exit status is the findings'.
- A rule that raises is an internal error of that rule, reported once per rule and file, with the
  file and the instruction it was checking, and counted as an internal error (not as a file that
  could not be checked) in every format that can carry it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_plugins import rule_file

from dfanalyze.cli import main

ROOT = Path(__file__).resolve().parent.parent
CHECKS = """\
def on_run(ctx):
    for instruction in ctx.dockerfile.instructions:
        if instruction.kind == "RUN":
            raise RuntimeError("boom")
    return []


def on_file(ctx):
    raise KeyError("whole file")
"""


def _without_shellcheck(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line with no shellcheck beside the Python that runs it, nor on PATH."""
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("DFANALYZE_OUTPUT_FORMAT", None)
    code = (
        "import sys; sys.executable = sys.argv.pop(1); "
        "from dfanalyze.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "python"), *args, "--output-format", "concise"],
        capture_output=True, text=True, env=env, check=False, cwd=tmp_path, timeout=300,
    )  # fmt: skip


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:13\nENV MODE prod\nRUN cd /x; make\n")
    return path


@pytest.mark.parametrize(
    "asked", [["--shellcheck"], ["--extend-select", "DF599"], ["--select", "shellcheck"]]
)
def test_missing_shellcheck_named_is_an_error(tmp_path: Path, dockerfile: Path, asked: list[str]) -> None:
    out = _without_shellcheck(tmp_path, str(dockerfile), *asked)
    assert out.returncode == 2
    assert out.stderr == (
        "dfanalyze: error: rule DF599 (shellcheck) not run: ShellCheck is not installed:"
        " `pip install 'dfanalyze[shellcheck]'` or install `shellcheck`\n"
    )
    if asked[0] != "--select":
        assert "DF709" in out.stdout  # the other rules still reported


@pytest.mark.parametrize("selection", ["ALL", "run", "DF5"])
def test_missing_shellcheck_in_a_broad_selection_is_skipped(
    tmp_path: Path, dockerfile: Path, selection: str
) -> None:
    out = _without_shellcheck(tmp_path, str(dockerfile), "--select", selection, "--exit-zero")
    assert out.returncode == 0
    assert out.stderr == (
        "dfanalyze: warning: rule DF599 (shellcheck) skipped: ShellCheck is not installed:"
        " `pip install 'dfanalyze[shellcheck]'` or install `shellcheck`\n"
    )
    assert "DF500" in out.stdout
    out = _without_shellcheck(
        tmp_path, str(dockerfile), "--select", selection, "--ignore", "DF5,DF1,DF2,DF4,DF6,DF709"
    )
    assert out.returncode == 0, out.stdout  # nothing but the skipped rule: a clean run


@pytest.fixture
def crashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two rules whose checks raise at the RUN of the file, one that raises on the whole file, and
    the configuration that selects them, passed with --config (trusted: it may name Python)."""
    (tmp_path / "crashing_checks.py").write_text(CHECKS)
    rules = tmp_path / "rules"
    for code, name, function in (
        ("LOC001", "crash-a", "on_run"),
        ("LOC002", "crash-b", "on_run"),
        ("LOC003", "crash-c", "on_file"),
    ):
        rule_file(rules, code, name, f'check = "crashing_checks:{function}"')
    (tmp_path / "ci.toml").write_text('extend-rules = ["rules"]\nselect = ["LOC", "DF100"]\n')
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo hi\n")
    (tmp_path / "Containerfile").write_text("FROM alpine:3.20\nRUN echo there\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY", "DFANALYZE_OUTPUT_FORMAT", "CI_PROJECT_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_a_rule_that_raises_is_an_internal_error_once(
    crashing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--config", "ci.toml", "--output-format", "concise", "Dockerfile", "Containerfile"])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == [
        "dfanalyze: internal error: rules LOC001, LOC002 failed on Dockerfile:2:1 (`RUN echo hi`):"
        " RuntimeError: boom (a bug: please report it)",
        "dfanalyze: internal error: rule LOC003 failed on Dockerfile: KeyError: 'whole file'"
        " (a bug: please report it)",
        "dfanalyze: internal error: rules LOC001, LOC002 failed on Containerfile:2:1 (`RUN echo there`):"
        " RuntimeError: boom (a bug: please report it)",
        "dfanalyze: internal error: rule LOC003 failed on Containerfile: KeyError: 'whole file'"
        " (a bug: please report it)",
    ]
    assert out.splitlines() == [
        "Dockerfile:1:6: DF100 `alpine` has no tag, so it means `latest`: pin the version you tested,"
        " such as `alpine:<version>`",
        "1 finding: 1 warning.",
        "6 internal errors: rules LOC001, LOC002, LOC003 failed (a bug: please report it).",
        "Read any rule's documentation offline with `dfanalyze rule CODE`.",
    ]
    assert "could not be checked" not in out


def test_internal_errors_in_the_machine_formats(crashing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def report(output_format: str) -> str:
        assert main(["--config", "ci.toml", "--output-format", output_format, "Dockerfile"]) == 2
        return capsys.readouterr().out

    run = json.loads(report("sarif"))["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = [
        (n["associatedRule"]["id"], n["locations"][0]["physicalLocation"].get("region"))
        for n in invocation["toolExecutionNotifications"]
    ]
    assert notes == [
        ("LOC001", {"startLine": 2, "startColumn": 1}),
        ("LOC002", {"startLine": 2, "startColumn": 1}),
        ("LOC003", None),
    ]
    assert [r["ruleId"] for r in run["results"]] == ["DF100"]
    github = report("github").splitlines()
    assert github[:2] == [
        "::error file=Dockerfile,line=2,col=1,title=dfanalyze internal error::internal error: rules LOC001,"
        " LOC002 failed on Dockerfile:2:1 (`RUN echo hi`): RuntimeError: boom",
        "::error file=Dockerfile,title=dfanalyze internal error::internal error: rule LOC003 failed on"
        " Dockerfile: KeyError: 'whole file'",
    ]
    checkstyle = ET.fromstring(report("checkstyle"))
    assert [e.get("source") for e in checkstyle.iter("error")] == [
        "dfanalyze.internal-error.LOC001",
        "dfanalyze.internal-error.LOC002",
        "dfanalyze.internal-error.LOC003",
        "dfanalyze.DF100.untagged-image",
    ]
    junit = ET.fromstring(report("junit"))
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == ("4", "1", "3")


def test_a_rule_that_fails_after_a_fix_keeps_the_last_good_text(
    crashing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fixing pass after which a rule raises is not kept: the file stays as every rule checked it."""
    (crashing / "crashing_after_fix.py").write_text(
        "def check(ctx):\n    if 'RUN' in ctx.dockerfile.source:\n        raise ValueError('after the fix')\n"
        "    return []\n"
    )
    for rule in (crashing / "rules").iterdir():
        rule.unlink()
    rule_file(crashing / "rules", "LOC003", "crash-c", 'check = "crashing_after_fix:check"')
    (crashing / "ci.toml").write_text('extend-rules = ["rules"]\nselect = ["LOC", "DF704"]\n')
    dockerfile = crashing / "Dockerfile"
    dockerfile.write_text("FROM alpine\nrun echo hi\nCOPY a b\n")
    code = main(["--config", "ci.toml", "--output-format", "concise", "--fix", "Dockerfile"])
    out, err = capsys.readouterr()
    assert code == 2
    assert dockerfile.read_text() == "FROM alpine\nrun echo hi\nCOPY a b\n"
    assert "rule LOC003 failed on Dockerfile" in err and "ValueError: after the fix" in err
    assert out.startswith("Dockerfile:2:1: DF704 [*] ")
