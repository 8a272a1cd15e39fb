"""What a layer holds, as far as it can be known before a build: a changeset of paths, opaque
blobs for content whose file list is not known (an apt install), and the parts that are unknown.

A layer is stored as an uncompressed tar of its changeset (what ``docker history`` and the
registry's uncompressed size report): a 512-byte header per entry, file data padded to 512 bytes,
a 1024-byte end marker. Every ancestor directory of a changed path is an entry too (an overlay
diff copies it up), except ``/``. A deleted path is a whiteout entry; a directory removed and made
again in the same step is an opaque directory (one more entry). Names longer than the 100 bytes of a
tar header that cannot be split at a ``/`` into a 155-byte prefix take a PAX header (1024 bytes).

:class:`LayerBuilder` collects one step's changes against the files the earlier steps left
(:class:`Tree`); both are private to a single computation, only :class:`Layer` and :class:`Tree`
snapshots leave it.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping
from functools import cached_property
from itertools import repeat
from operator import add, attrgetter, floordiv, itemgetter
from typing import TYPE_CHECKING, Literal

from immutables import Map
from msgspec import Struct, field
from msgspec.structs import replace

if TYPE_CHECKING:
    from immutables import MapMutation

    from dfanalyze.analysis.context import ContextEntry

NodeKind = Literal["file", "dir", "symlink"]
ChangeKind = Literal["file", "dir", "symlink", "hardlink", "whiteout", "opaque"]

TAR_BLOCK = 512
TAR_END = 1024
PAX_EXTRA = 1024


def padded(size: int) -> int:
    return (size + TAR_BLOCK - 1) // TAR_BLOCK * TAR_BLOCK


def needs_pax(path: str, kind: ChangeKind) -> bool:
    """Whether a tar entry for ``path`` (without the leading ``/``) needs a PAX header because
    USTAR's 100-byte name and 155-byte prefix cannot hold it."""
    name = path + "/" if kind in ("dir", "opaque") else path
    if len(name) <= 100:
        return False
    cut = name.rfind("/", 0, len(name) - 1)
    while cut > 0:
        if cut <= 155 and len(name) - cut - 1 <= 100:
            return False
        cut = name.rfind("/", 0, cut)
    return True


def entry_bytes(path: str, kind: ChangeKind, size: int) -> int:
    extra = PAX_EXTRA if needs_pax(path.lstrip("/"), kind) else 0
    whiteout = TAR_BLOCK if kind == "opaque" else 0  # the .wh..wh..opq marker inside it
    return TAR_BLOCK + extra + whiteout + (padded(size) if kind == "file" else 0)


def parent_dirs(path: str) -> Iterator[str]:
    """``/a/b/c`` gives ``/a/b`` then ``/a`` (never ``/``): ``posixpath.dirname`` repeated, inlined
    (a doubled slash counts as one)."""
    cut = path.rfind("/")
    while cut > 0:
        head = path[:cut].rstrip("/")
        if not head:
            return
        yield head
        path = head
        cut = head.rfind("/")


class Node(Struct, frozen=True, gc=False):
    """A path as the earlier steps left it."""

    kind: NodeKind
    size: int | None
    """Data bytes of a file (None when unknown)."""
    step: int | None
    """The step that wrote it; None for the base image."""
    complete: bool = True
    """For a directory: every path below it is known (it was made by the build itself)."""
    origin: str | None = None
    """For a file or link: the build-context path whose content it holds (written by COPY/ADD
    from the context, carried on by ``COPY --from``, ``cp`` and ``mv``, kept by ``chmod`` and
    ``chown``); None when a step made the content."""


class Change(Struct, frozen=True, gc=False):
    """One entry of a layer's tar."""

    kind: ChangeKind
    size: int | None = 0
    """Data bytes of a file (None when unknown)."""
    hides: int | None = 0
    """For a whiteout, an opaque directory or an overwritten file: the data bytes of the earlier
    version it hides (None when unknown). Only used to account wasted space."""


