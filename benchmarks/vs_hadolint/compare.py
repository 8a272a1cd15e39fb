"""Differential comparison of dfanalyze with the real hadolint on ``benchmarks/vs_hadolint/corpus``.

    python benchmarks/vs_hadolint/compare.py [--hadolint PATH] [--repeat N] [--no-timing]
                                             [--write-expected]

Each ``corpus/*.Dockerfile`` is linted by hadolint (``--format json --no-fail``, one process per
file) and by dfanalyze (in this process, with every rule that carries a hadolint ``DL`` alias
selected). A file ``corpus/<name>.hadolint.yaml`` next to a Dockerfile is the configuration of both
tools for that file (label schemas, trusted registries); DL3057 and DL1001, which hadolint leaves
off by default, are turned on in hadolint because dfanalyze's rules for them are selected here.

dfanalyze findings become DL codes through their rules' aliases, and the two tools' findings are
matched by (code, line): first on the same line, then within the same instruction (hadolint reports
a RUN finding on the RUN's first line, dfanalyze on the word at fault; dfanalyze also reports each
install command of a RUN where hadolint reports the instruction once: such extra findings inside an
instruction hadolint reported are not disagreements). Each remaining disagreement gets the
classification written in ``reviews.toml`` (or an automatic one: location difference, a rule
hadolint removed, a file hadolint cannot parse).

The report is printed and written to ``RESULTS.md``, with the timing of both tools. With
``--write-expected``, dfanalyze's DL findings are written to ``expected.json``, which
``tests/test_vs_hadolint.py`` compares with dfanalyze's current output.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from dfanalyze.api import parse
from dfanalyze.engine.config import Config, Overrides, load_hadolint
from dfanalyze.engine.parity import DATA as PARITY_DATA
from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import Linter
from dfanalyze.engine.selection import Selection
from dfanalyze.model import Dockerfile

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
RESULTS = HERE / "RESULTS.md"
EXPECTED = HERE / "expected.json"
REVIEWS = HERE / "reviews.toml"
TIMING_FILE = "ruby-rails.Dockerfile"  # the 30-line file of the single-file timing
HADOLINT_ENABLE = ("DL3057", "DL1001")  # "ignore" by default in hadolint
# A rule with several DL aliases (DF201): the alias is chosen by the instruction at fault.
ALIAS_BY_INSTRUCTION = {"CMD": "DL4003", "ENTRYPOINT": "DL4004", "HEALTHCHECK": "DL3012"}

Key = tuple[str, int]  # (DL code, line)


# -- dfanalyze ---------------------------------------------------------------------------------


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.Dockerfile"))


def config_of(path: Path) -> Path | None:
    """The hadolint configuration both tools use for ``path``, if it has one."""
    sidecar = path.with_name(path.name.removesuffix(".Dockerfile") + ".hadolint.yaml")
    return sidecar if sidecar.is_file() else None


@cache
def dl_aliases() -> dict[str, tuple[str, ...]]:
    """Every rule that carries a hadolint code: rule code -> its DL aliases."""
    out = {}
    for rule in default_registry().sorted_rules():
        codes = tuple(a for a in rule.aliases if a.startswith("DL"))
        if codes:
            out[rule.code] = codes
    return out


@cache
def _linter(config: Path | None) -> Linter:
    base = Config(hadolint=load_hadolint(config)) if config is not None else Config()
    selection = Selection(select=list(dl_aliases()))
    return base.linter(default_registry(), Overrides(selection=selection))


def _instruction_at(dockerfile: Dockerfile, line: int) -> str | None:
    for instruction in dockerfile.instructions:
        if instruction.span.start.line <= line <= instruction.span.end.line:
            return instruction.kind
    return None


def dfanalyze_findings(path: Path) -> list[Key]:
    """dfanalyze's findings on ``path`` as (DL code, line), sorted."""
    dockerfile = parse(path)
    out = []
    for finding in _linter(config_of(path)).lint(dockerfile):
        codes = dl_aliases()[finding.code]
        line = finding.span.start.line
        if len(codes) > 1:
            kind = _instruction_at(dockerfile, line)
            codes = tuple(c for c in codes if ALIAS_BY_INSTRUCTION.get(kind or "") == c) or codes
        out.append((codes[0], line))
    return sorted(out)


