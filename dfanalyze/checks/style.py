"""Checks of the syntax family about how instructions are written: keyword casing, the legacy
``ENV key value`` form, MAINTAINER, EXPOSE formats, relative WORKDIR, definition descriptions.
BuildKit's build checks of the same names define when they fire."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.checks.context import Context, Hit
from dfanalyze.findings import Edit, Fix
from dfanalyze.span import Span


def consistent_instruction_casing(ctx: Context) -> Iterator[Hit]:
    """Keywords that are mixed-case, or not in the casing most keywords of the file use.

    Like BuildKit: only self-consistent keywords (all upper or all lower) vote; a tie means
    upper case.
    """
    lower = upper = 0
    for ins in ctx.instructions():
        word = ins.keyword.text
        if word == word.lower():
            lower += 1
        elif word == word.upper():
            upper += 1
    majority_lower = lower > upper
    for ins in ctx.instructions():
        word = ins.keyword.text
        wanted = word.lower() if majority_lower else word.upper()
        if word != wanted:
            casing = "lowercase" if majority_lower else "uppercase"
            fix = Fix(f"Write `{wanted}`", (Edit(ins.keyword.span, wanted),))
            yield Hit(ins.keyword.span, {"keyword": word, "casing": casing, "wanted": wanted}, fix)


def from_as_casing(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        from_ = stage.from_
        if from_.as_keyword is None:
            continue
        keyword, as_word = from_.keyword.text, from_.as_keyword.text
        if keyword == keyword.upper() and as_word != as_word.upper():
            wanted = as_word.upper()
        elif keyword == keyword.lower() and as_word != as_word.lower():
            wanted = as_word.lower()
        else:
            continue
        fix = Fix(f"Write `{wanted}`", (Edit(from_.as_keyword.span, wanted),))
        yield Hit(from_.as_keyword.span, {"keyword": keyword, "as": as_word, "wanted": wanted}, fix)


def maintainer_deprecated(ctx: Context) -> Iterator[Hit]:
    for ins in ctx.instructions():
        if not isinstance(ins, model.Maintainer) or ins.value is None:
            continue
        author = ins.value.text
        label = f"LABEL org.opencontainers.image.authors={json.dumps(author, ensure_ascii=False)}"
        if "$" in author or "\\" in author:
            label = label.replace("$", "\\$")
        span = Span(ins.keyword.span.start, ins.offsets.end)
        fix = Fix("Replace with an `org.opencontainers.image.authors` label", (Edit(span, label),))
        yield Hit(span, {"author": author}, fix)


def legacy_key_value_format(ctx: Context) -> Iterator[Hit]:
    for ins in ctx.instructions():
        if not isinstance(ins, model.KeyValueInstruction):
            continue
        for pair in ins.pairs:
            if pair.separator:
                continue
            value = pair.value.text
            # The legacy value is the raw rest of the line; quoting it keeps its meaning as long as it
            # holds no quote or escape characters of its own.
            simple = not any(c in value for c in "\"'\\`")
            new = (
                f'{pair.key.text}="{value}"' if " " in value or "\t" in value else f"{pair.key.text}={value}"
            )
            span = Span(pair.key.span.start, pair.value.span.end)
            fix = Fix(f"Write `{ins.kind} {new}`", (Edit(span, new),), safe=simple)
            yield Hit(span, {"instruction": ins.kind, "key": pair.key.text, "new": new}, fix)


_PRAGMAS = ("dfanalyze:", "hadolint ", "check=", "syntax=", "escape=")
_PROTO = re.compile(r"/([A-Za-z]+)$")


def expose_proto_casing(ctx: Context) -> Iterator[Hit]:
    for ins in ctx.instructions():
        if not isinstance(ins, model.Expose):
            continue
        for port in ins.ports:
            match = _PROTO.search(port.text)
            if match and match.group(1) != match.group(1).lower():
                wanted = port.text[: match.start(1)] + match.group(1).lower()
                fix = Fix(f"Write `{wanted}`", (Edit(port.span, wanted),))
                yield Hit(
                    port.span, {"port": port.text, "wanted": wanted}, fix, group=ins.span, item=port.text
                )


def port_parts(text: str) -> tuple[list[str], list[str]] | None:
    """An EXPOSE word read with the grammar's ``port_spec``: its host parts (IP addresses) and its
    port ranges, in order; None when it is not a port specification."""
    from dfanalyze.parse import lalr

    try:
        tree = lalr.parse(text, "port_spec")
    except lalr.GrammarError:
        return None
    hosts = [t.value for t in tree.tokens() if t.type == "HOST"]
    ports = [t.value for t in tree.tokens() if t.type == "PORT_RANGE"]
    return hosts, ports


def expose_invalid_format(ctx: Context) -> Iterator[Hit]:
    """EXPOSE with an IP address or a host-port mapping (``EXPOSE 8080:80``): these belong to
    ``docker run -p``, not to the image."""
    for ins in ctx.instructions("EXPOSE"):
        for port in ins.args:
            parts = port_parts(port.text) if "$" not in port.text else None
            if parts is None:
                continue
            hosts, ports = parts
            if hosts or len(ports) > 1:
                args = {"port": port.text, "container": ports[-1] if ports else "?"}
                yield Hit(port.span, args, group=ins.span, item=port.text)


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", path))


def workdir_relative_path(ctx: Context) -> Iterator[Hit]:
    """A relative WORKDIR before any absolute WORKDIR in the stage (BuildKit's WorkdirRelativePath);
    with ``strict = true``, every relative WORKDIR (hadolint's DL3000)."""
    strict = bool(ctx.options.get("strict", False))
    scopes = ctx.analysis.scopes
    absolute_in: set[int] = set()
    for stage in ctx.dockerfile.stages:
        parent = ctx.dockerfile.stage_named(stage.from_.image.text) if stage.from_.image else None
        has_absolute = parent is not None and parent.index < stage.index and parent.index in absolute_in
        for ins in stage.instructions:
            if not isinstance(ins, model.Workdir) or ins.value is None:
                continue
            expansion = scopes.at(ins).expand(ins.value.text, ctx.dockerfile.escape)
            # Unknown, or naming a variable the file never sets: the base image's ENV may hold it
            # (WORKDIR $HOME, $APP_HOME), and BuildKit expands it with that value.
            if expansion is None or expansion.value is None or expansion.unset:
                continue
            path = expansion.value
            if _is_absolute(path):
                has_absolute = True
                continue
            if strict or not has_absolute:
                yield Hit(ins.value.span, {"path": path})
        if has_absolute:
            absolute_in.add(stage.index)


def invalid_definition_description(ctx: Context) -> Iterator[Hit]:
    """A comment directly above ``FROM ... AS name`` or ``ARG name`` that does not start with the
    name (BuildKit reads such comments as descriptions for ``docker buildx build --call=outline``)."""
    for ins in ctx.instructions():
        names: list[str] = []
        if isinstance(ins, model.From) and ins.stage_name is not None:
            names = [ins.stage_name.text]
        elif isinstance(ins, model.Arg):
            names = [d.name for d in ins.decls]
        if not names or not ins.comments:
            continue
        line = ins.span.start.line
        above = ctx.dockerfile.lines[line - 2] if line >= 2 else ""
        if not above.lstrip().startswith("#"):
            continue  # a blank line separates the comment: it is not a description
        last = ins.comments[-1]
        if any(last.startswith(f"{name} ") or last == name for name in names):
            continue
        if last.startswith(_PRAGMAS):
            continue  # a directive or a linter pragma, not a description
        start = len(above) - len(above.lstrip()) + 1
        yield Hit(Span.of(line - 1, start, line - 1, len(above) + 1), {"name": names[0], "comment": last})


def invalid_port(ctx: Context) -> Iterator[Hit]:
    """EXPOSE ports outside 0-65535 (after ARG/ENV expansion; unknown values are skipped)."""
    scopes = ctx.analysis.scopes
    for ins in ctx.instructions("EXPOSE"):
        scope = scopes.at(ins)
        for port in ins.args:
            value = scope.value(port.text, ctx.dockerfile.escape) if "$" in port.text else port.text
            parts = port_parts(value) if value else None
            if parts is None:
                continue
            numbers = [int(n) for r in parts[1] for n in r.split("-")]
            if any(n > 65535 for n in numbers):
                yield Hit(port.span, {"port": value}, group=ins.span, item=value or port.text)


_PRAGMA = r"^\s*#\s*(?:hadolint\s+(?:global\s+)?ignore=|dfanalyze:\s*(?:ignore|disable|ignore-file)=)"


def inline_ignore_pragma(ctx: Context) -> Iterator[Hit]:
    """Inline suppression comments (opt-in, for teams that want every exception in the config);
    not comment lines of heredoc bodies, which are file contents and suppress nothing."""
    bodies = {
        number
        for ins in ctx.dockerfile.instructions
        for heredoc in ins.heredocs
        for number in range(heredoc.body_span.start.line, heredoc.body_span.end.line + 1)
    }
    pragma = re.compile(_PRAGMA)
    for number, line in enumerate(ctx.dockerfile.lines, start=1):
        if number not in bodies and pragma.match(line):
            start = len(line) - len(line.lstrip()) + 1
            yield Hit(Span.of(number, start, number, len(line.rstrip()) + 1), {"comment": line.strip()})