_DIR = Change("dir")
"""A directory entry (every one is the same)."""


def parent_of(path: str) -> str:
    """``/a/b`` gives ``/a``, ``/a`` gives ``/``."""
    cut = path.rfind("/")
    return path[:cut] if cut > 0 else "/"


_NO_ENTRIES: Map[str, None] = Map()


class Bundle(Struct, frozen=True, gc=False):
    """What one COPY took from a folder of the build context into a new folder ``root`` (one it
    made, with nothing known below it), kept as one unit until a later step looks inside ``root``.
    ``COPY . .`` of 100,000 files made 100,000 nodes, changes and waste entries (``layers`` took
    2.6 s CPU, 1.2 s of it there) although nothing later looked at them; as one unit they cost one
    pass over the members to sum their tar bytes. A lookup, ``rm``, ``cp``, glob or write at or
    below ``root`` expands it into its paths first (:meth:`paths`): the nodes and changes writing
    them one by one makes."""

    root: str
    prefix: str
    """The COPY's destination folder (no trailing ``/``): a member's path is ``prefix/relative``."""
    members: tuple[tuple[str, ContextEntry], ...]
    """(path relative to ``prefix``, context entry) of everything below ``root``, each folder
    before what it holds."""
    step: int
    tar_bytes: int
    """The tar bytes of the members' entries."""
    data_bytes: int

    def paths(self) -> Iterator[tuple[str, Node, Change]]:
        """Each member's path, node and change, as :meth:`LayerBuilder.write` and ``mkdir`` make them."""
        step = self.step
        prefix = self.prefix
        for relative, entry in self.members:
            path = f"{prefix}/{relative}"
            if entry.kind == "dir":
                yield path, Node("dir", 0, step), _DIR
            elif entry.kind == "symlink":
                yield path, Node("symlink", 0, step, origin=entry.path), _SYMLINK
            else:
                yield path, Node("file", entry.size, step, origin=entry.path), Change("file", entry.size, 0)


_SYMLINK = Change("symlink")
MAX_BUNDLES = 64
"""Bundles a stage holds at most: a COPY of many new folders writes the rest file by file."""
_ENTRY = itemgetter(1)
_SIZE = attrgetter("size")


def make_bundle(
    root: str, prefix: str, members: tuple[tuple[str, ContextEntry], ...], relatives: list[str], step: int
) -> Bundle:
    """A :class:`Bundle` of ``members`` (``relatives`` are their paths relative to ``prefix``)
    below the new folder ``root``: one tar header each, the data of the files padded to whole
    blocks, and a PAX header for a path tar's name fields cannot hold."""
    sizes = list(map(_SIZE, map(_ENTRY, members)))  # 0 for a folder or a link
    blocks = sum(map(floordiv, map(add, sizes, repeat(TAR_BLOCK - 1)), repeat(TAR_BLOCK)))
    tar = TAR_BLOCK * (len(members) + blocks)
    # a tar path has no leading "/": prefix + "/" + relative is len(prefix) + len(relative) long
    if len(prefix) + max(map(len, relatives)) + 1 > 100:
        for relative, entry in members:
            kind: ChangeKind = "dir" if entry.kind == "dir" else "file"
            tar += entry_bytes(f"{prefix}/{relative}", kind, 0) - TAR_BLOCK
    return Bundle(root, prefix, members, step, tar, sum(sizes))


def _subtree(
    nodes: Container[str],
    entries: Map[str, Map[str, None]] | MapMutation[str, Map[str, None]],
    path: str,
) -> list[str]:
    """The paths at and below ``path``, sorted: found through the directory entries."""
    found = [path] if path in nodes else []
    pending = [path]
    while pending:
        children = entries.get(pending.pop())
        if children:
            found.extend(children)
            pending.extend(children)
    found.sort()
    return found


