"""Measure what ``pip install NAME`` writes, for the most used PyPI packages, by really installing them.

For each package: a fresh virtual environment (``python -m venv --without-pip``) and a fresh cache
folder, then ``pip install NAME`` with pip's defaults (byte-compilation on, the cache on), run by
a current pip from outside the environment (so pip itself is not part of what is measured; it
runs as ``python /path/to/pip`` the way ``pip --python`` does). What is recorded, per installed
distribution: name, version, the archive pip installed (wheel tags, or an sdist pip built), every
file of its RECORD measured on disk (apparent bytes, 4 KiB blocks, tar bytes, files, folders, and
the ``.pyc`` part of each, which is what ``--no-compile`` would leave out), its ``Requires-Dist``
lines (markers are evaluated later, for each Python version, by ``make_package_sizes.py``), and
what the install left in pip's cache folder. The whole environment is walked as well, to check
that the RECORDs account for every byte the install wrote.

pip's HTTP cache cannot be observed here: this machine reaches PyPI through a proxy that drops
the Cache-Control, ETag and Last-Modified headers, so pip stores no HTTP response (checked: the
cache folder stays empty after a download). What it would store is therefore read from PyPI's
simple index (``--index-sizes``): the size of each archive (the cache keeps the response body
byte for byte) and of the project's index page. Wheels that pip builds from an sdist go to the
wheel cache, which does not depend on HTTP headers; those are measured.

    python -m tools.measure_pip --list names.txt --out raw/pip.jsonl [--jobs 3]
    python -m tools.measure_pip --index-sizes raw/pip.jsonl --out raw/pip-index.jsonl
    python -m tools.measure_pip --other-pythons raw/pip.jsonl --out raw/pip-wheels.jsonl

Output is one JSON object per line, appended as each package finishes, so that a run can be
resumed (names already in the output are skipped).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from tools.measure_common import (
    CA_BUNDLE,
    describe_machine,
    done_roots,
    fetch,
    file_stats,
    read_jsonl,
    read_names,
    run_parallel,
    walk,
)

INSTALL_TIMEOUT = 3600
# glibc 2.36 (Debian bookworm, the official python images) and every older manylinux tag: pip
# does not widen an explicit --platform to the older tags a glibc 2.36 system accepts.
PLATFORMS = [
    option
    for tag in (
        *(f"manylinux_2_{minor}_x86_64" for minor in range(36, 4, -1)),
        "manylinux2014_x86_64",
        "manylinux2010_x86_64",
        "manylinux1_x86_64",
    )
    for option in ("--platform", tag)
]


def normalize(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_command(pip_dir: Path, python: Path) -> list[str]:
    """Run the pip found in ``pip_dir`` (a folder that holds only the ``pip`` package) with
    ``python``: pip then installs into that interpreter's environment, and no distribution of
    pip's own environment is visible to the resolver. ``--isolated`` ignores this machine's pip
    configuration (a local find-links folder, extra indexes and a constraints file), so that what
    is measured is what a plain ``pip install`` in a Dockerfile gets from PyPI."""
    return [
        str(python),
        str(pip_dir / "pip"),
        "--isolated",
        "--cert",
        CA_BUNDLE,
        "--disable-pip-version-check",
    ]


def read_record(dist_info: Path) -> list[str]:
    with (dist_info / "RECORD").open(newline="", encoding="utf-8") as stream:
        return [row[0] for row in csv.reader(stream) if row]


def measure_dist(dist_info: Path, site: Path, env: Path) -> dict[str, Any]:
    """Sizes of the files one distribution's RECORD lists, and its metadata."""
    meta = HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8", errors="replace"))
    wheel = (dist_info / "WHEEL").read_text(encoding="utf-8") if (dist_info / "WHEEL").exists() else ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    files = bytes_ = blocks = tar = pyc_files = pyc_bytes = pyc_blocks = pyc_tar = 0
    shared = {
        Path(),
        Path("bin"),
        Path("include"),
        Path("share"),
        *site.relative_to(env).parents,
        site.relative_to(env),
    }
    folders: set[Path] = set()
    paths: list[str] = []
    for entry in read_record(dist_info):
        relative = Path(os.path.normpath(site.relative_to(env) / entry))
        path = env / relative
        if relative.parts[:1] == ("..",) or (not path.is_symlink() and not path.is_file()):
            continue  # outside the environment, or listed but not written (rare)
        size = 0 if path.is_symlink() else path.lstat().st_size
        paths.append(str(relative))
        block, tar_bytes = file_stats(size)
        files += 1
        bytes_ += size
        blocks += block
        tar += tar_bytes
        if path.suffix == ".pyc":
            pyc_files += 1
            pyc_bytes += size
            pyc_blocks += block
            pyc_tar += tar_bytes
        folders.update(parent for parent in relative.parents if parent not in shared)
    return {
        "name": meta["Name"],
        "version": meta["Version"],
        "tags": tags,
        "requires": meta.get_all("Requires-Dist") or [],
        "provides_extra": meta.get_all("Provides-Extra") or [],
        "requires_python": meta.get("Requires-Python"),
        "files": files,
        "bytes": bytes_,
        "blocks": blocks,
        "tar": tar + 512 * len(folders),
        "dirs": len(folders),
        "pyc": {"files": pyc_files, "bytes": pyc_bytes, "blocks": pyc_blocks, "tar": pyc_tar},
        "paths": paths,
    }


