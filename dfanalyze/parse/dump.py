"""``dfanalyze parse``: the parse result as BuildKit-shaped JSON, or as a readable tree.

The JSON is a public interface (see README): per instruction the keyword as written, the flags as
BuildKit extracts them, whether the exec (JSON) form was used, BuildKit's argument nodes in order,
heredocs, ONBUILD's nested instruction, the span and the previous comments; plus our exact spans of
the keyword, each flag and each argument under ``locations``.
"""

from __future__ import annotations

from typing import Any

from dfanalyze.model import Diagnostic, Dockerfile, Instruction, Onbuild
from dfanalyze.span import Span


def _span(span: Span) -> dict[str, Any]:
    return {"start": span.start.to_json(), "end": span.end.to_json()}


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"message": d.message, "code": d.code, **_span(d.span)}


def instruction_json(ins: Instruction) -> dict[str, Any]:
    children = [instruction_json(ins.child)] if isinstance(ins, Onbuild) and ins.child else []
    return {
        "keyword": ins.keyword.text,
        "flags": [f.text for f in ins.flags],
        "json": ins.json,
        "args": [a.text for a in ins.args],
        "heredocs": [
            {
                "name": h.name,
                "content": h.content,
                "expand": h.expand,
                "chomp": h.chomp,
                "fd": h.fd,
                **_span(Span(h.span.start, h.body_span.end)),
            }
            for h in ins.heredocs
        ],
        "children": children,
        **_span(ins.span),
        "comments": list(ins.comments),
        "locations": {
            "keyword": _span(ins.keyword.span),
            "flags": [_span(f.span) for f in ins.flags],
            "args": [_span(a.span) for a in ins.args],
        },
    }


def to_json(dockerfile: Dockerfile) -> dict[str, Any]:
    return {
        "directives": {
            name: (d.value if (d := dockerfile.directive(name)) else None)
            for name in ("syntax", "escape", "check")
        },
        "instructions": [instruction_json(i) for i in dockerfile.instructions],
        "errors": [_diagnostic(d) for d in dockerfile.errors],
        "warnings": [_diagnostic(d) for d in dockerfile.warnings],
    }


def to_text(dockerfile: Dockerfile) -> str:
    """A readable tree: one instruction per line with its span, then flags, args and heredocs."""
    out: list[str] = []
    for name in ("syntax", "escape", "check"):
        directive = dockerfile.directive(name)
        if directive is not None:
            out.append(f"# {name}={directive.value}")

    def emit(ins: Instruction, indent: str) -> None:
        s = ins.span
        form = " (exec form)" if ins.json else ""
        out.append(
            f"{indent}{ins.keyword.text}  {s.start.line}:{s.start.column}-{s.end.line}:{s.end.column}{form}"
        )
        for f in ins.flags:
            out.append(f"{indent}  flag {f.text!r}")
        for a in ins.args:
            out.append(f"{indent}  arg  {a.text!r}  @{a.span.start.line}:{a.span.start.column}")
        for h in ins.heredocs:
            out.append(f"{indent}  heredoc {h.name!r} ({len(h.content)} chars, expand={h.expand})")
        if isinstance(ins, Onbuild) and ins.child is not None:
            emit(ins.child, indent + "  ")

    for ins in dockerfile.instructions:
        emit(ins, "")
    out.extend(located(dockerfile.path, d) for d in dockerfile.diagnostics)
    return "\n".join(out) + "\n"


def located(path: str, d: Diagnostic) -> str:
    """A diagnostic as one line, compiler style: ``path:line:column: severity: message (code)``."""
    return f"{path}:{d.span.start.line}:{d.span.start.column}: {d.severity}: {d.message} ({d.code})"
