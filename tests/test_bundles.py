"""Folders copied whole from the build context are kept as one :class:`~dfanalyze.layers.fs.Bundle`
until a later step looks inside: every answer must be the one that writing their files one by one
gives. Each test computes the layer graph twice, with bundles and with them turned off
(``LayerBuilder.bundle_root`` answering no), and compares everything ``layers --format json``
reports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dfanalyze.api import layers
from dfanalyze.layers.fs import MAX_BUNDLES, LayerBuilder
from dfanalyze.layers.languages import MANIFEST_ENDINGS, is_manifest
from dfanalyze.layers.render import to_json

LONG = "src/b/" + "n" * 110 + ".txt"  # a name over tar's 100 bytes: a PAX header
FILES = {
    "src/a/one.js": 7,
    "src/a/two.js": 107,
    "src/a/block.bin": 512,  # exactly one tar block: no padding
    "src/a/empty": 0,
    "src/b/three.py": 1500,
    LONG: 20,
    "src/requirements.txt": 30,
    "docs/readme.md": 40,
    "top.txt": 50,
}


def make_context(root: Path) -> None:
    for name, size in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x" * size)
    (root / "src" / "a" / "link").symlink_to("one.js")
    (root / "link").symlink_to("top.txt")


def both(
    root: Path, dockerfile: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON report with bundles, and without."""
    (root / "Dockerfile").write_text(dockerfile)
    with_bundles = to_json(layers(root / "Dockerfile"))
    with monkeypatch.context() as patch:
        patch.setattr(LayerBuilder, "bundle_root", lambda self, path: False)
        one_by_one = to_json(layers(root / "Dockerfile"))
    return with_bundles, one_by_one


def test_copy_of_the_context_is_one_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_context(tmp_path)
    (tmp_path / "package.json").write_text("{}")
    dockerfile = "FROM scratch\nWORKDIR /app\nCOPY package.json ./\nCOPY . .\n"
    bundled, plain = both(tmp_path, dockerfile, monkeypatch)
    assert bundled == plain
    graph = layers(tmp_path / "Dockerfile")
    copy = graph.steps[3].layer
    assert copy is not None
    # package.json was known in /app: written again one by one; the new folders are bundles
    assert sorted(b.root for b in copy.bundles) == ["/app/docs", "/app/src"]
    assert "/app/src/a/one.js" not in copy.changes
    assert copy.estimated_bytes == plain["steps"][3]["estimated_bytes"]
    # the requirement file inside a bundle is still seen by the pip model
    assert graph.image.estimated_bytes == plain["image"]["estimated_bytes"]


LATER = (
    "RUN rm -rf /app/src/a",
    "RUN rm -rf /app",
    "RUN rm /app/src/a/one.js",
    "RUN rm -rf /app/src/*",
    "RUN chmod -R 755 /app/src",
    "RUN cp -r /app/src /app/copy",
    "RUN mv /app/src/b /app/moved",
    "RUN touch /app/src/a/new.js",
    "RUN mkdir -p /app/src/a/deeper && echo hi > /app/src/a/deeper/f",
    "COPY src/a/one.js /app/src/a/one.js",
    "COPY top.txt /app/src",
    "COPY docs /app/src/a",
    "COPY --from=build /app /copied",
    "COPY --from=build /app/src/a /one",
    "RUN ln /app/src/a/one.js /app/hard",
    "RUN ls /app/src > /listing",
    "RUN chown -R 1000 /app",
    "RUN --mount=type=bind,target=/app/src/a true",
    "COPY --chmod=700 src /app/src",
    "COPY --parents src/a /app/",
    "ADD src /app/added",
    "WORKDIR /app/src/b",
    "RUN rm -rf /app/src/b/* && touch /app/src/b/x",
    "RUN mv /app /moved",
    "COPY . /app",
)
FIRST = (
    "COPY . /app",
    "COPY src /app/src",
    "COPY . /app/",
    "COPY docs src /app/",
    "COPY --exclude=*.js . /app",
    "WORKDIR /app\nCOPY top.txt ./\nCOPY . .",
    "ADD . /srv/site",
    "COPY src/ /usr/local/",
)


