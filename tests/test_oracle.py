"""The layer model against real builds: every probe case and every cache scenario of
``oracle/measurements.json`` (buildah 1.28 on this project's machine; no buildah is needed here).
The realistic application cases (``"group": "apps"``) are judged in ``test_oracle_apps.py``.

Sizes are compared layer by layer (the uncompressed tar length of each layer buildah made) and
image by image; cache predictions step by step. Run with ``-s`` to see the tables.

buildah is the ground truth we have; the model is BuildKit's. Where they differ, this test says so
explicitly instead of skipping:

* Sizes are predicted with the ``buildah`` builder profile (:func:`dfanalyze.layers.sizes.
  buildah_profile`): buildah makes no WORKDIR layer and creates WORKDIR and VOLUME folders with the
  next RUN, its first RUN leaves the ``/etc/hosts`` and ``/run`` mount points, every later RUN one
  more directory entry, and ``measure.py`` bind-mounts two files for the pip cases. BuildKit makes
  WORKDIR a ``mkdir`` layer instead.
* Cache: buildah prints a cached/rebuilt status for steps that only edit the image configuration
  (ENV, ARG, CMD ...) as links of its linear chain; BuildKit makes no cache operation of them, and
  the model reports ``None`` (:data:`CONFIG_ONLY`). Both decide ``COPY --from=<stage>`` by the
  copied content once the stage rebuilt, which the model cannot know before a build
  (:data:`CONTENT_DEPENDENT`).

The apt constants (per call, per Recommends call, per package, per Python byte) are fitted on the
measured apt layers by ``python -m tools.calibrate_layers``; nothing else is fitted. The
leave-one-out error of that fit is printed and asserted too.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dfanalyze.checks.context import FileAnalysis
from dfanalyze.layers.cache import rebuilds
from dfanalyze.layers.graph import Changes as ModelChanges
from dfanalyze.layers.graph import LayerGraph, build_keys, build_layer_graph, load_build_context
from dfanalyze.layers.render import human
from dfanalyze.layers.sizes import calibration
from dfanalyze.parse import parse_text
from tools.calibrate_layers import (
    LayerRow,
    apt_rows,
    layer_rows,
    model_case,
    partial_calibration,
    probe_cases,
    stage_context,
)

ORACLE = Path(__file__).resolve().parent.parent / "oracle"
MEASUREMENTS: dict[str, Any] = json.loads((ORACLE / "measurements.json").read_text())

# Targets reached (the issue asks for a median of at most 15 % and every cache scenario exact).
LAYER_MEDIAN, LAYER_WORST = 0.01, 0.15
IMAGE_MEDIAN, IMAGE_WORST = 0.01, 0.02
APT_LEAVE_ONE_OUT_WORST = 0.15
WASTE_TOLERANCE = 0.06  # files: exact; apt's databases: the measured bytes one install rewrites

OUTSIDE_MODEL: Mapping[tuple[str, str], str] = {
    # (case, the start of the instruction as buildah printed it): why the model has no size.
    ("apt-install-purge-same-layer", "RUN apt-get update"): (
        "`git --version > /git-version`: what a program prints is not known before it runs"
    ),
    ("apt-install-then-purge", "RUN apt-get purge -y --auto-remove git"): (
        "a purge in a later layer writes one whiteout per removed path; the data has no file lists"
    ),
    ("copy-from-image", "COPY --from=localhost/debian:bookworm /etc"): (
        "COPY --from an external image: its files are not known without pulling it"
    ),
    ("copy-from-image", "COPY --from=localhost/debian:bookworm /usr"): (
        "COPY --from an external image: its files are not known without pulling it"
    ),
    ("multistage-gcc-static", "RUN mkdir -p /out && gcc"): (
        "the size of what a compiler produces is not known before it runs"
    ),
    ("multistage-gcc-static", "COPY --from=builder /out/hello"): (
        "copies the compiler's output, whose size is not known"
    ),
    ("multistage-gcc-static", "RUN /usr/local/bin/hello > /hello.out"): (
        "what a program prints is not known before it runs"
    ),
    **dict.fromkeys(
        (
            ("pip-venv-cache", "RUN python3 -m venv"),
            ("pip-venv-cache-mount", "RUN --mount=type=cache,target=/root/.cache/pip python3 -m venv"),
            ("pip-venv-nocache", "RUN python3 -m venv"),
            ("pip-venv-sdist-cache", "RUN python3 -m venv"),
            ("pip-venv-sdist-nocache", "RUN python3 -m venv"),
        ),
        "python3 -m venv: what ensurepip installs into the new environment was not measured",
    ),
}
CONFIG_ONLY = frozenset({"ARG", "ENV", "LABEL", "CMD", "ENTRYPOINT", "USER", "EXPOSE", "VOLUME", "SHELL"})
CONTENT_DEPENDENT: Mapping[tuple[str, str], str] = {
    (scenario, instruction): (
        "BuildKit (and buildah) reuse a COPY --from of a rebuilt stage when the copied files came out "
        "the same: whether sort's output changed is only known after running it"
    )
    for scenario in ("multistage-builder-changed-output", "multistage-builder-identical-output")
    for instruction in ("COPY --from=builder /out/sorted.txt", "RUN wc -l /sorted.txt")
} | {
    ("multistage-edit-builder-step", instruction): (
        "the edited builder step also ran chmod -R over the copied files: whether they came out the same "
        "(they did: only sort's arguments changed) is only known after running it"
    )
    for instruction in ("COPY --from=builder /src/app /app", "RUN ls -l /app")
}


def _reason(
    table: Mapping[tuple[str, str], str], name: str, instruction: str
) -> tuple[tuple[str, str], str] | None:
    """The entry of ``table`` for this case or scenario and instruction."""
    for key, reason in table.items():
        if key[0] == name and instruction.startswith(key[1]):
            return key, reason
    return None


# --- sizes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Modelled:
    case: str
    graph: LayerGraph
    rows: tuple[LayerRow, ...]


@pytest.fixture(scope="module")
def modelled(tmp_path_factory: pytest.TempPathFactory) -> list[Modelled]:
    work = tmp_path_factory.mktemp("oracle")
    result = []
    for name, case in sorted(probe_cases(MEASUREMENTS).items()):
        assert case.get("ok"), f"{name} did not build: {case.get('error')}"
        graph = model_case(ORACLE, name, case, calibration(), work)
        rows = layer_rows(name, graph, case)
        result.append(Modelled(name, graph, rows))
    return result


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def test_every_measured_layer_is_estimated_or_explained(modelled: list[Modelled]) -> None:
    print("\n| case | step | measured | estimated | error |\n| --- | --- | ---: | ---: | ---: |")
    seen = set()
    for case in modelled:
        for row in case.rows:
            assert row.created == row.modelled, (case.case, row.instruction)
            entry = _reason(OUTSIDE_MODEL, row.case, row.instruction)
            estimate = human(row.estimated) if row.estimated is not None else f"≥ {human(row.known)} + ?"
            error = _pct(row.error) if row.estimated is not None else f"outside: {entry and entry[1]}"
            print(f"| {row.case} | {row.instruction[:60]} | {row.measured:,} | {estimate} | {error} |")
            if row.estimated is None:
                assert entry is not None, f"{row.case}: {row.instruction}: unknown without a reason"
                seen.add(entry[0])
                assert row.known <= row.measured * (1 + LAYER_WORST)  # the known part is a lower bound
            else:
                assert entry is None, f"{row.case}: {row.instruction} is estimated now: drop its reason"
    assert seen == set(OUTSIDE_MODEL), "stale OUTSIDE_MODEL entries"


def _accuracy(what: str, errors: list[float], median_target: float, worst_target: float) -> None:
    median, worst = statistics.median(errors), max(errors)
    print(f"\n{len(errors)} {what}: median error {_pct(median)}, worst {_pct(worst)}")
    assert median <= median_target
    assert worst <= worst_target


def test_layer_sizes(modelled: list[Modelled]) -> None:
    errors = [row.error for case in modelled for row in case.rows if row.estimated is not None]
    assert len(errors) >= 80
    _accuracy("layers", errors, LAYER_MEDIAN, LAYER_WORST)


def test_image_sizes(modelled: list[Modelled]) -> None:
    print("\n| case | measured image | estimated | error |\n| --- | ---: | ---: | ---: |")
    errors = []
    for case in modelled:
        measured = MEASUREMENTS["cases"][case.case]["image"]["total_bytes"]
        image = case.graph.image
        error = abs(image.estimated_bytes - measured) / measured
        complete = image.size.exact
        estimate = f"{image.estimated_bytes:,}" + (
            "" if complete else f" ({image.low_bytes:,}-{image.high_bytes:,})"
        )
        print(f"| {case.case} | {measured:,} | {estimate} | {_pct(error)} |")
        if complete:
            errors.append(error)
        else:
            assert image.known_bytes <= measured * (1 + IMAGE_WORST)
    assert len(errors) >= 35
    _accuracy("complete images", errors, IMAGE_MEDIAN, IMAGE_WORST)


def test_reclaimable_bytes_match_the_measured_waste(modelled: list[Modelled]) -> None:
    """The oracle's waste: regular-file bytes of a layer (the base's included) that a later layer
    deletes, overwrites or hides. The base's files that apt rewrites are its databases, whose
    rewritten bytes the calibration measured (``apt.rewrite_bytes``)."""
    print("\n| case | measured waste | reclaimable | efficiency |")
    for case in modelled:
        expected = MEASUREMENTS["cases"][case.case]["waste"]["total_bytes"]
        image = case.graph.image
        print(f"| {case.case} | {expected:,} | {image.reclaimable_bytes:,} | {image.efficiency:.3f} |")
        if image.waste_complete and not image.unknown_parts:
            assert abs(image.reclaimable_bytes - expected) <= max(WASTE_TOLERANCE * expected, 4096), case.case


def test_the_shipped_apt_fit_is_the_fit_of_these_measurements() -> None:
    rows = apt_rows(ORACLE, MEASUREMENTS, partial_calibration(ORACLE, MEASUREMENTS))
    data = calibration()
    call, recommends, package, pyc = rows.fit()
    assert (round(call), round(recommends), round(package), round(pyc, 4)) == (
        data.apt_call_bytes,
        data.apt_recommends_bytes,
        data.apt_package_bytes,
        data.pyc_ratio,
    ), "the calibration is stale: run `python -m tools.calibrate_layers`"
    loo = []
    for index, features in enumerate(rows.features):
        fitted = rows.fit(skip=index)
        predicted = sum(f * c for f, c in zip(features, fitted, strict=True))
        loo.append(abs(predicted - rows.missing[index]) / rows.measured[index])
    print(
        f"\napt fit on {len(loo)} layers, leave-one-out error: median {_pct(statistics.median(loo))}, "
        f"worst {_pct(max(loo))}"
    )
    assert max(loo) <= APT_LEAVE_ONE_OUT_WORST


# --- the cache -----------------------------------------------------------------------------------------


def _apply(root: Path, change: Mapping[str, Any]) -> None:
    """Replay a scenario's change as ``oracle/measure.py`` does."""
    kind = change["kind"]
    if kind == "multi":
        for part in change["changes"]:
            _apply(root, part)
        return
    if kind == "build_args":
        return
    path = root / change["path"]
    if kind == "edit" and "content" in change:
        path.write_text(change["content"])
    elif kind == "edit":
        old, new = change["replace"]
        text = path.read_text()
        assert text.count(old) == 1
        path.write_text(text.replace(old, new))
    elif kind == "append":
        path.write_text(path.read_text() + change["text"])
    elif kind == "touch":
        info = path.stat()
        delta = change.get("mtime_delta_s", 3600)
        os.utime(path, (info.st_atime + delta, info.st_mtime + delta))
    elif kind == "chmod":
        path.chmod(int(change["mode"], 8))
    elif kind == "add":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(change["content"])
    elif kind == "delete":
        path.unlink()
    else:
        assert kind == "rename", kind
        path.rename(root / change["to"])


