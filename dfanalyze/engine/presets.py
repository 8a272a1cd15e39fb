"""Named rule sets (presets), selected like any other selector: ``--select hadolint``.

- ``hadolint``: the rules hadolint 2.15 runs with no configuration, for teams moving from it:
  every rule that carries a hadolint code hadolint reports by default (``knowledge/data/parity.toml``
  lists each code with hadolint's default severity; ``ignore`` means off, ``removed`` means no
  longer in hadolint), and DF599, ShellCheck, which hadolint runs on every RUN.
- ``ALL`` (handled in :mod:`dfanalyze.engine.selection`): every rule, opt-in ones included.

The default set itself is not a preset: it is every rule whose file does not say ``enabled =
false`` (how each rule's default was chosen is in its docs, ``[docs] default``).
"""

from __future__ import annotations

from functools import cache

from dfanalyze.engine.rulefile import Rule

HADOLINT = "hadolint"
PRESETS = {
    HADOLINT: "the rules hadolint 2.15 runs by default (its DL codes and ShellCheck)",
}
_HADOLINT_OFF = ("ignore", "removed")  # parity.toml severities of codes hadolint does not report
_HADOLINT_EXTRA = frozenset({"DF599"})  # ShellCheck: hadolint runs it on every RUN


@cache
def _hadolint_codes() -> frozenset[str]:
    """The hadolint codes hadolint 2.15 reports without configuration."""
    import tomllib

    from dfanalyze.engine.parity import DATA  # only when a preset is selected

    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return frozenset(code for code, severity in data["hadolint"].items() if severity not in _HADOLINT_OFF)


def preset_name(selector: str) -> str | None:
    """The preset ``selector`` names (any case), or None."""
    name = selector.strip().lower()
    return name if name in PRESETS else None


def in_preset(rule: Rule, preset: str) -> bool:
    """Whether ``rule`` belongs to the preset named ``preset`` (a key of :data:`PRESETS`)."""
    if preset == HADOLINT:
        return rule.code in _HADOLINT_EXTRA or any(a in _hadolint_codes() for a in rule.aliases)
    raise KeyError(preset)
