"""Compare shell parsers on the RUN texts of ``shell_corpus.txt``.

Usage: ``python benchmarks/shell_parsers.py [--shfmt PATH]``

Each corpus block may start with a line ``#> NAME NAME...``: the simple commands the block must
yield, in source order. ``=`` stands for an assignment-only command, ``NAME>N`` for a command that
carries N redirections, and ``A|B`` accepts either name (``time make`` is a command in sh but a
pipeline prefix in bash). The candidates are bashlex (pure Python), tree-sitter-bash (C, via the
tree-sitter bindings) and, when its binary is given or on PATH, shfmt's ``--to-json`` (Go, one
process per command). When dfanalyze is importable, its own ``parse_shell`` (tree-sitter plus the
full command model) is timed too.

Measured per candidate: import time (``python -X importtime``, best of several fresh interpreters),
parse time per command (best of several rounds, then the median and mean over the corpus), the
blocks it failed to parse, and the blocks where it parsed but the commands differ from the
expectation.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).with_name("shell_corpus.txt")
TYPICAL_RUN = (
    "set -eux;     apt-get update;     apt-get install -y --no-install-recommends"
    "         build-essential         libpq-dev         git=1:2.39.2-1.1   curl ca-certificates"
    ' "$EXTRA"  ;     curl -fsSL https://example.com/tool-${VERSION}.tgz | tar -xz -C /usr/local/bin'
    " && rm -rf /var/lib/apt/lists/* && useradd -r -u 1001 app"
)
IMPORT_RUNS = 7


@dataclass(frozen=True)
class Block:
    text: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    failures: list[tuple[int, str]]
    mismatches: list[tuple[int, list[str]]]
    median_us: float
    mean_us: float


def load_corpus() -> list[Block]:
    blocks = []
    for raw in re.split(r"^---\n", CORPUS.read_text(encoding="utf-8"), flags=re.MULTILINE):
        lines = raw.rstrip("\n").split("\n")
        expected: tuple[str, ...] = ()
        if lines[0].startswith("#>"):
            expected = tuple(lines[0][2:].split())
            lines = lines[1:]
        blocks.append(Block("\n".join(lines), expected))
    return blocks


def matches(got: list[str], expected: tuple[str, ...]) -> bool:
    return len(got) == len(expected) and all(
        g in e.split("|")
        or (
            ">" in e
            and g.split(">")[0] in e.split(">")[0].split("|")
            and g.partition(">")[2] == e.partition(">")[2]
        )
        for g, e in zip(got, expected, strict=True)
    )


def label(name: str, redirects: int) -> str:
    return f"{name}>{redirects}" if redirects else name


# --- bashlex -----------------------------------------------------------------------------------


def bashlex_commands(text: str) -> list[str]:
    import bashlex

    found: list[tuple[int, str]] = []
    seen: set[int] = set()

    def visit(node: Any) -> None:
        if id(node) in seen:  # some nodes are reachable through two attributes
            return
        seen.add(id(node))
        if getattr(node, "kind", None) == "command":
            parts = node.parts
            words = [p for p in parts if p.kind == "word"]
            name = text[words[0].pos[0] : words[0].pos[1]] if words else "="
            redirects = sum(p.kind == "redirect" for p in parts)
            found.append((node.pos[0], label(name, redirects)))
        for value in vars(node).values():
            for child in value if isinstance(value, list) else [value]:
                if hasattr(child, "kind"):
                    visit(child)

    for tree in bashlex.parse(text):
        visit(tree)
    return [name for _, name in sorted(found, key=lambda item: item[0])]


# --- tree-sitter-bash --------------------------------------------------------------------------


def tree_sitter_commands_factory() -> Callable[[str], list[str]]:
    import tree_sitter
    import tree_sitter_bash

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))

    def commands(text: str) -> list[str]:
        source = text.encode()
        root = parser.parse(source).root_node
        if root.has_error:
            raise SyntaxError("tree has ERROR or MISSING nodes")
        found: list[tuple[int, str]] = []

        def outer_redirects(node: Any) -> int:
            parent = node.parent
            if parent is not None and parent.type == "redirected_statement":
                return len(parent.children_by_field_name("redirect"))
            return 0

        def visit(node: Any) -> None:
            kind = node.type
            if kind == "command":
                name_node = node.child_by_field_name("name")
                name = name_node.text.decode() if name_node is not None else "="
                inner = sum(c.type.endswith("_redirect") for c in node.named_children)
                found.append((node.start_byte, label(name, inner + outer_redirects(node))))
            elif kind in {"test_command", "declaration_command", "unset_command"}:
                name = node.children[0].text.decode()
                found.append((node.start_byte, label(name, outer_redirects(node))))
            elif kind in {"variable_assignment", "variable_assignments"} and (
                node.parent.type not in {"command", "declaration_command", "variable_assignments"}
            ):
                found.append((node.start_byte, "="))
            for child in node.children:
                visit(child)

        visit(root)
        return [name for _, name in sorted(found, key=lambda item: item[0])]

    return commands


# --- shfmt --to-json -----------------------------------------------------------------------------


def shfmt_commands_factory(binary: str) -> Callable[[str], list[str]]:
    def commands(text: str) -> list[str]:
        done = subprocess.run(
            [binary, "--to-json", "-ln", "bash"],
            input=text.encode(),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise SyntaxError(done.stderr.decode().strip())
        source = text.encode()
        found: list[tuple[int, str]] = []

        def walk(node: Any, redirects: int) -> Iterator[None]:
            if isinstance(node, list):
                for item in node:
                    yield from walk(item, redirects)
                return
            if not isinstance(node, dict):
                return
            kind = node.get("Type")
            if "Cmd" in node and "Pos" in node and kind is None:  # a Stmt
                cmd = node.get("Cmd") or {}
                own = len(node.get("Redirs") or [])
                yield from walk(cmd, own)
                for key, value in node.items():
                    if key != "Cmd":
                        yield from walk(value, 0)
                return
            start = node.get("Pos", {}).get("Offset", 0)
            if kind == "CallExpr":
                args = node.get("Args") or []
                if args:
                    a = args[0]
                    name = source[a["Pos"]["Offset"] : a["End"]["Offset"]].decode()
                else:
                    name = "="
                found.append((start, label(name, redirects)))
            elif kind == "DeclClause":
                found.append((start, label(node["Variant"]["Value"], redirects)))
            elif kind == "TestClause":
                found.append((start, label("[[", redirects)))
            for value in node.values():
                yield from walk(value, 0)

        for _ in walk(json.loads(done.stdout), 0):
            pass
        return [name for _, name in sorted(found, key=lambda item: item[0])]

    return commands


# --- measuring -----------------------------------------------------------------------------------


def import_ms(statement: str) -> float:
    """Best-of-N cumulative import time of the modules imported by ``statement``, in ms."""
    best = float("inf")
    for _ in range(IMPORT_RUNS):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement],
            capture_output=True,
            text=True,
            check=True,
        )
        total = 0
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
            if match and match.group(2) == " ":  # a top-level import of the statement
                total += int(match.group(1))
        best = min(best, total / 1000)
    return best


def setup_ms(statement: str) -> float:
    """Best-of-N wall time of ``statement`` in a fresh interpreter (imports plus setup), in ms."""
    best = float("inf")
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    for _ in range(IMPORT_RUNS):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        best = min(best, float(done.stdout) * 1000)
    return best


def run(commands: Callable[[str], object], blocks: list[Block], rounds: int, check: bool = True) -> Result:
    failures: list[tuple[int, str]] = []
    mismatches: list[tuple[int, list[str]]] = []
    times: list[float] = []
    for index, block in enumerate(blocks):
        try:
            got = commands(block.text)
        except Exception as error:  # every parser failure counts, whatever its type
            failures.append((index, f"{type(error).__name__}: {str(error)[:70]}"))
            continue
        if check and isinstance(got, list) and not matches(got, block.expected):
            mismatches.append((index, got))
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter_ns()
            commands(block.text)
            best = min(best, (time.perf_counter_ns() - start) / 1000)
        times.append(best)
    return Result(failures, mismatches, statistics.median(times), statistics.fmean(times))


def report(name: str, result: Result, blocks: list[Block], imported: str) -> None:
    total = len(blocks)
    ok = total - len(result.failures) - len(result.mismatches)
    print(f"\n== {name}")
    print(f"   import: {imported}")
    print(f"   parse per command: median {result.median_us:.1f} µs, mean {result.mean_us:.1f} µs")
    print(
        f"   correct: {ok}/{total}, parse failures: {len(result.failures)}, "
        f"wrong structure: {len(result.mismatches)}"
    )
    for index, message in result.failures:
        print(f"   FAIL  #{index}: {blocks[index].text[:50]!r}: {message}")
    for index, got in result.mismatches:
        print(f"   WRONG #{index}: expected {' '.join(blocks[index].expected)}")
        print(f"              got      {' '.join(got)}")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--shfmt", default=shutil.which("shfmt"), help="path of shfmt")
    options.add_argument("--rounds", type=int, default=50)
    args = options.parse_args()
    blocks = load_corpus()
    mean_chars = statistics.fmean(len(b.text) for b in blocks)
    version = sys.version.split()[0]
    print(f"corpus: {len(blocks)} RUN texts, mean {mean_chars:.0f} chars, python {version}")

    imported = f"{import_ms('import bashlex'):.1f} ms (import bashlex)"
    report("bashlex", run(bashlex_commands, blocks, args.rounds), blocks, imported)

    ts_setup = (
        "import tree_sitter, tree_sitter_bash; "
        "tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))"
    )
    imported = (
        f"{import_ms('import tree_sitter, tree_sitter_bash'):.1f} ms "
        f"(import tree_sitter, tree_sitter_bash); {setup_ms(ts_setup):.1f} ms with "
        "Language + Parser"
    )
    ts = tree_sitter_commands_factory()
    report("tree-sitter-bash (parse + Python walk)", run(ts, blocks, args.rounds), blocks, imported)
    import tree_sitter
    import tree_sitter_bash

    raw = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    parse_only = run(lambda text: raw.parse(text.encode()), blocks, args.rounds, check=False)
    print(
        f"   tree-sitter parse alone: median {parse_only.median_us:.1f} µs, mean {parse_only.mean_us:.1f} µs"
    )

    if args.shfmt:
        report(
            "shfmt --to-json (subprocess)",
            run(shfmt_commands_factory(args.shfmt), blocks, 3),
            blocks,
            "n/a (Go binary, one process per command)",
        )
    else:
        print("\n== shfmt: skipped (not found; pass --shfmt PATH)")

    try:
        from dfanalyze.analysis.shell import parse_shell
        from dfanalyze.span import OffsetMap, Position
    except ImportError:
        print("\n== dfanalyze.analysis.shell: not importable, skipped")
        return
    imported = (
        f"{import_ms('import dfanalyze.analysis.shell'):.1f} ms "
        "(import dfanalyze.analysis.shell; the parser loads on first use)"
    )

    def model(text: str) -> object:
        return parse_shell(text, OffsetMap((0,), (1,), (1,), Position(1, len(text) + 1)))

    result = run(model, blocks, args.rounds, check=False)
    print("\n== dfanalyze parse_shell (tree-sitter + command model)")
    print(f"   import: {imported}")
    print(
        f"   per command: median {result.median_us:.1f} µs, mean {result.mean_us:.1f} µs, "
        f"failures: {len(result.failures)}"
    )
    long = [Block(TYPICAL_RUN, ())]
    whole = run(model, long, args.rounds * 4, check=False).median_us
    alone = run(lambda text: raw.parse(text.encode()), long, args.rounds * 4, check=False)
    print(
        f"   a typical {len(TYPICAL_RUN)}-char RUN: {whole:.1f} µs "
        f"(tree-sitter parse alone {alone.median_us:.1f} µs)"
    )


if __name__ == "__main__":
    main()
