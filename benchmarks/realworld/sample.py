"""Draw the next default findings to label: a deterministic sample, stratified by rule.

    .venv/bin/python benchmarks/realworld/sample.py [--per-rule 8] [--rules 15 | --rule DF513 ...]
                                                    [--all] [--set official|apps] [--context 3] [--seed S]
    .venv/bin/python benchmarks/realworld/sample.py --show BLOB[:LINE]

Every file of the set is linted with every rule (as ``benchmarks/precision.py`` does); the findings
that already have a label in ``labels.toml`` are left out. Of the rest, each rule of the default set
(of every rule with ``--all``; the rules named with ``--rule``, on or off; the rules with the most
findings first) gives at most ``--per-rule`` findings, chosen by a hash
of their key and the seed, spread over files and repositories (one per file and two per
repository first, more only when a rule has too few places). The same code, set, labels and seed
give the same sample; labelling a batch and running again gives the next one.

Each finding is printed with the lines around it (``--context`` before and after; ``>`` marks
the lines the finding covers, ``^`` its start) and a ``[[label]]`` stub to copy into
``labels.toml`` once ``verdict`` and ``reason`` are filled in (format: ``labels.py``).
``--show BLOB[:LINE]`` prints a whole file with line numbers, for a finding that needs more than
its neighbourhood to be judged (a long RUN, a stage far above).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/: ``realworld``
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))  # this checkout's dfanalyze

from realworld import corpus, labels  # after the paths above
from realworld.lint import Hit, default_codes, full_linter, lint_all, source_lines

SPREAD_PER_REPOSITORY = 2  # findings of one rule from one repository before any other repeats


def order_key(hit: Hit, seed: str) -> str:
    return hashlib.sha1(f"{seed}|{hit.blob}|{hit.code}|{hit.line}|{hit.word}".encode()).hexdigest()


def spread(candidates: Sequence[Hit], repo_of: dict[str, str], limit: int, seed: str) -> list[Hit]:
    """At most ``limit`` of ``candidates`` (one rule's), in hash order: first one per file and
    :data:`SPREAD_PER_REPOSITORY` per repository, then whatever is left."""
    ordered = sorted(candidates, key=lambda h: order_key(h, seed))
    chosen: list[Hit] = []
    files: set[str] = set()
    repos: Counter[str] = Counter()
    for h in ordered:
        if len(chosen) == limit:
            return chosen
        if h.blob not in files and repos[repo_of[h.blob]] < SPREAD_PER_REPOSITORY:
            chosen.append(h)
            files.add(h.blob)
            repos[repo_of[h.blob]] += 1
    rest = [h for h in ordered if h not in chosen]
    return chosen + rest[: limit - len(chosen)]


def excerpt(lines: Sequence[str], hit: Hit, context: int) -> list[str]:
    """The finding's neighbourhood; a finding longer than 8 lines shows its start and its end."""
    first, last = max(1, hit.line - context), min(len(lines), hit.end_line + context)
    numbers = list(range(first, last + 1))
    if hit.end_line - hit.line > 8:
        head = range(first, hit.line + 5)
        tail = range(hit.end_line - 2, last + 1)
        numbers = [*head, 0, *tail]
    out = []
    for n in numbers:
        if n == 0:
            out.append("      ...")
            continue
        mark = ">" if hit.line <= n <= hit.end_line else " "
        out.append(f"{mark}{n:5} | {lines[n - 1]}")
        if n == hit.line:  # the caret under the start, tabs kept so that it lines up
            indent = "".join(c if c == "\t" else " " for c in lines[n - 1][: hit.column - 1])
            out.append(f"{'':6} | {indent}^")
    return out


def stub(hit: Hit, name: str) -> list[str]:
    return [
        "[[label]]",
        f"blob = {json.dumps(hit.blob)}",
        f"rule = {json.dumps(hit.code)}",
        f"line = {hit.line}",
        f"word = {json.dumps(hit.word)}",
        'verdict = ""  # actionable | noise | wrong',
        'reason = ""',
        f"file = {json.dumps(name)}",
    ]


def show(spec: str, files: Sequence[corpus.RealFile]) -> int:
    blob, _, line = spec.partition(":")
    matches = [f for f in files if f.blob.startswith(blob)]
    if len(matches) != 1:
        print(f"{blob}: {'no file' if not matches else 'several files'} of the set", file=sys.stderr)
        return 2
    f = matches[0]
    print(f"# {f.name} at {f.commit[:12]} (blob {f.blob})")
    for n, text in enumerate(source_lines(corpus.read(f)), 1):
        print(f"{'>' if line and n == int(line) else ' '}{n:5} | {text}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-rule", type=int, default=8, help="findings per rule (default 8)")
    ap.add_argument("--rules", type=int, default=15, help="the rules with the most findings (default 15)")
    ap.add_argument("--rule", action="append", help="only this rule, on or off (code; repeatable)")
    ap.add_argument("--all", action="store_true", help="draw from every rule, not only the default set")
    ap.add_argument("--set", choices=corpus.SETS, help="only this part of the set")
    ap.add_argument("--context", type=int, default=3, help="lines before and after (default 3)")
    ap.add_argument("--seed", default="dfanalyze", help="another seed draws another sample")
    ap.add_argument("--show", metavar="BLOB[:LINE]", help="print one whole file of the set")
    args = ap.parse_args(argv)

    files = [f for f in corpus.load() if args.set is None or f.set == args.set]
    if args.show:
        return show(args.show, files)
    try:
        contents = corpus.read_all(files)
    except corpus.MissingSnapshots as exc:
        print(exc, file=sys.stderr)
        return 2
    hits, _ = lint_all([(f.blob, f.path, contents[f.blob]) for f in files], full_linter())
    matching = labels.match(labels.load(), [h for found in hits.values() for h in found])
    drawn = default_codes()
    todo = [h for h in matching.unlabelled if args.rule or args.all or h.code in drawn]
    by_rule: dict[str, list[Hit]] = {}
    for h in todo:
        by_rule.setdefault(h.code, []).append(h)
    codes = args.rule or sorted(by_rule, key=lambda c: (-len(by_rule[c]), c))[: args.rules]
    by_blob = {f.blob: f for f in files}
    repo_of = {f.blob: f.repo for f in files}
    count = 0
    for code in codes:
        chosen = spread(by_rule.get(code, []), repo_of, args.per_rule, args.seed)
        print(f"\n######## {code}: {len(chosen)} of {len(by_rule.get(code, []))} unlabelled findings")
        for h in chosen:
            count += 1
            f = by_blob[h.blob]
            print(f"\n--- {count}. {h.code} {h.name} ({h.severity}) {f.name}:{h.line}:{h.column}")
            print(f"    {h.message}")
            print("\n".join(excerpt(source_lines(contents[h.blob]), h, args.context)))
            print("\n".join(stub(h, f.name)))
    print(f"\n{count} findings to label; {len(matching.matched)} labelled already, {len(todo)} unlabelled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
