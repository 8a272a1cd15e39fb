"""Checks on the layer graph and the build context (family ``layers``, DF400-DF439).

They read :mod:`dfanalyze.layers.graph` (computed once per file and shared) and the build context:
the ``context_dir`` the linter was given, else the Dockerfile's folder when the file is on disk (up
to :data:`CONTEXT_LIMIT` entries). Without a context, the checks that need one stay silent; every
check stays silent on what the model does not know. Package installs are not sized here (reading the
Debian data would cost more than the rest of a lint); ``dfanalyze layers`` sizes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from dfanalyze import model
from dfanalyze.analysis.context import BuildContext, ContextEntry, IgnoreRules, clean_source
from dfanalyze.analysis.packages import PackageOp, installs, operations, removals
from dfanalyze.checks.context import Context, FileAnalysis, Hit

if TYPE_CHECKING:
    from dfanalyze.layers.graph import LayerGraph, Step
    from dfanalyze.model import ImageRef

SYSTEM_MANAGERS = frozenset({"apt", "apk", "yum", "dnf", "microdnf", "zypper"})
BUILD_TOOLS = frozenset(
    {"gcc", "g++", "clang", "llvm", "make", "cmake", "build-essential", "build-base", "autoconf"}
    | {"automake", "libtool", "pkg-config", "pkgconf", "ninja-build", "meson", "bison", "flex"}
    | {"gfortran", "golang", "golang-go", "go", "rustc", "cargo", "rust", "maven", "gradle", "musl-dev"}
    | {"linux-headers", "python3-dev", "python-dev", "gcc-c++", "kernel-headers", "patch"}
)
CONTEXT_LIMIT = 50_000
"""Entries of a build context the linter reads at most."""
BUILD_CONTEXT_KEY = "build-context"
"""The :meth:`FileAnalysis.cached` key of the build context (None: no context to read)."""
CONTEXT_READER_KEY = "build-context-reader"
"""The :meth:`FileAnalysis.cached` key of a function that reads the build context of an analysis
(an editor's, that keeps what it read): used instead of reading the disk here."""
HEAVY_DIRECTORIES = (".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".terraform")
_KEY_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"})
_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults")
_TOKEN_FILES = {
    ".npmrc": ("_authToken", "_auth", "_password"),
    ".pypirc": ("password",),
    ".netrc": ("password",),
    ".git-credentials": ("@",),
    "config.json": ('"auths"', '"auth"'),
}
_CLOUD_FILES = {
    ".aws/credentials": "AWS credentials",
    ".azure/accessTokens.json": "Azure tokens",
    "application_default_credentials.json": "Google Cloud credentials",
    ".kube/config": "a Kubernetes config",
    ".docker/config.json": "Docker registry credentials",
}


# --- shared ------------------------------------------------------------------------------------------


def build_context(analysis: FileAnalysis) -> BuildContext | None:
    """The context the linter was given, else the Dockerfile's folder when the file is on disk,
    read on first use (a lint whose rules never ask does not walk it), and only as far as the
    file's COPY/ADD sources reach; None when no instruction reads the context, or when it holds
    more than :data:`CONTEXT_LIMIT` entries (linting stays fast in a large repository)."""

    def load() -> BuildContext | None:
        if not reads_context(analysis.dockerfile):
            return None
        reader = analysis.cached(CONTEXT_READER_KEY, lambda: None)
        if reader is not None:
            context: BuildContext | None = reader(analysis)
            return context
        return read_build_context(analysis.dockerfile.path, analysis.context_dir, context_sources(analysis))

    result: BuildContext | None = analysis.cached(BUILD_CONTEXT_KEY, load)
    return result


def read_build_context(
    dockerfile: str, context_dir: str | None = None, sources: Iterable[str] | None = None
) -> BuildContext | None:
    """The build context the rules read: ``context_dir``, else the folder of the file at path
    ``dockerfile`` when it is on disk, as far as ``sources`` reach (None: all of it); None when
    there is none or it holds more than :data:`CONTEXT_LIMIT` entries."""
    from dfanalyze.analysis.context import ContextTooLarge
    from dfanalyze.layers.graph import load_build_context

    path = Path(dockerfile)
    try:
        return load_build_context(context_dir, path if path.is_file() else None, CONTEXT_LIMIT, sources)
    except ContextTooLarge:
        return None


def context_sources(analysis: FileAnalysis) -> tuple[str, ...] | None:
    """Every context path the file's COPY/ADD sources and bind mounts name (patterns included),
    for :func:`~dfanalyze.analysis.context.load_context`; None when one of them is not known
    before the build (an ARG without a value): then all of the context may be read."""
    found: list[str] = []
    for ins in analysis.dockerfile.instructions:
        if isinstance(ins, model.CopyLike):
            for _, value in _source_values(analysis, ins):
                if value is None:
                    return None
                found.append(value)
        elif isinstance(ins, model.Run):
            scope = analysis.scopes.at(ins)
            for mount in ins.mounts:
                if mount.type == "bind" and mount.from_ is None:
                    source = scope.value(mount.source or ".", analysis.dockerfile.escape)
                    if source is None:
                        return None
                    found.append(source)
    return tuple(found)


def reads_context(dockerfile: model.Dockerfile) -> bool:
    """Some instruction reads the build context (a COPY or ADD without ``--from``, a bind mount)."""
    return any(_reads_context(ins) for ins in dockerfile.instructions)


def _reads_context(ins: model.Instruction) -> bool:
    if isinstance(ins, model.CopyLike):
        return ins.flag("from") is None
    return isinstance(ins, model.Run) and any(m.type == "bind" and m.from_ is None for m in ins.mounts)


def layer_graph(analysis: FileAnalysis) -> LayerGraph | None:
    """The file's layer graph, built once and shared (None for a file without a stage)."""

    def build() -> LayerGraph | None:
        from dfanalyze.layers.graph import TargetError, build_layer_graph

        try:
            return build_layer_graph(
                analysis, context=build_context(analysis), estimate_packages=False, cache_keys=False
            )
        except TargetError:
            return None

    result: LayerGraph | None = analysis.cached("layer-graph", build)
    return result


def _human(size: int) -> str:
    from dfanalyze.layers.render import human

    return human(size)


def _sources(ctx: Context, ins: model.CopyLike) -> Iterator[tuple[model.Word, str]]:
    """The context sources of a COPY/ADD (not ``--from``, URLs or heredocs), expanded."""
    for word, value in _source_values(ctx.analysis, ins):
        if value is not None:
            yield word, value


def _source_values(analysis: FileAnalysis, ins: model.CopyLike) -> Iterator[tuple[model.Word, str | None]]:
    """The context sources of a COPY/ADD (not ``--from``, URLs or heredocs), expanded (None:
    not known before the build)."""
    if ins.flag("from") is not None:
        return
    heredocs = {h.name for h in ins.heredoc_sources}
    scope = analysis.scopes.at(ins)
    for word in ins.sources:
        if any(word.text.endswith(name) for name in heredocs):
            continue
        value = scope.value(word.text, analysis.dockerfile.escape)
        if value is None or ("://" not in value and not value.startswith("git@")):
            yield word, value


def _instruction_text(ins: model.Instruction) -> str:
    text = " ".join(ins.text.split())
    return text if len(text) <= 60 else text[:59] + "…"


# --- DF400 dependency install after COPY . . -----------------------------------------------------------


def install_after_copy_all(ctx: Context) -> Iterator[Hit]:
    """A package install that does not need the sources runs after the whole context was copied."""
    for stage in ctx.dockerfile.stages:
        copy_all: model.CopyLike | None = None
        for ins in stage.instructions:
            if isinstance(ins, model.CopyLike) and any(clean_source(v) == "." for _, v in _sources(ctx, ins)):
                copy_all = copy_all or ins
            elif isinstance(ins, model.Run) and copy_all is not None:
                for script in ctx.analysis.shell_scripts(ins):
                    for op in installs(script):
                        if _needs_no_sources(op):
                            text = " ".join(w.text for w in op.command.words)
                            yield Hit(
                                op.command.span,
                                {
                                    "command": text if len(text) <= 50 else text[:49] + "…",
                                    "copy": _instruction_text(copy_all),
                                    "line": copy_all.line,
                                    "advice": _advice(op),
                                },
                            )


def _needs_no_sources(op: PackageOp) -> bool:
    if op.manager in SYSTEM_MANAGERS:
        return bool(op.packages)
    local = any(p.name.startswith((".", "/", "~")) or "/" in p.name for p in op.packages)
    if op.manager == "pip":
        return (bool(op.packages) or bool(op.requirements)) and not local
    if op.manager in ("npm", "yarn", "pnpm", "gem"):
        return not local
    return bool(op.packages) and not local


def _advice(op: PackageOp) -> str:
    if op.manager in SYSTEM_MANAGERS:
        return f"move the {op.tool} install before the COPY"
    if op.manager == "pip":
        manifests = " ".join(w.value or w.text for w in op.requirements) or "requirements.txt"
        return f"COPY {manifests} first, install, then copy the rest"
    if op.manager in ("npm", "pnpm", "yarn"):
        lock = {"npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock"}[op.manager]
        return f"COPY package.json {lock} first, install, then copy the rest"
    return "copy the dependency manifest first, install, then copy the rest"


# --- DF401 wasted space --------------------------------------------------------------------------------


def wasted_space(ctx: Context) -> Iterator[Hit]:
    """Bytes a layer stores that a later step of the image deletes or replaces."""
    graph = layer_graph(ctx.analysis)
    if graph is None:
        return
    threshold = int(ctx.options.get("min_bytes", 10_000_000))
    steps = {s.index: s for s in graph.steps}
    by_remover: dict[int, list[tuple[Step, int]]] = {}
    for (keeper, remover), size in graph.image.removals.items():
        by_remover.setdefault(remover, []).append((steps[keeper], size))
    for remover, kept in sorted(by_remover.items()):
        total = sum(size for _, size in kept)
        if total < threshold:
            continue
        lines = ", ".join(str(step.line) for step, _ in sorted(kept, key=lambda s: s[0].index))
        yield Hit(steps[remover].instruction.keyword.span, {"size": _human(total), "lines": lines})


# --- DF402 secrets from the context --------------------------------------------------------------------


def secrets_in_context(ctx: Context) -> Iterator[Hit]:
    """COPY/ADD sends a private key, token file, ``.env`` or ``.git`` into a layer."""
    context = build_context(ctx.analysis)
    if context is None:
        return
    for ins in ctx.instructions("COPY", "ADD"):
        if not isinstance(ins, model.CopyLike):
            continue
        excludes = [f.value for f in ins.flags_named("exclude") if f.value]
        for word, source in _sources(ctx, ins):
            found: dict[str, str] = {}
            for match in context.select(source, excludes):
                for _, entry in match.members:
                    reason = sensitive(context, entry)
                    if reason is not None:
                        name = ".git/" if reason.startswith("a git") else entry.path
                        found.setdefault(name, reason)
            if found:
                listed = [f"{name} ({reason})" for name, reason in list(found.items())[:3]]
                more = f" and {len(found) - 3} more" if len(found) > 3 else ""
                yield Hit(word.span, {"source": word.text, "files": ", ".join(listed) + more})


def sensitive(context: BuildContext, entry: ContextEntry) -> str | None:
    """Why a context entry should never reach a layer, or None."""
    path, name = entry.path, entry.name
    if path == ".git" or path.startswith(".git/") or "/.git/" in path:
        return "a git repository: history, remotes, maybe credentials"
    if entry.kind != "file":
        return None
    if name == ".env" or (name.startswith(".env.") and not name.endswith(_TEMPLATE_SUFFIXES)):
        return "environment secrets"
    for suffix, what in _CLOUD_FILES.items():
        if path == suffix or path.endswith("/" + suffix):
            return what
    if name in _KEY_NAMES:
        return "an SSH private key"
    if name.endswith((".p12", ".pfx")):
        return "a key store"
    if name.endswith((".pem", ".key")) and "PRIVATE KEY" in _head(context, entry):
        return "a private key"
    markers = _TOKEN_FILES.get(name)
    if markers is not None and (name != "config.json" or "/.docker/" in "/" + path):
        head = _head(context, entry)
        if any(marker in head for marker in markers):
            return "credentials"
    return None


def _head(context: BuildContext, entry: ContextEntry) -> str:
    try:
        with Path(context.root, entry.path).open("rb") as handle:
            return handle.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return ""


# --- DF403 no .dockerignore ----------------------------------------------------------------------------


def missing_dockerignore(ctx: Context) -> Iterator[Hit]:
    """``COPY .`` without a .dockerignore while the context holds heavy or sensitive trees."""
    context = build_context(ctx.analysis)
    if context is None or context.ignore is not None:
        return
    threshold = int(ctx.options.get("min_bytes", 100_000_000))
    for ins in ctx.instructions("COPY", "ADD"):
        if not isinstance(ins, model.CopyLike):
            continue
        for word, source in _sources(ctx, ins):
            if clean_source(source) != ".":
                continue
            reasons = _context_problems(context, threshold)
            if reasons:
                yield Hit(word.span, {"what": "; ".join(reasons)})
            return


def _context_problems(context: BuildContext, threshold: int) -> list[str]:
    sizes: dict[str, int] = {}
    secrets: list[str] = []
    for entry in context.entries:
        top = entry.path.split("/", 1)[0]
        if top in HEAVY_DIRECTORIES:
            sizes[top] = sizes.get(top, 0) + entry.size
        elif top != ".git" and len(secrets) < 3 and sensitive(context, entry) is not None:
            secrets.append(entry.path)
    reasons = [f"{name}/ ({_human(size)})" for name, size in sorted(sizes.items())]
    if secrets:
        reasons.append("secrets: " + ", ".join(secrets))
    if context.total_bytes >= threshold:
        reasons.append(f"{_human(context.total_bytes)} in all")
    return reasons


# --- DF404 build tools in the final image --------------------------------------------------------------


def build_tools_in_image(ctx: Context) -> Iterator[Hit]:
    """Compilers and build tools installed in the final image and never removed from it: not
    those the same RUN removes again (:func:`~dfanalyze.analysis.packages.removals`: ``apk del``
    of a ``--virtual`` name, the ``apt-mark auto`` / ``apt-get purge --auto-remove`` pattern), nor
    those a later RUN removes by name."""
    graph = layer_graph(ctx.analysis)
    if graph is None:
        return
    steps = [s for s in graph.image_steps if isinstance(s.instruction, model.Run)]
    scripts = [(step, s) for step in steps for s in ctx.analysis.shell_scripts(step.instruction)]
    ops = [(step, op) for step, s in scripts for op in operations(s)]
    removed = {
        p.name
        for _, op in ops
        if isinstance(op, PackageOp) and op.action in ("remove", "purge", "autoremove")
        for p in op.packages
    }
    gone = {(id(r.install), name) for _, s in scripts for r in removals(s) for name in r.names}
    for step, op in ops:
        if not isinstance(op, PackageOp) or op.action != "install" or op.manager not in SYSTEM_MANAGERS:
            continue
        for package in op.packages:
            if (
                package.name in BUILD_TOOLS
                and package.name not in removed
                and (id(op), package.name) not in gone
            ):
                size = (
                    step.layer.known_bytes
                    if step.layer is not None and not step.layer.unknown_parts
                    else None
                )
                added = f" (its install adds {_human(size)})" if size else ""
                args = {"package": package.name, "size": added}
                yield Hit(package.span, args, group=op.command.span, item=package.name)


# --- DF405 files copied into a stage the image never uses ----------------------------------------------


def unused_copy(ctx: Context) -> Iterator[Hit]:
    """A COPY/ADD into a build stage whose files no later step reads and no ``COPY --from`` takes."""
    graph = layer_graph(ctx.analysis)
    if graph is None:
        return
    dockerfile = ctx.dockerfile
    chain = {s.stage for s in graph.image_steps}
    for stage in dockerfile.stages:
        if stage.index in chain or stage.index in graph.unreachable_stages:
            continue
        taken = _copied_out(ctx, stage.index)
        if taken is None:
            continue
        for position, ins in enumerate(stage.instructions):
            if not isinstance(ins, model.CopyLike) or ins.dest is None:
                continue
            if any(isinstance(later, model.Run) for later in stage.instructions[position + 1 :]):
                continue
            dest = _destination(ctx, graph, ins)
            if dest is None or any(_overlaps(dest, path) for path in taken):
                continue
            yield Hit(
                ins.dest.span, {"stage": stage.label, "dest": dest, "taken": ", ".join(sorted(taken)) or "-"}
            )


def _copied_out(ctx: Context, stage: int) -> set[str] | None:
    """The paths later stages take from ``stage`` with ``COPY --from``; None when it is used some
    other way (``FROM``, a mount) or a path is not known."""
    from dfanalyze.layers.effects import absolute

    links = ctx.dockerfile.links_from(stage)
    if any(link.kind != "copy" for link in links) or not links:
        return None
    taken: set[str] = set()
    for link in links:
        ins = link.instruction
        assert isinstance(ins, model.CopyLike)
        scope = ctx.analysis.scopes.at(ins)
        for word in ins.sources:
            value = scope.value(word.text, ctx.dockerfile.escape)
            if value is None or any(ch in value for ch in "*?["):
                return None
            taken.add(absolute(value, "/") or "/")
    return taken


def _destination(ctx: Context, graph: LayerGraph, ins: model.CopyLike) -> str | None:
    from dfanalyze.layers.effects import absolute

    step = graph.step_of(ins)
    if step is None or step.workdir is None or ins.dest is None:
        return None
    value = ctx.analysis.scopes.at(ins).value(ins.dest.text, ctx.dockerfile.escape)
    return absolute(value, step.workdir) if value is not None else None


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


# --- DF406 a slim variant exists -----------------------------------------------------------------------


def slim_variant(ctx: Context) -> Iterator[Hit]:
    """The final image's base has a slim variant, and both sizes are known."""
    graph = layer_graph(ctx.analysis)
    if graph is None:
        return
    extra = {str(k): float(v) for k, v in dict(ctx.options.get("image_sizes", {})).items()}
    saving = float(ctx.options.get("min_saving_mib", 50))
    for step in graph.image_steps:
        ins = step.instruction
        if not isinstance(ins, model.From) or step.base is None or ins.image is None:
            continue
        ref = ctx.analysis.scopes.image(ins)
        if ref is None or step.base.variant is not None or step.base.family is None:
            continue
        slim_tag = f"{ref.tag}-slim" if ref.tag and ref.tag != "latest" else "slim"
        slim = ctx.analysis.image_info(ref.registry, ref.repository, slim_tag)
        if slim is None or slim.variant != "slim":
            continue
        family = step.base.family
        sizes = _variant_sizes(ctx.analysis, ref, family, extra)
        if sizes is None or sizes[0] - sizes[1] < saving:
            continue
        full, small, source = sizes
        slim_ref = f"{ref.name}:{slim_tag}"
        yield Hit(
            ins.image.span,
            {
                "image": ref.text,
                "full": f"{full:.0f}",
                "slim": slim_ref,
                "small": f"{small:.0f}",
                "saving": f"{full - small:.0f}",
                "source": source,
            },
        )


def _variant_sizes(
    analysis: FileAnalysis, ref: ImageRef, family: str, extra: dict[str, float]
) -> tuple[float, float, str] | None:
    """The sizes (MiB) of the default and slim variants, from the data file or the option."""
    if family in extra and f"{family}:slim" in extra:
        return extra[family], extra[f"{family}:slim"], "your image_sizes option"
    info = analysis.image_info(ref.registry, ref.repository, ref.tag)
    if info is None:
        return None
    full = next((s for s in info.sizes if s.variant == family), None)
    slim = next(
        (s for s in info.sizes if s.variant == "slim" and full is not None and s.kind == full.kind), None
    )
    if full is None or slim is None:
        return None
    return full.mib, slim.mib, f"{full.kind} sizes from {full.source}"


# --- DF407 COPY of a path .dockerignore excludes (BuildKit CopyIgnoredFile) -----------------------------


def copy_ignored_file(ctx: Context) -> Iterator[Hit]:
    context = build_context(ctx.analysis)
    if context is None or context.ignore is None:
        return
    for ins in ctx.instructions("COPY", "ADD"):
        if not isinstance(ins, model.CopyLike):
            continue
        for word, source in _sources(ctx, ins):
            cleaned = clean_source(source)
            if (cleaned == "." and _root_ignored(context.ignore)) or (
                cleaned != "." and context.ignore.excludes(cleaned)
            ):
                yield Hit(word.span, {"source": source, "verb": ins.kind.capitalize()})


_ROOT = frozenset({"*", "**", "**/*"})


def _root_ignored(ignore: IgnoreRules) -> bool:
    """Whether the ignore file sends nothing: ``*``, ``**`` or ``**/*`` with no exception after it
    (BuildKit's ``copySourceRootIgnored``, which checks the context root only for these)."""
    last = max(
        (i for i, p in enumerate(ignore.patterns) if not p.exclusion and p.pattern in _ROOT), default=None
    )
    return last is not None and not any(p.exclusion for p in ignore.patterns[last + 1 :])
