"""What ``pip install`` and ``npm``/``yarn``/``pnpm`` installs write, from the measured package data.

Sizes come from :mod:`dfanalyze.knowledge.package_sizes` (real installs of the most used PyPI and
npm packages). What the install asks for is read from the command line and from the requirement
and lock files the build copied from its context (:func:`is_manifest` says which files are kept
track of; :attr:`~dfanalyze.layers.fs.Tree.manifests` maps them back to the context):

* pip (and ``uv pip``, which byte-compiles only with ``--compile-bytecode``): the named
  requirements and every ``-r`` file (nested ``-r`` files too, and ``poetry export``'s output when
  it is a context file); options, ``-c`` constraints and ``--hash`` are read past; an editable, a
  path or a URL is unknown.
* npm/yarn/pnpm with package names: their dependency closure. Without names (``npm ci``,
  ``npm install``, ``yarn``, ``pnpm install``): the lock file in the working directory
  (``package-lock.json``/``npm-shrinkwrap.json``, ``yarn.lock`` v1 and berry, ``pnpm-lock.yaml``
  5 to 9), each locked package at its locked version; else ``package.json``'s dependencies.
  ``--omit=dev`` and friends leave out the development packages package-lock.json marks;
  yarn.lock does not mark them, and pnpm's marks are not read: there they count.

A requirement or locked package the data does not hold is an unknown part of the layer, never
zero bytes; so is a Python version that was not measured.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from dfanalyze.layers.fs import Blob

if TYPE_CHECKING:
    from dfanalyze.analysis.packages import PackageOp
    from dfanalyze.knowledge.package_sizes import PackageInstall
    from dfanalyze.layers.fs import LayerBuilder
    from dfanalyze.layers.sizes import BaseImage

LOCK_FILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
_MANIFEST_NAMES = frozenset({*LOCK_FILES, "package.json", "Gemfile", "Gemfile.lock", "poetry.lock"})
MANIFEST_ENDINGS = (
    *_MANIFEST_NAMES,
    *(f".{t}{x}{t2}" for t in "tT" for x in "xX" for t2 in "tT"),
    *(f".{i}{n}" for i in "iI" for n in "nN"),
)
"""How every path :func:`is_manifest` accepts ends (a filter without a call, for 100,000 files)."""
_REQUIREMENTS = re.compile(r"[^/]*(req|constraint)[^/]*\.(txt|in)$|.*requirements/[^/]+\.(txt|in)$", re.I)
_PYTHON_TAG = re.compile(r"(\d+\.\d+)(?:[.-]|$)")
_PYTHON_PACKAGE = re.compile(r"python(3\.\d+)")
_TAR_BLOCK = 512
# A yarn.lock entry: its first descriptor's name and protocol (berry: ``npm:``, ``workspace:``),
# then its version line.
_YARN_ENTRY = (
    r'^"?((?:@[^@/\s"]+/)?[^@\s",]+)@(?:(\w+):)?[^\n]*:\n(?:[ ]+[^\n]*\n)*?[ ]+version:? "?([^"\s]+)"?'
)
_YARN_LOCAL = frozenset({"workspace", "link", "portal", "file"})
_PNPM_ENTRY = r"^  '?/?((?:@[^@/\s']+/)?[^@\s'/(]+)[@/]([0-9][^:'\s(]*)"
# A requirement file line that names no requirement: an option (``--index-url``, ``-c``,
# ``--hash`` continuation) or a blank line.
_OPTION_WITH_FILE = re.compile(r"(-r|--requirement)(?:\s+|=)(\S+)")


def is_manifest(path: str) -> bool:
    """A context file the installs read: requirement files, package.json, lock files."""
    name = path.rsplit("/", 1)[-1]
    if name in _MANIFEST_NAMES:
        return True
    suffix = path[-4:].lower()  # the pattern only matches .txt and .in files: skip it for the others
    return (suffix == ".txt" or suffix.endswith(".in")) and bool(_REQUIREMENTS.fullmatch(path))


def python_version(base: BaseImage, installed: frozenset[str] | None) -> str | None:
    """The CPython ``X.Y`` a stage's pip installs for: the ``python`` image's tag, else the
    interpreter its Debian or Ubuntu packages hold; None when neither says."""
    name, _, tag = base.ref.rpartition(":")
    if name.rsplit("/", 1)[-1] == "python" and (matched := _PYTHON_TAG.match(tag)):
        return matched.group(1)
    found = sorted(
        (m.group(1) for p in installed or () if (m := _PYTHON_PACKAGE.fullmatch(p))),
        key=lambda v: int(v.split(".")[1]),
    )
    return found[-1] if found else None


def read_requirements(
    root: str, path: str, seen: frozenset[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """The requirement specifiers of a requirement file of the context (``path`` relative to
    ``root``), following its ``-r`` includes; and what could not be read."""
    try:
        text = Path(root, path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return [], [f"-r {path}: the file cannot be read"]
    specs: list[str] = []
    unknown: list[str] = []
    folder = PurePosixPath(path).parent
    for raw in text.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if not line:
            continue
        include = _OPTION_WITH_FILE.match(line)
        if include:
            nested = str(folder / include.group(2))
            if nested not in seen:
                more, missing = read_requirements(root, nested, seen | {path})
                specs += more
                unknown += missing
            continue
        if line.startswith("-"):
            if line.startswith(("-e", "--editable")):
                unknown.append(line)
            continue  # an option: index, constraints, hashes
        specs.append(line.split(" --", 1)[0].strip())
    return specs, unknown


def pip_install(
    op: PackageOp, requirement_files: Iterable[tuple[str, str]], python: str | None
) -> tuple[PackageInstall | None, list[str]]:
    """What ``op`` (a ``pip install``) adds; ``requirement_files`` are (root, path) of its ``-r``
    files in the context. None with the reasons when nothing can be said."""
    from dfanalyze.knowledge.package_sizes import load_package_sizes

    specs = [f"{p.name}{p.operator or ''}{p.version or ''}" for p in op.packages]
    unknown: list[str] = []
    for root, path in requirement_files:
        more, missing = read_requirements(root, path)
        specs += more
        unknown += missing
    data = load_package_sizes()
    if python is None or python not in data.pythons:
        what = f"Python {python}" if python else "an unknown Python version"
        return None, [f"no measured package sizes for {what}"]
    if op.tool == "uv pip":  # uv writes no byte-code unless asked to
        compile = bool(op.flags & {"--compile-bytecode", "--compile"})
    else:
        compile = "--no-compile" not in op.flags
    install = data.pypi(python).closure(specs, compile=compile)
    return install, unknown + [f"{name} is not in the measured PyPI data" for name in install.unknown]


def npm_install(
    op: PackageOp, manifests: Mapping[str, str], root: str | None, cwd: str
) -> tuple[PackageInstall | None, list[str]]:
    """What ``op`` (npm, yarn or pnpm install) adds to ``node_modules``."""
    from dfanalyze.knowledge.package_sizes import load_package_sizes

    npm = load_package_sizes().npm
    if op.packages:
        return _checked(npm.closure(f"{p.name}@{p.version}" if p.version else p.name for p in op.packages))
    if root is None:
        return None, ["the build context is not available"]
    for name in LOCK_FILES:
        where = manifests.get(f"{cwd.rstrip('/')}/{name}")
        if where is not None:
            locked = _locked(Path(root, where), name, production=op.production)
            if locked is None:
                return None, [f"{name} cannot be read"]
            return _checked(npm.locked(locked))
    where = manifests.get(f"{cwd.rstrip('/')}/package.json")
    if where is None:
        return None, ["no package.json or lock file copied into the working directory"]
    try:
        manifest = json.loads(Path(root, where).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, ["package.json cannot be read"]
    fields = ["dependencies", "optionalDependencies"] + ([] if op.production else ["devDependencies"])
    specs = [name for field in fields for name in (manifest.get(field) or {})]
    return _checked(npm.closure(specs))


def _checked(install: PackageInstall) -> tuple[PackageInstall, list[str]]:
    return install, [f"{name} is not in the measured npm data" for name in install.unknown]


def _locked(path: Path, name: str, *, production: bool) -> list[tuple[str, str]] | None:
    """(package, version) of every package a lock file installs."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if name.endswith(".json"):
        try:
            lock = json.loads(text)
        except ValueError:
            return None
        found = []
        for key, entry in (lock.get("packages") or {}).items():
            if not key or (production and entry.get("dev")) or entry.get("link"):
                continue
            package = entry.get("name") or key.rsplit("node_modules/", 1)[-1]
            if entry.get("version"):
                found.append((package, entry["version"]))
        if not found:  # lockfileVersion 1: nested "dependencies"
            found = list(_v1_dependencies(lock.get("dependencies") or {}, production))
        return found
    if name == "yarn.lock":  # v1 (``version "x"``) and berry (``version: x``)
        found = [
            (m.group(1), m.group(3))
            for m in re.finditer(_YARN_ENTRY, text, re.M)
            if m.group(2) not in _YARN_LOCAL  # the project's own workspaces
        ]
    else:  # pnpm-lock.yaml: ``/name/1.2.3`` (v5), ``/name@1.2.3`` (v6), ``name@1.2.3`` (v9)
        found = [(m.group(1), m.group(2)) for m in re.finditer(_PNPM_ENTRY, text, re.M)]
    return list(dict.fromkeys(found))  # pnpm 9 lists each package under packages and snapshots


