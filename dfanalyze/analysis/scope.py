"""ARG and ENV scoping, as BuildKit applies it, computed once per file.

- ARGs before the first FROM are global: visible in FROM lines only, and inside a stage only after
  ``ARG NAME`` re-declares them (then with the global value).
- Inside a stage, ``ARG NAME[=default]`` and ``ENV`` define variables from the *next* instruction on;
  within one ENV instruction every reference sees the values from before it. ENV wins over ARG.
- A stage ``FROM <earlier stage>`` inherits that stage's ENV (not its ARGs).
- ``--build-arg NAME=VALUE`` overrides an ARG's default; an ARG with no default and no build arg, and
  the predefined platform args, are *unknown* (:data:`UNKNOWN`), never silently empty.

Each instruction's ARGs and ENV are persistent maps (:class:`immutables.Map`, a hash array mapped
trie): an ARG or ENV line makes a new map that shares everything unchanged with the one before, so a
stage of thousands of declarations costs memory in proportion to them, not to their square (copying
dicts at each instruction took 2.1 GB for 12,500 ARG lines).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property

from immutables import Map
from msgspec import Struct

from dfanalyze import model
from dfanalyze.analysis.expand import (
    UNKNOWN,
    Expansion,
    ExpansionError,
    ExpansionLimit,
    Unknown,
    expand_static,
)
from dfanalyze.model import Dockerfile, ImageRef, Instruction
from dfanalyze.span import Span

Value = str | Unknown

PLATFORM_ARGS = (
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
)  # fmt: skip
PROXY_ARGS = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip


MAX_SCOPE_CHARACTERS = 1 << 24
"""The most characters of ARG and ENV values one file's scopes may hold (16 Mi); the values of
declarations beyond it are unknown (each value is at most
:data:`~dfanalyze.analysis.expand.MAX_EXPANSION` characters)."""

_EMPTY: Map[str, Value] = Map()


class Variables(Mapping[str, Value]):
    """ARGs overridden by ENV of the same name, as expansion sees them: a view, not a merged copy."""

    __slots__ = ("_args", "_env")

    def __init__(self, args: Mapping[str, Value], env: Mapping[str, Value]) -> None:
        self._args = args
        self._env = env

    def __getitem__(self, name: str) -> Value:
        try:
            return self._env[name]
        except KeyError:
            return self._args[name]

    def __contains__(self, name: object) -> bool:
        return name in self._env or name in self._args

    def __iter__(self) -> Iterator[str]:
        yield from self._env
        yield from (name for name in self._args if name not in self._env)

    def __len__(self) -> int:
        return len(self._env) + sum(1 for name in self._args if name not in self._env)


class Scope(Struct, frozen=True, dict=True):
    """The variables one instruction sees."""

    args: Mapping[str, Value] = _EMPTY
    env: Mapping[str, Value] = _EMPTY

    @cached_property
    def variables(self) -> Variables:
        """What expansion sees: ARGs, overridden by ENV of the same name."""
        return Variables(self.args, self.env)

    def expand(self, word: str, escape: str = "\\") -> Expansion | None:
        """Expand ``word``; None when it has a syntax error (the parser rules report those)."""
        try:
            return expand_static(word, self.variables, escape)
        except ExpansionError:
            return None

    def value(self, word: str, escape: str = "\\") -> str | None:
        """The expanded value, or None when it is unknown or malformed."""
        result = self.expand(word, escape)
        return result.value if result is not None else None


class Scopes(Struct, frozen=True, dict=True):
    """Per-instruction scopes of a file (keyed by instruction identity) and the global scope."""

    global_scope: Scope
    by_instruction: Mapping[int, Scope]
    stage_env: tuple[Mapping[str, Value], ...]  # ENV at the end of each stage
    escape: str
    limits: tuple[tuple[Span, str], ...] = ()
    """Declarations whose value was not computed, beyond dfanalyze's limits (where, and why)."""

    @cached_property
    def images(self) -> dict[int, tuple[model.From, ImageRef | None]]:
        """:meth:`image` of each FROM asked about (by identity; the entry holds the FROM)."""
        return {}

    def at(self, instruction: Instruction) -> Scope:
        scope = self.by_instruction.get(id(instruction))
        return Scope() if scope is None else scope

    def image(self, from_: model.From) -> ImageRef | None:
        """FROM's image reference after expanding global ARGs (None if unknown or malformed);
        worked out once per FROM, however many rules ask."""
        known = self.images.get(id(from_))
        if known is not None and known[0] is from_:
            return known[1]
        ref = self._image(from_)
        self.images[id(from_)] = (from_, ref)
        return ref

    def _image(self, from_: model.From) -> ImageRef | None:
        if from_.image is None:
            return None
        if from_.image_ref is not None:
            return from_.image_ref
        value = self.global_scope.value(from_.image.text, self.escape)
        if value is None or not value:
            return None
        from dfanalyze.parse.instructions import parse_image_ref

        return parse_image_ref(value, from_.image.span)


