"""Make ``data/calibration.json`` from the real builds measured in ``oracle/``.

    python -m tools.calibrate_layers [ORACLE_DIR]    # default: ./oracle

Every number the layer model uses beyond the Dockerfile, the context and the Debian package data
comes from here, with the case it was measured on:

* the measured base images (``oracle/base-bookworm.json``);
* the entries buildah leaves in RUN layers: the first RUN of ``dd-sizes`` (``touch /f0``) and a RUN
  that writes nothing (``RUN echo hi`` in ``metadata-then-run``);
* the package lists of ``apt-get update`` (``apt-update-only``; names from the whiteouts of the
  later ``rm -rf /var/lib/apt/lists/*`` in ``apt-split-update-install-clean``, sizes from its
  waste items, apt's own layout for ``lock``, ``partial/`` and ``auxfiles/``);
* the bytes of apt's and dpkg's databases an install rewrites (the base image's files it hides,
  from the waste measured in the cases with one apt layer, with and without a debconf user);
* what an ``apt-get install`` layer holds beyond what :mod:`dfanalyze.knowledge.debian` counts:
  a least-squares fit, over every measured ``apt-get update && apt-get install ... &&
  rm -rf /var/lib/apt/lists/*`` layer of the probe cases, of bytes per call, per call with Recommends (debconf
  keeps a second copy of its templates), per new package, and per byte of Debian Python
  packages (the ``.pyc`` files ``py3compile`` writes at install time). The constants of
  :mod:`dfanalyze.knowledge.debian` in force are recorded: when they change, run this again.

Only the *probe* cases calibrate (those without a ``group``). The realistic application
Dockerfiles (``"group": "apps"`` in their ``case.json``) are held out: they judge the model
(``tests/test_oracle_apps.py``), and fitting on them would hide its errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct

from dfanalyze.layers.graph import LayerGraph, Step
from dfanalyze.layers.sizes import DATA, FORMAT, PYTHON_PACKAGES, Calibration

APT_LISTS = "/var/lib/apt/lists"
# apt's own layout of its lists folder, besides the downloaded indexes.
APT_LIST_FILES = ("lock",)
APT_LIST_DIRS = ("auxfiles", "partial")


def probe_cases(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The measured cases that calibrate the model: every case without a ``group``."""
    return {name: case for name, case in doc["cases"].items() if not case.get("group")}


