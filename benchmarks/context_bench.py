"""``dfanalyze layers`` and ``dfanalyze check`` on a build context of 100,000 files (issue 13: under 1 s).

    .venv/bin/python benchmarks/context_bench.py [--files 100000] [--rounds 3]

Three contexts of ``--files`` files each, made once in a temporary folder (nested folders of 20
files, 0-299 bytes each):

* ``repository``: a Node project as it sits in a clone: 60 % of the files under ``node_modules/``,
  20 % under ``.git/``, both in ``.dockerignore``; 20 % under ``src/``; the Dockerfile copies
  ``package.json``, installs, then ``COPY . .``.
* ``all sent``: no ``.dockerignore``; ``COPY . .`` sends every file into a layer.
* ``multi-stage``: the same files; a build stage copies them all, the final stage takes the
  application folder from it with ``COPY --from``.

Each command runs as a subprocess, the way users run it (``python -m dfanalyze``, with the
interpreter running this script); the time is the child's CPU time (user + system, best of the
rounds: on a shared machine the wall clock mostly measures the other processes), start-up
included. ``check`` runs the default rules, which read the context for DF402 (secrets), DF403 (no
``.dockerignore``) and DF407 (COPY of an ignored path).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCKERFILE = """\
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
"""
MULTI_STAGE = """\
FROM node:20-slim AS build
WORKDIR /app
COPY . .
RUN npm run build
FROM node:20-slim
COPY --from=build /app /app
"""


def make_context(root: Path, files: int, *, ignored: bool, dockerfile: str = DOCKERFILE) -> None:
    """``files`` files under ``root``; with ``ignored``, 80 % of them in folders .dockerignore excludes."""
    shares = [("node_modules", 0.6), (".git/objects", 0.2), ("src", 0.2)] if ignored else [("src", 1.0)]
    made = 0
    for top, share in shares:
        count = files - made if top == shares[-1][0] else int(files * share)
        for index in range(count):
            folder = root / top / f"d{index // 2000:03d}" / f"s{index // 20 % 100:02d}"
            if index % 20 == 0:
                folder.mkdir(parents=True, exist_ok=True)
            (folder / f"f{index}.js").write_text("x" * (index % 300))
        made += count
    if ignored:
        (root / ".dockerignore").write_text("node_modules\n.git\n")
    (root / "package.json").write_text("{}\n")
    (root / "package-lock.json").write_text("{}\n")
    (root / "Dockerfile").write_text(dockerfile)


def cpu_seconds(command: list[str], rounds: int) -> tuple[float, int]:
    """Best CPU time (user + system) of the child over ``rounds`` runs, and its exit status."""
    best, status = float("inf"), 0
    for _ in range(rounds):
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, code, usage = os.wait4(child.pid, 0)
        best = min(best, usage.ru_utime + usage.ru_stime)
        status = os.waitstatus_to_exitcode(code)
    return best, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    program = [sys.executable, "-m", "dfanalyze"]
    baseline, _ = cpu_seconds([*program, "--version"], options.rounds)
    print(f"python -m dfanalyze --version: {baseline:.2f} s CPU (start-up)")
    print(f"{'context':12} {'files':>8} {'command':8} {'CPU s':>6}  exit")
    folder = Path(tempfile.mkdtemp(prefix="dfa-context-bench-"))
    try:
        shapes = (
            ("repository", True, DOCKERFILE),
            ("all sent", False, DOCKERFILE),
            ("multi-stage", False, MULTI_STAGE),
        )
        for name, ignored, dockerfile in shapes:
            root = folder / name.replace(" ", "-")
            root.mkdir()
            make_context(root, options.files, ignored=ignored, dockerfile=dockerfile)
            for label, arguments in (
                ("layers", ["layers", str(root), "--format", "json"]),
                ("check", ["check", str(root / "Dockerfile"), "--output-format", "concise"]),
            ):
                seconds, status = cpu_seconds([*program, *arguments], options.rounds)
                print(f"{name:12} {options.files:>8} {label:8} {seconds:6.2f}  {status}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
