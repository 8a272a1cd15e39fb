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

from dfanalyze.api import Checker, image_facts, image_tags, parse, suppression_comments, symbols
from dfanalyze.engine.config import ConfigError
from dfanalyze.engine.config_edit import ignore_rule, new_config_path
from dfanalyze.span import Position, Span

TEXT = "from alpine:3.20\nRUN echo hi\nCMD echo hi\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
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
    assert checked.findings == []
    assert isinstance(checked.config_error, ConfigError)
    assert checked.config_error.path == str(repo / ".dfanalyze.toml")
    (repo / ".dfanalyze.toml").write_text('select = ["NOPE"]\n', encoding="utf-8")
    assert "names no rule" in str(Checker().check(TEXT, repo / "Dockerfile").config_error)


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


def test_image_facts() -> None:
    facts = image_facts("python:3.8-slim-buster", date(2026, 11, 27))
    assert facts is not None and facts.info is not None
    assert (facts.info.family, facts.info.variant, facts.info.package_manager) == ("python", "slim", "apt")
    assert [(r.product, r.cycle, r.is_eol) for r in facts.releases] == [
        ("python", "3.8", True),
        ("debian", "10", True),
    ]
    scratch = image_facts("scratch")
    assert scratch is not None and scratch.size_bytes == 0
    unknown = image_facts("example.com/team/tool:1")
    assert unknown is not None and unknown.info is None and unknown.size_bytes is None
    assert image_facts("not an image") is None


def test_image_tags() -> None:
    tags = image_tags("python", date(2026, 11, 27))
    assert tags[:3] == ["3.14", "3.14-slim", "3.14-alpine"]
    assert "3.9" not in tags  # past its end of life on that day
    assert tags[-1] == "latest"
    assert image_tags("debian", date(2026, 11, 27))[:4] == ["13", "13-slim", "trixie", "trixie-slim"]
    assert image_tags("docker.io/library/python", date(2026, 11, 27)) == tags
    assert image_tags("example.com/unknown") == []


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
