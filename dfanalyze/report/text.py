"""The human formats: ``full`` (code frames, modelled on ruff's), ``concise``, ``grouped``, and the
``--statistics`` and ``--show-fixes`` tables. Each is a pure function from a :class:`Report` to styled
lines (see :mod:`dfanalyze.report.styled`), written in colour or as plain text by the caller."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby

from dfanalyze.findings import Finding
from dfanalyze.report.result import Report
from dfanalyze.report.styled import Line, Segment, sanitize


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _header(report: Report, f: Finding) -> list[Segment]:
    parts: list[Segment] = [(f.code, f.severity)]  # a Severity is its own style name
    if report.applicable(f):
        parts.append((" [*]", "fixable"))
    parts.append((" " + sanitize(f.message), "message"))
    return parts


def _location(f: Finding) -> str:
    return f"{sanitize(f.path)}:{f.span.start.line}:{f.span.start.column}"


def finding_block(report: Report, f: Finding) -> list[Line]:
    """One finding in the ``full`` format, followed by a blank line."""
    from dfanalyze.report.frame import finding_frames  # here: a clean run draws no frame

    lines = report.sources.get(f.path, ())
    width, frame, diff = finding_frames(f, lines, f.severity)
    pad = " " * width
    out: list[Line] = [tuple(_header(report, f)), ((f"{pad}--> ", "arrow"), (_location(f), "location"))]
    out += frame
    if f.fix is not None:
        out.append((("help: ", "help"), (sanitize(f.fix.title), "")))
        out += diff
        if not report.applicable(f):
            out.append(
                (
                    ("note: ", "note"),
                    ("this is an unsafe fix: it is applied only with --unsafe-fixes", "note"),
                )
            )
    note = f"{pad} = {f.severity} ({f.name})"
    out.append(((note + (f": {f.url}" if f.url else ""), "note"),))
    out.append(())
    return out


def summary(report: Report) -> list[Line]:
    """The closing lines: how many findings, how many were fixed, how many more ``--fix`` would fix."""
    out: list[Line] = []
    found = f"Found {_plural(len(report.findings) + len(report.fixed), 'error')}"
    if report.fixed:
        out.append(((f"{found} ({len(report.fixed)} fixed, {len(report.findings)} remaining).", "header"),))
    elif report.findings:
        out.append(((f"{found}.", "header"),))
    elif not report.errors:  # files that could not be checked are counted below instead
        out.append(
            (("All checks passed!", "ok"),) if report.paths else (("No Dockerfiles found.", "warning"),)
        )
    if report.errors:
        count = len(report.errors)
        out.append(((f"{_plural(count, 'file')} could not be checked.", "error"),))
    fixable, hidden = report.fixable, report.hidden_unsafe
    if fixable or hidden:
        line: list[Segment] = []
        if fixable:
            line += [("[*]", "fixable"), (f" {fixable} fixable with the `--fix` option", "")]
        if hidden:
            extra = f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option"
            line.append((f" ({extra})" if fixable else extra[0].upper() + extra[1:], ""))
        line.append((".", ""))
        out.append(tuple(line))
    return out


def _full(report: Report) -> Iterator[Line]:
    for f in report.findings:
        yield from finding_block(report, f)


def _concise(report: Report) -> Iterator[Line]:
    return (((_location(f), "location"), (": ", ""), *_header(report, f)) for f in report.findings)


def _grouped(report: Report) -> Iterable[Line]:
    """Findings under a header per file, with their positions aligned."""
    out: list[Line] = []
    for path, group in groupby(report.findings, key=lambda f: f.path):
        findings = list(group)
        rows = max(len(str(f.span.start.line)) for f in findings)
        cols = max(len(str(f.span.start.column)) for f in findings)
        codes = max(len(f.code) for f in findings)
        out.append(((sanitize(path) + ":", "header"),))
        for f in findings:
            where = f"  {f.span.start.line:>{rows}}:{f.span.start.column:<{cols}} "
            header = _header(report, f)
            header[0] = (f"{f.code:<{codes}}", header[0][1])
            out.append(((where, "location"), *header))
        out.append(())
    return out


def render_statistics(report: Report) -> list[Line]:
    """One row per rule: how many findings, whether they are fixable, the rule's name and severity."""
    counts = Counter(f.code for f in report.findings)
    first: dict[str, Finding] = {}
    fixable: set[str] = set()
    for f in report.findings:
        first.setdefault(f.code, f)
        if report.applicable(f):
            fixable.add(f.code)
    order = sorted(counts, key=lambda code: (-counts[code], code))
    width = max((len(str(n)) for n in counts.values()), default=1)
    codes = max((len(code) for code in counts), default=0)
    out: list[Line] = []
    for code in order:
        f = first[code]
        out.append(
            (
                (f"{counts[code]:>{width}}  ", ""),
                (f"{code:<{codes}}", f.severity.value),
                ("  ", ""),
                ("[*]" if code in fixable else "[ ]", "fixable" if code in fixable else ""),
                (f" {f.name}", ""),
            )
        )
    return out + summary(report)


def statistics_json(report: Report) -> list[dict[str, object]]:
    counts = Counter(f.code for f in report.findings)
    rows: dict[str, dict[str, object]] = {}
    for f in report.findings:
        row = rows.setdefault(
            f.code,
            {
                "code": f.code,
                "name": f.name,
                "severity": f.severity.value,
                "count": counts[f.code],
                "fixable": False,
            },
        )
        row["fixable"] = bool(row["fixable"]) or report.applicable(f)
    return sorted(rows.values(), key=lambda r: (-counts[str(r["code"])], str(r["code"])))


def _fixed(report: Report) -> list[Line]:
    """``--show-fixes``: what ``--fix`` changed, per file and rule."""
    if not report.fixed:
        return []
    out: list[Line] = [((f"Fixed {_plural(len(report.fixed), 'error')}:", "header"),)]
    for path, group in groupby(sorted(report.fixed, key=Finding.sort_key), key=lambda f: f.path):
        out.append(((f"- {sanitize(path)}:", ""),))
        findings: Sequence[Finding] = list(group)
        counts = Counter((f.code, f.name) for f in findings)
        for (code, name), n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            out.append(((f"    {n} × ", ""), (code, "fixable"), (f" ({name})", "")))
    out.append(())
    return out


_BODIES = {"full": _full, "concise": _concise, "grouped": _grouped}


def render_human(report: Report, output_format: str, *, show_fixes: bool = False) -> Iterator[Line]:
    """``full``, ``concise`` or ``grouped``: the findings, what ``--fix`` changed (with
    ``show_fixes``), then the summary; lines are made as they are written."""
    yield from _BODIES[output_format](report)
    if show_fixes:
        yield from _fixed(report)
    yield from summary(report)
