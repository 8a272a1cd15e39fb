"""``dfanalyze layers`` output: a table (rich), JSON (a public interface), DOT and Mermaid.

JSON::

    {"image": {"estimated_bytes": int, "low_bytes": int, "high_bytes": int,
               "compressed_bytes": int, "known_bytes": int, "unknown_parts": [str],
               "uncertainty": [{"step": int, "share": float}], "data_as_of": str,
               "efficiency": float, "wasted_bytes": int, "reclaimable_bytes": int,
               "waste_complete": bool, "target": str, "unreachable_stages": [str],
               "builder": str},
     "steps": [{"index": int, "stage": str|null, "stage_index": int, "line": int,
                "instruction": str, "creates_layer": bool, "estimated_bytes": int,
                "low_bytes": int, "high_bytes": int, "compressed_bytes": int,
                "range_from": [str], "known_bytes": int, "unknown_parts": [str],
                "cumulative_bytes": int|null, "in_image": bool, "built": bool,
                "wasted_bytes": int, "cache_inputs": [str], "rebuilds": bool|null}]}

Sizes are bytes on disk, uncompressed; ``compressed_bytes`` is the pull size. ``estimated_bytes`` is
the point estimate of a step (a FROM step's is its base image's size) in the range ``low_bytes`` to
``high_bytes``, which are equal to it when nothing is unknown; ``known_bytes`` is the part known
exactly, ``unknown_parts`` lists the rest and ``range_from`` says what each spread is made of (see
:mod:`dfanalyze.layers.ranges`). The image's range adds its steps' spreads in quadrature;
``uncertainty`` names the steps that make it, with their share. ``data_as_of`` is the day the base
image's size was read. ``built`` is false for the steps of stages the target does
not need. A step's ``wasted_bytes`` are the bytes its layer stores
that a later step deletes or replaces; ``image.wasted_bytes`` is dive's measure (every copy of a
path held by two layers or more). ``rebuilds`` is null for steps that only edit the image
configuration, for stages the target does not build, and where the answer depends on content
that is only known after a build.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from dfanalyze.layers.graph import LayerGraph, Step

FORMATS = ("table", "json", "dot", "mermaid")
_MAX_TEXT = 60


def human(size: int | None) -> str:
    """``1234567`` as ``1.23 MB`` (SI units, as docker prints sizes); None as ``?``."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1000
    return f"{value:.2f} GB"


def _stage_label(graph: LayerGraph, index: int) -> str:
    return graph.dockerfile.stages[index].label


def to_json(graph: LayerGraph) -> dict[str, Any]:
    image = graph.image
    return {
        "image": {
            "estimated_bytes": image.estimated_bytes,
            "low_bytes": image.low_bytes,
            "high_bytes": image.high_bytes,
            "compressed_bytes": image.compressed_bytes,
            "known_bytes": image.known_bytes,
            "unknown_parts": list(image.unknown_parts),
            "uncertainty": [
                {"step": share.index, "share": round(share.share, 4)} for share in image.uncertainty
            ],
            "data_as_of": image.data_as_of,
            "efficiency": round(image.efficiency, 4),
            "wasted_bytes": image.wasted_bytes,
            "reclaimable_bytes": image.reclaimable_bytes,
            "waste_complete": image.waste_complete,
            "target": _stage_label(graph, graph.target),
            "unreachable_stages": [_stage_label(graph, i) for i in graph.unreachable_stages],
            "builder": graph.profile.name,
        },
        "steps": [_step_json(step) for step in graph.steps],
    }


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "index": step.index,
        "stage": step.stage_name,
        "stage_index": step.stage,
        "line": step.line,
        "instruction": step.text,
        "creates_layer": step.creates_layer,
        "estimated_bytes": step.estimated_bytes,
        "low_bytes": step.low_bytes,
        "high_bytes": step.high_bytes,
        "compressed_bytes": step.compressed_bytes,
        "range_from": list(step.size.basis),
        "known_bytes": step.known_bytes,
        "unknown_parts": list(step.unknown_parts),
        "cumulative_bytes": step.cumulative_bytes,
        "in_image": step.in_image,
        "built": step.reachable,
        "wasted_bytes": step.wasted_bytes,
        "cache_inputs": list(step.cache_inputs),
        "rebuilds": step.rebuilds,
    }


