"""Build-cache keys with BuildKit's semantics, and which steps a change rebuilds.

A step is a cache vertex when BuildKit makes an operation of it: RUN, COPY, ADD and WORKDIR (a
``mkdir``); FROM starts a chain. Other instructions only edit the image configuration: they are
never "rebuilt", but what they set (ENV, USER, SHELL, WORKDIR) is part of later keys.

* A vertex's key is its own key and its parent's key (the previous vertex of the stage, or the
  final key of the stage named in ``FROM <stage>``): a step is reused only if its parent was.
* RUN's own key covers the command text as written (whitespace inside included), the shell, every
  flag and mount, the working directory, the user, and every ARG and ENV value in scope, used or
  not, except the predefined proxy ARGs. The contents of cache mounts and secrets never count; a
  bind mount counts by the content of what it mounts.
* COPY and ADD cover their expanded sources, destination and flags, and the content, mode and
  path of exactly the files the sources select after ``.dockerignore`` and ``--exclude`` (not the
  modification time; BuildKit resets owners of context files, so they do not count either).
  ``COPY --from=<stage>`` is content-based: when the stage rebuilt, whether the copy is reused
  depends on whether the copied files came out the same. It rebuilds when one of them holds a
  changed context file (the layer model follows each file's origin through copies, ``cp``,
  ``mv``, ``chmod`` and ``chown``); otherwise a step made their content, and it is unknown here.
* ``ADD <url>`` without ``--checksum`` depends on what the server sends: unknown.
* Stages the target does not need are not built.

Keys are computed twice, before and after a change (a file's fingerprint or an ARG's value
replaced), then compared as BuildKit's cache does: by key, across the whole build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter, itemgetter

from msgspec import Struct

from dfanalyze import model
from dfanalyze.analysis.context import BuildContext, ContextEntry, clean_source, match_source_pattern
from dfanalyze.analysis.expand import Unknown
from dfanalyze.analysis.scope import PROXY_ARGS, Scope, Scopes
from dfanalyze.layers.effects import StepEnv, absolute, expand_word

VERTEX_KINDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
Fingerprint = Callable[[ContextEntry], str]
_URL_PREFIXES = ("http://", "https://", "git@", "git://")


class StepRef(Struct, frozen=True):
    """A step as the cache sees it: its global index, stage and instruction (FROM included)."""

    index: int
    stage: int
    instruction: model.Instruction


class StepKey(Struct, frozen=True):
    own: str | None
    """The step's definition and direct inputs (None: an input's content cannot be known)."""
    key: str | None
    """Own key chained to the parent's key."""
    definition: str
    """The definition alone (sources, flags, command text, environment)."""
    inputs: tuple[str, ...]
    """What the key covers, for people."""
    vertex: bool = True
    """False for FROM: it starts a chain, nothing runs."""


class KeySet(Struct, frozen=True):
    """The keys of one build."""

    steps: Mapping[int, StepKey]
    stage_keys: Mapping[int, str | None]
    built: frozenset[int]
    """Steps of the stages the target needs."""
    read_changed: frozenset[str] = frozenset()
    """The changed context paths some built step reads (by content, or by name when gone)."""
    digests: Mapping[str, str] = {}
    """The content digest of every context file (only from :func:`~dfanalyze.layers.graph.
    build_keys`: a later build compares its files with them)."""

    @property
    def known_keys(self) -> frozenset[str]:
        return frozenset(k.key for i, k in self.steps.items() if i in self.built and k.key is not None)

    @property
    def known_own(self) -> frozenset[str]:
        return frozenset(k.own for i, k in self.steps.items() if i in self.built and k.own is not None)

    @property
    def known_definitions(self) -> frozenset[str]:
        return frozenset(k.definition for i, k in self.steps.items() if i in self.built)


class KeyInputs(Struct, frozen=True):
    """Everything the key computation reads."""

    dockerfile: model.Dockerfile
    scopes: Scopes
    shells: Mapping[int, tuple[str, ...]]
    context: BuildContext | None
    fingerprint: Fingerprint
    changed_paths: frozenset[str] = frozenset()
    """Context paths that changed, matched by name (they may no longer exist, or be new)."""
    reference: KeySet | None = None
    """The build before the change: a content-based input whose stage changed is unknown."""
    hashing: bool = True
    """False when nothing will be compared (every key is then the same placeholder)."""
    copies_changed: frozenset[int] = frozenset()
    """``id()`` of the ``COPY --from=<stage>`` instructions that take a changed context file."""

    def digest(self, *parts: object) -> str:
        return _digest(*parts) if self.hashing else "="


def _digest(*parts: object) -> str:
    """A key for ``parts`` (strings, numbers, None, and tuples and lists of them)."""
    import hashlib  # here: linting builds the graph without keys, and the import costs ~4 ms

    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


