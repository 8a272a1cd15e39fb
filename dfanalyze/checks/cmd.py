"""Checks of the cmd family (DF200-DF239): CMD, ENTRYPOINT and HEALTHCHECK, what runs as PID 1.

The exec/shell form conversions shared by several rules live here: :func:`exec_form_of` turns a
shell-form command into the equivalent JSON array when the shell adds nothing to it, and
:func:`parse_loose_array` reads the almost-JSON arrays (single quotes, trailing commas) that BuildKit
silently takes as shell form (VOLUME uses it too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from msgspec import Struct

from dfanalyze.analysis.shell import SHELL_PROGRAMS, parse_shell
from dfanalyze.analysis.shell import Word as ShellWord
from dfanalyze.checks.base_image import lineage, root_image, root_image_info
from dfanalyze.checks.context import Context, Hit
from dfanalyze.findings import Edit, Fix
from dfanalyze.model import CommandInstruction, Healthcheck, Instruction, Onbuild, Stage, Word
from dfanalyze.parse.instructions import parse_duration
from dfanalyze.span import Span

COMMAND_KINDS = ("CMD", "ENTRYPOINT", "HEALTHCHECK")
_VARIABLE = re.compile(r"\$(?:\{?[A-Za-z_]|\()")
_OPERATORS = frozenset({"&&", "||", "|", ";", "&", ">", ">>", "<", "2>&1", "|&"})
_REDIRECT = re.compile(r"^[0-9]?>>?[^>]*$")
_GLOB_OR_EXPANSION = r"[*?\[~{}$`]"
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")


# --- where the commands are --------------------------------------------------------------------


def commands(ctx: Context, *kinds: str) -> Iterator[tuple[Stage, CommandInstruction]]:
    """Every command instruction of the given kinds, ONBUILD triggers included, with its stage."""
    for stage in ctx.dockerfile.stages:
        for ins in stage.instructions:
            inner = ins.child if isinstance(ins, Onbuild) else ins
            if isinstance(inner, CommandInstruction) and inner.kind in kinds:
                yield stage, inner


def _last(stage: Stage, kind: str) -> Instruction | None:
    found = stage.of_kind(kind)
    return found[-1] if found else None


def effective(ctx: Context, stage: Stage, kind: str) -> CommandInstruction | None:
    """The CMD/ENTRYPOINT/SHELL in force at the end of ``stage`` from this file (nearest stage wins);
    remembered for every stage of the chain walked to find it."""
    known: dict[int, CommandInstruction | None] = ctx.analysis.cached(f"cmd.effective.{kind}", dict)
    chain = lineage(ctx, stage)
    found: CommandInstruction | None = None
    walked = len(chain)
    for depth, member in enumerate(chain):
        if member.index in known:
            found, walked = known[member.index], depth
            break
        last = _last(member, kind)
        if isinstance(last, CommandInstruction):
            found, walked = last, depth + 1
            break
    for member in chain[:walked]:
        known[member.index] = found
    return found


def _shell_in_effect(ctx: Context, stage: Stage, ins: Instruction) -> bool:
    """Whether a SHELL instruction of this file applies at ``ins`` (in its stage or a parent)."""
    if any(i.kind == "SHELL" and i.line < ins.line for i in stage.instructions):
        return True
    return any(m.of_kind("SHELL") for m in lineage(ctx, stage)[1:])


def _runs_shell(words: tuple[str, ...]) -> bool:
    """``["sh", "-c", ...]``-like: the program is a shell reading a script argument."""
    if not words:
        return False
    program = words[0].replace("\\", "/").rsplit("/", 1)[-1]
    return program in SHELL_PROGRAMS and any(w.startswith("-") and "c" in w for w in words[1:3])


def _entrypoint_is_shell(ctx: Context, stage: Stage) -> bool:
    entrypoint = effective(ctx, stage, "ENTRYPOINT")
    return entrypoint is not None and entrypoint.json and _runs_shell(tuple(w.text for w in entrypoint.exec))


def _entrypoint_is_script(ctx: Context, stage: Stage) -> bool:
    """An exec-form ENTRYPOINT running a shell script (``docker-entrypoint.sh``, ``/entrypoint``):
    it receives CMD as arguments and may expand them itself (coturn's evaluates each one)."""
    entrypoint = effective(ctx, stage, "ENTRYPOINT")
    if entrypoint is None or not entrypoint.json or not entrypoint.exec:
        return False
    name = entrypoint.exec[0].text.replace("\\", "/").rsplit("/", 1)[-1]
    return name.endswith(".sh") or "entrypoint" in name


# --- shell form <-> exec form ------------------------------------------------------------------


def _plain_words(ins: CommandInstruction) -> tuple[ShellWord, ...] | None:
    """The words of a shell-form command that is one simple command and nothing else: no
    operators, redirections, assignments, comments or grouping between or around its words."""
    if ins.shell is None or ins.shell_offsets is None:
        return None
    text = ins.shell.text
    script = parse_shell(text, ins.shell_offsets)
    if script.errors or len(script.commands) != 1 or script.commands[0].name_word is None:
        return None
    words = script.commands[0].words
    edges = [0, *(o for w in words for o in (w.start, w.end)), len(text)]
    if any(text[a:b].strip() for a, b in zip(edges[::2], edges[1::2], strict=True)):
        return None
    return words


def exec_form_of(ins: CommandInstruction) -> list[str] | None:
    """The exec-form words that run exactly what ``ins``'s shell form runs, or None when the shell
    does some work: expansions, globs, operators, redirections, assignments."""
    words = _plain_words(ins)
    if words is None or any(w.value is None or re.search(_GLOB_OR_EXPANSION, w.text) for w in words):
        return None
    return [w.value for w in words if w.value is not None]


def json_array(words: list[str]) -> str:
    return json.dumps(words, ensure_ascii=False)


def array_fix(title: str, span: Span, words: list[str], *, safe: bool = True) -> Fix:
    """Replace ``span`` with ``words`` written as a JSON array."""
    array = json_array(words)
    return Fix(f"{title}: `{array}`", (Edit(span, array),), safe=safe)


# --- DF200: shell form --------------------------------------------------------------------------


def _execs(text: str) -> bool:
    """Whether the shell script starts or ends with ``exec ...``: the program then replaces the
    shell and gets the signals itself (``exec app``, ``setup && exec app``, a script whose last
    line is ``exec``)."""
    segments = [s.strip().lstrip("\\`").strip() for s in re.split(r"&&|\|\||;|\n", text)]
    commands = [s for s in segments if s and not s.startswith("#")]
    return any(re.match(r"exec\s", c) for c in commands[:1] + commands[-1:])


def shell_form_command(ctx: Context) -> Iterator[Hit]:
    for stage, ins in commands(ctx, "CMD", "ENTRYPOINT"):
        if ins.json or ins.shell is None or not ins.shell.text.strip():
            continue
        text = ins.shell.text
        if text.lstrip().startswith("[") or _execs(text):
            continue  # broken JSON is DF205's; `exec app` already replaces the shell
        if _shell_in_effect(ctx, stage, ins):
            continue
        words = exec_form_of(ins)
        fix = None
        if words is not None:
            # An ENTRYPOINT in exec form starts taking CMD as its arguments: behaviour changes.
            fix = array_fix("Use the exec form", ins.shell.span, words, safe=ins.kind == "CMD")
        elif _plain_words(ins) is not None:
            wrapped = ["/bin/sh", "-c", f"exec {text.strip()}"]
            fix = array_fix("Keep the shell but let `exec` replace it", ins.shell.span, wrapped, safe=False)
        yield Hit(ins.shell.span, {"instruction": ins.kind}, fix)


# --- DF202: a shell-form ENTRYPOINT ignores CMD ------------------------------------------------


def entrypoint_ignores_cmd(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        cmd = _last(stage, "CMD")
        entrypoint = effective(ctx, stage, "ENTRYPOINT")
        if cmd is None or entrypoint is None or entrypoint.json or entrypoint.shell is None:
            continue
        yield Hit(cmd.span, {"line": entrypoint.line})


# --- DF203: exec form that needs a shell -------------------------------------------------------


def _needs_shell(word: str) -> bool:
    return word in _OPERATORS or bool(_REDIRECT.match(word)) or bool(_VARIABLE.search(word))


def _first_needing_shell(words: tuple[Word, ...]) -> Word | None:
    """The first element that only a shell would understand; a script after ``-c``/``-e`` (for
    python, node, perl...) is another language and is not looked at."""
    for index, word in enumerate(words):
        if index and words[index - 1].text in ("-c", "-e"):
            continue
        if _needs_shell(word.text):
            return word
    return None


def exec_form_shell_features(ctx: Context) -> Iterator[Hit]:
    for stage, ins in commands(ctx, *COMMAND_KINDS):
        if not ins.json or _runs_shell(tuple(w.text for w in ins.exec)):
            continue
        if ins.kind == "CMD" and (_entrypoint_is_shell(ctx, stage) or _entrypoint_is_script(ctx, stage)):
            continue
        offending = _first_needing_shell(ins.exec)
        if offending is not None:
            program = ins.exec[0].text
            yield Hit(offending.span, {"element": offending.text, "program": program})


# --- DF204: ["npm start"] ------------------------------------------------------------------------


def _program_with_arguments(word: Word) -> bool:
    """Whether the program element holds arguments too: ``npm start``, ``/bin/app --flag``. A
    single space inside a path (``/opt/My App/run``) and Windows paths are taken as file names."""
    text = word.text
    if _WINDOWS_PATH.match(text) or "\\" in text:
        return False
    tokens = text.split()
    if len(tokens) < 2:
        return False
    if any(t.startswith("-") for t in tokens[1:]):
        return True
    return not (len(tokens) == 2 and "/" in tokens[1])


def exec_form_single_string(ctx: Context) -> Iterator[Hit]:
    for stage, ins in commands(ctx, *COMMAND_KINDS):
        if not ins.json or not ins.exec or not _program_with_arguments(ins.exec[0]):
            continue
        if ins.kind == "CMD" and _entrypoint_is_shell(ctx, stage):
            continue
        first = ins.exec[0]
        parts = first.text.split()
        fix = None
        if not re.search(r"[\"'\\$`|&;<>(){}*?\[\]~]", first.text):
            words = [*parts, *(w.text for w in ins.exec[1:])]
            start = ins.text.find("[")
            array_span = ins.offsets.span(start, len(ins.text.rstrip())) if start >= 0 else None
            if array_span is not None:
                fix = array_fix("Split the program from its arguments", array_span, words)
        yield Hit(first.span, {"element": first.text, "program": parts[0]}, fix)


# --- DF205: almost-JSON ---------------------------------------------------------------------


class LooseArray(Struct, frozen=True):
    """An array that is not valid JSON: its strings when they can be read, and what is wrong."""

    items: tuple[str, ...] | None
    problem: str


_ITEM = r"""\s*(?:'([^']*)'|("(?:[^"\\]|\\.)*"))\s*(,?)"""


def parse_loose_array(text: str) -> LooseArray | None:
    """Read ``text`` that starts with ``[`` but is not valid JSON; None when it is valid JSON."""
    stripped = text.strip()
    try:
        json.loads(stripped)
    except ValueError:
        pass
    else:
        return None
    problem = "it is not valid JSON"
    if "'" in stripped:
        problem = "JSON strings need double quotes, not single quotes"
    elif not stripped.endswith("]"):
        problem = "the closing `]` is missing or followed by other text"
    elif re.search(r",\s*\]$", stripped):
        problem = "JSON does not allow a comma after the last element"
    items: list[str] = []
    position = 1
    trailing_comma = False
    item = re.compile(_ITEM)
    while True:
        match = item.match(stripped, position)
        if match is None:
            break
        single, double, comma = match.groups()
        try:
            items.append(single if single is not None else json.loads(double))
        except ValueError:
            return LooseArray(None, problem)
        position = match.end()
        trailing_comma = bool(comma)
        if not comma:
            break
    rest = stripped[position:].strip()
    if rest != "]" or (not items and trailing_comma):
        return LooseArray(None, problem)
    return LooseArray(tuple(items), problem)


# A shell command that starts with the test command `[` (`[ -e /tmp/.lock ] || exit 1`): its first
# word is `[` alone and no comma comes before the `]` word that closes the test.
_SHELL_TEST = re.compile(r"\[\s[^,]*?\s\](?:\s|$)")


def _instruction_rest(ins: CommandInstruction) -> Word | None:
    """The text BuildKit took as a shell command, when it starts like a JSON array (and is not
    a shell command starting with the test command ``[``)."""
    if ins.json or ins.shell is None:
        return None
    text = ins.shell.text.lstrip()
    if not text.startswith("[") or _SHELL_TEST.match(text):
        return None
    return ins.shell


def invalid_json_exec_form(ctx: Context) -> Iterator[Hit]:
    for _, ins in commands(ctx, *COMMAND_KINDS):
        word = _instruction_rest(ins)
        if word is None:
            continue
        loose = parse_loose_array(word.text)
        if loose is None:
            continue
        fix = None
        suggestion = ""
        if loose.items is not None:
            suggestion = f": write `{json_array(list(loose.items))}`"
            fix = array_fix("Rewrite it as JSON", word.span, list(loose.items))
        yield Hit(
            word.span,
            {"instruction": ins.kind, "problem": loose.problem, "suggestion": suggestion},
            fix,
        )


# --- DF206: nothing to run --------------------------------------------------------------------


def missing_command(ctx: Context) -> Iterator[Hit]:
    stages = ctx.dockerfile.stages
    if not stages:
        return
    final = stages[-1]
    chain = lineage(ctx, final)
    if any(m.of_kind("CMD", "ENTRYPOINT") for m in chain):
        return
    root = root_image(ctx, final)
    if root is None:
        return
    if not (root.registry is None and root.repository.lower() == "scratch" and root.tag is None):
        return  # an external image: its CMD is inherited, or unknown
    yield Hit(final.from_.span)


# --- DF207: HEALTHCHECK in shell form --------------------------------------------------------


def _without_shell(ctx: Context, stage: Stage) -> str | None:
    """Why the image has no ``/bin/sh`` (built on scratch or distroless), or None."""
    root = root_image(ctx, stage)
    if root is not None and root.registry is None and root.repository.lower() == "scratch":
        return "it is built on `scratch`, which has no shell"
    info = root_image_info(ctx, stage)
    if info is not None and info.family == "distroless" and "debug" not in (info.variant or ""):
        return "distroless images have no shell"
    return None


def healthcheck_shell_form(ctx: Context) -> Iterator[Hit]:
    for stage, ins in commands(ctx, "HEALTHCHECK"):
        if ins.json or ins.shell is None or not ins.shell.text.strip():
            continue
        if ins.shell.text.lstrip().startswith("["):
            continue  # DF205
        words = exec_form_of(ins)
        missing = _without_shell(ctx, stage)
        if missing is not None:
            reason = f"but {missing}: the check can never pass"
        elif words is not None:
            reason = "an extra process at every check for no shell feature"
        else:
            continue
        fix = array_fix("Use the exec form", ins.shell.span, words) if words is not None else None
        yield Hit(ins.shell.span, {"reason": reason}, fix)


# --- DF208: HEALTHCHECK too often -------------------------------------------------------------


def healthcheck_interval(ctx: Context) -> Iterator[Hit]:
    configured = str(ctx.options.get("min-interval", "5s"))
    minimum = parse_duration(configured)
    if minimum is None:
        raise ValueError(f"min-interval: {configured!r} is not a duration such as 5s or 1m30s")
    for _, ins in commands(ctx, "HEALTHCHECK"):
        if not isinstance(ins, Healthcheck) or ins.interval is None or not 0 < ins.interval < minimum:
            continue
        flag = ins.flag("interval")
        if flag is not None:
            yield Hit(flag.span, {"value": flag.value, "minimum": configured})
