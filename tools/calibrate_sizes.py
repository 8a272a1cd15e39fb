"""Make ``dfanalyze/layers/data/size-ranges.json``: the spreads that widen a size estimate.

    python -m tools.calibrate_sizes           # write the data file
    python -m tools.calibrate_sizes --check   # exit 1 when the committed file is stale

Everything comes from the official images' facts that repo-info gives
(``dfanalyze/knowledge/data/base-images.json.gz``, made by ``tools/make_base_images.py``); the
percentiles are the 10th, 50th and 90th, interpolated linearly between the sorted values.

* ``compression``: uncompressed / compressed size of every library entry with both a local (amd64
  "Virtual Size") and an amd64 remote ("Total Size") fact. The two may be of different builds of
  the entry (repo-info refreshes them apart); a rebuild changes the size by far less than the
  ratio varies between images.
* ``layers``: the uncompressed size of the official images' layers by kind of command
  (:func:`dfanalyze.layers.ranges.command_kind`), each distinct instruction once (the median of
  its amd64 layers: the same instruction is built for many tags), its compressed size times the
  median ratio above. A kind with fewer than ``MIN_LAYERS`` distinct layers has no entry of its
  own and takes ``any``, the spread of every layer.
* ``per_package``: for the package kinds (apt, apk, rpm), the bytes per package of the layers of
  that kind whose instruction only installs packages and names every one of them
  (:func:`dfanalyze.layers.ranges.installs_only`: no variable, no download or build, not cut),
  with at least ``MIN_LAYERS`` such layers.
* ``nearest``: every entry with an uncompressed size estimated from its nearest other entry of the
  same image (:func:`dfanalyze.knowledge.image_facts.closest_tag` with the entry's aliases left
  out; the one its first tag finds), as actual / estimated, by how the two tags differ.
* ``images``: the uncompressed size of every entry, for a base image the data does not know.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dfanalyze.knowledge.image_facts import DATA_FILE as FACTS
from dfanalyze.knowledge.image_facts import closest_tag, tag_parts
from dfanalyze.layers.ranges import ANY_KIND, DATA, FORMAT, PACKAGE_KINDS, command_kind, installs_only

ROOT = Path(__file__).resolve().parent.parent
PERCENTILES = (10, 50, 90)
MIN_LAYERS = 5
ARCH = "amd64"


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile of ``values``, linear between the two nearest sorted values."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * pct / 100
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def spread(values: Sequence[float], digits: int) -> dict[str, Any]:
    low, mid, high = (round(percentile(values, pct), digits) for pct in PERCENTILES)
    return {"low": low, "mid": mid, "high": high, "samples": len(values)}


def _entries(facts: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for name, image in facts["images"].items():
        for entry in image["entries"]:
            yield name, entry


def compression_ratios(facts: Mapping[str, Any]) -> list[float]:
    return [
        entry["local"]["uncompressed_bytes"] / entry["remote"][ARCH]["compressed_bytes"]
        for _, entry in _entries(facts)
        if entry["local"] is not None and ARCH in entry["remote"]
    ]


def distinct_layers(facts: Mapping[str, Any], ratio: float) -> dict[str, float]:
    """Uncompressed bytes of each distinct amd64 layer instruction (the median of its layers)."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for _, entry in _entries(facts):
        for size, text in entry["remote"].get(ARCH, {}).get("layers", ()):
            by_text[text.removesuffix(" # buildkit").strip()].append(size)
    return {text: percentile(sizes, 50) * ratio for text, sizes in by_text.items()}


def layer_sizes(layers: Mapping[str, float]) -> dict[str, list[float]]:
    """The layers' sizes by kind, and all of them as ``any``."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    for text, size in layers.items():
        by_kind[command_kind(text)].append(size)
        by_kind[ANY_KIND].append(size)
    return by_kind


def package_sizes(layers: Mapping[str, float]) -> dict[str, list[float]]:
    """Bytes per package named, of the package layers that only install the packages they all
    name, by kind."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    for text, size in layers.items():
        kind, count = command_kind(text), installs_only(text)
        if kind in PACKAGE_KINDS and count is not None:
            by_kind[kind].append(size / count)
    return by_kind


def others_entry(entries: Sequence[Any], others: Mapping[str, int]) -> Any:
    """``entry_of`` for :func:`closest_tag`: the entry of an alias among ``others``."""
    return lambda alias: entries[others[alias]]


def nearest_ratios(facts: Mapping[str, Any]) -> dict[str, list[float]]:
    """Actual / estimated uncompressed size of every entry estimated from its nearest other entry."""
    found: dict[str, list[float]] = defaultdict(list)
    for name, image in facts["images"].items():
        entries = image["entries"]
        for index, entry in enumerate(entries):
            if entry["local"] is None:
                continue
            others = {alias: at for alias, at in image["tags"].items() if at != index}
            sized = [alias for alias in others if entries[others[alias]]["local"] is not None]
            match = closest_tag(name, tag_parts(name, entry["tags"][0]), sized, others_entry(entries, others))
            if match is None:
                continue
            alias, differs = match
            estimate = entries[others[alias]]["local"]["uncompressed_bytes"]
            found[differs].append(entry["local"]["uncompressed_bytes"] / estimate)
    return found


def build(facts: Mapping[str, Any]) -> dict[str, Any]:
    ratios = compression_ratios(facts)
    ratio = percentile(ratios, 50)
    distinct = distinct_layers(facts, ratio)
    layers = layer_sizes(distinct)
    per_package = package_sizes(distinct)
    read = max(entry["read"] for _, entry in _entries(facts))
    return {
        "format": FORMAT,
        "generated_by": "python -m tools.calibrate_sizes",
        "source": f"dfanalyze/knowledge/data/base-images.json.gz (docker-library/repo-info, read {read})",
        "data_as_of": read,
        "percentiles": list(PERCENTILES),
        "compression": spread(ratios, 3),
        "layers": {
            kind: spread(sizes, 0) for kind, sizes in sorted(layers.items()) if len(sizes) >= MIN_LAYERS
        },
        "per_package": {
            kind: spread(sizes, 0) for kind, sizes in sorted(per_package.items()) if len(sizes) >= MIN_LAYERS
        },
        "nearest": {differs: spread(values, 3) for differs, values in sorted(nearest_ratios(facts).items())},
        "images": spread([e["local"]["uncompressed_bytes"] for _, e in _entries(facts) if e["local"]], 0),
    }


def encode(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = parser.parse_args(argv)
    text = encode(build(json.loads(gzip.decompress(FACTS.read_bytes()))))
    if args.check:
        if not DATA.exists() or DATA.read_text(encoding="utf-8") != text:
            print(f"{DATA.relative_to(ROOT)} is stale: run python -m tools.calibrate_sizes", file=sys.stderr)
            return 1
        return 0
    DATA.write_text(text, encoding="utf-8")
    print(f"wrote {DATA.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
