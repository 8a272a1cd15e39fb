"""The layer graph of a Dockerfile: what each step adds, what a change rebuilds, how big the image
gets, before any build.

Nodes of :attr:`LayerGraph.graph` (a ``networkx.DiGraph``), by id:

* ``step:<n>``: every instruction, FROM included, numbered through the file from 0;
  attribute ``step`` holds the :class:`Step`;
* ``stage:<n>``: a stage, linked to each of its steps (``contains``);
* ``image:<ref>``: an external image (a base image, ``COPY --from=<image>``,
  ``--mount=from=<image>``);
* ``context:<path>``: a build-context file a COPY, ADD or bind mount reads (after
  ``.dockerignore`` and ``--exclude``);
* ``url:<url>``, ``secret:<id>``, ``ssh``, ``cache:<target>``, ``package:<manager>:<name>``:
  external inputs of RUN and ADD (downloads, mounts, package installs);
* ``result``: the image, made by the last step of the target stage.

Edges point from what is used to what uses it; their ``kind`` is ``parent`` (the previous step of
the stage), ``from`` (``FROM <stage>`` or the base image), ``copy-from``, ``mount-from``,
``reads``, ``downloads``, ``mounts``, ``installs``, ``contains`` or ``result``. The image is what
the target stage (``--target``, else the last) reaches; the other stages are unreachable and
BuildKit skips them.

The ``networkx`` graph is made on first use of :attr:`LayerGraph.graph` (the API, ``--format
dot``/``mermaid``); the rules work on :attr:`LayerGraph.steps` and never import networkx.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field
from msgspec.structs import replace

from dfanalyze import model
from dfanalyze.analysis.context import BuildContext, clean_source, load_context, read_ignore_file
from dfanalyze.analysis.packages import Download, PackageOp, operations
from dfanalyze.analysis.scope import compute_scopes
from dfanalyze.layers import cache
from dfanalyze.layers.effects import (
    CopySetting,
    RunSetting,
    StepEnv,
    absolute,
    copied_origins,
    copy_layer,
    expand_word,
    run_layer,
)
from dfanalyze.layers.fs import Layer, LayerBuilder, Tree
from dfanalyze.layers.ranges import Share, SizeRange, combine, compressed_of, range_data, spread_range
from dfanalyze.layers.sizes import (
    BUILDKIT,
    BaseImage,
    Calibration,
    Profile,
    base_apt_state,
    base_image,
    calibration,
)
from dfanalyze.layers.waste import waste

if TYPE_CHECKING:
    from dfanalyze.checks.context import FileAnalysis

CHANGED = "0-changed-by-dfanalyze"
"""The value a ``--changed-arg`` takes in the second key computation."""
LAYER_KINDS = frozenset({"RUN", "COPY", "ADD"})
TREE_KINDS = LAYER_KINDS | {"WORKDIR", "VOLUME", "USER"}
"""What changes the files or how later steps write them."""


class Changes(Struct, frozen=True):
    """What changed since the last build: context paths (added, edited, deleted, renamed or
    chmod-ed), build arguments, and the Dockerfile itself."""

    paths: frozenset[str] = frozenset()
    args: frozenset[str] = frozenset()
    previous: model.Dockerfile | None = None
    """The Dockerfile as the last build read it (None: the same as now)."""

    @property
    def any(self) -> bool:
        return bool(self.paths or self.args or self.previous is not None)


ZERO = SizeRange(0, 0, 0, 0)


class Sized:
    """The range of a step or of the image, by its parts (the class holds a ``size``)."""

    __slots__ = ()
    size: SizeRange

    @property
    def low_bytes(self) -> int:
        return self.size.low

    @property
    def high_bytes(self) -> int:
        return self.size.high

    @property
    def compressed_bytes(self) -> int:
        """The estimated pull size."""
        return self.size.compressed


class Step(Struct, Sized, frozen=True):
    """One instruction and what the model knows about it."""

    index: int
    stage: int
    stage_name: str | None
    instruction: model.Instruction
    creates_layer: bool
    layer: Layer | None
    base: BaseImage | None
    """For FROM: the image it starts from (None for ``FROM <stage>``)."""
    workdir: str | None = "/"
    """The working directory the step runs in (None when unknown)."""
    reachable: bool = True
    """The target needs this step's stage."""
    in_image: bool = False
    """The step's layer is part of the final image."""
    cache_inputs: tuple[str, ...] = ()
    rebuilds: bool | None = None
    wasted_bytes: int = 0
    """Bytes this step's layer stores that a later step of the image deletes or replaces."""
    cumulative_bytes: int | None = None
    """Estimated size of the image up to this step (for steps of the image): the sum of the point
    estimates."""
    size: SizeRange = ZERO
    """The step's size (for FROM, the base image's) as a point estimate in a range, compressed too."""

    @property
    def line(self) -> int:
        return self.instruction.line

    @property
    def text(self) -> str:
        """The instruction on one line."""
        return " ".join(self.instruction.text.split())

    @property
    def cache_vertex(self) -> bool:
        """BuildKit runs (or reuses from its cache) this step: RUN, COPY, ADD, WORKDIR."""
        return self.instruction.kind in cache.VERTEX_KINDS

    @property
    def known_bytes(self) -> int:
        return _known_bytes(self.layer, self.base)

    @property
    def unknown_parts(self) -> tuple[str, ...]:
        if self.layer is not None:
            return self.layer.unknown_parts
        if self.base is not None and self.base.bytes is None:
            return (f"base image {self.base.ref}: {self.base.source}",)
        return ()

    @property
    def estimated_bytes(self) -> int:
        """The size of the step's layer (for FROM, the base image's): the known part when nothing is
        unknown, else the point estimate of :attr:`size`."""
        return self.size.point

    @property
    def exact_bytes(self) -> int | None:
        """The size when it is known exactly (nothing unknown, no estimated base), else None."""
        return self.size.point if self.size.exact else None


