"""The public Python API: what the command line calls, and what users may import.

``parse`` turns a Dockerfile into the model; ``lint`` runs the rules and returns findings. Both
accept a path, bytes or text, and never raise on bad Dockerfile content: problems are diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dfanalyze.findings import Finding
from dfanalyze.model import Dockerfile
from dfanalyze.parse import parse_bytes, parse_text

if TYPE_CHECKING:
    from dfanalyze.layers.graph import LayerGraph


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
) -> LayerGraph:
    """The layer graph of a Dockerfile (:class:`dfanalyze.layers.graph.LayerGraph`): every step
    with its estimated layer size, its cache inputs and whether the given changes rebuild it, the
    image's estimated size and wasted space, and the ``networkx`` graph (``.graph``).

    The build context is ``context_dir``, else the Dockerfile's folder when it is read from a
    file. ``changed_paths`` are context paths whose content or mode changed (or that were added
    or deleted), ``changed_args`` build arguments whose value changed. ``builder`` is
    ``"buildkit"`` (the model) or ``"buildah"`` (what the measurements in ``oracle/`` used).
    Raises :class:`~dfanalyze.layers.graph.TargetError` when the file has no stage or ``target``
    names none.
    """
    from dfanalyze.checks.context import FileAnalysis
    from dfanalyze.layers.graph import Changes, build_layer_graph, load_build_context
    from dfanalyze.layers.sizes import profile_named

    dockerfile = source if isinstance(source, Dockerfile) else parse(source, path)
    on_disk = isinstance(source, Path) or path is not None
    context = load_build_context(context_dir, dockerfile.path if on_disk else None)
    analysis = FileAnalysis(dockerfile, build_args=dict(build_args or {}))
    changes = Changes(frozenset(changed_paths), frozenset(changed_args))
    return build_layer_graph(
        analysis, context=context, target=target, changes=changes, profile=profile_named(builder)
    )
