"""Replay hadolint's and BuildKit's own rule tests against dfanalyze.

    python benchmarks/vs_hadolint/replay.py [--hadolint-repo GIT_DIR] [--buildkit-repo GIT_DIR]
                                            [--hadolint PATH]

The test suites are read at run time from repository snapshots (``fetch`` of the search tool puts
them in ``/work/.mirror/<owner>+<name>/repo``); nothing of them is copied into this repository.

hadolint: every ``test/Hadolint/Rule/*Spec.hs``. Its assertions (``ruleCatches``,
``ruleCatchesNot``, their ``onBuild`` forms, ``assertChecks ... (failsWith N code)``) are read with a
small evaluator of the Haskell expressions the specs use (string literals and gaps, lists,
``Text.unlines``, ``<>``, ``$``, ``let`` bindings) and the configuration each spec sets
(``allowedRegistries``, ``labelSchema``, ``strictLabels``). Each case is linted by dfanalyze with the
rules that carry the case's code and the same configuration; the case agrees when dfanalyze
reports the code (``ruleCatches``) or does not (``ruleCatchesNot``). With ``--hadolint``, the real
binary lints each case too, which tells a spec that hadolint 2.15.1 itself no longer passes.

BuildKit: ``frontend/dockerfile/dockerfile_check_test.go``. Each ``checkLinterWarnings`` call gives a
Dockerfile (``%s`` filled with ``alpine``, as on Linux), its ``.dockerignore``, build arguments and
the expected warnings (check name and line). dfanalyze runs every rule that carries a BuildKit
check name; its findings are mapped to (check name, line of the instruction).

Every disagreement must have its reason in ``dfanalyze/knowledge/data/parity.toml``
(``[[difference]]``), which ``docs/parity.md`` shows; the script lists those without one and exits
1 when there are any. The summary is written to ``REPLAY.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dfanalyze.api import parse
from dfanalyze.engine.config import Config, HadolintConfig, Overrides
from dfanalyze.engine.parity import DATA as PARITY_DATA
from dfanalyze.engine.registry import default_registry
from dfanalyze.engine.run import Linter
from dfanalyze.engine.selection import Selection

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "REPLAY.md"
MIRROR = Path("/work/.mirror")
HADOLINT_REPO = MIRROR / "hadolint+hadolint" / "repo"
BUILDKIT_REPO = MIRROR / "moby+buildkit" / "repo"
BUILDKIT_TESTS = "frontend/dockerfile/dockerfile_check_test.go"

Value = str | list[Any]


# -- reading Haskell specs ------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<comment>--[^\n]*)
      | (?P<string>"(?:[^"\\]|\\.|\\\s*\n\s*\\)*")
      | (?P<name>\??[A-Za-z_][\w.']*)
      | (?P<number>\d+)
      | (?P<symbol><>|::|=>|->|[\[\](),$={}])
      | (?P<space>\s+)
      | (?P<other>.)""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "r": "\r"}
ASSERTIONS = {"ruleCatches", "ruleCatchesNot", "onBuildRuleCatches", "onBuildRuleCatchesNot"}


def _unescape(literal: str) -> str:
    body = re.sub(r"\\\s*\n\s*\\", "", literal[1:-1])  # string gaps
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "&":
                i += 2
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass
class Token:
    kind: str
    text: str
    line: int


def tokens(source: str) -> list[Token]:
    out = []
    line = 1
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind not in {"comment", "space"}:
            out.append(Token(kind, text, line))
        line += text.count("\n")
    return out


class _Unsupported(Exception):
    """An expression this evaluator does not read."""


class _Reader:
    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.i = 0
        self.env: dict[str, Value] = {}

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expr(self) -> Value:
        value = self.term()
        while (tok := self.peek()) is not None and tok.text == "<>":
            self.take()
            right = self.term()
            if not isinstance(value, str) or not isinstance(right, str):
                raise _Unsupported("<> of lists")
            value += right
        return value

    def term(self) -> Value:
        tok = self.take()
        if tok.text == "$":
            return self.expr()
        if tok.kind == "string":
            return _unescape(tok.text)
        if tok.text == "(":
            value = self.expr()
            if self.take().text != ")":
                raise _Unsupported("tuple")
            return value
        if tok.text == "[":
            items: list[Any] = []
            while (nxt := self.peek()) is not None and nxt.text != "]":
                items.append(self.expr())
                if (sep := self.peek()) is not None and sep.text == ",":
                    self.take()
            self.take()
            return items
        if tok.text in {"Text.unlines", "unlines"}:
            lines = self.term()
            if not isinstance(lines, list):
                raise _Unsupported("unlines")
            return "".join(f"{line}\n" for line in lines)
        if tok.text in {"Text.intercalate", "intercalate"}:
            joiner, lines = self.term(), self.term()
            if not isinstance(joiner, str) or not isinstance(lines, list):
                raise _Unsupported("intercalate")
            return joiner.join(lines)
        if tok.kind == "name" and tok.text in self.env:
            return self.env[tok.text]
        raise _Unsupported(tok.text)


@dataclass(frozen=True)
class SpecCase:
    """One hadolint assertion: the code, whether it must fire (or how often), the Dockerfile."""

    spec: str  # the Spec file
    line: int  # of the assertion in it
    title: str  # the `it "..."` it belongs to
    code: str
    expect: bool
    count: int | None  # failsWith N
    onbuild: bool
    dockerfile: str
    config: tuple[tuple[str, Any], ...] = ()  # hadolint configuration keys, .hadolint.yaml names

    @property
    def key(self) -> str:
        digest = hashlib.sha1(self.dockerfile.encode()).hexdigest()[:8]
        onbuild = "onbuild-" if self.onbuild else ""
        return f"{self.code} {self.spec}:{onbuild}{'catches' if self.expect else 'not'}:{digest}"


_LABEL_TYPES = {"RawText": "text", "Url": "url", "Rfc3339": "rfc3339", "Spdx": "spdx"}
_LABEL_TYPES |= {"GitHash": "hash", "SemVer": "semver", "Email": "email"}


def _config(text: str) -> tuple[tuple[str, Any], ...] | None:
    """The configuration a ``let ?config = def { ... }`` sets, as .hadolint.yaml keys; None when
    it sets something else."""
    body = text.strip()
    if body == "def":
        return ()
    match = re.fullmatch(r"def\s*\{(.*)\}", body, re.S)
    if match is None:
        return None
    out: list[tuple[str, Any]] = []
    for field_name, value in re.findall(r"(\w+)\s*=\s*((?:Map\.fromList\s*)?\[[^\]]*\]|\w+)", match.group(1)):
        if field_name == "allowedRegistries":
            out.append(("trustedRegistries", re.findall(r'"([^"]*)"', value)))
        elif field_name == "labelSchema":
            pairs = re.findall(r'\(\s*"([^"]+)"\s*,\s*(?:Rule\.)?(\w+)\s*\)', value)
            out.append(("label-schema", {k: _LABEL_TYPES.get(v, v.lower()) for k, v in pairs}))
        elif field_name == "strictLabels":
            out.append(("strict-labels", value == "True"))
        else:
            return None
    return tuple(out)


def spec_cases(source: str, spec: str) -> tuple[list[SpecCase], list[tuple[int, str]]]:
    """The assertions of one Spec file, and those it cannot read (line, why)."""
    toks = tokens(source)
    reader = _Reader(toks)
    cases: list[SpecCase] = []
    skipped: list[tuple[int, str]] = []
    title = ""
    config: tuple[tuple[str, Any], ...] | None = ()
    while reader.i < len(toks):
        tok = reader.take()
        if tok.text == "it" and (nxt := reader.peek()) is not None and nxt.kind == "string":
            title = _unescape(reader.take().text)
        elif tok.text == "let" and (nxt := reader.peek()) is not None and nxt.text == "?config":
            reader.take()
            reader.take()  # =
            start = reader.i
            depth = 0
            while reader.i < len(toks):
                cur = toks[reader.i]
                if cur.text == "{":
                    depth += 1
                elif cur.text == "}":
                    depth -= 1
                elif depth == 0 and cur.line != toks[start].line and cur.text != "{":
                    break
                reader.i += 1
            config = _config(" ".join(t.text for t in toks[start : reader.i]))
        elif tok.text == "let":  # one binding or several: `let a = ...` / `let <newline> a = ... b = ...`
            while (
                (nxt := reader.peek()) is not None
                and nxt.kind == "name"
                and (eq := reader.peek(1))
                and eq.text == "="
            ):
                name = reader.take().text
                reader.take()
                try:
                    reader.env[name] = reader.expr()
                except (_Unsupported, IndexError):
                    reader.env.pop(name, None)
                    break
        elif tok.text in ASSERTIONS or tok.text in {"assertChecks", "assertOnBuildChecks"}:
            line = tok.line
            try:
                if tok.text in ASSERTIONS:
                    code = reader.term()
                    dockerfile = reader.expr()
                    count = None
                    expect = not tok.text.endswith("Not")
                else:
                    dockerfile = reader.expr()
                    rest = [t.text for t in toks[reader.i : reader.i + 6]]
                    if rest[:2] != ["(", "failsWith"]:
                        raise _Unsupported(" ".join(rest))
                    count, code = int(rest[2]), _unescape(rest[3])
                    expect = count > 0
                if not isinstance(code, str) or not re.fullmatch(r"DL\d{4}", code):
                    raise _Unsupported(f"the code {code!r}")
                if not isinstance(dockerfile, str):
                    raise _Unsupported("not a text")
            except (_Unsupported, IndexError, ValueError) as exc:
                skipped.append((line, f"{tok.text}: cannot read {exc}"))
                continue
            if config is None:
                skipped.append((line, "a configuration the replay does not set"))
                continue
            onbuild = tok.text.startswith(("onBuild", "assertOnBuild"))
            cases.append(SpecCase(spec, line, title, code, expect, count, onbuild, dockerfile, config))
    return cases, skipped


def _onbuild(text: str) -> str:
    """hadolint's wrapInOnBuild: every RUN becomes ``ONBUILD RUN``."""
    return re.sub(r"(?mi)^(\s*)(RUN\b)", r"\1ONBUILD \2", text)