_MODULUS = 1 << 128
_SMALL_SCOPE = 10  # a RUN's cache inputs name every ARG/ENV in scope up to this many


class _ScopePrint:
    """A fingerprint of the ARG/ENV values a RUN's key covers (all in scope but the proxy ARGs), and
    their number, for each scope in turn. An ARG or ENV line changes a few names: the print is
    updated by those names alone (a sum of per-name digests, so order does not matter), so that a
    stage of thousands of declarations and RUNs is keyed in time proportional to its size."""

    def __init__(self, hashing: bool) -> None:
        self.hashing = hashing
        self.scope: Scope | None = None
        self.print = 0
        self.count = 0

    def at(self, scope: Scope, changed: tuple[str, ...] | None) -> tuple[int, int]:
        """The print and count of ``scope``; ``changed`` names what the previous instruction of the
        same stage declared (None at the start of a stage)."""
        if scope is not self.scope:
            if self.scope is not None and changed:
                before = self.scope.variables
                after = scope.variables
                for name in changed:
                    old, new = before.get(name), after.get(name)
                    self.print = (self.print - self._entry(name, old) + self._entry(name, new)) % _MODULUS
                    if name not in PROXY_ARGS:
                        self.count += (new is not None) - (old is not None)
            else:
                items = [(n, v) for n, v in scope.variables.items() if n not in PROXY_ARGS]
                self.print = sum(self._entry(n, v) for n, v in items) % _MODULUS
                self.count = len(items)
            self.scope = scope
        return self.print, self.count

    def _entry(self, name: str, value: str | Unknown | None) -> int:
        if value is None or name in PROXY_ARGS or not self.hashing:
            return 0
        import hashlib

        text = f"{name}\0{_value(value)}".encode("utf-8", "surrogateescape")
        return int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")


def _declared(ins: model.Instruction) -> tuple[str, ...]:
    """The names an ARG or ENV line (re)defines for the instructions after it."""
    if isinstance(ins, model.Arg):
        return tuple(decl.name for decl in ins.decls)
    if isinstance(ins, model.Env):
        return tuple(pair.key.text for pair in ins.pairs)
    return ()


def compute_keys(steps: Sequence[StepRef], built: Iterable[int], inputs: KeyInputs) -> KeySet:
    """The cache key of every step."""
    dockerfile = inputs.dockerfile
    keys: dict[int, StepKey] = {}
    stage_keys: dict[int, str | None] = {}
    stage_state: dict[int, tuple[str, str | None]] = {}  # final (workdir, user) of each stage
    parent: str | None = None
    workdir, user = "/", None
    prints = _ScopePrint(inputs.hashing)
    changed: tuple[str, ...] | None = None
    read: set[str] = set()
    for ref in steps:
        ins = ref.instruction
        if isinstance(ins, model.From):
            parent, workdir, user = _from_key(ins, ref.stage, inputs, stage_keys, stage_state)
            keys[ref.index] = StepKey(parent, parent, parent or "", ("base image",), vertex=False)
            stage_keys[ref.stage] = parent
            stage_state[ref.stage] = (workdir, user)
            changed = None
            continue
        scope = inputs.scopes.at(ins)
        scope_print = prints.at(scope, changed)
        changed = _declared(ins)
        env = StepEnv(scope.variables, workdir, user, dockerfile.escape)
        if isinstance(ins, model.Workdir) and ins.value is not None:
            value = expand_word(ins.value.text, env)
            workdir = absolute(value, workdir) or workdir if value is not None else "<unknown>"
            env = StepEnv(scope.variables, workdir, user, dockerfile.escape)
        elif isinstance(ins, model.User) and ins.value is not None:
            user = expand_word(ins.value.text, env) or "<unknown>"
        if ins.kind not in VERTEX_KINDS:
            continue
        definition, content, described = _own(ins, env, inputs, stage_keys, scope_print)
        if ref.index in built and isinstance(content, list):
            read.update(_changed_rows(content))
        own = None if content is None else inputs.digest(definition, content)
        key = None if own is None or parent is None else inputs.digest(parent, own)
        keys[ref.index] = StepKey(own, key, definition, described)
        parent = key
        stage_keys[ref.stage] = key
        stage_state[ref.stage] = (workdir, user)
    return KeySet(keys, stage_keys, frozenset(built), frozenset(read))


def _changed_rows(content: list[object]) -> Iterable[str]:
    """The changed context paths among the rows of a step's content inputs."""
    for item in content:
        if isinstance(item, tuple) and item[0] == "context":
            yield from (row[0] for row in item[2] if row[3] == "changed")


