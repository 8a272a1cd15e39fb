"""The rules of the three seed ranges (DF100-DF139: FROM and stages, DF200-DF239: cmd, DF300-DF339:
volume) end to end: one Dockerfile that trips every one of their rules, linted through the command
line with only those rules selected (the opt-in ones added with ``--extend-select``). The findings
JSON and the terminal output are snapshots; end of life is judged on a fixed day so that they do not
age.
Then the helpers the checks share, on the cases the rule examples do not spell out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from dfanalyze.checks.base_image import is_valid_reference
from dfanalyze.checks.cmd import exec_form_of, parse_loose_array
from dfanalyze.checks.volume import normalise, under
from dfanalyze.cli import main
from dfanalyze.engine.registry import default_registry
from dfanalyze.model import CommandInstruction
from dfanalyze.parse import parse_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = "tests/fixtures/seed_all_rules.Dockerfile"
CONFIG = """\
trusted-registries = ["docker.io"]

[rules.DF103]
today = "2026-11-27"
"""
RANGES = {"FROM and stages": range(100, 140), "cmd": range(200, 240), "volume": range(300, 340)}
ENVIRONMENT = ("GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY", "CI_PROJECT_DIR", "DFANALYZE_OUTPUT_FORMAT")

Lint = Callable[..., tuple[int, str, str]]


def seed_rules() -> tuple[list[str], list[str]]:
    """The codes of the seed ranges' rules: (enabled by default, opt-in)."""
    rules = [
        r
        for r in default_registry().sorted_rules()
        if r.code.startswith("DF") and any(int(r.code[2:]) in codes for codes in RANGES.values())
    ]
    return [r.code for r in rules if r.enabled], [r.code for r in rules if not r.enabled]


@pytest.fixture
def lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Lint:
    """``dfanalyze check ARGS... PATH`` from the repository root with the seed rules only; PATH is
    the fixture unless ``path=`` names another file."""
    for name in (*ENVIRONMENT, "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)
    config = tmp_path / "dfanalyze.toml"
    config.write_text(CONFIG, encoding="utf-8")
    enabled, opt_in = seed_rules()

    def run(*extra: str, path: str = FIXTURE) -> tuple[int, str, str]:
        selection = ["--select", ",".join(enabled), "--extend-select", ",".join(opt_in)]
        code = main(["check", "--config", str(config), *selection, *extra, path])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_the_seed_families_have_their_rules() -> None:
    enabled, opt_in = seed_rules()
    for family, codes in RANGES.items():
        assert len([c for c in enabled + opt_in if int(c[2:]) in codes]) >= 8, family
    assert "DF102" in opt_in  # pinning by digest is opt-in


def test_every_seed_rule_fires_on_the_fixture(lint: Lint) -> None:
    code, out, err = lint("--output-format", "json")
    assert (code, err) == (1, "")
    enabled, opt_in = seed_rules()
    assert {finding["code"] for finding in json.loads(out)} == set(enabled + opt_in)


def test_findings_json(lint: Lint, snapshot: SnapshotAssertion) -> None:
    _, out, _ = lint("--output-format", "json")
    assert json.loads(out) == snapshot


def test_terminal_output(lint: Lint, snapshot: SnapshotAssertion) -> None:
    code, out, err = lint("--output-format", "full", "--no-color")
    assert (code, err) == (1, "")
    assert out == snapshot


def test_fixes_apply_together(lint: Lint, tmp_path: Path) -> None:
    """Every fix of the seed rules (unsafe ones included) applies to the fixture in one run, and
    the result has no fixable finding left: no fix undoes or blocks another."""
    copy = tmp_path / "Dockerfile"
    copy.write_text((ROOT / FIXTURE).read_text(encoding="utf-8"), encoding="utf-8")
    _, before, _ = lint("--output-format", "json", path=str(copy))
    fixable = [f for f in json.loads(before) if f["fix"] is not None]
    assert len(fixable) >= 8
    # `VOLUME logs` under `WORKDIR /srv/www` is reported with no fix: `/srv/www/logs` would be a
    # volume nested in `/srv/www` (DF304), and fixes never add findings.
    assert not [f for f in json.loads(before) if f["code"] == "DF305" and f["fix"] is not None]
    code, _, err = lint("--fix", "--unsafe-fixes", "--output-format", "concise", path=str(copy))
    assert (code, err) == (1, "")
    _, after, _ = lint("--output-format", "json", path=str(copy))
    remaining = json.loads(after)
    assert [f for f in remaining if f["fix"] is not None] == []
    # Rules whose every finding had a fix are gone; some unfixable ones go too (making the shell
    # ENTRYPOINT exec form also ends DF202's "CMD ignored"), the others are still reported.
    unfixable = {f["code"] for f in json.loads(before) if f["fix"] is None}
    assert {"DF100", "DF303"} <= {f["code"] for f in remaining} <= unfixable - {"DF202"}


# --- the helpers the seed checks share ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items", "problem"),
    [
        ("['a', 'b']", ("a", "b"), "single quotes"),
        ('["a", "b",]', ("a", "b"), "comma after the last element"),
        ("['a', \"b c\"]  ", ("a", "b c"), "single quotes"),
        ('["a\\tb"', None, "closing `]` is missing"),
        ("[a, b]", None, "not valid JSON"),
        ('["a" "b"]', None, "not valid JSON"),
        ("[,]", None, "comma after the last element"),
    ],
)
def test_loose_arrays(text: str, items: tuple[str, ...] | None, problem: str) -> None:
    loose = parse_loose_array(text)
    assert loose is not None
    assert loose.items == items
    assert problem in loose.problem


def test_valid_json_is_not_a_loose_array() -> None:
    assert parse_loose_array('["a", "b"]') is None
    assert parse_loose_array("[]") is None


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("alpine", True),
        ("alpine:3.20", True),
        ("localhost:5000/team/app:1.0-rc.1", True),
        ("ghcr.io/acme/app@sha256:" + "a" * 64, True),
        ("[::1]:5000/app", True),
        ("alpine:", False),
        ("", False),
        ("Ubuntu:24.04", False),
        ("alpine:-slim", False),
        ("app@sha256:abc", False),
        ("a" * 256, False),
    ],
)
def test_image_references_as_docker_reads_them(text: str, valid: bool) -> None:
    assert is_valid_reference(text) is valid


def test_paths_under_volumes() -> None:
    assert normalise("/data//x/../y/") == "/data/y"
    assert normalise("./logs") == "logs"
    assert under("/data/y", "/data") and under("/data", "/data") and under("/etc", "/")
    assert not under("/database", "/data")


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("node server.js", ["node", "server.js"]),
        ("nginx -g 'daemon off;'", ["nginx", "-g", "daemon off;"]),
        (
            'gunicorn "app:create()" \\\n  --bind 0.0.0.0:80',
            ["gunicorn", "app:create()", "--bind", "0.0.0.0:80"],
        ),
        ("node server.js --port $PORT", None),
        ("npm ci && npm start", None),
        ("node app.js > /var/log/app.log", None),
        ("PORT=80 node app.js", None),
        ("rm -f *.pid", None),
        ("node app.js # start", None),
        ("{ node app.js; }", None),
    ],
)
def test_exec_form_of_a_shell_command(command: str, words: list[str] | None) -> None:
    dockerfile = parse_text(f"FROM node:22\nCMD {command}\n", "Dockerfile")
    cmd = dockerfile.stages[0].instructions[0]
    assert isinstance(cmd, CommandInstruction)
    assert exec_form_of(cmd) == words