def hadolint_cases(repo: Path) -> tuple[list[SpecCase], list[tuple[str, int, str]], str]:
    """Every readable assertion of hadolint's rule specs, those skipped, and the commit read."""
    commit = _git(repo, "rev-parse", "HEAD").strip()
    names = _git(repo, "ls-tree", "--name-only", "HEAD", "test/Hadolint/Rule/").split()
    cases: list[SpecCase] = []
    skipped: list[tuple[str, int, str]] = []
    for path in sorted(names):
        if not path.endswith("Spec.hs"):
            continue
        spec = path.rsplit("/", 1)[-1]
        found, missed = spec_cases(_git(repo, "show", f"HEAD:{path}"), spec)
        cases += found
        skipped += [(spec, line, why) for line, why in missed]
    return cases, skipped, commit


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


# -- linting a case -------------------------------------------------------------------------------


def _rules_of(alias: str) -> list[str]:
    return sorted(default_registry().named(alias))


def _linter(
    selectors: Sequence[str], config: tuple[tuple[str, Any], ...], build_args: dict[str, str]
) -> Linter:
    hadolint = None
    if config:
        values = dict(config)
        hadolint = HadolintConfig(
            Path(".hadolint.yaml"),
            trusted_registries=tuple(values["trustedRegistries"]) if "trustedRegistries" in values else None,
            label_schema=values.get("label-schema"),
            strict_labels=values.get("strict-labels"),
        )
    return Config(hadolint=hadolint, build_args=build_args).linter(
        default_registry(), Overrides(selection=Selection(select=list(selectors)))
    )


