"""Every output format on one crafted report: snapshots, plus the checks each format's consumers rely on
(SARIF against its JSON schema, XML that parses, JSON that round-trips, GitHub's escaping and limits,
GitLab fingerprints that survive unrelated edits)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import fields, replace
from syrupy.assertion import SnapshotAssertion

from dfanalyze.engine.rulefile import Rule, rule_from_mapping
from dfanalyze.findings import Edit, Finding, Fix, Related, Severity
from dfanalyze.report import OUTPUT_FORMATS, FileError, Report, render, render_text
from dfanalyze.report.github import escape_data, escape_property, render_github, step_summary
from dfanalyze.report.gitlab import code_quality
from dfanalyze.report.locate import fingerprints
from dfanalyze.report.sarif import sarif_log
from dfanalyze.span import Span

FIXTURES = Path(__file__).parent / "fixtures"
URL = "https://example.test/rules.md"

MAIN = (
    "FROM ubuntu",
    'run\techo "héllo 日本" && \\',
    "    echo done",
    "ENV LEGACY value",
    "COPY <<EOF /etc/motd",
    "welcome",
    "EOF",
    "CMD echo 50% done, \x1b[31mred",
)
API = ("FROM alpine:3.20", "RUN <<EOF", "apk add curl", "echo 'naïve café'")


def _finding(
    code: str,
    name: str,
    severity: Severity,
    message: str,
    path: str,
    span: Span,
    fix: Fix | None = None,
    related: tuple[Related, ...] = (),
) -> Finding:
    return Finding(
        code=code,
        name=name,
        family="demo",
        severity=severity,
        message=message,
        path=path,
        span=span,
        aliases=("DL9999",) if code == "DEMO100" else (),
        fix=fix,
        url=f"{URL}#{code.lower()}-{name}",
        related=related,
    )


FINDINGS = tuple(
    sorted(
        (
            _finding(
                "DEMO100",
                "untagged-image",
                Severity.WARNING,
                "`ubuntu` has no tag",
                "Dockerfile",
                Span.of(1, 6, 1, 12),
            ),
            _finding(
                "DEMO700",
                "instruction-casing",
                Severity.STYLE,
                "`run` should be uppercase: write `RUN`",
                "Dockerfile",
                Span.of(2, 1, 2, 4),
                Fix("Write `RUN`", (Edit(Span.of(2, 1, 2, 4), "RUN"),)),
            ),
            _finding(
                "DEMO300",
                "wide-text",
                Severity.INFO,
                "Text `日本` after a tab",
                "Dockerfile",
                Span.of(2, 17, 2, 19),
            ),
            _finding(
                "DEMO301",
                "whole-run",
                Severity.INFO,
                "This RUN spans two lines",
                "Dockerfile",
                Span.of(2, 5, 3, 14),
                related=(  # a finding about several items: each item's own span and message
                    Related(Span.of(2, 5, 2, 9), "`echo` on the first line"),
                    Related(Span.of(3, 5, 3, 9), "`echo` on the second line"),
                ),
            ),
            _finding(
                "DEMO701",
                "legacy-env",
                Severity.WARNING,
                "Legacy `ENV key value` form: write `ENV LEGACY=value`",
                "Dockerfile",
                Span.of(4, 5, 4, 17),
                Fix("Write `ENV LEGACY=value`", (Edit(Span.of(4, 11, 4, 12), "="),), safe=False),
            ),
            _finding(
                "DEMO200",
                "shell-form",
                Severity.WARNING,
                'Shell form: 50% of "signals", lost\nsecond line, with: colon',
                "Dockerfile",
                Span.of(8, 5, 8, 32),
            ),
            _finding(
                "DEMO001",
                "syntax-error",
                Severity.ERROR,
                "unterminated heredoc",
                "services/api/Dockerfile.prod",
                Span.of(2, 5, 4, 18),
            ),
        ),
        key=Finding.sort_key,
    )
)
REPORT = Report(
    findings=FINDINGS,
    sources={"Dockerfile": MAIN, "services/api/Dockerfile.prod": API},
    paths=("Containerfile", "Dockerfile", "services/api/Dockerfile.prod"),
    errors=(FileError("missing/Dockerfile", "missing/Dockerfile: no such file"),),
)


def _rule(code: str, name: str, severity: str) -> Rule:
    data: dict[str, Any] = {
        "code": code,
        "name": name,
        "family": "demo",
        "severity": severity,
        "summary": f"Summary of {name}",
        "message": "{message}",
        "check": "dfanalyze.checks.syntax:syntax_error",
        "docs": {"what": f"What {name} reports.", "why": f"Why {name} matters."},
        "examples": [{"bad": "«FROM»\n"}, {"good": "FROM scratch\n"}],
    }
    return rule_from_mapping(data, f"{code}.toml", URL)


RULES = {
    "DEMO100": _rule("DEMO100", "untagged-image", "warning"),
    "DEMO001": _rule("DEMO001", "syntax-error", "error"),
}
GITHUB_ENV = {"GITHUB_WORKSPACE": "", "CI_PROJECT_DIR": ""}


def _output(output_format: str, report: Report = REPORT, **kwargs: Any) -> str:
    from io import StringIO

    out = StringIO()
    render(report, output_format, out, rules=RULES, env={}, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
def test_every_format(output_format: str, snapshot: SnapshotAssertion) -> None:
    output = _output(output_format)
    # SARIF is compact JSON: its snapshot is the parsed log, which reads better.
    assert (json.loads(output) if output_format == "sarif" else output) == snapshot


@pytest.mark.parametrize("output_format", ["full", "json"])
def test_statistics(output_format: str, snapshot: SnapshotAssertion) -> None:
    assert _output(output_format, statistics=True) == snapshot


def test_show_fixes_and_fixed_summary(snapshot: SnapshotAssertion) -> None:
    casing, legacy = _by_code("DEMO700"), _by_code("DEMO701")
    fixed = Report((_by_code("DEMO300"),), dict(REPORT.sources), REPORT.paths, fixed=(casing, casing, legacy))
    assert _output("full", fixed, show_fixes=True) == snapshot


def test_clean_summary() -> None:
    assert _output("full", Report((), {}, ("Dockerfile",))) == "All checks passed!\n"
    assert _output("full", Report(())) == "No Dockerfiles found.\n"
    assert _output("concise", Report((), {}, (), errors=REPORT.errors)) == "1 file could not be checked.\n"


def test_unsafe_fixes_count_as_fixable_when_enabled() -> None:
    report = Report(FINDINGS, dict(REPORT.sources), unsafe_fixes=True)
    assert report.fixable == 2
    assert "DEMO701 [*]" in _output("concise", report)
    assert "; 1 fixable with --fix (1 more with --unsafe-fixes)." in _output("concise")


def test_colour_uses_ansi_only_when_asked() -> None:
    plain = _output("full")
    coloured = _output("full", color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;33mDEMO100" in coloured
    # The escape sequence inside the Dockerfile is shown, never sent to the terminal.
    assert "\x1b[31mred" not in coloured
    assert "␛[31mred" in plain


# --- JSON ----------------------------------------------------------------------------------------


def test_json_lines_is_one_object_per_finding() -> None:
    rows = [json.loads(line) for line in _output("json-lines").splitlines()]
    assert rows == json.loads(_output("json"))
    assert [r["code"] for r in rows] == [f.code for f in FINDINGS]
    assert set(rows[0]) == {
        "code",
        "name",
        "family",
        "aliases",
        "severity",
        "message",
        "filename",
        "location",
        "end_location",
        "fix",
        "url",
        "related",
    }


# --- SARIF ---------------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_2_1_0_schema() -> None:
    import jsonschema

    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(_output("sarif"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[0]


def test_sarif_rules_results_and_fixes() -> None:
    run = sarif_log(REPORT, RULES)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f.code for f in FINDINGS})
    known = next(r for r in rules if r["id"] == "DEMO100")
    assert known["helpUri"] == f"{URL}#demo100-untagged-image"
    assert known["help"]["text"] == "What untagged-image reports.\n\nWhy untagged-image matters."
    assert known["help"]["markdown"].startswith("# DEMO100 untagged-image")
    unknown = next(r for r in rules if r["id"] == "DEMO700")
    assert unknown == {
        "id": "DEMO700",
        "name": "instruction-casing",
        "helpUri": f"{URL}#demo700-instruction-casing",
    }
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    multi = next(r for r in run["results"] if r["ruleId"] == "DEMO001")
    region = multi["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 5, "endLine": 4, "endColumn": 18}
    fix = next(r for r in run["results"] if r["ruleId"] == "DEMO700")["fixes"][0]
    replacement = fix["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"] == {"text": "RUN"}
    notification = run["invocations"][0]["toolExecutionNotifications"][0]
    assert notification["message"]["text"] == "missing/Dockerfile: no such file"
    assert run["invocations"][0]["executionSuccessful"] is False
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_uris_are_encoded_and_relative_to_the_workspace(tmp_path: Path) -> None:
    finding = FINDINGS[0]
    inside = Finding(**{**_fields(finding), "path": str(tmp_path / "my app" / "Dockerfile")})
    outside = Finding(**{**_fields(finding), "path": "/elsewhere/Dockerfile"})
    log = sarif_log(Report((inside, outside)), {}, root=str(tmp_path))
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert locations == [
        {"uri": "my%20app/Dockerfile", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///elsewhere/Dockerfile"},
    ]


def _by_code(code: str) -> Finding:
    return next(f for f in FINDINGS if f.code == code)


def _fields(f: Finding) -> dict[str, Any]:
    return {field.name: getattr(f, field.name) for field in fields(Finding)}


# --- GitHub --------------------------------------------------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    lines = render_github(REPORT).splitlines()
    shell = next(line for line in lines if "DEMO200" in line)
    assert shell.startswith("::warning file=Dockerfile,line=8,col=5,endLine=8,endColumn=32,")
    assert shell.endswith(
        '::Dockerfile:8:5: DEMO200 Shell form: 50%25 of "signals", lost%0Asecond line, with: colon'
    )


def test_github_orders_by_severity_and_paths_are_relative_to_the_workspace(tmp_path: Path) -> None:
    moved = tuple(Finding(**{**_fields(f), "path": str(tmp_path / f.path)}) for f in FINDINGS)
    lines = render_github(Report(moved, errors=REPORT.errors), root=str(tmp_path)).splitlines()
    kinds = [line.split(" ", 1)[0] for line in lines]
    assert kinds == ["::error"] * 2 + ["::warning"] * 3 + ["::notice"] * 3
    assert lines[1].startswith(
        "::error file=services/api/Dockerfile.prod,line=2,col=5,endLine=4,endColumn=18,"
    )


def _many(count: int, severity: Severity) -> tuple[Finding, ...]:
    return tuple(
        Finding(**{**_fields(FINDINGS[0]), "severity": severity, "span": Span.of(n, 1, n, 2)})
        for n in range(1, count + 1)
    )


def test_github_respects_the_annotation_limits() -> None:
    findings = _many(12, Severity.ERROR) + _many(3, Severity.WARNING) + _many(15, Severity.STYLE)
    lines = render_github(Report(findings)).splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    kinds = [line.split(" ", 1)[0] for line in annotations]
    assert kinds.count("::error") == 10
    assert kinds.count("::warning") == 3
    assert kinds.count("::notice") == 10  # 9 findings and the notice about the others
    assert annotations[-1].startswith("::notice title=dfanalyze::8 more findings are listed in the log")
    assert sum(1 for line in lines if not line.startswith("::")) == 8  # plain log lines


def test_github_step_summary(snapshot: SnapshotAssertion, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_SHA": "0123abc",
    }
    from io import StringIO

    render(REPORT, "github", StringIO(), rules=RULES, env=env)
    assert summary.read_text(encoding="utf-8") == snapshot


def test_github_step_summary_links_only_files_of_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    outside = str(tmp_path / "elsewhere" / "Dockerfile")
    inside = str(workspace / "app" / "Dockerfile")
    report = Report(
        tuple(replace(_by_code("DEMO100"), path=path) for path in (inside, outside, "-", "../up/Dockerfile")),
        {},
    )
    rows = [
        line
        for line in step_summary(
            report, str(workspace), "https://github.com/acme/app/blob/0123abc"
        ).splitlines()
        if line.startswith("| warning")
    ]
    assert "[`app/Dockerfile:1:6`](https://github.com/acme/app/blob/0123abc/app/Dockerfile#L1)" in rows[0]
    assert [("](https://github.com/acme/app/blob/" in row) for row in rows] == [True, False, False, False]
    assert "blob/0123abc//" not in "".join(rows)


def test_step_summary_counts_by_severity_with_plurals() -> None:
    many = Report(
        (*_many(2, Severity.ERROR), *_many(13, Severity.WARNING), *_many(32, Severity.INFO)),
        {"Dockerfile": MAIN},
    )
    assert "**47 findings: 2 errors, 13 warnings, 32 info.**" in step_summary(many)


def test_every_human_format_counts_by_severity_and_names_dfanalyze_rule() -> None:
    from dfanalyze.report import HUMAN_FORMATS

    for output_format in HUMAN_FORMATS:
        output = _output(output_format)
        counted = "7 findings: 1 error, 3 warnings, 2 info, 1 style; "
        assert f"{counted}1 fixable with --fix (1 more with --unsafe-fixes).\n" in output
        assert "dfanalyze rule " in output, output_format
        assert "Found " not in output and "fixs" not in output


def test_github_step_summary_stays_under_the_size_limit() -> None:
    from dfanalyze.report.github import SUMMARY_LIMIT

    text = step_summary(Report(_many(20_000, Severity.WARNING), {"Dockerfile": MAIN}))
    assert len(text.encode()) < SUMMARY_LIMIT
    assert text.rstrip().endswith("more findings are not listed here (see the job's log).")


# --- GitLab --------------------------------------------------------------------------------------


def test_gitlab_fingerprints_survive_unrelated_edits() -> None:
    before = fingerprints(REPORT, [f.path for f in FINDINGS])
    shifted_lines = ("# a new comment", "", *MAIN)
    shifted = tuple(
        Finding(
            **{
                **_fields(f),
                "span": Span.of(
                    f.span.start.line + 2, f.span.start.column, f.span.end.line + 2, f.span.end.column
                ),
            }
        )
        if f.path == "Dockerfile"
        else f
        for f in FINDINGS
    )
    moved = Report(shifted, {"Dockerfile": shifted_lines, "services/api/Dockerfile.prod": API})
    assert fingerprints(moved, [f.path for f in shifted]) == before
    assert len(set(before)) == len(before)


def test_gitlab_identical_findings_get_distinct_fingerprints() -> None:
    twice = Report(FINDINGS[:1] * 2, {"Dockerfile": MAIN})
    issues = code_quality(twice)
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    assert issues[0]["location"] == {"path": "Dockerfile", "lines": {"begin": 1, "end": 1}}
    assert [i["severity"] for i in code_quality(REPORT)] == [
        "major",
        "info",
        "minor",
        "minor",
        "major",
        "major",
        "critical",
    ]


# --- XML -----------------------------------------------------------------------------------------


def test_checkstyle_parses_and_lists_every_file() -> None:
    root = ET.fromstring(_output("checkstyle"))
    files = {f.get("name"): f for f in root.iter("file")}
    assert list(files) == [
        "Containerfile",
        "Dockerfile",
        "services/api/Dockerfile.prod",
        "missing/Dockerfile",
    ]
    assert not list(files["Containerfile"])
    shell = next(e for e in files["Dockerfile"] if e.get("source") == "dfanalyze.DEMO200.shell-form")
    assert shell.get("message") == _by_code("DEMO200").message
    assert files["missing/Dockerfile"][0].get("source") == "dfanalyze.io-error"


def test_junit_parses_and_counts() -> None:
    root = ET.fromstring(_output("junit"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("9", "7", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["Containerfile"].get("failures") == "0"
    assert suites["missing/Dockerfile"].find("testcase/error") is not None
    assert sum(int(s.get("tests") or 0) for s in suites.values()) == 9


def test_render_text_refuses_unknown_formats() -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        render_text(REPORT, "yaml", env=GITHUB_ENV)


# --- SonarQube, Codacy, GNU, tty (the formats hadolint offers) -----------------------------------


def _schema(name: str) -> Any:
    import jsonschema

    schema = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def test_sonarqube_is_valid_against_the_documented_format() -> None:
    document = json.loads(_output("sonarqube"))
    errors = sorted(_schema("sonarqube-generic-issues.schema.json").iter_errors(document), key=str)
    assert not errors, errors[0]
    assert [r["id"] for r in document["rules"]] == list(dict.fromkeys(f.code for f in FINDINGS))
    assert len(document["issues"]) == len(FINDINGS)


def test_sonarqube_ranges_count_columns_from_zero_and_stay_inside_the_file() -> None:
    issues = {i["ruleId"]: i["primaryLocation"] for i in json.loads(_output("sonarqube"))["issues"]}
    assert issues["DEMO100"]["textRange"] == {"startLine": 1, "endLine": 1, "startColumn": 5, "endColumn": 11}
    assert issues["DEMO001"]["textRange"] == {"startLine": 2, "endLine": 4, "startColumn": 4, "endColumn": 17}
    assert issues["DEMO001"]["filePath"] == "services/api/Dockerfile.prod"
    ends_next_line = Report((replace(_by_code("DEMO100"), span=Span.of(1, 1, 2, 1)),), dict(REPORT.sources))
    empty = Report((replace(_by_code("DEMO100"), span=Span.of(1, 12, 1, 12)),), dict(REPORT.sources))
    ranges = [
        json.loads(_output("sonarqube", r))["issues"][0]["primaryLocation"]["textRange"]
        for r in (ends_next_line, empty)
    ]
    assert ranges == [
        {"startLine": 1, "endLine": 1, "startColumn": 0, "endColumn": 11},
        {"startLine": 1, "endLine": 1, "startColumn": 10, "endColumn": 11},
    ]


def test_codacy_lines_are_valid_results() -> None:
    validator = _schema("codacy-results.schema.json")
    rows = [json.loads(line) for line in _output("codacy").splitlines()]
    for row in rows:
        errors = sorted(validator.iter_errors(row), key=str)
        assert not errors, errors[0]
    assert rows[0] == {"filename": "missing/Dockerfile", "message": "missing/Dockerfile: no such file"}
    assert len(rows) == len(FINDINGS) + 1
    assert {r.get("patternId") for r in rows} >= {"DL9999", "DEMO700"}  # the hadolint alias, else the code


def test_gnu_lines_are_file_line_column_level_message() -> None:
    import re

    lines = _output("gnu").splitlines()
    assert lines[0] == "missing/Dockerfile:1:1: error: missing/Dockerfile: no such file"
    assert len(lines) == len(FINDINGS) + 1
    pattern = re.compile(r"^[^:]+:\d+:\d+: (error|warning|note): \S+ .+$")
    assert all(pattern.match(line) for line in lines), lines
    assert "Dockerfile:2:1: note: DEMO700 `run` should be uppercase: write `RUN`" in lines


def test_tty_is_hadolints_default_format_with_the_summary() -> None:
    lines = _output("tty").splitlines()
    assert lines[0] == "Dockerfile:1 DEMO100 warning: `ubuntu` has no tag"
    assert lines[-3].startswith("7 findings: 1 error, 3 warnings, 2 info, 1 style;")


def test_a_findings_items_are_related_locations() -> None:
    """A finding about several items keeps each item's span and message in the machine formats."""
    (whole_run,) = [f for f in FINDINGS if f.code == "DEMO301"]
    report = Report((whole_run,), dict(REPORT.sources))
    document = json.loads(_output("sonarqube", report))
    assert not list(_schema("sonarqube-generic-issues.schema.json").iter_errors(document))
    assert document["issues"][0]["secondaryLocations"] == [
        {
            "message": "`echo` on the first line",
            "filePath": "Dockerfile",
            "textRange": {"startLine": 2, "endLine": 2, "startColumn": 4, "endColumn": 8},
        },
        {
            "message": "`echo` on the second line",
            "filePath": "Dockerfile",
            "textRange": {"startLine": 3, "endLine": 3, "startColumn": 4, "endColumn": 8},
        },
    ]
    (result,) = json.loads(_output("sarif", report))["runs"][0]["results"]
    regions = [(r["id"], r["physicalLocation"]["region"]["startLine"]) for r in result["relatedLocations"]]
    assert regions == [(0, 2), (1, 3)]
    (as_json,) = json.loads(_output("json", report))
    messages = [r["message"] for r in as_json["related"]]
    assert messages == ["`echo` on the first line", "`echo` on the second line"]
    assert as_json["related"][1]["location"] == {"row": 3, "column": 5}
