"""FROM --platform values that cannot work, as far as they are statically knowable (BuildKit's
InvalidBaseImagePlatform fires at build time, when the pulled image lacks the platform).

Two things are certain without a registry: a platform string that names no known operating system
or architecture, and an operating system that the image can never have (a Linux distribution image
asked for ``windows/amd64``, a Windows Server Core image asked for ``linux/...``)."""

from __future__ import annotations

from collections.abc import Iterator

from dfanalyze.checks.context import Context, Hit
from dfanalyze.model import From

# containerd's platforms package: known operating systems and architectures, with the aliases it
# normalises (x86_64 -> amd64, aarch64 -> arm64, armhf -> arm, ...).
OPERATING_SYSTEMS = frozenset({
    "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
    "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos",
})  # fmt: skip
ARCHITECTURES = frozenset({
    "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle",
    "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64",
    "s390", "s390x", "sparc", "sparc64", "wasm", "x86_64", "x86-64", "aarch64", "armhf", "armel", "i386",
})  # fmt: skip
_WINDOWS_IMAGES = ("mcr.microsoft.com/windows", "mcr.microsoft.com/powershell:nanoserver")


def _image_os(ctx: Context, from_: From) -> str | None:
    ref = ctx.analysis.scopes.image(from_)
    if ref is None:
        return None
    name = ref.name.lower()
    if (
        name.startswith(_WINDOWS_IMAGES)
        or "windowsservercore" in (ref.tag or "")
        or "nanoserver" in (ref.tag or "")
    ):
        return "windows"
    info = ctx.analysis.image_info(ref.registry, ref.repository, ref.tag)
    if info is not None and info.distro is not None:
        return "linux"
    return None


def invalid_base_image_platform(ctx: Context) -> Iterator[Hit]:
    scopes = ctx.analysis.scopes
    for stage in ctx.dockerfile.stages:
        flag = stage.from_.platform
        if flag is None or flag.value is None:
            continue
        value = scopes.global_scope.value(flag.value, ctx.dockerfile.escape)
        if value is None or not value:
            continue
        parts = value.lower().split("/")
        os_name = parts[0]
        arch = parts[1] if len(parts) > 1 else None
        if len(parts) > 3 or (os_name not in OPERATING_SYSTEMS and os_name not in ARCHITECTURES):
            yield Hit(flag.span, {"platform": value, "reason": "it names no known operating system"})
            continue
        if arch is not None and arch not in ARCHITECTURES:
            yield Hit(flag.span, {"platform": value, "reason": f"`{arch}` is not a known architecture"})
            continue
        image_os = _image_os(ctx, stage.from_)
        if os_name in OPERATING_SYSTEMS and image_os is not None and image_os != os_name:
            image = stage.from_.image.text if stage.from_.image else "the base image"
            yield Hit(flag.span, {"platform": value, "reason": f"`{image}` is a {image_os} image"})
