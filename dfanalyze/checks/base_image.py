"""Checks of the base-image family (DF100-DF139): FROM lines, stages and the images they start from.

Besides the checks, this module answers the questions the cmd and volume checks also ask about a
stage: which earlier stage or which external image it is built on (:func:`base_of`), and what the
image data files know about the image at the root of that chain (:func:`root_image_info`).
FROM is read after global ARG expansion; when the result is unknown, the checks stay silent.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from datetime import date

from msgspec import Struct

from dfanalyze.analysis.expand import UNKNOWN, ExpansionError, Unknown, expand_static, references
from dfanalyze.analysis.scope import PLATFORM_ARGS
from dfanalyze.checks.context import Context, Hit
from dfanalyze.findings import Edit, Fix
from dfanalyze.knowledge import base_images
from dfanalyze.knowledge.base_images import ImageInfo, release_status
from dfanalyze.model import Copy, Dockerfile, From, ImageRef, Run, Stage
from dfanalyze.parse.instructions import parse_image_ref
from dfanalyze.span import Span

RESERVED_STAGE_NAMES = frozenset({"scratch", "context"})
DOCKER_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"})

# distribution/reference's grammar (what ParseNormalizedNamed accepts), used for FROM after expansion.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"^(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
_ARCH_ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "armhf": "arm",
    "armel": "arm",
    "i386": "386",
    "i686": "386",
}
_OSES = frozenset(
    {"linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "android"}
)


# --- what a stage is built on -------------------------------------------------------------------


class Base(Struct, frozen=True):
    """What a stage starts from: an earlier stage, an external image, or (both None) unknown."""

    stage: Stage | None = None
    image: ImageRef | None = None


def is_scratch(ref: ImageRef) -> bool:
    return ref.registry is None and ref.repository.lower() == "scratch" and ref.tag is None


def _earlier_stage(dockerfile: Dockerfile, stage: Stage, name: str) -> Stage | None:
    return dockerfile.stage_before(name, stage.index)


def base_of(ctx: Context, stage: Stage) -> Base:
    """The earlier stage or external image that ``FROM`` names (after global ARG expansion)."""
    base: Base = ctx.analysis.cached(f"base_image.base.{stage.index}", lambda: _compute_base(ctx, stage))
    return base


def _compute_base(ctx: Context, stage: Stage) -> Base:
    ref = ctx.analysis.scopes.image(stage.from_)
    if ref is None:
        return Base()
    parent = _earlier_stage(ctx.dockerfile, stage, ref.text)
    return Base(stage=parent) if parent is not None else Base(image=ref)


def lineage(ctx: Context, stage: Stage) -> tuple[Stage, ...]:
    """The stage, then the in-file stages it is built on, nearest first. Made once per stage, from
    its parent's (a chain of N stages built on each other costs N walks of one step, not N**2)."""
    chains: dict[int, tuple[Stage, ...]] = ctx.analysis.cached("base_image.lineage", dict)
    pending: list[Stage] = []
    current: Stage | None = stage
    chain: tuple[Stage, ...] = ()
    while current is not None:
        known = chains.get(current.index)
        if known is not None:
            chain = known
            break
        pending.append(current)
        current = base_of(ctx, current).stage
    for member in reversed(pending):
        chain = chains[member.index] = (member, *chain)
    return chain


def root_image(ctx: Context, stage: Stage) -> ImageRef | None:
    """The external image at the root of the stage's FROM chain; None when unknown."""
    return base_of(ctx, lineage(ctx, stage)[-1]).image


def root_image_info(ctx: Context, stage: Stage) -> ImageInfo | None:
    """What the data files know about the image at the root of the chain (None for scratch)."""
    ref = root_image(ctx, stage)
    if ref is None or is_scratch(ref):
        return None
    return ctx.analysis.image_info(ref.registry, ref.repository, ref.tag)


