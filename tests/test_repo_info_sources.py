"""The repo-info transcriptions in tools/sources/repo-info/ follow their format (that folder's README.md).

The format's rules are checked by the generator (tools/make_base_images.py), the one place that
implements them: here every source file is run through those checks, and each rule is shown to
refuse a small source that breaks it, so that no check can silently stop checking.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tools import make_base_images as gen

FILES = sorted(gen.SOURCES.glob("*.toml"))


def test_there_are_sources_to_check() -> None:
    assert len(FILES) >= 25, f"transcriptions missing in {gen.SOURCES}"
    assert (gen.SOURCES / "README.md").is_file(), "the format is documented beside the sources"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_source_file_follows_the_format(path: Path) -> None:
    tags = gen.read_source(path)
    assert tags and all(tag.image == path.stem for tag in tags)


def test_sources_agree_with_each_other() -> None:
    """Checks across files: package bases resolve to full lists, layer prefixes name a whole image."""
    tags = gen.load_sources()
    packages = gen.resolve_packages(tags)
    for tag, package_set in zip(tags, packages, strict=True):
        if tag.local is not None and "packages_base" in tag.local:
            assert package_set, (
                f"{tag.name}: a difference to {tag.local['packages_base']} resolves to nothing"
            )


def test_the_readme_documents_every_key() -> None:
    readme = (gen.SOURCES / "README.md").read_text()
    for key in {*gen.FILE_KEYS, *gen.TAG_KEYS, *gen.LOCAL_KEYS, *gen.REMOTE_KEYS}:
        assert f"`{key}`" in readme, key


# --- each rule refuses what breaks it ------------------------------------------------------------------

SHA = "b" * 40
HEADER = f'image = "demo"\nread = 2026-12-06\nofficial_images_commit = "{"a" * 40}"\n'
LOCAL = f"""
[tag.local]
path = "repos/demo/local/x.md"
commit = "{SHA}"
created = "2026-08-01T00:00:00Z"
virtual_size = "~ 10 Mb"
arch = "linux/amd64"
package_manager = "dpkg"
"""
REMOTE = f"""
[tag.remote.amd64]
path = "repos/demo/remote/full.md"
commit = "{SHA}"
total_bytes = 4000
layers = [[3000, "ADD rootfs.tar /"], [1000, "RUN apt-get install -y gcc"]]
"""


def _tag(tags: str = '["x"]', head: str = "", local: str | None = LOCAL, remote: str | None = REMOTE) -> str:
    return (
        "\n[[tag]]\n"
        f"tags = {tags}\n"
        'architectures = ["amd64", "arm64v8"]\n'
        'git_repo = "https://example.org/demo.git"\n'
        f'git_commit = "{SHA}"\n' + textwrap.dedent(head) + (local or "") + (remote or "")
    )


def _load(tmp_path: Path, *tags: str, name: str = "demo") -> list[gen.Tag]:
    (tmp_path / f"{name}.toml").write_text(HEADER + "".join(tags))
    loaded = gen.load_sources(tmp_path)
    gen.resolve_packages(loaded)
    return loaded


def _with(section: str, extra: str) -> str:
    """A section with lines added after its header."""
    header, _, rest = section.strip().partition("\n")
    return f"\n{header}\n{textwrap.dedent(extra).strip()}\n{rest}\n"


def _without(section: str, key: str) -> str:
    return "\n".join(line for line in section.splitlines() if not line.startswith(f"{key} ")) + "\n"


def test_a_minimal_source_passes(tmp_path: Path) -> None:
    (tag,) = _load(tmp_path, _tag())
    assert tag.name == "demo:x" and tag.local is not None and set(tag.remote) == {"amd64"}


def test_what_the_format_allows(tmp_path: Path) -> None:
    full = _with(LOCAL, 'packages = ["a=1", "b=2", "c=3"]').replace("local/x.md", "local/full.md")
    prefix = _without(REMOTE, "total_bytes").replace(', [1000, "RUN apt-get install -y gcc"]', "")
    rpm = _with(LOCAL, 'packages = ["gpg-pubkey=1-a", "gpg-pubkey=2-b"]').replace('"dpkg"', '"rpm"')
    tags = _load(
        tmp_path,
        _tag('["full", "latest"]', local=full),
        _tag('["only-remote"]', 'directory = "1/demo"\n', local=None),
        _tag('["only-local"]', local=_with(LOCAL, 'packages_base = "demo:full"\npackages = []'), remote=None),
        _tag('["prefix"]', local=None, remote=prefix),
        _tag('["rpm"]', local=rpm, remote=None),
        _tag(
            '["configured"]',
            local=_with(
                LOCAL, 'labels = { a = "b" }\nenv = ["A=1", "EMPTY="]\nimage_id = "sha256:' + "0" * 64 + '"'
            ),
            remote=_with(REMOTE, 'workdir = "/go"\nexposed_ports = ["80/tcp"]\nversion = "1.2"'),
        ),
    )
    packages = gen.resolve_packages(tags)
    assert packages[0] == {"a": "1", "b": "2", "c": "3"} == packages[2]
    assert packages[1] is None and packages[3] is None
    assert packages[4] == {"gpg-pubkey": "1-a 2-b"}


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ((_tag(head='color = "red"\n'),), "unknown keys"),
        ((_tag(local=_with(LOCAL, 'color = "red"')),), "unknown keys"),
        ((_tag(local=_without(LOCAL, "path")),), "'path' is missing"),
        ((_tag(local=_without(LOCAL, "created")),), "'created' is missing"),
        ((_tag(remote=_without(REMOTE, "commit")),), "'commit' is missing"),
        ((_tag(local=None, remote=None),), "neither"),
        ((_tag(), _tag()), "also a tag of"),
        ((_tag('["x", "x"]'),), "listed twice"),
        ((_tag('["x:y"]'),), "'tags' must be"),
        ((_tag(local=LOCAL.replace("local/x.md", "remote/x.md")),), "path"),
        ((_tag(remote=REMOTE.replace("remote/full.md", "remote/a/b.md")),), "path"),
        ((_tag(local=LOCAL.replace('"b', '"B')),), "'commit' must be"),
        (
            (_tag(head='official_images_commit = "37079fb"\n'),),
            r"demo\.toml: tag \['x'\]: 'official_images_commit' must be a commit",
        ),
        ((_tag(local=LOCAL.replace("~ 10 Mb", "10 MiB")),), "'virtual_size' must be"),
        ((_tag(local=LOCAL.replace("00:00:00Z", "00:00:00+02:00")),), "'created' must be"),
        ((_tag(local=LOCAL.replace("linux/amd64", "linux/arm64")),), "'arch' must be"),
        ((_tag(local=LOCAL.replace('"dpkg"', '"pacman"')),), "'package_manager' must be"),
        ((_tag(local=_with(LOCAL, 'cmd = "bash"')),), "'cmd' must be"),
        ((_tag(local=_with(LOCAL, 'env = ["not a variable"]')),), "'env' must be"),
        ((_tag(local=_with(LOCAL, "labels = { a = 1 }")),), "'labels' must be"),
        ((_tag(local=_with(LOCAL, 'image_id = "abc"')),), "'image_id' must be"),
        ((_tag(local=_with(LOCAL, 'packages = ["a"]')),), "'packages' must be"),
        ((_tag(local=_with(LOCAL, 'packages = ["a:amd64=1"]')),), "'packages' must be"),
        ((_tag(local=_with(LOCAL, 'packages = ["a=1", "a=2"]')),), "listed twice"),
        ((_tag(local=_with(LOCAL.replace('"dpkg"', '"rpm"'), 'packages = ["a=1", "a=1"]')),), "listed twice"),
        (
            (_tag(local=_with(LOCAL, 'packages = ["a=1"]\ninstalled_size = { a = "1 KiB" }')),),
            "installed_size",
        ),
        ((_tag(local=_with(LOCAL, 'packages_removed = ["a"]')),), "packages_removed without"),
        ((_tag(local=_with(LOCAL, 'packages_base = "demo:y"')),), "without its"),
        ((_tag(local=LOCAL.replace('"dpkg"', '"none"') + 'packages = ["a=1"]\n'),), "'none' with"),
        ((_tag(remote=REMOTE.replace("4000", "4001")),), "not the sum"),
        ((_tag(remote=REMOTE.replace("RUN apt-get", "ENV apt-get")),), "'layers' must be"),
        ((_tag(remote=REMOTE.replace("RUN apt-get", "RUN  apt-get")),), "'layers' must be"),
        ((_tag(remote=REMOTE.replace("gcc", "gcc " + "x" * 400)),), "'layers' must be"),
        ((_tag(remote=REMOTE.replace("[1000,", "[-1,")),), "'layers' must be"),
        ((_tag(remote=REMOTE + REMOTE.replace("amd64]", "s390x]")),), "not among the tag's architectures"),
        ((_tag(remote=REMOTE + REMOTE.replace("amd64]", "arm64v8]").replace("amd64", "arm64v8")),), None),
        ((_tag(remote=_without(REMOTE, "total_bytes")),), "not the first layers"),
    ],
)
def test_sources_that_break_the_format_are_refused(
    tmp_path: Path, tags: tuple[str, ...], message: str | None
) -> None:
    if message is None:  # the control: the same source is fine
        assert _load(tmp_path, *tags)
        return
    with pytest.raises(gen.SourceError, match=message):
        _load(tmp_path, *tags)


def test_remote_sections_start_with_amd64(tmp_path: Path) -> None:
    arm_only = REMOTE.replace("amd64]", "arm64v8]")
    with pytest.raises(gen.SourceError, match="no amd64"):
        _load(tmp_path, _tag(remote=arm_only))


@pytest.mark.parametrize(
    ("y_local", "message"),
    [
        (_with(LOCAL, 'packages_base = "demo:nope"\npackages = []'), "not a transcribed tag"),
        (_with(LOCAL, 'packages_base = "demo:x"\npackages = []'), "loops back"),
        (_with(LOCAL, 'packages_base = "demo:z"\npackages = []'), "has no package list"),
        (_with(LOCAL, 'packages_base = "demo:x"\npackages = []\npackages_removed = ["b"]'), "not in demo:x"),
        (
            _with(LOCAL.replace('"dpkg"', '"apk"'), 'packages_base = "demo:x"\npackages = []'),
            "not a apk list",
        ),
    ],
)
def test_package_bases_must_resolve(tmp_path: Path, y_local: str, message: str) -> None:
    x_local = _with(LOCAL, 'packages = ["a=1"]')
    if "loops" in message:
        x_local = _with(LOCAL, 'packages_base = "demo:y"\npackages = []')
    with pytest.raises(gen.SourceError, match=message):
        _load(tmp_path, _tag('["x"]', local=x_local), _tag('["y"]', local=y_local), _tag('["z"]'))


def test_the_file_name_is_the_image(tmp_path: Path) -> None:
    with pytest.raises(gen.SourceError, match="not the file's name"):
        _load(tmp_path, _tag(), name="other")


# --- the library check -------------------------------------------------------------------------------

LIBRARY = f"""\
# generated
Maintainers: Someone <a@example.org> (@a),
             Someone Else <b@example.org> (@b)