def _declared_changes(scenario: Mapping[str, Any], before: Path) -> ModelChanges:
    """The scenario as ``--changed``/``--changed-arg``/``--against`` would say it."""
    paths: set[str] = set()
    previous = None
    args = {
        name
        for name in {*scenario["build_args_before"], *scenario["build_args_after"]}
        if scenario["build_args_before"].get(name) != scenario["build_args_after"].get(name)
    }
    parts = scenario["change"]["changes"] if scenario["change"]["kind"] == "multi" else [scenario["change"]]
    for part in parts:
        if part.get("path") == "Dockerfile":
            previous = parse_text(scenario["dockerfile_before"], str(before / "Dockerfile"))
        if part["kind"] in ("edit", "append", "add", "delete", "chmod"):
            paths.add(part["path"])
        elif part["kind"] == "rename":
            paths.update((part["path"], part["to"]))
    return ModelChanges(frozenset(paths), frozenset(args), previous)  # a touch changes no content


def _analysis(text: str, build_args: Mapping[str, str], context: Path) -> FileAnalysis:
    return FileAnalysis(parse_text(text, str(context / "Dockerfile")), build_args=dict(build_args))


def _step_positions(analysis: FileAnalysis) -> dict[tuple[int, int], int]:
    positions = {}
    index = 0
    for stage in analysis.dockerfile.stages:
        for step in range(len(stage.instructions) + 1):
            positions[stage.index, step] = index
            index += 1
    return positions


