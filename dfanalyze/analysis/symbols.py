"""Where stage names and build variables are defined and used: the index an editor needs for "go to
definition", "find references", "rename" and "highlight".

Stages: a stage is defined by ``FROM image AS name`` and used by ``FROM name``, ``COPY --from=name``
and ``RUN --mount=from=name`` (a name refers only to an earlier stage, as in BuildKit; an index such
as ``--from=0`` is a use too, never renamed).

Variables: a definition is a name of an ``ARG`` or a key of an ``ENV``. A use is a ``$name`` or
``${name...}`` in a word BuildKit expands (FROM, COPY, ADD, ENV, ARG defaults, WORKDIR, USER,
EXPOSE, VOLUME, STOPSIGNAL, LABEL, the flags it expands), in a RUN's shell text and in the heredoc
scripts it expands (the shell sees ARGs and ENVs as environment variables), and in the shell form
of CMD, ENTRYPOINT and HEALTHCHECK (only ENVs exist when the container runs). Each use is linked to
the definition in effect there, following :mod:`dfanalyze.analysis.scope`: the stage's latest ARG
or ENV of that name before the instruction (ENV over ARG), an ENV inherited from the stage it is
built ``FROM``, and for FROM lines the global ARGs. A name no definition provides (a variable of
the base image, a shell variable) is not indexed. An in-stage ``ARG NAME`` without a default that
imports a global ARG is a definition that points at the global one (:attr:`Definition.imports`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from msgspec import Struct, field

from dfanalyze import model
from dfanalyze.analysis.expand import UNKNOWN, ExpansionError, Unknown, expand_static, references
from dfanalyze.analysis.scope import Scope, Scopes, compute_scopes
from dfanalyze.model import Dockerfile, Instruction, Word
from dfanalyze.span import OffsetMap, Position, Span

SymbolKind = Literal["stage", "variable"]
_SHELL_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
_MOUNT_FROM = re.compile(r"(?:^--mount=|,)from=([^,]*)")
_RUNTIME_KINDS = frozenset({"CMD", "ENTRYPOINT", "HEALTHCHECK"})


class Definition(Struct, frozen=True):
    """A stage name (``FROM ... AS name``) or a variable (an ARG name, an ENV key)."""

    index: int
    kind: SymbolKind
    name: str
    span: Span
    instruction: Instruction
    stage: int | None  # None for a global ARG
    declared_by: str  # "FROM", "ARG" or "ENV"
    imports: int | None = None  # an in-stage ``ARG NAME`` without default: the global ARG it takes
    following: Instruction | None = None  # the next instruction of the stage (the first to see it)


class Use(Struct, frozen=True):
    """A reference to a definition."""

    definition: int
    span: Span
    instruction: Instruction
    by_index: bool = False  # ``--from=0``: the stage is named by its index, not its name


class Occurrence(Struct, frozen=True):
    """What sits at a position: a definition, or a use of one."""

    definition: Definition
    use: Use | None  # None when the position is on the definition itself

    @property
    def span(self) -> Span:
        return self.use.span if self.use is not None else self.definition.span


class SymbolIndex(Struct):
    """Every definition of a file and every use linked to one, and the variables' values."""

    scopes: Scopes
    definitions: list[Definition] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)

    def value(self, definition: Definition) -> str | Unknown | None:
        """:func:`definition_value` of ``definition``."""
        return definition_value(definition, self.scopes)

    def visible(self, instruction: Instruction) -> dict[str, str | Unknown]:
        """The variables ``instruction`` sees and their values (ARGs, ENVs over them)."""
        return dict(self.scopes.at(instruction).variables)

    def at(self, position: Position) -> Occurrence | None:
        """The definition or use whose span holds ``position`` (its end included: a cursor just
        after a name is still on it)."""
        for use in self.uses:
            if _holds(use.span, position):
                return Occurrence(self.definitions[use.definition], use)
        for definition in self.definitions:
            if _holds(definition.span, position):
                return Occurrence(definition, None)
        return None

    def uses_of(self, definition: Definition) -> list[Use]:
        return [u for u in self.uses if u.definition == definition.index]

    def stages(self) -> list[Definition]:
        return [d for d in self.definitions if d.kind == "stage"]


def _holds(span: Span, position: Position) -> bool:
    return span.start <= position <= span.end


def _sub_span(word_text: str, span: Span, start: int, end: int) -> Span | None:
    """The span of ``word_text[start:end]`` for a word written on one line (None otherwise)."""
    first, last = span.start, span.end
    if first.line != last.line or last.column - first.column != len(word_text):
        return None
    return Span.of(first.line, first.column + start, first.line, first.column + end)