GitRepo: https://example.org/demo.git

Tags: 1.2.3-full, 1.2-full, full
SharedTags: 1.2.3, latest
Architectures: amd64, arm64v8
GitCommit: {SHA}
Directory: 1/full

Tags: 1.2.3-win
SharedTags: 1.2.3, latest
Architectures: windows-amd64
GitCommit: {"c" * 40}

Tags: os
Architectures: amd64, arm64v8
GitCommit: {"d" * 40}
amd64-GitCommit: {SHA}
amd64-Directory: x86_64/
"""


def test_library_entries_are_parsed() -> None:
    entries = gen.parse_library(LIBRARY)
    assert [entry.tags for entry in entries] == [
        ["1.2.3-full", "1.2-full", "full", "1.2.3", "latest"],
        ["1.2.3-win", "1.2.3", "latest"],
        ["os"],
    ]
    assert entries[0] == gen.LibraryEntry(
        entries[0].tags, ["amd64", "arm64v8"], "https://example.org/demo.git", SHA, "1/full"
    )
    assert entries[2].git_commit == SHA and entries[2].directory == "x86_64/"


def test_library_check_finds_what_differs(tmp_path: Path) -> None:
    good = _tag('["full", "1.2.3-full", "1.2-full", "1.2.3", "latest"]', 'directory = "1/full"\n')
    wrong = _tag('["os", "3.24.2"]', 'directory = "x86_64"\n')
    tags = _load(tmp_path, good, wrong, _tag('["gone"]'))

    def show(commit: str, path: str) -> str:
        assert (commit, path) == ("a" * 40, "library/demo")
        return LIBRARY

    assert gen.library_problems(tags, show) == [
        "demo.toml: tag ['os']: tags not in the library entry ['3.24.2'], left out []",
        "demo.toml: tag ['os']: directory 'x86_64' != the library's 'x86_64/'",
        "demo.toml: tag ['gone']: no amd64 entry of library/demo has these tags",
    ]


def test_a_dropped_entry_is_checked_at_its_own_commit(tmp_path: Path) -> None:
    old = "c" * 40
    dropped = _tag('["gone"]', f'official_images_commit = "{old}"\ndirectory = "x86_64/"\n')
    current, gone = _load(tmp_path, _tag('["os"]', 'directory = "x86_64/"\n'), dropped)
    assert (current.official_images_commit, gone.official_images_commit) == ("a" * 40, old)
    # at the old commit the entry also had the alias "os", which the current entry lists now
    libraries = {"a" * 40: LIBRARY, old: LIBRARY.replace("Tags: os", "Tags: gone, os")}

    def show(commit: str, path: str) -> str:
        assert path == "library/demo"
        return libraries[commit]

    assert gen.library_problems([current, gone], show) == []
    assert gen.library_problems([gone], show) == [
        "demo.toml: tag ['gone']: tags not in the library entry [], left out ['os']"
    ]
    assert gen.library_problems([gone], lambda commit, path: LIBRARY) == [
        "demo.toml: tag ['gone']: no amd64 entry of library/demo has these tags"
    ]
