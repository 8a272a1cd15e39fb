"""The real-world precision benchmark's machinery (benchmarks/realworld, tools/realworld_manifest.py):
the manifest and labels as committed, label matching, the hadolint cache, the sample, the reading of
library files and of snapshots. Nothing here needs the snapshots or hadolint: the files they read
are made in a temporary folder."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from realworld import corpus, hadolint, labels  # noqa: E402 (benchmarks/ on the path first)
from realworld.lint import Hit, word_at  # noqa: E402


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


manifest_tool = _load("realworld_manifest", ROOT / "tools" / "realworld_manifest.py")
sample = _load("realworld_sample", ROOT / "benchmarks" / "realworld" / "sample.py")

BLOB = "a" * 40


def hit(line: int, word: str, code: str = "DF513", blob: str = BLOB, end_line: int | None = None) -> Hit:
    return Hit(blob, line, 3, code, word, end_line or line, 3 + len(word), "name", "info", "message")


def label(line: int, word: str, verdict: str = "noise", code: str = "DF513") -> labels.Label:
    return labels.Label(BLOB, code, line, word, verdict, "a reason")


# -- the committed data ------------------------------------------------------------------------


def test_manifest_names_each_blob_once_with_its_source() -> None:
    files = corpus.load()
    assert len(files) >= 800
    assert {f.set for f in files} == set(corpus.SETS)
    assert len({f.blob for f in files}) == len(files)
    for f in files:
        assert len(f.blob) == 40 and len(f.commit) == 40, f.name
        assert "/" in f.repo and f.path, f.name
        assert (f.set == "official") == bool(f.images), f.name
    per_repo = Counter(f.repo for f in files if f.set == "apps")
    assert max(per_repo.values()) <= manifest_tool.PER_REPOSITORY
    assert len(per_repo) >= 60


def test_committed_labels_are_valid_and_name_files_of_the_set() -> None:
    known = labels.load()
    blobs = {f.blob: f for f in corpus.load()}
    assert len(known) >= 100
    for lab in known:
        assert lab.blob in blobs, lab
        assert lab.file == blobs[lab.blob].name, lab
        assert lab.verdict in labels.VERDICTS


def test_hadolint_cache_covers_the_set() -> None:
    cache = hadolint.load_cache()
    assert cache, "benchmarks/realworld/hadolint.json is committed"
    newest = max(cache, key=lambda v: tuple(int(x) for x in v.split(".")))
    missing = [f.name for f in corpus.load() if f.blob not in cache[newest]]
    assert not missing, f"not in the hadolint cache: {missing[:5]}"


# -- matching labels to findings ---------------------------------------------------------------


def test_labels_match_by_place_and_word() -> None:
    hits = [hit(12, "curl"), hit(12, "wget"), hit(13, "git")]
    m = labels.match([label(12, "wget"), label(13, "git")], hits)
    assert [(lab.word, h.word) for lab, h in m.matched] == [("wget", "wget"), ("git", "git")]
    assert m.unlabelled == [hit(12, "curl")]
    assert m.stale == []


def test_a_lone_label_keeps_its_lone_finding_when_the_word_changes() -> None:
    # a span that now starts elsewhere on the line (or a new message) does not lose the label
    m = labels.match([label(12, "curl")], [hit(12, "apt-get")])
    assert len(m.matched) == 1 and not m.stale and not m.unlabelled


def test_one_finding_per_instruction_keeps_the_first_items_label() -> None:
    # before: one finding per package on lines 12-14; after: one at the first package
    before = [label(12, "curl", "noise"), label(13, "wget", "noise"), label(14, "git", "actionable")]
    m = labels.match(before, [hit(12, "curl", end_line=14)])
    assert [lab.word for lab, _ in m.matched] == ["curl"]
    assert [lab.word for lab in m.stale] == ["wget", "git"]


def test_several_labels_on_a_line_are_not_guessed() -> None:
    m = labels.match([label(12, "curl"), label(12, "wget")], [hit(12, "git")])
    assert not m.matched
    assert len(m.stale) == 2 and m.unlabelled == [hit(12, "git")]


def test_labels_of_other_rules_and_files_do_not_match() -> None:
    m = labels.match([label(12, "curl", code="DF521")], [hit(12, "curl"), hit(12, "curl", blob="b" * 40)])
    assert not m.matched and len(m.stale) == 1 and len(m.unlabelled) == 2


def test_precision_by_rule_and_the_weighted_estimate() -> None:
    pairs = [(label(1, "a", "actionable"), hit(1, "a")), (label(2, "b", "noise"), hit(2, "b"))]
    pairs += [(label(3, "c", "actionable", "DF709"), hit(3, "c", "DF709"))]
    by_rule = labels.precision_by_rule(pairs)
    assert by_rule["DF513"] == labels.Precision(actionable=1, noise=1)
    assert by_rule["DF513"].value == 0.5
    total, estimate = labels.overall(by_rule, {"DF513": 300, "DF709": 100})
    assert total == labels.Precision(actionable=2, noise=1)
    assert estimate == pytest.approx((300 * 0.5 + 100 * 1.0) / 400)


LABEL_TEXT = """
[[label]]
blob = "{blob}"
rule = "DF513"
line = 3
word = "curl"
verdict = "{verdict}"
reason = "{reason}"
"""


def test_label_file_problems_are_named(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"
    path.write_text(LABEL_TEXT.format(blob=BLOB, verdict="maybe", reason="x"))
    with pytest.raises(labels.LabelError, match="verdict 'maybe'"):
        labels.load(path)
    path.write_text(LABEL_TEXT.format(blob=BLOB, verdict="noise", reason=" "))
    with pytest.raises(labels.LabelError, match="reason is empty"):
        labels.load(path)
    path.write_text(2 * LABEL_TEXT.format(blob=BLOB, verdict="noise", reason="x"))
    with pytest.raises(labels.LabelError, match="a second label"):
        labels.load(path)
    path.write_text(LABEL_TEXT.format(blob=BLOB, verdict="wrong", reason="x"))
    assert labels.load(path) == [labels.Label(BLOB, "DF513", 3, "curl", "wrong", "x")]
    assert labels.load(tmp_path / "absent.toml") == []


def test_word_at_is_the_first_word_of_the_finding() -> None:
    lines = ["RUN apt-get install -y \\", "\t\tlibargon2-dev \\"]
    assert word_at(lines, 2, 3) == "libargon2-dev"
    assert word_at(lines, 1, 5) == "apt-get"
    assert word_at(lines, 1, 200) == ""
    assert word_at(lines, 9, 1) == ""


# -- the sample --------------------------------------------------------------------------------


def test_sample_spreads_over_files_and_repositories_and_is_deterministic() -> None:
    blobs = [c * 40 for c in "abcde"]
    repo_of = {blobs[0]: "x/one", blobs[1]: "x/one", blobs[2]: "x/one", blobs[3]: "y/two", blobs[4]: "y/two"}
    hits = [hit(n, f"w{n}", blob=b) for b in blobs for n in range(1, 4)]
    chosen = sample.spread(hits, repo_of, 4, "seed")
    assert chosen == sample.spread(list(reversed(hits)), repo_of, 4, "seed")
    assert len({h.blob for h in chosen}) == 4  # one per file first
    assert Counter(repo_of[h.blob] for h in chosen) == {"x/one": 2, "y/two": 2}
    assert len(sample.spread(hits, repo_of, 20, "seed")) == 15  # then the rest
    assert sample.spread(hits, repo_of, 4, "other") != chosen


def test_excerpt_marks_the_finding_and_shortens_long_ones() -> None:
    lines = [f"line {n}" for n in range(1, 31)]
    short = sample.excerpt(lines, hit(10, "line"), 2)
    assert short[0] == "     8 | line 8" and short[2] == ">   10 | line 10"
    assert short[3] == "       |   ^"
    long = sample.excerpt(lines, hit(5, "line", end_line=20), 1)
    assert "      ..." in long
    assert long[-1] == "    21 | line 21"


# -- reading the set ---------------------------------------------------------------------------


def _git(*args: str, cwd: Path, data: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, check=True)
    return done.stdout.decode().strip()


def test_files_are_read_from_snapshots_and_missing_ones_are_named(tmp_path: Path) -> None:
    git = tmp_path / "owner+name" / "repo"
    git.mkdir(parents=True)
    _git("init", "-q", "--bare", str(git), cwd=tmp_path)
    contents = [b"FROM alpine\nRUN true\n", b"FROM scratch\n", b""]
    blobs = [
        _git("--git-dir", str(git), "hash-object", "-w", "--stdin", cwd=tmp_path, data=c) for c in contents
    ]
    files = [
        corpus.RealFile("apps", "owner/name", "c" * 40, f"{i}/Dockerfile", b) for i, b in enumerate(blobs)
    ]
    assert corpus.read_all(files, tmp_path) == dict(zip(blobs, contents, strict=True))
    other = corpus.RealFile("apps", "someone/else", "c" * 40, "Dockerfile", "d" * 40)
    with pytest.raises(corpus.MissingSnapshots, match="fetch github:someone/else"):
        corpus.read_all([*files, other], tmp_path)
    absent = corpus.RealFile("apps", "owner/name", "c" * 40, "Dockerfile", "e" * 40)
    with pytest.raises(LookupError, match="has no blob"):
        corpus.read_all([absent], tmp_path)


def test_the_hadolint_cache_is_read_without_hadolint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hadolint.json"
    hadolint.save_cache({"2.9.0": {BLOB: []}, "2.15.1": {BLOB: [[3, 1, "DL3008", "warning", "Pin"]]}}, path)
    monkeypatch.setattr(hadolint, "find_binary", lambda: None)
    results = hadolint.results_for([(BLOB, b"FROM x\n"), ("b" * 40, b"")], path=path)
    assert results is not None
    assert results.version == "2.15.1" and results.ran == 0
    assert results.by_blob == {BLOB: [[3, 1, "DL3008", "warning", "Pin"]]}
    assert hadolint.results_for([], path=tmp_path / "none.json") is None


# -- the manifest tool -------------------------------------------------------------------------

LIBRARY = """\
# a comment
Maintainers: Someone <someone@example.com> (@someone),
             Another <another@example.com> (@another)
