"""Reporters: a :class:`Report` to text. :func:`render` picks the format; each format lives in its
own module and is imported only when chosen, so a run pays only for the format it prints (rich, for
example, is imported only to colour the human formats on a terminal)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dfanalyze.report.result import FileError, Report

if TYPE_CHECKING:
    from dfanalyze.engine.rulefile import Rule

__all__ = ["OUTPUT_FORMATS", "FileError", "Report", "render", "use_color"]

OUTPUT_FORMATS = (
    "full",
    "concise",
    "grouped",
    "json",
    "json-lines",
    "sarif",
    "github",
    "gitlab",
    "checkstyle",
    "junit",
    "sonarqube",
    "codacy",
    "gnu",
    "tty",
)
HUMAN_FORMATS = ("full", "concise", "grouped", "tty")


def use_color(choice: str, stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether to colour output written to ``stream``.

    ``--color always`` and ``--color never`` decide alone. With ``auto``: a non-empty ``NO_COLOR``
    turns colour off, then a ``FORCE_COLOR`` other than empty or ``0`` turns it on, then colour is used
    only on a terminal that is not ``TERM=dumb``.
    """
    if choice in ("always", "never"):
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "0") != "0":
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def workspace(output_format: str, env: Mapping[str, str]) -> str | None:
    """The folder CI paths are relative to: the GitHub workspace, or GitLab's project folder."""
    if output_format == "gitlab":
        return env.get("CI_PROJECT_DIR") or None
    return env.get("GITHUB_WORKSPACE") or env.get("CI_PROJECT_DIR") or None


def render_text(
    report: Report,
    output_format: str,
    *,
    rules: Mapping[str, Rule] | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The machine formats: the whole output as one string."""
    env = env or {}
    root = workspace(output_format, env)
    if output_format in ("json", "json-lines"):
        from dfanalyze.report.json_format import render_json

        return render_json(report.findings, lines=output_format == "json-lines")
    if output_format == "sarif":
        from dfanalyze.report.sarif import render_sarif

        if rules is None:
            from dfanalyze.engine.registry import default_registry

            rules = default_registry().rules
        return render_sarif(report, rules, root)
    if output_format == "github":
        from dfanalyze.report.github import render_github

        return render_github(report, root)
    if output_format == "gitlab":
        from dfanalyze.report.gitlab import render_gitlab

        return render_gitlab(report, root)
    if output_format == "checkstyle":
        from dfanalyze.report.xml_formats import render_checkstyle

        return render_checkstyle(report)
    if output_format == "junit":
        from dfanalyze.report.xml_formats import render_junit

        return render_junit(report)
    if output_format == "sonarqube":
        from dfanalyze.report.tools import render_sonarqube

        return render_sonarqube(report, rules or {}, root)
    if output_format == "codacy":
        from dfanalyze.report.tools import render_codacy

        return render_codacy(report, root)
    if output_format == "gnu":
        from dfanalyze.report.text import render_gnu

        return render_gnu(report)
    raise ValueError(f"unknown output format: {output_format!r}")


def render(
    report: Report,
    output_format: str,
    out: TextIO,
    *,
    color: bool = False,
    rules: Mapping[str, Rule] | None = None,
    env: Mapping[str, str] | None = None,
    statistics: bool = False,
    show_fixes: bool = False,
    quiet: bool = False,
    step_summary: bool = True,
) -> None:
    """Write ``report`` to ``out`` in ``output_format``.

    ``statistics`` replaces the findings by one line per rule (JSON for the JSON formats);
    ``show_fixes`` lists what ``--fix`` changed before the summary of the human formats; ``quiet``
    leaves the summary out. With the ``github`` format, ``step_summary`` and ``GITHUB_STEP_SUMMARY``
    set in ``env``, the step summary is appended too.
    """
    from dfanalyze.report import text
    from dfanalyze.report.styled import write_lines

    env = env or {}
    if statistics and output_format in ("json", "json-lines"):
        import json

        out.write(json.dumps(text.statistics_json(report), indent=2) + "\n")
        return
    if statistics:
        write_lines(text.render_statistics(report, quiet=quiet), out, color=color)
        return
    if output_format in HUMAN_FORMATS:
        lines = text.render_human(report, output_format, show_fixes=show_fixes, quiet=quiet)
        write_lines(lines, out, color=color)
        return
    out.write(render_text(report, output_format, rules=rules, env=env))
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and summary_file and step_summary:
        from dfanalyze.report.github import blob_url
        from dfanalyze.report.github import step_summary as summary

        with Path(summary_file).open("a", encoding="utf-8") as handle:
            handle.write(summary(report, workspace(output_format, env), blob_url(env)) + "\n")