def _dockerfile_of(case: SpecCase) -> str:
    text = case.dockerfile + "\n"
    return _onbuild(text) if case.onbuild else text


def dfanalyze_count(case: SpecCase) -> int | None:
    """How many findings dfanalyze reports under the case's code; None when no rule carries it."""
    rules = _rules_of(case.code)
    if not rules:
        return None
    found = _linter(rules, case.config, {}).lint(parse(_dockerfile_of(case).encode(), "Dockerfile"))
    return sum(f.code in rules for f in found)


def hadolint_count(binary: str, case: SpecCase) -> int:
    with tempfile.TemporaryDirectory(prefix="replay-") as tmp:
        folder = Path(tmp)
        (folder / "Dockerfile").write_text(_dockerfile_of(case), encoding="utf-8")
        args = [binary, "--no-color", "-f", "json", "--no-fail"]
        if case.config:
            (folder / ".hadolint.yaml").write_text(json.dumps(dict(case.config)), encoding="utf-8")
            args += ["-c", str(folder / ".hadolint.yaml")]
        result = subprocess.run(
            [*args, "Dockerfile"], cwd=folder, capture_output=True, text=True, timeout=60, check=False
        )
        try:
            return sum(item["code"] == case.code for item in json.loads(result.stdout or "[]"))
        except json.JSONDecodeError:
            return -1