class _Budget:
    """The characters of values the scopes of one file still may hold, and where values were
    given up."""

    def __init__(self) -> None:
        self.left = MAX_SCOPE_CHARACTERS
        self.limits: list[tuple[Span, str]] = []

    def expand(self, text: str, variables: Mapping[str, Value], escape: str, where: Span) -> Value:
        """``text`` expanded, or :data:`UNKNOWN` (when it is, is malformed or is beyond a limit)."""
        try:
            value = expand_static(text, variables, escape).value
        except ExpansionLimit as exc:
            self.limits.append((where, str(exc)))
            return UNKNOWN
        except ExpansionError:
            return UNKNOWN
        if value is None:
            return UNKNOWN
        self.left -= len(value)
        if self.left < 0:
            if self.left + len(value) >= 0:  # the first value over: say so once
                self.limits.append(
                    (where, f"ARG and ENV values beyond {MAX_SCOPE_CHARACTERS:,} characters are not computed")
                )
            return UNKNOWN
        return value


def _declare(
    decl: model.ArgDecl,
    variables: Mapping[str, Value],
    build_args: Mapping[str, str],
    escape: str,
    budget: _Budget,
) -> Value:
    if decl.name in build_args:
        return build_args[decl.name]
    if decl.default is None:
        return UNKNOWN
    return budget.expand(decl.default, variables, escape, decl.word.span)


def compute_scopes(dockerfile: Dockerfile, build_args: Mapping[str, str]) -> Scopes:
    escape = dockerfile.escape
    budget = _Budget()
    by_instruction: dict[int, Scope] = {}
    global_args: Map[str, Value] = Map({name: build_args.get(name, UNKNOWN) for name in PLATFORM_ARGS})
    for arg in dockerfile.global_args:
        by_instruction[id(arg)] = Scope(args=global_args)
        for decl in arg.decls:
            global_args = global_args.set(decl.name, _declare(decl, global_args, build_args, escape, budget))
    global_scope = Scope(args=global_args)
    stage_env: list[Map[str, Value]] = []
    for stage in dockerfile.stages:
        by_instruction[id(stage.from_)] = global_scope
        parent = dockerfile.stage_named(stage.from_.image.text) if stage.from_.image else None
        env = stage_env[parent.index] if parent is not None and parent.index < stage.index else _EMPTY
        args: Map[str, Value] = _EMPTY
        scope = Scope()
        for ins in stage.instructions:
            if scope.args is not args or scope.env is not env:
                scope = Scope(args=args, env=env)
            by_instruction[id(ins)] = scope
            if isinstance(ins, model.Arg):
                for decl in ins.decls:
                    if decl.default is None and decl.name not in build_args and decl.name in global_args:
                        args = args.set(decl.name, global_args[decl.name])
                    else:
                        value = _declare(decl, Variables(args, env), build_args, escape, budget)
                        args = args.set(decl.name, value)
            elif isinstance(ins, model.Env):
                before = Variables(args, env)  # every pair sees the values from before the line
                with env.mutate() as changed:
                    for pair in ins.pairs:
                        changed[pair.key.text] = budget.expand(
                            pair.value.text, before, escape, pair.value.span
                        )
                    env = changed.finish()
        stage_env.append(env)
    return Scopes(global_scope, by_instruction, tuple(stage_env), escape, tuple(budget.limits))