class _Builder:
    """Walks the file once, in order, keeping the definitions in effect."""

    def __init__(self, dockerfile: Dockerfile, scopes: Scopes) -> None:
        self.dockerfile = dockerfile
        self.index = SymbolIndex(scopes)
        self.stage_defs: dict[int, int] = {}  # stage index -> definition of its name
        self.globals: dict[str, int] = {}
        self.stage_env: list[dict[str, int]] = []  # ENV definitions at the end of each stage

    def define(
        self,
        kind: SymbolKind,
        name: str,
        span: Span,
        ins: Instruction,
        stage: int | None,
        by: str,
        following: Instruction | None = None,
    ) -> int:
        number = len(self.index.definitions)
        imports = self.globals.get(name) if by == "ARG-import" else None
        self.index.definitions.append(
            Definition(number, kind, name, span, ins, stage, by.removesuffix("-import"), imports, following)
        )
        return number

    def build(self) -> SymbolIndex:
        for arg in self.dockerfile.global_args:
            self.variables_in(arg, self.globals, {}, runtime=False)
            for decl in arg.decls:
                self.globals[decl.name] = self.define(
                    "variable", decl.name, _name_span(decl.word, decl.name), arg, None, "ARG"
                )
        for stage in self.dockerfile.stages:
            self.stage(stage)
        return self.index

    def stage(self, stage: model.Stage) -> None:
        from_ = stage.from_
        self.variables_in(from_, self.globals, {}, runtime=False)
        parent = self.stage_use(from_.image, from_, stage.index) if from_.image is not None else None
        if from_.stage_name is not None:
            self.stage_defs[stage.index] = self.define(
                "stage", from_.stage_name.text, from_.stage_name.span, from_, stage.index, "FROM"
            )
        args: dict[str, int] = {}
        env: dict[str, int] = dict(self.stage_env[parent]) if parent is not None else {}
        following = [*stage.instructions[1:], None][: len(stage.instructions)]
        for ins, after in zip(stage.instructions, following, strict=True):
            self.instruction(ins, stage.index, args, env, after)
        self.stage_env.append(env)

    def instruction(
        self,
        ins: Instruction,
        stage: int,
        args: dict[str, int],
        env: dict[str, int],
        after: Instruction | None,
    ) -> None:
        if isinstance(ins, model.Copy) and ins.from_stage is not None:
            flag = ins.flag("from")
            if flag is not None and flag.value is not None:
                self.stage_use(Word(flag.value, _tail_span(flag)), ins, stage)
        for flag in ins.flags_named("mount") if isinstance(ins, model.Run) else ():
            for found in _MOUNT_FROM.finditer(flag.text):
                span = _sub_span(flag.text, flag.span, found.start(1), found.end(1))
                if span is not None and found.group(1):
                    self.stage_use(Word(found.group(1), span), ins, stage)
        self.variables_in(ins, args, env, runtime=ins.kind in _RUNTIME_KINDS)
        if isinstance(ins, model.Arg):
            for decl in ins.decls:
                how = "ARG-import" if decl.default is None and decl.name in self.globals else "ARG"
                span = _name_span(decl.word, decl.name)
                args[decl.name] = self.define("variable", decl.name, span, ins, stage, how, after)
        elif isinstance(ins, model.Env):
            for pair in ins.pairs:
                key = pair.key
                env[key.text] = self.define("variable", key.text, key.span, ins, stage, "ENV", after)

    def stage_use(self, word: Word, ins: Instruction, stage: int) -> int | None:
        """Link a stage reference to an earlier stage; the stage it names, if any."""
        text = word.text
        lowered = text.lower()
        earlier = self.dockerfile.stages[:stage]
        found = next((s.index for s in earlier if s.name == lowered), None)
        by_index = found is None and text.isdigit() and int(text) < len(earlier)
        if by_index:
            found = int(text)
        if found is None:
            return None
        definition = self.stage_defs.get(found)
        if definition is not None:
            self.index.uses.append(Use(definition, word.span, ins, by_index))
        return found

    def variables_in(
        self, ins: Instruction, args: dict[str, int], env: dict[str, int], *, runtime: bool
    ) -> None:
        """Link the variable references of ``ins`` to the definitions in effect before it."""
        visible = dict(env) if runtime else {**args, **env}
        if not visible:
            return
        for name, span in _references(ins, self.dockerfile.escape):
            definition = visible.get(name)
            if definition is not None:
                self.index.uses.append(Use(definition, span, ins))


def _name_span(word: Word, name: str) -> Span:
    start = word.span.start
    return Span(start, Position(start.line, start.column + len(name)))


def _tail_span(flag: model.Flag) -> Span:
    """The span of a flag's value (after ``--name=``)."""
    skip = len(flag.name) + 3
    span = _sub_span(flag.text, flag.span, skip, len(flag.text))
    return span if span is not None else flag.span


