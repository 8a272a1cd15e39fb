"""Checks of the volume family (DF300-DF339): VOLUME declarations and where persistent data lives.

Every check reads one shared per-stage timeline (:func:`timeline`): before each instruction, the
WORKDIR in force and the volumes already declared, whether by this stage, by a stage it is built on,
or by the base image (as the image data file lists them). Paths are read after ARG/ENV expansion;
an unknown path or WORKDIR keeps the checks silent.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from msgspec import Struct

from dfanalyze.checks.base_image import base_of, final_lineage, is_scratch, lineage, root_image_info
from dfanalyze.checks.cmd import array_fix, parse_loose_array
from dfanalyze.checks.context import Context, Hit
from dfanalyze.findings import Edit, Fix
from dfanalyze.model import CommandInstruction, CopyLike, Env, Instruction, Run, Stage, Volume, Word, Workdir
from dfanalyze.span import Span

SYSTEM_DIRECTORIES = frozenset(
    {
        "/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run",
        "/sbin", "/sys", "/usr", "/usr/bin", "/usr/lib", "/usr/local", "/usr/local/bin",
        "/usr/local/lib", "/usr/sbin", "/usr/share", "/var", "/var/lib",
    }
)  # fmt: skip
READ_ONLY_COMMANDS = frozenset(
    {
        "cat", "ls", "test", "[", "[[", "grep", "head", "tail", "stat", "du", "df", "wc", "file",
        "readlink", "realpath", "diff", "cmp", "md5sum", "sha1sum", "sha256sum", "sha512sum", "echo",
        "printf", "find", "cd",
    }
)  # fmt: skip
# Command-line options that move a database's data directory, per image family.
DATA_DIR_FLAGS = {
    "mysql": ("--datadir",),
    "mariadb": ("--datadir",),
    "mongo": ("--dbpath",),
    "redis": ("--dir",),
}
_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")


# --- the timeline ---------------------------------------------------------------------------------


class Declared(Struct, frozen=True):
    """A volume in force: its normalised path and where it was declared."""

    path: str
    where: str


class Step(Struct, frozen=True):
    """The state just before one instruction of a stage."""

    instruction: Instruction
    workdir: str | None  # None when unknown
    volumes: tuple[Declared, ...]


class StageState(Struct, frozen=True):
    """The volumes and WORKDIR in force at one point of a stage."""

    steps: tuple[Step, ...]
    workdir: str | None  # at the end of the stage
    volumes: tuple[Declared, ...]


def normalise(path: str) -> str:
    """``path`` without ``.``/``..`` segments, duplicate or trailing slashes (relative stays relative)."""
    if not path:
        return path
    cleaned = posixpath.normpath(path)
    return "/" if cleaned == "//" else cleaned


def under(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or inside it (both normalised, absolute)."""
    return root in (path, "/") or path.startswith(root + "/")


def _resolve(path: str, workdir: str | None) -> str | None:
    if path.startswith("/"):
        return normalise(path)
    return normalise(posixpath.join(workdir, path)) if workdir is not None else None


def _expanded(ctx: Context, ins: Instruction, text: str) -> str | None:
    return ctx.analysis.scopes.at(ins).value(text, ctx.dockerfile.escape)


def looks_like_broken_json(ins: Volume) -> bool:
    return not ins.json and bool(ins.paths) and ins.paths[0].text.startswith("[")


def volume_paths(ctx: Context, ins: Volume) -> Iterator[tuple[Word, str]]:
    """Each VOLUME word with its expanded, normalised path (unknown ones left out)."""
    if looks_like_broken_json(ins):
        return
    for word in ins.paths:
        value = _expanded(ctx, ins, word.text)
        if value:
            yield word, normalise(value)


