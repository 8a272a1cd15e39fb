"""The XML formats CI servers import: checkstyle (Jenkins warnings, many code-review tools) and JUnit
(test report views: one test suite per file, one failing test case per finding).

Both list every file that was checked, clean files included, so a report shows what was looked at
and not only what was wrong.
"""

from __future__ import annotations

import re
from itertools import groupby

from dfanalyze.findings import Finding, Severity
from dfanalyze.report.result import Report, RuleFailure

CHECKSTYLE_SEVERITIES = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
    Severity.STYLE: "info",
}
IO_ERROR = "io-error"  # the source of the entry for a file that could not be read
INTERNAL_ERROR = "internal-error"  # ... and for a rule that failed on a file
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


def attr(value: object) -> str:
    """A value made safe inside a double-quoted XML attribute; characters XML cannot hold at all
    (most control characters) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value)).translate(_ESCAPES)


def text(value: str) -> str:
    """A value made safe as XML character data."""
    return _NOT_XML.sub("\ufffd", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _by_path(report: Report) -> dict[str, list[Finding]]:
    """Every checked path with its findings, in the report's order (paths without findings too)."""
    files: dict[str, list[Finding]] = {path: [] for path in report.paths}
    for path, group in groupby(report.findings, key=lambda f: f.path):
        files.setdefault(path, []).extend(group)
    return files


def _failures(report: Report) -> dict[str, list[RuleFailure]]:
    """The rules that failed (internal errors), by file."""
    by_path: dict[str, list[RuleFailure]] = {}
    for failure in report.failures:
        by_path.setdefault(failure.path, []).append(failure)
    return by_path


def render_checkstyle(report: Report) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n']
    errors = {e.path: e for e in report.errors}
    failures = _failures(report)
    files = _by_path(report)
    for path in [*errors, *failures]:
        files.setdefault(path, [])
    for path, findings in files.items():
        out.append(f'  <file name="{attr(path)}">\n')
        if path in errors:
            out.append(
                f'    <error line="1" column="1" severity="error" message="{attr(errors[path].message)}"'
                f' source="dfanalyze.{IO_ERROR}"/>\n'
            )
        for failure in failures.get(path, ()):
            out.append(
                f'    <error line="{failure.line or 1}" column="{failure.column or 1}" severity="error"'
                f' message="{attr(failure.message())}" source="dfanalyze.{INTERNAL_ERROR}.{failure.code}"/>\n'
            )
        for f in findings:
            out.append(
                f'    <error line="{f.span.start.line}" column="{f.span.start.column}"'
                f' severity="{CHECKSTYLE_SEVERITIES[f.severity]}" message="{attr(f.message)}"'
                f' source="dfanalyze.{f.code}.{attr(f.name)}"/>\n'
            )
        out.append("  </file>\n")
    out.append("</checkstyle>\n")
    return "".join(out)


def render_junit(report: Report) -> str:
    """One ``<testsuite>`` per file; a clean file is one passing test case, each finding a failing
    one, a file that could not be read an erroring one."""
    files = _by_path(report)
    errors = {e.path: e for e in report.errors}
    broken = _failures(report)
    for path in [*errors, *broken]:
        files.setdefault(path, [])
    suites: list[str] = []
    total = failures = erroring = 0
    for path, findings in files.items():
        cases: list[str] = []
        if path in errors:
            cases.append(
                f'    <testcase name="read" classname="{attr(path)}" file="{attr(path)}">\n'
                f'      <error message="{attr(errors[path].message)}" type="{IO_ERROR}"/>\n'
                "    </testcase>\n"
            )
        for failure in broken.get(path, ()):
            cases.append(
                f'    <testcase name="{failure.code} internal error" classname="{attr(path)}"'
                f' file="{attr(path)}" line="{failure.line or 1}">\n'
                f'      <error message="{attr(failure.message())}" type="{INTERNAL_ERROR}"/>\n'
                "    </testcase>\n"
            )
        if not findings and not cases:
            cases.append(f'    <testcase name="dfanalyze" classname="{attr(path)}" file="{attr(path)}"/>\n')
        for f in findings:
            where = f"{f.span.start.line}:{f.span.start.column}"
            body = f"{path}:{where}: {f.code} [{f.severity.value}] {f.message}"
            cases.append(
                f'    <testcase name="{f.code} {attr(f.name)} at {where}" classname="{attr(path)}"'
                f' file="{attr(path)}" line="{f.span.start.line}">\n'
                f'      <failure message="{attr(f.message)}" type="{f.code}">{text(body)}</failure>\n'
                "    </testcase>\n"
            )
        errored = int(path in errors) + len(broken.get(path, ()))
        total += len(cases)
        failures += len(findings)
        erroring += errored
        suites.append(
            f'  <testsuite name="{attr(path)}" tests="{len(cases)}" failures="{len(findings)}"'
            f' errors="{errored}">\n{"".join(cases)}  </testsuite>\n'
        )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="dfanalyze" tests="{total}" failures="{failures}" errors="{erroring}">\n'
    )
    return head + "".join(suites) + "</testsuites>\n"