@dataclass(frozen=True)
class Prediction:
    instruction: str
    measured: bool | None
    by_keys: bool | None
    by_changes: bool | None


def _predict(name: str, scenario: Mapping[str, Any], work: Path) -> Iterator[Prediction]:
    source = ORACLE / "cache" / name
    before = stage_context(source, ORACLE, work / name / "before")
    after = stage_context(source, ORACLE, work / name / "after")
    _apply(after, scenario["change"])
    (after / "Dockerfile").write_text(scenario["dockerfile_after"])
    target = scenario.get("target")
    old = _analysis(scenario["dockerfile_before"], scenario["build_args_before"], before)
    new = _analysis(scenario["dockerfile_after"], scenario["build_args_after"], after)
    old_keys = build_keys(old, load_build_context(before, before / "Dockerfile"), target)
    new_keys = build_keys(new, load_build_context(after, after / "Dockerfile"), target, old_keys)
    by_keys = rebuilds(old_keys, new_keys)
    declared = _declared_changes(scenario, before)
    current = _analysis(scenario["dockerfile_after"], scenario["build_args_before"], before)
    graph = build_layer_graph(
        current, context=load_build_context(before, before / "Dockerfile"), target=target, changes=declared
    )
    by_changes = {s.index: s.rebuilds for s in graph.steps}
    positions = _step_positions(new)
    for measured in scenario["rebuild"]:
        index = positions[measured["stage"] - 1, measured["step"] - 1]
        cached = measured["cached"]
        yield Prediction(
            measured["instruction"],
            None if cached is None else not cached,
            by_keys.get(index),
            by_changes.get(index),
        )