def _bundles_at(bundles: Mapping[str, Bundle], path: str, *, below: bool) -> list[Bundle]:
    """The bundles whose root is above ``path`` (they hold it), and with ``below`` also those
    whose root is at or below ``path``."""
    found = [bundles[parent] for parent in parent_dirs(path) if parent in bundles]
    if below:
        inside = path.rstrip("/") + "/"
        found += [b for root, b in bundles.items() if root == path or root.startswith(inside)]
    return found


class Paths(Mapping[str, Node]):
    """The known paths of a stage (path -> :class:`Node`) and the entries of each directory, as
    persistent maps: a step's version shares everything it does not change with the one before, and
    what is at and below a path is found through the directory entries. Copying the paths at each
    step and scanning all of them for each ``rm``, ``cp`` or glob made a flat folder of 4,000 files
    removed by ``rm -rf *`` take 26 s (quadratic). Folders copied whole from the context are
    :class:`Bundle` s until something looks inside them; then they are expanded here, in place (the
    paths they stand for do not change)."""

    __slots__ = ("_bundles", "_entries", "_nodes")

    def __init__(
        self,
        nodes: Map[str, Node] | None = None,
        entries: Map[str, Map[str, None]] | None = None,
        bundles: Map[str, Bundle] | None = None,
    ) -> None:
        self._nodes: Map[str, Node] = Map() if nodes is None else nodes
        self._entries: Map[str, Map[str, None]] = Map() if entries is None else entries
        self._bundles: Map[str, Bundle] = Map() if bundles is None else bundles

    def _expand(self, path: str | None, *, below: bool = False) -> None:
        """Expand the bundles that hold ``path`` (and, with ``below``, those under it); every
        bundle when ``path`` is None."""
        found = (
            list(self._bundles.values()) if path is None else _bundles_at(self._bundles, path, below=below)
        )
        if found:
            builder = self.mutate()
            for bundle in found:
                builder.expand(bundle)
            self._nodes, self._entries, self._bundles = builder.maps()

    def __getitem__(self, path: str) -> Node:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self.get(path) is not None

    def get(self, path: str, default: Node | None = None) -> Node | None:  # type: ignore[override]
        found = self._nodes.get(path)  # Mapping's get raises and catches KeyError: slow
        if found is None and self._bundles:
            self._expand(path)
            found = self._nodes.get(path)
        return default if found is None else found

    def __iter__(self) -> Iterator[str]:
        self._expand(None)
        return iter(self._nodes)

    def __len__(self) -> int:
        self._expand(None)
        return len(self._nodes)

    def entries(self, directory: str) -> list[str]:
        """The known paths directly inside ``directory``, sorted."""
        if self._bundles:
            self._expand(directory + "/.")
        return sorted(self._entries.get(directory, _NO_ENTRIES))

    def subtree(self, path: str) -> list[str]:
        """The known paths at and below ``path``, sorted."""
        if self._bundles:
            self._expand(path, below=True)
        return _subtree(self._nodes, self._entries, path)

    def bundled_subtree(self, path: str) -> tuple[list[str], list[Bundle]] | None:
        """The known paths at and below ``path`` with the bundles below it kept whole (their roots
        are among the paths, their members are not); None when a bundle holds ``path``."""
        if _bundles_at(self._bundles, path, below=False):
            return None
        inside = path.rstrip("/") + "/"
        below = [b for root, b in self._bundles.items() if root == path or root.startswith(inside)]
        return _subtree(self._nodes, self._entries, path), below

    def mutate(self, expanded: Callable[[Bundle], None] | None = None) -> PathsBuilder:
        """A builder of the next version; ``expanded`` is told of each bundle it expands."""
        return PathsBuilder(
            self._nodes.mutate(), self._entries.mutate(), dict(self._bundles.items()), expanded
        )


