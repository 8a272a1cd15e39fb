"""Wasted space: bytes a layer stores that a later layer deletes or replaces.

Two measures, both over the layers the image is made of, bottom to top:

* dive's: every path is visited in every layer that holds it (a whiteout counts as the size of
  what it deletes, summed over a deleted directory's files). The **efficiency** is the sum over
  paths of the smallest size seen divided by the sum of every size seen; the **wasted bytes** are
  the sizes of every copy of each path seen in two layers or more (the copy still visible
  included, as dive counts them).
* **Reclaimable bytes**: the data of the copies that are not visible in the final image (deleted,
  overwritten, copied up by a ``chmod``), i.e. what merging the steps would save. Each layer's
  share is reported with it.

Differences from dive, which reads a built image: the base image's files are not known, so they
are left out (dive counts the base's files that an ``apt-get install`` rewrites); an install
whose file list is not known counts as one path; sizes that are unknown are left out of both
sums (the result says so). A folder copied whole from the build context (a
:class:`~dfanalyze.layers.fs.Bundle`) whose paths no other layer holds, replaces or deletes counts
as one path: its files are each seen once, so the sums are the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import chain

from msgspec import Struct, field

from dfanalyze.layers.fs import Change, Layer, parent_dirs, parent_of


class Waste(Struct, frozen=True):
    efficiency: float
    wasted_bytes: int
    reclaimable_bytes: int
    by_step: dict[int, int] = field(default_factory=dict)
    """Reclaimable bytes stored by each step's layer."""
    removals: dict[tuple[int, int], int] = field(default_factory=dict)
    """Reclaimable bytes by (the step that stored them, the step that deleted or replaced them)."""
    complete: bool = True
    """False when a size this depends on is unknown."""


class _PathIndex:
    """Paths by the directory that holds them, so that a whiteout finds what it hides without
    scanning every live path (``rm -rf *`` over thousands of files was quadratic)."""

    def __init__(self) -> None:
        self.inside: dict[str, set[str]] = {}
        self.paths: set[str] = set()

    def add(self, path: str) -> None:
        self.paths.add(path)
        inside = self.inside
        for parent in chain((path,), parent_dirs(path)):  # up to the first directory already known
            directory = parent_of(parent)
            members = inside.get(directory)
            if members is None:
                inside[directory] = {parent}
            elif parent in members:
                break
            else:
                members.add(parent)

    def take(self, path: str) -> list[str]:
        """Remove and return the paths at and below ``path``."""
        taken: list[str] = []
        pending = [path]
        while pending:
            current = pending.pop()
            if current in self.paths:
                self.paths.discard(current)
                taken.append(current)
            pending.extend(self.inside.pop(current, ()))
        members = self.inside.get(parent_of(path))
        if members is not None:
            members.discard(path)
        return taken


def _untouched(layers: Sequence[Layer]) -> set[int]:
    """The ids of the bundles whose paths no other layer holds: none writes a file at or below
    their root (a later one would replace or delete theirs, an earlier one is the same path seen
    twice), deletes or replaces their root or a folder above it, or holds a bundle at, above or
    below it."""
    bundles = [bundle for layer in layers for bundle in layer.bundles]
    if not bundles:
        return set()
    files: set[str] = set()  # paths written other than as a folder
    holding: set[str] = set()  # the folders above them and above the bundles' roots
    for layer in layers:
        for path, change in layer.changes.items():
            if change.kind != "dir":
                files.add(path)
                holding.update(parent_dirs(path))
    roots = Counter(bundle.root for bundle in bundles)
    for root in roots:
        holding.update(parent_dirs(root))
    return {
        id(bundle)
        for bundle in bundles
        if roots[bundle.root] == 1
        and bundle.root not in files
        and bundle.root not in holding
        and files.isdisjoint(parent_dirs(bundle.root))
        and roots.keys().isdisjoint(parent_dirs(bundle.root))
    }


def _changes(layer: Layer, untouched: set[int]) -> Mapping[str, Change]:
    """The layer's changes with the members of its bundles that a later layer touches."""
    expanded = [bundle for bundle in layer.bundles if id(bundle) not in untouched]
    if not expanded:
        return layer.changes
    changes = dict(layer.changes)
    for bundle in expanded:
        changes.update((path, change) for path, _, change in bundle.paths())
    return changes


def waste(layers: Sequence[Layer]) -> Waste:
    seen: dict[str, list[int]] = {}
    live: dict[str, tuple[int, int | None]] = {}
    live_paths = _PathIndex()  # the paths in ``live`` (not the blob keys), by directory
    reclaim: dict[int, int] = {}
    removals: dict[tuple[int, int], int] = {}
    complete = True
    current = 0
    untouched = _untouched(layers)

    def record(path: str, size: int | None) -> None:
        nonlocal complete
        if size is None:
            complete = False
            return
        seen.setdefault(path, []).append(size)

    def bury(path: str, step: int, size: int | None) -> None:
        nonlocal complete
        if size is None:
            complete = False
            return
        reclaim[step] = reclaim.get(step, 0) + size
        removals[step, current] = removals.get((step, current), 0) + size

    for layer in layers:
        current = layer.step
        changes = _changes(layer, untouched)
        for path in sorted(changes):
            change = changes[path]
            if change.kind in ("whiteout", "opaque"):
                hidden = live_paths.take(path)
                sizes = [live[p][1] for p in hidden]
                for p in hidden:
                    bury(p, *live.pop(p))
                if change.kind == "whiteout":
                    record(path, None if None in sizes else sum(s or 0 for s in sizes))
            elif change.kind in ("file", "symlink", "hardlink"):
                if path in live:
                    bury(path, *live[path])
                else:
                    live_paths.add(path)
                live[path] = (layer.step, change.size)
                record(path, change.size)
        for bundle in layer.bundles:
            if id(bundle) in untouched:
                record(f"bundle:{bundle.root}", bundle.data_bytes)
        for blob in layer.blobs:
            if blob.key in live and live[blob.key][0] != layer.step:  # rewritten
                step, size = live[blob.key]
                if blob.rewrites and size is not None and blob.data_bytes is not None:
                    size = min(size, blob.data_bytes)
                bury(blob.key, step, size)
            live[blob.key] = (layer.step, blob.data_bytes)
            record(blob.key, blob.data_bytes)
        for key, size in layer.removed_blobs:
            owner = key.split(":")[0] + ":" + key.split(":")[1]
            step = live[owner][0] if owner in live else layer.step
            bury(key, step, size)
            record(owner, size)
    minimum = sum(min(sizes) for sizes in seen.values())
    total = sum(sum(sizes) for sizes in seen.values())
    wasted = sum(sum(sizes) for sizes in seen.values() if len(sizes) > 1)
    return Waste(
        efficiency=1.0 if total == 0 else minimum / total,
        wasted_bytes=wasted,
        reclaimable_bytes=sum(reclaim.values()),
        by_step=reclaim,
        removals=removals,
        complete=complete,
    )