GitRepo: https://github.com/example/docker-thing.git

Tags: 1.2.3, 1.2, latest
SharedTags: 1
Architectures: amd64, arm64v8
GitCommit: 0123456789abcdef0123456789abcdef01234567
Directory: 1.2/debian

Tags: 1.2.3-alpine
Architectures: amd64, arm64v8
GitCommit: 0123456789abcdef0123456789abcdef01234567
arm64v8-Directory: 1.2/alpine-arm
Directory: 1.2/alpine
File: Dockerfile.alpine

Tags: 1.2.3-windowsservercore
Architectures: windows-amd64
GitCommit: 0123456789abcdef0123456789abcdef01234567
Directory: 1.2/windows

Tags: rootfs
Builder: oci-import
File: index.json
GitCommit: 0123456789abcdef0123456789abcdef01234567
"""


def test_library_files_name_their_dockerfiles() -> None:
    skipped: Counter[str] = Counter()
    refs = manifest_tool.library_refs("thing", LIBRARY, skipped)
    assert [(r.repo, r.path) for r in refs] == [
        ("example/docker-thing", "1.2/debian/Dockerfile"),
        ("example/docker-thing", "1.2/alpine/Dockerfile.alpine"),
        ("example/docker-thing", "1.2/alpine-arm/Dockerfile.alpine"),
    ]
    assert refs[0].tags == ["thing:1.2.3", "thing:1.2", "thing:latest", "thing:1"]
    assert skipped == {
        "official: windows entries skipped": 1,
        "official: oci-import entries skipped (no Dockerfile)": 1,
    }


@pytest.mark.parametrize(
    ("path", "taken"),
    [
        ("Dockerfile", True),
        ("docker/Dockerfile.alpine", True),
        ("build/app.Dockerfile", True),
        ("Containerfile", True),
        ("dockerfile", True),
        ("Dockerfile.j2", False),
        ("Dockerfile.template", False),
        ("pkg/dockerfile/dockerfile.go", False),
        ("testdata/Dockerfile", False),
        ("web/node_modules/x/Dockerfile", False),
        ("lib/nghttp2-1.65.0/Dockerfile.android", False),
        ("docs/Dockerfile.md", False),
        ("dockerfiles/README", False),
    ],
)
def test_dockerfile_names(path: str, taken: bool) -> None:
    assert manifest_tool.is_dockerfile(path) is taken
