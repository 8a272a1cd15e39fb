"""The pre-commit hooks end to end: ``pre-commit try-repo`` installs this repository the way users'
pre-commit does (from its committed and changed tracked files, with its dependencies from the package
registry) and runs both hooks on a temporary git repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dfanalyze.discover import is_dockerfile

ROOT = Path(__file__).parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
NAMES = {
    "Dockerfile": "FROM alpine:3.20\nrun echo hi\n",
    "dockerfile": "FROM alpine:3.20\nrun echo lower\n",
    "web/api.dockerfile": "FROM alpine:3.20\nrun echo api\n",
    "web/Containerfile": "FROM alpine:3.20\nrun echo podman\n",
    "Dockerfile.dockerignore": "run\n",
    "README.md": "run\n",
}


def _pre_commit() -> str:
    """The pre-commit of this environment, installed from the package registry when missing."""
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if found is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "pre-commit"], check=True)
        found = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert found is not None
    return found


def _hooks() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "dockerfile",
        "Dockerfile.prod",
        "api.Dockerfile",
        "api.dockerfile",
        "Containerfile",
        "Containerfile.dev",
        "Dockerfile.dockerignore",
        "Containerfile.containerignore",
        "Dockerfiles",
        "DOCKERFILE",
        "README.md",
    ],
)
def test_hook_patterns_match_the_names_dfanalyze_looks_for(name: str) -> None:
    for hook in _hooks().values():
        for path in (name, f"deep/er/{name}"):
            matched = re.search(str(hook["files"]), path) and not re.search(str(hook["exclude"]), path)
            assert bool(matched) is is_dockerfile(name), (hook["id"], path)


def test_manifest() -> None:
    hooks = _hooks()
    assert list(hooks) == ["dfanalyze", "dfanalyze-fix"]
    assert hooks["dfanalyze"]["entry"] == "dfanalyze check"
    assert hooks["dfanalyze-fix"]["entry"] == "dfanalyze check --fix"
    assert all(hook["require_serial"] is True and hook["language"] == "python" for hook in hooks.values())


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    for name, text in NAMES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    return tmp_path


def test_try_repo_runs_both_hooks(repository: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env.update(NO_COLOR="1", DFANALYZE_OUTPUT_FORMAT="concise")
    result = subprocess.run(
        [_pre_commit(), "try-repo", str(ROOT), "--all-files", "--color=never", "--verbose"],
        cwd=repository,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    check_output = output.split("dfanalyze (fix)")[0]
    reported = sorted(set(re.findall(r"^(\S+):2:1: DF704 ", check_output, flags=re.MULTILINE)))
    assert reported == ["Dockerfile", "dockerfile", "web/Containerfile", "web/api.dockerfile"], output
    assert "files were modified by this hook" in output
    for name in ("Dockerfile", "dockerfile", "web/api.dockerfile", "web/Containerfile"):
        assert (repository / name).read_text(encoding="utf-8") == NAMES[name].replace("\nrun ", "\nRUN "), (
            name
        )
    for name in ("Dockerfile.dockerignore", "README.md"):
        assert (repository / name).read_text(encoding="utf-8") == NAMES[name]