def final_lineage(ctx: Context) -> tuple[Stage, ...]:
    """The stages whose filesystem and config end up in the final image (the last stage's chain)."""
    stages = ctx.dockerfile.stages
    return lineage(ctx, stages[-1]) if stages else ()


# --- end of life --------------------------------------------------------------------------------


def _today(ctx: Context) -> date:
    configured = str(ctx.options.get("today", "") or "")
    return date.fromisoformat(configured) if configured else date.today()


def _supported_cycle(product: str, on: date) -> tuple[str, str | None] | None:
    """A released cycle of ``product`` supported on ``on``: (cycle, codename), or None."""
    known = base_images._products().get(product)  # the data has no public listing of cycles
    if known is None:
        return None
    supported = [
        c
        for c in known.cycles
        if c.released is not None and c.released <= on and (c.eol is None or c.eol > on)
    ]
    if not supported:
        return None
    # The longest supported (an LTS over a newer short-lived release), then the newest.
    best = max(supported, key=lambda c: (c.eol or date.max, c.released or on))
    return best.cycle, (best.aliases[0] if best.aliases else None)


def _eol_text(product: str, cycle: str, on: date) -> str | None:
    """``Debian 10 has had no security fixes since 2024-06-30``, or for a release in an extended
    phase what covers it and what that leaves out: ``Debian 12 is in Debian LTS until 2028-06-30
    (amd64, arm64, armhf, i386; not every package)``."""
    status = release_status(product, cycle, on)
    if status is None or not status.is_eol or status.eol is None:
        return None
    name = f"{status.label or product} {status.cycle}"
    if status.in_extended_support and status.extended_until is not None and status.extended_meaning:
        scheme = status.extended_meaning.removeprefix("end of ")
        scope = f" ({status.extended_scope})" if status.extended_scope else ""
        return f"{name} is in {scheme} until {status.extended_until.isoformat()}{scope}"
    until = status.extended_until if status.extended_until is not None else status.eol
    return f"{name} has had no security fixes since {until.isoformat()}"


def _replace_release(tag: str, old: str, new: str) -> str:
    """``tag`` with the distribution release ``old`` (a whole ``-`` token or its end) replaced."""
    return "-".join(t[: -len(old)] + new if t.endswith(old) else t for t in tag.split("-"))


def _suggested_tag(info: ImageInfo, own_eol: bool, distro_eol: bool, on: date) -> str | None:
    """The same image on supported releases: the product's version at the front of the tag, the
    distribution release in the tag or, for images such as ``distroless/static-debian12``, in the
    repository name. None when no supported release is known or nothing could be replaced."""
    repository, tag = info.repository, info.tag
    own_base = info.product is not None and info.product == info.distro
    if own_eol and info.product is not None and not own_base:
        found = _supported_cycle(info.product, on)
        if found is None:
            return None
        tag = "-".join([found[0], *tag.split("-")[1:]])
    if (distro_eol or (own_eol and own_base)) and info.distro and info.distro_release:
        found = _supported_cycle(info.distro, on)
        if found is None:
            return None
        cycle, alias = found
        release = info.distro_release
        new = alias if alias and not release[:1].isdigit() else cycle
        replaced = _replace_release(tag, release, new)
        if replaced == tag:
            repository = _replace_release(repository, release, new)
        tag = replaced
    if (repository, tag) == (info.repository, info.tag):
        return None
    name = repository if info.registry == "docker.io" else f"{info.registry}/{repository}"
    return name if tag == "latest" else f"{name}:{tag}"


