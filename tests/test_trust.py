"""Nothing from the linted repository runs (issue 11, the trust model in the README).

A configuration file found next to a linted file may select rules, set options and add declarative
TOML rules; it may not name Python code (``check = "module:function"`` in its ``extend-rules``), and
its rule folders must lie inside the project. Python checks come from installed plugins, or from a
configuration the user names: ``--config`` or the user configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_plugins import rule_file

ROOT = Path(__file__).resolve().parent.parent
MARKER = "imported.marker"
CHECK_MODULE = f"""\
import pathlib
pathlib.Path({MARKER!r}).write_text("the linted repository's code ran")


def check(ctx):
    for instruction in ctx.dockerfile.instructions:
        if instruction.kind == "RUN":
            yield __import__("dfanalyze.checks.context", fromlist=["Hit"]).Hit(instruction.span)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository as a pull request could make it: a Python module at its root (importable with
    ``python -m dfanalyze`` or a PYTHONPATH covering the repository), a rule folder that names it,
    and a configuration next to the Dockerfile that brings the folder in."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "repo_checks.py").write_text(CHECK_MODULE)
    rule_file(repo / "rules", "LOC001", "python-rule", 'check = "repo_checks:check"')
    rule_file(repo / "rules", "LOC002", "declarative-rule")
    (repo / "Dockerfile").write_text("FROM alpine:3.20\nRUN echo hi\n")
    (repo / ".dfanalyze.toml").write_text('extend-rules = ["rules"]\nselect = ["LOC"]\n')
    return repo


def dfanalyze(cwd: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m dfanalyze`` run from ``cwd`` with the repository on PYTHONPATH: the setting in
    which a module of the linted repository could be imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DFANALYZE_", "GITHUB_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(cwd)]), XDG_CONFIG_HOME=str(home or cwd / "no-home")
    )
    return subprocess.run(
        [sys.executable, "-m", "dfanalyze", "--output-format", "concise", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_a_found_configuration_may_not_name_python(project: Path) -> None:
    result = dfanalyze(project)
    assert result.returncode == 2
    assert result.stderr == (
        f"dfanalyze: error: {project}/rules/LOC001-python-rule.toml: check: 'repo_checks:check' names Python"
        " code, which a configuration found next to the linted files may not name (a pull request must not"
        " run code): install the rule as a plugin, or name its folder in a configuration of your own"
        f" (--config, or the user configuration); it came from extend-rules in {project}/.dfanalyze.toml\n"
    )
    assert not (project / MARKER).exists()


def test_a_found_configuration_may_add_declarative_rules(project: Path) -> None:
    (project / "rules" / "LOC001-python-rule.toml").unlink()
    result = dfanalyze(project)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("Dockerfile:2:1: LOC002 RUN found\n")


def test_the_same_configuration_passed_with_config_is_trusted(project: Path) -> None:
    result = dfanalyze(project, "--config", ".dfanalyze.toml")
    assert (result.returncode, result.stderr) == (1, "")
    assert "Dockerfile:2:1: LOC001 RUN found" in result.stdout
    assert (project / MARKER).exists()


def test_the_user_configuration_is_trusted(project: Path, tmp_path: Path) -> None:
    (project / ".dfanalyze.toml").unlink()
    home = tmp_path / "home"
    (home / "dfanalyze").mkdir(parents=True)
    (home / "dfanalyze" / "dfanalyze.toml").write_text(
        f'extend-rules = [{str(project / "rules")!r}]\nselect = ["LOC001"]\n'
    )
    result = dfanalyze(project, home=home)
    assert (result.returncode, result.stderr) == (1, "")
    assert "Dockerfile:2:1: LOC001 RUN found" in result.stdout


@pytest.mark.parametrize(
    ("folder", "problem"),
    [
        ("/usr", "'/usr' is an absolute path"),
        ("../outside", "'../outside' leads out of the project"),
        ("rules/../../outside", "'rules/../../outside' leads out of the project"),
        ("linked", "'linked' leads out of the project"),
    ],
)
def test_rule_folders_of_a_found_configuration_stay_inside_the_project(
    project: Path, folder: str, problem: str
) -> None:
    outside = project.parent / "outside"
    rule_file(outside, "LOC003", "outside-rule")
    (project / "linked").symlink_to(outside)
    (project / ".dfanalyze.toml").write_text(f'extend-rules = ["{folder}"]\n')
    result = dfanalyze(project)
    assert result.returncode == 2
    assert result.stderr == (
        f"dfanalyze: error: {project}/.dfanalyze.toml: extend-rules: {problem}: a configuration found next to"
        f" the linted files may only name rule folders inside the project ({project});"
        " pass a configuration of your own with --config to use others\n"
    )
    if folder != "/usr":  # named by the user, the same folder is used
        assert dfanalyze(project, "--config", ".dfanalyze.toml", "--select", "LOC003").returncode == 1


def test_the_project_is_the_repository(project: Path) -> None:
    """A configuration in a subfolder may name rule folders anywhere in its repository."""
    service = project / "services" / "web"
    service.mkdir(parents=True)
    (service / "Dockerfile").write_text("FROM alpine:3.20\nRUN echo hi\n")
    (service / ".dfanalyze.toml").write_text('extend-rules = ["../../rules"]\nselect = ["LOC002"]\n')
    (project / "rules" / "LOC001-python-rule.toml").unlink()
    result = dfanalyze(project, "services/web/Dockerfile")
    assert (result.returncode, result.stderr) == (1, "")


def test_rule_files_linked_out_of_their_folder_are_not_read(project: Path) -> None:
    secret = rule_file(project.parent / "elsewhere", "LOC009", "secret-rule")
    (project / "rules" / "LOC001-python-rule.toml").unlink()
    (project / "rules" / "LOC009-secret.toml").symlink_to(secret)
    (project / "rules" / "loop").symlink_to(project / "rules")  # a link to a folder: not followed
    result = dfanalyze(project)
    assert result.returncode == 2
    assert (
        f"{project}/rules/LOC009-secret.toml: file: a symbolic link out of its rule folder" in result.stderr
    )
    assert "LOC009" not in result.stdout
