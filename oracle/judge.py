#!/usr/bin/env python3
"""Judge dfanalyze's layer model on the realistic builds of ``measurements.json``.

    python3 oracle/judge.py                         # the application cases ("group": "apps")
    python3 oracle/judge.py --with-bases            # ... as if the model knew every base of oracle/
    python3 oracle/judge.py --buildpack-deps GITDIR # the buildpack-deps chain measured by
                                                    # measure.py --buildpack-deps, from the same snapshot

For every layer a build made: the measured size, the model's estimate (``?`` when it has unknown
parts, with the part it knows), and the relative error; then the same per image, and the median
and worst error over what the model estimated. The model runs with the buildah profile and the
mounts ``measure.py`` used, as in ``tests/test_oracle.py``. Needs dfanalyze importable (run it
with the project's virtualenv); nothing here builds.

The buildpack-deps images are FROM each other (curl <- scm <- full). The model cannot know an image
by its name, so the chain is estimated as one Dockerfile: the distribution's image and the RUN
steps of curl, scm and full in order (each image's estimate = the base plus the layers so far).
The Dockerfiles are read from the snapshot at the commit ``measure.py`` recorded and checked
against the recorded sha256; nothing of them is written out.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from dfanalyze.checks.context import FileAnalysis
from dfanalyze.layers.graph import build_layer_graph
from dfanalyze.layers.sizes import Calibration, buildah_profile, calibration
from dfanalyze.parse import parse_text
from tools.calibrate_layers import layer_rows, model_case, with_measured_bases

HERE = Path(__file__).resolve().parent


def err(estimated: int | None, measured: int) -> float | None:
    return None if estimated is None or not measured else (estimated - measured) / measured


def pct(e: float | None) -> str:
    return "-" if e is None else f"{e * 100:+.1f}%"


def cell(n: int | None, known: int) -> str:
    return f"{n:,}" if n is not None else f"? (≥ {known:,})"


def summary(what: str, errors: list[float]) -> str:
    if not errors:
        return f"{what}: none estimated"
    a = [abs(e) for e in errors]
    median, worst = statistics.median(a) * 100, max(a) * 100
    return f"{what}: {len(a)} estimated, median error {median:.1f}%, worst {worst:.1f}%"


def judge_apps(doc: dict, data: Calibration) -> list[str]:
    out = ["| case | step | measured | estimated | error |", "| --- | --- | ---: | ---: | ---: |"]
    images = [
        "| case | style | base | measured image | estimated | error |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    layer_errors, big_errors, image_errors = [], [], []
    with tempfile.TemporaryDirectory() as work:
        for name, case in sorted(doc["cases"].items()):
            if not case.get("group"):
                continue
            if not case.get("ok"):
                out.append(f"| {name} | build failed | | | |")
                continue
            graph = model_case(HERE, name, case, data, Path(work))
            for row in layer_rows(name, graph, case):
                e = err(row.estimated, row.measured)
                if e is not None:
                    layer_errors.append(e)
                    if row.measured >= 1 << 20:
                        big_errors.append(e)
                instr = row.instruction.replace("|", "\\|")
                estimate = f"{cell(row.estimated, row.known)} | {pct(e)}"
                out.append(f"| {name} | {instr[:60]} | {row.measured:,} | {estimate} |")
            image = graph.image
            estimated = image.estimated_bytes if image.size.exact else None
            e = err(estimated, case["image"]["total_bytes"])
            if e is not None:
                image_errors.append(e)
            total = case["image"]["total_bytes"]
            images.append(
                f"| {name} | {case.get('style')} | {case.get('base_ref')} | {total:,} | "
                f"{cell(estimated, image.known_bytes)} | {pct(e)} |"
            )
    return [
        *out,
        "",
        *images,
        "",
        summary("layers", layer_errors),
        summary("layers >= 1 MiB", big_errors),
        summary("images", image_errors),
    ]


def repo_info_sizes() -> dict[str, int]:
    """The official images' sizes recorded in ``repo-info-sizes.json``, in bytes (decimal units)."""
    units = {"Kb": 10**3, "Mb": 10**6, "Gb": 10**9}
    doc = json.loads((HERE / "repo-info-sizes.json").read_text())
    sizes = {}
    for ref, entry in doc["images"].items():
        number, unit = entry["virtual_size"].removeprefix("~ ").split()
        sizes[ref] = round(float(number) * units[unit])
    return sizes


