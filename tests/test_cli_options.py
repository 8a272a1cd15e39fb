"""The options a ruff or hadolint user reaches for (issue 14): -q/-s, --show-files, --show-settings,
--add-noqa, --fixable/--unfixable, per-file-ignores, --statistics by count, --config 'KEY = VALUE',
--also-output, --output-format everywhere (with --format), and the configuration errors around
them (an empty --select, YAML and TOML errors at line:column, run-wide settings of a subfolder)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from dfanalyze.cli import main

DOCKERFILE = (
    "FROM alpine\nrun echo hi\nENV A b\n"  # DF100 (warning), DF704 (style, fix), DF709 (warning, fix)
)


@pytest.fixture(autouse=True)
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository as the current folder, with one Dockerfile; no user configuration."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    for name in ("DFANALYZE_OUTPUT_FORMAT", "GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY", "CI_PROJECT_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


SELECT = "--select=DF100,DF704,DF709"


def codes(out: str) -> list[str]:
    return [
        line.split(": ")[1].split()[0]
        for line in out.splitlines()
        if line.startswith(("Dockerfile", "a/", "b/"))
    ]


# -- quiet and silent -------------------------------------------------------------------------------


def test_quiet_prints_the_findings_without_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, SELECT, "--output-format=concise", "-q")
    assert (code, err) == (1, "")
    assert codes(out) == ["DF100", "DF704", "DF709"]
    assert len(out.splitlines()) == 3
    assert run(capsys, SELECT, "--quiet", "--statistics")[1].splitlines()[0].startswith("1  DF100")


def test_silent_prints_nothing_and_keeps_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, SELECT, "-s") == (1, "", "")
    assert run(capsys, SELECT, "--silent", "--exit-zero") == (0, "", "")
    code, out, err = run(capsys, SELECT, "-s", "missing/Dockerfile")
    assert (code, out) == (2, "")
    assert err == "dfanalyze: error: missing/Dockerfile: no such file\n"  # errors are still said


def test_quiet_and_silent_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-q", "-s")
    assert code == 2
    assert "not allowed with argument" in err


# -- --show-files and --show-settings ----------------------------------------------------------------


@pytest.fixture
def services(repo: Path) -> Path:
    (repo / ".dfanalyze.toml").write_text('select = ["DF1", "DF7"]\nfailure-threshold = "warning"\n')
    (repo / ".hadolint.yaml").write_text("ignored: [DL3007]\n")
    api = repo / "services" / "api"
    api.mkdir(parents=True)
    (api / "Dockerfile").write_text(DOCKERFILE)
    (repo / "services" / ".dfanalyze.toml").write_text('ignore = ["DF704"]\noutput-format = "json"\n')
    return repo


def test_show_files_lists_each_file_with_its_configuration(
    services: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--show-files")
    assert code == 0
    assert out == (
        "Dockerfile               .dfanalyze.toml + .hadolint.yaml\n"
        "services/api/Dockerfile  services/.dfanalyze.toml + .hadolint.yaml\n"
    )
    assert "output-format: not used" in err  # the subfolder's run-wide setting, said once
    assert run(capsys, "--show-files", "nothing-here")[:2] == (2, "No Dockerfiles found.\n")


def test_show_settings_says_where_each_value_comes_from(
    services: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "--show-settings",
        "--extend-select",
        "DF703",
        "--config",
        'trusted-registries = ["docker.io"]',
        "Dockerfile",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == ["# Configuration: .dfanalyze.toml + .hadolint.yaml", "# Files: Dockerfile"]
    settings = {line.split("  # ")[0].strip(): line.split("  # ")[1] for line in lines[2:] if "  # " in line}
    assert settings == {
        'ignore = ["DL3007"]': ".hadolint.yaml (ignored)",
        'select = ["DF1", "DF7"]': ".dfanalyze.toml",
        'failure-threshold = "warning"': ".dfanalyze.toml",
        'trusted-registries = ["docker.io"]': "command line (--config)",
        'extend-select = ["DF703"]': "command line (--extend-select)",
        next(k for k in settings if k.startswith("rules = [")): next(
            v for v in settings.values() if "active" in v
        ),
    }
    rules = json.loads(next(k for k in settings if k.startswith("rules = ")).split(" = ", 1)[1])
    assert "DF100" in rules and "DF703" in rules and "DF500" not in rules


def test_show_settings_groups_files_by_configuration(
    services: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "--show-settings")[1]
    assert out.count("# Configuration: ") == 2
    assert "# Files: services/api/Dockerfile\n" in out
    assert 'ignore = ["DF704"]' in out


# -- --add-noqa -------------------------------------------------------------------------------------


def test_add_noqa_suppresses_every_current_finding(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = repo / "Dockerfile"
    dockerfile.write_bytes(
        b"# syntax=docker/dockerfile:1\n"
        b"# dfanalyze: ignore=DF102\n"
        b"FROM alpine\n"
        b"  run echo hi \\\n"
        b"      && echo there\n"
        b"ENV A b\r\n"
    )
    code, out, err = run(capsys, SELECT + ",DF102", "--add-noqa")
    assert (code, out) == (0, "")
    assert err == "Added 3 suppression comments to 1 file.\n"
    assert dockerfile.read_bytes() == (
        b"# syntax=docker/dockerfile:1\n"
        b"# dfanalyze: ignore=DF102,DF100\n"  # an existing comment is extended
        b"FROM alpine\n"
        b"  # dfanalyze: ignore=DF704\n"  # with the instruction's indentation
        b"  run echo hi \\\n"
        b"      && echo there\n"
        b"# dfanalyze: ignore=DF709\r\n"  # and its line ending
        b"ENV A b\r\n"
    )
    assert run(capsys, SELECT + ",DF102", "--extend-select=DF790") == (0, "All checks passed!\n", "")


def test_add_noqa_writes_a_file_wide_comment_for_findings_outside_instructions(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "Dockerfile").write_text("# syntax=a\n# syntax=b\n# a comment\nFROM alpine:3.20\n")
    code, _, err = run(capsys, "--select=DF700", "--add-noqa")
    assert code == 2  # the file does not parse: that stays an error
    assert err == "Added 1 suppression comment to 1 file.\n"
    assert (repo / "Dockerfile").read_text() == (
        "# syntax=a\n# syntax=b\n# a comment\n# dfanalyze: ignore-file=DF700\nFROM alpine:3.20\n"
    )
    assert "DF700" not in run(capsys, "--select=DF700", "--output-format=concise")[1]


def test_add_noqa_on_standard_input(
    capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"FROM alpine\n")))
    assert main(["--select=DF100", "--add-noqa", "-"]) == 0
    assert capsysbinary.readouterr().out == b"# dfanalyze: ignore=DF100\nFROM alpine\n"


# -- fixable, unfixable, per-file-ignores -----------------------------------------------------------------


def test_unfixable_rules_keep_their_findings_unfixed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, SELECT, "--unfixable=DF704", "--fix", "--output-format=concise")
    assert code == 1
    assert (repo / "Dockerfile").read_text() == "FROM alpine\nrun echo hi\nENV A=b\n"
    assert "DF704 `run`" in out  # reported, without [*]


def test_fixable_in_the_configuration_and_on_the_command_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".dfanalyze.toml").write_text('fixable = ["DF709"]\n')
    assert run(capsys, SELECT, "--diff")[1].count("\n+ENV") == 1  # only the ENV line changes
    assert "\n+RUN" not in run(capsys, SELECT, "--diff")[1]
    assert "+RUN echo hi" in run(capsys, SELECT, "--diff", "--fixable=DF704")[1]  # the command line replaces
    (repo / ".dfanalyze.toml").write_text('unfixable = ["style"]\n')  # DF704 and DF709
    assert run(capsys, SELECT, "--diff")[0] == 0


def test_per_file_ignores(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "legacy").mkdir()
    (repo / "legacy" / "Dockerfile").write_text(DOCKERFILE)
    (repo / ".dfanalyze.toml").write_text(
        '[per-file-ignores]\n"legacy/*" = ["DF7"]\n"/Dockerfile" = ["untagged-image"]\n'
    )
    _, out, _ = run(capsys, SELECT, "--output-format=concise")
    lines = [line.split(" ")[0:2] for line in out.splitlines() if ": DF" in line]
    assert lines == [
        ["Dockerfile:2:1:", "DF704"],
        ["Dockerfile:3:5:", "DF709"],
        ["legacy/Dockerfile:1:6:", "DF100"],
    ]


def test_per_file_ignores_selectors_are_checked(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".dfanalyze.toml").write_text('[per-file-ignores]\n"legacy/*" = ["DF9999"]\n')
    code, _, err = run(capsys)
    assert code == 2
    assert "per-file-ignores.'legacy/*': 'DF9999' names no rule" in err


# -- statistics, selections, inline settings, extra outputs ---------------------------------------------


def test_statistics_are_sorted_by_count(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "Dockerfile").write_text("FROM alpine\nrun a\nrun b\nrun c\nENV A b\nENV B c\n")
    out = run(capsys, SELECT, "--statistics")[1].splitlines()
    assert [line.split()[:2] for line in out[:3]] == [["3", "DF704"], ["2", "DF709"], ["1", "DF100"]]


def test_an_empty_select_is_an_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--select", "")
    assert (code, out) == (2, "")
    assert err == "dfanalyze: error: --select: no rule given (to run the default rules, leave it out)\n"
    (repo / ".dfanalyze.toml").write_text("select = []\n")
    code, _, err = run(capsys)
    assert code == 2
    assert err.endswith(
        ": select: selects no rule: name the rules to run, or remove it for the default rules\n"
    )


def test_inline_settings_go_over_every_configuration(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".dfanalyze.toml").write_text('select = ["DF100"]\n')
    assert (
        run(capsys, "--config", 'select = ["DF709"]', "--output-format", "concise", "-q")[1].count("DF709")
        == 1
    )
    code, _, err = run(capsys, "--config", "select = [", "-q")
    assert code == 2 and err.startswith("dfanalyze: error: --config: toml: ")
    (repo / "a.toml").write_text("")
    (repo / "b.toml").write_text("")
    assert run(capsys, "--config", "a.toml", "--config", "b.toml")[2] == (
        "dfanalyze: error: --config: one configuration file at most, not 2\n"
    )


def test_also_output_writes_more_formats_from_one_run(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        SELECT,
        "--output-format=concise",
        "--also-output",
        "sarif=out.sarif",
        "--also-output=json=out.json",
    )
    assert code == 1
    assert codes(out) == ["DF100", "DF704", "DF709"]
    assert [r["ruleId"] for r in json.loads((repo / "out.sarif").read_text())["runs"][0]["results"]] == [
        "DF100",
        "DF704",
        "DF709",
    ]
    assert [f["code"] for f in json.loads((repo / "out.json").read_text())] == ["DF100", "DF704", "DF709"]
    code, _, err = run(capsys, "--also-output", "yaml=x")
    assert code == 2 and "--also-output: 'yaml=x' is not FORMAT=PATH" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check", "--format", "json", SELECT], '"code": "DF100"'),
        (["parse", "Dockerfile", "--output-format", "json"], '"instructions": ['),
        (["layers", "Dockerfile", "--output-format", "json"], '"steps"'),
        (["rules", "--output-format", "json", "--select", "DF100"], '"code": "DF100"'),
        (["rules", "--format", "json", "--select", "DF100"], '"code": "DF100"'),
    ],
)
def test_output_format_everywhere_with_format_as_an_alias(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in run(capsys, *argv)[1]


# -- configuration errors ---------------------------------------------------------------------------


def test_yaml_and_toml_errors_say_line_and_column(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".hadolint.yaml").write_text("ignored:\n  - DL3008\n override: [x\n")
    code, _, err = run(capsys)
    assert code == 2
    assert err.startswith(f"dfanalyze: error: {repo}/.hadolint.yaml:3:2: yaml: ")
    assert err.count("\n") == 1
    (repo / ".hadolint.yaml").unlink()
    (repo / ".dfanalyze.toml").write_text('select = ["DF100"]\nignore = [1 2]\n')
    code, _, err = run(capsys)
    assert code == 2
    assert err.startswith(f"dfanalyze: error: {repo}/.dfanalyze.toml:2:13: toml: ")


def test_every_option_and_format_is_in_the_readme() -> None:
    from dfanalyze.cli import build_parser
    from dfanalyze.report import OUTPUT_FORMATS

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    subcommands = next(a for a in build_parser("check")._actions if isinstance(a, argparse._SubParsersAction))
    check = subcommands.choices["check"]
    options = {o for action in check._actions for o in action.option_strings if o not in ("-h", "--help")}
    assert [o for o in sorted(options) if f"`{o}" not in readme] == []
    assert [f for f in OUTPUT_FORMATS if f"`{f}`" not in readme] == []


def test_add_noqa_leaves_files_it_cannot_annotate(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "Dockerfile").write_bytes(b"FROM alpine\nRUN echo caf\xe9\n")
    code, _, err = run(capsys, "--select=DF100,DF700", "--add-noqa")
    assert code == 2
    assert "Dockerfile: not UTF-8: no suppression comments written" in err
    assert (repo / "Dockerfile").read_bytes() == b"FROM alpine\nRUN echo caf\xe9\n"
    assert (
        run(capsys, "--add-noqa", "--fix")[2]
        == "dfanalyze: error: --add-noqa cannot be used with --fix or --diff\n"
    )


def test_add_noqa_on_clean_standard_input_gives_it_back(
    capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"FROM alpine:3.20\n")))
    assert main(["--select=DF100", "--add-noqa", "-"]) == 0
    assert capsysbinary.readouterr().out == b"FROM alpine:3.20\n"


# -- the default set and the presets ---------------------------------------------------------------


def test_defaults_leave_out_opt_in_rules_and_presets_bring_them(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DF100 (hadolint's DL3006) is opt-in: the defaults report the casing and the ENV form only;
    the hadolint preset brings DL3006 back (and not the BuildKit-only DF704/DF709), ALL has all."""
    (repo / "Dockerfile").write_text(DOCKERFILE + "RUN apt-get update && apt-get install -y curl\n")
    concise = "--output-format=concise"
    assert codes(run(capsys, "check", concise, "Dockerfile")[1]) == ["DF704", "DF709"]
    hadolint = codes(run(capsys, "check", concise, "--select", "hadolint", "Dockerfile")[1])
    assert {"DF100", "DF513", "DF512", "DF514"} <= set(hadolint) and not {"DF704", "DF709"} & set(hadolint)
    everything = codes(run(capsys, "check", concise, "--select", "ALL", "--ignore", "DF599", "Dockerfile")[1])
    assert set(hadolint) | {"DF704", "DF709"} <= set(everything)
    code, _, err = run(capsys, "check", "--select", "hadolnt", "Dockerfile")
    assert code == 2 and "did you mean 'hadolint'?" in err