def _expanded_words(ins: Instruction) -> list[tuple[str, Span]]:
    """The words of ``ins`` that BuildKit expands, as (text, span), where a ``$`` is."""
    words: list[tuple[str, Span]] = []
    if isinstance(ins, model.KeyValueInstruction):
        words += [(p.value.text, p.value.span) for p in ins.pairs]
    elif isinstance(ins, model.Arg):
        for decl in ins.decls:
            if decl.default is not None:
                skip = len(decl.name) + 1
                span = _sub_span(decl.word.text, decl.word.span, skip, len(decl.word.text))
                if span is not None:
                    words.append((decl.word.text[skip:], span))
    elif isinstance(ins, model.From):
        words += [(ins.image.text, ins.image.span)] if ins.image is not None else []
    elif isinstance(ins, model.CopyLike | model.Expose | model.Volume | model.SingleValue):
        words += [(w.text, w.span) for w in ins.args]
    for flag in ins.flags:
        if flag.value is not None:
            span = _sub_span(flag.text, flag.span, len(flag.name) + 3, len(flag.text))
            if span is not None:
                words.append((flag.value, span))
    return [(text, span) for text, span in words if "$" in text]


def _references(ins: Instruction, escape: str) -> list[tuple[str, Span]]:
    """Every variable name ``ins`` references, with its span."""
    found: list[tuple[str, Span]] = []
    for text, span in _expanded_words(ins):
        try:
            refs = references(text, escape)
        except ExpansionError:
            continue
        for ref in refs:
            start = ref.start + (2 if text.startswith("${", ref.start) else 1)
            sub = _sub_span(text, span, start, start + len(ref.name))
            if sub is not None:
                found.append((ref.name, sub))
    if isinstance(ins, model.CommandInstruction) and ins.shell is not None and ins.shell_offsets is not None:
        found += _shell_references(ins.shell.text, ins.shell_offsets)
    if isinstance(ins, model.Run):
        for heredoc in ins.heredocs:
            if heredoc.expand:
                found += _shell_references(heredoc.content, heredoc.body_offsets)
    return found


def _shell_references(text: str, offsets: OffsetMap) -> list[tuple[str, Span]]:
    """``$name`` and ``${name`` in shell text outside single quotes, mapped to the source."""
    found: list[tuple[str, Span]] = []
    quoted = _single_quoted(text)
    for match in _SHELL_VARIABLE.finditer(text):
        if quoted[match.start()] or (match.start() > 0 and text[match.start() - 1] == "\\"):
            continue
        group = 1 if match.group(1) is not None else 2
        found.append((match.group(group), offsets.span(match.start(group), match.end(group))))
    return found


def _single_quoted(text: str) -> list[bool]:
    """For each character of shell text: inside single quotes (where ``$`` is literal)."""
    inside = [False] * (len(text) + 1)
    single = double = False
    escaped = False
    for i, ch in enumerate(text):
        inside[i] = single
        if escaped:
            escaped = False
        elif ch == "\\" and not single:
            escaped = True
        elif ch == "'" and not double:
            single = not single
        elif ch == '"' and not single:
            double = not double
    return inside


def symbol_index(dockerfile: Dockerfile, build_args: Mapping[str, str] | None = None) -> SymbolIndex:
    """The stage and variable index of a parsed file, variables valued with ``build_args``
    (never raises on a broken file)."""
    return _Builder(dockerfile, compute_scopes(dockerfile, build_args or {})).build()


def definition_value(definition: Definition, scopes: Scopes) -> str | Unknown | None:
    """The value a variable definition gives, as the next instruction of its stage sees it
    (:data:`UNKNOWN` when static analysis cannot know it; None for a stage). For an ARG that ends
    its stage, the default expanded where it is declared (a build argument is not seen there)."""
    if definition.kind != "variable":
        return None
    ins = definition.instruction
    name = definition.name
    if definition.stage is None:
        return scopes.global_scope.args.get(name, UNKNOWN)
    if isinstance(ins, model.Env):
        following = scopes.stage_env[definition.stage] if definition.stage < len(scopes.stage_env) else {}
        after = _next_scope(definition, scopes)
        return (after.env if after is not None else following).get(name, UNKNOWN)
    after = _next_scope(definition, scopes)
    if after is not None:
        return after.args.get(name, UNKNOWN)
    if definition.imports is not None:
        return scopes.global_scope.args.get(name, UNKNOWN)
    decl = next((d for d in ins.decls if d.name == name), None) if isinstance(ins, model.Arg) else None
    if decl is None or decl.default is None:
        return UNKNOWN
    try:
        value = expand_static(decl.default, scopes.at(ins).variables, scopes.escape).value
    except ExpansionError:
        return UNKNOWN
    return UNKNOWN if value is None else value


def _next_scope(definition: Definition, scopes: Scopes) -> Scope | None:
    """The scope of the instruction after the definition's, in its stage (None at the end)."""
    return scopes.at(definition.following) if definition.following is not None else None