def _known_bytes(layer: Layer | None, base: BaseImage | None) -> int:
    if layer is not None:
        return layer.known_bytes
    return base.bytes or 0 if base is not None else 0


NO_CHANGES = Changes()


class ImageEstimate(Struct, Sized, frozen=True):
    estimated_bytes: int
    """The image's size: the sum of its steps' point estimates (exact when ``unknown_parts`` is empty
    and no base image is estimated)."""
    unknown_parts: tuple[str, ...]
    efficiency: float
    wasted_bytes: int
    reclaimable_bytes: int
    waste_complete: bool
    removals: Mapping[tuple[int, int], int] = field(default_factory=dict)
    """Reclaimable bytes by (the step that stored them, the step that deleted or replaced them)."""
    known_bytes: int = 0
    """The part of the size that is known (no estimate in it)."""
    size: SizeRange = ZERO
    """The size as a point estimate in a range (the steps' spreads added in quadrature), compressed
    too."""
    uncertainty: tuple[Share, ...] = ()
    """The steps whose spreads make the image's, largest first."""
    data_as_of: str | None = None
    """The day the base image's size was read (else the day the size data was made)."""


class LayerGraph(Struct, frozen=True, dict=True):
    dockerfile: model.Dockerfile
    steps: tuple[Step, ...]
    target: int
    unreachable_stages: tuple[int, ...]
    image: ImageEstimate
    analysis: FileAnalysis
    context: BuildContext | None = None
    changes: Changes = NO_CHANGES
    profile: Profile = BUILDKIT
    read_changed: frozenset[str] = frozenset()
    """The changed context paths some built step reads."""

    @cached_property
    def graph(self) -> Any:
        """The ``networkx.DiGraph`` (made on first use: rules never need it)."""
        return _networkx(self.dockerfile, self.steps, self.context, self.target, self.analysis)

    def step_of(self, instruction: model.Instruction) -> Step | None:
        step = self._steps_by_instruction.get(id(instruction))
        return step if step is not None and step.instruction is instruction else None

    @cached_property
    def _steps_by_instruction(self) -> dict[int, Step]:
        return {id(step.instruction): step for step in self.steps}

    @property
    def image_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.in_image)


