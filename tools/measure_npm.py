"""Measure what ``npm install NAME`` writes, for the most used npm packages, by really installing them.

For each package: a fresh folder holding a minimal ``package.json`` and a fresh npm cache, then
``npm install --ignore-scripts NAME`` (npm's defaults otherwise: hoisted ``node_modules``, peer
dependencies installed, optional dependencies for this platform, linux x64 glibc). Recorded, per
package folder in ``node_modules`` (nested ones too): name, version, its files without its own
nested ``node_modules`` (apparent bytes, 4 KiB blocks, tar bytes, files, folders), whether it
has install scripts (``hasInstallScript`` in the lockfile: those that fetch or build something
when scripts run, so the measured size is a lower bound for them), and the packages its
dependencies resolved to (npm's lookup: the nearest ``node_modules`` up the tree). Recorded per
install: everything under ``node_modules`` (so that the hidden lockfile and ``.bin`` links are
counted) and what the install added to the npm cache, with each cache entry's key, so that a
tarball or a packument can be charged to its package.

    python -m tools.measure_npm --list names.txt --out raw/npm.jsonl [--jobs 3]
    python -m tools.measure_npm --others names.txt --out raw/npm-others.jsonl

``--others`` installs a few packages with yarn 1 and pnpm (through ``npx``, from the npm
registry) to compare their ``node_modules`` (and pnpm's store) with npm's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tools.measure_common import done_roots, file_stats, read_names, run_parallel, walk

INSTALL_TIMEOUT = 1800
MANIFEST = '{"name": "probe", "version": "1.0.0", "private": true}\n'
NPM_FLAGS = ["--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", "--no-update-notifier"]


def package_folders(modules: Path) -> Iterable[Path]:
    """Every package folder under a ``node_modules`` tree, nested ones included."""
    if not modules.is_dir():
        return
    for entry in sorted(modules.iterdir()):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.name.startswith("@") and entry.is_dir():
            for scoped in sorted(entry.iterdir()):
                if scoped.is_dir() and not scoped.is_symlink():
                    yield scoped
                    yield from package_folders(scoped / "node_modules")
        elif entry.is_dir():
            yield entry
            yield from package_folders(entry / "node_modules")


def measure_folder(folder: Path) -> dict[str, int]:
    """A package's own files: everything below it except its nested ``node_modules``."""
    files = bytes_ = blocks = tar = dirs = 0
    for parent, subdirs, names in os.walk(folder):
        if Path(parent) == folder and "node_modules" in subdirs:
            subdirs.remove("node_modules")
        dirs += 1
        for name in names:
            path = Path(parent, name)
            size = 0 if path.is_symlink() else path.lstat().st_size
            block, tar_bytes = file_stats(size)
            files += 1
            bytes_ += size
            blocks += block
            tar += tar_bytes
    return {"files": files, "bytes": bytes_, "blocks": blocks, "tar": tar + 512 * dirs, "dirs": dirs}


def resolve(lock: dict[str, Any], where: str, name: str) -> str | None:
    """The lockfile path that ``require(name)`` from the package at ``where`` finds."""
    base = where
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in lock:
            return candidate
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut >= 0 else ""


def cache_entries(cache: Path) -> list[dict[str, Any]]:
    """The keys and sizes of an npm cache's index (cacache index-v5, JSON lines after a hash)."""
    entries: list[dict[str, Any]] = []
    index = cache / "_cacache" / "index-v5"
    if not index.exists():
        return entries
    for path in index.rglob("*"):
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if "\t" in line:
                    entry = json.loads(line.split("\t", 1)[1])
                    entries.append({"key": entry["key"], "size": entry.get("size")})
    return entries


