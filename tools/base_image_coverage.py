"""How many FROM lines of a set of Dockerfiles name an official image tag the base-image data knows.

    python -m tools.base_image_coverage benchmarks/corpus benchmarks/vs_hadolint/corpus
    python -m tools.base_image_coverage --realworld [--set official|apps]

``--realworld`` reads the real-world set of ``benchmarks/realworld/manifest.toml`` from the
repository snapshots (``benchmarks/realworld/corpus.py``); repositories without a snapshot here
are left out and counted.

Every FROM of every Dockerfile found under the paths (as ``dfanalyze check`` finds them) is read
after global ARG expansion (ARG defaults; no build arguments) and counted as one of:

* ``stage``: an earlier stage of the same file; ``scratch``; ``unresolved``: a variable without a
  default, or not an image reference;
* ``other``: an image outside Docker Hub's official ``library/`` namespace;
* ``official``: an official image, then split by what ``dfanalyze.knowledge.image_facts`` knows
  of it on linux/amd64 (the platform a FROM's ``--platform`` flag names is not followed):
  ``known`` (the uncompressed size is known), ``compressed only`` (the tag is transcribed from a
  remote file only: the layer model estimates its size from the compressed one), ``nearest tag``
  (the tag is not in the data, the layer model estimates it from the closest tag of the same image,
  :func:`dfanalyze.knowledge.image_facts.nearest`) or ``unknown`` (the image is not in the data,
  or no tag of it is close).

The shares are printed against the official FROM lines and against every FROM line that names an
external image (official or other); the most common unknown official references are listed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from dfanalyze.analysis.scope import compute_scopes
from dfanalyze.api import parse
from dfanalyze.checks.base_image import is_scratch
from dfanalyze.discover import discover
from dfanalyze.knowledge.image_facts import lookup, nearest
from dfanalyze.model import Dockerfile, ImageRef, Stage

KINDS = ("stage", "scratch", "unresolved", "other", "known", "compressed only", "nearest tag", "unknown")
ESTIMATED = ("compressed only", "nearest tag")


def _names_earlier_stage(dockerfile: Dockerfile, stage: Stage, ref: ImageRef) -> bool:
    name = ref.text.lower()
    earlier = dockerfile.stages[: stage.index]
    return any(other.name == name for other in earlier) or (name.isdigit() and int(name) < stage.index)


def classify(dockerfile: Dockerfile) -> list[tuple[str, str]]:
    """(kind, reference as expanded) of every FROM of a Dockerfile, in order."""
    scopes = compute_scopes(dockerfile, {})
    found: list[tuple[str, str]] = []
    for stage in dockerfile.stages:
        ref = scopes.image(stage.from_)
        written = stage.from_.image.text if stage.from_.image is not None else ""
        if ref is None:
            found.append(("unresolved", written))
        elif ref.registry is None and _names_earlier_stage(dockerfile, stage, ref):
            found.append(("stage", ref.text))
        elif is_scratch(ref):
            found.append(("scratch", ref.text))
        elif not ref.is_official:
            found.append(("other", ref.text))
        else:
            name = f"{ref.repository.removeprefix('library/')}:{ref.tag or 'latest'}"
            facts = lookup(ref.text)
            if facts is None:
                found.append(("nearest tag" if nearest(ref.text) is not None else "unknown", name))
            elif facts.uncompressed_bytes is None:
                found.append(("compressed only", name))
            else:
                found.append(("known", name))
    return found


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else f"{part}/0"


def realworld(only: str | None) -> list[Dockerfile]:
    """The Dockerfiles of the real-world set (of one part of it) whose snapshot is here."""
    from benchmarks.realworld import corpus

    files = [f for f in corpus.load() if only is None or f.set == only]
    missing = set(corpus.missing_snapshots(files))
    if missing:
        left = sum(f.repo in missing for f in files)
        print(f"left out: {left} files of {len(missing)} repositories without a snapshot", file=sys.stderr)
    present = [f for f in files if f.repo not in missing]
    contents = corpus.read_all(present)
    return [parse(contents[f.blob], f.name) for f in present]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("paths", nargs="*", help="Dockerfiles or folders holding them")
    parser.add_argument("--realworld", action="store_true", help="the real-world set of benchmarks/realworld")
    parser.add_argument("--set", choices=("official", "apps"), help="with --realworld: only this part")
    parser.add_argument("--most", type=int, default=15, help="how many unknown references to list")
    args = parser.parse_args(argv)
    if bool(args.paths) == args.realworld:
        parser.error("give either paths or --realworld")
    kinds: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    if args.realworld:
        files = realworld(args.set)
    else:
        files = [parse(Path(file)) for file in discover(args.paths).files]
    for dockerfile in files:
        for kind, name in classify(dockerfile):
            kinds[kind] += 1
            if kind in ("unknown", *ESTIMATED):
                unknown[f"{name} ({kind})"] += 1
    estimated = sum(kinds[kind] for kind in ESTIMATED)
    official = kinds["known"] + estimated + kinds["unknown"]
    external = official + kinds["other"]
    print(f"{len(files)} Dockerfiles, {sum(kinds.values())} FROM lines")
    print("  " + ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS))
    print(f"official images with a known uncompressed size: {_share(kinds['known'], official)}")
    print(f"  of all FROM lines naming an external image:    {_share(kinds['known'], external)}")
    transcribed = kinds["known"] + kinds["compressed only"]
    print(f"official images whose tag the data knows:       {_share(transcribed, official)}")
    print(f"official images with a size known or estimated: {_share(kinds['known'] + estimated, official)}")
    print("most common official references without an uncompressed size:")
    for name, count in unknown.most_common(args.most):
        print(f"  {count:4}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
