"""Precision on real Dockerfiles: dfanalyze's defaults beside hadolint's, and the hand labels.

    .venv/bin/python benchmarks/precision.py [--set official|apps] [--top 25] [--refresh-hadolint]
                                             [--no-hadolint] [--workers N] [--json PATH]

The set is ``benchmarks/realworld/manifest.toml``: the Dockerfiles of the Docker official images
(the library files' references) and of ~80 application repositories, read from the repository
snapshots (``benchmarks/realworld/corpus.py`` says which to fetch when one is missing). Each file
is linted alone, as a new user would lint it: no configuration, no build context
(``realworld/lint.py``). dfanalyze runs every rule (ShellCheck's DF599 aside), so that opt-in rules
keep their measured precision; the figures for users are those of the default set, a subset;
hadolint runs with its defaults, from the cached measurement ``realworld/hadolint.json``
(``--refresh-hadolint`` runs it again).

It prints the findings per rule (on by default or not, count, share of the default findings, files
hit, the hadolint codes the rule mirrors and hadolint's count of them, and the labelled precision),
hadolint's own top rules, the labels that no longer match a finding, the labelled precision of
each default rule, and last a summary of at most 12 lines: default findings per file per set for
both tools, the ``--select hadolint`` preset beside hadolint's own DL findings, the labelled
precision of the default rules (as labelled, and weighted by each rule's share of the findings),
issue 12's criteria (default findings per official file no more than hadolint's; precision at
least 90% overall and for each default rule with at least 10 labels), and how much is labelled.
Labels live in ``realworld/labels.toml`` (format: ``realworld/labels.py``); ``realworld/sample.py``
draws the next findings to label.
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
from realworld.lint import Hit, default_codes, full_linter, lint_all  # noqa: E402

from dfanalyze.engine.presets import HADOLINT, in_preset  # noqa: E402
from dfanalyze.engine.rulefile import Rule  # noqa: E402

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


def hadolint_preset(registry_rules: Mapping[str, Rule]) -> frozenset[str]:
    """The rules of ``--select hadolint`` (ShellCheck's DF599 is not run here)."""
    return frozenset(c for c, r in registry_rules.items() if in_preset(r, HADOLINT))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=corpus.SETS, help="only this part of the set")
    ap.add_argument("--top", type=int, default=30, help="rules in the per-rule table (default 30)")
    ap.add_argument("--refresh-hadolint", action="store_true", help="run hadolint on every file again")
    ap.add_argument("--no-hadolint", action="store_true", help="leave hadolint out")
    ap.add_argument("--workers", type=int, help="processes linting (default: the usable CPUs)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    loaded = corpus.load_set(args.set)
    if loaded is None:
        return 2
    files, contents = loaded
    start = time.perf_counter()
    linter = full_linter()
    hits, problems = lint_all([(f.blob, f.path, contents[f.blob]) for f in files], linter, args.workers)
    lint_seconds = time.perf_counter() - start
    on = default_codes()
    catalogue = linter.registry.rules
    preset = hadolint_preset(catalogue)

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

    every_hit = [h for found in hits.values() for h in found]
    all_hits = [h for h in every_hit if h.code in on]  # what a user sees with the defaults
    by_rule = Counter(h.code for h in every_hit)
    files_hit = {code: len({h.blob for h in every_hit if h.code == code}) for code in by_rule}
    per_blob = {b: sum(h.code in on for h in found) for b, found in hits.items()}
    preset_per_blob = {b: sum(h.code in preset for h in found) for b, found in hits.items()}
    hl_per_blob = {b: len(rows) for b, rows in (hl.by_blob if hl else {}).items()}
    hl_dl_per_blob = {
        b: sum(str(r[2]).startswith("DL") for r in rows) for b, rows in (hl.by_blob if hl else {}).items()
    }
    hl_by_code: Counter[str] = Counter(
        str(row[2]) for rows in (hl.by_blob if hl else {}).values() for row in rows
    )

    known = [lab for lab in labels.load() if lab.blob in hits]  # the labels of the files linted
    matching = labels.match(known, every_hit)
    precision = labels.precision_by_rule(matching.matched)
    default_precision = {c: p for c, p in precision.items() if c in on}
    default_findings = {c: n for c, n in by_rule.items() if c in on}
    total, estimate = labels.overall(default_precision, default_findings)

    # -- the body -----------------------------------------------------------------------------
    total_hits = len(all_hits)
    print(
        f"Real-world precision benchmark: {len(files)} Dockerfiles, every rule run "
        f"({len(linter.plan.codes)}; ShellCheck's DF599 left out), {len(on)} on by default: "
        f"{total_hits} default findings of {len(every_hit)}"
    )
    print(
        f"\nfindings per rule (top {args.top} of {len(by_rule)}); on: on by default; share: of the "
        "default findings; hadolint: its count of the codes the rule mirrors; precision: labelled"
    )
    print(
        f"{'code':6} {'name':34} {'on':2} {'findings':>8} {'share':>6} {'files':>5}  {'hadolint':18} ", end=""
    )
    print(f"{'labels':>6} {'prec':>5}")
    for code, n in by_rule.most_common(args.top):
        rule = catalogue.get(code)
        dl = [a for a in (rule.aliases if rule else ()) if a.startswith(("DL", "SC"))]
        hl_text = (", ".join(dl) + f" {sum(hl_by_code[a] for a in dl)}") if dl and hl else ""
        p = precision.get(code, labels.Precision())
        share = f"{100 * n / max(total_hits, 1):5.1f}%" if code in on else f"{'-':>6}"
        print(
            f"{code:6} {(rule.name if rule else '?')[:34]:34} {'on' if code in on else '':2} {n:8} {share} "
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
        for problem in problems[:10]:
            print(f"  {problem}")
    if matching.stale:
        print(f"\nlabelled findings that no longer occur ({len(matching.stale)}):")
        for label in matching.stale[:10]:
            where = label.file or label.blob
            print(f"  {label.rule} line {label.line} {label.word!r} {where} [{label.verdict}]")
    print(
        f"\nlabelled precision of the default rules (>= {pct(TARGET)} wanted where >= {MIN_LABELS} labels):"
    )
    for code in sorted(default_precision, key=lambda c: (-default_precision[c].labelled, c)):
        p = default_precision[code]
        flag = "  below target" if p.labelled >= MIN_LABELS and (p.value or 0.0) < TARGET else ""
        print(f"  {code} {pct(p.value):>5} of {p.labelled:3} ({p.actionable} actionable){flag}")
    off = sorted(c for c in precision if c not in on)
    if off:
        print(
            "labelled rules that are off by default: "
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
    everything = [f.blob for f in files]
    hl_dl = f"{per_file(everything, hl_dl_per_blob):.1f}" if hl else "-"
    print(
        f"--select hadolint (without ShellCheck): {per_file(everything, preset_per_blob):.1f} per file; "
        f"hadolint's DL codes: {hl_dl}"
    )
    top3 = ", ".join(f"{c} {100 * n / max(total_hits, 1):.0f}%" for c, n in default_findings_top(all_hits))
    hl_top3 = ", ".join(
        f"{c} {100 * n / max(sum(hl_by_code.values()), 1):.0f}%" for c, n in hl_by_code.most_common(3)
    )
    print(f"biggest rules: dfanalyze {top3 or '-'}; hadolint {hl_top3 or '-'}")
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
    judged = [c for c in default_precision if default_precision[c].labelled >= MIN_LABELS]
    below = sorted(c for c in judged if (default_precision[c].value or 0.0) < TARGET)
    official = next((r for r in rows if r[0] == "official"), None)
    fewer = official is not None and hl is not None and official[2] <= float(official[3])
    print(
        f"issue 12: default findings per official file <= hadolint's: {'yes' if fewer else 'no'}; "
        f"precision >= {pct(TARGET)}: {'yes' if (total.value or 0.0) >= TARGET else 'no'}; default rules "
        f"with >= {MIN_LABELS} labels under {pct(TARGET)}: {', '.join(below) or 'none'} "
        f"({len(judged)} judged)"
    )
    covered = sum(n for c, n in default_findings.items() if c in default_precision)
    print(
        f"labels: {len(matching.matched)} match findings ({pct(covered / max(total_hits, 1))} of "
        f"the default findings are of labelled rules), {len(matching.stale)} no longer occur, "
        f"{sum(h.code in on for h in matching.unlabelled)} default findings unlabelled"
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
                            "default": c in on,
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


def default_findings_top(hits: Sequence[Hit]) -> list[tuple[str, int]]:
    return Counter(h.code for h in hits).most_common(3)


if __name__ == "__main__":
    sys.exit(main())