class TargetError(ValueError):
    """``--target`` names no stage."""


# --- building -----------------------------------------------------------------------------------------


def load_build_context(
    context_dir: str | Path | None,
    dockerfile: str | Path | None = None,
    limit: int | None = None,
    sources: Iterable[str] | None = None,
) -> BuildContext | None:
    """The context a build would send from ``context_dir`` (else the folder of ``dockerfile``,
    when that is a file on disk), with the ignore file BuildKit would use; None when there is
    no such folder. ``limit`` and ``sources``: see :func:`~dfanalyze.analysis.context.load_context`."""
    file = Path(dockerfile) if dockerfile is not None else None
    folder = Path(context_dir) if context_dir is not None else None
    if folder is None and file is not None and file.is_file():
        folder = file.resolve().parent
    if folder is None or not folder.is_dir():
        return None
    return load_context(folder, read_ignore_file(folder, file), limit, sources)


def build_layer_graph(
    analysis: FileAnalysis,
    *,
    context: BuildContext | None = None,
    target: str | None = None,
    changes: Changes = NO_CHANGES,
    profile: Profile = BUILDKIT,
    data: Calibration | None = None,
    estimate_packages: bool = True,
    cache_keys: bool = True,
) -> LayerGraph:
    """Everything the model knows about the build of ``analysis.dockerfile``. Without
    ``estimate_packages``, apt installs are left unsized (the Debian data is not read: linting
    stays fast); without ``cache_keys``, no step has cache inputs or rebuild verdicts (the lint
    rules use neither)."""
    data = data or calibration()
    dockerfile = analysis.dockerfile
    target_index = _target(dockerfile, target)
    needed = _needed_stages(dockerfile, target_index)
    refs = _step_refs(dockerfile)
    layers, bases, workdirs, copied = _layers(analysis, refs, context, profile, data, estimate_packages)
    chain = _image_chain(dockerfile, target_index)
    in_image = {r.index for r in refs if r.stage in chain}
    image_layers = [layers[r.index] for r in refs if r.index in in_image and r.index in layers]
    measured = waste(_base_layers(refs, chain, bases, data) + image_layers)
    built = frozenset(r.index for r in refs if r.stage in needed)
    keys, rebuild = (
        _cache(analysis, refs, built, context, changes, copied, target) if cache_keys else (None, {})
    )
    steps: list[Step] = []
    running = known = 0
    for ref in refs:
        ins = ref.instruction
        stage = dockerfile.stages[ref.stage]
        size = step_size(ins, layers.get(ref.index), bases.get(ref.index))
        if ref.index in in_image:
            running += size.point
            known += size.point if size.exact else _known_bytes(layers.get(ref.index), None)
        steps.append(
            Step(
                index=ref.index,
                stage=ref.stage,
                stage_name=stage.name,
                instruction=ins,
                creates_layer=ref.index in layers,
                layer=layers.get(ref.index),
                base=bases.get(ref.index),
                workdir=workdirs.get(ref.index),
                reachable=ref.stage in needed,
                in_image=ref.index in in_image,
                cache_inputs=keys.steps[ref.index].inputs if keys and ref.index in keys.steps else (),
                rebuilds=rebuild.get(ref.index),
                wasted_bytes=measured.by_step.get(ref.index, 0) if ref.index in in_image else 0,
                cumulative_bytes=running if ref.index in in_image else None,
                size=size,
            )
        )
    image_steps = [s for s in steps if s.in_image]
    total, shares = combine([(s.index, s.size) for s in image_steps])
    root = next((s.base for s in image_steps if s.base is not None), None)
    estimate = ImageEstimate(
        estimated_bytes=running,
        unknown_parts=tuple(part for s in image_steps for part in s.unknown_parts),
        efficiency=measured.efficiency,
        wasted_bytes=measured.wasted_bytes,
        reclaimable_bytes=measured.reclaimable_bytes,
        waste_complete=measured.complete,
        removals=measured.removals,
        known_bytes=known,
        size=total,
        uncertainty=shares,
        data_as_of=root.as_of if root is not None and root.as_of else range_data().data_as_of,
    )
    unreachable = tuple(s.index for s in dockerfile.stages if s.index not in needed)
    return LayerGraph(
        dockerfile,
        tuple(steps),
        target_index,
        unreachable,
        estimate,
        analysis,
        context,
        changes,
        profile,
        keys.read_changed if keys is not None else frozenset(),
    )


