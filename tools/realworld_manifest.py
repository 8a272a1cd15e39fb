"""Regenerate ``benchmarks/realworld/manifest.toml``, the real-world Dockerfile set, from snapshots.

    python tools/realworld_manifest.py [--mirror /work/.mirror] [--out PATH]

The set has two parts, both read from repository snapshots brought by the search tool's ``fetch``
(one git directory per repository under ``<mirror>/<owner>+<name>/repo``):

``official``
    Every Dockerfile that a library file of docker-library/official-images names (``GitRepo``,
    ``GitCommit``, ``Directory``, ``File``, and their per-architecture variants such as
    ``arm64v8-Directory``), for the library entries whose repository has a snapshot here. Windows
    entries (only ``windows-*`` architectures) are counted and skipped. When a snapshot predates
    the library file, the commit it names is missing: the file at the same path in the snapshot's
    newest commit is taken instead, and the entry keeps the library's commit as
    ``library_commit``. Files the snapshot does not have at all are counted and skipped.

``apps``
    Every Dockerfile-like file (``Dockerfile``, ``Dockerfile.*``, ``*.Dockerfile``,
    ``Containerfile``, ``Containerfile.*``; any letter case) in the newest commit of each repository
    of :data:`APPS`, without symbolic links, templates (``.j2``, ``.tmpl``, ...), source files
    named after Dockerfiles (``dockerfile.go``), test inputs (``testdata/``, ``fixtures/``) and
    vendored trees (``vendor/``, ``third_party/``, ``lib/zlib-1.3.1/``), and at most
    :data:`PER_REPOSITORY` per repository, so that no repository dominates: the shallowest paths
    first, ties broken by a hash of the path (a deterministic choice that does not favour the
    alphabet). Files for Windows (a ``FROM`` of a Windows base image) are counted and skipped.

Identical files (the same git blob) appear once: an official blob keeps every image and tag that
names it; a blob already in the set is not taken again from another repository.

The manifest holds references only (repository, commit, path, blob id): no fetched content is
committed. ``benchmarks/realworld/corpus.py`` reads the files back from the snapshots.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "realworld" / "manifest.toml"
MIRROR = Path("/work/.mirror")
OFFICIAL_IMAGES = "docker-library/official-images"
PER_REPOSITORY = 15
SYMLINK = "120000"  # git's file mode of a symbolic link

# The application repositories: (owner/name, main languages, kind). Chosen for a spread of
# languages and kinds of project; each keeps its Dockerfiles in the repository itself.
APPS: tuple[tuple[str, str, str], ...] = (
    ("BookStackApp/BookStack", "php", "web app"),
    ("CTFd/CTFd", "python", "web app"),
    ("FreshRSS/FreshRSS", "php", "web app"),
    ("GoogleCloudPlatform/microservices-demo", "go, c#, node, python, java", "microservices demo"),
    ("Kareadita/Kavita", "c#", "web app"),
    ("NginxProxyManager/nginx-proxy-manager", "node", "web app"),
    ("Project-OSRM/osrm-backend", "c++", "service"),
    ("Squidex/squidex", "c#", "web app"),
    ("aquasecurity/trivy", "go", "cli"),
    ("astral-sh/uv", "rust", "cli"),
    ("basecamp/kamal", "ruby", "cli"),
    ("bitwarden/server", "c#", "service"),
    ("coturn/coturn", "c", "service"),
    ("dani-garcia/vaultwarden", "rust", "service"),
    ("dependabot/dependabot-core", "ruby, many ecosystems", "service"),
    ("dgtlmoon/changedetection.io", "python", "web app"),
    ("discourse/discourse_docker", "ruby", "deployment"),
    ("docker-mailserver/docker-mailserver", "shell", "service"),
    ("dockersamples/example-voting-app", "python, node, c#", "microservices demo"),
    ("dotnet-architecture/eShopOnWeb", "c#", "web app"),
    ("dotnet/dotnet-docker", "c#", "sample apps"),
    ("drogonframework/drogon", "c++", "web framework"),
    ("excalidraw/excalidraw", "node", "web app"),
    ("fastapi/full-stack-fastapi-template", "python, node", "web app"),
    ("filebrowser/filebrowser", "go", "web app"),
    ("fluent/fluent-bit", "c", "service"),
    ("getredash/redash", "python", "web app"),
    ("getzola/zola", "rust", "cli"),
    ("grafana/loki", "go", "service"),
    ("halo-dev/halo", "java", "web app"),
    ("healthchecks/healthchecks", "python", "web app"),
    ("hoppscotch/hoppscotch", "node", "monorepo"),
    ("huggingface/text-generation-inference", "rust, python", "ml serving"),
    ("huginn/huginn", "ruby", "web app"),
    ("instana/robot-shop", "node, java, python, go, php", "microservices demo"),
    ("jaegertracing/jaeger", "go", "service"),
    ("jenkinsci/docker", "java", "service"),
    ("jitsi/docker-jitsi-meet", "java, lua", "deployment"),
    ("jupyter/docker-stacks", "python", "data/ml images"),
    ("kimai/kimai", "php", "web app"),
    ("kiwix/kiwix-tools", "c++", "service"),
    ("koalaman/shellcheck", "haskell", "cli"),
    ("kserve/kserve", "go, python", "ml serving"),
    ("laravel/sail", "php", "dev environment"),
    ("lldap/lldap", "rust", "service"),
    ("lobsters/lobsters", "ruby", "web app"),
    ("localstack/localstack", "python", "service"),
    ("locustio/locust", "python", "cli"),
    ("louislam/uptime-kuma", "node", "web app"),
    ("mailcow/mailcow-dockerized", "php, python, shell", "deployment"),
    ("mealie-recipes/mealie", "python, node", "web app"),
    ("meilisearch/meilisearch", "rust", "service"),
    ("miniflux/v2", "go", "web app"),
    ("mitmproxy/mitmproxy", "python", "cli"),
    ("navidrome/navidrome", "go", "web app"),
    ("netbox-community/netbox-docker", "python", "deployment"),
    ("nextcloud/all-in-one", "php, shell", "deployment"),
    ("ollama/ollama", "go, c++", "ml serving"),
    ("open-telemetry/opentelemetry-demo", "many", "microservices demo"),
    ("openfaas/templates", "many", "function templates"),
    ("openzipkin/zipkin", "java", "service"),
    ("outline/outline", "node", "web app"),
    ("paperless-ngx/paperless-ngx", "python", "web app"),
    ("pi-hole/docker-pi-hole", "shell", "deployment"),
    ("pixelfed/pixelfed", "php", "web app"),
    ("prometheus/prometheus", "go", "service"),
    ("pytorch/serve", "python, java", "ml serving"),
    ("qdrant/qdrant", "rust", "service"),
    ("rclone/rclone", "go", "cli"),
    ("rustdesk/rustdesk-server", "rust", "service"),
    ("saleor/saleor", "python", "web app"),
    ("searxng/searxng", "python", "web app"),
    ("serversideup/docker-php", "php", "base images"),
    ("shlinkio/shlink", "php", "web app"),
    ("snipe/snipe-it", "php", "web app"),
    ("spring-petclinic/spring-petclinic-microservices", "java", "microservices demo"),
    ("sqlfluff/sqlfluff", "python", "cli"),
    ("supabase/realtime", "elixir", "service"),
    ("syncthing/syncthing", "go", "service"),
    ("traefik/traefik", "go", "service"),
    ("umami-software/umami", "node", "web app"),
    ("zulip/docker-zulip", "python", "deployment"),
)
# Where a repository keeps the Dockerfiles of applications when the rest are of another kind:
# dotnet-docker's src/ holds Microsoft's base images and eng/ their templates; samples/ holds apps.
APP_FOLDERS = {"dotnet/dotnet-docker": "samples/"}

DOCKERFILE_NAME = re.compile(
    r"(?:dockerfile|containerfile)(?:\.[^/]+)?|[^/]+\.(?:dockerfile|containerfile)", re.IGNORECASE
)
# Names that match but are not Dockerfiles: templates, documentation, and source or data files
# named after Dockerfiles (trivy's ``dockerfile.go``).
NOT_DOCKERFILE_SUFFIXES = tuple(
    f".{s}"
    for s in (
        "j2",
        "jinja",
        "jinja2",
        "tmpl",
        "tpl",
        "template",
        "erb",
        "in",
        "mustache",
        "hbs",
        "tt",
        "orig",
        "bak",
        "md",
        "txt",
        "rst",
        "sh",
        "bash",
        "ps1",
        "yml",
        "yaml",
        "json",
        "toml",
        "dockerignore",
        "patch",
        "diff",
        "go",
        "py",
        "js",
        "mjs",
        "cjs",
        "ts",
        "rs",
        "java",
        "kt",
        "rb",
        "php",
        "c",
        "h",
        "cc",
        "cpp",
        "cs",
        "hs",
        "lua",
        "ex",
        "exs",
        "snap",
        "golden",
        "out",
        "html",
        "xml",
        "svg",
        "png",
    )
)
SKIPPED_DIRS = {
    "node_modules",
    "vendor",
    "third_party",
    "third-party",
    "external",
    "deps",
    "testdata",
    "fixtures",
    "__fixtures__",
    "__snapshots__",
    ".git",
}
VENDORED_RELEASE = re.compile(r".+-\d+\.\d+(?:\.\d+)*")  # lib/nghttp2-1.65.0: a copied release
WINDOWS_FROM = re.compile(
    rb"^\s*FROM\s+(?:--\S+\s+)*\S*(?:windows/|nanoserver|servercore|windowsservercore)",
    re.IGNORECASE | re.MULTILINE,
)


class Snapshot:
    """One repository's snapshot: a git directory read with ``git`` (no work tree)."""

    def __init__(self, repo: str, mirror: Path) -> None:
        self.repo = repo
        base = mirror / repo.replace("/", "+") / "repo"
        self.git_dir = base / ".git" if (base / ".git").is_dir() else base

    @property
    def present(self) -> bool:
        return (self.git_dir / "HEAD").is_file()

    def git(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args], capture_output=True, text=True, check=False
        )
        if check and done.returncode:
            raise RuntimeError(f"git {' '.join(args)} in {self.git_dir}: {done.stderr.strip()}")
        return done.stdout

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def has_commit(self, commit: str) -> bool:
        return bool(self.git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False))

    def blob(self, commit: str, path: str) -> str | None:
        """The blob id of the file ``path`` at ``commit``, or None when the commit has no such
        file (or only a symbolic link there)."""
        out = self.git("ls-tree", commit, "--", path, check=False).split()
        return out[2] if len(out) >= 3 and out[1] == "blob" and out[0] != SYMLINK else None

    def files(self, commit: str) -> list[tuple[str, str]]:
        """(path, blob id) of every file of ``commit`` (symbolic links left out: their blob is the
        target's name, and the target is listed itself)."""
        rows = self.git("ls-tree", "-r", "-z", commit).split("\0")
        found = []
        for row in rows:
            if not row:
                continue
            meta, path = row.split("\t", 1)
            mode, kind, blob = meta.split()
            if kind == "blob" and mode != SYMLINK:
                found.append((path, blob))
        return found

    def read(self, blob: str) -> bytes:
        return subprocess.run(
            ["git", f"--git-dir={self.git_dir}", "cat-file", "blob", blob], capture_output=True, check=True
        ).stdout