class PathsBuilder:
    """A step's changes to :class:`Paths`; :meth:`finish` gives the new version."""

    __slots__ = ("_bundles", "_entries", "_expanded", "_nodes")

    def __init__(
        self,
        nodes: MapMutation[str, Node],
        entries: MapMutation[str, Map[str, None]],
        bundles: dict[str, Bundle],
        expanded: Callable[[Bundle], None] | None = None,
    ) -> None:
        self._nodes = nodes
        self._entries = entries
        self._bundles = bundles
        self._expanded = expanded

    def expand_at(self, path: str) -> None:
        """Expand the bundles at, above or below ``path`` (before a step changes it)."""
        if self._bundles:
            for bundle in _bundles_at(self._bundles, path, below=True):
                self.expand(bundle)

    def expand(self, bundle: Bundle) -> None:
        """Write ``bundle``'s paths as nodes of their own."""
        del self._bundles[bundle.root]
        nodes = self._nodes
        entries = self._entries
        added: dict[str, list[str]] = {}
        for path, node, _ in bundle.paths():
            nodes[path] = node
            added.setdefault(parent_of(path), []).append(path)
        for folder, paths in added.items():
            folder_entries = entries.get(folder, _NO_ENTRIES).mutate()
            for path in paths:
                folder_entries[path] = None
            entries[folder] = folder_entries.finish()
        if self._expanded is not None:
            self._expanded(bundle)

    def _expand_above(self, path: str) -> None:
        for bundle in _bundles_at(self._bundles, path, below=False):
            self.expand(bundle)

    def add_bundle(self, bundle: Bundle) -> None:
        """Add ``bundle`` under its root, a folder already here with nothing known below it."""
        self._bundles[bundle.root] = bundle

    @property
    def bundle_count(self) -> int:
        return len(self._bundles)

    def get(self, path: str, default: Node | None = None) -> Node | None:
        found = self._nodes.get(path)
        if found is None and self._bundles:
            self._expand_above(path)
            found = self._nodes.get(path)
        return default if found is None else found

    def __getitem__(self, path: str) -> Node:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: str) -> bool:
        return self.get(path) is not None

    def __setitem__(self, path: str, node: Node) -> None:
        if path not in self and path != "/":
            parent = parent_of(path)
            self._entries[parent] = self._entries.get(parent, _NO_ENTRIES).set(path, None)
        self._nodes[path] = node

    def pop(self, path: str) -> None:
        """Forget ``path`` (not what is below it)."""
        if path in self:
            del self._nodes[path]
            parent = parent_of(path)
            siblings = self._entries.get(parent)
            if siblings is not None and path in siblings:
                self._entries[parent] = siblings.delete(path)

    def setdefault(self, path: str, node: Node) -> Node:
        found = self.get(path)
        if found is None:
            self[path] = node
            return node
        return found

    def entries(self, directory: str) -> list[str]:
        if self._bundles:
            self._expand_above(directory + "/.")
        return sorted(self._entries.get(directory, _NO_ENTRIES))

    def subtree(self, path: str) -> list[str]:
        """The known paths at and below ``path``, sorted."""
        self.expand_at(path)
        return _subtree(self._nodes, self._entries, path)

    def remove_below(self, path: str) -> None:
        """Forget every path below ``path``."""
        for below in self.subtree(path):
            if below != path:
                del self._nodes[below]
        for below in [path, *self.subtree(path)]:
            if below in self._entries:
                del self._entries[below]

    def maps(self) -> tuple[Map[str, Node], Map[str, Map[str, None]], Map[str, Bundle]]:
        return self._nodes.finish(), self._entries.finish(), Map(self._bundles)

    def finish(self) -> Paths:
        return Paths(*self.maps())


class Blob(Struct, frozen=True, gc=False):
    """Content whose file list is not known, as one unit: an apt install, a package manager cache."""

    key: str
    """Identifies it in later steps (``apt:3`` for the install of step 3)."""
    label: str
    tar_bytes: int | None
    data_bytes: int | None
    packages: frozenset[str] = frozenset()
    rewrites: bool = False
    """It rewrites part of the earlier blob of the same key (apt's databases): it hides at most
    ``data_bytes`` of it, instead of all of it."""
    root: str | None = None
    """The folder all its files are in, when one is (``pip install --prefix``, a ``node_modules``):
    a ``COPY --from`` of that folder takes it, an ``rm -rf`` of it deletes it."""