def unused_changes(graph: LayerGraph, paths: Iterable[str], args: Iterable[str]) -> list[str]:
    """Why each of the changed ``paths`` and build ``args`` changes nothing (no built step reads
    the path, no ARG is named so), or is taken as a deleted file: probably a mistake of the
    caller's."""
    context, dockerfile = graph.context, graph.dockerfile
    warnings = []
    for path in sorted({clean_source(p) for p in paths}):
        exists = context is not None and os.path.lexists(Path(context.root, path))
        if path in graph.read_changed:
            if context is not None and not exists:
                warnings.append(f"changed path {path} is not in the build context: taken as deleted")
            continue
        why = ""
        if context is None:
            why = " (no build context)"
        elif context.ignore is not None and context.ignore.excludes(path):
            why = " (.dockerignore excludes it)"
        elif not exists:
            why = " (it is not in the build context)"
        warnings.append(f"changed path {path} matches nothing: no step of the build reads it{why}")
    declared = {d.name for ins in dockerfile.global_args for d in ins.decls}
    declared.update(
        d.name for ins in dockerfile.instructions if isinstance(ins, model.Arg) for d in ins.decls
    )
    for name in sorted(set(args) - declared):
        warnings.append(f"changed build argument {name} matches nothing: no ARG is named {name}")
    return warnings


def step_size(ins: model.Instruction, layer: Layer | None, base: BaseImage | None) -> SizeRange:
    """The size of a step as a range: exact where it is known; a base image as its data says; the
    unknown parts of a layer add the spread of real layers of their kind of command, once (the
    calibration measured whole layers): the kind a whole layer made of those commands would have
    (:func:`~dfanalyze.layers.ranges.layer_kind`)."""
    from dfanalyze.layers.ranges import command_kind, installs_only, layer_kind, part_kind

    data = range_data()
    if layer is None:
        if base is None:
            return ZERO
        if base.size is not None:
            return base.size
        spread = data.images
        why = f"base image {base.ref}: {base.source}; the spread of the official images' sizes"
        return spread_range(0, spread, 1.0, data, why)
    size = layer.known_bytes
    if not layer.unknown_parts:
        return SizeRange(size, size, size, compressed_of(size, data))
    kind = layer_kind(part_kind(part, command_kind(ins.text)) for part in layer.unknown_parts)
    spread, scale = data.layer_spread(kind), 1
    of = f"{kind} layers" if kind in data.layers else f"layers of any kind (too few {kind} layers)"
    packages = installs_only(ins.text)
    if packages is not None and kind in data.per_package:
        spread, scale = data.per_package[kind], packages
        of = f"{kind} layers, per package named, times {packages}"
    low, mid, high = (size + round(value * scale) for value in (spread.low, spread.mid, spread.high))
    basis: tuple[str, ...] = (
        f"{kind}: percentiles {data.percentiles[0]}/{data.percentiles[1]}/{data.percentiles[2]} "
        f"of {spread.samples} official images' {of}",
    )
    bounds = [layer.at_most.get(part) for part in layer.unknown_parts]
    if all(bound is not None for bound in bounds):  # each unknown part can add at most its bound
        most = size + sum(bound or 0 for bound in bounds)
        if high > most:  # below it, the spread; all above it, anything from nothing to the bound
            low, mid, high = (low if low < most else size), min(mid, most), most
            basis += ("at most what the unknown parts can add (their upper bounds)",)
    return SizeRange(mid, low, high, compressed_of(mid, data), basis)