def end_of_life_image(ctx: Context) -> Iterator[Hit]:
    on = _today(ctx)
    for stage in ctx.dockerfile.stages:
        base = base_of(ctx, stage)
        word = stage.from_.image
        if base.image is None or word is None or is_scratch(base.image):
            continue
        info = ctx.analysis.image_info(base.image.registry, base.image.repository, base.image.tag)
        if info is None:
            continue
        problems: list[str] = []
        own = _eol_text(info.product, info.cycle, on) if info.product and info.cycle else None
        distro = None
        if info.distro and info.distro_cycle and info.distro != info.product:
            distro = _eol_text(info.distro, info.distro_cycle, on)
        if info.deprecated:
            problems.append(f"`{info.repository}` is deprecated by its maintainers")
        problems += [p for p in (own, distro) if p is not None]
        if not problems:
            continue
        suggestion = _suggested_tag(info, own is not None, distro is not None, on)
        if suggestion is not None:
            advice = f"move to `{suggestion}`"
        elif info.replacements:
            advice = "move to " + " or ".join(f"`{r}`" for r in info.replacements)
        else:
            advice = "move to a maintained image or release"
        args = {"image": base.image.text, "problem": "; ".join(problems), "advice": advice}
        # Every FROM of one image is one finding (the others are its related locations).
        yield Hit(word.span, args, group=base.image.text, item=base.image.text)


# --- platform -----------------------------------------------------------------------------------


def _parse_platform(value: str) -> tuple[str | None, str | None] | None:
    """(os, architecture) as containerd's ``platforms.Parse`` reads them; None if malformed."""
    parts = value.lower().split("/")
    if not 1 <= len(parts) <= 3 or not all(parts):
        return None
    if len(parts) == 1:
        part = parts[0]
        return (part, None) if part in _OSES else (None, _ARCH_ALIASES.get(part, part))
    return parts[0], _ARCH_ALIASES.get(parts[1], parts[1])


