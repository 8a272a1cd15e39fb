"""The public Python API: what the command line calls, and what users may import.

``parse`` turns a Dockerfile into the model; ``lint`` runs the rules and returns findings. Both
accept a path, bytes or text, and never raise on bad Dockerfile content: problems are diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

from dfanalyze.findings import Finding
from dfanalyze.model import Dockerfile
from dfanalyze.parse import parse_bytes, parse_text

if TYPE_CHECKING:
    from datetime import date

    from dfanalyze.analysis.context import BuildContext
    from dfanalyze.analysis.symbols import SymbolIndex
    from dfanalyze.batch import Job
    from dfanalyze.checks.context import FileAnalysis
    from dfanalyze.checks.suppression import Comment
    from dfanalyze.engine.config import ConfigError, Overrides
    from dfanalyze.engine.linting import Plan, Skipped
    from dfanalyze.knowledge.base_images import ImageInfo, ReleaseStatus
    from dfanalyze.knowledge.image_facts import BaseImageFacts
    from dfanalyze.layers.graph import LayerGraph
    from dfanalyze.report.result import RuleFailure


class InputError(OSError):
    """A Dockerfile could not be read (missing, a directory, unreadable)."""


def read(path: str | Path) -> bytes:
    """Read a Dockerfile's bytes, turning every I/O failure into one clear :class:`InputError`.
    Only regular files are opened: a FIFO, a device or a socket is refused unopened
    (:func:`dfanalyze.files.read_regular`)."""
    from dfanalyze.files import NotReadable, read_regular

    try:
        return read_regular(path)
    except NotReadable as exc:
        raise InputError(str(exc)) from None


def parse(source: str | bytes | Path, path: str | None = None) -> Dockerfile:
    """Parse a Dockerfile given as a :class:`~pathlib.Path`, as bytes, or as text."""
    if isinstance(source, Path):
        return parse_bytes(read(source), path or str(source))
    if isinstance(source, bytes):
        return parse_bytes(source, path or "Dockerfile")
    return parse_text(source, path or "Dockerfile")


def lint(
    source: str | bytes | Path | Dockerfile,
    path: str | None = None,
    *,
    build_args: dict[str, str] | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
) -> list[Finding]:
    """Parse (unless given a model) and run the rules; findings sorted by position."""
    from dfanalyze.engine.run import lint_dockerfile

    dockerfile = source if isinstance(source, Dockerfile) else parse(source, path)
    return lint_dockerfile(dockerfile, build_args=build_args or {}, select=select, ignore=ignore)


def layers(
    source: str | bytes | Path | Dockerfile,
    path: str | None = None,
    *,
    context_dir: str | Path | None = None,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    changed_paths: Iterable[str] = (),
    changed_args: Iterable[str] = (),
    builder: str = "buildkit",
    build_context: BuildContext | None = None,
    previous: str | bytes | Dockerfile | None = None,
) -> LayerGraph:
    """The layer graph of a Dockerfile (:class:`dfanalyze.layers.graph.LayerGraph`): every step
    with its estimated layer size (``estimated_bytes`` in ``low_bytes``-``high_bytes``, and
    ``compressed_bytes``; a FROM step's is its base image's), its cache inputs and whether the given
    changes rebuild it, the image's estimated size (the same fields, the steps that make its range
    in ``uncertainty`` and the day of the base image's data in ``data_as_of``) and wasted space, and
    the ``networkx`` graph (``.graph``).

    The build context is ``context_dir``, else the Dockerfile's folder when it is read from a
    file. ``changed_paths`` are context paths whose content or mode changed (or that were added
    or deleted), ``changed_args`` build arguments whose value changed. ``builder`` is
    ``"buildkit"`` (the model) or ``"buildah"`` (what the measurements in ``oracle/`` used).
    ``build_context``: a context already read (:meth:`Checker.build_context`), used instead.
    ``previous``: the Dockerfile as the last build read it, when it was edited since (the edited
    steps and every later step of their stage rebuild, and what depends on them).
    Raises :class:`~dfanalyze.layers.graph.TargetError` when the file has no stage or ``target``
    names none.
    """
    from dfanalyze.checks.context import FileAnalysis
    from dfanalyze.checks.layers import context_sources
    from dfanalyze.layers.graph import Changes, build_layer_graph, load_build_context
    from dfanalyze.layers.sizes import profile_named

    dockerfile = source if isinstance(source, Dockerfile) else parse(source, path)
    on_disk = isinstance(source, Path) or path is not None
    analysis = FileAnalysis(dockerfile, build_args=dict(build_args or {}))
    context = build_context or load_build_context(
        context_dir, dockerfile.path if on_disk else None, sources=context_sources(analysis)
    )
    old = (
        previous if isinstance(previous, Dockerfile) or previous is None else parse(previous, dockerfile.path)
    )
    changes = Changes(frozenset(changed_paths), frozenset(changed_args), old)
    return build_layer_graph(
        analysis, context=context, target=target, changes=changes, profile=profile_named(builder)
    )


# -- the editor's view: in-memory texts linted as their files would be -------------------------------


class Checked(Struct, frozen=True):
    """What :meth:`Checker.check` found in one text."""

    dockerfile: Dockerfile
    findings: tuple[Finding, ...] = ()
    failures: tuple[RuleFailure, ...] = ()
    """Rules that raised an exception on the text (bugs in checks): the other rules' findings are here."""
    not_run: tuple[Skipped, ...] = ()
    """Selected rules that cannot run here (their program is not installed)."""
    config_error: ConfigError | None = None
    """The configuration that applies cannot be used: nothing was linted (as ``dfanalyze check``)."""