def _base_layers(
    refs: Sequence[cache.StepRef], chain: frozenset[int], bases: Mapping[int, BaseImage], data: Calibration
) -> list[Layer]:
    """What the image's base holds that later steps may hide: a Debian base's apt databases."""
    root = next((r.index for r in refs if r.stage in chain and r.index in bases), None)
    base = bases.get(root) if root is not None else None
    if root is None or base is None or base.empty or (base.apt_installed is None and base.apt_suite is None):
        return []
    return [Layer(root, {}, blobs=(base_apt_state(data),))]


def _target(dockerfile: model.Dockerfile, target: str | None) -> int:
    if not dockerfile.stages:
        raise TargetError("the Dockerfile has no stage")
    if target is None:
        return dockerfile.stages[-1].index
    stage = dockerfile.stage_named(target)
    if stage is None:
        names = ", ".join(s.label for s in dockerfile.stages)
        raise TargetError(f"no stage is named {target!r} (stages: {names})")
    return stage.index


def _needed_stages(dockerfile: model.Dockerfile, target: int) -> frozenset[int]:
    needed = {target}
    pending = [target]
    while pending:
        for link in dockerfile.links_to(pending.pop()):
            if link.source not in needed:
                needed.add(link.source)
                pending.append(link.source)
    return frozenset(needed)


def _image_chain(dockerfile: model.Dockerfile, target: int) -> frozenset[int]:
    """The target stage and the stages it is built ``FROM``."""
    chain = {target}
    current = target
    while True:
        parent = next((link.source for link in dockerfile.links_to(current) if link.kind == "from"), None)
        if parent is None or parent in chain:
            return frozenset(chain)
        chain.add(parent)
        current = parent


def _step_refs(dockerfile: model.Dockerfile) -> list[cache.StepRef]:
    refs = []
    index = 0
    for stage in dockerfile.stages:
        for ins in (stage.from_, *stage.instructions):
            refs.append(cache.StepRef(index, stage.index, ins))
            index += 1
    return refs


CopiedFrom = tuple[model.CopyLike, StepEnv, Tree]
"""A ``COPY --from=<stage>``, the environment it ran in and the stage's files: the context paths
whose content it takes are found only when changes are asked about (it looks at every file)."""


def _copies_changed(copied: Mapping[int, CopiedFrom], paths: Collection[str]) -> frozenset[int]:
    """``id()`` of the ``COPY --from=<stage>`` instructions that take the content of one of the
    context ``paths``."""
    return frozenset(
        key
        for key, (ins, env, tree) in copied.items()
        if not copied_origins(ins, env, tree).isdisjoint(paths)
    )