def invalidated_by(step: Step) -> str:
    """What makes the step run again, in a few words."""
    kind = step.instruction.kind
    if kind == "FROM":
        return "the base image"
    if not step.cache_inputs:
        return "nothing (image configuration only)" if step.reachable else "not built"
    if kind == "RUN":
        names = [i.split(" ", 1)[1] for i in step.cache_inputs if i.startswith("ARG/ENV ")]
        mounts = [i for i in step.cache_inputs if i.startswith("bind mount")]
        parts = ["command, user, workdir"]
        if names:
            parts.append("ARG/ENV " + ", ".join(names[:4]) + (" ..." if len(names) > 4 else ""))
        return "; ".join(parts + mounts)
    inputs = [i for i in step.cache_inputs if i not in ("sources and destination", "flags")]
    return "; ".join(inputs) or "sources, destination and flags"


def _text(step: Step) -> str:
    text = step.text
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _size(step: Step) -> str:
    if step.instruction.kind != "FROM" and not step.creates_layer:
        return "-"
    if step.size.exact:
        return human(step.estimated_bytes)
    return f"~{human(step.estimated_bytes)}"


def size_range(low: int, high: int) -> str:
    """``12.3 MB-45.6 MB``."""
    return f"{human(low)}-{human(high)}"


WIDE = 120
"""Narrower than this, the table leaves out "invalidated by" and keeps each instruction on one line."""
NARROW = 100
"""Narrower than this, it leaves out "cumulative" too (the summary gives the image's size)."""


def table_width(out: TextIO, environ: Mapping[str, str]) -> int:
    """The width of the table: ``COLUMNS``, else the terminal's, else 140 (a file or a pipe)."""
    import os

    try:
        return max(int(environ["COLUMNS"]), 40)
    except (KeyError, ValueError):
        pass
    try:
        if out.isatty():
            return max(os.get_terminal_size(out.fileno()).columns, 40)
    except (OSError, ValueError, AttributeError):
        pass
    return 140


