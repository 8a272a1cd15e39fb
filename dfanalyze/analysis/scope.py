"""ARG and ENV scoping, as BuildKit applies it, computed once per file.

- ARGs before the first FROM are global: visible in FROM lines only, and inside a stage only after
  ``ARG NAME`` re-declares them (then with the global value).
- Inside a stage, ``ARG NAME[=default]`` and ``ENV`` define variables from the *next* instruction on;
  within one ENV instruction every reference sees the values from before it. ENV wins over ARG.
- A stage ``FROM <earlier stage>`` inherits that stage's ENV (not its ARGs).
- ``--build-arg NAME=VALUE`` overrides an ARG's default; an ARG with no default and no build arg, and
  the predefined platform args, are *unknown* (:data:`UNKNOWN`), never silently empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from msgspec import Struct, field

from dfanalyze import model
from dfanalyze.analysis.expand import UNKNOWN, Expansion, ExpansionError, Unknown, expand_static
from dfanalyze.model import Dockerfile, ImageRef, Instruction

Value = str | Unknown

PLATFORM_ARGS = (
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
)  # fmt: skip
PROXY_ARGS = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip


class Scope(Struct, frozen=True, dict=True):
    """The variables one instruction sees."""

    args: Mapping[str, Value] = field(default_factory=dict)
    env: Mapping[str, Value] = field(default_factory=dict)

    @cached_property
    def variables(self) -> dict[str, Value]:
        """What expansion sees: ARGs, overridden by ENV of the same name (merged once per scope;
        every expansion of the instruction reads it)."""
        return {**self.args, **self.env}

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


def _declare(
    decl: model.ArgDecl, scope_vars: Mapping[str, Value], build_args: Mapping[str, str], escape: str
) -> Value:
    if decl.name in build_args:
        return build_args[decl.name]
    if decl.default is None:
        return UNKNOWN
    try:
        result = expand_static(decl.default, scope_vars, escape)
    except ExpansionError:
        return UNKNOWN
    return result.value if result.value is not None else UNKNOWN


def compute_scopes(dockerfile: Dockerfile, build_args: Mapping[str, str]) -> Scopes:
    escape = dockerfile.escape
    by_instruction: dict[int, Scope] = {}
    global_args: dict[str, Value] = {name: build_args.get(name, UNKNOWN) for name in PLATFORM_ARGS}
    for arg in dockerfile.global_args:
        by_instruction[id(arg)] = Scope(args=dict(global_args))
        for decl in arg.decls:
            global_args[decl.name] = _declare(decl, global_args, build_args, escape)
    global_scope = Scope(args=dict(global_args))
    stage_env: list[Mapping[str, Value]] = []
    for stage in dockerfile.stages:
        by_instruction[id(stage.from_)] = global_scope
        env: dict[str, Value] = {}
        parent = dockerfile.stage_named(stage.from_.image.text) if stage.from_.image else None
        if parent is not None and parent.index < stage.index:
            env.update(stage_env[parent.index])
        args: dict[str, Value] = {}
        for ins in stage.instructions:
            by_instruction[id(ins)] = Scope(args=dict(args), env=dict(env))
            if isinstance(ins, model.Arg):
                for decl in ins.decls:
                    if decl.default is None and decl.name not in build_args and decl.name in global_args:
                        args[decl.name] = global_args[decl.name]
                    else:
                        args[decl.name] = _declare(decl, {**args, **env}, build_args, escape)
            elif isinstance(ins, model.Env):
                before = {**args, **env}
                for pair in ins.pairs:
                    try:
                        value = expand_static(pair.value.text, before, escape).value
                    except ExpansionError:
                        value = None
                    env[pair.key.text] = value if value is not None else UNKNOWN
        stage_env.append(env)
    return Scopes(global_scope, by_instruction, tuple(stage_env), escape)