def _layers(
    analysis: FileAnalysis,
    refs: Sequence[cache.StepRef],
    context: BuildContext | None,
    profile: Profile,
    data: Calibration,
    estimate_packages: bool,
) -> tuple[dict[int, Layer], dict[int, BaseImage], dict[int, str], dict[int, CopiedFrom]]:
    """Replay every stage: the layer of each step that makes one, the base of each FROM, the
    working directory of each step, and the context paths each ``COPY --from=<stage>`` takes the
    content of (by ``id()`` of the instruction)."""
    dockerfile = analysis.dockerfile
    scopes = analysis.scopes
    layers: dict[int, Layer] = {}
    bases: dict[int, BaseImage] = {}
    workdirs: dict[int, str] = {}
    copied: dict[int, CopiedFrom] = {}
    known_bases: dict[str, BaseImage] = {}
    final: dict[int, tuple[Tree, BaseImage, str, str | None]] = {}
    tree, base, workdir, user = Tree(), BaseImage("", None, ""), "/", None
    for ref in refs:
        ins = ref.instruction
        if isinstance(ins, model.From):
            parent = cache.earlier_stage(dockerfile, ins.image.text if ins.image else "", ref.stage)
            if parent is not None and parent in final:
                tree, base, workdir, user = final[parent]
            else:
                written = ins.image.text if ins.image is not None else ""
                image = scopes.image(ins)
                key = image.text if image is not None else written
                base = known_bases.get(key) or base_image(image, written, data)
                known_bases[key] = base
                bases[ref.index] = base
                tree = Tree(
                    base_known_empty=base.empty, apt_installed=base.apt_installed, apt_suite=base.apt_suite
                )
                workdir, user = "/", None
            final[ref.stage] = (tree, base, workdir, user)
            continue
        workdirs[ref.index] = workdir
        if ins.kind not in TREE_KINDS:
            continue  # it only edits the image's configuration
        env = StepEnv(scopes.at(ins).variables, workdir, user, dockerfile.escape)
        builder = LayerBuilder(ref.index, tree)
        if isinstance(ins, model.Run):
            heredocs = {h.name: h for h in ins.heredocs}
            setting = RunSetting(env, ins.mounts, heredocs, base, data, profile, estimate_packages, context)
            run_layer(builder, ins, analysis.shell_scripts(ins), setting)
        elif isinstance(ins, model.CopyLike):
            source_tree, external = _copy_source(dockerfile, ins, ref.stage, final)
            copy_layer(builder, ins, CopySetting(env, context, source_tree, external, profile))
            if source_tree is not None:
                copied[id(ins)] = (ins, env, source_tree)
        elif isinstance(ins, model.Workdir) and ins.value is not None:
            value = expand_word(ins.value.text, env)
            workdir = (absolute(value, workdir) or workdir) if value is not None else workdir
            if workdir == "/":
                pass
            elif profile.workdir_layer:
                builder.mkdir(workdir)
            elif workdir not in builder.pending_dirs:
                builder.pending_dirs.append(workdir)
        elif isinstance(ins, model.Volume) and profile.volume_dirs:
            for word in ins.paths:
                value = expand_word(word.text.strip('"[],'), env)
                if value:
                    builder.pending_dirs.append(absolute(value, workdir) or value)
        elif isinstance(ins, model.User) and ins.value is not None:
            user = expand_word(ins.value.text, env)
        layer, tree = builder.finish()
        if ins.kind in LAYER_KINDS or (
            isinstance(ins, model.Workdir) and profile.workdir_layer and layer.changes
        ):
            layers[ref.index] = layer
        final[ref.stage] = (tree, base, workdir, user)
    return layers, bases, workdirs, copied


def _copy_source(
    dockerfile: model.Dockerfile,
    ins: model.CopyLike,
    stage: int,
    final: Mapping[int, tuple[Tree, BaseImage, str, str | None]],
) -> tuple[Tree | None, str | None]:
    flag = ins.flag("from")
    if flag is None or flag.value is None:
        return None, None
    source = cache.earlier_stage(dockerfile, flag.value, stage)
    if source is None or source not in final:
        return None, flag.value
    return final[source][0], None


