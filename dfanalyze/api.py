"""The public Python API: what the command line calls, and what users may import.

``parse`` turns a Dockerfile into the model; ``lint`` runs the rules and returns findings. Both
accept a path, bytes or text, and never raise on bad Dockerfile content: problems are diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dfanalyze.findings import Finding
from dfanalyze.model import Dockerfile
from dfanalyze.parse import parse_bytes, parse_text

if TYPE_CHECKING:
    from datetime import date

    from dfanalyze.analysis.context import BuildContext
    from dfanalyze.analysis.symbols import SymbolIndex
    from dfanalyze.checks.suppression import Comment
    from dfanalyze.engine.config import ConfigError, Overrides
    from dfanalyze.engine.run import Linter
    from dfanalyze.knowledge.base_images import ImageInfo, ReleaseStatus
    from dfanalyze.layers.graph import LayerGraph


class InputError(OSError):
    """A Dockerfile could not be read (missing, a directory, unreadable)."""


def read(path: str | Path) -> bytes:
    """Read a Dockerfile's bytes, turning every I/O failure into one clear :class:`InputError`."""
    p = Path(path)
    try:
        return p.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a Dockerfile") from None
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from None


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
) -> LayerGraph:
    """The layer graph of a Dockerfile (:class:`dfanalyze.layers.graph.LayerGraph`): every step
    with its estimated layer size, its cache inputs and whether the given changes rebuild it, the
    image's estimated size and wasted space, and the ``networkx`` graph (``.graph``).

    The build context is ``context_dir``, else the Dockerfile's folder when it is read from a
    file. ``changed_paths`` are context paths whose content or mode changed (or that were added
    or deleted), ``changed_args`` build arguments whose value changed. ``builder`` is
    ``"buildkit"`` (the model) or ``"buildah"`` (what the measurements in ``oracle/`` used).
    ``build_context``: a context already read (:meth:`Checker.build_context`), used instead.
    Raises :class:`~dfanalyze.layers.graph.TargetError` when ``target`` names no stage.
    """
    from dfanalyze.checks.context import FileAnalysis
    from dfanalyze.layers.graph import Changes, build_layer_graph, load_build_context
    from dfanalyze.layers.sizes import profile_named

    dockerfile = source if isinstance(source, Dockerfile) else parse(source, path)
    on_disk = isinstance(source, Path) or path is not None
    context = build_context or load_build_context(context_dir, dockerfile.path if on_disk else None)
    analysis = FileAnalysis(dockerfile, build_args=dict(build_args or {}))
    changes = Changes(frozenset(changed_paths), frozenset(changed_args))
    return build_layer_graph(
        analysis, context=context, target=target, changes=changes, profile=profile_named(builder)
    )


# -- the editor's view: in-memory texts linted as their files would be -------------------------------


@dataclass(frozen=True)
class Checked:
    """What :meth:`Checker.check` found in one text."""

    dockerfile: Dockerfile
    findings: list[Finding]
    rule_errors: tuple[str, ...] = ()
    """Rules that could not run on the text (bugs in checks): the other rules' findings are here."""
    config_error: ConfigError | None = None
    """The configuration that applies cannot be used: nothing was linted (as ``dfanalyze check``)."""


_STAMP = tuple[str, int, int]