# -- BuildKit -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckCase:
    """One ``checkLinterWarnings`` call of BuildKit's check tests."""

    test: str  # the Go test function
    line: int
    dockerfile: str
    dockerignore: str | None
    build_args: dict[str, str] = field(default_factory=dict)
    expected: tuple[tuple[str, int], ...] = ()

    @property
    def key(self) -> str:
        digest = hashlib.sha1(self.dockerfile.encode()).hexdigest()[:8]
        return f"{self.test}:{digest}"


_GO_BYTES = re.compile(r"(\w+)\s*:?=\s*(?:\[\]byte\(|fmt\.Appendf\(nil,\s*)\s*`(.*?)`", re.S)


def buildkit_cases(repo: Path) -> tuple[list[CheckCase], str]:
    commit = _git(repo, "rev-parse", "HEAD").strip()
    source = _git(repo, "show", f"HEAD:{BUILDKIT_TESTS}")
    cases: list[CheckCase] = []
    functions = list(
        re.finditer(r"^func (test\w+)\(t \*testing\.T, sb integration\.Sandbox\) \{$", source, re.M)
    )
    for index, function in enumerate(functions):
        end = functions[index + 1].start() if index + 1 < len(functions) else len(source)
        body = source[function.end() : end]
        offset = source.count("\n", 0, function.end())
        values: dict[str, str] = {}
        position = 0
        for call in re.finditer(r"checkLinterWarnings\(t, sb, &lintTestParams\{", body):
            for assigned in _GO_BYTES.finditer(body, position, call.start()):
                values[assigned.group(1)] = assigned.group(2).replace("%s", "alpine")
            position = call.start()
            params = _braced(body, call.end() - 1)
            warnings = _field(params, "Warnings") or ""
            expected = tuple(
                (name, int(line))
                for name, line in re.findall(r'RuleName:\s*"(\w+)".*?Line:\s*(\d+)', warnings, re.S)
            )
            helper = re.search(r'makeLintWarning := func.*?RuleName:\s*"(\w+)"', body, re.S)
            if helper is not None:  # warnings made by a helper of the test: makeLintWarning("CMD", 5)
                calls = re.findall(r'makeLintWarning\("[^"]*",\s*(\d+)\)', warnings)
                expected += tuple((helper.group(1), int(line)) for line in calls)
            dockerfile_name = re.search(r"Dockerfile:\s*(\w+)", params)
            if dockerfile_name is None or dockerfile_name.group(1) not in values:
                continue
            ignore = re.search(r"DockerIgnore:\s*\[\]byte\(`(.*?)`\)", params, re.S)
            ignored_by = re.search(r"DockerIgnore:\s*(\w+)", params)
            ignore_text = ignore.group(1) if ignore else None
            if ignore_text is None and ignored_by is not None:
                ignore_text = values.get(ignored_by.group(1))
            build_args = dict(re.findall(r'"build-arg:(\w+)":\s*"([^"]*)"', params))
            cases.append(
                CheckCase(
                    function.group(1),
                    offset + body.count("\n", 0, call.start()) + 1,
                    values[dockerfile_name.group(1)],
                    ignore_text,
                    build_args,
                    expected,
                )
            )
    return cases, commit