@settings(
    max_examples=int(os.environ.get("DFANALYZE_BUNDLE_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example(  # the second COPY's bundle holds paths the first one's (expanded) held: seen twice
    base="scratch", first="COPY . /app", later=["RUN rm -rf /app/src/a", "COPY . /app"]
)
@given(
    base=st.sampled_from(("scratch", "debian:bookworm")),
    first=st.sampled_from(FIRST),
    later=st.lists(st.sampled_from(LATER), max_size=5),
)
def test_bundles_answer_as_files_written_one_by_one(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    base: str,
    first: str,
    later: list[str],
) -> None:
    root = tmp_path_factory.mktemp("ctx")
    make_context(root)
    steps = [line for line in later if "--from" not in line]
    copies = [line for line in later if "--from" in line]  # into a second stage
    lines = [f"FROM {base} AS build", first, *steps, *(["FROM scratch", *copies] if copies else [])]
    dockerfile = "\n".join(lines) + "\n"
    bundled, plain = both(root, dockerfile, monkeypatch)
    assert bundled == plain


def test_a_later_step_inside_the_bundle_sees_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_context(tmp_path)
    dockerfile = "FROM scratch\nCOPY . /app\nRUN rm -rf /app/src/a\n"
    bundled, plain = both(tmp_path, dockerfile, monkeypatch)
    assert bundled == plain
    graph = layers(tmp_path / "Dockerfile")
    # the files of src/a are stored by the COPY and deleted by the RUN
    assert graph.image.reclaimable_bytes == 7 + 107 + 512


@given(
    st.lists(
        st.sampled_from(("src", "req", "requirements", "package.json", "yarn.lock", "Gemfile", "a.b")),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(("", ".txt", ".TXT", ".In", ".in", ".json", ".lock", "-dev.txt")),
)
def test_every_manifest_has_a_manifest_ending(parts: list[str], suffix: str) -> None:
    """The filter a bundle's members go through before :func:`is_manifest` lets every manifest by."""
    path = "/".join(parts) + suffix
    assert not is_manifest(path) or path.endswith(MANIFEST_ENDINGS)
    assert is_manifest("app/requirements/base.IN") and is_manifest("x/package-lock.json")


def test_a_new_destination_is_one_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_context(tmp_path)
    bundled, plain = both(tmp_path, "FROM scratch\nCOPY . /srv/new\n", monkeypatch)
    assert bundled == plain
    copy = layers(tmp_path / "Dockerfile").steps[1].layer
    assert copy is not None and [b.root for b in copy.bundles] == ["/srv/new"]
    assert set(copy.changes) == {"/srv", "/srv/new"}


def test_a_stage_holds_at_most_max_bundles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(MAX_BUNDLES + 20):
        (tmp_path / f"d{index:03d}").mkdir()
        (tmp_path / f"d{index:03d}" / "f").write_text("x" * index)
    (tmp_path / "top.txt").write_text("top")
    dockerfile = "FROM scratch\nWORKDIR /app\nCOPY top.txt ./\nCOPY . .\nRUN rm -rf /app/d070/f\n"
    bundled, plain = both(tmp_path, dockerfile, monkeypatch)
    assert bundled == plain
    copy = layers(tmp_path / "Dockerfile").steps[3].layer
    assert copy is not None and len(copy.bundles) == MAX_BUNDLES  # the rest written file by file


def test_copy_from_a_stage_keeps_its_bundles_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_context(tmp_path)
    dockerfile = (
        "FROM scratch AS build\nWORKDIR /app\nCOPY top.txt ./\nCOPY . .\n"
        "FROM scratch\nCOPY --from=build /app /site\nCOPY --from=build /app/src /only-src\n"
        "COPY --from=build /app/src/a /deeper\n"
    )
    bundled, plain = both(tmp_path, dockerfile, monkeypatch)
    assert bundled == plain
    graph = layers(tmp_path / "Dockerfile")
    whole, src, deeper = (s.layer for s in graph.steps[-3:])
    # the build stage's bundles (/app/src and /app/docs, members relative to /app) move whole
    assert whole is not None
    assert sorted((b.root, b.prefix) for b in whole.bundles) == [
        ("/site/docs", "/site"),
        ("/site/src", "/site"),
    ]
    # a bundle copied by its own root keeps no prefix its members are relative to: file by file
    assert src is not None and src.bundles == () and "/only-src/a/one.js" in src.changes
    # a path inside a bundle: looked at, so written file by file
    assert deeper is not None and deeper.bundles == () and "/deeper/one.js" in deeper.changes
