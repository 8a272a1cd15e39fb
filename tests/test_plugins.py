"""Rules from outside dfanalyze: an installed plugin (entry point ``dfanalyze.rules``), a local
folder named by ``extend-rules``, and broken rule files that must not stop the other rules.

The plugin in ``tests/fixtures/plugin_pkg`` is "installed" the cheap way: a ``.dist-info`` folder
with its ``entry_points.txt`` (made from the fixture's ``pyproject.toml``) next to its sources on
``sys.path``, which is all :mod:`importlib.metadata` looks at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dfanalyze.engine.registry import Registry, build_registry
from dfanalyze.engine.run import Selection, lint_dockerfile
from dfanalyze.parse import parse_text
from dfanalyze.resources import data_dir

FIXTURE = Path(__file__).parent / "fixtures" / "plugin_pkg"
BAD = "FROM alpine:3.20\nRUN curl -fsSL https://example.com/install.sh | sh\n"
RULE_FILE = """\
code = "{code}"
name = "{name}"
family = "local"
severity = "warning"
summary = "A RUN instruction"
message = "RUN found"
{body}

[docs]
what = "Reports every RUN."
why = "For tests."

[[examples]]
bad = "FROM a\\n«RUN x»\\n"

[[examples]]
good = "FROM a\\n"
"""


def install(site: Path, entry_points: dict[str, str] | None = None) -> Path:
    """Make ``site`` look like a site-packages folder holding the fixture plugin."""
    project = tomllib.loads((FIXTURE / "pyproject.toml").read_text())["project"]
    points = entry_points if entry_points is not None else project["entry-points"]["dfanalyze.rules"]
    dist = site / "dfanalyze_acme-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: 0.1.0\n")
    lines = ["[dfanalyze.rules]", *(f"{name} = {target}" for name, target in points.items())]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return site


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = install(tmp_path / "site")
    monkeypatch.syspath_prepend(str(FIXTURE / "src"))
    monkeypatch.syspath_prepend(str(site))
    return site


def rule_file(folder: Path, code: str, name: str, body: str = '[match]\ninstruction = "RUN"') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{code}-{name}.toml"
    path.write_text(RULE_FILE.format(code=code, name=name, body=body))
    return path


def outside_builtin(registry: Registry) -> list[str]:
    """The registry's errors that do not concern built-in rule files (others may be mid-edit)."""
    builtin = str(data_dir("rules"))
    return [str(e) for e in registry.errors if not e.path.startswith(builtin)]


def test_plugin_rule_loads_from_its_entry_point(plugin_site: Path) -> None:
    registry = build_registry()
    assert outside_builtin(registry) == []
    assert registry.origins["ACME001"] == "plugin acme"
    rule = registry.rules["ACME001"]
    assert (rule.family, rule.severity.value) == ("acme", "error")


def test_plugin_rule_reports_through_lint_dockerfile(plugin_site: Path) -> None:
    registry = build_registry()
    findings = lint_dockerfile(
        parse_text(BAD), registry=registry, selection=Selection(select=["pipe-to-shell"])
    )
    assert [(f.code, f.span.start.line, f.span.start.column, f.span.end.column) for f in findings] == [
        ("ACME001", 2, 5, 51)
    ]
    assert findings[0].message.startswith("`curl -fsSL https://example.com/install.sh | sh` runs")
    clean = parse_text("FROM alpine:3.20\nRUN sh install.sh\n")
    assert lint_dockerfile(clean, registry=registry, selection=Selection(select=["ACME001"])) == []


def test_plugin_rule_reports_through_the_command_line(plugin_site: Path, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(BAD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_site), str(FIXTURE / "src")])}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dfanalyze",
            "check",
            "--select",
            "ACME",
            "--output-format",
            "concise",
            str(dockerfile),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert f"{dockerfile}:2:5: ACME001" in done.stdout


def test_a_plugin_that_fails_to_load_is_reported_and_the_others_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = install(tmp_path / "site", {"broken": "dfanalyze_no_such_module:rules_dir"})
    monkeypatch.syspath_prepend(str(site))
    registry = build_registry()
    (error,) = outside_builtin(registry)
    assert error.startswith(
        "entry point broken = dfanalyze_no_such_module:rules_dir: load: ModuleNotFoundError"
    )
    assert "DF700" in registry.rules


def test_extend_rules_folder_loads_and_reports(tmp_path: Path) -> None:
    rule_file(tmp_path / "local", "LOC001", "every-run")
    registry = Registry().extended([tmp_path / "local"])
    assert registry.errors == []
    assert registry.origins["LOC001"] == str(tmp_path / "local")
    findings = lint_dockerfile(parse_text(BAD), registry=registry, selection=Selection(select=["LOC001"]))
    assert [(f.code, f.span.start.line) for f in findings] == [("LOC001", 2)]


@pytest.mark.parametrize(
    ("content", "field", "problem"),
    [
        ("code = 'LOC002\n", "toml", "Expected"),
        ('code = "LOC002"\nname = "x"\n', "family", "is required"),
        (
            RULE_FILE.format(code="LOC002", name="bad-import", body='check = "no_such_module:check"'),
            "check",
            "cannot import no_such_module",
        ),
        (
            RULE_FILE.format(
                code="LOC002", name="no-function", body='check = "dfanalyze.checks.syntax:nope"'
            ),
            "check",
            "has no function nope",
        ),
        (
            RULE_FILE.format(
                code="LOC002", name="bad-match", body='[match]\ninstruction = "RUN"\nargs = "("'
            ),
            "match.args",
            "invalid regular expression",
        ),
        (
            RULE_FILE.format(code="LOC001", name="same-code", body='[match]\ninstruction = "RUN"'),
            "code",
            "LOC001 is already defined by",
        ),
    ],
)
def test_a_broken_rule_file_names_file_and_field_and_the_other_rules_still_run(
    tmp_path: Path, content: str, field: str, problem: str
) -> None:
    good = rule_file(tmp_path / "local", "LOC001", "every-run")
    broken = tmp_path / "local" / "LOC999-broken.toml"  # sorted after the good file
    broken.write_text(content)
    registry = Registry().extended([tmp_path / "local"])
    assert len(registry.errors) == 1
    error = registry.errors[0]
    assert (error.path, error.field) == (str(broken), field)
    assert str(error).startswith(f"{broken}: {field}: ")
    assert problem in str(error)
    assert good.exists() and "LOC001" in registry.rules
    findings = lint_dockerfile(parse_text(BAD), registry=registry, selection=Selection(select=["LOC001"]))
    assert [f.code for f in findings] == ["LOC001"]