def _braced(text: str, start: int) -> str:
    """The text inside the braces that open at ``start`` (backquoted strings skipped)."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "`":
            i = text.index("`", i + 1)
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
        i += 1
    return text[start + 1 :]


def _field(params: str, name: str) -> str | None:
    match = re.search(rf"(?<!\w){name}:\s*\[\]expectedLintWarning\{{", params)
    return _braced(params, match.end() - 1) if match else None


def buildkit_findings(case: CheckCase) -> tuple[tuple[str, int], ...]:
    """dfanalyze's findings as (check name, line of the instruction), sorted."""
    registry = default_registry()
    rules = [r for r in registry.sorted_rules() if r.buildkit_names]
    linter = _linter([r.code for r in rules], (), case.build_args)
    with tempfile.TemporaryDirectory(prefix="replay-") as tmp:
        folder = Path(tmp)
        (folder / "Dockerfile").write_text(case.dockerfile, encoding="utf-8")
        if case.dockerignore is not None:
            (folder / ".dockerignore").write_text(case.dockerignore, encoding="utf-8")
        dockerfile = parse(folder / "Dockerfile")
        found = linter.lint(dockerfile, context_dir=str(folder))
    out = []
    for finding in found:
        line = finding.span.start.line
        for ins in dockerfile.instructions:
            if ins.span.start.line <= line <= ins.span.end.line:
                line = ins.span.start.line
                break
        for name in registry.rules[finding.code].buildkit_names:
            out.append((name, line))
    return tuple(sorted(set(out)))


# -- the report -----------------------------------------------------------------------------------


