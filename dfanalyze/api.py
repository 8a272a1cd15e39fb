"""The public Python API: what the command line calls, and what users may import.

``parse`` turns a Dockerfile into the model; ``lint`` runs the rules and returns findings. Both
accept a path, bytes or text, and never raise on bad Dockerfile content: problems are diagnostics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dfanalyze.findings import Finding
from dfanalyze.model import Dockerfile
from dfanalyze.parse import parse_bytes, parse_text


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