def test_every_cache_scenario_is_predicted_exactly(tmp_path: Path) -> None:
    print("\n| scenario | step | buildah rebuilt | model (keys) | model (--changed) |")
    exact = 0
    unknown_seen = set()
    for name, scenario in sorted(MEASUREMENTS["scenarios"].items()):
        assert scenario.get("ok"), f"{name}: {scenario.get('error')}"
        assert all(s["cached"] in (True, None) for s in scenario["control"]), f"{name}: control not cached"
        mismatches = 0
        for p in _predict(name, scenario, tmp_path):
            print(f"| {name} | {p.instruction[:50]} | {p.measured} | {p.by_keys} | {p.by_changes} |")
            assert p.by_keys == p.by_changes, (name, p.instruction)
            if p.measured is None:  # FROM: buildah prints no status
                continue
            if p.by_keys is None:
                keyword = p.instruction.split()[0].upper()
                entry = _reason(CONTENT_DEPENDENT, name, p.instruction)
                assert keyword in CONFIG_ONLY or entry is not None, (name, p.instruction)
                if entry is not None:
                    unknown_seen.add(entry[0])
                continue
            mismatches += p.by_keys != p.measured
        assert mismatches == 0, name
        exact += 1
    print(f"{exact} of {len(MEASUREMENTS['scenarios'])} scenarios exact")
    assert exact == len(MEASUREMENTS["scenarios"]) >= 26
    assert unknown_seen == set(CONTENT_DEPENDENT), "stale CONTENT_DEPENDENT entries"


def test_a_scenario_context_is_the_scenario_folder(tmp_path: Path) -> None:
    """The harness copies what measure.py copies: the folder, prepared, without its control files."""
    made = stage_context(ORACLE / "cases" / "copy-tree-dockerignore", ORACLE, tmp_path / "ctx")
    assert not (made / "prepare.sh").exists()
    assert (made / ".git" / "HEAD").stat().st_size == 23
    assert shutil.which("bash") is not None
