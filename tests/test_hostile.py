"""Hostile and huge input (issue 11): no recursion limit reachable from input, work and memory
that grow linearly with the input, limits reported as findings (DF713) instead of exhausted.

Growth is measured without clocks: :func:`_work` counts the Python line events a lint or a layer
graph executes (``sys.settrace``), so a quadratic loop shows as a ratio of ~4 when the input
doubles, however busy the machine. Copies done inside C (a ``dict(...)`` of every path) are not
line events: :func:`_peak` measures those through the memory they allocate."""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from dfanalyze import api
from dfanalyze.analysis.expand import MAX_EXPANSION, ExpansionLimit, expand_static
from dfanalyze.analysis.scope import MAX_SCOPE_CHARACTERS, compute_scopes
from dfanalyze.analysis.shell import MAX_DEPTH
from dfanalyze.checks.context import FileAnalysis
from dfanalyze.layers.fs import parent_dirs
from dfanalyze.layers.graph import build_layer_graph, load_build_context
from dfanalyze.parse import MAX_FILE_BYTES, parse_bytes, parse_text

LINEAR = 2.5  # the most a doubled input may multiply the work by


def _codes(text: str, select: str = "ALL", path: str = "Dockerfile") -> list[str]:
    return [f.code for f in api.lint(text, path, select=[select] if select != "ALL" else None)]


