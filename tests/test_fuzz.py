"""Mutation fuzzing of real Dockerfiles (issue 11): whatever the bytes, ``check``, ``layers`` and
the API raise nothing, no rule fails, the JSON outputs are valid and the exit status is 0, 1 or 2.

The seeds are this repository's own Dockerfiles (test fixtures, the benchmark corpora, every rule
example); each input is a seed with a few mutations: bytes flipped, lines deleted or duplicated,
quotes, backslashes, heredoc markers, ``${``, ``$(``, NUL, invalid UTF-8, CR and CRLF line ends,
very long lines, deep nesting inserted. The suite runs a fixed set of examples; a long run before a
release runs as many as asked::

    DFANALYZE_FUZZ_EXAMPLES=200000 python -m pytest tests/test_fuzz.py -x -q

(``DFANALYZE_FUZZ_PROGRESS=FILE`` writes the number of inputs tried so far to FILE.)

(random, not the suite's fixed set; failures are kept in ``.hypothesis/`` and replayed first).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rule_examples import unmarked

from dfanalyze import api
from dfanalyze.cli import main
from dfanalyze.engine.registry import default_registry
from dfanalyze.layers.render import render

ROOT = Path(__file__).resolve().parent.parent
LONG_RUN = int(os.environ.get("DFANALYZE_FUZZ_EXAMPLES", "0"))


def _seeds() -> list[bytes]:
    files = [
        *sorted((ROOT / "tests" / "fixtures").rglob("*ockerfile*")),
        *sorted((ROOT / "benchmarks" / "corpus").glob("*.Dockerfile")),
        *sorted((ROOT / "benchmarks" / "vs_hadolint" / "corpus").glob("*.Dockerfile")),
    ]
    seeds = [path.read_bytes() for path in files if path.is_file()]
    for rule in default_registry().sorted_rules():
        for example in rule.examples:
            for text in (example.bad, example.good):
                if text:
                    seeds.append(unmarked(text).encode())
    return seeds


SEEDS = _seeds()
TOKENS = [
    b'"', b"'", b"\\", b"\\\n", b"`", b"\n", b"\n\n", b"\r", b"\r\n", b"#", b" ", b"\t",
    b"<<EOF\n", b"<<-EOF\n", b"<<'EOF'\n", b"EOF\n", b"<<", b"${", b"}", b"$(", b")", b"$((", b"[", b"]",
    b"\x00", b"\xff", b"\xe9", b"\xc3", b"\xef\xbb\xbf", b"\xf0\x9f\x90", b"=", b":", b"&&", b"|", b";",
    b"--from=", b"--mount=type=cache,target=", b"--chmod=", b"*", b"?", b"/", b"../", b"@sha256:",
    b"# syntax=docker/dockerfile:1\n", b"# escape=`\n", b"# check=skip=all\n",
    b"FROM scratch AS x\n", b"COPY --from=x / /\n", b"ARG A=${A}${A}\n", b"ONBUILD ", b"RUN ",
    b"VOLUME ", b"WORKDIR ", b"USER ", b"ENV ", b"HEALTHCHECK CMD ", b"SHELL [\"sh\", \"-c\"]\n",
]  # fmt: skip


@st.composite
def _mutant(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "delete", "duplicate", "insert", "long", "nest", "crlf"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif kind in ("delete", "duplicate"):
            lines = bytes(data).split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines[index : index + 1] = [] if kind == "delete" else [lines[index], lines[index]]
            data = bytearray(b"\n".join(lines))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "long":
            data[at:at] = draw(st.sampled_from([b"x", b"a ", b"\\\n", b"$A", b"&& b "])) * draw(
                st.sampled_from([100, 5_000, 70_000])
            )
        elif kind == "nest":
            depth = draw(st.sampled_from([60, 300, 1500]))
            pairs = [(b"$(", b")"), (b"( ", b" )"), (b"${A:-", b"}"), (b"[", b"]")]
            opening, closing = draw(st.sampled_from(pairs))
            data[at:at] = opening * depth + b"x" + closing * depth
        elif kind == "crlf":
            data = bytearray(bytes(data).replace(b"\n", b"\r\n"))
    return bytes(data)


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(list(argv))
    return status, out.getvalue()


def _check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Dockerfile"
        path.write_bytes(data)
        report = Path(folder) / "report.json"
        status, _ = _run("check", str(path), "--select", "ALL", "--ignore", "shellcheck",
                         "--output-format", "json", "--output-file", str(report))  # fmt: skip
        assert status in (0, 1, 2)
        findings = json.loads(report.read_text(encoding="utf-8"))
        assert isinstance(findings, list)
        assert not [f for f in findings if "could not run" in f.get("message", "")]
        dockerfile = api.parse(data, str(path))
        if dockerfile.stages:  # without a stage, layers() raises TargetError, as documented
            graph = api.layers(dockerfile)
            out = io.StringIO()
            render(graph, "json", out)
            assert json.loads(out.getvalue())["steps"]


@pytest.mark.skipif(LONG_RUN > 0, reason="the long run (DFANALYZE_FUZZ_EXAMPLES) runs test_long_run")
@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(_mutant())
def test_mutants_of_real_dockerfiles(data: bytes) -> None:
    _check(data)


PROGRESS = os.environ.get("DFANALYZE_FUZZ_PROGRESS")  # a file the long run counts its inputs in
_TRIED = itertools.count(1)


@pytest.mark.skipif(LONG_RUN == 0, reason="set DFANALYZE_FUZZ_EXAMPLES for the long run")
@settings(max_examples=max(LONG_RUN, 1), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(_mutant())
def test_long_run(data: bytes) -> None:
    _check(data)
    tried = next(_TRIED)
    if PROGRESS and tried % 500 == 0:
        Path(PROGRESS).write_text(f"{tried}\n")
