"""GitLab Code Quality: a JSON array of issues (``description``, ``check_name``, ``fingerprint``,
``severity``, ``location.path`` and ``location.lines``), read by merge requests from a
``codequality`` report artifact.

GitLab compares the fingerprints of two pipelines to tell new issues from fixed ones, so a
fingerprint depends on the finding's content, not on its line number (see
:func:`dfanalyze.report.locate.fingerprints`).
"""

from __future__ import annotations

import json
from typing import Any

from dfanalyze.findings import Severity
from dfanalyze.report.locate import fingerprints, workspace_paths
from dfanalyze.report.result import Report

SEVERITIES = {
    Severity.ERROR: "critical",
    Severity.WARNING: "major",
    Severity.INFO: "minor",
    Severity.STYLE: "info",
}


def code_quality(report: Report, root: str | None = None) -> list[dict[str, Any]]:
    paths = workspace_paths(report.findings, root)
    issues = []
    for f, path, fingerprint in zip(report.findings, paths, fingerprints(report, paths), strict=True):
        issues.append(
            {
                "description": f"{f.code} {f.message}",
                "check_name": f"{f.code} {f.name}",
                "fingerprint": fingerprint,
                "severity": SEVERITIES[f.severity],
                "location": {"path": path, "lines": {"begin": f.span.start.line, "end": f.span.end.line}},
            }
        )
    return issues


def render_gitlab(report: Report, root: str | None = None) -> str:
    return json.dumps(code_quality(report, root), indent=2, ensure_ascii=False) + "\n"
