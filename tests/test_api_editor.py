"""The API the language server is built on: texts linted with the configuration of their path
(``Checker``), what dfanalyze knows of an image (``image_facts``, ``image_tags``), where stages
and variables are defined and used (``symbols``), and turning a rule off in a configuration file."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest
from test_plugins import rule_file

from dfanalyze.api import Checker, image_facts, image_tags, parse, suppression_comments, symbols
from dfanalyze.engine.config import ConfigError, Overrides
from dfanalyze.engine.config_edit import ignore_rule, new_config_path
from dfanalyze.engine.selection import Selection
from dfanalyze.knowledge.image_facts import tags as image_facts_tags
from dfanalyze.span import Position, Span

TEXT = "from alpine:3.20\nRUN echo hi\nCMD echo hi\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository, and no user configuration (one in the developer's home would apply)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    (tmp_path / ".git").mkdir()
    return tmp_path


def codes(findings: list[object]) -> list[str]:
    return [f.code for f in findings]  # type: ignore[attr-defined]


def test_check_is_the_command_line(repo: Path) -> None:
    path = repo / "svc" / "Dockerfile"
    path.parent.mkdir()
    path.write_text("FROM scratch\n", encoding="utf-8")  # the text on disk is not what is linted
    (repo / ".dfanalyze.toml").write_text('ignore = ["DF200"]\n', encoding="utf-8")
    checked = Checker().check(TEXT, path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dfanalyze",
            "check",
            "--output-format=json",
            "-",
            "--stdin-filename",
            str(path),
        ],
        input=TEXT,
        capture_output=True,
        text=True,
        cwd=repo,
        check=False,
    )
    assert codes(checked.findings) == [f["code"] for f in json.loads(result.stdout)]
    assert "DF200" not in codes(checked.findings)
    assert "DF704" in codes(checked.findings)


def test_configuration_changes_are_seen_without_forget(repo: Path) -> None:
    checker = Checker()
    path = repo / "Dockerfile"
    assert "DF704" in codes(checker.check(TEXT, path).findings)
    config = repo / ".dfanalyze.toml"
    config.write_text('ignore = ["DF704"]\n', encoding="utf-8")  # a new file
    assert "DF704" not in codes(checker.check(TEXT, path).findings)
    config.write_text('ignore = ["DF200", "DF704"]\n', encoding="utf-8")  # a changed file
    assert not {"DF200", "DF704"} & set(codes(checker.check(TEXT, path).findings))
    config.unlink()  # a deleted file
    assert "DF704" in codes(checker.check(TEXT, path).findings)


def test_a_broken_configuration_lints_nothing(repo: Path) -> None:
    (repo / ".dfanalyze.toml").write_text("select = [\n", encoding="utf-8")
    checked = Checker().check(TEXT, repo / "Dockerfile")
    assert checked.findings == ()
    assert isinstance(checked.config_error, ConfigError)
    assert checked.config_error.path == str(repo / ".dfanalyze.toml")
    (repo / ".dfanalyze.toml").write_text('select = ["NOPE"]\n', encoding="utf-8")
    assert "names no rule" in str(Checker().check(TEXT, repo / "Dockerfile").config_error)
    (repo / ".dfanalyze.toml").unlink()
    overrides = Overrides(Selection(select=["DF2OO"]))
    error = Checker(overrides).check(TEXT, repo / "Dockerfile").config_error
    assert str(error).startswith("overrides: --select: 'DF2OO' names no rule")


def test_build_context_is_read_once_until_forget(repo: Path) -> None:
    path = repo / "Dockerfile"
    text = "FROM alpine:3.20\nCOPY . /app\n"
    path.write_text(text, encoding="utf-8")
    (repo / "a.txt").write_text("a", encoding="utf-8")
    checker = Checker()
    dockerfile = parse(text, str(path))
    context = checker.build_context(path, dockerfile)
    assert context is not None
    assert checker.build_context(path, dockerfile) is context
    (repo / "b.txt").write_text("b", encoding="utf-8")
    assert checker.build_context(path, dockerfile) is context
    checker.forget()
    fresh = checker.build_context(path, dockerfile)
    assert fresh is not context and fresh is not None
    assert {e.path for e in fresh.entries} - {e.path for e in context.entries} == {"b.txt"}
    assert checker.build_context(path, parse("FROM alpine:3.20\n", str(path))) is None  # reads nothing


def test_editing_copy_lines_keeps_one_build_context_per_file(repo: Path) -> None:
    """Each edit of a COPY line changes the sources the context is read for; a long-lived checker
    (the language server) replaces the file's context instead of keeping one per version."""
    path = repo / "Dockerfile"
    path.write_text("FROM alpine:3.20\n", encoding="utf-8")
    for name in ("a", "ab", "abc"):
        (repo / name).mkdir()
        (repo / name / "f.txt").write_text(name, encoding="utf-8")
    checker = Checker()
    seen = []
    for typed in ("a", "ab", "abc", "ab"):
        context = checker.build_context(path, parse(f"FROM alpine:3.20\nCOPY {typed}/ /app/\n", str(path)))
        assert context is not None and {e.path for e in context.entries} >= {f"{typed}/f.txt"}
        seen.append(context)
    assert len(checker._contexts) == 1 and seen[3] is not seen[1]
    other = repo / "other.Dockerfile"
    other.write_text("FROM alpine:3.20\n", encoding="utf-8")
    assert checker.build_context(other, parse("FROM alpine:3.20\nCOPY a/ /a/\n", str(other))) is not None
    assert len(checker._contexts) == 2