def _cache(
    analysis: FileAnalysis,
    refs: Sequence[cache.StepRef],
    built: frozenset[int],
    context: BuildContext | None,
    changes: Changes,
    copied: Mapping[int, CopiedFrom],
    target: str | None,
) -> tuple[cache.KeySet, dict[int, bool | None]]:
    """Keys of the build as it is, and which steps the changes rebuild (none without changes).
    The build before the changes is the previous Dockerfile's, when it changed."""
    shells = analysis.shells
    current = cache.compute_keys(
        refs,
        built,
        cache.KeyInputs(analysis.dockerfile, analysis.scopes, shells, context, _same, hashing=changes.any),
    )
    if not changes.any:
        return current, cache.rebuilds(current, current)
    before = current
    previous = _previous_build(analysis, changes.previous, target)
    if previous is not None:
        old, old_refs, old_built = previous
        inputs = cache.KeyInputs(old.dockerfile, old.scopes, old.shells, context, _same)
        before = cache.compute_keys(old_refs, old_built, inputs)
    args = {**analysis.build_args, **dict.fromkeys(changes.args, CHANGED)}
    scopes = compute_scopes(analysis.dockerfile, args)
    paths = frozenset(clean_source(p) for p in changes.paths)

    def fingerprint(entry: Any) -> str:
        return "changed" if entry.path in paths else "="

    copies = _copies_changed(copied, paths)
    inputs = cache.KeyInputs(
        analysis.dockerfile, scopes, shells, context, fingerprint, paths, before, copies_changed=copies
    )
    after = cache.compute_keys(refs, built, inputs)
    return replace(current, read_changed=after.read_changed), cache.rebuilds(before, after)


def _previous_build(
    analysis: FileAnalysis, previous: model.Dockerfile | None, target: str | None
) -> tuple[FileAnalysis, list[cache.StepRef], frozenset[int]] | None:
    """The analysis, steps and built steps of the previous Dockerfile (its stage named ``target``,
    else its last: when the target is new, the old build made its last stage)."""
    if previous is None:
        return None
    from dfanalyze.checks.context import FileAnalysis

    old = FileAnalysis(previous, build_args=dict(analysis.build_args), context_dir=analysis.context_dir)
    refs = _step_refs(previous)
    if not previous.stages:
        return old, refs, frozenset()
    named = previous.stage_named(target) if target is not None else None
    needed = _needed_stages(previous, named.index if named is not None else previous.stages[-1].index)
    return old, refs, frozenset(r.index for r in refs if r.stage in needed)


def _same(entry: Any) -> str:
    return "="


def build_keys(
    analysis: FileAnalysis,
    context: BuildContext | None,
    target: str | None = None,
    reference: cache.KeySet | None = None,
) -> cache.KeySet:
    """The cache keys of a build with the real content of the context (file digests): compare
    two builds with :func:`dfanalyze.layers.cache.rebuilds`, giving the first as ``reference``
    of the second. A ``COPY --from`` of a rebuilt stage is known to rebuild when it takes a file
    whose digest differs from the reference's."""
    dockerfile = analysis.dockerfile
    refs = _step_refs(dockerfile)
    needed = _needed_stages(dockerfile, _target(dockerfile, target))
    built = frozenset(r.index for r in refs if r.stage in needed)
    fingerprint = context.digest if context is not None else _same
    digests = {e.path: context.digest(e) for e in context.entries if e.kind != "dir"} if context else {}
    copies: frozenset[int] = frozenset()
    if reference is not None:
        old = reference.digests
        changed = {p for p in digests.keys() | old.keys() if digests.get(p) != old.get(p)}
        copied = _layers(analysis, refs, context, BUILDKIT, calibration(), estimate_packages=False)[3]
        copies = _copies_changed(copied, changed)
    inputs = cache.KeyInputs(
        dockerfile,
        analysis.scopes,
        analysis.shells,
        context,
        fingerprint,
        reference=reference,
        copies_changed=copies,
    )
    return replace(cache.compute_keys(refs, built, inputs), digests=digests)


# --- networkx ------------------------------------------------------------------------------------------


def _networkx(
    dockerfile: model.Dockerfile,
    steps: Sequence[Step],
    context: BuildContext | None,
    target: int,
    analysis: FileAnalysis,
) -> Any:
    import networkx as nx

    graph = nx.DiGraph()
    last: dict[int, str] = {}
    for stage in dockerfile.stages:
        graph.add_node(f"stage:{stage.index}", kind="stage", name=stage.name, index=stage.index)
    for step in steps:
        node = f"step:{step.index}"
        graph.add_node(node, kind="step", step=step)
        graph.add_edge(f"stage:{step.stage}", node, kind="contains")
        ins = step.instruction
        if isinstance(ins, model.From):
            parent = cache.earlier_stage(dockerfile, ins.image.text if ins.image else "", step.stage)
            if parent is not None and parent in last:
                graph.add_edge(last[parent], node, kind="from")
            elif step.base is not None:
                graph.add_node(f"image:{step.base.ref}", kind="image")
                graph.add_edge(f"image:{step.base.ref}", node, kind="from")
        else:
            graph.add_edge(last[step.stage], node, kind="parent")
            _inputs(graph, dockerfile, step, last, context, analysis)
        last[step.stage] = node
    graph.add_node("result", kind="result")
    graph.add_edge(last[target], "result", kind="result")
    return graph