def _inherited(ctx: Context, stage: Stage) -> tuple[str | None, tuple[Declared, ...]]:
    base = base_of(ctx, stage)
    if base.stage is not None:
        state = timeline(ctx, base.stage)
        return state.workdir, state.volumes
    if base.image is None:
        return None, ()
    if is_scratch(base.image):
        return "/", ()
    info = root_image_info(ctx, stage)
    if info is None:
        return None, ()
    where = f"by the base image `{base.image.text}`"
    return info.workdir, tuple(Declared(normalise(v), where) for v in info.volumes or ())


def timeline(ctx: Context, stage: Stage) -> StageState:
    """The WORKDIR and volumes before each instruction of ``stage`` (computed once per file)."""
    key = f"volume.timeline.{stage.index}"
    state: StageState = ctx.analysis.cached(key, lambda: _compute_timeline(ctx, stage))
    return state


def _compute_timeline(ctx: Context, stage: Stage) -> StageState:
    workdir, volumes = _inherited(ctx, stage)
    steps: list[Step] = []
    for ins in stage.instructions:
        steps.append(Step(ins, workdir, volumes))
        if isinstance(ins, Workdir) and ins.value is not None:
            value = _expanded(ctx, ins, ins.value.text)
            workdir = _resolve(value, workdir) if value else None
        elif isinstance(ins, Volume):
            declared = [Declared(p, f"on line {ins.line}") for _, p in volume_paths(ctx, ins)]
            volumes = (*volumes, *(d for d in declared if d.path.startswith("/")))
    return StageState(tuple(steps), workdir, volumes)


def _covering(path: str, volumes: tuple[Declared, ...]) -> Declared | None:
    return next((v for v in volumes if under(path, v.path)), None)


def _volume_steps(ctx: Context) -> Iterator[tuple[Stage, Step, Volume]]:
    """Every VOLUME of the file with its stage and the state just before it."""
    for stage in ctx.dockerfile.stages:
        for step in timeline(ctx, stage).steps:
            if isinstance(step.instruction, Volume):
                yield stage, step, step.instruction


# --- DF300: writes under a volume -----------------------------------------------------------------


def _candidate_paths(value: str) -> Iterator[str]:
    """Absolute paths in a word: the word itself, or the value of ``--option=/path``."""
    if value.startswith("/"):
        yield value
    _, eq, after = value.partition("=")
    if eq and after.startswith("/"):
        yield after


def _run_words(ctx: Context, ins: Run) -> Iterator[tuple[str, Span]]:
    """Values (ARG/ENV expanded) and spans of the RUN words that may name a written path: the
    arguments of commands that are not read-only, and the targets of output redirections."""
    if ins.json:
        yield from ((w.text, w.span) for w in ins.exec[1:])
        return
    for script in ctx.analysis.shell_scripts(ins):
        for command in script.all_commands():
            targets = [r.target for r in command.redirections if r.operator.startswith((">", "&>", "<>"))]
            arguments = () if command.program in READ_ONLY_COMMANDS else command.args
            for word in (*arguments, *(t for t in targets if t is not None)):
                value = word.value if word.value is not None else _expanded(ctx, ins, word.text)
                if value is not None:
                    yield value, word.span


def _written_paths(ctx: Context, step: Step) -> Iterator[tuple[str, Span]]:
    ins = step.instruction
    if isinstance(ins, CopyLike) and ins.dest is not None:
        value = _expanded(ctx, ins, ins.dest.text)
        path = _resolve(value, step.workdir) if value else None
        if path is not None:
            yield path, ins.dest.span
    elif isinstance(ins, Run):
        mounted = [normalise(m.target) for m in ins.mounts if m.target and m.target.startswith("/")]
        for value, span in _run_words(ctx, ins):
            for path in map(normalise, _candidate_paths(value)):
                if not any(under(path, target) for target in mounted):  # writes go to the mount
                    yield path, span


