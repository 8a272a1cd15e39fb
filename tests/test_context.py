"""The build context: Docker's .dockerignore semantics, what COPY/ADD sources select, links and
local archives."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from dfanalyze.analysis.context import (
    BuildContext,
    ContextTooLarge,
    archive_members,
    clean_source,
    go_clean,
    load_context,
    match_source_pattern,
    parse_ignore,
    read_ignore_file,
)


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def sent(root: Path, ignore: str | None) -> list[str]:
    rules = parse_ignore(ignore) if ignore is not None else None
    return [e.path for e in load_context(root, rules).entries]


@pytest.mark.parametrize(
    ("path", "cleaned"),
    [
        ("", "."),
        (".", "."),
        ("a/./b//c/", "a/b/c"),
        ("a/../../b", "../b"),
        ("/../a", "/a"),
        ("//a", "/a"),
        ("a/b/..", "a"),
    ],
)
def test_go_clean(path: str, cleaned: str) -> None:
    assert go_clean(path) == cleaned


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ("*.log", "a.log", True),
        ("*.log", "logs/a.log", False),  # one level only, unlike .gitignore
        ("**/*.log", "logs/old/a.log", True),
        ("**/*.log", "a.log", True),
        ("docs", "docs/guide/intro.md", True),  # a parent folder matches
        ("docs\n!docs/keep.md", "docs/keep.md", False),
        ("docs\n!docs/keep.md", "docs/other.md", True),
        ("/build", "build/out.bin", True),  # a leading slash is dropped
        ("./build/../dist", "dist/app.js", True),  # cleaned like filepath.Clean
        ("foo/**", "foo", False),  # prefix match: the folder itself is sent
        ("foo/**", "foo/bar", True),
        ("**", "anything/at/all", True),
        ("**\n!keep", "keep", False),
        ("**foo", "barfoo", True),  # BuildKit's suffix match without a slash
        ("**/foo", "barfoo", False),
        ("**/foo", "a/foo", True),
        ("[ab].txt", "b.txt", True),
        ("[^ab].txt", "c.txt", True),
        ("\\*.txt", "*.txt", True),
        ("\\*.txt", "a.txt", False),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        ("  spaced  ", "spaced", True),  # trimmed
        (" # not a comment", "# not a comment", True),  # only column 1 starts a comment
        ("# comment\n*.md", "# comment", False),
        ("file.(x)", "file.(x)", True),  # regex characters are literal
        ("*.log\n!important.log\n*.log", "important.log", True),  # the last matching pattern wins
    ],
)
def test_dockerignore_patterns(patterns: str, path: str, excluded: bool) -> None:
    assert parse_ignore(patterns).excludes(path) is excluded


def test_the_decisive_pattern_is_reported() -> None:
    rules = parse_ignore("# build output\n*.log\nsecrets/\n")
    pattern = rules.decisive("secrets/key")
    assert pattern is not None and (pattern.text, pattern.line) == ("secrets", 3)
    assert rules.decisive("main.go") is None


def test_bad_lines_are_errors_and_the_rest_still_works() -> None:
    rules = parse_ignore("\ufeff*.tmp\n!\n[abc\nbuild\\\n*.log\n")
    assert rules.errors == (
        'line 2: illegal exclusion pattern: "!"',
        "line 3: syntax error in pattern: '[abc' has an unclosed '['",
        "line 4: syntax error in pattern: 'build\\\\' ends with a backslash",
    )
    assert [p.text for p in rules.patterns] == ["*.tmp", "*.log"]  # the BOM is stripped


def test_an_excluded_folder_is_entered_only_for_an_exception_that_names_it(tmp_path: Path) -> None:
    root = tree(tmp_path, {"docs/keep.md": "k", "docs/drop.md": "d", "main.go": "m"})
    assert sent(root, "docs\n!docs/keep.md") == ["docs", "docs/keep.md", "main.go"]
    # As BuildKit's walker: a wildcard exception does not reopen the excluded folder.
    assert sent(root, "docs\n!**/keep.md") == ["main.go"]
    assert not parse_ignore("docs\n!**/keep.md").excludes("docs/keep.md")


def test_load_context_lists_what_is_sent_and_what_is_ignored(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a.txt": "12345", "logs/x.log": "123", "logs/y.log": "1", "src/m.py": "pass\n"})
    (root / "src" / "link").symlink_to("m.py")
    context = load_context(root, parse_ignore("logs\n"))
    assert [(e.path, e.kind, e.size) for e in context.entries] == [
        ("a.txt", "file", 5),
        ("src", "dir", 0),
        ("src/link", "symlink", 0),
        ("src/m.py", "file", 5),
    ]
    assert [(e.path, e.kind) for e in context.ignored] == [("logs", "dir")]
    assert context.total_bytes == 10
    link = context.entry("src/link")
    assert link is not None and link.target == "m.py"
    assert context.resolve("src/link") == context.entry("src/m.py") is not None
    assert context.entry("src/nothing") is None and context.entry("zzz") is None


def test_a_limit_stops_the_walk(tmp_path: Path) -> None:
    root = tree(tmp_path, {f"f{i}": "" for i in range(5)})
    assert len(load_context(root, None, limit=5).entries) == 5
    with pytest.raises(ContextTooLarge, match="more than 4 entries"):
        load_context(root, None, limit=4)


def test_no_ignore_file_sends_everything(tmp_path: Path) -> None:
    root = tree(tmp_path, {".git/HEAD": "ref", "x": ""})
    context = load_context(root, read_ignore_file(root))
    assert context.ignore is None
    assert [e.path for e in context.entries] == [".git", ".git/HEAD", "x"]


def test_the_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    root = tree(tmp_path, {".dockerignore": "a\n", "build/prod.Dockerfile": "FROM x\n"})
    tree(root, {"build/prod.Dockerfile.dockerignore": "b\n"})
    rules = read_ignore_file(root, root / "build" / "prod.Dockerfile")
    assert rules is not None and [p.text for p in rules.patterns] == ["b"]
    other = read_ignore_file(root, root / "Dockerfile")
    assert other is not None and [p.text for p in other.patterns] == ["a"]


@pytest.fixture
def context(tmp_path: Path) -> BuildContext:
    root = tree(
        tmp_path,
        {
            "README.md": "# r\n",
            "conf/a.conf": "a",
            "conf/b.conf": "bb",
            "conf/readme.txt": "t",
            "src/app/main.py": "print()\n",
            "src/app/notes.md": "n",
            "src/README.md": "s",
        },
    )
    (root / "current").symlink_to("src/app")
    return load_context(root, None)


def members(context: BuildContext, source: str, excludes: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(m.item.path, r) for m in context.select(source, excludes) for r, _ in m.members]


def test_a_folder_source_brings_its_contents(context: BuildContext) -> None:
    assert members(context, "./src/") == [
        ("src", "README.md"),
        ("src", "app"),
        ("src", "app/main.py"),
        ("src", "app/notes.md"),
    ]
    assert len(members(context, ".")) == 11
    assert members(context, "/conf/a.conf") == [("conf/a.conf", "")]  # relative to the context
    assert members(context, "missing") == []


def test_wildcards_match_one_component(context: BuildContext) -> None:
    assert members(context, "conf/*.conf") == [("conf/a.conf", ""), ("conf/b.conf", "")]
    assert members(context, "*.md") == [("README.md", "")]
    assert members(context, "conf/?.conf") == [("conf/a.conf", ""), ("conf/b.conf", "")]
    assert members(context, "conf/[a].conf") == [("conf/a.conf", "")]


def test_exclude_applies_inside_folder_sources_only(context: BuildContext) -> None:
    assert members(context, "src", ("*.md",)) == [
        ("src", "app"),
        ("src", "app/main.py"),
        ("src", "app/notes.md"),
    ]
    assert members(context, "src", ("**/*.md",)) == [("src", "app"), ("src", "app/main.py")]
    assert members(context, "src", ("app",)) == [("src", "README.md")]
    # BuildKit does not apply --exclude to a file source (moby/buildkit#5489).
    assert members(context, "README.md", ("*.md",)) == [("README.md", "")]


def test_a_link_source_is_followed(context: BuildContext) -> None:
    assert members(context, "current") == [("src/app", "main.py"), ("src/app", "notes.md")]


def folders_read(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """The folders below ``root`` listed from now on (relative paths), in order."""
    read: list[str] = []
    scandir = os.scandir

    def recording(path: str) -> object:
        if str(path).startswith(str(root)):
            read.append(os.path.relpath(path, root))
        return scandir(path)

    monkeypatch.setattr("dfanalyze.analysis.context.os.scandir", recording)
    return read


@pytest.mark.parametrize(
    "sources",
    [
        ("./src/",),
        ("conf/*.conf", "README.md"),
        ("*.md", "src/app/main.py"),
        ("current",),
        ("current", "conf/[a].conf", "missing", "src/*/notes.md"),
        (".", "conf"),
    ],
)
def test_a_walk_for_some_sources_selects_what_the_whole_walk_does(
    context: BuildContext, sources: tuple[str, ...]
) -> None:
    partial = load_context(context.root, None, sources=sources)
    for source in sources:
        assert members(partial, source) == members(context, source)
    assert {e.path for e in partial.entries} <= {e.path for e in context.entries}


def test_a_walk_reads_only_the_folders_sources_reach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(
        tmp_path,
        {
            "package.json": "{}",
            "src/a/b.js": "b",
            "docs/x.md": "x",
            "node_modules/m/i.js": "i",
            "conf/a.conf": "a",
        },
    )
    read = folders_read(monkeypatch, root)
    found = load_context(
        root, parse_ignore("node_modules\n"), sources=["package.json", "src/", "conf/*.conf"]
    )
    assert sorted(read) == [".", "conf", "src", "src/a"]
    assert [e.path for e in found.entries] == [
        "conf",
        "conf/a.conf",
        "package.json",
        "src",
        "src/a",
        "src/a/b.js",
    ]
    read.clear()
    whole = load_context(root, parse_ignore("node_modules\n"), sources=["."])
    assert sorted(read) == [".", "conf", "docs", "src", "src/a"]  # the ignored folder is never entered
    assert len(whole.entries) == 8


def test_digest_is_the_content(context: BuildContext) -> None:
    conf, current = context.entry("conf/a.conf"), context.entry("current")
    assert conf is not None and current is not None
    first = context.digest(conf)
    Path(context.root, "conf/a.conf").write_text("a")
    os.utime(Path(context.root, "conf/a.conf"), (1, 1))
    assert context.digest(conf) == first
    assert context.digest(current) == "src/app"


@pytest.mark.parametrize(
    ("source", "cleaned"),
    [(".", "."), ("./", "."), ("/", "."), ("../x", "x"), ("a//b/", "a/b"), ("/abs/path", "abs/path")],
)
def test_clean_source(source: str, cleaned: str) -> None:
    assert clean_source(source) == cleaned


def test_source_patterns_are_filepath_match() -> None:
    assert match_source_pattern("*.txt", "a.txt")
    assert not match_source_pattern("*.txt", "d/a.txt")
    assert match_source_pattern("d/\\*", "d/*")
    assert not match_source_pattern("d/\\*", "d/x")


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("[a-c]x", "bx", True),
        ("[^a]", "b", True),
        ("[^a]", "a", False),
        ("[\\]]", "]", True),
        ("[!]", "!", True),  # ! is not negation in Go
        ("[z-a]", "m", False),  # a reversed range matches nothing
        ("[^z-a]", "m", True),
        # what Go calls a bad pattern (BuildKit stops the build) matches nothing and raises nothing
        ("[]x", "x", False),
        ("[]", "", False),
        ("[", "[", False),
        ("a[", "a[", False),
        ("[a-", "a", False),
        ("[a-]", "a", False),
        ("a\\", "a", False),
    ],
)
def test_source_pattern_classes_and_bad_patterns_as_go(pattern: str, path: str, matches: bool) -> None:
    assert match_source_pattern(pattern, path) is matches


def test_archives_are_listed_and_other_files_are_not_archives(tmp_path: Path) -> None:
    archive = tmp_path / "payload.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("./payload/bin/tool", b"#!/bin/sh\n"), ("payload/share/data.txt", b"12345")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        folder = tarfile.TarInfo("payload/empty")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
    listed = archive_members(archive)
    assert listed is not None
    assert [(m.path, m.kind, m.size) for m in listed] == [
        ("payload/bin/tool", "file", 10),
        ("payload/share/data.txt", "file", 5),
        ("payload/empty", "dir", 0),
    ]
    plain = tmp_path / "notes.tar.gz"
    plain.write_text("not an archive")
    assert archive_members(plain) is None
    assert archive_members(tmp_path / "missing.tar") is None


@pytest.mark.parametrize(
    ("select", "folders"),
    [
        ("DF101", []),  # no selected rule reads the context: it is never walked
        ("DF402", [".", "src", "src/a"]),  # only where the COPY sources reach
        ("DF401", [".", "src", "src/a"]),  # the layer graph sizes the COPYs
    ],
)
def test_check_walks_the_context_only_for_rules_that_need_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, select: str, folders: list[str]
) -> None:
    from dfanalyze.cli import main

    root = tree(
        tmp_path,
        {"src/a/b.js": "b", "docs/x.md": "x", "node_modules/m/i.js": "i", ".dockerignore": "node_modules\n"},
    )
    (root / "Dockerfile").write_text("FROM alpine:3.20\nCOPY src/ /src/\nRUN rm -rf /src/a\n")
    read = folders_read(monkeypatch, root)
    main(["check", "--select", select, "--output-format", "concise", str(root / "Dockerfile")])
    assert sorted(read) == folders