@pytest.mark.parametrize(("select", "read"), [("DF101", False), ("DF402", True)])
def test_the_editor_reads_the_context_only_for_rules_that_need_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch, select: str, read: bool
) -> None:
    from dfanalyze.analysis import context

    path = repo / "Dockerfile"
    path.write_text("FROM alpine:3.20\n", encoding="utf-8")  # the buffer is not saved yet
    (repo / "src").mkdir()
    (repo / "src" / ".env").write_text("TOKEN=1\n", encoding="utf-8")
    calls: list[str] = []
    walk = context.load_context
    monkeypatch.setattr(
        context, "load_context", lambda *args, **kw: calls.append("walk") or walk(*args, **kw)
    )
    monkeypatch.setattr("dfanalyze.layers.graph.load_context", context.load_context)
    checked = Checker(Overrides(Selection(select=[select]))).check(
        "FROM alpine:3.20\nCOPY src/ /src/\n", path
    )
    assert calls == (["walk"] if read else [])
    assert [f.code for f in checked.findings] == (["DF402"] if read else [])


def test_fix_is_the_command_lines_fix(repo: Path) -> None:
    path = repo / "Dockerfile"
    fixed = Checker().fix(TEXT, path)
    result = subprocess.run(
        [sys.executable, "-m", "dfanalyze", "check", "--fix", "-", "--stdin-filename", str(path)],
        input=TEXT,
        capture_output=True,
        text=True,
        cwd=repo,
        check=False,
    )
    assert fixed == result.stdout
    assert fixed is not None and fixed.startswith("FROM alpine:3.20\n")
    assert Checker().fix("FROM alpine:3.20\n", path) == "FROM alpine:3.20\n"


def test_per_file_ignores_and_unfixable_apply_as_on_the_command_line(repo: Path) -> None:
    (repo / ".dfanalyze.toml").write_text(
        'unfixable = ["DF704"]\n[per-file-ignores]\n"svc/*" = ["DF200"]\n', encoding="utf-8"
    )
    checker = Checker()
    inside = checker.check(TEXT, repo / "svc" / "Dockerfile").findings
    outside = checker.check(TEXT, repo / "Dockerfile").findings
    assert "DF200" not in codes(list(inside)) and "DF200" in codes(list(outside))
    assert [f.fix for f in outside if f.code == "DF704"] == [None]  # a fix --fix would not apply
    assert checker.fix("FROM alpine:3.20\n", repo / "Dockerfile") == "FROM alpine:3.20\n"


CHECKS = """\
import pathlib
pathlib.Path(__file__).with_name("imported.marker").write_text("ran")


def boom(ctx):
    for instruction in ctx.dockerfile.instructions:
        if instruction.kind == "RUN":
            raise RuntimeError("boom")
    return []
"""


