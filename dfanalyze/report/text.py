"""The human formats: ``full`` (code frames, modelled on ruff's), ``concise``, ``grouped``, and the
``--statistics`` and ``--show-fixes`` tables. Each is a pure function from a :class:`Report` to styled
lines (see :mod:`dfanalyze.report.styled`), written in colour or as plain text by the caller."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby

from dfanalyze.findings import Finding, Severity
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


def rule_handle(f: Finding) -> str:
    """What to give ``dfanalyze rule`` for the finding's rule: its code, or its name when the code
    is another tool's (a ShellCheck ``SC2086`` is reported by the rule named ``shellcheck``)."""
    return f.name if f.code.startswith(("SC", "DL")) and f.code[2:].isdigit() else f.code


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
    offline = f"`dfanalyze rule {rule_handle(f)}`"
    docs = f"{f.url} (offline: {offline})" if f.url else offline
    out.append(((f"{pad} = {f.severity} ({f.name}): {docs}", "note"),))
    out.append(())
    return out


_UNCOUNTED = ("info", "style")  # "15 info", not "15 infos"


def counts(findings: Sequence[Finding]) -> list[tuple[str, Severity]]:
    """How many findings of each severity, most severe first, as ``("2 warnings", severity)``."""
    by_severity = Counter(f.severity for f in findings)
    return [
        (f"{n} {s.value}" if s.value in _UNCOUNTED else _plural(n, s.value), s)
        for s in Severity
        if (n := by_severity[s])
    ]


def _counted(findings: Sequence[Finding]) -> list[Segment]:
    """``2 warnings, 15 info``, each count in its severity's colour."""
    out: list[Segment] = []
    for text, severity in counts(findings):
        if out:
            out.append((", ", ""))
        out.append((text, severity.value))
    return out


def summary_text(report: Report) -> str:
    """The summary's first line as plain text (the step summary and the formats without colour)."""
    return "".join(text for text, _ in _found(report))


def _found(report: Report) -> Line:
    """``17 findings: 2 warnings, 15 info; 3 fixable with --fix (1 more with --unsafe-fixes).``
    After ``--fix``: ``3 fixed; 14 findings remaining: 2 warnings, 12 info.``"""
    findings = report.findings
    line: list[Segment] = []
    if report.fixed:
        line.append((f"{len(report.fixed)} fixed; ", "fixable"))
        line.append(
            (f"{_plural(len(findings), 'finding')} remaining" if findings else "nothing remaining", "header")
        )
    else:
        line.append((_plural(len(findings), "finding"), "header"))
    if findings:
        line += [(": ", ""), *_counted(findings)]
    fixable, hidden = report.fixable, report.hidden_unsafe
    if fixable:
        line.append((f"; {fixable} fixable with --fix", "fixable"))
        if hidden:
            line.append((f" ({hidden} more with --unsafe-fixes)", ""))
    elif hidden:
        line.append((f"; {hidden} fixable with --fix --unsafe-fixes", ""))
    line.append((".", ""))
    return tuple(line)


def summary(report: Report, *, docs_hint: bool = True) -> list[Line]:
    """The closing lines: what was found by severity, what was or can be fixed, the files that
    could not be checked, the rules that failed, and (``docs_hint``) how to read a rule's docs."""
    out: list[Line] = []
    if report.findings or report.fixed:
        out.append(_found(report))
    elif not report.errors and not report.failures:  # those are counted below instead
        out.append(
            (("All checks passed!", "ok"),) if report.paths else (("No Dockerfiles found.", "warning"),)
        )
    if report.errors:
        out.append(((f"{_plural(len(report.errors), 'file')} could not be checked.", "error"),))
    if report.failures:
        codes = sorted({f.code for f in report.failures})
        rules = f"rule {codes[0]}" if len(codes) == 1 else f"rules {', '.join(codes)}"
        failed = _plural(len(report.failures), "internal error")
        out.append(((f"{failed}: {rules} failed (a bug: please report it).", "error"),))
    if report.findings and docs_hint:
        out.append((("Read any rule's documentation offline with `dfanalyze rule CODE`.", "note"),))
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


def render_statistics(report: Report, *, quiet: bool = False) -> list[Line]:
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
    return out if quiet else out + summary(report)


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


def _tty(report: Report) -> Iterator[Line]:
    """hadolint's default format, ``path:line CODE severity: message``, for scripts that read it."""
    for f in report.findings:
        yield (
            (f"{sanitize(f.path)}:{f.span.start.line} ", "location"),
            (f.code, f.severity),
            (" ", ""),
            (f.severity.value, f.severity),
            (": " + sanitize(f.message), ""),
        )


GNU_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}


def render_gnu(report: Report) -> str:
    """The GNU convention, ``file:line:column: level: message`` (Emacs' compilation mode, Vim's
    quickfix and most editors read it): one line per finding and per file that could not be
    checked, nothing else. ``level`` is ``error``, ``warning`` or ``note`` (info and style)."""
    out = [f"{sanitize(e.path)}:1:1: error: {sanitize(e.message)}\n" for e in report.errors]
    out += [
        f"{sanitize(x.path)}:{x.line or 1}:{x.column or 1}: error: {x.message()}\n" for x in report.failures
    ]
    out += [
        f"{_location(f)}: {GNU_LEVELS[f.severity]}: {f.code} {sanitize(f.message)}\n" for f in report.findings
    ]
    return "".join(out)


_BODIES = {"full": _full, "concise": _concise, "grouped": _grouped, "tty": _tty}


def render_human(
    report: Report, output_format: str, *, show_fixes: bool = False, quiet: bool = False
) -> Iterator[Line]:
    """``full``, ``concise`` or ``grouped``: the findings, what ``--fix`` changed (with
    ``show_fixes``), then the summary; lines are made as they are written."""
    yield from _BODIES[output_format](report)
    if show_fixes:
        yield from _fixed(report)
    if not quiet:
        yield from summary(report, docs_hint=output_format != "full")  # full names it for each finding
