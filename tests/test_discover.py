"""Finding Dockerfiles: names, recursion, .gitignore files (nested, negated, above the start folder,
.git/info/exclude), --exclude patterns, named files, standard input and folders that cannot be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dfanalyze.discover import discover, is_dockerfile

TREE = Path(__file__).parent / "fixtures" / "tree"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dockerfile", True),
        ("dockerfile", True),
        ("Dockerfile.prod", True),
        ("api.Dockerfile", True),
        ("api.dockerfile", True),
        ("Containerfile", True),
        ("Containerfile.dev", True),
        ("Dockerfile.dockerignore", False),
        ("api.Dockerfile.dockerignore", False),
        ("Containerfile.containerignore", False),
        ("DOCKERFILE", False),
        ("Dockerfiles", False),
        ("docker-compose.yml", False),
        ("README.md", False),
    ],
)
def test_names(name: str, expected: bool) -> None:
    assert is_dockerfile(name) is expected


def test_the_fixture_tree() -> None:
    found = discover([], cwd=TREE)
    assert found.files == (
        "Containerfile",
        "Dockerfile",
        "legacy/dockerfile",
        "services/api/Dockerfile.prod",
        "services/web/web.dockerfile",
    )
    assert found.unreadable == ()


def test_paths_keep_the_folder_they_were_found_under() -> None:
    here = TREE.parent.parent
    found = discover(["fixtures/tree/services", "fixtures/tree/Containerfile"], cwd=here)
    assert found.files == (
        "fixtures/tree/services/api/Dockerfile.prod",
        "fixtures/tree/services/web/web.dockerfile",
        "fixtures/tree/Containerfile",
    )


def test_named_files_are_linted_whatever_their_name_and_each_file_once(tmp_path: Path) -> None:
    (tmp_path / "build.txt").write_text("FROM x\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM x\n", encoding="utf-8")
    found = discover(["build.txt", "missing", ".", "Dockerfile", "./Dockerfile", "-", "-"], cwd=tmp_path)
    assert found.files == ("build.txt", "Dockerfile", "-")
    assert [(e.path, e.message) for e in found.unreadable] == [("missing", "missing: no such file")]


def _write(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("FROM x\n", encoding="utf-8")


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local/\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("build/\n*.generated.Dockerfile\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / ".gitignore").write_text("vendor\n!keep.generated.Dockerfile\n", encoding="utf-8")
    _write(
        tmp_path,
        "Dockerfile",
        "build/Dockerfile",
        "local/Dockerfile",
        "app/Dockerfile",
        "app/x.generated.Dockerfile",
        "app/keep.generated.Dockerfile",
        "app/vendor/Dockerfile",
        "app/node_modules/Dockerfile",
        ".git/Dockerfile",
        "docs/Dockerfile.md.dockerignore",
    )
    return tmp_path


def test_gitignore_files_are_honoured(repository: Path) -> None:
    assert discover([], cwd=repository).files == (
        "Dockerfile",
        "app/Dockerfile",
        "app/keep.generated.Dockerfile",
    )


def test_gitignore_files_above_the_start_folder_apply(repository: Path) -> None:
    _write(repository, "app/build/Dockerfile")
    assert discover(["."], cwd=repository / "app").files == ("Dockerfile", "keep.generated.Dockerfile")


def test_gitignore_can_be_ignored(repository: Path) -> None:
    found = discover([], cwd=repository, respect_gitignore=False).files
    assert "build/Dockerfile" in found
    assert "app/vendor/Dockerfile" in found
    assert "app/node_modules/Dockerfile" not in found  # tool folders are always skipped
    assert ".git/Dockerfile" not in found


def test_exclude_patterns(repository: Path) -> None:
    found = discover([".", "app/Dockerfile"], cwd=repository, exclude=["app/", "Dockerfile"])
    assert found.files == ()
    found = discover([], cwd=repository, exclude=["/Dockerfile", "keep.*"])
    assert found.files == ("app/Dockerfile",)


def test_folders_that_cannot_be_read_are_reported(repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_scandir = os.scandir
    locked = repository / "app"

    def scandir(path: Path) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([], cwd=repository)
    assert found.files == ("Dockerfile",)
    assert [(e.path, e.message) for e in found.unreadable] == [
        (str(locked), f"{locked}: cannot search: Permission denied")
    ]
