"""The parsed Dockerfile: frozen values, built once by :mod:`dfanalyze.parse` and shared by every
analysis and rule.

An :class:`Instruction` keeps both views a linter needs: BuildKit's own view (keyword, raw flags,
argument nodes, heredocs, previous comments; see :func:`dfanalyze.parse.dump.to_json`) and typed
fields per instruction kind (``From.image``, ``Copy.sources``, ``Run.mounts`` ...). Every word keeps
its exact span in the source.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from msgspec import Struct

from dfanalyze.span import OffsetMap, Span


class Diagnostic(Struct, frozen=True, gc=False):
    """A problem found while parsing: BuildKit's message at the place it concerns."""

    code: str
    message: str
    span: Span
    severity: str = "error"  # "error" or "warning"


class Word(Struct, frozen=True, gc=False):
    """One argument node as BuildKit keeps it (quotes kept for ENV/LABEL/ARG words, JSON strings
    decoded for the exec form), with its span in the source."""

    text: str
    span: Span


class Flag(Struct, frozen=True, gc=False):
    """A builder flag: ``--name=value`` (``value`` None for a bare ``--name``)."""

    name: str
    value: str | None
    text: str
    span: Span


class Heredoc(Struct, frozen=True, gc=False):
    """A here-document attached to RUN/COPY/ADD: ``<<[-]NAME`` and the body lines after it."""

    name: str
    content: str  # raw body, as BuildKit stores it (tabs kept even with <<-)
    expand: bool  # False when the name was quoted: the body is not variable-expanded
    chomp: bool  # <<- : leading tabs are removed from the body
    fd: int  # 0 when no file descriptor was written (BuildKit's default)
    span: Span  # the <<NAME word
    body_span: Span  # from the first body line to the terminator line
    body_offsets: OffsetMap  # maps offsets in `content` to source positions

    @property
    def text(self) -> str:
        """The body as it will be used: leading tabs removed for ``<<-``."""
        if not self.chomp:
            return self.content
        return "\n".join(line.lstrip("\t") for line in self.content.split("\n"))


class KeyValue(Struct, frozen=True, gc=False):
    """One ENV or LABEL pair. ``separator`` is ``"="`` or ``""`` for the legacy ``ENV key value``."""

    key: Word
    value: Word
    separator: str


class ArgDecl(Struct, frozen=True, gc=False):
    """One name of an ARG instruction, with its default if it has one."""

    name: str
    default: str | None
    word: Word


class ImageRef(Struct, frozen=True, gc=False):
    """A parsed image reference: ``[registry/]repository[:tag][@digest]``."""

    text: str
    registry: str | None
    repository: str
    tag: str | None
    digest: str | None
    span: Span

    @property
    def domain(self) -> str:
        return self.registry or "docker.io"

    @property
    def path(self) -> str:
        """The repository path as a registry sees it (``library/`` added for Docker Hub)."""
        if self.registry is None and "/" not in self.repository:
            return f"library/{self.repository}"
        return self.repository

    @property
    def is_official(self) -> bool:
        """A Docker Hub official image (``ubuntu``, ``docker.io/library/ubuntu``)."""
        return self.domain in ("docker.io", "index.docker.io") and self.path.startswith("library/")

    @property
    def name(self) -> str:
        """The short repository name users write (``python``, ``bitnami/redis``, ``gcr.io/x/y``)."""
        if self.is_official:
            return self.path.removeprefix("library/")
        return self.repository if self.registry is None else f"{self.registry}/{self.repository}"


class Mount(Struct, frozen=True, gc=False):
    """One ``RUN --mount=...`` (BuildKit's CSV key=value options)."""

    type: str  # bind (default), cache, tmpfs, secret, ssh
    target: str | None
    source: str | None
    from_: str | None
    options: tuple[tuple[str, str | None], ...]
    span: Span

    def option(self, key: str) -> str | None:
        for k, v in self.options:
            if k == key:
                return v
        return None


class Instruction(Struct, frozen=True, kw_only=True, gc=False):
    """One instruction. ``kind`` is the upper-cased keyword; ``keyword`` keeps the spelling."""

    kind: str
    keyword: Word
    flags: tuple[Flag, ...] = ()
    args: tuple[Word, ...] = ()
    json: bool = False
    heredocs: tuple[Heredoc, ...] = ()
    comments: tuple[str, ...] = ()
    span: Span
    text: str  # the logical line (continuations joined, comment lines dropped)
    offsets: OffsetMap
    errors: tuple[Diagnostic, ...] = ()

    def flag(self, name: str) -> Flag | None:
        """The last ``--name`` flag (BuildKit keeps the last for non-repeatable flags)."""
        found = None
        for f in self.flags:
            if f.name == name:
                found = f
        return found

    def flags_named(self, name: str) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.name == name)

    @property
    def line(self) -> int:
        return self.span.start.line


