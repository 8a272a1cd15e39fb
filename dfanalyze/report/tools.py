"""Reports for other code-quality services, the formats hadolint users know: SonarQube's generic
issue import format and Codacy's tool results.

SonarQube (``sonar.externalIssuesReportPaths``): the format of SonarQube 10.3 and later, a ``rules``
array (each rule once, with its clean-code attribute and its impact on a software quality) and an
``issues`` array. Lines count from 1 and columns from 0 in that format, so a column is dfanalyze's
minus one; a zero-width span is widened to one character, an end at the start of a later line
ends on the line before (SonarQube refuses ranges it cannot place). The items of a finding about
several (its related spans) become ``secondaryLocations``.

Codacy: one JSON object per line, ``{"filename", "line", "message", "patternId"}`` for a finding,
``{"filename", "message"}`` for a file that could not be checked. Codacy reads Dockerfile results
as its hadolint tool's, whose patterns are hadolint's codes: a rule with a hadolint alias is
reported under that code (``DL3008``), other rules under their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from dfanalyze.engine.rulefile import Rule
from dfanalyze.findings import Finding, Severity
from dfanalyze.report.locate import relative_path, workspace_paths
from dfanalyze.report.result import Report
from dfanalyze.span import Span

ENGINE = "dfanalyze"
SONAR_IMPACT = {  # a severity's impact on the software quality
    Severity.ERROR: "HIGH",
    Severity.WARNING: "MEDIUM",
    Severity.INFO: "LOW",
    Severity.STYLE: "INFO",
}


def _quality(family: str, severity: Severity) -> str:
    """The software quality a rule's findings harm, in SonarQube's terms."""
    if family == "security":
        return "SECURITY"
    return "MAINTAINABILITY" if severity is Severity.STYLE else "RELIABILITY"


def _attribute(family: str, severity: Severity) -> str:
    """The clean-code attribute a rule asks for, in SonarQube's terms."""
    if family == "security":
        return "TRUSTWORTHY"
    if family == "layers":
        return "EFFICIENT"
    return "CONVENTIONAL" if severity is Severity.STYLE else "LOGICAL"


def _text_range(span: Span, lines: Sequence[str]) -> dict[str, int]:
    """A SonarQube text range (columns from 0) that lies inside the file's lines."""
    start_line, start_col = span.start.line, span.start.column - 1
    end_line, end_col = span.end.line, span.end.column - 1
    if end_line > start_line and end_col <= 0 and end_line - 1 <= len(lines):
        end_line -= 1
        end_col = len(lines[end_line - 1])
    if (end_line, end_col) <= (start_line, start_col):
        end_line, end_col = start_line, start_col + 1
    if lines and start_line <= len(lines):
        length = len(lines[start_line - 1])
        if end_line == start_line and end_col > length:  # a span at the end of a line
            start_col, end_col = max(min(start_col, length - 1), 0), max(length, 1)
    return {"startLine": start_line, "endLine": end_line, "startColumn": start_col, "endColumn": end_col}


def sonarqube(report: Report, rules: Mapping[str, Rule], root: str | None = None) -> dict[str, Any]:
    """The SonarQube generic issue report of ``report`` as a JSON value. A rule is described with
    the severity of its findings (a configuration may have changed the rule's default)."""
    paths = workspace_paths(report.findings, root)
    described: dict[str, dict[str, Any]] = {}
    issues = []
    for f, path in zip(report.findings, paths, strict=True):
        if f.code not in described:
            rule = rules.get(f.code)
            described[f.code] = {
                "id": f.code,
                "name": f.name,
                "description": rule.summary if rule is not None else f.name,
                "engineId": ENGINE,
                "cleanCodeAttribute": _attribute(f.family, f.severity),
                "impacts": [
                    {"softwareQuality": _quality(f.family, f.severity), "severity": SONAR_IMPACT[f.severity]}
                ],
            }
        lines = report.sources.get(f.path, ())
        location = {"message": f.message, "filePath": path, "textRange": _text_range(f.span, lines)}
        issue: dict[str, Any] = {"ruleId": f.code, "primaryLocation": location}
        if f.related:  # the items of a finding about several
            issue["secondaryLocations"] = [
                {"message": r.message, "filePath": path, "textRange": _text_range(r.span, lines)}
                for r in f.related
            ]
        issues.append(issue)
    return {"rules": list(described.values()), "issues": issues}


def render_sonarqube(report: Report, rules: Mapping[str, Rule], root: str | None = None) -> str:
    return json.dumps(sonarqube(report, rules, root), indent=2, ensure_ascii=False) + "\n"


def _pattern(f: Finding) -> str:
    """The code Codacy knows the finding by: its hadolint alias, else its own code."""
    return next((a for a in f.aliases if a.startswith("DL") and a[2:].isdigit()), f.code)


def render_codacy(report: Report, root: str | None = None) -> str:
    """Codacy's tool results: one JSON object per line."""
    paths = workspace_paths(report.findings, root)
    rows: list[dict[str, Any]] = [
        {"filename": relative_path(e.path, root), "message": e.message} for e in report.errors
    ]
    rows += [{"filename": relative_path(x.path, root), "message": x.message()} for x in report.failures]
    rows += [
        {"filename": path, "line": f.span.start.line, "message": f.message, "patternId": _pattern(f)}
        for f, path in zip(report.findings, paths, strict=True)
    ]
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
