#!/usr/bin/env python3
"""Render oracle/measurements.json as Markdown tables (stdlib only).

python3 oracle/report.py              # print the tables
python3 oracle/report.py --readme     # replace the generated part of oracle/README.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- BEGIN GENERATED RESULTS -->", "<!-- END GENERATED RESULTS -->"


def mb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e6:,.2f} MB"


def esc(s: str, width: int = 90) -> str:
    s = s.replace("|", "\\|")
    return s if len(s) <= width else s[: width - 1] + "…"


def render(doc: dict) -> str:
    out = []
    b = doc.get("base", {})
    out.append(
        f"Measured with `{doc.get('tool')}`, storage driver {doc.get('storage_driver')}, "
        f"isolation {doc.get('isolation')}; file written {doc.get('date')}. "
        f"Probe cases and scenarios: base `{b.get('ref')}` = `{(b.get('image_id') or '')[:12]}`, one layer "
        f"of {b.get('size_bytes'):,} bytes. Last full run took {doc.get('full_run_seconds')} s.\n"
    )
    out.append("### Bases\n")
    out.append("| base | image id | size | record |")
    out.append("| --- | --- | ---: | --- |")
    for ref, base in sorted(doc.get("bases", {}).items()):
        out.append(f"| {ref} | `{base['image_id'][:12]}` | {base['size_bytes']:,} | `{base['record']}` |")
    groups = [("Probe cases", None), ("Application cases (group apps)", "apps")]
    for title, group in groups:
        cases = {n: c for n, c in doc.get("cases", {}).items() if c.get("group") == group}
        out.append(f"\n### {title}: image totals\n")
        totals(cases, out, with_base=group is not None)
    up = doc.get("upstream", {}).get("buildpack-deps")
    if up:
        out.append("\n### buildpack-deps (official Dockerfiles, FROM rewritten to the local bases)\n")
        out.append(
            f"{up['repository']} at `{up['commit']}`, built {up['measured_at']} in {up['seconds']} s. "
            "The Dockerfiles are read from a snapshot at measure time and not kept here.\n"
        )
        out.append("| image | Dockerfile | FROM (rewritten) | layer added | image total | build s |")
        out.append("| --- | --- | --- | ---: | ---: | ---: |")
        for n, c in up["images"].items():
            if not c.get("ok"):
                out.append(f"| {n} | `{c['path']}` | {c['from_rewritten']} | FAILED | | |")
                continue
            out.append(
                f"| {n} | `{c['path']}` | {c['from_rewritten']} | {c['image']['added_bytes']:,} | "
                f"{c['image']['total_bytes']:,} | {c['build_seconds']} |"
            )
    render_steps(doc, out)
    return "\n".join(out) + "\n"


def totals(cases: dict, out: list[str], with_base: bool) -> None:
    out.append(
        "| case | "
        + ("base | style | " if with_base else "")
        + "image total | added over base | layers added | biggest step | its layer | wasted bytes |"
    )
    out.append(
        "| --- | " + ("--- | --- | " if with_base else "") + "---: | ---: | ---: | --- | ---: | ---: |"
    )
    for n, c in sorted(cases.items()):
        extra = f"{c.get('base_ref', '')} | {c.get('style') or ''} | " if with_base else ""
        if not c.get("ok"):
            out.append(f"| {n} | {extra}FAILED | | | {esc(str(c.get('error'))[:80])} | | |")
            continue
        steps = [s for s in c["steps"] if s["in_final_image"]]
        made = [s for s in steps if s["created_layer"]]
        big = max(made, key=lambda s: s["diff_size_bytes"], default=None)
        w = c.get("waste", {})
        out.append(
            f"| {n} | {extra}{c['image']['total_bytes']:,} | {c['image']['added_bytes']:,} | {len(made)} | "
            f"{esc(big['instruction'], 60) if big else '-'} | {big['diff_size_bytes'] if big else 0:,} | "
            f"{w.get('total_bytes', 0):,} |"
        )


def render_steps(doc: dict, out: list[str]) -> None:
    out.append("\n### Cases: every step\n")
    out.append(
        "`layer` = whether the step produced a new layer; `bytes` = its diff-size "
        "(uncompressed tar length). Steps of builder stages are listed with their stage.\n"
    )
    out.append("| case | # | stage | instruction | layer | bytes |")
    out.append("| --- | ---: | ---: | --- | --- | ---: |")
    for n, c in sorted(doc.get("cases", {}).items()):
        for s in c.get("steps", []):
            st = f"{s['stage']}" + (f" ({s['stage_name']})" if s.get("stage_name") else "")
            out.append(
                f"| {n} | {s['index']} | {st} | {esc(s['instruction'])} | "
                f"{'yes' if s['created_layer'] else 'no'} | {s['diff_size_bytes']:,} |"
            )
    out.append("\n### Wasted bytes (files added in one layer, deleted/overwritten/hidden in a later one)\n")
    out.append("| case | path | bytes | added by step | removed by step | how |")
    out.append("| --- | --- | ---: | ---: | ---: | --- |")
    for n, c in sorted(doc.get("cases", {}).items()):
        w = c.get("waste") or {}
        for i in w.get("items", [])[:5]:
            out.append(
                f"| {n} | `{esc(i['path'], 60)}` | {i['bytes']:,} | "
                f"{i['added_by_step'] if i['added_by_step'] is not None else 'base'} | "
                f"{i['removed_by_step']} | {i['how']} |"
            )
        if w.get("item_count", 0) > 5:
            out.append(f"| {n} | … {w['item_count'] - 5} more files | total {w['total_bytes']:,} | | | |")
    out.append("\n### Cache scenarios\n")
    out.append(
        "`rebuilt` = steps that did NOT print `--> Using cache` on the rebuild after the change "
        "(FROM steps are never marked). The control rebuild (no change) must be fully cached.\n"
    )
    out.append("| scenario | change | control all cached | rebuilt steps | cached steps |")
    out.append("| --- | --- | --- | --- | --- |")
    for n, s in sorted(doc.get("scenarios", {}).items()):
        if not s.get("ok"):
            out.append(f"| {n} | | FAILED | {esc(str(s.get('error'))[:80])} | |")
            continue
        ch = s["change"]
        chs = ch["kind"] + (" " + ch["path"] if "path" in ch else "")
        if ch["kind"] == "build_args":
            chs += f" {s['build_args_before']} → {s['build_args_after']}"
        if ch["kind"] == "multi":
            chs = "; ".join(c["kind"] + " " + c.get("path", "") for c in ch["changes"])
        reb = [f"{r['index']}: {esc(r['instruction'], 45)}" for r in s["rebuild"] if r["cached"] is False]
        cac = [str(r["index"]) for r in s["rebuild"] if r["cached"] is True]
        out.append(
            f"| {n} | {esc(chs, 60)} | {s.get('control_all_cached')} | "
            f"{'<br>'.join(reb) or 'none'} | {', '.join(cac) or 'none'} |"
        )


def main() -> int:
    doc = json.loads((HERE / "measurements.json").read_text())
    text = render(doc)
    if "--readme" in sys.argv:
        p = HERE / "README.md"
        r = p.read_text()
        a, b = r.index(BEGIN) + len(BEGIN), r.index(END)
        p.write_text(r[:a] + "\n" + text + r[b:])
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