class CommandInstruction(Instruction, frozen=True, kw_only=True):
    """RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK CMD: exec form (``exec``) or shell form
    (``shell``: the command text, one word)."""

    shell: Word | None = None
    exec: tuple[Word, ...] = ()

    @property
    def is_exec_form(self) -> bool:
        return self.json

    @property
    def shell_offsets(self) -> OffsetMap | None:
        """The offset map of the shell-form command text (for the shell analysis)."""
        if self.shell is None:
            return None
        start = self.text.find(self.shell.text)
        return self.offsets.shifted(start) if start >= 0 else None


class Run(CommandInstruction, frozen=True, kw_only=True):
    """RUN: a command executed at build time; its filesystem changes become a layer."""

    mounts: tuple[Mount, ...] = ()
    network: str | None = None
    security: str | None = None


class Cmd(CommandInstruction, frozen=True, kw_only=True):
    """CMD: the default command (or ENTRYPOINT arguments) of a container."""


class Entrypoint(CommandInstruction, frozen=True, kw_only=True):
    """ENTRYPOINT: the executable a container runs."""


class Shell(CommandInstruction, frozen=True, kw_only=True):
    """SHELL: the shell used by later shell-form instructions of the stage."""


class Healthcheck(CommandInstruction, frozen=True, kw_only=True):
    """``HEALTHCHECK NONE`` or ``HEALTHCHECK [--options] CMD command``."""

    check_type: Word | None = None  # CMD or NONE as written
    interval: float | None = None  # seconds, None when not given or invalid
    timeout: float | None = None
    start_period: float | None = None
    start_interval: float | None = None
    retries: int | None = None


class From(Instruction, frozen=True, kw_only=True):
    """FROM: starts a stage from an image or an earlier stage."""

    image: Word | None = None  # the image word as written (may contain $VARS)
    image_ref: ImageRef | None = None  # parsed when the word has no variables
    stage_name: Word | None = None  # the name after AS, as written
    as_keyword: Word | None = None

    @property
    def name(self) -> str | None:
        return self.stage_name.text.lower() if self.stage_name else None

    @property
    def platform(self) -> Flag | None:
        return self.flag("platform")


class CopyLike(Instruction, frozen=True, kw_only=True):
    """COPY and ADD: sources (context paths, URLs, or heredoc names) and a destination."""

    sources: tuple[Word, ...] = ()
    dest: Word | None = None

    @property
    def heredoc_sources(self) -> tuple[Heredoc, ...]:
        names = {w.text for w in self.sources}
        return tuple(h for h in self.heredocs if any(n.endswith(h.name) for n in names))


class Copy(CopyLike, frozen=True, kw_only=True):
    """COPY: files from the build context, a stage or an image."""

    @property
    def from_stage(self) -> str | None:
        f = self.flag("from")
        return f.value if f else None


class Add(CopyLike, frozen=True, kw_only=True):
    """ADD: like COPY, and also URLs, git repositories and local archives it extracts."""


class KeyValueInstruction(Instruction, frozen=True, kw_only=True):
    """ENV and LABEL: ``key=value`` pairs (or the legacy ``key value`` form)."""

    pairs: tuple[KeyValue, ...] = ()

    @property
    def is_legacy_form(self) -> bool:
        return any(p.separator == "" for p in self.pairs)


class Env(KeyValueInstruction, frozen=True, kw_only=True):
    """ENV: environment variables of later instructions and of the container."""


class Label(KeyValueInstruction, frozen=True, kw_only=True):
    """LABEL: metadata key/value pairs of the image."""


class Arg(Instruction, frozen=True, kw_only=True):
    """ARG: build arguments, each with an optional default."""

    decls: tuple[ArgDecl, ...] = ()


class Expose(Instruction, frozen=True, kw_only=True):
    """EXPOSE: ports the container listens on."""

    @property
    def ports(self) -> tuple[Word, ...]:
        return self.args


class Volume(Instruction, frozen=True, kw_only=True):
    """VOLUME: mount points for data that outlives the container."""

    @property
    def paths(self) -> tuple[Word, ...]:
        return self.args


class SingleValue(Instruction, frozen=True, kw_only=True):
    """USER, WORKDIR, MAINTAINER, STOPSIGNAL: the rest of the line as one value."""

    value: Word | None = None


class User(SingleValue, frozen=True, kw_only=True):
    """USER: the user (and group) later instructions and the container run as."""


class Workdir(SingleValue, frozen=True, kw_only=True):
    """WORKDIR: the working directory of later instructions and of the container."""


class Maintainer(SingleValue, frozen=True, kw_only=True):
    """MAINTAINER: the deprecated author field."""


class StopSignal(SingleValue, frozen=True, kw_only=True):
    """STOPSIGNAL: the signal that stops the container."""


class Onbuild(Instruction, frozen=True, kw_only=True):
    """ONBUILD: an instruction run when another build uses this image as its base."""

    child: Instruction | None = None