def _case(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    case: Mapping[str, Any] = doc["cases"][name]
    if not case.get("ok"):
        raise SystemExit(f"oracle case {name} did not build")
    return case


def _step(case: Mapping[str, Any], instruction: str) -> Mapping[str, Any]:
    return next(s for s in case["steps"] if s["instruction"] == instruction)


def partial_calibration(oracle: Path, doc: Mapping[str, Any]) -> dict[str, Any]:
    """Everything but the apt fit (which needs the model run with these numbers)."""
    return {
        "format": FORMAT,
        "source": "oracle/measurements.json: " + doc["tool"] + ", storage driver " + doc["storage_driver"],
        "measured": doc["date"],
        "bases": base_section(oracle),
        "buildah": buildah_section(doc),
        "apt_lists": apt_lists_section(doc),
    }


def base_section(oracle: Path) -> list[dict[str, Any]]:
    """The base the probe cases were measured on (the other bases only judge the model)."""
    return [base_entry(oracle / "base-bookworm.json")]


def base_entry(path: Path) -> dict[str, Any]:
    """A ``bases`` entry of the calibration from a base record that ``oracle/make_base.sh`` wrote."""
    base = json.loads(path.read_text())
    return {
        "ref": base["tag"],
        "bytes": base["image_size_bytes"],
        "distro": base.get("distro", "debian"),
        "release": base["suite"],
        "source": f"oracle/{path.name}, made {base['made']}",
        "packages": sorted(p["package"] for p in base["packages"]),
    }


def with_measured_bases(data: Calibration, oracle: Path) -> Calibration:
    """``data`` knowing every base of ``oracle/`` (``base-*.json``) too: how the model would do on
    the application cases if it knew their bases (those it already knows are left as they are)."""
    from msgspec.structs import replace

    from dfanalyze.layers.sizes import MeasuredBase

    bases = dict(data.bases)
    for path in sorted(oracle.glob("base-*.json")):
        entry = base_entry(path)
        if entry["ref"] not in bases:
            bases[entry["ref"]] = MeasuredBase(
                entry["ref"],
                entry["bytes"],
                entry["distro"],
                entry["release"],
                entry["source"],
                frozenset(entry["packages"]),
            )
    return replace(data, bases=bases)


# What buildah's first RUN leaves (oracle/README.md): the /etc/hosts mount point, and /run.
FIRST_RUN_FILES = ("/etc/hosts",)
FIRST_RUN_DIRS = ("/run",)


def buildah_section(doc: Mapping[str, Any]) -> dict[str, Any]:
    first = _step(_case(doc, "dd-sizes"), "RUN touch /f0")["layer"]
    later = _step(_case(doc, "metadata-then-run"), "RUN echo hi")["layer"]
    paths = {p for f in FIRST_RUN_FILES for p in (f, f.rsplit("/", 1)[0])} | set(FIRST_RUN_DIRS)
    if first["entries"] - 1 != len(paths) or first["regular_files"] - 1 != len(FIRST_RUN_FILES):
        raise SystemExit(f"the first RUN layer does not hold what buildah is known to leave: {first}")
    return {
        "first_run_files": list(FIRST_RUN_FILES),
        "first_run_dirs": list(FIRST_RUN_DIRS),
        "run_entries": later["entries"],
        "from": ["dd-sizes: RUN touch /f0", "metadata-then-run: RUN echo hi", "oracle/README.md"],
    }


def apt_lists_section(doc: Mapping[str, Any]) -> dict[str, Any]:
    split = _case(doc, "apt-split-update-install-clean")
    removed = _step(split, "RUN rm -rf /var/lib/apt/lists/*")["layer"]["whiteout_paths"]
    sizes = {i["path"]: i["bytes"] for i in split["waste"]["items"] if i["path"].startswith(APT_LISTS + "/")}
    names = [p.rsplit("/", 1)[1] for p in removed]
    files = [[name, sizes[f"{APT_LISTS}/{name}"]] for name in names if f"{APT_LISTS}/{name}" in sizes]
    files += [[name, 0] for name in APT_LIST_FILES]
    if sorted([*(n for n, _ in files), *APT_LIST_DIRS]) != sorted(names):
        raise SystemExit(f"unexpected lists layout: {names}")
    layer = _step(_case(doc, "apt-update-only"), "RUN apt-get update")["layer"]
    if sum(size for _, size in files) != layer["regular_bytes"]:
        raise SystemExit("the list files do not add up to the measured layer")
    ancestors = APT_LISTS.count("/")
    first_run = len(FIRST_RUN_FILES) + len(FIRST_RUN_DIRS) + 1  # and /etc
    extra = layer["entries"] - len(files) - len(APT_LIST_DIRS) - ancestors - first_run
    return {
        "directory": APT_LISTS,
        "files": files,
        "dirs": list(APT_LIST_DIRS),
        "extra_entries": extra,
        "from": ["apt-update-only", "apt-split-update-install-clean"],
    }


def solve(rows: Sequence[Sequence[float]], targets: Sequence[float]) -> list[float]:
    """Least squares by the normal equations (a handful of unknowns)."""
    n = len(rows[0])
    matrix = [[sum(r[i] * r[j] for r in rows) for j in range(n)] for i in range(n)]
    vector = [sum(r[i] * t for r, t in zip(rows, targets, strict=True)) for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(matrix[r][col]))
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        vector[col], vector[pivot] = vector[pivot], vector[col]
        for row in range(n):
            if row != col and matrix[col][col]:
                factor = matrix[row][col] / matrix[col][col]
                matrix[row] = [a - factor * b for a, b in zip(matrix[row], matrix[col], strict=True)]
                vector[row] -= factor * vector[col]
    return [vector[i] / matrix[i][i] if matrix[i][i] else 0.0 for i in range(n)]


CONTROL_FILES = ("prepare.sh", "case.json", "scenario.json")
ZERO_APT = {
    "call_bytes": 0, "recommends_bytes": 0, "package_bytes": 0, "pyc_ratio": 0.0,
    "rewrite_bytes": 0, "debconf_rewrite_bytes": 0,
}  # fmt: skip


def stage_context(source: Path, oracle: Path, into: Path) -> Path:
    """A case's build context as ``oracle/measure.py`` makes it: a copy, ``prepare.sh`` run in it
    (with ``ORACLE_DIR``), the control files removed."""
    import os
    import shutil
    import subprocess

    shutil.copytree(source, into, symlinks=True)
    prepare = into / "prepare.sh"
    if prepare.exists():
        env = {**os.environ, "ORACLE_DIR": str(oracle.resolve())}
        subprocess.run(["bash", "-e", str(prepare)], cwd=into, env=env, check=True, capture_output=True)
    for name in CONTROL_FILES:
        (into / name).unlink(missing_ok=True)
    return into


def model_case(oracle: Path, name: str, case: Mapping[str, Any], data: Calibration, work: Path) -> LayerGraph:
    """The model of one measured case, with buildah's profile (and its ``--volume`` mounts)."""
    from dfanalyze.checks.context import FileAnalysis
    from dfanalyze.layers.graph import build_layer_graph, load_build_context
    from dfanalyze.layers.sizes import buildah_profile
    from dfanalyze.parse import parse_text

    context_dir = stage_context(oracle / "cases" / name, oracle, work / name)
    dockerfile = parse_text(case["dockerfile"], str(context_dir / "Dockerfile"))
    analysis = FileAnalysis(dockerfile, build_args=dict(case.get("build_args") or {}))
    profile = buildah_profile(data, mount_files=ca_mount_files(case))
    context = load_build_context(context_dir, context_dir / "Dockerfile")
    return build_layer_graph(analysis, context=context, target=case.get("target"), profile=profile, data=data)


def ca_mount_files(case: Mapping[str, Any]) -> tuple[str, ...]:
    """The files ``oracle/measure.py`` bind-mounts for a case: the host's CA bundle, and a pip.conf
    (``pip_ca``) and/or a ``/root/.npmrc`` (``npm_ca``) that point at it."""
    pip, npm = bool(case.get("pip_ca")), bool(case.get("npm_ca"))
    files = ("/run/host-ca.crt",) if pip or npm else ()
    return files + (("/etc/pip.conf",) if pip else ()) + (("/root/.npmrc",) if npm else ())


def pair_steps(graph: LayerGraph, case: Mapping[str, Any]) -> list[tuple[Step, Mapping[str, Any]]]:
    """Each measured step with the model's step: buildah numbers stages from 1 in file order
    (skipping those it does not build) and steps from 1 within a stage, FROM included."""
    by_position = {}
    for step in graph.steps:
        position = step.stage, step.index - min(s.index for s in graph.steps if s.stage == step.stage)
        by_position[position] = step
    return [(by_position[(m["stage"] - 1, m["step"] - 1)], m) for m in case["steps"]]


class LayerRow(Struct, frozen=True):
    """A layer that buildah made or the model makes, with the measured and the estimated size."""

    case: str
    instruction: str
    """As buildah printed it."""
    measured: int
    estimated: int | None
    """None when the model has unknown parts..."""
    known: int
    """... and then the part it knows."""
    created: bool
    """buildah made a layer."""
    modelled: bool
    """The model makes one."""

    @property
    def error(self) -> float:
        """Relative error of the estimate (only when there is one)."""
        assert self.estimated is not None
        return abs(self.estimated - self.measured) / self.measured


def layer_rows(name: str, graph: LayerGraph, case: Mapping[str, Any]) -> tuple[LayerRow, ...]:
    """Every step of a measured case that made a layer in the build or in the model."""
    return tuple(
        LayerRow(
            name,
            measured["instruction"],
            measured["diff_size_bytes"],
            step.exact_bytes,
            step.known_bytes,
            measured["created_layer"],
            step.creates_layer,
        )
        for step, measured in pair_steps(graph, case)
        if measured["created_layer"] or step.creates_layer
    )


class AptRows(Struct, frozen=True):
    """The measured apt layers: for each, the features of :func:`apt_features`, the bytes the model
    misses without apt extras, the measured size, and which case and step it is."""

    features: list[list[float]]
    missing: list[float]
    measured: list[int]
    names: list[str]
    cases: list[str]
    debconf: list[bool]
    """A new package uses debconf."""

    def fit(self, skip: int | None = None) -> list[float]:
        """(per call, per call with Recommends, per package, per Python byte), least squares,
        optionally without row ``skip`` (for leave-one-out checks)."""
        keep = [i for i in range(len(self.features)) if i != skip]
        return solve([self.features[i] for i in keep], [self.missing[i] for i in keep])


def apt_rows(oracle: Path, doc: Mapping[str, Any], partial: Mapping[str, Any]) -> AptRows:
    """Model every measured case without apt extras and collect the apt install layers."""
    import tempfile

    from dfanalyze.layers.sizes import calibration_from

    data = calibration_from({**partial, "apt": ZERO_APT})
    from dfanalyze.knowledge.debian import load_index

    index = load_index()
    rows = AptRows([], [], [], [], [], [])
    with tempfile.TemporaryDirectory() as work:
        for name, case in sorted(probe_cases(doc).items()):
            if not case.get("ok"):
                continue
            graph = model_case(oracle, name, case, data, Path(work))
            for step, measured in pair_steps(graph, case):
                features = apt_features(step, data)
                if features is not None:
                    rows.features.append(features)
                    rows.missing.append(measured["diff_size_bytes"] - step.known_bytes)
                    rows.measured.append(measured["diff_size_bytes"])
                    rows.names.append(f"{name}: {measured['instruction'][:70]}")
                    rows.cases.append(name)
                    packages = next(b.packages for b in step.layer.blobs if b.key.startswith("apt:"))  # type: ignore[union-attr]
                    rows.debconf.append(any("D" in index.flags(p) for p in packages))
    return rows


def apt_rewrites(rows: AptRows, doc: Mapping[str, Any]) -> tuple[int, int]:
    """The bytes of the base image's databases that one install hides (``from_base_bytes`` of the
    waste of the cases with one apt layer): the median without and with a debconf user."""
    import statistics

    single = [i for i, case in enumerate(rows.cases) if rows.cases.count(case) == 1]
    hidden = {i: doc["cases"][rows.cases[i]]["waste"]["from_base_bytes"] for i in single}
    plain = round(statistics.median(hidden[i] for i in single if not rows.debconf[i]))
    debconf = round(statistics.median(hidden[i] for i in single if rows.debconf[i]))
    return plain, debconf - plain


def apt_section(rows: AptRows, doc: Mapping[str, Any]) -> dict[str, Any]:
    """Fit what apt layers hold beyond the Debian data's estimate, on the measured installs."""
    from dfanalyze.knowledge import debian

    call, recommends, package, pyc = rows.fit()
    rewrite, debconf = apt_rewrites(rows, doc)
    return {
        "call_bytes": round(call),
        "recommends_bytes": round(recommends),
        "package_bytes": round(package),
        "pyc_ratio": round(pyc, 4),
        "rewrite_bytes": rewrite,
        "debconf_rewrite_bytes": debconf,
        "debian_overhead": {
            "APT_CALL_OVERHEAD_BYTES": debian.APT_CALL_OVERHEAD_BYTES,
            "APT_PACKAGE_OVERHEAD_BYTES": debian.APT_PACKAGE_OVERHEAD_BYTES,
        },
        "from": rows.names,
    }


def apt_features(step: Step, data: Calibration) -> list[float] | None:
    """(1, Recommends, new packages, Python packages' bytes) of a layer that only installs with
    apt and cleans its lists; None for any other layer."""
    layer = step.layer
    installs = [b for b in layer.blobs if b.key.startswith("apt:")] if layer is not None else []
    if layer is None or layer.unknown_parts or len(installs) != 1 or len(layer.blobs) != 2:
        return None
    blob = installs[0]
    python = [p for p in blob.packages if p.startswith(PYTHON_PACKAGES)]
    recommends = "--no-install-recommends" not in step.instruction.text
    return [
        1.0,
        1.0 if recommends else 0.0,
        float(len(blob.packages)),
        float(data.package_bytes(python) or 0),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.calibrate_layers")
    parser.add_argument("oracle", nargs="?", default="oracle", help="the oracle folder (default: ./oracle)")
    parser.add_argument("--measurements", help="read this file instead of ORACLE/measurements.json")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    oracle = Path(args.oracle)
    doc = json.loads(Path(args.measurements or oracle / "measurements.json").read_text())
    partial = partial_calibration(oracle, doc)
    result = {**partial, "apt": apt_section(apt_rows(oracle, doc, partial), doc)}
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {DATA}: {json.dumps(result['apt'] | {'from': len(result['apt']['from'])})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