def _inputs(
    graph: Any,
    dockerfile: model.Dockerfile,
    step: Step,
    last: Mapping[int, str],
    context: BuildContext | None,
    analysis: FileAnalysis,
) -> None:
    node = f"step:{step.index}"
    ins = step.instruction
    if isinstance(ins, model.CopyLike):
        flag = ins.flag("from")
        if flag is not None and flag.value is not None:
            source = cache.earlier_stage(dockerfile, flag.value, step.stage)
            if source is not None and source in last:
                graph.add_edge(last[source], node, kind="copy-from")
            else:
                graph.add_node(f"image:{flag.value}", kind="image")
                graph.add_edge(f"image:{flag.value}", node, kind="copy-from")
            return
        scope = analysis.scopes.at(ins)
        for word in ins.sources:
            source_text = scope.value(word.text, dockerfile.escape)
            if source_text is None:
                continue
            if isinstance(ins, model.Add) and "://" in source_text:
                graph.add_node(f"url:{source_text}", kind="url")
                graph.add_edge(f"url:{source_text}", node, kind="downloads")
            elif context is not None:
                _read_context(graph, node, context, context.select(source_text, _excludes(ins)))
    elif isinstance(ins, model.Run):
        for mount in ins.mounts:
            _mount(graph, dockerfile, step, mount, last, context)
        for script in analysis.shell_scripts(ins):
            for op in operations(script):
                if isinstance(op, PackageOp) and op.action == "install":
                    for package in op.packages:
                        name = f"package:{op.manager}:{package.name}"
                        graph.add_node(name, kind="package")
                        graph.add_edge(name, node, kind="installs")
                elif isinstance(op, Download):
                    for url in op.urls:
                        graph.add_node(f"url:{url.value or url.text}", kind="url")
                        graph.add_edge(f"url:{url.value or url.text}", node, kind="downloads")


def _excludes(ins: model.CopyLike) -> list[str]:
    return [f.value for f in ins.flags_named("exclude") if f.value]


def _read_context(graph: Any, node: str, context: BuildContext, matches: Iterable[Any]) -> None:
    for match in matches:
        for _, entry in match.members:
            if entry.kind != "dir":
                graph.add_node(f"context:{entry.path}", kind="context", size=entry.size)
                graph.add_edge(f"context:{entry.path}", node, kind="reads")


def _mount(
    graph: Any,
    dockerfile: model.Dockerfile,
    step: Step,
    mount: model.Mount,
    last: Mapping[int, str],
    context: BuildContext | None,
) -> None:
    node = f"step:{step.index}"
    if mount.type == "secret":
        name = f"secret:{mount.option('id') or mount.target or ''}"
    elif mount.type == "ssh":
        name = "ssh"
    elif mount.type in ("cache", "tmpfs"):
        name = f"{mount.type}:{mount.target or ''}"
    elif mount.from_ is not None:
        source = cache.earlier_stage(dockerfile, mount.from_, step.stage)
        if source is not None and source in last:
            graph.add_edge(last[source], node, kind="mount-from")
            return
        name = f"image:{mount.from_}"
    else:
        if context is not None:
            _read_context(graph, node, context, context.select(mount.source or "."))
        return
    graph.add_node(name, kind=name.split(":")[0])
    graph.add_edge(name, node, kind="mounts")
