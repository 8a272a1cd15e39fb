"""The GitHub Action, run step by step under a fake runner environment: its inputs' expressions are
evaluated as the runner would, each ``run`` step is executed by bash as ``shell: bash`` does (the
outputs a step writes reach the steps after it), and the annotations, the step summary, the SARIF
file and the outputs are checked. Steps that use other actions (setup-python, cache) are GitHub's:
their outputs are given (this Python), they are not run.

The action and the workflow that exercises it (``.github/workflows/``) are validated against the
schemas GitHub's editors use (SchemaStore's, as vendored by the ``check-jsonschema`` package)."""

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
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
SELECT = "--select DF100,DF704,DF700"


def _evaluate(text: str, context: Mapping[str, str]) -> str:
    return EXPRESSION.sub(lambda m: context[m.group(1)], text)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _outputs(text: str) -> dict[str, str]:
    """The ``name=value`` lines a step wrote to ``$GITHUB_OUTPUT``."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


@dataclass(frozen=True)
class Step:
    """What one run step did."""

    status: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict[str, str]


@dataclass(frozen=True)
class Runner:
    """A fake runner: the workspace, its temporary folder and the files GitHub reads back."""

    workspace: Path
    temp: Path
    given: dict[str, str]  # outputs of the steps that are not run (the install, once it has run)

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
            RUNNER_OS="Linux",
        )
        return env

    def steps(self, inputs: Mapping[str, str], ids: tuple[str, ...]) -> dict[str, Step]:
        """Run the action's run steps whose ids are ``ids``, in order, until one fails."""
        values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
        values.update(inputs)
        context = {f"inputs.{name}": value for name, value in values.items()}
        context["github.action_path"] = str(ROOT)
        context["steps.python.outputs.python-path"] = sys.executable
        context.update(self.given)
        done: dict[str, Step] = {}
        for step in ACTION["runs"]["steps"]:
            if "run" not in step or step.get("id") not in ids:
                continue
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
            summary, output = (_read(files / name) for name in ("summary", "output"))
            done[step["id"]] = Step(
                result.returncode, result.stdout, result.stderr, summary, _outputs(output)
            )
            outputs = done[step["id"]].outputs
            context.update({f"steps.{step['id']}.outputs.{k}": v for k, v in outputs.items()})
            if result.returncode != 0:
                break
        return done

    def run(self, inputs: Mapping[str, str]) -> tuple[int, str, str, str, str]:
        """The lint step: its status, stdout and stderr, its step summary and the outputs it set."""
        lint = self.steps(inputs, ("lint",))["lint"]
        outputs = "".join(f"{k}={v}\n" for k, v in lint.outputs.items())
        return lint.status, lint.stdout, lint.stderr, lint.summary, outputs


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner on which the action's install steps have run once (they install this repository and
    its dependencies from the package registry into a virtual environment), then the lint step with
    the dfanalyze the install step made."""
    workspace = tmp_path_factory.mktemp("workspace")
    shutil.copytree(Path(__file__).parent / "fixtures" / "tree", workspace, dirs_exist_ok=True)
    temp = tmp_path_factory.mktemp("runner-temp")
    runner = Runner(workspace, temp, {})
    done = runner.steps({"paths": "services/web", "args": SELECT}, ("prepare", "install", "lint"))
    assert [step.status for step in done.values()] == [0, 0, 0], done
    installed = Path(done["install"].outputs["dfanalyze"])
    assert installed == temp / "dfanalyze-venv" / "bin" / "dfanalyze"
    assert installed.is_file()
    runner.given["steps.install.outputs.dfanalyze"] = str(installed)
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


def test_inputs_left_empty_leave_the_repository_configuration_alone(runner: Runner) -> None:
    """The repository says failure-threshold = "warning": only style findings pass, as they do in
    pre-commit; the input, when given, still wins."""
    config = runner.workspace / ".dfanalyze.toml"
    config.write_text('failure-threshold = "warning"\n', encoding="utf-8")
    try:
        inputs = {"paths": "Dockerfile", "args": SELECT}
        status, out, _, _, _ = runner.run(inputs)
        assert status == 0
        assert out.count("::notice file=Dockerfile,") == 2  # reported, not failing
        assert runner.run({**inputs, "failure-threshold": "style"})[0] == 1
    finally:
        config.unlink()


def test_sarif_file_for_code_scanning(runner: Runner) -> None:
    status, out, _, summary, outputs = runner.run(
        {"paths": "Dockerfile\nlegacy", "args": SELECT, "sarif-file": "dfanalyze.sarif"}
    )
    assert status == 0  # style findings: reported, but below the default failure threshold
    log: dict[str, Any] = json.loads((runner.workspace / "dfanalyze.sarif").read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "Dockerfile",
        "Dockerfile",
    ]
    assert outputs == "sarif-file=dfanalyze.sarif\n"
    # From the same run: the annotations, the summary and the SARIF file agree.
    assert out.count("::notice file=Dockerfile,") == 2
    assert summary.count("| style | [DF704]") == 2


def test_one_lint_run_per_step() -> None:
    lint = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "lint")
    assert lint["run"].count('"$DFANALYZE"') == 1


def test_inputs_cannot_inject_shell(runner: Runner) -> None:
    status, _, err, _, _ = runner.run({"paths": "Dockerfile; touch pwned $(touch pwned2) *", "args": SELECT})
    assert status == 2
    assert "Dockerfile;: no such file" in err
    assert not (runner.workspace / "pwned").exists()
    assert not (runner.workspace / "pwned2").exists()
    assert "dfanalyze: error: *: no such file" in err  # no glob expansion either


def test_pip_cache_key_follows_the_requirement(runner: Runner) -> None:
    keys = {
        version: runner.steps({"version": version}, ("prepare",))["prepare"].outputs
        for version in ("", "dfanalyze==1.0.0", "dfanalyze==1.0.1")
    }
    assert len({outputs["key"] for outputs in keys.values()}) == 3
    assert all(outputs["pip-cache"] for outputs in keys.values())
    cache = next(s for s in ACTION["runs"]["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"] == {
        "path": "${{ steps.prepare.outputs.pip-cache }}",
        "key": "dfanalyze-pip-${{ runner.os }}-${{ steps.prepare.outputs.key }}",
    }


def _schema(name: str) -> Any:
    """A schema vendored by check-jsonschema (from SchemaStore), a package from PyPI: no network."""
    from importlib.resources import files

    return json.loads(
        files("check_jsonschema.builtin_schemas.vendor").joinpath(f"{name}.json").read_text("utf-8")
    )


def _validate(document: Any, schema: Any) -> None:
    import jsonschema

    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_the_action_is_valid_against_the_actions_schema() -> None:
    _validate(ACTION, _schema("github-actions"))


def _workflow(path: Path) -> Any:
    """A workflow as GitHub reads it (YAML 1.1 would make the key ``on`` a boolean)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document:
        document["on"] = document.pop(True)
    return document


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_the_workflows_are_valid_against_the_workflow_schema(workflow: Path) -> None:
    _validate(_workflow(workflow), _schema("github-workflows"))