def render_table(graph: LayerGraph, out: TextIO, *, color: bool = False, width: int = 140) -> None:
    """The steps as a table ``width`` columns wide: narrower than :data:`WIDE`, without "invalidated
    by" and one line per step (instructions cut to fit), narrower than :data:`NARROW` without
    "cumulative" either."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)
    table = Table(title=f"{graph.dockerfile.path}: target stage {_stage_label(graph, graph.target)}")
    columns: list[tuple[str, Callable[[Step], str]]] = [
        ("#", lambda step: str(step.index)),
        ("stage", lambda step: _stage_label(graph, step.stage)),
        ("instruction", _text),
        ("size", _size),
    ]
    if width >= NARROW:
        columns.append(("cumulative", _cumulative))
    if width >= WIDE:
        columns.append(("invalidated by", invalidated_by))
    columns.append(("wasted", lambda step: human(step.wasted_bytes) if step.wasted_bytes else ""))
    if graph.changes.any:
        columns.append(("rebuilds", _rebuild_mark))
    rows = [[cell(step) for _, cell in columns] for step in graph.steps]
    if width >= WIDE:
        for name, _ in columns:
            wraps = name in ("instruction", "invalidated by")
            justify = "center" if name == "rebuilds" else "left" if wraps or name == "stage" else "right"
            table.add_column(name, justify=justify, no_wrap=not wraps)  # type: ignore[arg-type]
    else:
        fixed = {
            i: min(max(len(name), *(len(row[i]) for row in rows)), 12 if name == "stage" else 1000)
            for i, (name, _) in enumerate(columns)
            if name != "instruction"
        }
        rest = width - sum(fixed.values()) - 3 * len(columns) - 1  # padding and borders
        for i, (name, _) in enumerate(columns):
            if name == "instruction":
                table.add_column(name, no_wrap=True, overflow="ellipsis", width=max(rest, 12))
            else:
                justify = "center" if name == "rebuilds" else "left" if name == "stage" else "right"
                table.add_column(name, justify=justify, no_wrap=True, overflow="ellipsis", width=fixed[i])  # type: ignore[arg-type]
    for step, row in zip(graph.steps, rows, strict=True):
        table.add_row(*row, style=None if step.in_image else "dim")
    console.print(table)
    for line in summary(graph):
        console.print(line, markup=False, soft_wrap=True)  # the terminal wraps it, not rich


def _cumulative(step: Step) -> str:
    return human(step.cumulative_bytes) if step.cumulative_bytes is not None else ""


def _rebuild_mark(step: Step) -> str:
    if step.rebuilds is not None:
        return "yes" if step.rebuilds else "cached"
    return "?" if step.cache_vertex and step.reachable else "-"


def summary(graph: LayerGraph) -> list[str]:
    image = graph.image
    lines = []
    size = f"Estimated image size: {human(image.estimated_bytes)}"
    if not image.size.exact:
        size += f" (range {size_range(image.low_bytes, image.high_bytes)})"
    size += f", {human(image.compressed_bytes)} compressed; sizes as of {image.data_as_of}"
    lines.append(size)
    if image.uncertainty:
        steps = {step.index: step for step in graph.steps}
        lines.append("Most of the range comes from:")
        for share in image.uncertainty[:3]:
            step = steps[share.index]
            lines.append(
                f"  - #{step.index} {_text(step)}: {size_range(step.low_bytes, step.high_bytes)} "
                f"({share.share:.0%} of the spread)"
            )
    if image.unknown_parts:
        lines.append("Unknown, estimated from the official images' sizes and layers:")
        lines.extend(f"  - {part}" for part in image.unknown_parts)
    sized = [s for s in graph.image_steps if s.creates_layer or s.base is not None]
    unsized = sum(1 for s in sized if s.unknown_parts)
    # The wasted column sums to the reclaimable bytes; dive's "wasted" counts every copy of a path.
    if unsized:  # the efficiency is a share of the image's size: not known without all of it
        dive = human(image.wasted_bytes)
        lines.append(
            f"Efficiency not known ({unsized} of {len(sized)} layers of unknown size); wasted at least "
            f"{human(image.reclaimable_bytes)} (the wasted column; dive counts at least {dive})"
        )
    else:
        note = "" if image.waste_complete else " (sizes partly unknown)"
        lines.append(
            f"Efficiency {image.efficiency:.1%}, wasted {human(image.reclaimable_bytes)} "
            f"(the wasted column; dive counts {human(image.wasted_bytes)}){note}"
        )
    if graph.unreachable_stages:
        names = ", ".join(_stage_label(graph, i) for i in graph.unreachable_stages)
        lines.append(f"Not built for this target: stage {names}")
    if graph.changes.any:
        rebuilt = [s for s in graph.steps if s.rebuilds]
        unknown = [s for s in graph.steps if s.rebuilds is None and s.cache_vertex and s.reachable]
        lines.append(
            f"Rebuilds {len(rebuilt)} step{'s' if len(rebuilt) != 1 else ''}"
            + (
                f"; {len(unknown)} depend on build output that is only known after the build"
                if unknown
                else ""
            )
        )
    return lines


# --- graphs -----------------------------------------------------------------------------------------


def _collapsed_edges(graph: LayerGraph) -> list[tuple[str, str, str]]:
    """The graph's edges, with the context files each step reads merged into one node."""
    g = graph.graph
    edges = []
    for source, target, data in g.edges(data=True):
        kind = data.get("kind", "")
        if kind == "contains" or source.startswith("context:"):
            continue
        edges.append((source, target, kind))
    for node in g.nodes:
        readers = list(g.successors(node)) if str(node).startswith("context:") else []
        for reader in readers:
            edges.append((f"context-of:{reader}", reader, "reads"))
    return sorted(set(edges))


def _context_label(graph: LayerGraph, reader: str) -> str:
    files = [n for n in graph.graph.predecessors(reader) if str(n).startswith("context:")]
    total = sum(graph.graph.nodes[n].get("size", 0) for n in files)
    return f"context: {len(files)} file{'s' if len(files) != 1 else ''} ({human(total)})"


def _label(graph: LayerGraph, node: str) -> str:
    if node.startswith("step:"):
        step: Step = graph.graph.nodes[node]["step"]
        size = _size(step)
        label = f"#{step.index} {_text(step)}" + (f"\n{size}" if size != "-" else "")
        mark = _REBUILD_LABELS.get(_rebuild_mark(step)) if graph.changes.any else None
        return label + (f"\n{mark}" if mark else "")
    if node.startswith("context-of:"):
        return _context_label(graph, node.removeprefix("context-of:"))
    if node == "result":
        image = graph.image
        return f"image\n{human(image.estimated_bytes)}" + (
            "" if image.size.exact else f"\n{size_range(image.low_bytes, image.high_bytes)}"
        )
    return node