def write_under_volume(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        for step in timeline(ctx, stage).steps:
            if not step.volumes:
                continue
            for path, span in _written_paths(ctx, step):
                volume = _covering(path, step.volumes)
                if volume is not None:
                    instruction = step.instruction.kind
                    yield Hit(
                        span,
                        {
                            "path": path,
                            "volume": volume.path,
                            "where": volume.where,
                            "instruction": instruction,
                        },
                    )
                    break


# --- DF301: VOLUME with broken JSON ---------------------------------------------------------------


def invalid_json_volume(ctx: Context) -> Iterator[Hit]:
    for ins in ctx.instructions("VOLUME"):
        if not isinstance(ins, Volume) or not looks_like_broken_json(ins):
            continue
        span = Span(ins.paths[0].span.start, ins.paths[-1].span.end)
        start = ins.text.find(ins.paths[0].text)
        loose = parse_loose_array(ins.text[start:])
        if loose is None:
            continue
        fix = None
        paths = ", ".join(f"`{w.text}`" for w in ins.paths)
        if loose.items is not None:
            fix = array_fix("Rewrite it as JSON", span, list(loose.items))
        yield Hit(span, {"problem": loose.problem, "paths": paths}, fix)


# --- DF302: code or configuration inside a volume -------------------------------------------------


def _copied_into(
    ctx: Context, chain: tuple[Stage, ...], stop: Instruction, path: str
) -> tuple[str, int] | None:
    """The first COPY/ADD destination at or under ``path``, in the chain up to ``stop``."""
    for member in reversed(chain):
        for step in timeline(ctx, member).steps:
            if step.instruction is stop:
                return None
            ins = step.instruction
            if isinstance(ins, CopyLike) and ins.dest is not None:
                value = _expanded(ctx, ins, ins.dest.text)
                dest = _resolve(value, step.workdir) if value else None
                if dest is not None and under(dest, path):
                    return dest, ins.line
    return None


def _built_in(ctx: Context, stage: Stage, stop: Instruction, path: str) -> int | None:
    """The line of a RUN/COPY/ADD that ran with ``path`` as WORKDIR before ``stop``."""
    for step in timeline(ctx, stage).steps:
        if step.instruction is stop:
            return None
        if step.workdir == path and step.instruction.kind in ("RUN", "COPY", "ADD"):
            return step.instruction.line
    return None


def volume_over_content(ctx: Context) -> Iterator[Hit]:
    for stage, step, ins in _volume_steps(ctx):
        for word, path in volume_paths(ctx, ins):
            if not path.startswith("/") or path in SYSTEM_DIRECTORIES:
                continue
            copied = _copied_into(ctx, lineage(ctx, stage), ins, path)
            if copied is not None:
                what = f"`{copied[0]}`, which line {copied[1]} copies into the image"
                yield Hit(word.span, {"volume": path, "what": what})
                continue
            built = _built_in(ctx, stage, ins, path) if step.workdir == path else None
            if built is not None:
                what = f"the WORKDIR where line {built} builds files into the image"
                yield Hit(word.span, {"volume": path, "what": what})


# --- DF303: VOLUME outside the final image ------------------------------------------------------


def volume_in_build_stage(ctx: Context) -> Iterator[Hit]:
    final = {s.index for s in final_lineage(ctx)}
    for stage in ctx.dockerfile.stages:
        if stage.index in final:
            continue
        for ins in stage.of_kind("VOLUME"):
            yield Hit(ins.span, {"stage": stage.label})


# --- DF304: duplicate or nested volumes -----------------------------------------------------------


def _relation(path: str, other: Declared) -> str | None:
    if path == other.path:
        return f"is already a volume, declared {other.where}"
    if under(path, other.path):
        return f"is inside the volume `{other.path}` declared {other.where}"
    if under(other.path, path):
        return f"contains the volume `{other.path}` declared {other.where}"
    return None


def duplicate_volume(ctx: Context) -> Iterator[Hit]:
    for _, step, ins in _volume_steps(ctx):
        seen = list(step.volumes)
        for word, path in volume_paths(ctx, ins):
            if not path.startswith("/"):
                continue
            relation = next((r for other in seen if (r := _relation(path, other)) is not None), None)
            if relation is not None:
                yield Hit(word.span, {"path": path, "relation": relation})
            seen.append(Declared(path, f"on line {ins.line}"))


# --- DF305: relative path ---------------------------------------------------------------------------


def _replacement(ins: Volume, path: str) -> str | None:
    """How ``path`` is written in place of ``word`` (quoted in the JSON form)."""
    if ins.json:
        return json.dumps(path, ensure_ascii=False)
    return None if re.search(r"\s", path) else path


def relative_volume(ctx: Context) -> Iterator[Hit]:
    declared: dict[int, list[str]] = {}  # the absolute volume paths of each stage
    for stage, _, ins in _volume_steps(ctx):
        declared.setdefault(stage.index, []).extend(p for _, p in volume_paths(ctx, ins) if p.startswith("/"))
    for stage, step, ins in _volume_steps(ctx):
        for word, path in volume_paths(ctx, ins):
            if path.startswith("/") or _WINDOWS_ABSOLUTE.match(path):
                continue
            absolute = _resolve(path, step.workdir)
            hint = f", here `{absolute}`" if absolute is not None else ""
            fix = None
            text = _replacement(ins, absolute) if absolute is not None else None
            nests = absolute is not None and any(
                _nested(absolute, other) for other in declared.get(stage.index, ())
            )
            if text is not None and "$" not in word.text and not nests:  # a nested volume is DF304
                fix = Fix(f"Use the absolute path `{absolute}`", (Edit(word.span, text),), safe=False)
            yield Hit(word.span, {"path": path, "hint": hint}, fix)


def _nested(a: str, b: str) -> bool:
    """``a`` and ``b`` are the same folder, or one holds the other."""
    a, b = a.rstrip("/") or "/", b.rstrip("/") or "/"
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


# --- DF306: system directories --------------------------------------------------------------------


def system_directory_volume(ctx: Context) -> Iterator[Hit]:
    for ins in ctx.instructions("VOLUME"):
        if not isinstance(ins, Volume):
            continue
        for word, path in volume_paths(ctx, ins):
            if path in SYSTEM_DIRECTORIES:
                yield Hit(word.span, {"path": path})


# --- DF307: a database's data directory moved out of its volume ----------------------------------


def _option_values(ins: CommandInstruction, flags: tuple[str, ...]) -> Iterator[tuple[str, Span]]:
    """Values of ``--flag=value`` / ``--flag value`` in an exec-form CMD or ENTRYPOINT."""
    words = ins.exec
    for index, word in enumerate(words):
        for flag in flags:
            if word.text.startswith(flag + "="):
                yield word.text[len(flag) + 1 :], word.span
            elif word.text == flag and index + 1 < len(words):
                yield words[index + 1].text, words[index + 1].span


def _moved_data_dirs(
    ctx: Context, stage: Stage, family: str, env_name: str | None
) -> Iterator[tuple[Step, str, Span]]:
    for step in timeline(ctx, stage).steps:
        ins = step.instruction
        if isinstance(ins, Env) and env_name is not None:
            for pair in ins.pairs:
                if pair.key.text == env_name:
                    value = ctx.analysis.scopes.at(ins).value(pair.value.text, ctx.dockerfile.escape)
                    if value:
                        yield step, value, pair.value.span
        elif isinstance(ins, CommandInstruction) and ins.json and ins.kind in ("CMD", "ENTRYPOINT"):
            for value, span in _option_values(ins, DATA_DIR_FLAGS.get(family, ())):
                yield step, value, span


def data_dir_outside_volume(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        info = root_image_info(ctx, stage)
        if info is None or not info.volumes:
            continue
        if info.data_dir_env is None and info.family not in DATA_DIR_FLAGS:
            continue
        final_volumes = timeline(ctx, stage).volumes
        for step, value, span in _moved_data_dirs(ctx, stage, info.family, info.data_dir_env):
            path = _resolve(value, step.workdir)
            if path is None or _covering(path, final_volumes) is not None:
                continue
            volumes = ", ".join(f"`{v}`" for v in info.volumes)
            yield Hit(span, {"path": path, "image": info.label, "volumes": volumes})
