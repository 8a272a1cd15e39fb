"""The command line's engine side: `rule`, `rules`, selection flags, `--config`, configuration
errors and the failure threshold. Snapshots cover `dfanalyze rule DF703` and the JSON listing of
the syntax rules this engine owns (a fixed set of codes, so that new rules elsewhere do not move
them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from dfanalyze.cli import main

SNAPSHOT_CODES = "DF700,DF701,DF702,DF703,DF79"
CLEAN = 'FROM alpine:3.20\nUSER app\nCMD ["sh"]\n'


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in an empty repository, away from this project's own configuration."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DFANALYZE_OUTPUT_FORMAT", raising=False)
    return tmp_path


def test_rule_prints_its_documentation(
    capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    code, out, err = run(capsys, "rule", "DF703")
    assert (code, err) == (0, "")
    assert out == snapshot


@pytest.mark.parametrize("selector", ["empty-continuation-line", "NoEmptyContinuation", "df703"])
def test_rule_by_name_or_alias(capsys: pytest.CaptureFixture[str], selector: str) -> None:
    code, out, _ = run(capsys, "rule", selector)
    assert code == 0
    assert out.startswith("# DF703 empty-continuation-line\n")


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("DF7000", "no rule is named 'DF7000' (did you mean 'DF700'?)"),
        ("syntax", "it names a group of rules, list them with `dfanalyze rules --select syntax`"),
    ],
)
def test_rule_that_names_no_single_rule(
    capsys: pytest.CaptureFixture[str], selector: str, message: str
) -> None:
    code, out, err = run(capsys, "rule", selector)
    assert (code, out) == (2, "")
    assert message in err


def test_rules_json_listing(capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion) -> None:
    code, out, err = run(capsys, "rules", "--format", "json", "--select", SNAPSHOT_CODES)
    assert (code, err) == (0, "")
    assert out == snapshot


def test_rules_text_listing_marks_fixes_and_opt_in(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--select", "DF703,DF790")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "DF703",
        "empty-continuation-line",
        "syntax",
        "warning",
        "(NoEmptyContinuation)",
    ]
    assert lines[1].split() == ["DF790", "unused-suppression", "suppression", "warning", "[*]", "[opt-in]"]


def test_rules_lists_every_rule_and_refuses_unknown_selectors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert code == 0
    codes = [r["code"] for r in json.loads(out)]
    assert codes == sorted(codes) and {"DF700", "DF790", "DF791", "DF792"} <= set(codes)
    code, out, err = run(capsys, "rules", "--select", "nothing-at-all")
    assert (code, out) == (2, "")
    assert "--select: 'nothing-at-all' names no rule" in err


def test_rules_include_the_configured_extend_rules(capsys: pytest.CaptureFixture[str], in_tmp: Path) -> None:
    from test_plugins import rule_file

    rule_file(in_tmp / "my-rules", "LOC001", "every-run")
    (in_tmp / ".dfanalyze.toml").write_text('extend-rules = ["my-rules"]\n')
    code, out, _ = run(capsys, "rules", "--format", "json", "--select", "LOC001")
    assert code == 0
    assert [(r["code"], r["origin"]) for r in json.loads(out)] == [("LOC001", str(in_tmp / "my-rules"))]


# --- check ------------------------------------------------------------------------------------


def dockerfile(folder: Path, text: str) -> str:
    path = folder / "Dockerfile"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def codes(out: str) -> list[str]:
    return [
        line.split(": ", 1)[1].split()[0] for line in out.splitlines() if ": DF" in line or ": LOC" in line
    ]


EMPTY_CONTINUATION = 'FROM alpine:3.20\nRUN apk add \\\n\n    curl\nUSER 1000\nCMD ["sh"]\n'


def test_selection_flags(capsys: pytest.CaptureFixture[str], in_tmp: Path) -> None:
    path = dockerfile(in_tmp, EMPTY_CONTINUATION)
    code, out, _ = run(capsys, "check", "--select", "DF703", "--output-format", "concise", path)
    assert (code, codes(out)) == (1, ["DF703"])
    code, out, _ = run(capsys, "check", "--select", "DF70", "--ignore", "NoEmptyContinuation", path)
    assert code == 0
    code, out, err = run(capsys, "check", "--extend-select", "DF7000", path)
    assert (code, out) == (2, "")
    assert err == "dfanalyze: error: --extend-select: 'DF7000' names no rule (did you mean 'DF700'?)\n"


@pytest.mark.parametrize(
    ("threshold", "exit_code"), [("style", 1), ("warning", 1), ("error", 0), ("never", 0)]
)
def test_failure_threshold(
    capsys: pytest.CaptureFixture[str], in_tmp: Path, threshold: str, exit_code: int
) -> None:
    path = dockerfile(in_tmp, EMPTY_CONTINUATION)
    code, _, _ = run(capsys, "check", "--select", "DF703", "--failure-threshold", threshold, path)
    assert code == exit_code


def test_the_default_threshold_fails_on_warnings_not_on_info_or_style(
    capsys: pytest.CaptureFixture[str], in_tmp: Path
) -> None:
    path = dockerfile(in_tmp, 'FROM alpine:3.20\nrun echo a\nRUN echo b\nCMD ["sh"]\n')
    code, out, _ = run(capsys, "check", "--select", "DF704,DF502", "--output-format", "concise", path)
    assert (code, sorted(codes(out))) == (0, ["DF502", "DF704"])  # info and style findings
    path = dockerfile(in_tmp, EMPTY_CONTINUATION)
    code, out, _ = run(capsys, "check", "--select", "DF703", "--output-format", "concise", path)
    assert (code, codes(out)) == (1, ["DF703"])  # a warning


def test_configuration_is_discovered_per_file(capsys: pytest.CaptureFixture[str], in_tmp: Path) -> None:
    (in_tmp / "lax").mkdir()
    (in_tmp / "lax" / ".dfanalyze.toml").write_text('ignore = ["DF703"]\nfailure-threshold = "error"\n')
    strict = dockerfile(in_tmp / "strict", EMPTY_CONTINUATION)
    lax = dockerfile(in_tmp / "lax", EMPTY_CONTINUATION)
    code, out, _ = run(capsys, "check", "--output-format", "concise", strict, lax)
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines() if "DF703" in line] == [strict]
    code, _, _ = run(capsys, "check", "--extend-select", "DF703", lax)
    assert code == 0  # findings, none of them an error
    code, _, _ = run(capsys, "check", "--select", "DF703", "--failure-threshold", "warning", lax)
    assert code == 1  # the command line's --select replaces the file's ignore; its threshold wins


def test_config_flag_build_args_and_rule_options(capsys: pytest.CaptureFixture[str], in_tmp: Path) -> None:
    from test_plugins import rule_file

    rule_file(in_tmp / "ci" / "rules", "LOC001", "every-run")
    (in_tmp / ".dfanalyze.toml").write_text('select = ["DF700"]\n')  # replaced by --config
    config = in_tmp / "ci" / "dfanalyze.toml"
    config.write_text('select = ["LOC001"]\nextend-rules = ["rules"]\noutput-format = "concise"\n')
    path = dockerfile(in_tmp, "FROM alpine:3.20\nRUN echo hi\n")
    code, out, _ = run(capsys, "check", "--config", str(config), path)
    assert (code, codes(out)) == (1, ["LOC001"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('select = ["nope"]\n', ".dfanalyze.toml: select: 'nope' names no rule"),
        ("colour = true\n", ".dfanalyze.toml: colour: unknown key"),
        ('output-format = "fancy"\n', ".dfanalyze.toml: output-format: unknown output format: 'fancy'"),
    ],
)
def test_configuration_errors_exit_2_naming_file_and_key(
    capsys: pytest.CaptureFixture[str], in_tmp: Path, text: str, message: str
) -> None:
    (in_tmp / ".dfanalyze.toml").write_text(text)
    path = dockerfile(in_tmp, CLEAN)
    code, out, err = run(capsys, "check", path)
    assert (code, out) == (2, "")
    assert err.startswith("dfanalyze: ") and f"{in_tmp}/{message}" in err


def test_broken_rule_files_exit_2_but_the_other_rules_still_report(
    capsys: pytest.CaptureFixture[str], in_tmp: Path
) -> None:
    from test_plugins import rule_file

    rule_file(in_tmp / "rules", "LOC001", "every-run")
    (in_tmp / "rules" / "LOC002-broken.toml").write_text('code = "LOC002"\n')
    (in_tmp / ".dfanalyze.toml").write_text('extend-rules = ["rules"]\nextend-select = ["LOC001"]\n')
    path = dockerfile(in_tmp, "FROM alpine:3.20\nRUN echo hi\n")
    code, out, err = run(capsys, "check", "--output-format", "concise", path)
    assert code == 2
    assert f"{in_tmp}/rules/LOC002-broken.toml: name: is required" in err
    assert "LOC001" in codes(out)


def test_hadolint_configuration_applies_without_ours(
    capsys: pytest.CaptureFixture[str], in_tmp: Path
) -> None:
    (in_tmp / ".hadolint.yaml").write_text("failure-threshold: error\n")
    path = dockerfile(in_tmp, EMPTY_CONTINUATION)
    code, out, _ = run(capsys, "check", "--select", "DF703", "--output-format", "concise", path)
    assert (code, codes(out)) == (0, ["DF703"])
