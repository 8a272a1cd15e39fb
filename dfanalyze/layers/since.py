"""What changed since a git commit, as ``dfanalyze layers --since REF`` asks: the build-context
paths that differ between the commit and the working tree (committed since, staged, unstaged and
untracked files; a rename is a deletion and an addition), and the Dockerfile as it was.

Git runs as a subprocess (``git`` on the ``PATH``); nothing is written to the repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from msgspec import Struct


class SinceError(ValueError):
    """Git cannot answer: no repository, an unknown commit, no ``git`` program."""


class Since(Struct, frozen=True):
    paths: frozenset[str]
    """Changed paths, relative to the build context (those outside it are left out)."""
    previous: str
    """The Dockerfile's text at the commit (empty when it did not exist then)."""


def changes_since(ref: str, context: Path, dockerfile: Path) -> Since:
    """The changes between commit ``ref`` and the working tree of the repository that holds
    ``dockerfile``; :class:`SinceError` when git cannot tell."""
    folder = dockerfile.resolve().parent
    top = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
    if ref.startswith("-"):
        raise SinceError(f"--since {ref}: not a commit")
    commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", what=ref)
    commit = commit.strip()
    names = _git(top, "diff", "--no-renames", "--name-only", "-z", commit, "--").split("\0")
    names += _git(top, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    root = context.resolve()
    paths = set()
    for name in filter(None, names):
        try:
            paths.add((top / name).relative_to(root).as_posix())
        except ValueError:
            continue  # outside the build context
    inside = dockerfile.resolve().relative_to(top).as_posix()
    exists = subprocess.run(
        ["git", "-C", str(top), "cat-file", "-e", f"{commit}:{inside}"], capture_output=True, check=False
    )
    previous = _git(top, "show", f"{commit}:{inside}") if exists.returncode == 0 else ""
    return Since(frozenset(paths), previous)


def _git(folder: Path, *args: str, what: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            errors="surrogateescape",
            check=False,
        )
    except OSError as exc:
        raise SinceError(f"--since needs git: {exc}") from exc
    if done.returncode != 0:
        if what is not None:
            raise SinceError(f"--since {what}: no such commit in {folder}")
        message = done.stderr.strip().splitlines()
        raise SinceError(
            f"--since: git {args[0]} failed in {folder}: {message[-1] if message else done.returncode}"
        )
    return done.stdout