class Layer(Struct, frozen=True, dict=True):
    """What one step adds."""

    step: int
    changes: Mapping[str, Change]
    blobs: tuple[Blob, ...] = ()
    bundles: tuple[Bundle, ...] = ()
    """Folders copied whole from the build context: their members are changes too."""
    removed_blobs: tuple[tuple[str, int | None], ...] = ()
    """Blob keys (or ``key:package``) this step deletes, with the bytes that stay stored below."""
    extra_entries: int = 0
    """Entries without a known path (mount points a builder leaves, apt's state directories)."""
    unknown: tuple[str, ...] = ()
    at_most: Mapping[str, int] = field(default_factory=dict)
    """Upper bounds of some of :attr:`unknown`: the most bytes each can add to the layer."""

    @cached_property
    def known_bytes(self) -> int:
        """The tar size of everything known (the whole size when :attr:`unknown` is empty)."""
        total = TAR_END + TAR_BLOCK * self.extra_entries
        for path, change in self.changes.items():
            total += entry_bytes(path, change.kind, change.size or 0)
        total += sum(b.tar_bytes for b in self.bundles)
        return total + sum(b.tar_bytes or 0 for b in self.blobs)

    @cached_property
    def unknown_parts(self) -> tuple[str, ...]:
        blobs = tuple(f"{b.label}: size unknown" for b in self.blobs if b.tar_bytes is None)
        files = tuple(f"{path}: size unknown" for path, c in self.changes.items() if c.size is None)
        return self.unknown + blobs + files

    @property
    def estimated_bytes(self) -> int | None:
        return None if self.unknown_parts else self.known_bytes


class Tree(Struct, frozen=True):
    """The files a stage holds after some steps: known paths, blobs, and whether unknown writes
    may have put more anywhere."""

    nodes: Paths = field(default_factory=Paths)
    blobs: Mapping[str, Blob] = field(default_factory=dict)
    base_known_empty: bool = False
    """True for ``FROM scratch``: nothing exists but what the build made."""
    tainted: bool = False
    """A step wrote files this model cannot list."""
    runs: int = 0
    """RUN steps so far in this chain of layers (builders add mount points on the first)."""
    pending_dirs: tuple[str, ...] = ()
    """Directories a builder creates with the next RUN (buildah: WORKDIR, VOLUME)."""
    apt_installed: frozenset[str] | None = None
    """The Debian packages installed (None when not known, or not read yet: ``apt_suite``)."""
    apt_suite: str | None = None
    """The suite of the Debian data whose minimal package set the base image has."""
    manifests: Mapping[str, str] = field(default_factory=dict)
    """Requirement and lock files copied from the build context: image path -> context path."""

    def subtree(self, path: str) -> list[str]:
        """The known paths at and below ``path``, sorted."""
        return self.nodes.subtree(path)

    def exists(self, path: str) -> bool | None:
        """True/False when known, None when the base image or an unknown write may hold it."""
        if path in self.nodes:
            return True
        if self.base_known_empty and not self.tainted:
            return False
        return None

    def lookup(self, path: str) -> tuple[tuple[tuple[str, Node], ...], list[Bundle]] | None:
        """The known nodes at and below ``path`` (the roots of the bundles below it among them,
        not their members) and those bundles, kept whole; None when what is there cannot be known
        (it is not known, or a folder there may hold what an unknown write put in it)."""
        shallow = self.nodes.bundled_subtree(path)
        if shallow is None:  # a bundle holds it: look inside
            found = _known(self.nodes, self.subtree(path), path)
            return None if found is None else (found, [])
        paths, bundles = shallow
        found = _known(self.nodes, paths, path)
        return None if found is None else (found, bundles)