@pytest.fixture
def python_rule(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rule folder whose rule names a Python check (importable: its module is on sys.path)."""
    (repo / "editor_api_checks.py").write_text(CHECKS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(repo))
    rule_file(repo / "rules", "LOC001", "python-rule", 'check = "editor_api_checks:boom"')
    return repo / "rules"


def test_a_configuration_found_beside_the_file_may_not_run_code(repo: Path, python_rule: Path) -> None:
    (repo / ".dfanalyze.toml").write_text('extend-rules = ["rules"]\n', encoding="utf-8")
    checked = Checker().check(TEXT, repo / "Dockerfile")
    assert checked.findings == () and checked.config_error is not None
    assert "names Python code, which a configuration found next to the linted files may not name" in str(
        checked.config_error
    )
    assert Checker().fix(TEXT, repo / "Dockerfile") is None
    assert not (repo / "imported.marker").exists()


def test_the_user_configuration_may_and_a_failing_rule_is_reported(
    repo: Path, python_rule: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = repo.parent / "home"
    (home / "dfanalyze").mkdir(parents=True)
    (home / "dfanalyze" / "dfanalyze.toml").write_text(
        f'extend-rules = [{str(python_rule)!r}]\nextend-select = ["LOC001"]\n', encoding="utf-8"
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    checked = Checker().check(TEXT, repo / "Dockerfile")
    assert checked.config_error is None and (repo / "imported.marker").exists()
    [failure] = checked.failures
    assert (failure.code, failure.line, failure.column, failure.error) == (
        "LOC001",
        2,
        1,
        "RuntimeError: boom",
    )
    assert "DF704" in codes(list(checked.findings))  # the other rules' findings are kept


def test_image_facts() -> None:
    facts = image_facts("python:3.12-slim", date(2026, 11, 27))
    assert facts is not None and facts.facts is not None and facts.info is not None
    tag = facts.facts
    assert (tag.platform, tag.distro, tag.package_manager) == ("amd64", "debian", "dpkg")
    assert tag.uncompressed_bytes == 119_420_000 and tag.packages is not None and len(tag.packages) == 87
    assert (facts.info.family, facts.info.variant) == ("python", "slim")
    assert [(r.product, r.cycle, r.is_eol) for r in facts.releases] == [("python", "3.12", False)]
    arm = image_facts("python:3.12-slim", date(2026, 11, 27), "linux/arm64")
    assert arm is not None and arm.facts is not None and arm.facts.platform == "arm64v8"
    assert arm.facts.packages is None  # repo-info scans the amd64 image only
    old = image_facts("python:3.8-slim-buster", date(2026, 11, 27))  # not in repo-info's data
    assert old is not None and old.facts is None and old.info is not None
    assert [(r.product, r.cycle, r.is_eol) for r in old.releases] == [
        ("python", "3.8", True),
        ("debian", "10", True),
    ]
    scratch = image_facts("scratch")
    assert scratch is not None and scratch.estimate_bytes == 0
    unknown = image_facts("example.com/team/tool:1")
    assert unknown is not None and unknown.info is None and unknown.facts is None
    assert unknown.estimate_bytes is None
    assert image_facts("not an image") is None


def test_image_tags() -> None:
    tags = image_tags("python", date(2026, 11, 27))
    names = [t.tag for t in tags]
    assert names[:4] == ["3.14", "3.14.7", "3.14-slim", "3.14-alpine"]
    assert set(names) == set(image_facts_tags("python"))  # every tag the data has, each once
    assert len(names) == len(set(names))
    first = tags[0]
    assert (first.uncompressed_bytes, first.distro, first.past_end_of_life) == (
        1_120_000_000,
        "debian 13",
        (),
    )
    bookworm = next(t for t in tags if t.tag == "3.14-bookworm")
    assert (bookworm.past_end_of_life, bookworm.extended_support) == ((), ("debian 12",))  # Debian LTS
    debian = [(t.tag, t.past_end_of_life) for t in image_tags("debian", date(2026, 11, 27))]
    assert debian[:4] == [("13.6", ()), ("13.6-slim", ()), ("13", ()), ("13-slim", ())]
    assert debian[-1] == ("bullseye-20260803-slim", ("debian 11",))  # past its LTS too: last
    assert image_tags("docker.io/library/python", date(2026, 11, 27)) == tags
    assert image_tags("example.com/unknown") == []
    assert image_tags("python:3") == []  # a reference, not an image


SYMBOLS = """\
ARG BASE=alpine:3.20
FROM ${BASE} AS Build
ARG BASE
ENV DIR=/src
ENV OUT=$DIR/out
RUN echo "$DIR" '$DIR' ${OUT}
CMD echo $DIR $BASE
FROM build AS final
COPY --from=build $DIR /x
RUN --mount=type=cache,from=Build,target=/c ls
COPY --from=0 /a /b
"""


def _at(text: str, needle: str, offset: int = 0) -> Position:
    before = text[: text.index(needle) + offset]
    return Position(before.count("\n") + 1, len(before.rsplit("\n", 1)[-1]) + 1)


def test_symbols_link_uses_to_definitions() -> None:
    index = symbols(parse(SYMBOLS))
    stage = index.at(_at(SYMBOLS, "AS Build", 4))
    assert stage is not None and stage.use is None and stage.definition.name == "Build"
    uses = index.uses_of(stage.definition)
    assert [(u.span.start.line, u.by_index) for u in uses] == [
        (8, False),
        (9, False),
        (10, False),
        (11, True),
    ]
    env = index.at(_at(SYMBOLS, '"$DIR"', 2))
    assert env is not None and env.definition.declared_by == "ENV"
    lines = [u.span.start.line for u in index.uses_of(env.definition)]
    assert lines == [5, 6, 7, 9]  # OUT=$DIR, "$DIR" (not '$DIR'), CMD, the inherited ENV in stage final
    assert index.value(env.definition) == "/src"
    out = index.at(_at(SYMBOLS, "${OUT}", 2))
    assert out is not None and index.value(out.definition) == "/src/out"
    base = index.at(_at(SYMBOLS, "${BASE}", 2))
    assert base is not None and base.definition.stage is None
    imported = index.at(_at(SYMBOLS, "ARG BASE\nENV", 4))
    assert imported is not None and imported.definition.imports == base.definition.index
    assert index.at(_at(SYMBOLS, "$BASE\nFROM", 1)) is None  # CMD runs in the container: no ARG there


def test_symbols_never_raise_on_broken_files() -> None:
    for text in ("", "FROM", "FROM a AS\nCOPY --from=", "ARG\nFROM $", "FROM a\nRUN <<EOF\n$X", "\\\n" * 5):
        index = symbols(parse(text))
        assert index.at(Position(1, 1)) is None or index.definitions


def test_suppression_comments() -> None:
    dockerfile = parse("FROM a\n# dfanalyze: ignore=DF200,DL3008\nCMD x\n")
    [comment] = suppression_comments(dockerfile)
    assert [(c.text, c.span) for c in comment.codes] == [
        ("DF200", Span.of(2, 21, 2, 26)),
        ("DL3008", Span.of(2, 27, 2, 33)),
    ]


def test_ignore_rule_keeps_the_file_and_adds_once(repo: Path) -> None:
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\n\n[tool.dfanalyze]\n# why\nignore = ["DF1"]\n', encoding="utf-8"
    )
    path, text = ignore_rule(pyproject, repo, "DF704")
    assert path == pyproject
    assert "# why" in text and tomllib.loads(text)["tool"]["dfanalyze"]["ignore"] == ["DF1", "DF704"]
    pyproject.write_text(text, encoding="utf-8")
    assert ignore_rule(pyproject, repo, "DF704")[1] == text
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    assert new_config_path(sub) == repo / ".dfanalyze.toml"
    assert ignore_rule(None, sub, "DF200") == (repo / ".dfanalyze.toml", 'ignore = ["DF200"]\n')
    (repo / ".dfanalyze.toml").write_text('ignore = "DF200"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a list"):
        ignore_rule(repo / ".dfanalyze.toml", repo, "DF704")