_Stamp = tuple[str, int, int]
_Planned = tuple["Plan", tuple["Skipped", ...]]


def _stamp(path: Path | None) -> _Stamp | None:
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), info.st_mtime_ns, info.st_size)


class Checker:
    """Lints Dockerfiles given as text (an editor's unsaved buffer) exactly as ``dfanalyze check``
    lints the file at their path: the configuration found for that path (``.dfanalyze.toml``,
    ``pyproject.toml``, ``.hadolint.yaml``, else the user configuration) under the same trust
    model (a configuration found next to the file may not name Python checks), its rules,
    severities, ``per-file-ignores`` and ``fixable`` settings, the suppression comments, and the
    build context of the file's folder. ``overrides`` play the command line's part.

    Configurations are looked up again for every text (a few ``stat`` calls) and re-read when a
    configuration file appears, changes or disappears. Build contexts are read once per folder and
    kept until :meth:`forget` (the editor calls it when files change on disk): walking a folder on
    every keystroke would cost more than the lint.
    """

    def __init__(self, overrides: Overrides | None = None) -> None:
        from dfanalyze.engine.config import Overrides

        self._overrides = overrides or Overrides()
        self._plans: dict[tuple[_Stamp | None, _Stamp | None], _Planned | ConfigError] = {}
        # One build context per Dockerfile (its folder and name), with the sources it was read
        # for: an edit that changes the sources replaces it, so a long-lived checker (the language
        # server) holds at most one per file however often its COPY lines are edited.
        self._contexts: dict[tuple[Path, str], tuple[tuple[str, ...] | None, BuildContext | None]] = {}

    def config_files(self, path: str | Path) -> tuple[Path | None, Path | None]:
        """The dfanalyze configuration file (or the user configuration) and the hadolint file that
        apply to the file at ``path``."""
        from dfanalyze.engine.config import user_config_file

        return self._config_files(path, user_config_file())

    @staticmethod
    def _config_files(path: str | Path, user: Path | None) -> tuple[Path | None, Path | None]:
        from dfanalyze.engine.config import config_files, folder_of

        return config_files(folder_of(str(path)), user)

    def _planned(self, path: str | Path) -> tuple[Plan, tuple[Skipped, ...]]:
        from dfanalyze.engine.config import ConfigError, read_config_files, user_config_file
        from dfanalyze.engine.linting import make_plan
        from dfanalyze.engine.registry import default_registry
        from dfanalyze.engine.selection import SelectorError

        user = user_config_file()  # looked up every time: made or removed while the editor runs
        ours, theirs = self._config_files(path, user)
        key = (_stamp(ours), _stamp(theirs))
        made = self._plans.get(key)
        if made is None:
            if len(self._plans) > 64:  # old versions of edited configurations: never needed again
                self._plans.clear()
            skipped: dict[str, Skipped] = {}
            try:
                config = read_config_files(ours, theirs, user=user)
                plan = make_plan(config, default_registry(), self._overrides, skipped)
                made = plan, tuple(skipped.values())
            except ConfigError as exc:
                made = exc
            except SelectorError as exc:  # the overrides' selectors, as the command line's are
                made = ConfigError("overrides", f"--{exc.key}", f"{exc.selector!r} names no rule{exc.hint}")
            self._plans[key] = made
        if isinstance(made, ConfigError):
            raise made
        return made

    def plan(self, path: str | Path) -> Plan:
        """What the configuration of the file at ``path`` gives it (its linter, failure threshold,
        per-file ignores, unfixable rules): :class:`~dfanalyze.engine.config.ConfigError` when that
        configuration cannot be used."""
        return self._planned(path)[0]

    def build_context(self, path: str | Path, dockerfile: Dockerfile | None = None) -> BuildContext | None:
        """The build context of the file at ``path`` as the lint rules read it
        (:func:`~dfanalyze.checks.layers.read_build_context`; as far as the sources of
        ``dockerfile`` reach, all of it without one): None when ``dockerfile`` reads nothing
        from it, when the folder does not exist or holds too many entries."""
        from dfanalyze.checks.context import FileAnalysis

        if dockerfile is None:
            return self._read_context(path, None)
        return self._read_context(path, FileAnalysis(dockerfile))

    def _read_context(self, path: str | Path, analysis: FileAnalysis | None) -> BuildContext | None:
        from dfanalyze.checks.layers import context_sources, read_build_context, reads_context
        from dfanalyze.engine.config import folder_of

        if analysis is not None and not reads_context(analysis.dockerfile):
            return None
        sources = context_sources(analysis) if analysis is not None else None
        key = (folder_of(str(path)), Path(path).name)  # the name picks the ignore file
        stored = self._contexts.get(key)
        if stored is None or stored[0] != sources:
            stored = self._contexts[key] = (sources, read_build_context(str(path), sources=sources))
        return stored[1]

    def forget(self) -> None:
        """Drop the configurations and build contexts read so far (files changed on disk)."""
        self._plans.clear()
        self._contexts.clear()

    def _job(self, path: str | Path, plan: Plan, *, fix: bool = False, unsafe: bool = False) -> Job:
        from dfanalyze.batch import Job
        from dfanalyze.checks.layers import CONTEXT_READER_KEY

        def lint(dockerfile: Dockerfile) -> list[Finding]:
            return plan(dockerfile, {CONTEXT_READER_KEY: lambda analysis: self._read_context(path, analysis)})

        return Job(lint, fix=fix, unsafe_fixes=unsafe)

    def check(self, text: str, path: str | Path) -> Checked:
        """Parse and lint ``text`` as the content of the file at ``path``."""
        from dfanalyze.batch import check_dockerfile
        from dfanalyze.engine.config import ConfigError

        data = text.encode("utf-8")
        dockerfile = parse(data, str(path))
        try:
            plan, not_run = self._planned(path)
        except ConfigError as exc:
            return Checked(dockerfile, config_error=exc)
        result = check_dockerfile(self._job(path, plan), dockerfile, data)
        return Checked(dockerfile, result.findings, result.failures, not_run)

    def fix(self, text: str, path: str | Path, *, unsafe: bool = False) -> str | None:
        """``text`` after ``dfanalyze check --fix`` (``--unsafe-fixes`` with ``unsafe``): the same
        passes, re-linting in between; None when the configuration cannot be used."""
        from dfanalyze.batch import check_dockerfile
        from dfanalyze.engine.config import ConfigError

        try:
            plan = self.plan(path)
        except ConfigError:
            return None
        data = text.encode("utf-8")
        job = self._job(path, plan, fix=True, unsafe=unsafe)
        result = check_dockerfile(job, parse(data, str(path)), data)
        return result.fixed_text if result.fixed_text is not None else text


