"""The GitHub Action, run step by step under a fake runner environment: its inputs' expressions are
evaluated as the runner would, each ``run`` step is executed by bash as ``shell: bash`` does, and the
annotations, the step summary, the SARIF file and the outputs are checked."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
SELECT = "--select DF100,DF704,DF700"


def _evaluate(text: str, context: Mapping[str, str]) -> str:
    return EXPRESSION.sub(lambda m: context[m.group(1)], text)


@dataclass(frozen=True)
class Runner:
    """A fake runner: the workspace, its temporary folder and the files GitHub reads back."""

    workspace: Path
    temp: Path

    def environment(self, files: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "DFANALYZE_"))}
        env.pop("NO_COLOR", None)
        env.pop("FORCE_COLOR", None)
        env.update(
            GITHUB_ACTIONS="true",
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_OUTPUT=str(files / "output"),
            GITHUB_STEP_SUMMARY=str(files / "summary"),
            GITHUB_SERVER_URL="https://github.com",
            GITHUB_REPOSITORY="acme/app",
            GITHUB_SHA="0123abc",
            RUNNER_TEMP=str(self.temp),
        )
        return env

    def run(self, inputs: Mapping[str, str], *, install: bool = False) -> tuple[int, str, str, str, str]:
        """Run the action's steps; returns the last step's status, stdout and stderr, its step summary
        and the outputs it set."""
        values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
        values.update(inputs)
        context = {f"inputs.{name}": value for name, value in values.items()}
        context["github.action_path"] = str(ROOT)
        context["steps.python.outputs.python-path"] = sys.executable
        steps = [s for s in ACTION["runs"]["steps"] if "run" in s and (install or s.get("id") == "lint")]
        result: subprocess.CompletedProcess[str] | None = None
        for step in steps:
            assert step["shell"] == "bash"
            files = Path(tempfile.mkdtemp(dir=self.temp))  # each step has files of its own
            env = self.environment(files)
            env.update({name: _evaluate(str(value), context) for name, value in step.get("env", {}).items()})
            assert "${{" not in step["run"], "inputs reach scripts through the environment only"
            script = files / "step.sh"
            script.write_text(step["run"], encoding="utf-8")
            result = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if result.returncode != 0:
                break
        assert result is not None
        read = lambda name: (files / name).read_text(encoding="utf-8") if (files / name).exists() else ""  # noqa: E731
        return result.returncode, result.stdout, result.stderr, read("summary"), read("output")


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner on which the action's install step has run once (it installs this repository and its
    dependencies from the package registry into a virtual environment)."""
    workspace = tmp_path_factory.mktemp("workspace")
    shutil.copytree(Path(__file__).parent / "fixtures" / "tree", workspace, dirs_exist_ok=True)
    temp = tmp_path_factory.mktemp("runner-temp")
    runner = Runner(workspace, temp)
    status, out, err, _, _ = runner.run({"paths": "services/web", "args": SELECT}, install=True)
    assert status == 0, out + err
    return runner


def test_annotations_summary_and_failure(runner: Runner) -> None:
    status, out, err, summary, outputs = runner.run({"args": SELECT})
    assert status == 2, err  # services/api/Dockerfile.prod does not parse
    annotations = out.splitlines()
    assert annotations[0].startswith("::error file=services/api/Dockerfile.prod,line=2,col=5,endLine=4,")
    assert annotations[1].startswith("::warning file=Containerfile,line=1,col=6,endLine=1,endColumn=12,")
    assert [line.split(" ", 1)[0] for line in annotations[2:]] == ["::notice", "::notice"]
    assert "title=dfanalyze DF704 (consistent-instruction-casing)::Dockerfile:3:1: DF704 " in annotations[2]
    assert summary.startswith("## dfanalyze\n\n**4 findings: 1 error, 1 warning, 2 style; ")
    assert "[`Dockerfile:3:1`](https://github.com/acme/app/blob/0123abc/Dockerfile#L3)" in summary
    assert outputs == "sarif-file=\n"


def test_failure_threshold(runner: Runner) -> None:
    inputs = {"paths": "Dockerfile Containerfile", "args": SELECT}
    assert runner.run({**inputs, "failure-threshold": "warning"})[0] == 1
    assert runner.run({**inputs, "failure-threshold": "error"})[0] == 0
    assert runner.run({**inputs, "paths": "Dockerfile", "failure-threshold": "warning"})[0] == 0


def test_sarif_file_for_code_scanning(runner: Runner) -> None:
    status, out, _, _, outputs = runner.run(
        {"paths": "Dockerfile\nlegacy", "args": SELECT, "sarif-file": "dfanalyze.sarif"}
    )
    assert status == 1
    log: dict[str, Any] = json.loads((runner.workspace / "dfanalyze.sarif").read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "Dockerfile",
        "Dockerfile",
    ]
    assert outputs == "sarif-file=dfanalyze.sarif\n"
    assert out.count("::notice file=Dockerfile,") == 2


def test_inputs_cannot_inject_shell(runner: Runner) -> None:
    status, _, err, _, _ = runner.run({"paths": "Dockerfile; touch pwned $(touch pwned2) *", "args": SELECT})
    assert status == 2
    assert "Dockerfile;: no such file" in err
    assert not (runner.workspace / "pwned").exists()
    assert not (runner.workspace / "pwned2").exists()
    assert "dfanalyze: error: *: no such file" in err  # no glob expansion either