def known_differences() -> dict[str, str]:
    data = tomllib.loads(PARITY_DATA.read_text(encoding="utf-8"))
    return {case: d["reason"] for d in data.get("difference", []) for case in d["cases"]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hadolint-repo", type=Path, default=HADOLINT_REPO)
    parser.add_argument("--buildkit-repo", type=Path, default=BUILDKIT_REPO)
    parser.add_argument("--hadolint", help="also run this hadolint binary on every case")
    args = parser.parse_args(argv)
    if args.hadolint:
        args.hadolint = shutil.which(args.hadolint) or args.hadolint
        args.hadolint = str(Path(args.hadolint).resolve())
    reasons = known_differences()
    lines = [
        "# Replaying hadolint's and BuildKit's own tests",
        "",
        "Generated by `python benchmarks/vs_hadolint/replay.py`.",
        "",
    ]
    unexplained: list[str] = []
    used: set[str] = set()

    cases, skipped, commit = hadolint_cases(args.hadolint_repo)
    per_code: Counter[tuple[str, str]] = Counter()
    differences: list[tuple[SpecCase, str]] = []
    binary_disagrees: list[SpecCase] = []
    for case in cases:
        count = dfanalyze_count(case)
        agree = (
            count is not None and (count > 0 if case.count is None else count == case.count) == case.expect
        )
        if case.count is not None and count is not None:
            agree = count == case.count
        per_code[(case.code, "agree" if agree else "differ")] += 1
        if not agree:
            if args.hadolint and (hadolint_count(args.hadolint, case) > 0) != case.expect:
                binary_disagrees.append(case)
            reason = reasons.get(case.key)
            used.add(case.key)
            differences.append((case, reason or ""))
            if reason is None:
                unexplained.append(case.key)
    total_agree = sum(n for (_, kind), n in per_code.items() if kind == "agree")
    lines += [
        f"## hadolint (`test/Hadolint/Rule/*Spec.hs` at {commit[:12]})",
        "",
        f"**{total_agree} of {len(cases)} assertions agree**; {len(skipped)} assertions the replay"
        " cannot read (listed below).",
    ]
    if args.hadolint:
        run = subprocess.run([args.hadolint, "--version"], capture_output=True, text=True, check=False)
        version = run.stdout.strip()
        lines.append(
            f"Of the differences, {version} itself fails {len(binary_disagrees)} (marked *newer*: the"
            " spec is of a rule changed after that release)."
        )
    lines += ["", "| Code | assertions | agree | differ |", "| --- | ---: | ---: | ---: |"]
    for code in sorted({c for c, _ in per_code}):
        agreeing, differing = per_code[(code, "agree")], per_code[(code, "differ")]
        lines.append(f"| {code} | {agreeing + differing} | {agreeing} | {differing} |")
    lines += [
        "",
        "### Differences",
        "",
        "| Case | Expected | Dockerfile | Reason |",
        "| --- | --- | --- | --- |",
    ]
    for case, reason in differences:
        shown = case.dockerfile.strip().replace("\n", " ⏎ ").replace("|", "\\|")
        expected = ("fires" if case.expect else "silent") if case.count is None else f"{case.count} findings"
        newer = " *newer*" if case in binary_disagrees else ""
        lines.append(f"| `{case.key}`{newer} | {expected} | `{shown[:120]}` | {reason or '**no reason**'} |")
    lines += ["", "### Assertions not replayed", ""]
    lines += [f"- {spec}:{line}: {why}" for spec, line, why in skipped]

    checks, commit = buildkit_cases(args.buildkit_repo)
    agree_checks = 0
    lines += ["", f"## BuildKit (`{BUILDKIT_TESTS}` at {commit[:12]})", ""]
    rows = []
    for check in checks:
        found = buildkit_findings(check)
        wanted = tuple(sorted(set(check.expected)))
        if found == wanted:
            agree_checks += 1
            continue
        reason = reasons.get(check.key)
        used.add(check.key)
        if reason is None:
            unexplained.append(check.key)
        missing = sorted(set(wanted) - set(found))
        extra = sorted(set(found) - set(wanted))
        rows.append(
            f"| `{check.key}` (line {check.line}) | {', '.join(f'{n}:{ln}' for n, ln in missing) or '-'} | "
            f"{', '.join(f'{n}:{ln}' for n, ln in extra) or '-'} | {reason or '**no reason**'} |"
        )
    lines += [
        f"**{agree_checks} of {len(checks)} test Dockerfiles give the same warnings** (check name and line).",
        "",
        "| Case | only BuildKit | only dfanalyze | Reason |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
    ]
    stale = sorted(set(reasons) - used)
    if stale:
        lines += ["Reasons for cases that now agree (remove them from parity.toml):", ""]
        lines += [f"- `{key}`" for key in stale] + [""]
    OUTPUT.write_text("\n".join(lines), encoding="utf-8")
    print(
        f"hadolint: {total_agree}/{len(cases)} agree ({len(skipped)} not read);"
        f" BuildKit: {agree_checks}/{len(checks)}"
    )
    for key in unexplained:
        print(f"no reason in parity.toml: {key}")
    print(f"wrote {OUTPUT}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