def official_cell(official: dict[str, int], name: str) -> str:
    """The repo-info size of buildpack-deps:<suite>[-curl|-scm] (the full variant has no suffix)."""
    size = official.get(f"buildpack-deps:{name.removesuffix('-full')}")
    return "-" if size is None else f"{size:,}"


def judge_buildpack_deps(doc: dict, gitdir: Path, data: Calibration) -> list[str]:
    import hashlib

    up = doc.get("upstream", {}).get("buildpack-deps")
    if not up:
        return ["no buildpack-deps measurements: run measure.py --buildpack-deps GITDIR"]
    out = [
        f"buildpack-deps at {up['commit']}",
        "",
        "| image | layer | measured | estimated | error | measured image | estimated image | error "
        "| repo-info (official image) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    official = repo_info_sizes()
    suites: dict[str, list[tuple[str, dict]]] = {}
    for name, rec in up["images"].items():
        suites.setdefault(name.rsplit("-", 1)[0], []).append((name, rec))
    for suite, recs in suites.items():
        order = {"curl": 0, "scm": 1, "full": 2}
        recs.sort(key=lambda r: order[r[0].rsplit("-", 1)[1]])
        if not all(r.get("ok") for _, r in recs):
            out.append(f"| {suite} | build failed | | | | | | | |")
            continue
        text = ""
        for _, rec in recs:
            source = subprocess.run(
                ["git", "--git-dir", str(gitdir), "show", f"{up['commit']}:{rec['path']}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if hashlib.sha256(source.encode()).hexdigest() != rec["sha256"]:
                raise SystemExit(f"{rec['path']} differs from the one measured")
            lines = source.splitlines(keepends=True)
            at = next(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
            head = f"FROM {recs[0][1]['from_rewritten']}\n" if not text else ""
            text += head + "".join(lines[at + 1 :])
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "Dockerfile"
            path.write_text(text)
            graph = build_layer_graph(
                FileAnalysis(parse_text(text, str(path))), profile=buildah_profile(data), data=data
            )
        layered = [s for s in graph.steps if s.creates_layer]
        measured_layers = [(n, s) for n, r in recs for s in r["steps"] if s["created_layer"]]
        if len(layered) != len(measured_layers):
            out.append(
                f"| {suite} | {len(measured_layers)} layers measured, {len(layered)} modelled | | | | | | | |"
            )
            continue
        base = graph.steps[0]
        running: int | None = base.exact_bytes
        known = base.known_bytes
        for (name, measured), step in zip(measured_layers, layered, strict=True):
            known += step.known_bytes
            running = None if running is None or step.exact_bytes is None else running + step.exact_bytes
            rec = dict(recs)[name]
            total = rec["image"]["total_bytes"]
            size = measured["diff_size_bytes"]
            out.append(
                f"| {name} | {measured['keyword']} | {size:,} | "
                f"{cell(step.exact_bytes, step.known_bytes)} | {pct(err(step.exact_bytes, size))} | "
                f"{total:,} | {cell(running, known)} | {pct(err(running, total))} | "
                f"{official_cell(official, name)} |"
            )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--with-bases", action="store_true", help="let the model know every base-*.json")
    ap.add_argument("--buildpack-deps", metavar="GITDIR", help="judge the buildpack-deps chain instead")
    a = ap.parse_args()
    doc = json.loads((HERE / "measurements.json").read_text())
    data = with_measured_bases(calibration(), HERE) if a.with_bases else calibration()
    lines = (
        judge_buildpack_deps(doc, Path(a.buildpack_deps), data) if a.buildpack_deps else judge_apps(doc, data)
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
