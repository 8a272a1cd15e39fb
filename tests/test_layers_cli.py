"""``dfanalyze layers`` end to end: every output format (snapshots), changes, errors, and the JSON
interface's shape."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from syrupy.assertion import SnapshotAssertion

from dfanalyze.cli import main
from dfanalyze.layers.render import FORMATS, human

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM localhost/debian:bookworm AS build
WORKDIR /src
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN mkdir -p /out && dd if=/dev/zero of=/out/app bs=1K count=64

FROM scratch AS docs
COPY docs/ /docs/

FROM localhost/debian:bookworm
ARG RELEASE=1
RUN dd if=/dev/zero of=/tmp/cache.bin bs=1M count=12
RUN rm /tmp/cache.bin && echo "$RELEASE" > /release
COPY --from=build /out/app /usr/local/bin/app
USER nobody
CMD ["/usr/local/bin/app"]
"""
FILES = {
    ".dockerignore": "*.log\n.git\n",
    "requirements.txt": "requests==2.32.3\n",
    "src/main.py": "print('hello')\n" * 20,
    "docs/index.md": "# docs\n",
    "debug.log": "ignored\n" * 100,
}

STEP_SCHEMA = {
    "type": "object",
    "required": [
        "index", "stage", "line", "instruction", "creates_layer", "estimated_bytes", "wasted_bytes",
        "cache_inputs", "rebuilds",
    ],
    "properties": {
        "index": {"type": "integer"},
        "stage": {"type": ["string", "null"]},
        "line": {"type": "integer"},
        "instruction": {"type": "string"},
        "creates_layer": {"type": "boolean"},
        "estimated_bytes": {"type": ["integer", "null"]},
        "wasted_bytes": {"type": "integer"},
        "cache_inputs": {"type": "array", "items": {"type": "string"}},
        "rebuilds": {"type": ["boolean", "null"]},
    },
}  # fmt: skip
SCHEMA = {
    "type": "object",
    "required": ["image", "steps"],
    "properties": {
        "image": {
            "type": "object",
            "required": ["estimated_bytes", "unknown_parts", "efficiency", "wasted_bytes"],
            "properties": {
                "estimated_bytes": {"type": "integer"},
                "unknown_parts": {"type": "array", "items": {"type": "string"}},
                "efficiency": {"type": "number", "minimum": 0, "maximum": 1},
                "wasted_bytes": {"type": "integer"},
            },
        },
        "steps": {"type": "array", "items": STEP_SCHEMA},
    },
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, content in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["layers", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format(
    output_format: str, project: Path, capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    code, out, err = run(capsys, "Dockerfile", "--format", output_format, "--color", "never")
    assert (code, err) == (0, "")
    assert out == snapshot


@pytest.mark.parametrize("output_format", ["table", "json"])
def test_changes(
    output_format: str, project: Path, capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    code, out, _ = run(
        capsys,
        "Dockerfile",
        "--changed",
        "src/main.py",
        "--changed-arg",
        "RELEASE",
        "--format",
        output_format,
    )
    assert code == 0
    assert out == snapshot


def test_json_is_the_documented_interface(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "Dockerfile", "--format", "json", "--changed", "debug.log")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    steps = document["steps"]
    assert [s["rebuilds"] for s in steps if s["creates_layer"] and s["built"]] == [False] * 8  # ignored
    assert [s["index"] for s in steps if not s["built"]] == [6, 7]
    assert document["image"]["unknown_parts"] == []  # pip's unknown files stay in the build stage
    assert document["image"]["unreachable_stages"] == ["docs"]


def test_target_context_and_build_args(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "Dockerfile").write_text("FROM scratch\nCOPY . /ctx\nARG N\nCOPY $N /n\n")
    dockerfile = str(elsewhere / "Dockerfile")
    code, out, _ = run(
        capsys, dockerfile, "--context", str(project), "--build-arg", "N=docs", "--format", "json"
    )
    steps = json.loads(out)["steps"]
    assert code == 0 and all(steps[i]["low_bytes"] == steps[i]["high_bytes"] for i in (1, 3))
    code, out, _ = run(capsys, "Dockerfile", "--target", "build", "--format", "json")
    assert json.loads(out)["image"]["target"] == "build"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing/Dockerfile"], "dfanalyze: error: missing/Dockerfile: no such file\n"),
        (
            ["Dockerfile", "--target", "nope"],
            "dfanalyze: error: no stage is named 'nope' (stages: build, docs, 2)\n",
        ),
        (["Dockerfile", "--format", "yaml"], None),
    ],
)
def test_errors(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str | None
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    if message is not None:
        assert err == message


def test_human_sizes() -> None:
    assert [human(n) for n in (None, 0, 999, 1000, 1_234_567, 9_876_543_210)] == [
        "?", "0 B", "999 B", "1.00 kB", "1.23 MB", "9.88 GB",
    ]  # fmt: skip


# --- changes as a user gives them ------------------------------------------------------------------


def rebuilt(out: str) -> dict[str, bool | None]:
    return {s["instruction"]: s["rebuilds"] for s in json.loads(out)["steps"]}


def test_changed_paths_are_relative_to_the_current_folder(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.parent)
    code, out, err = run(
        capsys, f"{project.name}/Dockerfile", "--format", "json", "--changed", f"{project.name}/src/main.py"
    )
    assert (code, err) == (0, "")
    assert rebuilt(out)["COPY . ."] is True
    monkeypatch.chdir(project / "src")
    code, out, err = run(capsys, "../Dockerfile", "--format", "json", "--changed", "main.py")
    assert (code, err) == (0, "")
    assert rebuilt(out)["COPY . ."] is True


def test_changes_that_match_nothing_are_warned_about(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "Dockerfile", "--format", "json", "--changed", "nonexistent.txt", "--changed", "debug.log",
        "--changed", "docs/index.md", "--changed", "/etc/passwd", "--changed-arg", "NOPE",
    )  # fmt: skip
    assert code == 0
    assert rebuilt(out)["COPY . ."] is True  # COPY . . would have sent nonexistent.txt: it was deleted
    assert err.splitlines() == [
        f"dfanalyze: warning: changed path /etc/passwd is outside the build context {project}: ignored",
        "dfanalyze: warning: changed path debug.log matches nothing: no step of the build reads it "
        "(.dockerignore excludes it)",
        "dfanalyze: warning: changed path nonexistent.txt is not in the build context: taken as deleted",
        "dfanalyze: warning: changed build argument NOPE matches nothing: no ARG is named NOPE",
    ]
    (project / "Dockerfile").write_text("FROM scratch\nCOPY src/ /src/\n")
    code, out, err = run(capsys, "Dockerfile", "--format", "json", "--changed", "nonexistent.txt")
    assert code == 0 and not any(rebuilt(out).values())
    assert err == (
        "dfanalyze: warning: changed path nonexistent.txt matches nothing: no step of the build reads it "
        "(it is not in the build context)\n"
    )


def test_a_missing_context_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "Dockerfile", "--context", "/nonexistent")
    assert (code, out, err) == (2, "", "dfanalyze: error: --context /nonexistent: no such folder\n")


def test_a_folder_holding_a_dockerfile_is_the_dockerfile_and_the_context(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.parent)
    code, out, _ = run(capsys, project.name, "--format", "json", "--changed", f"{project.name}/src/main.py")
    assert code == 0 and rebuilt(out)["COPY . ."] is True
    (project / "empty").mkdir()
    code, _, err = run(capsys, f"{project.name}/empty")
    assert (code, err) == (2, f"dfanalyze: error: {project.name}/empty: a folder without a Dockerfile\n")


def test_an_edited_dockerfile_needs_its_old_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "Dockerfile", "--changed", "Dockerfile")
    assert code == 2 and out == ""
    assert "--changed Dockerfile is the Dockerfile: give its old version with --against" in err
    (project / "Dockerfile.old").write_text(DOCKERFILE)
    (project / "Dockerfile").write_text(DOCKERFILE.replace("count=64", "count=65"))
    code, out, err = run(capsys, "Dockerfile", "--format", "json", "--against", "Dockerfile.old")
    assert (code, err) == (0, "")
    changed = rebuilt(out)
    assert changed["COPY . ."] is False
    assert changed["RUN mkdir -p /out && dd if=/dev/zero of=/out/app bs=1K count=65"] is True
    assert changed["COPY --from=build /out/app /usr/local/bin/app"] is None  # the RUN's output
    code, out, err = run(capsys, "Dockerfile", "--format", "json", "--against", "Dockerfile.old", "--changed",
                         "Dockerfile")  # fmt: skip
    assert (code, err) == (0, "") and rebuilt(out)["COPY . ."] is True  # COPY . . sends the Dockerfile


def _git(project: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(project), *args], check=True,
        capture_output=True,
    )  # fmt: skip