def expected_json(findings: dict[str, list[Key]]) -> str:
    """``expected.json``: for each file, its findings as ``"DL3008:12"``, one file per line."""
    lines = [
        f"  {json.dumps(name)}: {json.dumps([f'{code}:{line}' for code, line in keys])}"
        for name, keys in sorted(findings.items())
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


# -- hadolint ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HadolintResult:
    findings: list[Key]  # DL codes only
    parse_error: int | None  # the line of DL1000, when hadolint could not parse the file
    shellcheck: int  # SC findings, which are not compared


def hadolint_findings(binary: str, path: Path) -> HadolintResult:
    command = [binary, "--no-fail", "--format", "json"]
    config = config_of(path)
    if config is not None:
        command += ["--config", str(config)]
    for code in HADOLINT_ENABLE:
        command += ["--info", code]
    done = subprocess.run([*command, str(path)], capture_output=True, text=True, check=True)
    items: list[dict[str, Any]] = json.loads(done.stdout)
    parse_error = next((int(i["line"]) for i in items if i["code"] == "DL1000"), None)
    findings = sorted((str(i["code"]), int(i["line"])) for i in items if i["code"].startswith("DL"))
    findings = [f for f in findings if f[0] != "DL1000"]
    shellcheck = sum(1 for i in items if i["code"].startswith("SC"))
    return HadolintResult(findings, parse_error, shellcheck)


# -- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    file: str
    code: str
    side: str  # "hadolint" or "dfanalyze": who reports it; "location": both, on other lines
    line: int  # hadolint's line for "location"
    other_lines: tuple[int, ...] = ()  # dfanalyze's lines for "location"


@dataclass
class Tally:
    same_line: Counter[str] = field(default_factory=Counter)
    same_instruction: Counter[str] = field(default_factory=Counter)
    only_hadolint: Counter[str] = field(default_factory=Counter)
    only_dfanalyze: Counter[str] = field(default_factory=Counter)
    per_item_extra: Counter[str] = field(default_factory=Counter)
    disagreements: list[Disagreement] = field(default_factory=list)


def _unit(dockerfile: Dockerfile, line: int) -> int:
    """The line of the instruction holding ``line`` (``line`` itself outside instructions)."""
    for instruction in dockerfile.instructions:
        if instruction.span.start.line <= line <= instruction.span.end.line:
            return instruction.span.start.line
    return line


def match_file(
    tally: Tally, name: str, dockerfile: Dockerfile, theirs: Sequence[Key], ours: Sequence[Key]
) -> None:
    groups: dict[tuple[str, int], tuple[Counter[int], Counter[int]]] = {}
    for side, keys in ((0, theirs), (1, ours)):
        for code, line in keys:
            group = groups.setdefault((code, _unit(dockerfile, line)), (Counter(), Counter()))
            group[side][line] += 1
    for (code, _), (h, d) in sorted(groups.items()):
        exact = h & d
        h_rest, d_rest = h - exact, d - exact
        tally.same_line[code] += exact.total()
        h_lines, d_lines = sorted(h_rest.elements()), sorted(d_rest.elements())
        paired = min(len(h_lines), len(d_lines))
        for line in h_lines[:paired]:
            tally.same_instruction[code] += 1
            tally.disagreements.append(Disagreement(name, code, "location", line, tuple(d_lines)))
        for line in h_lines[paired:]:
            tally.only_hadolint[code] += 1
            tally.disagreements.append(Disagreement(name, code, "hadolint", line))
        if h.total():  # hadolint reported this instruction: more dfanalyze findings are per item
            tally.per_item_extra[code] += len(d_lines) - paired
            continue
        for line in d_lines:
            tally.only_dfanalyze[code] += 1
            tally.disagreements.append(Disagreement(name, code, "dfanalyze", line))


# -- classification ----------------------------------------------------------------------------


@cache
def reviews() -> list[dict[str, Any]]:
    reviews: list[dict[str, Any]] = tomllib.loads(REVIEWS.read_text(encoding="utf-8"))["review"]
    return reviews


@cache
def _removed_codes() -> frozenset[str]:
    data = tomllib.loads(PARITY_DATA.read_text(encoding="utf-8"))
    return frozenset(code for code, severity in data["hadolint"].items() if severity == "removed")


def classify(d: Disagreement, parse_errors: dict[str, int]) -> tuple[str, str]:
    """(kind, note) of a disagreement: automatic for locations, removed rules and parse errors,
    otherwise the most specific matching entry of ``reviews.toml``."""
    if d.side == "location":
        where = ", ".join(map(str, d.other_lines))
        return "location", f"hadolint reports the instruction's first line, dfanalyze the word (line {where})"
    if d.side == "dfanalyze" and d.file in parse_errors:
        return "hadolint parse error", f"hadolint cannot parse the file (DL1000, line {parse_errors[d.file]})"
    if d.side == "dfanalyze" and d.code in _removed_codes():
        return "deliberate", f"hadolint removed {d.code}; dfanalyze keeps it as an opt-in rule"
    best: tuple[int, dict[str, Any]] | None = None
    wanted = {"code": d.code, "file": d.file, "line": d.line, "side": d.side}
    for review in reviews():
        if any(review.get(key, value) != value for key, value in wanted.items()):
            continue
        score = sum(k in review for k in ("file", "line", "side"))
        if best is None or score > best[0]:
            best = (score, review)
    if best is None:
        return "UNREVIEWED", ""
    return str(best[1]["kind"]), str(best[1]["note"])


# -- timing ------------------------------------------------------------------------------------


def _dfanalyze_command() -> list[str]:
    script = Path(sys.executable).with_name("dfanalyze")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "dfanalyze"]