def measure_one(name: str, work: Path, shared_cache: Path | None) -> dict[str, Any]:
    """Install ``name`` (one package, or several separated by spaces: one ``npm install`` of all)
    into a fresh folder; with a fresh cache (measured) unless ``shared_cache`` is given (then
    npm reads what earlier installs cached: ``--prefer-offline``)."""
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="npm-", dir=work))
    app, cache = folder / "app", shared_cache or folder / "cache"
    try:
        app.mkdir()
        (app / "package.json").write_text(MANIFEST, encoding="utf-8")
        command = ["npm", "install", *NPM_FLAGS, "--cache", str(cache), *name.split()]
        if shared_cache is not None:
            command.insert(2, "--prefer-offline")
        done = subprocess.run(
            command, cwd=app, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
        if done.returncode != 0:
            return {
                "root": name,
                "ok": False,
                "error": done.stderr[-3000:],
                "seconds": time.monotonic() - started,
            }
        lock = json.loads((app / "package-lock.json").read_text(encoding="utf-8"))["packages"]
        packages = []
        for path in package_folders(app / "node_modules"):
            where = str(path.relative_to(app))
            entry = lock.get(where)
            manifest = json.loads((path / "package.json").read_text(encoding="utf-8"))
            deps = {}
            missing = []  # declared but not installed: other platforms' binaries, optional peers
            for field in ("dependencies", "optionalDependencies", "peerDependencies"):
                for dep in (entry or {}).get(field, {}):
                    found = resolve(lock, where, dep)
                    if found is not None and (app / found).is_dir():
                        deps[dep] = found
                    else:
                        missing.append(dep)
            packages.append(
                {
                    "path": where,
                    "name": manifest.get("name") or where.rsplit("node_modules/", 1)[1],
                    "version": manifest.get("version"),
                    "in_lock": entry is not None,
                    "install_script": bool((entry or {}).get("hasInstallScript")),
                    "optional": bool((entry or {}).get("optional")),
                    "peer": bool((entry or {}).get("peer")),
                    "os": (entry or {}).get("os"),
                    "cpu": (entry or {}).get("cpu"),
                    "deps": deps,
                    "missing": missing,
                    **measure_folder(path),
                }
            )
        modules = walk(app / "node_modules")
        result = {
            "root": name,
            "ok": True,
            "seconds": round(time.monotonic() - started, 2),
            "top": json.loads((app / "package.json").read_text(encoding="utf-8")).get("dependencies", {}),
            "packages": packages,
            "node_modules": {
                "files": len(modules),
                "bytes": sum(modules.values()),
                "blocks": sum(file_stats(size)[0] for size in modules.values()),
            },
        }
        if shared_cache is None:
            cached = walk(cache)
            result["cache"] = {
                "files": len(cached),
                "bytes": sum(cached.values()),
                "blocks": sum(file_stats(size)[0] for size in cached.values()),
                "logs": sum(size for path, size in cached.items() if path.startswith("_logs/")),
                "entries": cache_entries(cache),
            }
        return result
    except subprocess.TimeoutExpired:
        return {"root": name, "ok": False, "error": "timeout", "seconds": time.monotonic() - started}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure_batch(names: str, work: Path, shared_cache: Path | None) -> list[dict[str, Any]]:
    """One install of several packages; when npm refuses the set (conflicting peer
    dependencies), each half again, down to single packages."""
    result = measure_one(names, work, shared_cache)
    words = names.split()
    if result["ok"] or len(words) == 1:
        return [result]
    half = len(words) // 2
    return [
        *measure_batch(" ".join(words[:half]), work, shared_cache),
        *measure_batch(" ".join(words[half:]), work, shared_cache),
    ]


def tree_size(root: Path) -> dict[str, int]:
    """Files and bytes under ``root``, each hard-linked file once (as a tar layer stores it)."""
    seen: set[tuple[int, int]] = set()
    files = bytes_ = blocks = 0
    for parent, _dirs, names in os.walk(root):
        for name in names:
            stat = Path(parent, name).lstat()
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            size = 0 if Path(parent, name).is_symlink() else stat.st_size
            files += 1
            bytes_ += size
            blocks += file_stats(size)[0]
    return {"files": files, "bytes": bytes_, "blocks": blocks}


def measure_others(name: str, work: Path) -> dict[str, Any]:
    """``npm install``, ``yarn add`` (yarn 1) and ``pnpm add`` of one package, scripts off, each
    with a fresh cache (yarn's cache folder, pnpm's content-addressed store)."""
    result: dict[str, Any] = {"root": name}
    for tool in ("npm", "yarn1", "pnpm"):
        folder = Path(tempfile.mkdtemp(prefix=f"{tool}-", dir=work))
        app, cache = folder / "app", folder / "cache"
        app.mkdir()
        (app / "package.json").write_text(MANIFEST, encoding="utf-8")
        commands = {
            "npm": ["npm", "install", *NPM_FLAGS, "--cache", str(cache), name],
            "yarn1": [
                "npx",
                "--yes",
                "yarn@1",
                "add",
                "--ignore-scripts",
                "--non-interactive",
                "--silent",
                "--cache-folder",
                str(cache),
                name,
            ],
            "pnpm": [
                "npx",
                "--yes",
                "pnpm@10",
                "add",
                "--ignore-scripts",
                "--silent",
                "--store-dir",
                str(cache),
                name,
            ],
        }
        try:
            done = subprocess.run(
                commands[tool], cwd=app, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
            )
            if done.returncode != 0:
                result[tool] = {"error": (done.stderr or done.stdout)[-1000:]}
                continue
            result[tool] = {"node_modules": tree_size(app / "node_modules"), "cache": tree_size(cache)}
            if tool == "pnpm":  # the store and node_modules share files through hard links
                result[tool]["node_modules_and_store"] = tree_size(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return result


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", type=Path, help="package names to install, one a line")
    parser.add_argument("--others", type=Path, help="package names to install with npm, yarn 1 and pnpm")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--batch", type=int, default=1, help="packages per npm install (default 1: alone)")
    parser.add_argument(
        "--shared-cache",
        type=Path,
        help="one npm cache for every install (its index is "
        "written to OUT.cache.jsonl at the end) instead of a fresh one each",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    source = args.list or args.others
    if source is None:
        parser.error("one of --list, --others")
    done = {name for root in done_roots(args.out) for name in root.split()}
    names = [name for name in read_names(source) if name not in done]
    work: Path = args.work
    if args.list:
        shared: Path | None = args.shared_cache
        size: int = args.batch
        batches = [" ".join(names[start : start + size]) for start in range(0, len(names), size)]
        run_parallel(batches, args.jobs, args.out, lambda batch: measure_batch(batch, work, shared))
        if shared is not None:
            with args.out.with_suffix(".cache.jsonl").open("w", encoding="utf-8") as stream:
                for entry in cache_entries(shared):
                    stream.write(json.dumps(entry) + "\n")
    else:
        run_parallel(names, args.jobs, args.out, lambda name: measure_others(name, work))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