class Unknown(Instruction, frozen=True, kw_only=True):
    """A keyword BuildKit does not know (kept so that the rest of the file is still analysed)."""


class Directive(Struct, frozen=True, gc=False):
    """A parser directive (``# syntax=``, ``# escape=``, ``# check=``) at the top of the file."""

    name: str
    value: str
    span: Span


class StageLink(Struct, frozen=True, gc=False):
    """An edge of the stage graph: ``target`` stage uses ``source`` stage (or an external image)."""

    source: int  # stage index
    target: int
    kind: str  # "from" (FROM <stage>), "copy" (COPY --from), "mount" (RUN --mount=from=)
    instruction: Instruction


class Stage(Struct, frozen=True, kw_only=True, gc=False):
    """A build stage: its FROM and the instructions after it."""

    index: int
    from_: From
    instructions: tuple[Instruction, ...]  # after FROM, in order

    @property
    def name(self) -> str | None:
        return self.from_.name

    @property
    def label(self) -> str:
        """How to refer to the stage in messages: its name, or its index."""
        return self.name if self.name is not None else str(self.index)

    def of_kind(self, *kinds: str) -> list[Instruction]:
        return [i for i in self.instructions if i.kind in kinds]


class Dockerfile(Struct, frozen=True, kw_only=True, dict=True):
    """A parsed Dockerfile: its text, directives, instructions, stages and diagnostics."""

    path: str
    source: str
    lines: tuple[str, ...]  # physical lines, without line terminators
    escape: str
    directives: tuple[Directive, ...]
    instructions: tuple[Instruction, ...]  # every top-level instruction, in order
    global_args: tuple[Arg, ...]  # ARGs before the first FROM
    stages: tuple[Stage, ...]
    diagnostics: tuple[Diagnostic, ...]  # parse errors and warnings, in source order

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "warning")

    def stage_named(self, name: str) -> Stage | None:
        """The stage ``--from=name`` or ``FROM name`` refers to (name or index), if any."""
        return self.stage_before(name, len(self.stages))

    def stage_before(self, name: str, before: int) -> Stage | None:
        """The stage ``name`` (a name or an index) refers to among the first ``before`` stages: a
        name refers only to a stage defined before the instruction that names it, as in BuildKit."""
        index = self._first_stage_named.get(name.lower())
        if index is not None and index < before:
            return self.stages[index]
        if name.isdigit() and int(name) < before:
            return self.stages[int(name)]
        return None

    @cached_property
    def _first_stage_named(self) -> dict[str, int]:
        first: dict[str, int] = {}
        for stage in self.stages:
            if stage.name is not None:
                first.setdefault(stage.name, stage.index)
        return first

    def links_to(self, target: int) -> tuple[StageLink, ...]:
        """The :attr:`stage_links` into stage ``target``."""
        return self._links_by_target.get(target, ())

    def links_from(self, source: int) -> tuple[StageLink, ...]:
        """The :attr:`stage_links` out of stage ``source``."""
        return self._links_by_source.get(source, ())

    @cached_property
    def _links_by_target(self) -> dict[int, tuple[StageLink, ...]]:
        return _grouped(self.stage_links, lambda link: link.target)

    @cached_property
    def _links_by_source(self) -> dict[int, tuple[StageLink, ...]]:
        return _grouped(self.stage_links, lambda link: link.source)

    @cached_property
    def stage_links(self) -> tuple[StageLink, ...]:
        """Every use of a stage by a later stage: ``FROM <stage>``, ``COPY --from``, ``--mount=from=``.

        A name refers only to a stage defined *before* the instruction (as in BuildKit).
        """
        links: list[StageLink] = []
        for stage in self.stages:

            def resolve(ref: str, before: int = stage.index) -> int | None:
                found = self.stage_before(ref, before)
                return None if found is None else found.index

            image = stage.from_.image
            if image is not None:
                src = resolve(image.text)
                if src is not None:
                    links.append(StageLink(src, stage.index, "from", stage.from_))
            for ins in stage.instructions:  # ONBUILD triggers run in a later build: not linked
                if isinstance(ins, Copy) and ins.from_stage is not None:
                    src = resolve(ins.from_stage)
                    if src is not None:
                        links.append(StageLink(src, stage.index, "copy", ins))
                if isinstance(ins, Run):
                    for m in ins.mounts:
                        if m.from_ is not None:
                            src = resolve(m.from_)
                            if src is not None:
                                links.append(StageLink(src, stage.index, "mount", ins))
        return tuple(links)


def _grouped(
    links: tuple[StageLink, ...], key: Callable[[StageLink], int]
) -> dict[int, tuple[StageLink, ...]]:
    found: dict[int, list[StageLink]] = {}
    for link in links:
        found.setdefault(key(link), []).append(link)
    return {stage: tuple(group) for stage, group in found.items()}