def test_a_workflow_exercises_the_action_on_every_runner_system() -> None:
    """The action is used from the repository itself (``uses: ./``), on Linux, macOS and Windows,
    with the inputs a user gives it, and its SARIF file is uploaded to code scanning."""
    assert WORKFLOWS
    jobs = {name: job for workflow in WORKFLOWS for name, job in _workflow(workflow)["jobs"].items()}
    using = [job for job in jobs.values() if any(s.get("uses") == "./" for s in job["steps"])]
    assert using
    systems = {os_name for job in using for os_name in job["strategy"]["matrix"]["os"]}
    assert {"ubuntu-latest", "macos-latest", "windows-latest"} <= systems
    action_steps = [s for job in using for s in job["steps"] if s.get("uses") == "./"]
    assert all(set(s.get("with", {})) <= set(ACTION["inputs"]) for s in action_steps)
    assert any("sarif-file" in s.get("with", {}) for s in action_steps)


def test_the_installed_package_reads_its_urls_from_its_metadata(runner: Runner) -> None:
    """The wheel the action installed has no pyproject.toml: its rule links come from METADATA."""
    import tomllib

    rules = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Rules"]
    installed = runner.given["steps.install.outputs.dfanalyze"]
    listed = subprocess.run(
        [installed, "rules", "--output-format", "json", "--select", "DF704"],
        capture_output=True, text=True, check=True, cwd=runner.workspace, timeout=120,
    )  # fmt: skip
    assert json.loads(listed.stdout)[0]["url"] == f"{rules}#df704-consistent-instruction-casing"