# -- what dfanalyze knows of a base image ------------------------------------------------------------


class ImageFacts(Struct, frozen=True):
    """What the shipped data says about one image reference (``None``/empty: unknown)."""

    ref: str
    facts: BaseImageFacts | None
    """The tag as docker-library/repo-info describes it on the platform: sizes, layers,
    distribution, packages, configuration (:mod:`dfanalyze.knowledge.image_facts`)."""
    info: ImageInfo | None
    """The image family's entry (product, variant, package manager, what its Dockerfile declares:
    :mod:`dfanalyze.knowledge.base_images`)."""
    estimate_bytes: int | None
    """The size the layer estimates start from, when a source gives it ..."""
    estimate_source: str
    """... and where it comes from (or why it is unknown)."""
    releases: tuple[ReleaseStatus, ...]
    """Support status of each release the tag depends on (the image's product, its distribution)."""


def image_facts(reference: str, on: date | None = None, platform: str | None = None) -> ImageFacts | None:
    """What dfanalyze knows of ``reference`` (``python:3.12-slim``) on ``platform`` (amd64 by
    default), its end of life judged on day ``on`` (today by default); None when the text is not
    an image reference."""
    from datetime import date as date_type

    from dfanalyze.knowledge import image_facts as repo_info
    from dfanalyze.knowledge.base_images import cycle_of, lookup, release_status
    from dfanalyze.layers.sizes import base_image, calibration
    from dfanalyze.parse.instructions import parse_image_ref
    from dfanalyze.span import Span

    ref = parse_image_ref(reference, Span.of(1, 1, 1, 1 + len(reference)))
    if ref is None:
        return None
    info = lookup(ref.registry, ref.repository, ref.tag)
    base = base_image(ref, reference, calibration())
    day = on or date_type.today()
    repository = ref.repository if ref.registry is None else f"{ref.registry}/{ref.repository}"
    releases = [release_status(c.product, c.cycle, day) for c in cycle_of(repository, ref.tag)]
    return ImageFacts(
        ref.text,
        repo_info.lookup(ref.text, platform),
        info,
        base.bytes,
        base.source,
        tuple(status for status in releases if status is not None),
    )