_REBUILD_LABELS = {"yes": "rebuilds", "cached": "cached", "?": "rebuilds? (known after the build)"}
_REBUILD_COLORS = {"yes": "#f4c7c3", "cached": "#d9ead3", "?": "#fff2cc"}
"""The fill of a step node by what the changes do to it (red: rebuilt, green: cached, yellow: unknown)."""


def _rebuild_class(graph: LayerGraph, step: Step) -> str | None:
    """``yes``, ``cached`` or ``?`` when the graph has changes and the step is a cache vertex."""
    mark = _rebuild_mark(step) if graph.changes.any else None
    return mark if mark in _REBUILD_COLORS else None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(graph: LayerGraph, out: TextIO) -> None:
    lines = ["digraph layers {", "  rankdir=TB;", '  node [shape=box, fontname="monospace"];']
    for stage in graph.dockerfile.stages:
        style = "" if stage.index not in graph.unreachable_stages else " style=dashed;"
        lines.append(f"  subgraph cluster_{stage.index} {{ label={_quote('stage ' + stage.label)};{style}")
        for step in graph.steps:
            if step.stage == stage.index:
                node = f"step:{step.index}"
                shape = "box" if step.creates_layer else "note"
                mark = _rebuild_class(graph, step)
                fill = f", style=filled, fillcolor={_quote(_REBUILD_COLORS[mark])}" if mark else ""
                lines.append(
                    f"    {_quote(node)} [label={_quote(_label(graph, node))}, shape={shape}{fill}];"
                )
        lines.append("  }")
    nodes = {n for edge in _collapsed_edges(graph) for n in edge[:2] if not n.startswith("step:")}
    for node in sorted(nodes):
        lines.append(f"  {_quote(node)} [label={_quote(_label(graph, node))}, shape=ellipse];")
    for source, target, kind in _collapsed_edges(graph):
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(kind)}];")
    lines.append("}")
    out.write("\n".join(lines) + "\n")


def render_mermaid(graph: LayerGraph, out: TextIO) -> None:
    ids: dict[str, str] = {}

    def ident(node: str) -> str:
        return ids.setdefault(node, f"n{len(ids)}")

    def text(node: str) -> str:
        return _label(graph, node).replace('"', "#quot;").replace("\n", "<br/>")

    lines = ["flowchart TD"]
    for stage in graph.dockerfile.stages:
        lines.append(f'  subgraph stage{stage.index}["stage {stage.label}"]')
        for step in graph.steps:
            if step.stage == stage.index:
                node = f"step:{step.index}"
                lines.append(f'    {ident(node)}["{text(node)}"]')
        lines.append("  end")
    edges = _collapsed_edges(graph)
    for node in sorted({n for edge in edges for n in edge[:2] if not n.startswith("step:")}):
        lines.append(f'  {ident(node)}(["{text(node)}"])')
    for source, target, kind in edges:
        lines.append(f"  {ident(source)} -->|{kind}| {ident(target)}")
    marked: dict[str, list[str]] = {}
    for step in graph.steps:
        mark = _rebuild_class(graph, step)
        if mark is not None:
            marked.setdefault(mark, []).append(ident(f"step:{step.index}"))
    for mark, names in marked.items():
        css = {"yes": "rebuilds", "cached": "cached", "?": "unknown"}[mark]
        lines.append(f"  classDef {css} fill:{_REBUILD_COLORS[mark]}")
        lines.append(f"  class {','.join(names)} {css}")
    out.write("\n".join(lines) + "\n")


def render(
    graph: LayerGraph, output_format: str, out: TextIO, *, color: bool = False, width: int = 140
) -> None:
    if output_format == "json":
        out.write(json.dumps(to_json(graph), indent=2, ensure_ascii=False) + "\n")
    elif output_format == "dot":
        render_dot(graph, out)
    elif output_format == "mermaid":
        render_mermaid(graph, out)
    else:
        render_table(graph, out, color=color, width=width)
