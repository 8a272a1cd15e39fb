"""How dfanalyze's time and memory grow with its input, shape by shape (issue 11's scaling table).

    python benchmarks/scaling.py                 # every shape, sizes doubling up to the largest
    python benchmarks/scaling.py --shape args --shape stages --max-seconds 20

Each shape is a generated Dockerfile (and for some, a build context or ignore file) of a size that
doubles; for each size it runs ``dfanalyze check`` and ``dfanalyze layers --format json`` as
subprocesses (the way users run them) and prints the wall time, the CPU time and the peak RSS
(``ru_maxrss``) of the child, with the ratios of CPU time and memory to the previous size (CPU
time, because on a busy machine the wall clock mostly measures the other processes). Linear
growth doubles them (ratio 2); the goal is
<= 2.3 for every shape, up to inputs of 10 MB or BuildKit's limits. A size whose run takes longer
than ``--max-seconds`` ends the shape. Fixed costs dominate small sizes, so ratios there are low.
Run it with the interpreter that has dfanalyze installed (``.venv/bin/python benchmarks/scaling.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

Shape = Callable[[Path, int], Path]  # writes the input of size n into a folder, returns the Dockerfile


def _write(folder: Path, text: str, name: str = "Dockerfile") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def args(folder: Path, n: int) -> Path:
    """n ARG lines, a RUN every 100 lines."""
    lines = ["FROM alpine:3.20"]
    for i in range(n):
        lines.append(f"ARG A{i}=value{i}")
        if i % 100 == 99:
            lines.append(f"RUN echo $A{i}")
    return _write(folder, "\n".join(lines) + "\n")


def envs(folder: Path, n: int) -> Path:
    """n ENV lines with a RUN every 100 lines."""
    lines = ["FROM alpine:3.20"]
    for i in range(n):
        lines.append(f"ENV E{i}=value{i}")
        if i % 100 == 99:
            lines.append(f"RUN echo $E{i}")
    return _write(folder, "\n".join(lines) + "\n")


def arg_line(folder: Path, n: int) -> Path:
    """n ARGs, then one RUN that uses every one of them."""
    lines = ["FROM alpine:3.20", *(f"ARG A{i}=v" for i in range(n))]
    lines.append("RUN echo " + "".join(f"${{A{i}}}" for i in range(n)))
    return _write(folder, "\n".join(lines) + "\n")


def stages(folder: Path, n: int) -> Path:
    """n stages, each copying from the one before."""
    lines = ["FROM alpine:3.20 AS s0", "RUN echo x > /x"]
    for i in range(1, n):
        lines += [f"FROM alpine:3.20 AS s{i}", f"COPY --from=s{i - 1} /x /x"]
    return _write(folder, "\n".join(lines) + "\n")


def continuation(folder: Path, n: int) -> Path:
    """One RUN of n ``cmd && \\`` continuation lines."""
    body = " && \\\n    ".join(f"echo line{i}" for i in range(n))
    return _write(folder, f"FROM alpine:3.20\nRUN {body}\n")


def one_line(folder: Path, n: int) -> Path:
    """One RUN of n ``&&``-joined commands on one line (BuildKit refuses lines over 65,535 bytes)."""
    return _write(folder, "FROM alpine:3.20\nRUN " + " && ".join(f"echo {i}" for i in range(n)) + "\n")


def heredoc(folder: Path, n: int) -> Path:
    """A RUN heredoc of n lines."""
    body = "\n".join(f"echo line {i} && test -n x{i}" for i in range(n))
    return _write(folder, f"FROM alpine:3.20\nRUN <<EOF\nset -e\n{body}\nEOF\n")


def file_size(folder: Path, n: int) -> Path:
    """About n KB of short RUN lines."""
    line = "RUN echo 0123456789abcdef\n"
    count = max(1, n * 1024 // len(line))
    return _write(folder, "FROM alpine:3.20\n" + line * count)


def context(folder: Path, n: int) -> Path:
    """A flat build context of n files, all copied, then removed by a later RUN."""
    files = folder / "files"
    files.mkdir()
    for i in range(n):
        (files / f"f{i:06d}.txt").write_text("x\n")
    return _write(folder, "FROM alpine:3.20\nWORKDIR /app\nCOPY files/ ./\nRUN rm -rf ./*\n")


def dockerignore(folder: Path, n: int) -> Path:
    """A .dockerignore of n patterns over 200 context files."""
    for i in range(200):
        (folder / f"f{i:03d}.txt").write_text("x\n")
    (folder / ".dockerignore").write_text("".join(f"build/p{i}/**\n!keep{i}.txt\n" for i in range(n // 2)))
    return _write(folder, "FROM alpine:3.20\nCOPY . /app\n")


def gitignore(folder: Path, n: int) -> Path:
    """A .gitignore of n patterns over 200 files (the folder walk of ``dfanalyze check DIR``)."""
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    for i in range(200):
        sub = folder / f"d{i:03d}"
        sub.mkdir()
        (sub / "Dockerfile").write_text("FROM alpine:3.20\n")
    (folder / ".gitignore").write_text("".join(f"build/p{i}/\n!keep{i}/\n" for i in range(n // 2)))
    return folder


SHAPES: dict[str, tuple[Shape, list[int]]] = {
    "args": (args, [1000 * 2**k for k in range(6)]),
    "envs": (envs, [1000 * 2**k for k in range(6)]),
    "arg-line": (arg_line, [1000 * 2**k for k in range(6)]),
    "stages": (stages, [125 * 2**k for k in range(6)]),
    "continuation": (continuation, [1000 * 2**k for k in range(7)]),
    "one-line": (one_line, [500 * 2**k for k in range(4)]),
    "heredoc": (heredoc, [1000 * 2**k for k in range(7)]),
    "file-size-kb": (file_size, [2**k for k in range(14)] + [10240]),
    "context-files": (context, [500 * 2**k for k in range(6)]),
    "dockerignore": (dockerignore, [1000 * 2**k for k in range(5)]),
    "gitignore": (gitignore, [1000 * 2**k for k in range(5)]),
}


def _run(command: list[str], cwd: Path) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, peak RSS in KB and exit status of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES), help="only these shapes")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="stop a shape after a run this long")
    parser.add_argument("--max-size", type=int, default=None, help="stop a shape beyond this size")
    options = parser.parse_args()
    program = [sys.executable, "-m", "dfanalyze"]
    print(
        f"{'shape':14} {'size':>7} {'command':7} {'seconds':>8} {'ratio':>6} {'peak MB':>8} {'ratio':>6} exit"
    )
    worst: dict[str, float] = {}
    for name in options.shape or SHAPES:
        make, sizes = SHAPES[name]
        previous: dict[str, tuple[float, int]] = {}
        for size in sizes:
            if options.max_size is not None and size > options.max_size:
                break
            folder = Path(tempfile.mkdtemp(prefix=f"dfa-scaling-{name}-"))
            try:
                target = make(folder, size)
                slowest = 0.0
                commands = {"check": ["check", str(target), "--output-format", "concise"]}
                if target.is_file():
                    commands["layers"] = ["layers", str(target), "--format", "json"]
                for label, arguments in commands.items():
                    wall, seconds, peak, status = _run([*program, *arguments], folder)
                    slowest = max(slowest, wall)
                    ratio_t = ratio_m = ""
                    if label in previous:
                        before_s, before_m = previous[label]
                        ratio_t = f"{seconds / before_s:6.2f}"
                        ratio_m = f"{peak / before_m:6.2f}"
                        if seconds > 0.5:  # fixed start-up costs make small sizes meaningless
                            key = f"{name} {label}"
                            worst[key] = max(worst.get(key, 0.0), seconds / before_s)
                    previous[label] = (seconds, peak)
                    print(
                        f"{name:14} {size:>7} {label:7} {wall:8.2f} {seconds:8.2f} {ratio_t:>6} "
                        f"{peak / 1024:8.1f} {ratio_m:>6} {status}",
                        flush=True,
                    )
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            if slowest > options.max_seconds:
                break
    if worst:
        print("\nworst CPU time ratio per doubling (runs over 0.5 s):")
        for key, ratio in sorted(worst.items(), key=lambda item: -item[1]):
            print(f"  {key:28} {ratio:5.2f} {'ok' if ratio <= 2.3 else 'SUPERLINEAR'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