def test_since_a_commit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "one")
    code, out, err = run(capsys, "Dockerfile", "--format", "json", "--since", "HEAD")
    assert (code, err) == (0, "") and not any(rebuilt(out).values())
    (project / "Dockerfile").write_text(DOCKERFILE.replace("count=12", "count=13"))
    (project / "src" / "new.py").write_text("new\n")  # untracked
    code, out, err = run(capsys, "Dockerfile", "--format", "json", "--since", "HEAD")
    assert (code, err) == (0, "")
    changed = rebuilt(out)
    assert changed["COPY requirements.txt ."] is False
    assert changed["COPY . ."] is True  # src/new.py and the Dockerfile
    assert changed["RUN dd if=/dev/zero of=/tmp/cache.bin bs=1M count=13"] is True
    _git(project, "commit", "-qam", "two")
    code, out, err = run(capsys, "Dockerfile", "--format", "json", "--since", "HEAD~1")
    assert (code, err) == (0, "") and rebuilt(out)["COPY . ."] is True
    code, out, err = run(capsys, "Dockerfile", "--since", "nope")
    assert (code, out) == (2, "") and err.startswith("dfanalyze: error: --since nope: no such commit in ")


def test_since_outside_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    code, _, err = run(capsys, str(tmp_path / "Dockerfile"), "--since", "HEAD")
    assert code == 2 and "not a git repository" in err