# -- the library files ---------------------------------------------------------------------------


def paragraphs(text: str) -> Iterator[dict[str, str]]:
    """The paragraphs of a library file (RFC 2822-like: ``Key: value``, indented continuations,
    ``#`` comments, paragraphs separated by blank lines), each as a dict of its fields."""
    fields: dict[str, str] = {}
    last = ""
    for line in [*text.splitlines(), ""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                yield fields
            fields, last = {}, ""
        elif line[0].isspace() and last:
            fields[last] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            last = key.strip()
            fields[last] = value.strip()


def split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@dataclass
class LibraryRef:
    """One Dockerfile a library entry names, for one or more architectures."""

    image: str
    repo: str  # owner/name on GitHub, or the GitRepo URL when it is elsewhere
    commit: str
    path: str
    tags: list[str]


def github_repo(url: str) -> str:
    m = re.match(r"(?:https?|git)://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", url)
    return f"{m.group(1)}/{m.group(2)}" if m else url


def arch_field(fields: dict[str, str], arch: str, key: str) -> str:
    """A field for one architecture: ``arm64v8-Directory`` over ``Directory``."""
    return fields.get(f"{arch}-{key}") or fields.get(key, "")


def library_refs(image: str, text: str, skipped: Counter[str]) -> list[LibraryRef]:
    """The Dockerfiles of one library file. Windows entries, and ``oci-import`` entries (whose
    ``File`` is an OCI image index, not a Dockerfile), are counted in ``skipped``."""
    parts = list(paragraphs(text))
    if not parts:
        return []
    defaults = parts[0] if "Tags" not in parts[0] else {}
    entries = parts[1:] if defaults else parts
    refs: list[LibraryRef] = []
    for entry in entries:
        if "Tags" not in entry:
            continue
        fields = {**defaults, **entry}
        tags = [
            f"{image}:{t}"
            for t in split_list(fields.get("Tags", "")) + split_list(entry.get("SharedTags", ""))
        ]
        arches = split_list(fields.get("Architectures", "amd64"))
        if arches and all(a.startswith("windows-") for a in arches):
            skipped["official: windows entries skipped"] += 1
            continue
        if fields.get("Builder") == "oci-import":
            skipped["official: oci-import entries skipped (no Dockerfile)"] += 1
            continue
        seen: set[tuple[str, str, str]] = set()
        for arch in arches:
            directory = arch_field(fields, arch, "Directory") or "."
            name = arch_field(fields, arch, "File") or "Dockerfile"
            path = str(Path(directory) / name) if directory != "." else name
            repo = github_repo(arch_field(fields, arch, "GitRepo"))
            key = (repo, arch_field(fields, arch, "GitCommit"), path)
            if key not in seen:
                seen.add(key)
                refs.append(LibraryRef(image, key[0], key[1], key[2], tags))
    return refs


# -- the manifest --------------------------------------------------------------------------------


@dataclass
class Entry:
    set: str
    repo: str
    commit: str
    path: str
    blob: str
    library_commit: str = ""
    images: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass
class Repository:
    set: str
    repo: str
    commit: str
    languages: str = ""
    kind: str = ""
    found: int = 0  # Dockerfiles found (official: references resolved)
    kept: int = 0  # of them in the set (the others: duplicates, over the cap, Windows)
    missing: int = 0  # official: references to files the snapshot does not have


@dataclass
class Collection:
    entries: dict[str, Entry] = field(default_factory=dict)  # by blob id
    repositories: dict[str, Repository] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    unavailable: Counter[str] = field(default_factory=Counter)  # repository -> library entries


def collect_official(mirror: Path, into: Collection) -> None:
    library = Snapshot(OFFICIAL_IMAGES, mirror)
    if not library.present:
        sys.exit(f"no snapshot of {OFFICIAL_IMAGES} in {mirror}: fetch github:{OFFICIAL_IMAGES}")
    head = library.head()
    into.repositories[OFFICIAL_IMAGES] = Repository("library", OFFICIAL_IMAGES, head)
    refs: list[LibraryRef] = []
    for path, blob in library.files(head):
        if path.startswith("library/") and path.count("/") == 1:
            image = path.removeprefix("library/")
            refs += library_refs(image, library.read(blob).decode(), into.counts)
    snapshots: dict[str, Snapshot] = {}
    for ref in refs:
        snap = snapshots.setdefault(ref.repo, Snapshot(ref.repo, mirror))
        if not snap.present:
            into.unavailable[ref.repo] += 1
            continue
        commit, library_commit = ref.commit, ""
        if not snap.has_commit(commit):
            commit, library_commit = snap.head(), ref.commit
        repo = into.repositories.setdefault(ref.repo, Repository("official", ref.repo, snap.head()))
        file_blob = snap.blob(commit, ref.path)
        if file_blob is None:
            into.counts["official: named files missing from their snapshot"] += 1
            repo.missing += 1
            continue
        into.counts["official: references resolved"] += 1
        if library_commit:
            into.counts["official: references read at the snapshot's newest commit"] += 1
        repo.found += 1
        entry = into.entries.get(file_blob)
        if entry is None:
            entry = into.entries[file_blob] = Entry(
                "official", ref.repo, commit, ref.path, file_blob, library_commit
            )
            repo.kept += 1
        if ref.image not in entry.images:
            entry.images.append(ref.image)
        entry.tags += [t for t in ref.tags if t not in entry.tags]


def is_dockerfile(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if any(p in SKIPPED_DIRS or VENDORED_RELEASE.fullmatch(p) for p in parts[:-1]):
        return False
    if name.lower().endswith(NOT_DOCKERFILE_SUFFIXES):
        return False
    return DOCKERFILE_NAME.fullmatch(name) is not None


def pick_order(path: str) -> tuple[int, str]:
    return path.count("/"), hashlib.sha1(path.encode()).hexdigest()


def collect_apps(mirror: Path, into: Collection) -> None:
    for name, languages, kind in APPS:
        snap = Snapshot(name, mirror)
        if not snap.present:
            into.unavailable[name] += 1
            continue
        head = snap.head()
        repo = into.repositories[name] = Repository("apps", name, head, languages, kind)
        folder = APP_FOLDERS.get(name, "")
        candidates = sorted(
            ((p, b) for p, b in snap.files(head) if p.startswith(folder) and is_dockerfile(p)),
            key=lambda pb: pick_order(pb[0]),
        )
        repo.found = len(candidates)
        for path, blob in candidates:
            if repo.kept >= PER_REPOSITORY:
                into.counts["apps: over the per-repository cap"] += 1
                continue
            if blob in into.entries:
                into.counts["apps: identical to a file already in the set"] += 1
                continue
            if WINDOWS_FROM.search(snap.read(blob)):
                into.counts["apps: windows files skipped"] += 1
                continue
            into.entries[blob] = Entry("apps", name, head, path, blob)
            repo.kept += 1


# -- TOML output ---------------------------------------------------------------------------------


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(type(value))


def toml_table(header: str, values: Iterable[tuple[str, object]]) -> str:
    lines = [f"[[{header}]]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in values if v not in ("", [], None)]
    return "\n".join(lines)


def render(c: Collection) -> str:
    library = c.repositories[OFFICIAL_IMAGES]
    by_set = Counter(e.set for e in c.entries.values())
    head = [
        "# The real-world Dockerfile set of the precision benchmark (benchmarks/precision.py).",
        "# Generated by tools/realworld_manifest.py from repository snapshots; do not edit by hand.",
        "# References only: the files are read from the snapshots (benchmarks/realworld/corpus.py).",
        f"# official-images commit: {library.commit}",
        f"# files: {by_set['official']} official, {by_set['apps']} apps",
    ]
    head += [f"# {k}: {v}" for k, v in sorted(c.counts.items())]
    if c.unavailable:
        head.append(
            "# library repositories without a snapshot here (entries): "
            + ", ".join(f"{r} ({n})" for r, n in sorted(c.unavailable.items()))
        )
    out = ["\n".join(head), ""]
    out.append(f"[source]\nrepo = {toml_value(OFFICIAL_IMAGES)}\ncommit = {toml_value(library.commit)}")
    for r in sorted(c.repositories.values(), key=lambda r: (r.set, r.repo.lower())):
        if r.set == "library":
            continue
        out.append(
            toml_table(
                "repository",
                [
                    ("set", r.set),
                    ("repo", r.repo),
                    ("commit", r.commit),
                    ("languages", r.languages),
                    ("kind", r.kind),
                    ("found", r.found),
                    ("kept", r.kept),
                    ("missing", r.missing or ""),
                ],
            )
        )
    for e in sorted(c.entries.values(), key=lambda e: (e.set != "official", e.repo.lower(), e.path)):
        out.append(
            toml_table(
                "file",
                [
                    ("set", e.set),
                    ("repo", e.repo),
                    ("commit", e.commit),
                    ("path", e.path),
                    ("blob", e.blob),
                    ("library_commit", e.library_commit),
                    ("images", e.images),
                    ("tags", e.tags),
                ],
            )
        )
    return "\n\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", type=Path, default=MIRROR, help="the folder of the snapshots")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    c = Collection()
    collect_official(args.mirror, c)
    collect_apps(args.mirror, c)
    args.out.write_text(render(c))
    by_set = Counter(e.set for e in c.entries.values())
    print(f"{args.out}: {by_set['official']} official files, {by_set['apps']} apps files")
    for k, v in sorted(c.counts.items()):
        print(f"  {k}: {v}")
    missing = sorted(c.unavailable)
    if missing:
        print(f"  repositories without a snapshot ({len(missing)}): {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
