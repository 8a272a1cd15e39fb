"""The command line end to end on the fixture tree, with the real rules: every output format, fixes
(``--fix``, ``--diff``, ``--show-fixes``, ``--unsafe-fixes``), standard input, output files, exit
codes and colour choices."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from dfanalyze.cli import main
from dfanalyze.report import OUTPUT_FORMATS, use_color

TREE = Path(__file__).parent / "fixtures" / "tree"
# Rules whose findings do not depend on the date (end-of-life data does): one per severity at least.
SELECT = "--select=DF100,DF111,DF700,DF702,DF703,DF704,DF709"
HINT = "Read any rule's documentation offline with `dfanalyze rule CODE`.\n"
CI_VARIABLES = ("GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY", "CI_PROJECT_DIR", "DFANALYZE_OUTPUT_FORMAT")


@pytest.fixture(autouse=True)
def _quiet_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*CI_VARIABLES, "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture tree, as the current folder."""
    copy = tmp_path / "tree"
    shutil.copytree(TREE, copy)
    monkeypatch.chdir(copy)
    return copy


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
def test_every_format_on_the_tree(
    output_format: str, tree: Path, capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    code, out, err = run(capsys, SELECT, f"--output-format={output_format}")
    assert (code, err) == (2, "")  # services/api/Dockerfile.prod does not parse
    assert (_without_rule_docs(json.loads(out)) if output_format == "sarif" else out) == snapshot


def _without_rule_docs(log: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log (compact JSON: its snapshot is the parsed log, which reads better) without the
    rules' documentation, which the rules' authors keep improving: it is checked to be there, and its
    exact shape is tested on fixed rules in test_report_formats.py."""
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        docs = {key: rule.pop(key) for key in ("shortDescription", "fullDescription", "help")}
        assert docs["help"]["markdown"].startswith(f"# {rule['id']} {rule['name']}")
        assert docs["shortDescription"]["text"] and docs["fullDescription"]["text"] and docs["help"]["text"]
    return log


def test_paths_are_discovered_in_a_stable_order(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, SELECT, "--output-format=json", "services", ".", "Containerfile")
    files = list(dict.fromkeys(f["filename"] for f in json.loads(out)))
    assert files == ["services/api/Dockerfile.prod", "Containerfile", "Dockerfile", "legacy/dockerfile"]


def test_missing_files_are_reported_and_the_rest_still_linted(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, SELECT, "--output-format=concise", "nothere/Dockerfile", "Containerfile")
    assert code == 2
    assert err == "dfanalyze: error: nothere/Dockerfile: no such file\n"
    assert out.startswith("Containerfile:1:6: DF100 ")
    assert out.endswith("1 finding: 1 warning.\n1 file could not be checked.\n" + HINT)


def test_exit_codes(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, SELECT, "Containerfile")[0] == 1
    assert run(capsys, SELECT, "docs") == (0, "No Dockerfiles found.\n", "")
    assert run(capsys, SELECT, "--exit-zero", "Containerfile")[0] == 0
    assert run(capsys, SELECT, "services/web")[0] == 0
    assert run(capsys, SELECT, "--exit-zero", "services/api")[0] == 2  # a parse error is not a finding only


def test_fix_writes_files_and_reports_what_remains(
    tree: Path, capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    code, out, err = run(capsys, SELECT, "--fix", "--show-fixes", "Dockerfile")
    assert (code, err) == (0, "")  # DF111 has no fix; an info finding does not fail the run
    assert out == snapshot
    assert (tree / "Dockerfile").read_text(encoding="utf-8") == snapshot
    code, out, _ = run(capsys, SELECT, "--fix", "--output-format=concise", "Dockerfile")
    assert out.endswith("1 finding: 1 info.\n" + HINT)


def test_diff_prints_and_writes_nothing(
    tree: Path, capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    before = (tree / "Dockerfile").read_bytes()
    code, out, err = run(capsys, SELECT, "--diff", "Dockerfile")
    assert (code, err) == (1, "Would fix 3 findings.\n")
    assert out == snapshot
    assert (tree / "Dockerfile").read_bytes() == before
    assert run(capsys, SELECT, "--diff", "Containerfile")[:3] == (0, "", "Would fix 0 findings.\n")


def test_unsafe_fixes_are_applied_only_when_asked(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = tree / "Dockerfile"
    dockerfile.write_text("FROM alpine:3.19\nENV QUOTE 'x'\n", encoding="utf-8")
    code, out, _ = run(capsys, "--select=DF709", "--fix", "--output-format=concise", "Dockerfile")
    assert code == 1
    assert out.endswith("1 finding: 1 warning; 1 fixable with --fix --unsafe-fixes.\n" + HINT)
    assert dockerfile.read_text(encoding="utf-8") == "FROM alpine:3.19\nENV QUOTE 'x'\n"
    code, out, _ = run(
        capsys, "--select=DF709", "--fix", "--unsafe-fixes", "--output-format=concise", "Dockerfile"
    )
    assert (code, out) == (0, "1 fixed; nothing remaining.\n")
    assert dockerfile.read_text(encoding="utf-8") == "FROM alpine:3.19\nENV QUOTE='x'\n"


def test_stdin(tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    data = (tree / "Dockerfile").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsys, SELECT, "--output-format=concise", "--stdin-filename=app/Dockerfile", "-")
    assert code == 1
    assert out.splitlines()[0].startswith("app/Dockerfile:3:1: DF704 [*] ")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, err = run(capsys, SELECT, "--fix", "--output-format=concise", "-")
    assert out.startswith("FROM alpine:3.19 AS base\n")
    assert "FROM alpine:3.19 AS unused\nRUN\t" in out  # the fixed text replaces standard input
    assert err.endswith("3 fixed; 1 finding remaining: 1 info.\n" + HINT)  # the report moves to stderr


def test_output_file_and_environment_format(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DFANALYZE_OUTPUT_FORMAT", "json-lines")
    code, out, _ = run(capsys, SELECT, "-o", "report.jsonl", "Containerfile")
    assert (code, out) == (1, "")
    rows = [json.loads(line) for line in (tree / "report.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["code"] for r in rows] == ["DF100"]
    monkeypatch.setenv("DFANALYZE_OUTPUT_FORMAT", "yaml")
    code, _, err = run(capsys, SELECT, "Containerfile")
    assert (code, err) == (2, "dfanalyze: error: unknown output format: 'yaml'\n")
    monkeypatch.delenv("DFANALYZE_OUTPUT_FORMAT")
    code, _, err = run(capsys, SELECT, "-o", "no/such/folder/report.txt", "Containerfile")
    assert code == 2
    assert err.startswith("dfanalyze: error: cannot write the report: ")


def test_statistics(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, SELECT, "--statistics")
    assert out.splitlines()[0] == "2  DF704  [*] consistent-instruction-casing"
    _, out, _ = run(capsys, SELECT, "--statistics", "--output-format=json")
    assert json.loads(out)[0] == {
        "code": "DF704",
        "name": "consistent-instruction-casing",
        "severity": "style",
        "count": 2,
        "fixable": True,
    }


def test_github_format_writes_the_step_summary(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tree / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tree.parent))
    _, out, _ = run(capsys, SELECT, "--output-format=github", str(tree / "Containerfile"))
    assert out.startswith("::warning file=tree/Containerfile,line=1,col=6,")
    assert "| warning | [DF100](" in summary.read_text(encoding="utf-8")


def test_color_choice(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "\x1b[" in run(capsys, SELECT, "--color=always", "Containerfile")[1]
    assert "\x1b[" not in run(capsys, SELECT, "Containerfile")[1]  # captured output is no terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(capsys, SELECT, "Containerfile")[1]
    assert "\x1b[" not in run(capsys, SELECT, "--no-color", "Containerfile")[1]


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("choice", "env", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"TERM": "dumb"}, True, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, False, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_use_color(choice: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    assert use_color(choice, _Terminal(tty), env) is expected  # type: ignore[arg-type]