class ImageTag(Struct, frozen=True):
    """A tag of an image, as an editor offers it after ``FROM image:``."""

    tag: str
    uncompressed_bytes: int | None
    """The amd64 image's size (None when the data does not give it)."""
    distro: str | None
    """``debian 13.7``, ``alpine 3.24.1`` ... (None when not known)."""
    past_end_of_life: tuple[str, ...]
    """The releases it is built on that are past their end of life (``python 3.9``) ..."""
    extended_support: tuple[str, ...]
    """... and those past it that only an extended support covers (``debian 12``: Debian LTS)."""


def image_tags(repository: str, on: date | None = None) -> list[ImageTag]:
    """The tags of ``repository`` (``python``, ``library/python``, ``docker.io/library/python``)
    that the shipped base-image data knows (:func:`dfanalyze.knowledge.image_facts.tags`): the
    newest release first, a release's shorter tags before its variants, and last those built on
    a release past its end of life on day ``on`` (today by default) that no extended support
    covers. Empty for an image the data does not know."""
    from datetime import date as date_type

    from dfanalyze.knowledge import image_facts as repo_info
    from dfanalyze.knowledge.base_images import cycle_of, release_status

    day = on or date_type.today()
    found = []
    for tag in repo_info.tags(repository):
        facts = repo_info.lookup(f"{repository}:{tag}")
        statuses = [release_status(c.product, c.cycle, day) for c in cycle_of(repository, tag)]
        ended = [s for s in statuses if s is not None and s.is_eol]
        past = tuple(f"{s.product} {s.cycle}" for s in ended if not s.in_extended_support)
        extended = tuple(f"{s.product} {s.cycle}" for s in ended if s.in_extended_support)
        distro = None
        if facts is not None and facts.distro is not None:
            distro = " ".join(part for part in (facts.distro, facts.distro_release) if part)
        size = facts.uncompressed_bytes if facts is not None else None
        found.append(ImageTag(tag, size, distro, past, extended))
    found.sort(key=lambda t: (bool(t.past_end_of_life), _newest_first(t.tag)))
    return found


def _newest_first(tag: str) -> tuple[tuple[int, ...], int, str]:
    """Sorts tags by the release they name (major and minor version), newest first (``3.14`` <
    ``3.13-slim`` < ``3`` < ``bookworm``), then the shorter tags of a release first."""
    leading = re.match(r"\d+(?:\.\d+)?", tag)
    if leading is None:
        return (1,), len(tag), tag
    return (*(-int(n) for n in leading.group().split(".")), 0), len(tag), tag


# -- stage names and variables -----------------------------------------------------------------------


def symbols(dockerfile: Dockerfile, build_args: Mapping[str, str] | None = None) -> SymbolIndex:
    """Where each stage name and build variable (ARG, ENV) is defined and used, and the values of
    the variables with ``build_args`` (:mod:`dfanalyze.analysis.symbols`)."""
    from dfanalyze.analysis.symbols import symbol_index

    return symbol_index(dockerfile, build_args)


def suppression_comments(dockerfile: Dockerfile) -> tuple[Comment, ...]:
    """The suppression comments of a file (``# dfanalyze: ignore=``, ``# hadolint ignore=``,
    ``# check=skip=``), each code with its span (:mod:`dfanalyze.engine.suppress`)."""
    from dfanalyze.engine.suppress import read_comments

    return read_comments(dockerfile).comments
