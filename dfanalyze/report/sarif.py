"""SARIF 2.1.0, the format code-scanning services read (GitHub code scanning among them).

One run: ``tool.driver.rules`` describes every rule that has a result (help text and ``helpUri``
from the rule registry), each result points at its rule by ``ruleIndex``, has an exact region
(columns count Unicode code points, declared by ``columnKind``), a content fingerprint and, when the
finding has one, its fix as ``fixes[].artifactChanges[].replacements``. Files that could not be read
are tool execution notifications of the invocation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dfanalyze import __version__
from dfanalyze.engine.rulefile import Rule
from dfanalyze.findings import Finding, Fix, Severity
from dfanalyze.report.locate import fingerprints, relative_path, uri, workspace_paths
from dfanalyze.report.result import Report
from dfanalyze.resources import project_urls
from dfanalyze.span import Span

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "dfanalyze/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.STYLE: "note"}


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.start.line,
        "startColumn": span.start.column,
        "endLine": span.end.line,
        "endColumn": span.end.column,
    }


def _artifact(path: str) -> dict[str, str]:
    location = {"uri": uri(path)}
    if not Path(path).is_absolute():
        location["uriBaseId"] = SOURCE_ROOT
    return location


def _descriptor(code: str, example: Finding, rule: Rule | None) -> dict[str, Any]:
    """The rule as SARIF describes it: from the registry when known, else from the finding."""
    if rule is None:
        descriptor: dict[str, Any] = {"id": code, "name": example.name}
        if example.url:
            descriptor["helpUri"] = example.url
        return descriptor
    from dfanalyze.report.explain import rule_markdown

    what = str(rule.docs.get("what", rule.summary)).strip()
    why = str(rule.docs.get("why", "")).strip()
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": what},
        "help": {"text": f"{what}\n\n{why}".strip(), "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": rule.enabled},
        "properties": {
            "tags": [rule.family, *rule.aliases],
            "family": rule.family,
            "aliases": list(rule.aliases),
        },
    }
    if rule.url:
        descriptor["helpUri"] = rule.url
    return descriptor


def _fix(fix: Fix, artifact: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": artifact,
                "replacements": [
                    {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}
                    for edit in fix.edits
                ],
            }
        ],
    }


def sarif_log(report: Report, rules: Mapping[str, Rule], root: str | None = None) -> dict[str, Any]:
    """The SARIF log of ``report`` as a JSON value; paths are made relative to ``root``."""
    paths = workspace_paths(report.findings, root)
    prints = fingerprints(report, paths)
    index: dict[str, int] = {}
    descriptors: list[dict[str, Any]] = []
    for f in sorted(report.findings, key=lambda f: f.code):
        if f.code not in index:
            index[f.code] = len(descriptors)
            descriptors.append(_descriptor(f.code, f, rules.get(f.code)))
    artifacts = {path: _artifact(path) for path in set(paths)}  # shared: paths repeat
    results = []
    for f, path, fingerprint in zip(report.findings, paths, prints, strict=True):
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [
                {"physicalLocation": {"artifactLocation": artifacts[path], "region": _region(f.span)}}
            ],
            "fingerprints": {FINGERPRINT_KEY: fingerprint},
            "properties": {"name": f.name, "severity": f.severity.value},
        }
        if f.related:  # the items of a finding about several
            result["relatedLocations"] = [
                {
                    "id": i,
                    "physicalLocation": {"artifactLocation": artifacts[path], "region": _region(r.span)},
                    "message": {"text": r.message},
                }
                for i, r in enumerate(f.related)
            ]
        if f.fix is not None and f.fix.edits:
            result["fixes"] = [_fix(f.fix, artifacts[path])]
        results.append(result)
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [
                {"physicalLocation": {"artifactLocation": _artifact(relative_path(error.path, root))}}
            ],
        }
        for error in report.errors
    ]
    for failure in report.failures:
        location: dict[str, Any] = {"artifactLocation": _artifact(relative_path(failure.path, root))}
        if failure.line:
            location["region"] = {"startLine": failure.line, "startColumn": failure.column}
        notifications.append(
            {
                "level": "error",
                "message": {"text": failure.message()},
                "associatedRule": {"id": failure.code},
                "locations": [{"physicalLocation": location}],
            }
        )
    driver = {
        "name": "dfanalyze",
        "version": __version__,
        "semanticVersion": __version__,
        **({"informationUri": home} if (home := project_urls().get("Homepage")) else {}),
        "rules": descriptors,
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [
                    {
                        "executionSuccessful": not (report.errors or report.failures),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_sarif(report: Report, rules: Mapping[str, Rule], root: str | None = None) -> str:
    """The SARIF log as compact JSON: SARIF files are read by tools, and indenting one costs more
    than building it (``jq .`` shows it indented)."""
    return json.dumps(sarif_log(report, rules, root), ensure_ascii=False, separators=(",", ":")) + "\n"