def constant_platform(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        flag = stage.from_.platform
        if flag is None or not flag.value:
            continue
        try:
            if references(flag.value, ctx.dockerfile.escape):
                continue
        except ExpansionError:
            continue
        value = ctx.analysis.scopes.global_scope.value(flag.value, ctx.dockerfile.escape)
        parsed = _parse_platform(value) if value else None
        if parsed is None:
            continue
        name = stage.name or ""
        if any(part is not None and part in name for part in parsed):
            continue
        yield Hit(flag.span, {"value": value, "stage": stage.label})


def _target_platform_only(value: str, ctx: Context) -> bool:
    try:
        refs = references(value, ctx.dockerfile.escape)
    except ExpansionError:
        return False
    if {r.name for r in refs} != {"TARGETPLATFORM"}:
        return False
    if any(d.name == "TARGETPLATFORM" for a in ctx.dockerfile.global_args for d in a.decls):
        return False
    marker = "marker/target-platform"
    try:
        result = expand_static(value, {"TARGETPLATFORM": marker}, ctx.dockerfile.escape)
    except ExpansionError:
        return False
    return result.value == marker


def _through_next_token(from_: From, span: Span) -> Span | None:
    """From the start of ``span`` to the start of the next flag or word (blanks included)."""
    spans = [f.span for f in from_.flags] + [w.span for w in from_.args]
    starts = [s.start for s in spans if s.start >= span.end]
    return Span(span.start, min(starts)) if starts else None


def redundant_target_platform(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        flag = stage.from_.platform
        if flag is None or not flag.value or not _target_platform_only(flag.value, ctx):
            continue
        removal = _through_next_token(stage.from_, flag.span)
        fix = None
        if removal is not None:
            fix = Fix(f"Remove `{flag.text}`", (Edit(removal, ""),), safe=True)
        yield Hit(flag.span, fix=fix)


# --- ARGs in FROM -------------------------------------------------------------------------------


def _from_words(stage: Stage) -> Iterator[tuple[str, Span]]:
    if stage.from_.image is not None:
        yield stage.from_.image.text, stage.from_.image.span
    flag = stage.from_.platform
    if flag is not None and flag.value:
        yield flag.value, flag.span


def undefined_arg_in_from(ctx: Context) -> Iterator[Hit]:
    known = ctx.analysis.scopes.global_scope.variables
    escape = ctx.dockerfile.escape
    for stage in ctx.dockerfile.stages:
        for text, span in _from_words(stage):
            try:
                refs = references(text, escape)
            except ExpansionError:
                continue
            for name in dict.fromkeys(r.name for r in refs):
                if name in known or not re.match(r"^[A-Za-z_]\w*$", name):
                    continue
                import difflib  # only for a name that is not defined: most runs never need it

                close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.8)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                yield Hit(span, {"name": name, "hint": hint})


def _default_args(dockerfile: Dockerfile) -> dict[str, str | Unknown]:
    """Global ARGs as BuildKit sees them without any --build-arg: an ARG without a default is unset."""
    env: dict[str, str | Unknown] = dict.fromkeys(PLATFORM_ARGS, UNKNOWN)
    for arg in dockerfile.global_args:
        for decl in arg.decls:
            if decl.default is None:  # keeps an earlier value; otherwise stays unset
                continue
            try:
                value = expand_static(decl.default, env, dockerfile.escape).value
            except ExpansionError:
                value = None
            env[decl.name] = UNKNOWN if value is None else value
    return env


def is_valid_reference(text: str) -> bool:
    """Whether ``text`` is an image reference Docker accepts (lowercase repository, valid tag...)."""
    return len(text) <= 255 and _REFERENCE.match(text) is not None


def invalid_default_arg_in_from(ctx: Context) -> Iterator[Hit]:
    env = _default_args(ctx.dockerfile)
    escape = ctx.dockerfile.escape
    for stage in ctx.dockerfile.stages:
        word = stage.from_.image
        if word is None or "$" not in word.text:
            continue
        try:
            result = expand_static(word.text, env, escape)
        except ExpansionError:
            continue
        if result.value is None or is_valid_reference(result.value):
            continue
        names = ", ".join(f"`{n}`" for n in dict.fromkeys(r.name for r in result.refs))
        shown = f"`{result.value}`" if result.value else "an empty string"
        yield Hit(word.span, {"image": word.text, "value": shown, "names": names})


# --- stage names --------------------------------------------------------------------------------


def reserved_stage_name(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        word = stage.from_.stage_name
        if word is not None and stage.name in RESERVED_STAGE_NAMES:
            yield Hit(word.span, {"stage": stage.name})


def duplicate_stage_name(ctx: Context) -> Iterator[Hit]:
    first: dict[str, Stage] = {}
    for stage in ctx.dockerfile.stages:
        word = stage.from_.stage_name
        if word is None or stage.name is None:
            continue
        if stage.name in first:
            yield Hit(word.span, {"stage": stage.name, "line": first[stage.name].from_.line})
        else:
            first[stage.name] = stage


def stage_name_casing(ctx: Context) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        word = stage.from_.stage_name
        if word is None or word.text == word.text.lower():
            continue
        lowered = word.text.lower()
        fix = Fix(f"Rename the stage to `{lowered}`", (Edit(word.span, lowered),), safe=True)
        yield Hit(word.span, {"stage": word.text, "lowered": lowered}, fix)


# --- unused stages ------------------------------------------------------------------------------


def _stage_pattern(ctx: Context, text: str) -> re.Pattern[str] | None:
    """A pattern for the stage names a reference with variables may expand to (None if literal)."""
    escape = ctx.dockerfile.escape
    try:
        refs = references(text, escape)
    except ExpansionError:
        return None
    if not refs:
        return None
    pieces: list[str] = []
    position = 0
    for ref in refs:
        if ref.start < position:  # nested in a reference already replaced
            continue
        pieces.append(re.escape(text[position : ref.start].lower()))
        pieces.append(".*")
        position = ref.end
    pieces.append(re.escape(text[position:].lower()))
    return re.compile("^" + "".join(pieces) + "$")


def _uses(ctx: Context, stage: Stage) -> set[int]:
    """Indexes of the earlier stages ``stage`` may use (FROM, COPY --from, RUN --mount from)."""
    dockerfile = ctx.dockerfile
    used = {link.source for link in dockerfile.links_to(stage.index)}
    parent = base_of(ctx, stage).stage
    if parent is not None:
        used.add(parent.index)
    words = [stage.from_.image.text] if stage.from_.image is not None else []
    for ins in stage.instructions:
        if isinstance(ins, Copy) and ins.from_stage:
            words.append(ins.from_stage)
        if isinstance(ins, Run):
            words.extend(m.from_ for m in ins.mounts if m.from_)
    for word in words:
        pattern = _stage_pattern(ctx, word)
        if pattern is None:
            continue
        scope = ctx.analysis.scopes.global_scope
        value = scope.value(word, dockerfile.escape)
        for earlier in dockerfile.stages[: stage.index]:
            if value is not None:
                if earlier.name == value.lower():
                    used.add(earlier.index)
            elif earlier.name is not None and pattern.match(earlier.name):
                used.add(earlier.index)
    return used


def unused_stage(ctx: Context) -> Iterator[Hit]:
    stages = ctx.dockerfile.stages
    if len(stages) < 2:
        return
    reachable = {len(stages) - 1}
    pending = [stages[-1]]
    while pending:
        for index in _uses(ctx, pending.pop()):
            if index not in reachable:
                reachable.add(index)
                pending.append(stages[index])
    final = stages[-1].label
    for stage in stages[:-1]:
        if stage.index in reachable:
            continue
        word = stage.from_.stage_name or stage.from_.keyword
        yield Hit(word.span, {"stage": stage.label, "final": final})


# --- registries ---------------------------------------------------------------------------------


def _normalise_registry(name: str) -> str:
    host = name.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    return "docker.io" if host in DOCKER_HUB_NAMES else host


def _trusted(domain: str, allowed: list[str]) -> bool:
    host = _normalise_registry(domain)
    return any(fnmatch.fnmatchcase(host, pattern) for pattern in allowed)


def untrusted_registry(ctx: Context) -> Iterator[Hit]:
    configured = ctx.options.get("trusted-registries") or []
    allowed = [_normalise_registry(str(entry)) for entry in configured]
    if not allowed:
        return
    shown = ", ".join(f"`{a}`" for a in allowed)
    for stage in ctx.dockerfile.stages:
        base = base_of(ctx, stage)
        word = stage.from_.image
        pulled = list(_pulled_images(ctx, stage))
        if base.image is not None and word is not None and not is_scratch(base.image):
            pulled.insert(0, (base.image, word.span))
        for ref, span in pulled:
            if not _trusted(ref.domain, allowed):
                registry = _normalise_registry(ref.domain)
                yield Hit(span, {"image": ref.text, "registry": registry, "allowed": shown})


def _pulled_images(ctx: Context, stage: Stage) -> Iterator[tuple[ImageRef, Span]]:
    """The images a stage's ``COPY --from=`` and ``RUN --mount=from=`` pull (not earlier stages):
    references that are clearly images (with a registry, a tag, a digest or a path), after ARG
    and ENV expansion; a bare name may be a mistyped stage (DF720)."""
    dockerfile = ctx.dockerfile
    for ins in stage.instructions:
        found: list[tuple[str, Span]] = []
        if isinstance(ins, Copy) and (flag := ins.flag("from")) is not None and flag.value:
            found.append((flag.value, flag.span))
        elif isinstance(ins, Run):
            found += [(m.from_, m.span) for m in ins.mounts if m.from_]
        for text, span in found:
            value = ctx.analysis.scopes.at(ins).value(text, dockerfile.escape)
            if value is None or dockerfile.stage_before(value, stage.index) is not None:
                continue
            if not any(mark in value for mark in "/:@"):
                continue
            ref = parse_image_ref(value, span)
            if ref is not None:
                yield ref, span
