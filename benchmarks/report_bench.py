"""How long each output format takes to write 10,000 findings (the target is under a second each).

    .venv/bin/python benchmarks/report_bench.py [--findings N] [--repeat N]

The findings are spread over 100 files of 120 lines, with every severity, a fix on every third one,
a span over three lines on every seventh one, tabs and non-ASCII text. Each format is written to an
in-memory stream; the best of ``--repeat`` runs is printed, in wall-clock and CPU seconds (on a
busy machine the CPU time is the steadier of the two). ``full`` is measured twice:
as plain text (pipes, files) and in colour (a terminal, rendered by rich).
"""

from __future__ import annotations

import argparse
import io
import time

from dfanalyze.findings import Edit, Finding, Fix, Severity
from dfanalyze.report import OUTPUT_FORMATS, Report, render
from dfanalyze.report.styled import expand_line
from dfanalyze.span import Span

LINES_PER_FILE = 120
SEVERITIES = tuple(Severity)


def _source(file: int) -> tuple[str, ...]:
    return tuple(
        f"run\tapt-get install -y pkg{file}-{n} && echo 'héllo 日本' \\" if n % 2 else f"  && echo step {n}"
        for n in range(1, LINES_PER_FILE + 1)
    )


def make_report(count: int) -> Report:
    files = max(count // 100, 1)
    findings: list[Finding] = []
    for i in range(count):
        file, line = i % files, 1 + (i // files) % (LINES_PER_FILE - 3)
        multi = i % 7 == 0
        span = Span.of(line, 5, line + 2, 8) if multi else Span.of(line, 1, line, 4)
        fix = (
            Fix("Write `RUN`", (Edit(Span.of(line, 1, line, 4), "RUN"),), safe=i % 2 == 0)
            if i % 3 == 0
            else None
        )
        findings.append(
            Finding(
                code=f"DF{100 + i % 50}",
                name=f"rule-{i % 50}",
                family="bench",
                severity=SEVERITIES[i % len(SEVERITIES)],
                message=f"Finding {i}: `pkg{file}` has a 50% chance, a comma, and a colon: here",
                path=f"services/svc{file:03}/Dockerfile",
                span=span,
                fix=fix,
                url=f"https://example.test/rules#df{100 + i % 50}",
            )
        )
    findings.sort(key=Finding.sort_key)
    sources = {f"services/svc{file:03}/Dockerfile": _source(file) for file in range(files)}
    return Report(tuple(findings), sources, tuple(sorted(sources)))


def measure(report: Report, output_format: str, color: bool, repeat: int) -> tuple[float, float, int]:
    """The best wall-clock and CPU seconds of ``repeat`` runs, and the output's size."""
    wall, cpu, size = float("inf"), float("inf"), 0
    for _ in range(repeat):
        expand_line.cache_clear()  # as in a real run, where no line was shown before
        out = io.StringIO()
        start, start_cpu = time.perf_counter(), time.process_time()
        render(report, output_format, out, color=color, rules={}, env={})
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
        size = len(out.getvalue())
    return wall, cpu, size


def calibration() -> float:
    """CPU seconds of a fixed pure-Python loop, to compare this machine's speed with another's."""
    start = time.process_time()
    sum(i * i for i in range(10_000_000))
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report = make_report(args.findings)
    print(f"{len(report.findings)} findings in {len(report.sources)} files, best of {args.repeat}")
    print(f"calibration: a 10-million-step Python loop takes {calibration():.2f} CPU seconds here")
    print(f"{'format':<18}{'seconds':>9}{'cpu s':>9}{'MB':>8}")
    runs = [(name, name, False) for name in OUTPUT_FORMATS]
    runs.insert(1, ("full (colour)", "full", True))
    for label, output_format, color in runs:
        wall, cpu, size = measure(report, output_format, color, args.repeat)
        print(f"{label:<18}{wall:>9.3f}{cpu:>9.3f}{size / 1e6:>8.1f}")


if __name__ == "__main__":
    main()
