"""Compare the figures of ``benchmarks/run.py`` between checkouts, measured back to back.

    python benchmarks/compare.py NAME=CHECKOUT NAME=CHECKOUT ... [--rounds 5] [--json PATH]

Each CHECKOUT is a source tree with its own ``.venv`` (``python3 -m venv .venv && .venv/bin/pip
install -e .``). This VM's speed drifts minute to minute, so one checkout measured after another
compares two moments rather than two programs: here every round measures every checkout in turn (in
a rotating order), and the figures are the best and the median over the rounds.

Per round and checkout: ``dfanalyze --version`` and ``dfanalyze check`` on ``clean30.Dockerfile`` (in a
temporary folder, as run.py does), each run 5 times as a fresh process, wall and CPU time (the CPU
time of that process alone) and its peak RSS; then, in one process of the checkout, run.py's own
measures: the parse of ``corpus/forty.Dockerfile`` (median wall, best CPU), the parse throughput over
the corpus (files per CPU second) and the peak RSS after linting the corpus with every rule.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
IN_PROCESS = """
import json, resource, sys
from functools import partial
sys.path.insert(0, "benchmarks")
import run
files = run.corpus()
forty = partial(run.parse_text, run.FORTY.read_text(encoding="utf-8"))
figures = run.parse_throughput(files, 2.0)
figures["parse_40_lines_us"] = run.median_us(forty, 1000)
figures["parse_40_lines_cpu_us"] = run.cpu_us(forty, 1000)
figures["peak_rss_mb"] = run.memory(files, 5)["peak_rss_mb"]
print(json.dumps(figures))
"""


def process(args: Sequence[str], cwd: Path) -> tuple[float, float, float]:
    """Wall ms, CPU ms and peak RSS (MB) of one fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        sys.exit(f"{args} exited with {child.returncode}")
    return wall * 1e3, (usage.ru_utime + usage.ru_stime) * 1e3, usage.ru_maxrss / 1024


def one_round(checkout: Path, clean: Path) -> dict[str, list[float]]:
    """Every sample of one checkout in one round."""
    samples: dict[str, list[float]] = defaultdict(list)
    command = [str(checkout / ".venv" / "bin" / "dfanalyze")]
    for name, args, cwd in (
        ("version", [*command, "--version"], checkout),
        ("check_30_lines", [*command, "check", "Dockerfile"], clean),
    ):
        process(args, cwd)  # warms the file system cache; not counted
        for _ in range(5):
            wall, cpu, rss = process(args, cwd)
            samples[f"{name}_ms"].append(wall)
            samples[f"{name}_cpu_ms"].append(cpu)
            samples[f"{name}_rss_mb"].append(rss)
    python = str(checkout / ".venv" / "bin" / "python")
    result = subprocess.run(
        [python, "-c", IN_PROCESS], cwd=checkout, capture_output=True, text=True, check=True
    )
    for key, value in json.loads(result.stdout).items():
        samples[key].append(value)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+", metavar="NAME=CHECKOUT")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every sample to PATH")
    args = parser.parse_args(argv)
    checkouts = {name: Path(path).resolve() for name, path in (a.split("=", 1) for a in args.checkouts)}
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in checkouts}
    names = list(checkouts)
    with tempfile.TemporaryDirectory() as folder:
        clean = Path(folder)
        (clean / "Dockerfile").write_bytes((HERE / "clean30.Dockerfile").read_bytes())
        for number in range(args.rounds):
            order = names[number % len(names) :] + names[: number % len(names)]
            for name in order:
                for key, values in one_round(checkouts[name], clean).items():
                    samples[name].setdefault(key, []).extend(values)
            print(f"round {number + 1}/{args.rounds} done ({', '.join(order)})", file=sys.stderr)
    print(report(samples))
    if args.json:
        args.json.write_text(json.dumps(samples, indent=1) + "\n", encoding="utf-8")
    return 0


HIGHER_IS_BETTER = ("parse_files_per_s", "parse_mb_per_s", "parse_files_per_cpu_s", "parse_mb_per_cpu_s")


def report(samples: dict[str, dict[str, list[float]]]) -> str:
    names = list(samples)
    keys = list(next(iter(samples.values())))
    lines = [f"{'figure (best / median)':<26}" + "".join(f"{name:>22}" for name in names)]
    for key in keys:
        pick = max if key in HIGHER_IS_BETTER else min
        cells = []
        for name in names:
            values = samples[name][key]
            cells.append(f"{pick(values):>10.1f} / {statistics.median(values):<9.1f}")
        lines.append(f"{key:<26}" + "".join(f"{cell:>22}" for cell in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
