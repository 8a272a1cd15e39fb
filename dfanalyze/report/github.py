"""GitHub Actions: workflow commands that become annotations, and a Markdown step summary.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job), and
drops the rest silently. So the annotations go out most severe first; when there are more findings
than annotations, the rest are written as plain log lines and one notice says how many were not
annotated. The step summary (``$GITHUB_STEP_SUMMARY``) holds the full table, up to GitHub's 1 MiB
limit for a step summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

from dfanalyze.findings import Finding, Severity
from dfanalyze.report.locate import relative_path, workspace_paths
from dfanalyze.report.result import Report, failure_messages
from dfanalyze.report.text import summary_text

ANNOTATIONS_PER_STEP = 10  # for each of error, warning and notice
SUMMARY_LIMIT = 1024 * 1024  # bytes GitHub accepts in one step's summary
COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def escape_data(text: str) -> str:
    """Escape a workflow command's message: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: Mapping[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


def _log_line(f: Finding, path: str) -> str:
    return f"{path}:{f.span.start.line}:{f.span.start.column}: {f.code} {f.message}"


def annotation(f: Finding, path: str) -> str:
    span = f.span
    properties = {
        "file": path,
        "line": span.start.line,
        "col": span.start.column,
        "endLine": span.end.line,
        "endColumn": span.end.column,
        "title": f"dfanalyze {f.code} ({f.name})",
    }
    return command(COMMANDS[f.severity], properties, _log_line(f, path))


def render_github(report: Report, root: str | None = None) -> str:
    """Workflow commands for ``report``, with paths relative to ``root`` (the workspace)."""
    paths = workspace_paths(report.findings, root)
    order = sorted(range(len(report.findings)), key=lambda i: (report.findings[i].severity.rank, i))
    budget = dict.fromkeys(("error", "warning", "notice"), ANNOTATIONS_PER_STEP)
    failures = failure_messages(report.failures)
    budget["error"] = max(budget["error"] - len(report.errors) - len(failures), 0)
    wanted: dict[str, int] = {}
    for i in order:
        kind = COMMANDS[report.findings[i].severity]
        wanted[kind] = wanted.get(kind, 0) + 1
    if any(n > budget[kind] for kind, n in wanted.items()):
        budget["notice"] -= 1  # room for the notice that says what was left out
    out = [
        command("error", {"file": relative_path(e.path, root), "title": "dfanalyze"}, e.message)
        for e in report.errors
    ]
    for failure, message in failures:
        where: dict[str, object] = {"file": relative_path(failure.path, root)}
        if failure.line:
            where |= {"line": failure.line, "col": failure.column}
        out.append(command("error", {**where, "title": "dfanalyze internal error"}, message))
    rest: list[int] = []
    for i in order:
        kind = COMMANDS[report.findings[i].severity]
        if budget[kind] > 0:
            budget[kind] -= 1
            out.append(annotation(report.findings[i], paths[i]))
        else:
            rest.append(i)
    if rest:
        out += [_log_line(report.findings[i], paths[i]) for i in sorted(rest)]
        out.append(
            command(
                "notice",
                {"title": "dfanalyze"},
                f"{len(rest)} more findings are listed in the log and the step summary, not as annotations: "
                f"GitHub shows at most {ANNOTATIONS_PER_STEP} errors, {ANNOTATIONS_PER_STEP} warnings and "
                f"{ANNOTATIONS_PER_STEP} notices per step.",
            )
        )
    return "".join(line + "\n" for line in out)


def _cell(text: str) -> str:
    """Text made safe inside a Markdown table cell (GitHub renders HTML in summaries)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return escaped.replace("\r", "").replace("\n", "<br>")


def blob_url(env: Mapping[str, str]) -> str | None:
    """The base URL of the checked-out commit's files, from the runner's environment."""
    server, repo, sha = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    if not (server and repo and sha):
        return None
    return f"{server}/{repo}/blob/{sha}"


def _row(f: Finding, path: str, blob: str | None) -> str:
    where = f"{path}:{f.span.start.line}:{f.span.start.column}"
    location = f"`{where.replace('`', '')}`"
    if blob is not None and in_workspace(path):
        location = f"[{location}]({blob}/{quote(path)}#L{f.span.start.line})"
    rule = f"[{f.code}]({f.url})" if f.url else f.code
    return f"| {f.severity.value} | {rule} {_cell(f.name)} | {location} | {_cell(f.message)} |\n"


def in_workspace(path: str) -> bool:
    """Whether a path (as :func:`~dfanalyze.report.locate.relative_path` made it) is a file of the
    repository: only those have a page at the commit. Standard input and files outside the
    workspace (an absolute path after ``relative_path``, or one going up with ``..``) have none."""
    return path != "-" and not path.startswith(("/", "../")) and path != ".." and ":" not in path[:3]


def step_summary(report: Report, root: str | None = None, blob: str | None = None) -> str:
    """The Markdown for ``$GITHUB_STEP_SUMMARY``: counts, then one table row per finding, most
    severe first, cut (with a line saying so) before GitHub's size limit."""
    paths = workspace_paths(report.findings, root)
    head = ["## dfanalyze\n\n"]
    if report.findings:
        head.append(f"**{_cell(summary_text(report))}**\n\n")
        head.append("Each rule links to its documentation; `dfanalyze rule CODE` shows the same offline.\n\n")
    elif not report.errors and not report.failures:
        head.append("All checks passed!\n\n")
    for e in report.errors:
        head.append(f"- **error**: {_cell(e.message)}\n")
    for _, message in failure_messages(report.failures):
        head.append(f"- **{_cell(message)}** (a bug: please report it)\n")
    if report.errors or report.failures:
        head.append("\n")
    text = "".join(head)
    if not report.findings:
        return text
    table = ["| Severity | Rule | Location | Message |\n", "| --- | --- | --- | --- |\n"]
    size = len(text.encode()) + sum(len(r) for r in table)
    reserve = 200  # room for the line that says rows were left out
    order: Sequence[int] = sorted(
        range(len(report.findings)), key=lambda i: (report.findings[i].severity.rank, i)
    )
    for shown, i in enumerate(order):
        row = _row(report.findings[i], paths[i], blob)
        size += len(row.encode())
        if size > SUMMARY_LIMIT - reserve:
            left = len(order) - shown
            table.append(f"\n{left} more findings are not listed here (see the job's log).\n")
            break
        table.append(row)
    return text + "".join(table)