def _known(nodes: Paths, paths: list[str], top: str) -> tuple[tuple[str, Node], ...] | None:
    """The nodes of ``paths`` (the subtree of ``top``); None when ``top`` is not known or a
    folder there may hold what an unknown write put in it."""
    if not paths or paths[0] != top:
        return None
    found = tuple((p, nodes[p]) for p in paths)
    if any(node.kind == "dir" and not node.complete for _, node in found):
        return None
    return found


class _StepChanges(dict[str, Change]):
    """One step's changes by path, with the changed paths inside each directory, so that an
    ``rm -rf`` forgets what the step did below a path without scanning every change."""

    def __init__(self) -> None:
        super().__init__()
        self.inside: dict[str, set[str]] = {}

    def __setitem__(self, path: str, change: Change) -> None:
        if path not in self and path != "/":
            self.inside.setdefault(parent_of(path), set()).add(path)
        super().__setitem__(path, change)

    def forget(self, path: str) -> None:
        """Forget the changes at and below ``path``."""
        pending = [path]
        while pending:
            current = pending.pop()
            if current in self:
                super().__delitem__(current)
                siblings = self.inside.get(parent_of(current))
                if siblings is not None:
                    siblings.discard(current)
            pending.extend(self.inside.pop(current, ()))


class LayerBuilder:
    """Collects one step's changes; ``finish`` gives the :class:`Layer` and the new :class:`Tree`."""

    def __init__(self, step: int, lower: Tree) -> None:
        self.step = step
        self.lower = lower
        self.nodes = lower.nodes.mutate(self._expanded)
        self.blobs: dict[str, Blob] = dict(lower.blobs)
        self.changes = _StepChanges()
        self.bundles: list[Bundle] = []
        self.new_blobs: list[Blob] = []
        self.removed_blobs: list[tuple[str, int | None]] = []
        self.extra_entries = 0
        self.unknown: list[str] = []
        self.at_most: dict[str, int] = {}
        self.tainted = lower.tainted
        self.runs = lower.runs
        self.pending_dirs = list(lower.pending_dirs)
        self.apt_installed = lower.apt_installed
        self.apt_suite = lower.apt_suite
        self.manifests: Mapping[str, str] = lower.manifests

    # -- recording ---------------------------------------------------------------------------------

    def _expanded(self, bundle: Bundle) -> None:
        """A bundle this step made was expanded: its members become changes of their own."""
        if bundle in self.bundles:
            self.bundles.remove(bundle)
            for path, _, change in bundle.paths():
                self.changes[path] = change

    def add_bundle(self, bundle: Bundle) -> None:
        """Write a :class:`Bundle` (its root is a folder this step made): the folders above what
        it holds change as they do when a file is written there."""
        if bundle.members:
            self._touch_parents(f"{bundle.prefix}/{bundle.members[0][0]}")
        self.nodes.add_bundle(bundle)
        self.bundles.append(bundle)

    def _touch_parents(self, path: str) -> None:
        for parent in parent_dirs(path):
            if parent in self.changes and self.changes[parent].kind in ("dir", "opaque"):
                break
            node = self.nodes.get(parent)
            if node is None or node.kind != "dir":
                new = node is None and (self.lower.exists(parent) is False or not self.is_system_dir(parent))
                self.nodes[parent] = Node("dir", 0, self.step, complete=new)
            self.changes[parent] = _DIR

    def _hidden_bytes(self, path: str) -> int | None:
        """Data bytes of the lower layers' versions at and below ``path``."""
        total = 0
        for p in self.lower.subtree(path):
            node = self.lower.nodes[p]
            if node.kind == "file":
                if node.size is None:
                    return None
                total += node.size
        return total

    def write(self, path: str, kind: NodeKind, size: int | None, origin: str | None = None) -> None:
        """Create or overwrite ``path`` (its parents are created as needed); ``origin``: see
        :attr:`Node.origin`."""
        self._touch_parents(path)
        previous = self.lower.nodes.get(path)
        hides = previous.size if previous is not None and previous.kind == "file" else 0
        if previous is not None and previous.kind == "dir":
            self._remove_below(path)
        self.nodes[path] = Node(kind, size if kind == "file" else 0, self.step, origin=origin)
        self.changes[path] = Change("file" if kind == "file" else kind, size if kind == "file" else 0, hides)

    def hardlink(self, path: str) -> None:
        self._touch_parents(path)
        self.nodes[path] = Node("file", 0, self.step)
        self.changes[path] = Change("hardlink")

    def mkdir(self, path: str) -> None:
        """``mkdir -p``: nothing changes when the directory already exists."""
        node = self.nodes.get(path)
        if node is not None and node.kind == "dir":
            return
        if node is None and self.lower.exists(path) is None and self.is_system_dir(path):
            return
        self._touch_parents(path)
        self.nodes[path] = Node("dir", 0, self.step)
        self.changes[path] = Change("opaque") if self._was_removed_dir(path) else _DIR

    def modify_dir(self, path: str) -> None:
        """A directory whose metadata changes (a mount point is made in it): copied up empty."""
        self.nodes.get(path)  # a bundle that holds it is expanded first
        self._touch_parents(path)
        if path not in self.changes:
            self.nodes.setdefault(path, Node("dir", 0, self.step, complete=False))
            self.changes[path] = _DIR

    def bundle_root(self, path: str) -> bool:
        """Whether a new folder at ``path`` can hold a :class:`Bundle`: ``mkdir`` makes it and
        every folder below it (none is a system directory), and the stage holds fewer than
        :data:`MAX_BUNDLES` (finding those below a path looks at each)."""
        inside = path + "/"
        return (
            path != "/"
            and self.nodes.bundle_count < MAX_BUNDLES
            and not self.is_system_dir(path)
            and not any(d.startswith(inside) for d in _SYSTEM_DIRS)
        )

    @staticmethod
    def is_system_dir(path: str) -> bool:
        """Directories every Linux base image has (``mkdir -p /tmp`` changes nothing)."""
        return path in _SYSTEM_DIRS

    def _was_removed_dir(self, path: str) -> bool:
        change = self.changes.get(path)
        return change is not None and change.kind == "whiteout"

    def copy_up(self, path: str) -> None:
        """A metadata change (chmod, chown, touch, a new hard link) copies an earlier file or
        directory into this layer whole."""
        node = self.nodes.get(path)
        if node is None:
            return
        self._touch_parents(path)
        if path not in self.changes:
            size = node.size if node.kind == "file" else 0
            hides = size if node.step != self.step else 0
            self.changes[path] = Change(node.kind, size, hides)
            self.nodes[path] = replace(node, step=self.step)

    def remove(self, path: str) -> None:
        """``rm -rf``: forget what this step made there; hide what earlier steps made."""
        self.nodes.expand_at(path)
        made_here = path in self.changes and path not in self.lower.nodes
        in_lower = False if made_here else self.lower.exists(path)
        self.changes.forget(path)
        self._remove_below(path)
        self.nodes.pop(path)
        self._remove_blobs(path)
        if in_lower is not False:
            self._touch_parents(path)
            self.changes[path] = Change("whiteout", 0, self._hidden_bytes(path) if in_lower else None)

    def _remove_below(self, path: str) -> None:
        self.nodes.remove_below(path)

    def _remove_blobs(self, path: str) -> None:
        """Delete the blobs whose folder is at or below ``path``: one this step made leaves
        nothing, an earlier one stays stored below."""
        inside = path.rstrip("/") + "/"
        for key, blob in list(self.blobs.items()):
            if blob.root is not None and (blob.root == path or blob.root.startswith(inside)):
                del self.blobs[key]
                if blob in self.new_blobs:
                    self.new_blobs.remove(blob)
                else:
                    self.drop_blob(key, None, blob.data_bytes)

    def add_located_blob(self, blob: Blob) -> None:
        """Add a blob whose files are all in the folder ``blob.root``: the folder is a node (made
        by the install with its files: no change of its own), unless the base image's own trees
        may hold it (a system directory, or a folder below ``/usr``, ``/lib``, ``/etc`` or ``/var``:
        ``--target=/usr/lib/python3/dist-packages`` adds to the distribution's packages)."""
        root = blob.root
        if root is not None and not self.is_system_dir(root) and not root.startswith(_BASE_TREES):
            self.nodes.setdefault(root, Node("dir", 0, self.step))
        self.add_blob(blob)

    def add_blob(self, blob: Blob) -> None:
        """Add content without a file list; a blob of the same key made by this step is replaced."""
        self.blobs[blob.key] = blob
        self.new_blobs = [b for b in self.new_blobs if b.key != blob.key] + [blob]

    def shrink_blob(self, key: str, gone: frozenset[str], data_bytes: int | None) -> None:
        """Packages installed and removed by this same step leave nothing but apt's bookkeeping:
        the blob loses their share of its bytes."""
        blob = self.blobs[key]
        share = None
        if data_bytes is not None and blob.data_bytes:
            share = max(blob.data_bytes - data_bytes, 0) / blob.data_bytes
        tar = None if blob.tar_bytes is None or share is None else round(blob.tar_bytes * share)
        data = None if blob.data_bytes is None or share is None else round(blob.data_bytes * share)
        smaller = replace(blob, tar_bytes=tar, data_bytes=data, packages=blob.packages - gone)
        self.blobs[key] = smaller
        self.new_blobs = [smaller if b.key == key else b for b in self.new_blobs]

    def drop_blob(self, key: str, package: str | None, data_bytes: int | None) -> None:
        """Remove an earlier blob (or one package of it): its bytes stay stored below."""
        self.removed_blobs.append((key if package is None else f"{key}:{package}", data_bytes))

    def unknown_inside(self, path: str) -> None:
        """A write this model cannot list may have put files at or below ``path``: the folder the
        model knows nearest to it (``path`` or the closest folder above) is no longer complete."""
        for folder in (path, *parent_dirs(path)):
            node = self.nodes.get(folder)
            if node is not None:
                if node.kind == "dir" and node.complete:
                    self.nodes[folder] = replace(node, complete=False)
                return

    def mark_unknown(self, reason: str, at_most: int | None = None) -> None:
        """Something the step writes is unknown; ``at_most``: the most bytes it can add, when known."""
        if reason not in self.unknown:
            self.unknown.append(reason)
            if at_most is not None:
                self.at_most[reason] = at_most
        self.tainted = True

    # -- results -------------------------------------------------------------------------------------

    def finish(self) -> tuple[Layer, Tree]:
        layer = Layer(
            step=self.step,
            changes=dict(self.changes),
            blobs=tuple(self.new_blobs),
            bundles=tuple(self.bundles),
            removed_blobs=tuple(self.removed_blobs),
            extra_entries=self.extra_entries,
            unknown=tuple(self.unknown),
            at_most=dict(self.at_most),
        )
        tree = Tree(
            nodes=self.nodes.finish(),
            blobs=self.blobs,
            base_known_empty=self.lower.base_known_empty,
            tainted=self.tainted,
            runs=self.runs,
            pending_dirs=tuple(self.pending_dirs),
            apt_installed=self.apt_installed,
            apt_suite=self.apt_suite,
            manifests=self.manifests,
        )
        return layer, tree


_BASE_TREES = ("/usr/", "/lib/", "/lib64/", "/etc/", "/var/", "/bin/", "/sbin/")
"""The trees a base image fills: a folder below them may hold the image's own files."""
_SYSTEM_DIRS = frozenset(
    {"/tmp", "/var", "/var/tmp", "/var/lib", "/var/cache", "/var/log", "/usr", "/usr/local", "/etc"}
    | {"/usr/local/bin", "/usr/local/lib", "/usr/local/share", "/usr/bin", "/usr/lib", "/opt", "/srv"}
    | {"/root", "/home", "/run", "/bin", "/sbin", "/lib", "/usr/share", "/usr/src", "/mnt", "/media"}
)