def _v1_dependencies(tree: Mapping[str, Mapping[str, object]], production: bool) -> Iterable[tuple[str, str]]:
    for name, entry in tree.items():
        if production and entry.get("dev"):
            continue
        version = entry.get("version")
        if isinstance(version, str):
            yield name, version
        nested = entry.get("dependencies")
        if isinstance(nested, dict):
            yield from _v1_dependencies(nested, production)


def install_blobs(
    manager: str, step: int, label: str, install: PackageInstall, *, keep_cache: bool, root: str | None
) -> list[Blob]:
    """The installed files, all in the folder ``root`` when one holds them (and, unless the cache
    is kept out of the layer, the tool's cache)."""
    blobs = [
        Blob(
            f"{manager}:{step}",
            label,
            install.tar_bytes,
            install.bytes,
            packages=frozenset(install.packages),
            root=root,
        )
    ]
    if keep_cache and install.cache_bytes:
        tar = install.cache_bytes + _TAR_BLOCK * install.cache_files
        blobs.append(Blob(f"{manager}-cache:{step}", f"{manager} cache", tar, install.cache_bytes))
    return blobs


def note_manifest(builder: LayerBuilder, target: str, context_path: str) -> None:
    """Remember that ``target`` in the image is the context's ``context_path``."""
    if is_manifest(context_path):
        builder.manifests = {**builder.manifests, target: context_path}
