"""Time the layer model: what the graph and its estimates add per file, and how loading a build
context scales with its number of files.

Usage: ``python benchmarks/layers_bench.py [--rounds N]``

1. Every Dockerfile of ``oracle/cases`` and ``oracle/cache`` plus a realistic two-stage file goes
   through :func:`dfanalyze.layers.graph.build_layer_graph` without a context, many times. What is
   timed is what the layer model adds to a lint: the file is parsed and its RUNs are parsed by the
   shell model beforehand (every lint does that for the RUN rules), the Debian data is loaded once.
   Budget: 2 ms per typical file. The graph as the rules build it (apt installs left unsized, the
   Debian data never read) and the ``networkx`` graph (made only for the API and the DOT/Mermaid
   output) are timed apart.
2. Contexts of 100, 1,000 and 10,000 files (nested folders, a ``.dockerignore``) are read and
   modelled for a ``COPY . .`` Dockerfile: time per file should stay flat (linear scaling).

Times are CPU time of the process (``time.process_time``), best of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's dfanalyze, not an installed one

from msgspec.structs import replace  # noqa: E402

from dfanalyze.checks.context import FileAnalysis  # noqa: E402
from dfanalyze.layers.graph import build_layer_graph, load_build_context  # noqa: E402
from dfanalyze.model import Dockerfile, Run  # noqa: E402
from dfanalyze.parse import parse_text  # noqa: E402

TYPICAL = """\
# syntax=docker/dockerfile:1
ARG PYTHON_VERSION=3.12
FROM debian:bookworm AS build
ARG APP_VERSION=1.0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \\
    && apt-get install -y --no-install-recommends build-essential python3-dev python3-venv curl \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY requirements.txt .
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt
COPY . .
RUN /venv/bin/pip install --no-cache-dir . && mkdir -p /out && cp -r /venv /out/venv
RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /usr/local/bin

FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 app
COPY --from=build /out/venv /venv
COPY --chown=app:app docker/entrypoint.sh /entrypoint.sh
RUN chmod +x /entrypoint.sh && echo "$APP_VERSION" > /version
USER app
WORKDIR /home/app
EXPOSE 8000
HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1
ENTRYPOINT ["/entrypoint.sh"]
CMD ["serve"]
"""


def best(function: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return min(times)


def prepared(dockerfile: Dockerfile) -> FileAnalysis:
    """A file's analyses as a lint leaves them: scopes and the RUNs' shell models are made."""
    analysis = FileAnalysis(dockerfile)
    for ins in dockerfile.instructions:
        analysis.shell_scripts(ins)
    for stage in dockerfile.stages:
        for ins in stage.instructions:
            if isinstance(ins, Run):
                analysis.shell_scripts(ins)
    return analysis


def per_file(rounds: int) -> None:
    corpus = {"typical (27 lines)": TYPICAL}
    for folder in ("cases", "cache"):
        for path in sorted((ROOT / "oracle" / folder).glob("*/Dockerfile")):
            corpus[f"oracle/{folder}/{path.parent.name}"] = path.read_text()
    parsed = {name: parse_text(text, "Dockerfile") for name, text in corpus.items()}
    build_layer_graph(prepared(parsed["typical (27 lines)"]))  # loads the Debian data once
    results = []
    for name, dockerfile in parsed.items():
        analysis = prepared(dockerfile)
        results.append((best(lambda a=analysis: build_layer_graph(a), rounds), name))
    typical_analysis = prepared(parsed["typical (27 lines)"])
    linting = best(
        lambda: build_layer_graph(typical_analysis, estimate_packages=False, cache_keys=False), rounds
    )
    graph = build_layer_graph(typical_analysis)
    networkx = best(lambda: replace(graph).graph, rounds)  # a fresh copy makes its graph again
    times = [t for t, _ in results]
    typical = next(t for t, n in results if n.startswith("typical"))
    slowest = max(results)
    print(f"graph and estimates, without a context ({len(results)} files, best of {rounds}):")
    print(f"  typical file      {typical * 1000:7.3f} ms   (budget 2 ms)")
    print(f"  median file       {statistics.median(times) * 1000:7.3f} ms")
    print(f"  slowest file      {slowest[0] * 1000:7.3f} ms   ({slowest[1]})")
    print(
        f"  typical, linting  {linting * 1000:7.3f} ms   (apt installs left unsized, as the rules build it)"
    )
    print(f"  networkx graph    {networkx * 1000:7.3f} ms   (typical file, only for the API and dot/mermaid)")


def context_scaling(rounds: int) -> None:
    print("build context: read it and model `COPY . .` (best of rounds):")
    dockerfile = parse_text("FROM scratch\nWORKDIR /app\nCOPY . .\nRUN chmod -R g+w /app\n", "Dockerfile")
    for count in (100, 1000, 10000):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / ".dockerignore").write_text("**/*.log\nbuild/\n")
            for index in range(count):
                path = root / f"pkg{index % 37}" / f"mod{index % 11}" / f"file{index}.py"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x" * (index % 500))
            analysis = prepared(dockerfile)

            def run(root: Path = root, analysis: FileAnalysis = analysis) -> None:
                build_layer_graph(analysis, context=load_build_context(root))

            spent = best(run, max(1, rounds // 10))
            print(f"  {count:6d} files   {spent * 1000:9.2f} ms   {spent / count * 1e6:7.2f} µs per file")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    per_file(args.rounds)
    context_scaling(args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