def measure_one(name: str, pip_dir: Path, python: str, work: Path, options: list[str]) -> dict[str, Any]:
    """Install ``name`` alone into a fresh environment with a fresh cache; measure both.
    ``options`` are more ``pip install`` options (``--no-compile`` to check the .pyc column)."""
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"pip-{normalize(name)}-", dir=work))
    env, cache, report = folder / "venv", folder / "cache", folder / "report.json"
    try:
        subprocess.run([python, "-m", "venv", "--without-pip", str(env)], check=True)
        before = walk(env)
        command = [
            *pip_command(pip_dir, env / "bin" / "python"),
            "install",
            "--quiet",
            "--cache-dir",
            str(cache),
            "--report",
            str(report),
            *options,
            name,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
        if done.returncode != 0:
            return {
                "root": name,
                "ok": False,
                "error": done.stderr[-3000:],
                "seconds": time.monotonic() - started,
            }
        installed = json.loads(report.read_text(encoding="utf-8"))["install"]
        archives = {
            normalize(item["metadata"]["name"]): {
                "url": item["download_info"]["url"],
                "requested": item.get("requested", False),
                "sdist": not item["download_info"]["url"].endswith(".whl"),
            }
            for item in installed
        }
        site = next((env / "lib").glob("python3*/site-packages"))
        dists = []
        for dist_info in sorted(site.glob("*.dist-info")):
            dist = measure_dist(dist_info, site, env)
            dist.update(archives.get(normalize(dist["name"]), {}))
            dists.append(dist)
        after = walk(env)
        recorded = {path for dist in dists for path in dist.pop("paths")}
        new = {path: size for path, size in after.items() if path not in before}
        unrecorded = {path: size for path, size in new.items() if path not in recorded}
        built = (
            [
                {"file": path.name, "bytes": path.stat().st_size}
                for path in sorted((cache / "wheels").rglob("*.whl"))
            ]
            if (cache / "wheels").exists()
            else []
        )
        cache_files = walk(cache) if cache.exists() else {}
        return {
            "root": name,
            "ok": True,
            "seconds": round(time.monotonic() - started, 2),
            "dists": dists,
            "total": {"files": len(new), "bytes": sum(new.values())},
            "unrecorded": {
                "files": len(unrecorded),
                "bytes": sum(unrecorded.values()),
                "sample": sorted(unrecorded)[:10],
            },
            "cache": {"files": len(cache_files), "bytes": sum(cache_files.values()), "built_wheels": built},
        }
    except subprocess.TimeoutExpired:
        return {"root": name, "ok": False, "error": "timeout", "seconds": time.monotonic() - started}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def index_sizes(raw: Path, out: Path, jobs: int) -> None:
    """For every distribution seen in ``raw``: the size of its PyPI simple index page (JSON, as
    pip asks for it) and of the archive pip installed (the body pip's HTTP cache would keep)."""
    urls: dict[str, set[str]] = {}
    for row in read_jsonl(raw):
        for dist in row.get("dists", []):
            if "url" in dist:
                urls.setdefault(normalize(dist["name"]), set()).add(dist["url"].rsplit("/", 1)[1])
    todo = sorted(set(urls) - done_roots(out, "name"))

    def task(name: str) -> dict[str, Any]:
        page = fetch(f"https://pypi.org/simple/{name}/", "application/vnd.pypi.simple.v1+json")
        files = {item["filename"]: item.get("size") for item in json.loads(page)["files"]}
        return {
            "name": name,
            "page_bytes": len(page),
            "archives": {f: files.get(f) for f in sorted(urls[name])},
        }

    run_parallel(todo, jobs, out, task)


def wheel_contents(data: bytes) -> dict[str, int]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        return {
            "files": len(members),
            "bytes": sum(info.file_size for info in members),
            "blocks": sum(file_stats(info.file_size)[0] for info in members),
            "tar": sum(file_stats(info.file_size)[1] for info in members),
        }


def other_pythons(raw: Path, out: Path, pip_dir: Path, python: str, jobs: int, work: Path) -> None:
    """For every distribution whose installed wheel is specific to CPython 3.11 (a compiled
    extension), the same version's wheel for 3.12 and 3.13 on manylinux x86_64 (glibc 2.36, the
    Debian bookworm of the official python images): unpacked contents (no install), and the 3.11
    wheel's for comparison. Wheels tagged abi3 or ``none`` are the same file for every version."""
    seen: set[tuple[str, str]] = set()
    for row in read_jsonl(raw):
        for dist in row.get("dists", []):
            # the ABI tag names the interpreter: cp311 (not abi3 nor none) is 3.11's alone
            if any(tag.split("-")[1] == "cp311" for tag in dist.get("tags", [])):
                seen.add((normalize(dist["name"]), dist["version"]))
    todo = sorted(
        f"{name}=={version}" for name, version in seen if f"{name}=={version}" not in done_roots(out, "spec")
    )

    def task(spec: str) -> dict[str, Any]:
        result: dict[str, Any] = {"spec": spec}
        for version in ("3.11", "3.12", "3.13"):
            folder = Path(tempfile.mkdtemp(prefix="wheel-", dir=work))
            try:
                command = [
                    *pip_command(pip_dir, Path(python)),
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--python-version",
                    version,
                    "--implementation",
                    "cp",
                    *PLATFORMS,
                    "--no-cache-dir",
                    "-d",
                    str(folder),
                    spec,
                ]
                done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
                wheels = list(folder.glob("*.whl"))
                if done.returncode != 0 or not wheels:
                    result[version] = {"error": (done.stderr or "no wheel")[-500:]}
                else:
                    data = wheels[0].read_bytes()
                    result[version] = {
                        "wheel": wheels[0].name,
                        "archive_bytes": len(data),
                        **wheel_contents(data),
                    }
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        return result

    run_parallel(todo, jobs, out, task)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", type=Path, help="package names to install, one a line")
    parser.add_argument("--index-sizes", type=Path, help="a measurement file: read index and archive sizes")
    parser.add_argument("--other-pythons", type=Path, help="a measurement file: measure 3.12/3.13 wheels")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--option", action="append", default=[], help="a pip install option (repeatable)")
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--pip", type=Path, help="a folder holding only the pip package to run")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the environments")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pip_dir: Path | None = args.pip
    if pip_dir is None and (args.list or args.other_pythons):
        pip_dir = Path(tempfile.mkdtemp(prefix="pip-runner-", dir=args.work))
        venv = pip_dir / "venv"
        subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "--isolated", "--cert", CA_BUNDLE, "install", "-q", "-U", "pip"],
            check=True,
        )
        site = next((venv / "lib").glob("python3*/site-packages"))
        shutil.copytree(site / "pip", pip_dir / "pip")
    if pip_dir is not None:  # the versions the measurements ran with, for the data's header
        where = args.out.parent / "machine.json"
        seen = json.loads(where.read_text(encoding="utf-8"))["python"] if where.exists() else {}
        version = subprocess.run(
            [args.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        machine = describe_machine({**seen, version: args.python}, pip_dir)
        where.write_text(json.dumps(machine, indent=1), encoding="utf-8")
    if args.list:
        assert pip_dir is not None
        names = [n for n in read_names(args.list) if n not in done_roots(args.out)]
        with contextlib.suppress(KeyboardInterrupt):
            run_parallel(
                names,
                args.jobs,
                args.out,
                lambda n: measure_one(n, pip_dir, args.python, args.work, args.option),
            )
    elif args.index_sizes:
        index_sizes(args.index_sizes, args.out, args.jobs)
    elif args.other_pythons:
        assert pip_dir is not None
        other_pythons(args.other_pythons, args.out, pip_dir, args.python, args.jobs, args.work)
    else:
        parser.error("one of --list, --index-sizes, --other-pythons")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
