"""Precision on real Dockerfiles: dfanalyze's defaults beside hadolint's, and the hand labels.

    .venv/bin/python benchmarks/precision.py [--set official|apps] [--top 25] [--refresh-hadolint]
                                             [--no-hadolint] [--workers N] [--json PATH]

The set is ``benchmarks/realworld/manifest.toml``: the Dockerfiles of the Docker official images
(the library files' references) and of ~80 application repositories, read from the repository
snapshots (``benchmarks/realworld/corpus.py`` says which to fetch when one is missing). Each file
is linted alone, as a new user would lint it: dfanalyze with the default rules and no
configuration, no build context (``realworld/lint.py``); hadolint with its defaults, from the
cached measurement ``realworld/hadolint.json`` (``--refresh-hadolint`` runs it again).

It prints the findings per rule (count, share, files hit, the hadolint codes the rule mirrors and
hadolint's count of them, and the labelled precision), hadolint's own top rules, the labels that no
longer match a finding, and last a summary of at most 12 lines: findings per file per set for both
tools, the labelled precision of the default rules (as labelled, and weighted by each rule's share
of the findings), the worst labelled rules, and how much is labelled. Labels live in
``realworld/labels.toml`` (format: ``realworld/labels.py``); ``realworld/sample.py`` draws the
next findings to label.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # this checkout's dfanalyze before any installed one

from realworld import corpus, hadolint, labels  # noqa: E402 (the paths above first)
from realworld.lint import default_linter, lint_all  # noqa: E402

# The repositories of the first measurement ("the 499 Dockerfiles of the official images"):
# docker-library's own, and the upstream ones of node, nginx, mariadb and rust.
CORE_UPSTREAM = {
    "nodejs/docker-node",
    "nginx/docker-nginx",
    "MariaDB/mariadb-docker",
    "rust-lang/docker-rust",
}
MIN_LABELS = 10  # a rule's precision is judged from this many labels on (issue 12's criterion)
TARGET = 0.9  # the labelled precision a default rule must reach (issue 12)


def is_core(f: corpus.RealFile) -> bool:
    return f.set == "official" and (f.repo.startswith("docker-library/") or f.repo in CORE_UPSTREAM)


@dataclass
class Group:
    """A part of the set, for the per-file figures."""

    name: str
    blobs: list[str]


def groups_of(files: Sequence[corpus.RealFile]) -> list[Group]:
    out = [Group(s, [f.blob for f in files if f.set == s]) for s in corpus.SETS]
    core = Group("  docker-library + 4 upstream", [f.blob for f in files if is_core(f)])
    out.insert(1, core)
    if len({f.set for f in files}) > 1:
        out.append(Group("all", [f.blob for f in files]))
    return [g for g in out if g.blobs]


def per_file(blobs: Sequence[str], counts: Mapping[str, int]) -> float:
    return sum(counts.get(b, 0) for b in blobs) / len(blobs) if blobs else 0.0


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=corpus.SETS, help="only this part of the set")
    ap.add_argument("--top", type=int, default=25, help="rules in the per-rule table (default 25)")
    ap.add_argument("--refresh-hadolint", action="store_true", help="run hadolint on every file again")
    ap.add_argument("--no-hadolint", action="store_true", help="leave hadolint out")
    ap.add_argument("--workers", type=int, help="processes linting (default: the usable CPUs)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    files = [f for f in corpus.load() if args.set is None or f.set == args.set]
    try:
        contents = corpus.read_all(files)
    except corpus.MissingSnapshots as exc:
        print(exc, file=sys.stderr)
        return 2
    start = time.perf_counter()
    linter = default_linter()
    hits, problems = lint_all([(f.blob, f.path, contents[f.blob]) for f in files], linter, args.workers)
    lint_seconds = time.perf_counter() - start
    default_codes = linter.plan.codes
    catalogue = linter.registry.rules

    hl = (
        None
        if args.no_hadolint
        else hadolint.results_for(
            [(f.blob, contents[f.blob]) for f in files],
            refresh=args.refresh_hadolint,
            workers=args.workers,
            keep={f.blob for f in corpus.load()},
        )
    )

    all_hits = [h for found in hits.values() for h in found]
    by_rule = Counter(h.code for h in all_hits)
    files_hit = {code: len({h.blob for h in all_hits if h.code == code}) for code in by_rule}
    per_blob = {b: len(found) for b, found in hits.items()}
    hl_per_blob = {b: len(rows) for b, rows in (hl.by_blob if hl else {}).items()}
    hl_by_code: Counter[str] = Counter(
        str(row[2]) for rows in (hl.by_blob if hl else {}).values() for row in rows
    )

    known = [lab for lab in labels.load() if lab.blob in hits]  # the labels of the files linted
    matching = labels.match(known, all_hits)
    precision = labels.precision_by_rule(matching.matched)
    default_precision = {c: p for c, p in precision.items() if c in default_codes}
    default_findings = {c: n for c, n in by_rule.items() if c in default_codes}
    total, estimate = labels.overall(default_precision, default_findings)

    # -- the body -----------------------------------------------------------------------------
    total_hits = len(all_hits)
    print(
        f"Real-world precision benchmark: {len(files)} Dockerfiles, dfanalyze defaults "
        f"({len(default_codes)} rules), {total_hits} findings"
    )
    print(
        f"\ndfanalyze findings per rule (top {args.top} of {len(by_rule)}); hadolint: its count of "
        "the codes the rule mirrors; precision: labelled"
    )
    print(f"{'code':6} {'name':34} {'findings':>8} {'share':>6} {'files':>5}  {'hadolint':18} ", end="")
    print(f"{'labels':>6} {'prec':>5}")
    for code, n in by_rule.most_common(args.top):
        rule = catalogue.get(code)
        dl = [a for a in (rule.aliases if rule else ()) if a.startswith(("DL", "SC"))]
        hl_text = (", ".join(dl) + f" {sum(hl_by_code[a] for a in dl)}") if dl and hl else ""
        p = precision.get(code, labels.Precision())
        print(
            f"{code:6} {(rule.name if rule else '?')[:34]:34} {n:8} {100 * n / total_hits:5.1f}% "
            f"{files_hit[code]:5}  {hl_text[:18]:18} {p.labelled:6} {pct(p.value):>5}"
        )
    if hl:
        hl_total = sum(hl_by_code.values())
        print(f"\nhadolint {hl.version} findings per rule (top 10 of {len(hl_by_code)}), {hl_total} findings")
        for code, n in hl_by_code.most_common(10):
            hl_files = sum(1 for rows in hl.by_blob.values() if any(r[2] == code for r in rows))
            print(f"{code:8} {n:6} {100 * n / max(hl_total, 1):5.1f}% {hl_files:5} files")
    if problems:
        print(f"\nrules that failed to run ({len(problems)}):")
        for p in problems[:10]:
            print(f"  {p}")
    if matching.stale:
        print(f"\nlabelled findings that no longer occur ({len(matching.stale)}):")
        for label in matching.stale[:10]:
            where = label.file or label.blob
            print(f"  {label.rule} line {label.line} {label.word!r} {where} [{label.verdict}]")
    off = sorted(c for c in precision if c not in default_codes)
    if off:
        print(
            "\nlabelled rules that are off by default: "
            + ", ".join(f"{c} {pct(precision[c].value)} (n={precision[c].labelled})" for c in off)
        )

    # -- the summary (the last 12 lines) ------------------------------------------------------
    hl_name = f"hadolint {hl.version}" if hl else "hadolint"
    print(f"\n== findings per file, each file alone with defaults: dfanalyze vs {hl_name} ==")
    rows = []
    for g in groups_of(files):
        hl_value = f"{per_file(g.blobs, hl_per_blob):9.1f}" if hl else f"{'-':>9}"
        rows.append((g.name, len(g.blobs), per_file(g.blobs, per_blob), hl_value))
        print(f"{g.name:29} {len(g.blobs):5} files {rows[-1][2]:9.1f} {hl_value}")
    top3 = ", ".join(f"{c} {100 * n / max(total_hits, 1):.0f}%" for c, n in by_rule.most_common(3))
    hl_top3 = ", ".join(
        f"{c} {100 * n / max(sum(hl_by_code.values()), 1):.0f}%" for c, n in hl_by_code.most_common(3)
    )
    print(f"biggest rules: dfanalyze {top3}; hadolint {hl_top3 or '-'}")
    clean = sum(1 for n in per_blob.values() if not n) / max(len(per_blob), 1)
    hl_clean = sum(1 for n in hl_per_blob.values() if not n) / max(len(hl_per_blob), 1)
    print(f"files without findings: dfanalyze {pct(clean)}, hadolint {pct(hl_clean) if hl else '-'}")
    if total.labelled:
        print(
            f"labelled precision of the defaults: {pct(total.value)} of {total.labelled} labels "
            f"({total.actionable} actionable, {total.noise} noise, {total.wrong} wrong); weighted "
            f"by findings: {pct(estimate)}"
        )
    else:
        print("labelled precision of the defaults: no labels yet (benchmarks/realworld/labels.toml)")
    ranked = sorted(default_precision, key=lambda c: (default_precision[c].value or 0.0, -by_rule[c]))
    worst = ", ".join(
        f"{c} {pct(default_precision[c].value)} (n={default_precision[c].labelled}, "
        f"{pct(by_rule[c] / max(total_hits, 1))} of findings)"
        for c in ranked[:4]
    )
    judged = [c for c in ranked if default_precision[c].labelled >= MIN_LABELS]
    below = sum(1 for c in judged if (default_precision[c].value or 0.0) < TARGET)
    print(
        f"worst labelled default rules: {worst or '-'}; with >= {MIN_LABELS} labels: "
        f"{below} of {len(judged)} under {pct(TARGET)}"
    )
    covered = sum(n for c, n in default_findings.items() if c in default_precision)
    print(
        f"labels: {len(matching.matched)} match findings ({pct(covered / max(total_hits, 1))} of "
        f"the findings are of labelled rules), {len(matching.stale)} no longer occur, "
        f"{len(matching.unlabelled)} findings unlabelled"
    )
    hl_note = "" if not hl else f"; hadolint: {hl.ran} files run, the rest cached"
    failed = f"; {len(problems)} rule failures" if problems else ""
    print(f"dfanalyze: {len(files)} files in {lint_seconds:.1f} s{hl_note}{failed}")

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "files": len(files),
                    "per_file": {
                        name: {"files": n, "dfanalyze": round(d, 2), "hadolint": float(h) if hl else None}
                        for name, n, d, h in rows
                    },
                    "rules": {
                        c: {
                            "findings": n,
                            "files": files_hit[c],
                            "default": c in default_codes,
                            **(
                                {"labelled": precision[c].labelled, "precision": precision[c].value}
                                if c in precision
                                else {}
                            ),
                        }
                        for c, n in by_rule.most_common()
                    },
                    "hadolint": {"version": hl.version, "rules": dict(hl_by_code.most_common())}
                    if hl
                    else None,
                    "labels": {
                        "matched": len(matching.matched),
                        "stale": len(matching.stale),
                        "precision": total.value,
                        "weighted": estimate,
                    },
                },
                indent=1,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
