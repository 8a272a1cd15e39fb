"""Checks of COPY and ADD: stage references of ``--from``, destinations, ADD versus COPY, archives
copied and then extracted by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.checks.base_image import base_of, is_scratch
from dfanalyze.checks.context import Context, Hit
from dfanalyze.findings import Edit, Fix
from dfanalyze.parse.instructions import suggest
from dfanalyze.span import Position, Span

# What ADD extracts: tar archives, plain or compressed (a zip is copied as it is).
ARCHIVE_SUFFIXES = (
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ".tzst", ".tar.lz", ".tar.lzma", ".tlz", ".gz", ".bz2", ".xz", ".zst", ".lzma",
)  # fmt: skip
_URL = r"(?i)^[a-z][a-z0-9+.-]*://"
_GIT = r"^git@|\.git(#.*)?$"
_EXTRACTORS = frozenset({"unzip", "gunzip", "bunzip2", "unlzma", "unxz", "uncompress", "zcat", "gzcat", "7z"})


def _stage_names(dockerfile: model.Dockerfile, before: int) -> list[str]:
    return [s.name for s in dockerfile.stages[:before] if s.name is not None]


def copy_from_unknown_stage(ctx: Context) -> Iterator[Hit]:
    """``COPY --from=x`` where ``x`` is not an earlier stage but looks like one: a stage defined
    later, an index past the earlier stages, or a near-miss of a stage name. Other names are image
    references (``--from=nginx:1.27``), which BuildKit pulls, so they are not reported."""
    dockerfile = ctx.dockerfile
    all_names = {s.name: s.index for s in dockerfile.stages if s.name is not None}
    for stage in dockerfile.stages:
        for ins in stage.instructions:
            if not isinstance(ins, model.Copy) or ins.from_stage is None:
                continue
            ref = ins.from_stage
            flag = ins.flag("from")
            assert flag is not None
            lowered = ref.lower()
            if "$" in ref or (not ref.isdigit() and dockerfile.stage_before(ref, stage.index)):
                continue
            if ref.isdigit():
                if int(ref) <= stage.index:  # an earlier stage, or this one (DF721 copy-from-self)
                    continue
                reason = f"stage index {ref} is not an earlier stage (this is stage {stage.index})"
            elif lowered in all_names:
                if all_names[lowered] <= stage.index:  # this stage (DF721 copy-from-self)
                    continue
                reason = f"stage `{lowered}` is defined later in the file, so it is not available here"
            else:
                hint = suggest(lowered, _stage_names(dockerfile, stage.index), case_sensitive=True)
                if hint is None:
                    continue
                reason = f"no earlier stage is named `{ref}` (did you mean `{hint}`?); "
                reason += "it would be pulled as an image"
            yield Hit(flag.span, {"stage": ref, "reason": reason})


def copy_from_self(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        for ins in stage.instructions:
            if not isinstance(ins, model.Copy) or ins.from_stage is None:
                continue
            ref = ins.from_stage.lower()
            if (stage.name is not None and ref == stage.name) or ref == str(stage.index):
                flag = ins.flag("from")
                assert flag is not None
                yield Hit(flag.span, {"stage": ins.from_stage})


def copy_multiple_sources_dest_slash(ctx: Context) -> Iterator[Hit]:
    """Several sources into a destination that does not end with ``/`` once ARG and ENV values
    are expanded (silent when a value is unknown)."""
    scopes = ctx.analysis.scopes
    for ins in ctx.instructions("COPY", "ADD"):
        if not isinstance(ins, model.CopyLike) or ins.dest is None:
            continue
        dest = scopes.at(ins).value(ins.dest.text, ctx.dockerfile.escape)
        if dest is None or dest.endswith(("/", "\\")):
            continue
        if len(ins.sources) > 1:
            end = ins.dest.span.end
            line = ctx.dockerfile.lines[end.line - 1]
            if end.column >= 2 and line[end.column - 2] in "\"'":  # "/app" (JSON or quoted): "/app/"
                end = Position(end.line, end.column - 1)
            fix = Fix(f"Write `{ins.dest.text}/`", (Edit(Span(end, end), "/"),))
            yield Hit(
                ins.dest.span,
                {"instruction": ins.kind, "dest": ins.dest.text, "count": len(ins.sources)},
                fix,
            )


def _is_remote(source: str) -> bool:
    unquoted = source.strip("\"'")
    return bool(re.match(_URL, unquoted) or re.search(_GIT, unquoted))


def _is_archive(source: str) -> bool:
    return source.lower().strip("\"'").endswith(ARCHIVE_SUFFIXES)


def add_instead_of_copy(ctx: Context) -> Iterator[Hit]:
    """ADD of local files or folders that are not archives: COPY does the same without ADD's
    surprises (auto-extraction, URL fetching)."""
    for ins in ctx.instructions("ADD"):
        if not isinstance(ins, model.Add) or not ins.sources or ins.heredocs:
            continue
        texts = [s.text for s in ins.sources]
        if any(_is_remote(t) or _is_archive(t) or "$" in t for t in texts):
            continue
        if any(f.name in ("checksum", "keep-git-dir", "unpack") for f in ins.flags):
            continue
        fix = Fix(
            "Replace ADD with COPY",
            (Edit(ins.keyword.span, "COPY" if ins.keyword.text.isupper() else "copy"),),
        )
        yield Hit(ins.keyword.span, {"sources": " ".join(texts)}, fix)


def copy_then_extract(ctx: Context) -> Iterator[Hit]:
    """An archive copied with COPY and then extracted by a later RUN of the same stage: ADD would
    extract it in one layer without keeping the archive."""
    for stage in ctx.dockerfile.stages:
        copied: dict[str, model.Word] = {}  # the archive's name in the image -> its COPY source
        for ins in stage.instructions:
            if isinstance(ins, model.Copy) and ins.from_stage is None:
                dest = ins.dest.text.strip("\"'") if ins.dest is not None else "/"
                for source in ins.sources:
                    if _is_archive(source.text) and not _is_remote(source.text):
                        copied[_basename(source.text)] = source
                        if len(ins.sources) == 1 and _is_archive(dest):  # copied under a new name
                            copied[_basename(dest)] = source
            elif isinstance(ins, model.Run) and copied:
                for script in ctx.analysis.shell_scripts(ins):
                    for command in script.commands:
                        if not _extracts(command.name, [a.text for a in command.args]):
                            continue
                        for arg in command.args:
                            name = _basename(arg.value or arg.text)
                            if name in copied:
                                source = copied.pop(name)
                                yield Hit(
                                    source.span,
                                    {
                                        "archive": _basename(source.text),
                                        "line": command.offsets.span(command.start, command.end).start.line,
                                    },
                                )


def _basename(path: str) -> str:
    return path.strip("\"'").replace("\\", "/").rsplit("/", 1)[-1]


def _extracts(name: str, args: list[str]) -> bool:
    if name == "tar":
        return any(
            a in ("--extract", "--get") or (a.startswith("-") and not a.startswith("--") and "x" in a)
            for a in args
        ) or (bool(args) and not args[0].startswith("-") and "x" in args[0])
    return name in _EXTRACTORS


def _absolute(path: str) -> bool:
    p = path.strip("\"'")
    return p.startswith(("/", "$", "\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", p))


def copy_relative_dest_without_workdir(ctx: Context) -> Iterator[Hit]:
    """COPY/ADD to a relative destination in a stage (or its in-file ancestors) that never set a
    WORKDIR: the files land in the base image's working directory, whatever that is."""
    dockerfile = ctx.dockerfile
    workdir_set: dict[int, bool] = {}
    for stage in dockerfile.stages:
        image = stage.from_.image
        parent = dockerfile.stage_named(image.text) if image else None
        has_workdir = (
            parent is not None and parent.index < stage.index and workdir_set.get(parent.index, False)
        )
        for ins in stage.instructions:
            if isinstance(ins, model.Workdir):
                has_workdir = True
            elif (
                isinstance(ins, model.CopyLike)
                and ins.dest is not None
                and not has_workdir
                and not _absolute(ins.dest.text)
            ):
                yield Hit(ins.dest.span, {"instruction": ins.kind, "dest": ins.dest.text})
        workdir_set[stage.index] = has_workdir


def copy_entire_filesystem(ctx: Context) -> Iterator[Hit]:
    """``COPY --from=<stage> / /``: another stage's whole filesystem over this one. A stage built
    ``FROM scratch`` is left alone: there the copy flattens the other stage into one layer."""
    escape = ctx.dockerfile.escape
    for stage in ctx.dockerfile.stages:
        for ins in stage.instructions:
            if not isinstance(ins, model.Copy) or ins.from_stage is None or ins.dest is None:
                continue
            scope = ctx.analysis.scopes.at(ins)
            if _unquoted(scope.value(ins.dest.text, escape)) != "/":
                continue
            root = next((w for w in ins.sources if _unquoted(scope.value(w.text, escape)) == "/"), None)
            if root is None:
                continue
            image = base_of(ctx, stage).image
            if image is not None and is_scratch(image):
                continue
            yield Hit(Span(root.span.start, ins.dest.span.end), {"stage": ins.from_stage})


def _unquoted(value: str | None) -> str | None:
    return value.strip("\"'") if value is not None else None
