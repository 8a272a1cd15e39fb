"""How wide the image size ranges of ``dfanalyze layers`` are on the real-world set.

    python benchmarks/size_ranges.py [--set official|apps] [--json OUT] [--context CACHE]

Every file of ``benchmarks/realworld/manifest.toml`` (read from the repository snapshots, see
``benchmarks/realworld/corpus.py``) is modelled alone, without its build context, as a user
running ``dfanalyze layers`` on it would see it with no context folder. With ``--context``, each
file's repository is checked out at its commit under CACHE (``git archive`` from the snapshot,
kept for the next run) and the file is modelled with a build context, as a user in that
repository sees it: the Dockerfile's folder, or the repository's top when some COPY source is
missing from the folder and the top has fewer missing (a file whose repository cannot be
checked out is modelled alone). For the final image of
each: the point estimate and the range; the range is "within +-50%" when ``low >= 0.5 * point``
and ``high <= 1.5 * point``. Also counted: the images whose size is exact, and the kinds of
command whose spreads make most of the ranges (the step with the largest share, per image).

Calibration check: the files of the official images whose size repo-info gives (a tag of the
file's ``tags`` with an uncompressed size in the base-image data): how often that size is inside
the range (the range is the 10th-90th percentile: about 80% when the spreads are right) and the
median error of the point estimate. In-sample: the spreads were calibrated on these images' layers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # this checkout's dfanalyze before any installed one

from realworld import corpus  # noqa: E402 (the paths above first)

from dfanalyze.api import layers, parse  # noqa: E402
from dfanalyze.knowledge.image_facts import lookup  # noqa: E402
from dfanalyze.layers.graph import LayerGraph, TargetError  # noqa: E402
from dfanalyze.layers.ranges import command_kind  # noqa: E402

WITHIN = 0.5


def known_size(tags: Sequence[str]) -> int | None:
    """The uncompressed size repo-info gives for the first of ``tags`` (``image:tag``) it knows."""
    for tag in tags:
        facts = lookup(tag)
        if facts is not None and facts.uncompressed_bytes is not None:
            return facts.uncompressed_bytes
    return None


MISSING = "nothing in the context matches"


def model(file: corpus.RealFile, content: bytes, cache: Path | None) -> LayerGraph:
    """The layer graph of ``file`` alone, or with a context from its repository (see above)."""
    dockerfile = parse(content, file.name)
    tree = corpus.checkout(file, cache) if cache is not None else None
    if tree is None:
        return layers(dockerfile)
    best: tuple[int, LayerGraph] | None = None
    for folder in dict.fromkeys([(tree / file.path).parent, tree]):
        graph = layers(dockerfile, context_dir=folder)
        missing = sum(MISSING in part for step in graph.steps for part in step.unknown_parts)
        if best is None or missing < best[0]:
            best = (missing, graph)
        if missing == 0:
            break
    assert best is not None
    return best[1]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--set", choices=corpus.SETS, help="only this part of the set")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--context", type=Path, metavar="CACHE", help="model each file with its repository")
    args = ap.parse_args(argv)
    loaded = corpus.load_set(args.set)
    if loaded is None:
        return 2
    files, contents = loaded
    within = exact = total = inside = checked = 0
    widths: list[float] = []
    errors: list[float] = []
    dominant: Counter[str] = Counter()
    for f in files:
        try:
            graph = model(f, contents[f.blob], args.context)
        except TargetError:
            continue
        image = graph.image
        total += 1
        actual = known_size(f.tags)
        if actual is not None:
            checked += 1
            inside += image.low_bytes <= actual <= image.high_bytes
            errors.append(abs(image.estimated_bytes - actual) / actual)
        if image.estimated_bytes == 0:
            widths.append(0.0)
            exact += 1
            within += 1
            continue
        exact += image.size.exact
        ok = image.low_bytes >= (1 - WITHIN) * image.estimated_bytes
        ok = ok and image.high_bytes <= (1 + WITHIN) * image.estimated_bytes
        within += ok
        widths.append((image.high_bytes - image.low_bytes) / 2 / image.estimated_bytes)
        if image.uncertainty:
            step = graph.steps[image.uncertainty[0].index]
            kind = "base image" if step.instruction.kind == "FROM" else command_kind(step.instruction.text)
            dominant[kind] += 1
    figures = {
        "images": total,
        "within_50_percent": within,
        "within_share": round(within / total, 4),
        "exact": exact,
        "median_half_width": round(statistics.median(widths), 4),
        "dominant_kind": dict(dominant.most_common()),
        "official_checked": checked,
        "official_inside_range": inside,
        "official_median_error": round(statistics.median(errors), 4) if errors else None,
    }
    where = "with its repository as the build context" if args.context else "no build context"
    print(f"{total} images (final stage of each file, {where})")
    print(f"range within +-50% of the estimate: {within}/{total} = {100 * within / total:.1f}%")
    print(f"exact (nothing unknown): {exact}/{total} = {100 * exact / total:.1f}%")
    print(f"median half-width of the range: {100 * figures['median_half_width']:.1f}% of the estimate")
    if checked:
        error = 100 * statistics.median(errors)
        print(
            f"official images whose size repo-info gives: inside the range {inside}/{checked} = "
            f"{100 * inside / checked:.1f}%, median error of the estimate {error:.1f}%"
        )
    print("the step that makes most of an image's range, by kind:")
    for kind, count in dominant.most_common():
        print(f"  {count:5}  {kind}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