@dataclass(frozen=True)
class Cost:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child processes

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.wall + other.wall, self.cpu + other.cpu)

    def __str__(self) -> str:
        return f"{1000 * self.wall:.0f} ms wall ({1000 * self.cpu:.0f} ms CPU)"


def _run(command: Sequence[str]) -> Cost:
    """What the command costs. dfanalyze exits 2 when a file has errors that stop a build (two
    corpus files do, on purpose), so the exit status is not checked; an empty report is an error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not done.stdout.strip():
        raise RuntimeError(f"no report from {command[0]}: {done.stderr.decode(errors='replace')}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Cost(wall, cpu)


def _best(repeat: int, commands: Iterable[Sequence[str]]) -> Cost:
    """The fastest (by wall time) of ``repeat`` runs of the commands one after the other."""
    commands = list(commands)
    runs = [sum((_run(c) for c in commands), Cost(0.0, 0.0)) for _ in range(repeat)]
    return min(runs, key=lambda cost: cost.wall)


@dataclass(frozen=True)
class Timing:
    label: str
    files: int
    cost: Cost

    @property
    def rate(self) -> float:
        return self.files / self.cost.wall


@dataclass(frozen=True)
class Timings:
    rows: list[Timing]
    single: dict[str, Cost]  # tool -> median wall and CPU time for TIMING_FILE
    repeat: int
    load: float  # the 1-minute load average when the timing started


def measure(hadolint: str, files: Sequence[Path], repeat: int) -> Timings:
    load = os.getloadavg()[0]
    paths = [str(p) for p in files]
    select = ",".join(dl_aliases())
    ours = [*_dfanalyze_command(), "check", "--output-format", "json", "--exit-zero"]
    hl = [hadolint, "--no-fail", "--format", "json"]
    ours_dl = [*ours, "--select", select]
    runs = {
        "hadolint, one process per file": [[*hl, p] for p in paths],
        "hadolint, all files in one invocation": [[*hl, *paths]],
        "dfanalyze, one invocation (DL rules)": [[*ours_dl, *paths]],
        "dfanalyze, one invocation (default rules)": [[*ours, *paths]],
        "dfanalyze, one process per file (DL rules)": [[*ours_dl, p] for p in paths],
    }
    rows = [Timing(label, len(paths), _best(repeat, commands)) for label, commands in runs.items()]
    single = str(CORPUS / TIMING_FILE)
    times = max(repeat * 5, 5)
    medians = {}
    for tool, command in (("hadolint", [*hl, single]), ("dfanalyze", [*ours_dl, single])):
        costs = [_run(command) for _ in range(times)]
        medians[tool] = Cost(
            statistics.median(c.wall for c in costs), statistics.median(c.cpu for c in costs)
        )
    return Timings(rows, medians, repeat, load)


# -- report ------------------------------------------------------------------------------------


def _table(tally: Tally) -> list[str]:
    columns = (
        tally.same_line,
        tally.same_instruction,
        tally.only_hadolint,
        tally.only_dfanalyze,
        tally.per_item_extra,
    )
    rules: dict[str, list[str]] = {}
    for rule, aliases in dl_aliases().items():
        for code in aliases:
            rules.setdefault(code, []).append(rule)
    lines = [
        "| DL code | dfanalyze rule | both, same line | both, other line of the instruction "
        "| only hadolint | only dfanalyze | dfanalyze per-item extras |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for code in sorted(set().union(*columns[:4])):
        counts = " | ".join(str(c[code]) for c in columns)
        lines.append(f"| {code} | {', '.join(rules.get(code, ['-']))} | {counts} |")
    lines.append("| **total** | | " + " | ".join(f"**{c.total()}**" for c in columns) + " |")
    return lines


def _agreement(tally: Tally, exclude: Iterable[str] = ()) -> str:
    def total(counter: Counter[str]) -> int:
        return sum(n for code, n in counter.items() if code not in exclude)

    both = total(tally.same_line) + total(tally.same_instruction)
    compared = both + total(tally.only_hadolint) + total(tally.only_dfanalyze)
    return f"{both} of {compared} findings agree ({100 * both / compared:.1f} %)"


def render(
    tally: Tally,
    files: int,
    parse_errors: dict[str, int],
    shellcheck: int,
    hadolint_version: str,
    timing: Timings | None,
) -> str:
    out = [
        "# dfanalyze vs hadolint",
        "",
        f"Generated by `python benchmarks/vs_hadolint/compare.py` with {hadolint_version}, on {files}",
        "Dockerfiles in `corpus/`. Findings are matched by (DL code, line), then within the same",
        "instruction; see the script's docstring for the method.",
        "",
        f"**Agreement: {_agreement(tally)}**; "
        f"{tally.only_hadolint.total()} only hadolint, {tally.only_dfanalyze.total()} only dfanalyze. "
        f"Not compared: {shellcheck} ShellCheck (SC) findings of hadolint "
        "(dfanalyze's ShellCheck rule DF599 is opt-in).",
        "",
        f"Without {' and '.join(HADOLINT_ENABLE)}, which both tools leave off by default: "
        f"{_agreement(tally, exclude=HADOLINT_ENABLE)}.",
        "",
        "## Per DL code",
        "",
        *_table(tally),
        "",
    ]
    if parse_errors:
        out += ["## Files hadolint cannot parse", ""]
        out += [f"- `{name}`: DL1000 at line {line}" for name, line in sorted(parse_errors.items())]
        out.append("")
    if timing is not None:
        per_process = timing.rows[0].rate
        single = timing.single
        out += [
            "## Timing",
            "",
            f"{os.cpu_count()} CPUs, load average {timing.load:.1f} when the timing started (other work "
            f"on the machine slows both tools); the best of {timing.repeat} runs. Ratio: files/s over "
            "hadolint's one-process-per-file rate. CPU: user + system time of the processes.",
            "",
            "| Run | files | wall s | CPU s | files/s | ratio |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        out += [
            f"| {t.label} | {t.files} | {t.cost.wall:.2f} | {t.cost.cpu:.2f} | {t.rate:.1f} "
            f"| {t.rate / per_process:.1f}x |"
            for t in timing.rows
        ]
        out += [
            "",
            f"One {_lines(CORPUS / TIMING_FILE)}-line file (`{TIMING_FILE}`), median of "
            f"{max(timing.repeat * 5, 5)} runs: hadolint {single['hadolint']}, "
            f"dfanalyze {single['dfanalyze']}.",
            "",
        ]
    out += [
        "## Disagreements",
        "",
        "Kinds: *location* (both report it, on different lines of one instruction), *dfanalyze bug*,",
        "*hadolint false positive*, *hadolint miss* (dfanalyze is right, hadolint is silent),",
        "*deliberate* (a difference documented in the rule's docs), *hadolint parse error*.",
        "",
    ]
    kinds: Counter[str] = Counter()
    rows_out = []
    for d in sorted(tally.disagreements, key=lambda d: (d.file, d.line, d.code)):
        kind, note = classify(d, parse_errors)
        kinds[kind] += 1
        who = {"location": "both", "hadolint": "only hadolint", "dfanalyze": "only dfanalyze"}[d.side]
        rows_out.append(f"| `{d.file}:{d.line}` | {d.code} | {who} | {kind} | {note} |")
    out += ["| Kind | count |", "| --- | ---: |"]
    out += [f"| {kind} | {count} |" for kind, count in sorted(kinds.items())]
    out += ["", "| Where | Code | Reported by | Kind | Why |", "| --- | --- | --- | --- | --- |"]
    out += [*rows_out, ""]
    return "\n".join(out)


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hadolint", default="hadolint", help="the hadolint binary (default: on PATH)")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs, the best is kept (default 3)")
    parser.add_argument("--no-timing", action="store_true", help="compare findings only")
    parser.add_argument("--write-expected", action="store_true", help="write dfanalyze's findings")
    args = parser.parse_args(argv)
    hadolint = shutil.which(args.hadolint)
    if hadolint is None:
        parser.error(f"hadolint not found: {args.hadolint}")
    done = subprocess.run([hadolint, "--version"], capture_output=True, text=True, check=True)
    version = done.stdout.strip()

    files = corpus_files()
    tally = Tally()
    parse_errors: dict[str, int] = {}
    shellcheck = 0
    expected: dict[str, list[Key]] = {}
    for path in files:
        theirs = hadolint_findings(hadolint, path)
        ours = dfanalyze_findings(path)
        expected[path.name] = ours
        shellcheck += theirs.shellcheck
        if theirs.parse_error is not None:
            parse_errors[path.name] = theirs.parse_error
        match_file(tally, path.name, parse(path), theirs.findings, ours)
    if args.write_expected:
        EXPECTED.write_text(expected_json(expected), encoding="utf-8")
    timing = None if args.no_timing else measure(hadolint, files, args.repeat)
    report = render(tally, len(files), parse_errors, shellcheck, version, timing)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
