"""``pip install`` into a distribution's own Python, which PEP 668 marks "externally managed" on
Debian 12+, Ubuntu 23.04+ and Alpine 3.19+: pip refuses with ``externally-managed-environment``.

pip (``commands/install.py``, ``commands/uninstall.py``) checks the marker file for ``install`` and
``uninstall`` unless ``--break-system-packages`` (or ``PIP_BREAK_SYSTEM_PACKAGES``, or the option in
a pip configuration) is given, the interpreter runs in a virtual environment, or the install does
not go into the running environment (``--target``, ``--prefix``, ``--root``, ``--dry-run
--report``). ``--user`` is no way out: it is checked too. The official ``python`` images build
their own Python in ``/usr/local``, first on PATH, which is not externally managed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.analysis.packages import PackageOp
from dfanalyze.checks.base_image import lineage, root_image_info
from dfanalyze.checks.context import Context, Hit
from dfanalyze.checks.run import RunSite, action_word, command_span, run_sites
from dfanalyze.knowledge.base_images import ImageInfo

# The first release of each distribution whose python3 package ships EXTERNALLY-MANAGED.
_MANAGED_SINCE = {"debian": (12,), "ubuntu": (23, 4), "alpine": (3, 19)}
_LABEL = {"debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine"}
_OWN_PYTHON = frozenset({"python", "pypy"})  # images whose python3 on PATH is their own build
_DISTRO_PYTHON = re.compile(
    r"python3(\.\d+)?(-(pip|dev|venv|full|minimal|setuptools|wheel))?|py3-pip|python-is-python3"
)
_PIP_TOOLS = re.compile(r"pip3?(\.\d+)?|python3?(\.\d+)? -m pip|uv pip")
_OUT_OF_ENVIRONMENT = frozenset({"--target", "-t", "--prefix", "--root", "--break-system-packages"})
_VENV = re.compile(r"-m venv|\bvirtualenv\b|\buv venv\b|/activate\b|\bpip(\.conf| config)\b|conda|mamba")
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_PIP_ENV = frozenset({"PIP_TARGET", "PIP_PREFIX", "PIP_ROOT"})


def pip_externally_managed(ctx: Context) -> Iterator[Hit]:
    for site in run_sites(ctx):
        ops = [op for _, op in site.package_ops("pip") if op.action in {"install", "remove"}]
        if site.onbuild or not ops:
            continue
        release = _managed_release(root_image_info(ctx, site.stage))
        if release is None:
            continue
        chain = lineage(ctx, site.stage)
        if not _distro_python(ctx, chain, site) or _escaped_before(ctx, chain, site.instruction):
            continue
        for op in ops:
            if _applies(op, site):
                yield Hit(command_span(op.command, action_word(op)), {"tool": op.tool, "distro": release})


def _managed_release(info: ImageInfo | None) -> str | None:
    """ "Debian 12" when the image's distribution marks its python3 externally managed."""
    if info is None or info.family in _OWN_PYTHON or info.distro not in _MANAGED_SINCE:
        return None
    cycle = info.distro_cycle or ""
    if not re.fullmatch(r"\d+(\.\d+)?", cycle):
        return None
    if tuple(int(part) for part in cycle.split(".")) < _MANAGED_SINCE[info.distro]:
        return None
    return f"{_LABEL[info.distro]} {cycle}"


def _distro_python(ctx: Context, chain: tuple[model.Stage, ...], site: RunSite) -> bool:
    """A system package install of the distribution's python3 (or its pip) before the pip command,
    in the stage's chain or earlier in the same RUN."""
    for other in run_sites(ctx):
        if other.stage not in chain or other.onbuild or other.instruction.line > site.instruction.line:
            continue
        for _, op in other.package_ops("apt", "apk"):
            if op.action == "install" and any(_DISTRO_PYTHON.fullmatch(p.name) for p in op.packages):
                return True
    return False


def _escaped_before(ctx: Context, chain: tuple[model.Stage, ...], until: model.Instruction) -> bool:
    """A virtual environment, pip configuration or PIP_* setting before ``until`` that makes pip
    install elsewhere or accept the managed environment (ARGs count: a RUN sees them as
    environment variables)."""
    scope = ctx.analysis.scopes.at(until)
    variables = scope.variables
    if any(name in variables for name in (*_PIP_ENV, "VIRTUAL_ENV", "CONDA_PREFIX")):
        return True
    if "PIP_BREAK_SYSTEM_PACKAGES" in variables:
        value = scope.value("$PIP_BREAK_SYSTEM_PACKAGES")
        if value is None or value.lower() in _TRUE:
            return True
    if re.search(r"venv|virtualenv|conda", scope.value("$PATH") or ""):
        return True
    for stage in reversed(chain):
        for ins in stage.instructions:
            if ins is until:
                return _VENV.search(_before_pip(ins)) is not None
            if isinstance(ins, model.Run) and _VENV.search(ins.text):
                return True
    return False


def _before_pip(ins: model.Instruction) -> str:
    """The RUN's text up to its first pip command (a venv made earlier in the same RUN counts)."""
    match = re.search(r"\bpip3?\b(?!\.conf)", ins.text)
    return ins.text[: match.start()] if match else ins.text


def _applies(op: PackageOp, site: RunSite) -> bool:
    """The command installs into the running interpreter's environment, with the system pip."""
    name = op.command.name
    if not _PIP_TOOLS.fullmatch(op.tool) or ("/" in name and not name.startswith("/usr/bin/")):
        return False  # a pip by path: a venv's, or one installed apart
    if op.tool == "uv pip" and "--system" not in op.flags:
        return False  # uv without --system needs a virtual environment anyway
    if op.flags & _OUT_OF_ENVIRONMENT or {"--dry-run", "--report"} <= op.flags:
        return False
    for assignment in op.command.assignments:
        value = (assignment.value.value or "") if assignment.value else ""
        if assignment.name in _PIP_ENV or (
            assignment.name == "PIP_BREAK_SYSTEM_PACKAGES" and value.lower() in _TRUE
        ):
            return False
    return True