def _stamp(path: Path | None) -> _STAMP | None:
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
    ``pyproject.toml``, ``.hadolint.yaml``), its rules, severities and options, the suppression
    comments, and the build context of the file's folder.

    Configurations are looked up again for every text (a few ``stat`` calls) and re-read when a
    configuration file appears, changes or disappears. Build contexts are read once per folder and
    kept until :meth:`forget` (the editor calls it when files change on disk): walking a folder on
    every keystroke would cost more than the lint.
    """

    def __init__(self, overrides: Overrides | None = None) -> None:
        from dfanalyze.engine.config import Overrides

        self._overrides = overrides or Overrides()
        self._linters: dict[tuple[_STAMP | None, _STAMP | None], Linter | ConfigError] = {}
        self._contexts: dict[tuple[Path, str], BuildContext | None] = {}

    def config_files(self, path: str | Path) -> tuple[Path | None, Path | None]:
        """The dfanalyze configuration file and the hadolint file that apply to ``path``."""
        from dfanalyze.engine.config import config_files

        return config_files(Path(path).resolve().parent)

    def linter(self, path: str | Path) -> Linter:
        """The linter for the file at ``path``; :class:`ConfigError` (or
        :class:`~dfanalyze.engine.selection.SelectorError`) when its configuration cannot be used."""
        from dfanalyze.engine.config import ConfigError, read_config_files
        from dfanalyze.engine.registry import default_registry
        from dfanalyze.engine.selection import SelectorError

        ours, theirs = self.config_files(path)
        key = (_stamp(ours), _stamp(theirs))
        made = self._linters.get(key)
        if made is None:
            if len(self._linters) > 64:  # old versions of edited files: never needed again
                self._linters.clear()
            try:
                made = read_config_files(ours, theirs).linter(default_registry(), self._overrides)
            except ConfigError as exc:
                made = exc
            except SelectorError as exc:
                made = ConfigError(str(ours or theirs or path), exc.key, f"{exc.selector!r} names no rule")
            self._linters[key] = made
        if isinstance(made, ConfigError):
            raise made
        return made

    def build_context(self, path: str | Path, dockerfile: Dockerfile | None = None) -> BuildContext | None:
        """The build context of the file at ``path`` (its folder, with the ignore file a build
        would use), as the lint rules read it: None when ``dockerfile`` reads nothing from it, when
        the folder does not exist or holds more than the rules' limit of entries."""
        from dfanalyze.analysis.context import ContextTooLarge
        from dfanalyze.checks.layers import CONTEXT_LIMIT, reads_context
        from dfanalyze.layers.graph import load_build_context

        if dockerfile is not None and not reads_context(dockerfile):
            return None
        file = Path(path).resolve()
        key = (file.parent, file.name)
        if key not in self._contexts:
            try:
                self._contexts[key] = load_build_context(
                    file.parent, file if file.is_file() else None, CONTEXT_LIMIT
                )
            except ContextTooLarge:
                self._contexts[key] = None
        return self._contexts[key]

    def forget(self) -> None:
        """Drop the configurations and build contexts read so far (files changed on disk)."""
        self._linters.clear()
        self._contexts.clear()

    def _lint(self, path: str | Path, linter: Linter) -> Callable[[Dockerfile], list[Finding]]:
        from dfanalyze.checks.layers import BUILD_CONTEXT_KEY

        def lint(dockerfile: Dockerfile) -> list[Finding]:
            preloaded = {BUILD_CONTEXT_KEY: self.build_context(path, dockerfile)}
            return linter.lint(dockerfile, preloaded=preloaded)

        return lint

    def fix(self, text: str, path: str | Path, *, unsafe: bool = False) -> str | None:
        """``text`` after ``dfanalyze --fix`` (``--unsafe-fixes`` with ``unsafe``): the same passes,
        re-linting in between; None when the configuration cannot be used."""
        from dfanalyze.batch import Job, Task, check_file
        from dfanalyze.engine.config import ConfigError

        try:
            linter = self.linter(path)
        except ConfigError:
            return None
        job = Job(self._lint(path, linter), fix=True, unsafe_fixes=unsafe)
        result = check_file(job, Task(str(path), text.encode("utf-8")))
        return result.fixed_text if result.fixed_text is not None else text

    def check(self, text: str, path: str | Path) -> Checked:
        """Parse and lint ``text`` as the content of the file at ``path``."""
        from dfanalyze.checks.layers import BUILD_CONTEXT_KEY
        from dfanalyze.engine.config import ConfigError
        from dfanalyze.engine.run import RunProblem

        dockerfile = parse(text, str(path))
        try:
            linter = self.linter(path)
        except ConfigError as exc:
            return Checked(dockerfile, [], config_error=exc)
        problems: list[RunProblem] = []
        preloaded = {BUILD_CONTEXT_KEY: self.build_context(path, dockerfile)}
        findings = linter.lint(dockerfile, problems=problems, preloaded=preloaded)
        return Checked(dockerfile, findings, tuple(str(p) for p in problems))


# -- what dfanalyze knows of a base image ------------------------------------------------------------


@dataclass(frozen=True)
class ImageFacts:
    """What the shipped data says about one image reference (``None``/empty: unknown)."""

    ref: str
    info: ImageInfo | None
    """The base-image data's entry (family, variant, package manager, user, volumes ...)."""
    size_bytes: int | None
    """The uncompressed size the layer model uses, when a source gives it..."""
    size_source: str
    """... and where it comes from (or why it is unknown)."""
    releases: tuple[ReleaseStatus, ...]
    """Support status of each release the tag depends on (the image's product, its distribution)."""


def image_facts(reference: str, on: date | None = None) -> ImageFacts | None:
    """What dfanalyze knows of ``reference`` (``python:3.12-slim``), its end of life judged on day
    ``on`` (today by default); None when the text is not an image reference."""
    from datetime import date as date_type

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
    releases: list[ReleaseStatus] = []
    if info is not None:
        repository = ref.repository if ref.registry is None else f"{ref.registry}/{ref.repository}"
        for cycle in cycle_of(repository, ref.tag):
            status = release_status(cycle.product, cycle.cycle, day)
            if status is not None:
                releases.append(status)
    return ImageFacts(ref.text, info, base.bytes, base.source, tuple(releases))


def image_tags(repository: str, on: date | None = None) -> list[str]:
    """The tags of ``repository`` the shipped data knows of (its product's release cycles, with
    the variants and distribution releases it names), newest release first: what an editor
    offers after ``FROM repository:``; releases past their end of life on day ``on`` (today by
    default) are left out. Empty for an image the data does not know."""
    from dfanalyze.knowledge.base_images import known_tags

    return known_tags(repository, on)


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