def _from_key(
    ins: model.From,
    stage: int,
    inputs: KeyInputs,
    stage_keys: Mapping[int, str | None],
    stage_state: Mapping[int, tuple[str, str | None]],
) -> tuple[str | None, str, str | None]:
    dockerfile = inputs.dockerfile
    image = ins.image.text if ins.image is not None else ""
    source = earlier_stage(dockerfile, image, stage)
    if source is not None:
        workdir, user = stage_state.get(source, ("/", None))
        return stage_keys.get(source), workdir, user
    ref = inputs.scopes.image(ins)
    platform = ins.platform.value if ins.platform is not None else None
    text = ref.text if ref is not None else None
    return (inputs.digest("FROM", text, platform) if text is not None else None), "/", None


def earlier_stage(dockerfile: model.Dockerfile, name: str, before: int) -> int | None:
    """The stage ``name`` (a name or an index) refers to among the first ``before`` stages."""
    stage = dockerfile.stage_before(name, before)
    return None if stage is None else stage.index


def _value(value: str | Unknown) -> str:
    return value if isinstance(value, str) else "<unknown>"


def _own(
    ins: model.Instruction,
    env: StepEnv,
    inputs: KeyInputs,
    stage_keys: Mapping[int, str | None],
    scope_print: tuple[int, int],
) -> tuple[str, object | None, tuple[str, ...]]:
    """The definition, the content inputs (None when unknown) and a description."""
    if isinstance(ins, model.Workdir):
        return inputs.digest("WORKDIR", env.workdir, env.user), (), ("path", "user")
    if isinstance(ins, model.Run):
        return _run(ins, env, inputs, stage_keys, scope_print)
    assert isinstance(ins, model.CopyLike)
    return _copy(ins, env, inputs, stage_keys)


_VARIABLE_USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _run(
    ins: model.Run,
    env: StepEnv,
    inputs: KeyInputs,
    stage_keys: Mapping[int, str | None],
    scope_print: tuple[int, int],
) -> tuple[str, object | None, tuple[str, ...]]:
    variables, count = scope_print
    command = ins.shell.text if ins.shell is not None else json.dumps([w.text for w in ins.exec])
    mounts = []
    content: list[object] = []
    described = ["command text", "shell", "working directory", "user"]
    described += _variables_described(ins, command, env.variables, count)
    for mount in ins.mounts:
        expanded = [(k, expand_word(v, env) if v is not None else None) for k, v in mount.options]
        # A key given twice may have one value unknown (None): order None first, never compare it
        options = sorted(expanded, key=lambda kv: (kv[0], kv[1] is not None, kv[1] or ""))
        mounts.append((mount.type, options))
        if mount.type != "bind":
            described.append(f"--mount type={mount.type} (its contents never count)")
            continue
        source = expand_word(mount.source or ".", env) or "<unknown>"
        if mount.from_ is not None:
            stage = earlier_stage(inputs.dockerfile, mount.from_, len(inputs.dockerfile.stages))
            if stage is None:
                content.append(("image", mount.from_, source))
                described.append(f"bind mount from image {mount.from_}")
                continue
            changed = _stage_changed(stage, stage_keys, inputs)
            if changed:
                return inputs.digest("RUN", command, mounts), None, tuple(described)
            content.append(("stage", stage_keys.get(stage), source))
            described.append(f"bind mount of {source} from stage {mount.from_}")
        else:
            selected = _selection(inputs, source, ())
            if selected is None:
                return inputs.digest("RUN", command, mounts), None, tuple(described)
            content.append(("context", source, selected[0]))
            described.append(f"bind mount of {source} from the context (content)")
    shell = inputs.shells.get(id(ins), ("/bin/sh", "-c"))
    heredocs = [(h.name, h.content) for h in ins.heredocs]
    settings = (ins.network, ins.security, env.workdir, env.user)
    definition = inputs.digest("RUN", command, list(shell), heredocs, mounts, settings, variables)
    return definition, content, tuple(described)


def _variables_described(
    ins: model.Run, command: str, variables: Mapping[str, str | Unknown], count: int
) -> list[str]:
    """Every ARG/ENV in scope by name when there are few; else those the command uses, and how
    many more (the key covers them all: BuildKit sets them in the command's environment)."""
    if count <= _SMALL_SCOPE:
        return [f"ARG/ENV {name}" for name in sorted(n for n in variables if n not in PROXY_ARGS)]
    texts = [command, *(h.content for h in ins.heredocs)]
    used = {
        m for text in texts for m in _VARIABLE_USE.findall(text) if m in variables and m not in PROXY_ARGS
    }
    return [f"ARG/ENV {name}" for name in sorted(used)] + [f"{count - len(used)} more ARG/ENV in scope"]


def _stage_changed(stage: int, stage_keys: Mapping[int, str | None], inputs: KeyInputs) -> bool:
    if inputs.reference is None:
        return False
    key = stage_keys.get(stage)
    return key is None or key not in inputs.reference.known_keys


