"""The real-world Dockerfile set: the manifest, and the files read back from repository snapshots.

``manifest.toml`` (written by ``tools/realworld_manifest.py``) names each file by repository,
commit, path and git blob id; nothing fetched is committed. The files are read from the snapshots
that the search tool's ``fetch`` brings, one git directory per repository under
``/work/.mirror/<owner>+<name>/repo`` (``$DFANALYZE_MIRROR`` overrides the folder), with
``git cat-file``. A blob id names the file's exact content, so a labelled finding keyed by blob id
stays attached to the text it was judged on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.toml"
MIRROR = Path(os.environ.get("DFANALYZE_MIRROR", "/work/.mirror"))
SETS = ("official", "apps")


@dataclass(frozen=True)
class RealFile:
    """One Dockerfile of the set, by reference."""

    set: str  # "official" or "apps"
    repo: str  # owner/name on GitHub
    commit: str  # the commit it was read at
    path: str  # its path in the repository
    blob: str  # its git blob id: the key of its content
    library_commit: str = ""  # the commit the library file names, when the snapshot lacks it
    images: tuple[str, ...] = ()  # official images built from it
    tags: tuple[str, ...] = ()  # their tags (image:tag)

    @property
    def name(self) -> str:
        """How the file is shown: ``owner/name:path``."""
        return f"{self.repo}:{self.path}"


def load(manifest: Path = MANIFEST) -> list[RealFile]:
    """Every file of the manifest, in its order."""
    with manifest.open("rb") as handle:
        data = tomllib.load(handle)
    return [
        RealFile(
            set=f["set"],
            repo=f["repo"],
            commit=f["commit"],
            path=f["path"],
            blob=f["blob"],
            library_commit=f.get("library_commit", ""),
            images=tuple(f.get("images", ())),
            tags=tuple(f.get("tags", ())),
        )
        for f in data.get("file", [])
    ]


def git_dir(repo: str, mirror: Path = MIRROR) -> Path:
    """Where the snapshot of ``repo`` is: ``<mirror>/<owner>+<name>/repo`` (or its ``.git``)."""
    base = mirror / repo.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


class MissingSnapshots(RuntimeError):
    """Some repositories of the set have no snapshot here; the message says what to fetch."""

    def __init__(self, repos: Sequence[str], mirror: Path) -> None:
        self.repos = list(repos)
        lines = [
            f"{len(self.repos)} repositories of the real-world set have no snapshot in {mirror}.",
            f"Bring each with the search tool's fetch (the snapshot lands in {mirror}/<owner>+<name>/repo):",
            *(f"  fetch github:{r}" for r in self.repos),
        ]
        super().__init__("\n".join(lines))


def missing_snapshots(files: Iterable[RealFile], mirror: Path = MIRROR) -> list[str]:
    """The repositories of ``files`` whose snapshot is not here, sorted."""
    return sorted({f.repo for f in files if not (git_dir(f.repo, mirror) / "HEAD").is_file()})


def load_set(part: str | None) -> tuple[list[RealFile], dict[str, bytes]] | None:
    """The files of one part of the set (``official``, ``apps``, or all for None) and their
    contents, as the benchmarks read them; None, with what to fetch said on stderr, when
    snapshots are missing."""
    files = [f for f in load() if part is None or f.set == part]
    try:
        return files, read_all(files)
    except MissingSnapshots as exc:
        print(exc, file=sys.stderr)
        return None


def read_all(files: Sequence[RealFile], mirror: Path = MIRROR) -> dict[str, bytes]:
    """The content of every file, by blob id: one ``git cat-file --batch`` per repository.

    Raises :class:`MissingSnapshots` when a repository has no snapshot, and ``LookupError`` when
    a snapshot lacks a blob (it was replaced by an older one: regenerate the manifest)."""
    missing = missing_snapshots(files, mirror)
    if missing:
        raise MissingSnapshots(missing, mirror)
    by_repo: dict[str, list[str]] = {}
    for f in files:
        by_repo.setdefault(f.repo, []).append(f.blob)
    out: dict[str, bytes] = {}
    for repo, blobs in by_repo.items():
        out.update(_batch(git_dir(repo, mirror), blobs, repo))
    return out


def _batch(git: Path, blobs: Sequence[str], repo: str) -> dict[str, bytes]:
    """Read ``blobs`` from one git directory with ``git cat-file --batch``."""
    request = "".join(f"{b}\n" for b in blobs).encode()
    done = subprocess.run(
        ["git", f"--git-dir={git}", "cat-file", "--batch"], input=request, capture_output=True, check=True
    )
    out: dict[str, bytes] = {}
    data, pos = done.stdout, 0
    for blob in blobs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise LookupError(
                f"{repo}: the snapshot at {git} has no blob {blob}; it differs from the one the "
                "manifest was made from: run tools/realworld_manifest.py"
            )
        size = int(header[2])
        out[blob] = data[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1  # the content is followed by a newline
    return out


def read(file: RealFile, mirror: Path = MIRROR) -> bytes:
    """The content of one file."""
    return read_all([file], mirror)[file.blob]


def checkout(file: RealFile, cache: Path, mirror: Path = MIRROR) -> Path | None:
    """The repository of ``file`` at its commit, as files under ``cache`` (``git archive``, once
    per repository and commit): the build context a user of that repository has. None when the
    snapshot lacks the commit (it holds the file's blob only)."""
    tree = cache / file.repo.replace("/", "+") / file.commit
    if not tree.is_dir():
        partial = tree.with_name(tree.name + ".partial")
        partial.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", f"--git-dir={git_dir(file.repo, mirror)}", "archive", file.commit],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive.stdout, check=True)
        partial.rename(tree)
    return tree