@pytest.mark.parametrize(("columns", "headers"), [
    ("80", ["#", "stage", "instruction", "size", "wasted", "rebuilds"]),
    ("100", ["#", "stage", "instruction", "size", "cumulative", "wasted", "rebuilds"]),
    ("140", ["#", "stage", "instruction", "size", "cumulative", "invalidated by", "wasted", "rebuilds"]),
])  # fmt: skip
def test_the_table_fits_the_terminal(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: str,
    headers: list[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("COLUMNS", columns)
    code, out, _ = run(capsys, "Dockerfile", "--changed", "src/main.py")
    lines = out.splitlines()
    assert code == 0 and max(len(line) for line in lines) <= int(columns)
    header = next(line for line in lines if line.startswith("┃"))
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == headers
    rows = [line for line in lines if line.startswith("│")]
    if columns != "140":
        assert len(rows) == DOCKERFILE.count("\n") - 3  # one line per step, cut to fit


def test_graphs_show_what_the_changes_rebuild(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, dot, _ = run(capsys, "Dockerfile", "--format", "dot", "--changed", "src/main.py")
    copy_all = next(line for line in dot.splitlines() if "COPY . ." in line)
    assert copy_all.endswith('\\nrebuilds", shape=box, style=filled, fillcolor="#f4c7c3"];')
    requirements = next(line for line in dot.splitlines() if "COPY requirements.txt" in line)
    assert '\\ncached"' in requirements
    _, mermaid, _ = run(capsys, "Dockerfile", "--format", "mermaid", "--changed", "src/main.py")
    assert "classDef rebuilds fill:#f4c7c3" in mermaid and "classDef cached fill:#d9ead3" in mermaid
    _, unchanged, _ = run(capsys, "Dockerfile", "--format", "mermaid")
    assert "classDef" not in unchanged


def test_no_efficiency_without_the_sizes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Dockerfile").write_text(
        "FROM localhost/debian:bookworm\nRUN curl -fsSL https://example.com/x | sh\n"
    )
    _, out, _ = run(capsys, "Dockerfile")
    assert "Efficiency not known (1 of 2 layers of unknown size); wasted at least 0 B" in out
    assert "Efficiency 1" not in out
    (project / "Dockerfile").write_text("FROM localhost/debian:bookworm\nRUN echo hi > /hi\n")
    _, out, _ = run(capsys, "Dockerfile")
    assert "Efficiency 100.0%, wasted" in out
