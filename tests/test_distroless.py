"""The measured sizes of the distroless images: the data file, the tool's parts that need no
network, and what ``layers`` says of a ``gcr.io/distroless/...`` base."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest

from dfanalyze.api import layers
from dfanalyze.knowledge import image_facts
from dfanalyze.knowledge.accounts import accounts
from dfanalyze.knowledge.base_images import lookup as image_lookup
from dfanalyze.knowledge.distroless import DATA_FORMAT, DATA_PATH, data_from, load, lookup
from dfanalyze.layers.ranges import ANY_KIND, range_data
from dfanalyze.layers.render import to_json
from dfanalyze.layers.sizes import BUSYBOX, distroless_size
from dfanalyze.parse.instructions import parse_image_ref
from dfanalyze.span import Span
from tools import measure_distroless as tool

RAW = json.loads(DATA_PATH.read_text(encoding="utf-8"))
IMAGES = {
    f"{name}-{distro}"
    for name in ("static", "base-nossl", "base", "cc")
    for distro in ("debian12", "debian13")
} | {"python3-debian13"}


def test_data_schema_and_sources() -> None:
    assert RAW["format"] == DATA_FORMAT
    dt.date.fromisoformat(RAW["measured"])
    source = RAW["source"]
    assert source["repository"] == tool.REPOSITORY
    assert source["commit"] == tool.COMMIT and re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert {"static/config.bzl", "base/config.bzl", "cc/config.bzl", "common/BUILD.bazel"} <= set(
        source["files"]
    )
    assert "deb.debian.org" in source["archive"]
    assert set(source["releases"]) == set(tool.DISTROS.values())
    assert RAW["default_distro"] in tool.DISTROS
    for key in ("method", "spread", "not_measured", "generator"):
        assert RAW[key]
    assert set(RAW["images"]) == IMAGES


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_an_image_is_its_parent_plus_its_layers(name: str) -> None:
    image = RAW["images"][name]
    distro = name.rsplit("-", 1)[1]
    assert image["suite"] == tool.DISTROS[distro]
    parent = RAW["images"][image["built_on"]] if image["built_on"] else None
    for key in ("bytes", "low", "high", "tar_bytes"):
        assert image[key] == sum(layer[key] for layer in image["layers"]) + (parent[key] if parent else 0)
    assert image["low"] <= image["bytes"] <= image["high"]
    for layer in image["layers"]:
        versions = layer.get("versions")
        if versions is None:  # generated files: one size
            assert layer["low"] == layer["bytes"] == layer["high"]
            continue
        assert versions[layer["version"]] == layer["bytes"]
        assert (layer["low"], layer["high"]) == (min(versions.values()), max(versions.values()))
        assert layer["pinned"]  # every package is in distroless's lock file


def test_measured_sizes_are_those_of_the_published_images() -> None:
    """The sizes the registries show for the amd64 images are about 2 MB (static) and 20 MB (base) for
    debian12; a small image stays small and the layering adds up the way distroless stacks it."""
    images = load().images
    assert 1_500_000 < images["static-debian12"].bytes < 3_000_000
    assert 15_000_000 < images["base-debian12"].bytes < 25_000_000
    assert (
        images["static-debian12"].bytes < images["base-nossl-debian12"].bytes < images["base-debian12"].bytes
    )
    assert images["base-debian13"].bytes < images["cc-debian13"].bytes < images["python3-debian13"].bytes


def test_reader_rejects_another_format() -> None:
    with pytest.raises(ValueError, match="not a dfanalyze-distroless"):
        data_from({**RAW, "format": "other/1"})


SPAN = Span.of(1, 1, 1, 1)
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("reference", "name", "debug"),
    [
        ("gcr.io/distroless/static-debian12:nonroot", "static-debian12", False),
        ("gcr.io/distroless/static-debian12", "static-debian12", False),
        ("gcr.io/distroless/static-debian13:latest", "static-debian13", False),
        ("gcr.io/distroless/static", "static-debian13", False),
        ("gcr.io/distroless/static:debug", "static-debian13", True),
        ("gcr.io/distroless/base-nossl-debian13:debug-nonroot", "base-nossl-debian13", True),
        ("gcr.io/distroless/base-nossl-debian12", "base-nossl-debian12", False),
        ("gcr.io/distroless/base-debian12:nonroot", "base-debian12", False),
        ("gcr.io/distroless/cc:nonroot", "cc-debian13", False),
        ("gcr.io/distroless/cc-debian12:debug", "cc-debian12", True),
        (f"gcr.io/distroless/base-debian12@{DIGEST}", "base-debian12", False),
        (f"gcr.io/distroless/static-debian12:nonroot@{DIGEST}", "static-debian12", False),
        ("gcr.io/distroless/python3-debian13", "python3-debian13", False),
    ],
)
def test_lookup(reference: str, name: str, debug: bool) -> None:
    ref = parse_image_ref(reference, SPAN)
    assert ref is not None
    match = lookup(ref.registry, ref.repository, ref.tag)
    assert match is not None
    assert (match.image.name, match.debug) == (name, debug)
    found = distroless_size(ref)
    assert found is not None
    size, source, as_of = found
    image = RAW["images"][name]
    busybox = image_facts.lookup(BUSYBOX)
    assert busybox is not None and busybox.uncompressed_bytes is not None
    extra = busybox.uncompressed_bytes if debug else 0
    assert (size.point, size.low, size.high) == (
        image["bytes"] + extra,
        image["low"] + extra,
        image["high"] + extra,
    )
    assert 0 < size.compressed < size.point
    assert RAW["source"]["commit"][:12] in source and ("busybox" in source) == debug
    assert as_of <= RAW["measured"]


@pytest.mark.parametrize(
    "reference",
    [
        "gcr.io/distroless/foo",
        "gcr.io/distroless/java17-debian12",  # not measured: its JRE is not a Debian package
        "gcr.io/distroless/static-debian11",  # a release the data does not hold
        "distroless/static",  # Docker Hub, not Google's registry
        "ghcr.io/distroless/static",
    ],
)
def test_lookup_of_images_the_data_does_not_hold(reference: str) -> None:
    ref = parse_image_ref(reference, SPAN)
    assert ref is not None
    assert lookup(ref.registry, ref.repository, ref.tag) is None
    assert distroless_size(ref) is None


def test_a_debug_tag_without_busybox_data_widens_the_range(monkeypatch: pytest.MonkeyPatch) -> None:
    real = image_facts.lookup
    monkeypatch.setattr(image_facts, "lookup", lambda ref: None if ref == BUSYBOX else real(ref))
    ref = parse_image_ref("gcr.io/distroless/static-debian12:debug", SPAN)
    assert ref is not None
    found = distroless_size(ref)
    assert found is not None
    size, source, _ = found
    rootfs = range_data().layer_spread("rootfs")
    image = RAW["images"]["static-debian12"]
    assert size.point == image["bytes"] + round(rootfs.mid)
    assert (size.low, size.high) == (image["low"] + round(rootfs.low), image["high"] + round(rootfs.high))
    assert "busybox of the debug tag, size not in the data" in size.basis[-1]
    assert "not in the data" in source


def _json(tmp_path: Path, text: str) -> dict[str, object]:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return to_json(layers(path))


GO_SERVICE = """\
FROM golang:1.23 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/server"]
"""


def test_a_go_service_on_distroless_is_a_few_megabytes(tmp_path: Path) -> None:
    data = _json(tmp_path, GO_SERVICE)
    image, steps = data["image"], data["steps"]  # type: ignore[index]
    base = next(s for s in steps if s["instruction"].startswith("FROM gcr.io/distroless"))
    static = RAW["images"]["static-debian12"]
    assert (base["estimated_bytes"], base["low_bytes"], base["high_bytes"]) == (
        static["bytes"],
        static["low"],
        static["high"],
    )
    assert base["unknown_parts"] == []
    # the image: the 2 MB base and the binary copied from the build stage, whose size is not
    # known: what another stage made can be any kind of layer (the spread of every official layer)
    copy = next(s for s in steps if s["instruction"].startswith("COPY --from"))
    spread = range_data().layers[ANY_KIND]
    known = copy["high_bytes"] - round(spread.high)  # the tar's own entries, known exactly
    assert 0 <= known < 4096 and copy["low_bytes"] == known + round(spread.low)
    assert static["bytes"] <= image["estimated_bytes"] < 20_000_000
    assert image["low_bytes"] >= static["low"]
    assert image["high_bytes"] <= static["high"] + copy["high_bytes"]
    assert image["data_as_of"] == RAW["measured"]
    assert not any("base image" in part for part in image["unknown_parts"])


def test_an_unknown_distroless_image_falls_back_to_the_official_images_spread(tmp_path: Path) -> None:
    data = _json(tmp_path, "FROM gcr.io/distroless/foo\n")
    step = data["steps"][0]  # type: ignore[index]
    spread = range_data().images
    assert (step["estimated_bytes"], step["low_bytes"], step["high_bytes"]) == (
        round(spread.mid),
        round(spread.low),
        round(spread.high),
    )
    assert step["unknown_parts"] == [
        "base image gcr.io/distroless/foo: no uncompressed size for this image in the data"
    ]


# --- the tool's parts that need no network ----------------------------------------------------------


def test_literals_reads_assignments_and_dict_calls() -> None:
    source = 'A = ["x", "y"]\nB = dict(K = "{VERSION}", L = "z")\nC = some_call()\nload("//x", "y")\n'
    assert tool.literals(source) == {"A": ["x", "y"], "B": {"K": "{VERSION}", "L": "z"}}


def test_call_arguments_substitutes_names() -> None:
    source = 'load(":v.bzl", "ROOT")\ngroup(\n    name = "group",\n'
    source += '    entries = [{"name": "root", "gid": ROOT}],\n)\n'
    assert tool.call_arguments(source, "group", {"ROOT": 0}) == {
        "name": "group",
        "entries": [{"name": "root", "gid": 0}],
    }
    with pytest.raises(SystemExit, match="passwd"):
        tool.call_arguments(source, "passwd", {})


def test_generated_texts() -> None:
    entry = {"username": "nonroot", "password": "x", "uid": 65532, "gid": 65532}
    entry |= {"gecos": ["nonroot"], "home": "/home/nonroot", "shell": "/sbin/nologin"}
    assert tool.passwd_text([entry]) == "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
    assert tool.group_text([{"name": "tty", "password": "x", "gid": 5}]) == "tty:x:5:\n"
    fields = {"ID": "debian", "VERSION": "Debian GNU/Linux {VERSION} ({CODENAME})"}
    assert (
        tool.os_release_text(fields, "trixie", "13")
        == 'ID="debian"\nVERSION="Debian GNU/Linux 13 (trixie)"\n'
    )


def test_measure_deb_counts_files_symlinks_and_a_hard_link_once(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: demo\nVersion: 1.0-1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: d\n"
    )
    (root / "DEBIAN" / "md5sums").write_text("0" * 32 + "  usr/share/demo/a\n")
    data = root / "usr" / "share" / "demo"
    data.mkdir(parents=True)
    (data / "a").write_bytes(b"x" * 1000)
    (data / "b").hardlink_to(data / "a")
    (data / "link").symlink_to("a")
    deb = tmp_path / "demo.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)], check=True)
    package = tool.measure_deb(deb)
    control = (root / "DEBIAN" / "control").stat().st_size
    md5sums = (root / "DEBIAN" / "md5sums").stat().st_size
    assert (package.name, package.version) == ("demo", "1.0-1")
    assert package.statusd[0] == control + md5sums
    assert package.bytes == 1000 + len("a") + control + md5sums
    assert package.tar_bytes % 512 == 0 and package.tar_bytes > package.bytes
    assert package.cacerts == (0, 0)


def test_accounts_agree_with_the_account_data() -> None:
    info = image_lookup("gcr.io", "distroless/static-debian12", "nonroot")
    assert info is not None
    known = accounts(info)
    assert known is not None
    assert (known.users, known.groups) == (
        frozenset(RAW["accounts"]["users"]),
        frozenset(RAW["accounts"]["groups"]),
    )


@pytest.mark.parametrize(
    ("repository", "release"),
    [("distroless/static-debian12", "12"), ("distroless/cc-debian13", "13"), ("distroless/static", "13")],
)
def test_the_image_facts_name_the_release_the_sizes_are_of(repository: str, release: str) -> None:
    info = image_lookup("gcr.io", repository, "latest")
    assert info is not None and (info.distro, info.distro_release) == ("debian", release)
    ref = parse_image_ref(f"gcr.io/{repository}", SPAN)
    assert ref is not None
    match = lookup(ref.registry, ref.repository, ref.tag)
    assert match is not None and match.image.name.endswith(f"-debian{release}")