def _work(call: Callable[[], object]) -> int:
    """Python line events executed by ``call()``."""
    count = 0

    def trace(frame: object, event: str, arg: object) -> object:
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def _peak(call: Callable[[], object]) -> int:
    """Peak bytes allocated while ``call()`` runs."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _growth(
    measure: Callable[[Callable[[], object]], int], make: Callable[[int], Callable[[], object]], n: int
) -> float:
    measure(make(n // 4))  # imports, compiled patterns and other first-use costs
    return measure(make(2 * n)) / measure(make(n))


def _lint_all(text: str) -> Callable[[], object]:
    dockerfile = parse_text(text)
    return lambda: api.lint(dockerfile)


def _layers(text: str, context: Path | None = None) -> Callable[[], object]:
    dockerfile = parse_text(text)

    def build() -> object:
        analysis = FileAnalysis(dockerfile, context_dir=None if context is None else str(context))
        loaded = load_build_context(str(context)) if context is not None else None
        return build_layer_graph(analysis, context=loaded)

    return build


# --- recursion ------------------------------------------------------------------------------------


def test_a_run_of_500_continued_and_commands_is_analysed() -> None:
    text = "FROM alpine:3.20\nRUN " + " && \\\n    ".join(f"apk add pkg{i}" for i in range(500)) + "\n"
    dockerfile = parse_text(text)
    scripts = FileAnalysis(dockerfile).shell_scripts(dockerfile.instructions[1])
    assert len(scripts[0].commands) == 500 and not scripts[0].limits
    assert "DF713" not in _codes(text)
    assert api.layers(text).steps


def test_800_commands_on_one_line_are_analysed_by_every_rule() -> None:
    text = "FROM alpine:3.20\nRUN " + " && ".join(f"echo {i}" for i in range(800)) + "\n"
    findings = api.lint(text)
    assert "DF713" not in [f.code for f in findings]
    assert api.layers(text).steps


@pytest.mark.parametrize(
    ("command", "limited"),
    [
        ("echo " + "$((" * 1250 + "1" + "))" * 1250, None),  # tree-sitter reads some as $( ( (
        ("echo " + "$(" * 1250 + "true" + ")" * 1250, True),
        ("( " * 1250 + "true" + " )" * 1250, True),
        ("if true; then " * 300 + "true" + "; fi" * 300, True),
        ("[[ " + "( " * 1250 + "-n x" + " )" * 1250 + " ]]", False),  # a test expression: words
    ],
    ids=["arithmetic", "command-substitution", "subshells", "if", "test-expression"],
)
def test_deep_nesting_is_reported_not_a_recursion_error(command: str, limited: bool | None) -> None:
    text = f"FROM alpine:3.20\nRUN {command}\n"
    limits = [f for f in api.lint(text) if f.code == "DF713"]
    assert len(limits) <= 1 and all(f"deeper than {MAX_DEPTH}" in f.message for f in limits)
    if limited is not None:
        assert bool(limits) is limited
    assert api.layers(text).steps


def test_a_deeply_nested_substitution_of_variables_is_a_limit() -> None:
    word = "${A:-" * 500 + "x" + "}" * 500
    with pytest.raises(ExpansionLimit, match="nested deeper"):
        expand_static(word, {})
    text = f"FROM alpine:3.20\nARG B={word}\nRUN echo $B\n"
    findings = api.lint(text)
    assert [f.code for f in findings].count("DF713") == 1


# --- globs ----------------------------------------------------------------------------------------


def test_a_copy_source_with_an_empty_class_matches_nothing(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x")
    text = "FROM alpine:3.20\nCOPY []x /y\n"
    graph = _layers(text, tmp_path)()
    assert any("nothing in the context matches" in p for p in graph.image.unknown_parts)
    assert "DF713" not in _codes(text)


# --- declarations: memory and work ------------------------------------------------------------


def _args(n: int) -> str:
    return "FROM alpine:3.20\n" + "".join(f"ARG A{i}=value{i}\n" for i in range(n)) + "RUN echo $A1\n"


def _envs(n: int) -> str:
    lines = ["FROM alpine:3.20"]
    for i in range(n):
        lines.append(f"ENV E{i}=value{i}")
        if i % 100 == 99:
            lines.append(f"RUN echo $E{i}")
    return "\n".join(lines) + "\n"


def test_12500_args_share_their_scopes() -> None:
    dockerfile = parse_text(_args(12_500))
    peak = _peak(lambda: compute_scopes(dockerfile, {}))
    assert peak < 60_000_000  # copied dicts: 2.1 GB
    scopes = compute_scopes(dockerfile, {})
    last, run = dockerfile.stages[0].instructions[-2:]
    assert scopes.at(last).args is not scopes.at(run).args
    assert scopes.at(run).variables["A12499"] == "value12499"


@pytest.mark.parametrize("make", [_args, _envs], ids=["args", "envs"])
def test_declarations_lint_and_key_in_linear_work(make: Callable[[int], str]) -> None:
    assert _growth(_work, lambda n: _lint_all(make(n)), 400) < LINEAR
    assert _growth(_work, lambda n: lambda: api.layers(make(n)), 400) < LINEAR
    assert _growth(_peak, lambda n: lambda: api.layers(make(n)), 2000) < LINEAR


def test_one_line_using_25000_args() -> None:
    text = "FROM alpine:3.20\n" + "".join(f"ARG A{i}=v\n" for i in range(25_000))
    text += "RUN echo " + "".join(f"${{A{i}}}" for i in range(3000)) + "\n"
    dockerfile = parse_text(text)
    assert _peak(lambda: api.lint(dockerfile)) < 300_000_000  # > 15 GB before


def test_values_that_double_at_each_line_stop_at_the_limit() -> None:
    lines = ["FROM alpine:3.20", "ARG A0=" + "x" * 1000]
    lines += [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 40)]
    text = "\n".join([*lines, "RUN echo $A39"]) + "\n"
    dockerfile = parse_text(text)
    scopes = compute_scopes(dockerfile, {})
    assert len(scopes.limits) == 1 and f"{MAX_EXPANSION:,} characters" in scopes.limits[0][1]
    findings = api.lint(dockerfile)
    limit = [f for f in findings if f.code == "DF713"]
    assert len(limit) == 1 and limit[0].span.start.line == 13  # A11 would be 2 Mi characters


def test_a_file_of_long_values_stops_at_the_scope_limit() -> None:
    part = "y" * 60_000  # a line is at most 65,535 bytes: long values come from expansion
    value = "${A}" * 8
    count = MAX_SCOPE_CHARACTERS // (8 * len(part)) + 3
    text = f"FROM alpine:3.20\nARG A={part}\n" + "".join(f"ARG B{i}={value}\n" for i in range(count))
    scopes = compute_scopes(parse_text(text + "RUN true\n"), {})
    (limit,) = scopes.limits
    assert f"{MAX_SCOPE_CHARACTERS:,} characters" in limit[1]


# --- stages -----------------------------------------------------------------------------------------


def _stages(n: int) -> str:
    lines = ["FROM alpine:3.20 AS s0", "RUN echo x > /x"]
    for i in range(1, n):
        lines += [f"FROM alpine:3.20 AS s{i}", f"COPY --from=s{i - 1} /x /x"]
    return "\n".join(lines) + "\n"


def test_a_chain_of_stages_is_linear_work() -> None:
    assert _growth(_work, lambda n: _lint_all(_stages(n)), 200) < LINEAR
    assert _growth(_work, lambda n: lambda: api.layers(_stages(n)), 200) < LINEAR
    graph = api.layers(_stages(2500))
    assert graph.steps[-1].instruction.kind == "COPY"


def _accounts(n: int) -> str:
    lines = ["FROM python:3.12-slim", "RUN useradd app"]
    for i in range(n):
        lines += [f"COPY --chown=app:app f{i} /f{i}", "USER app", f"RUN echo {i}"]
    return "\n".join(lines) + "\n"


def _stages_with_users(n: int) -> str:
    lines = ["FROM python:3.12-slim AS s0", "RUN useradd u0"]
    for i in range(1, n):
        lines += [f"FROM s{i - 1} AS s{i}", f"RUN useradd u{i}", f"USER u{i - 1}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("make", [_accounts, _stages_with_users], ids=["lines", "stages"])
def test_accounts_named_on_every_line_are_linear_work(make: Callable[[int], str]) -> None:
    """DF604 follows the accounts made so far in one walk (it walked the stage again for every USER
    and ``--chown``: 4,000 such lines took 63 s)."""
    assert _growth(_work, lambda n: _lint_all(make(n)), 200) < LINEAR
    assert "DF604" not in _codes(make(300), "DF604")
    assert _codes(make(3).replace("USER app", "USER nobody2").replace("USER u1", "USER nobody2"), "DF604")


# --- the build context and the file tree --------------------------------------------------------------


def _flat_context(root: Path, n: int) -> Path:
    files = root / f"ctx{n}" / "files"
    files.mkdir(parents=True)
    for i in range(n):
        (files / f"f{i:05d}.txt").write_text("x\n")
    return files.parent


REMOVE_ALL = "FROM alpine:3.20\nWORKDIR /app\nCOPY files/ ./\nRUN rm -rf ./*\n"


def test_removing_a_flat_folder_is_linear_work(tmp_path: Path) -> None:
    def make(n: int) -> Callable[[], object]:
        return _layers(REMOVE_ALL, _flat_context(tmp_path, n))

    assert _growth(_work, make, 400) < LINEAR
    graph = make(4000)()
    copied = next(s for s in graph.steps if s.instruction.kind == "COPY")
    assert copied.wasted_bytes == 4000 * len("x\n")  # every file, deleted by the next step


def test_folders_copied_step_by_step_then_removed_are_linear_work(tmp_path: Path) -> None:
    """Each COPY of a folder keeps it as one bundle (at most MAX_BUNDLES live): a later ``rm``
    looks at each bundle, so the number of live bundles is what bounds that work."""

    def make(n: int) -> Callable[[], object]:
        root = tmp_path / f"folders{n}"
        for index in range(n):
            (root / f"d{index}").mkdir(parents=True)
            (root / f"d{index}" / "f").write_text("x")
        lines = [f"COPY d{i} /app/d{i}\nRUN rm -rf /tmp/x{i}" for i in range(n)]
        return _layers("FROM alpine:3.20\n" + "\n".join(lines) + "\n", root)

    assert _growth(_work, make, 1000) < LINEAR


def test_dockerignore_patterns_are_linear_work(tmp_path: Path) -> None:
    def make(n: int) -> Callable[[], object]:
        root = tmp_path / f"ignore{n}"
        root.mkdir()
        for i in range(200):
            (root / f"f{i:03d}.txt").write_text("x\n")
        (root / ".dockerignore").write_text("".join(f"build/p{i}/**\n!keep{i}.txt\n" for i in range(n // 2)))
        return _layers("FROM alpine:3.20\nCOPY . /app\n", root)

    assert _growth(_work, make, 1000) < LINEAR


# --- size limits ---------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_a_finding_not_a_parse() -> None:
    data = b"FROM alpine:3.20\n" + b"RUN true\n" * (MAX_FILE_BYTES // 9 + 1)
    dockerfile = parse_bytes(data)
    assert not dockerfile.instructions
    (diagnostic,) = dockerfile.diagnostics
    assert diagnostic.code == "DF713" and diagnostic.span.start.line == 1
    assert f"{len(data):,} bytes" in diagnostic.message
    assert [f.code for f in api.lint(dockerfile)] == ["DF713"]


def test_the_exit_status_is_2_when_part_of_a_file_is_not_analysed(tmp_path: Path) -> None:
    from dfanalyze.cli import main

    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20\nRUN echo " + "$(" * 60 + "x" + ")" * 60 + "\n")
    assert main(["check", str(path), "--select", "DF713", "--output-format", "concise"]) == 2
    path.write_text("FROM alpine:3.20\nRUN echo $(echo $(echo x))\n")
    assert main(["check", str(path), "--select", "DF713", "--output-format", "concise"]) == 0


def test_a_copy_to_an_empty_destination_terminates(tmp_path: Path) -> None:
    """``COPY . ${UNSET}`` copies into ``/``: its paths are ``/name``, not ``//name`` (a doubled
    slash made the folder walk of the waste analysis loop forever)."""
    (tmp_path / "app.py").write_text("print()\n")
    graph = _layers("FROM scratch\nCOPY . ${UNSET}\n", tmp_path)()
    copy = graph.steps[-1]
    assert copy.creates_layer and copy.estimated_bytes is not None
    assert list(parent_dirs("//a//b")) == ["//a"] and list(parent_dirs("//x")) == []


def test_gitignore_patterns_are_linear_work(tmp_path: Path) -> None:
    """A folder walk honours a `.gitignore` of thousands of patterns (10,000 over 200 files took
    13.7 s): the work grows with patterns times files, never with their square."""
    from dfanalyze.discover import discover

    def make(n: int) -> Callable[[], object]:
        root = tmp_path / f"repo{n}"
        for i in range(200):
            (root / f"d{i:03d}").mkdir(parents=True)
            (root / f"d{i:03d}" / "Dockerfile").write_text("FROM alpine:3.20\n")
        (root / ".git").mkdir()
        (root / ".gitignore").write_text("".join(f"build/p{i}/\n!keep{i}/\n" for i in range(n // 2)))
        return lambda: discover([str(root)], exclude=[], respect_gitignore=True)

    assert _growth(_work, make, 2000) < LINEAR
    assert len(make(10_000)().files) == 200


def test_a_long_unknown_instruction_costs_no_more_than_a_long_run() -> None:
    """BuildKit's did-you-mean compares an unknown instruction with every keyword; over a word of
    70,000 characters that edit distance cost a second per line (found by the long fuzz run).
    A word far longer than every keyword is at a distance of at least the difference in length."""
    word = "x" * 20_000
    parse_text("FROM alpine:3.20\nFROMM x\nRUN y\n")  # first-use costs
    unknown = _work(lambda: parse_text(f"FROM alpine:3.20\n{word} y\n"))
    run = _work(lambda: parse_text(f"FROM alpine:3.20\nRUN {word} y\n"))
    assert unknown < 2 * run
    near_miss = parse_text("FROM alpine:3.20\nFROMM x\n")
    assert "did you mean from?" in near_miss.errors[0].message.lower()