def _copy(
    ins: model.CopyLike, env: StepEnv, inputs: KeyInputs, stage_keys: Mapping[int, str | None]
) -> tuple[str, object | None, tuple[str, ...]]:
    sources = [expand_word(w.text, env) for w in ins.sources]
    dest = expand_word(ins.dest.text, env) if ins.dest is not None else None
    flags = sorted((f.name, expand_word(f.value, env) if f.value is not None else None) for f in ins.flags)
    heredocs = [(h.name, expand_word(h.content, env) if h.expand else h.content) for h in ins.heredoc_sources]
    absolute_dest = absolute(dest, env.workdir) if dest is not None else None
    if dest is not None and dest.endswith("/"):
        absolute_dest = (absolute_dest or "") + "/"
    definition = inputs.digest(ins.kind, sources, absolute_dest, flags, heredocs)
    described: list[str] = ["sources and destination", "flags"]
    excludes = tuple(f.value for f in ins.flags_named("exclude") if f.value)
    from_flag = ins.flag("from")
    if from_flag is not None and from_flag.value is not None:
        stage = earlier_stage(inputs.dockerfile, from_flag.value, len(inputs.dockerfile.stages))
        if stage is None:
            return definition, ("image", from_flag.value), (*described, f"image {from_flag.value}")
        if _stage_changed(stage, stage_keys, inputs):
            if id(ins) in inputs.copies_changed:
                content_changed = ("changed files of stage", stage_keys.get(stage))
                return definition, content_changed, (*described, f"files of stage {from_flag.value}")
            return definition, None, (*described, f"files of stage {from_flag.value} (content)")
        return definition, ("stage", stage_keys.get(stage)), (*described, f"files of stage {from_flag.value}")
    heredoc_names = {h.name for h in ins.heredoc_sources}
    content: list[object] = []
    for word, source in zip(ins.sources, sources, strict=True):
        if any(word.text.endswith(name) for name in heredoc_names):
            continue
        if source is None:
            return definition, None, tuple(described)
        if isinstance(ins, model.Add) and source.startswith(_URL_PREFIXES):
            checksum = ins.flag("checksum")
            if checksum is None or checksum.value is None:
                return definition, None, (*described, f"the content of {source} (fetched every build)")
            content.append(("url", source, checksum.value))
            described.append(f"{source} (checksum)")
            continue
        selected = _selection(inputs, source, excludes)
        if selected is None:
            return definition, None, (*described, "the build context (not available)")
        fingerprint, count = selected
        content.append(("context", source, fingerprint))
        described.append(f"context {source} ({count} file{'s' if count != 1 else ''}: content and mode)")
    return definition, content, tuple(described)


def _selection(
    inputs: KeyInputs, source: str, excludes: Sequence[str]
) -> tuple[list[tuple[str, ...]], int] | None:
    """What the source selects, as (path, kind, mode, fingerprint) rows, plus the changed paths
    the source would select by name (no rows when nothing will be compared: the keys are not
    made); and how many files it selects."""
    context = inputs.context
    if context is None:
        return None
    rows: list[tuple[str, ...]] = []
    files = 0
    for match in context.select(source, excludes):
        files += list(map(_KIND, map(_ENTRY, match.members))).count("file")
        if inputs.hashing:
            rows += ((e.path, e.kind, oct(e.mode), inputs.fingerprint(e)) for _, e in match.members)
    cleaned = clean_source(source)
    for path in sorted(inputs.changed_paths):
        if _names(cleaned, path) and not (context.ignore is not None and context.ignore.excludes(path)):
            rows.append((path, "changed", "", "changed"))
    return rows, files


_ENTRY = itemgetter(1)
_KIND = attrgetter("kind")


def _names(source: str, path: str) -> bool:
    """Whether a COPY source selects the context path ``path`` by name."""
    if source == ".":
        return True
    parts = source.split("/")
    head = "/".join(path.split("/")[: len(parts)])
    return head == source or match_source_pattern(source, head)


# --- comparing builds ----------------------------------------------------------------------------------


def rebuilds(before: KeySet, after: KeySet) -> dict[int, bool | None]:
    """For each step of the ``after`` build: True when it runs again, False when its result comes
    from the cache of the ``before`` build, None when that cannot be known (or it is not a cache
    vertex, or the target does not build it)."""
    known = before.known_keys
    own = before.known_own
    definitions = before.known_definitions
    result: dict[int, bool | None] = {}
    for index, step in after.steps.items():
        if index not in after.built or not step.vertex:
            result[index] = None
        elif step.key is not None:
            result[index] = step.key not in known
        elif step.own is not None:
            result[index] = True if step.own not in own else None
        else:
            result[index] = True if step.definition not in definitions else None
    return result
