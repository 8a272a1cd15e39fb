"""ShellCheck integration: positions across continuation lines, declared ARG/ENV names, the
missing-binary message."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dfanalyze.checks import shellcheck as sc
from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import RunProblem, Selection, lint_dockerfile
from dfanalyze.findings import Finding, Severity
from dfanalyze.parse import parse_text


def _lint(text: str, problems: list[RunProblem] | None = None) -> list[Finding]:
    return lint_dockerfile(
        parse_text(text),
        registry=default_registry(),
        selection=Selection(select=["shellcheck"]),
        problems=problems,
    )


def test_finding_on_a_continuation_line_has_its_exact_position() -> None:
    text = "FROM debian\nRUN echo start \\\n    && cd /src; make\n"
    findings = _lint(text)
    assert [(f.code, f.span.start.line, f.span.start.column) for f in findings] == [("SC2164", 3, 8)]
    assert findings[0].severity is Severity.WARNING
    assert findings[0].url == "https://www.shellcheck.net/wiki/SC2164"
    assert findings[0].name == "shellcheck"
    assert "SC2164" not in findings[0].message  # the code is the finding's, not repeated in its message


def test_a_shellcheck_code_in_a_comment_suppresses_that_finding() -> None:
    for comment in ("# dfanalyze: ignore=SC2164", "# hadolint ignore=SC2164", "# dfanalyze: ignore=sc2164"):
        assert _lint(f"FROM debian\n{comment}\nRUN cd /src; make\n") == [], comment
    other = _lint("FROM debian\n# dfanalyze: ignore=SC2086\nRUN cd /src; make\n")
    assert [f.code for f in other] == ["SC2164"]


def test_arg_and_env_names_in_scope_are_declared() -> None:
    declared = 'FROM debian\nARG version=1\nENV home_dir=/x\nRUN echo "$version" "$home_dir"\n'
    assert _lint(declared) == []
    undeclared = 'FROM debian\nRUN echo "$not_defined"\n'
    assert [f.code for f in _lint(undeclared)] == ["SC2154"]


def test_docker_predefined_proxy_args_are_declared() -> None:
    """HTTP_PROXY and the others reach every RUN when the build passes them, with no ARG line."""
    names = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy"]
    names += ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"]
    script = " && ".join(f'echo "${name}"' for name in names)
    assert _lint(f"FROM debian:12\nRUN {script}\n") == []
    assert [f.code for f in _lint('FROM debian:12\nRUN echo "$http_prox"\n')] == ["SC2154"]


def test_exec_form_and_powershell_are_not_checked() -> None:
    text = 'FROM debian\nRUN ["sh", "-c", "cd /x; make"]\nSHELL ["pwsh", "-Command"]\nRUN cd C:\\x; make\n'
    assert _lint(text) == []


def test_heredoc_bodies_fed_to_other_programs_are_not_shell(tmp_path: Path) -> None:
    text = "FROM python:3.12\nRUN python3 <<EOF\nimport os; print($x)\nEOF\n"
    assert _lint(text) == []


def test_missing_binary_is_one_clear_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(sc.ShellCheckMissing, match="pip install 'dfanalyze\\[shellcheck\\]'"):
        sc.find_shellcheck()
    problems: list[RunProblem] = []
    assert _lint("FROM debian\nRUN cd /x; make\n", problems) == []
    assert len(problems) == 1
    assert "ShellCheck is not installed" in problems[0].error
