"""Which rules run, at which severity, with which options.

Selectors (``--select``, ``--ignore``, ``--extend-select``, configuration) name rules by code
(``DF101``), name (``untagged-image``), alias (``DL3006``, ``JSONArgsRecommended``), family
(``base-image``; a former family name such as ``run`` selects the families its rules moved to),
code prefix (``DF1``, ``DL30``) or preset (``hadolint``: hadolint's default rules,
:mod:`dfanalyze.engine.presets`), case-insensitively for codes, aliases and presets.
``ALL`` selects every rule, opt-in ones included.

A :class:`Selection` is one layer of choices: ``select`` replaces what the layers below chose,
``extend_select`` adds to it, ``ignore`` removes from it (within one layer, ``ignore`` wins). Layers
stack through ``base``: a hadolint configuration, then dfanalyze's configuration, then the command
line. As in ruff, an ignore of a layer below carries over against ``select`` and ``extend_select``
selectors that name the rule less specifically than the ignore did: ``--select DF5`` or
``--select hadolint`` keeps a file's ``ignore = ["DF513"]``, ``--select DF513`` does not. In
``severity`` and ``options`` tables the most specific selector wins (a code, name or alias; then a
code prefix, longer first; then a family; then a preset or ``ALL``), and a later layer wins over
an earlier one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from dfanalyze.engine.presets import PRESETS, in_preset, preset_name
from dfanalyze.engine.rulefile import FAMILY_ALIASES, Rule
from dfanalyze.findings import Severity

if TYPE_CHECKING:
    from dfanalyze.engine.registry import Registry

_EXACT = 1000
_FAMILY = 1


class SelectorError(ValueError):
    """A selector that names no rule; ``key`` is the choice it was given for (``select`` ...)."""

    def __init__(self, selector: str, key: str = "select", hint: str = "") -> None:
        super().__init__(f"unknown rule selector: {selector!r}{hint}")
        self.selector = selector
        self.key = key
        self.hint = hint


def specificity(rule: Rule, selector: str) -> int | None:
    """How precisely ``selector`` names ``rule`` (higher is more specific); None: not at all."""
    s = selector.strip()
    upper = s.upper()
    if upper == "ALL":
        return 0
    preset = preset_name(s)
    if preset is not None:
        return 0 if in_preset(rule, preset) else None
    if s == rule.name or upper == rule.code or any(upper == a.upper() for a in rule.aliases):
        return _EXACT
    if s == rule.family or rule.family in FAMILY_ALIASES.get(s, ()):
        return _FAMILY
    # Code prefixes: DF1, DF10; alias prefixes: DL30.
    prefix = len(upper) >= 2 and upper.isalnum()
    if prefix and (
        rule.code.startswith(upper)
        or any(a.upper().startswith(upper) for a in rule.aliases if a[:2].isupper())
    ):
        return _FAMILY + len(upper)
    return None


def names_exactly(rule: Rule, text: str) -> bool:
    """True when ``text`` is the rule's code, name or one of its aliases."""
    return specificity(rule, text) == _EXACT


def _hint(selector: str, rules: Iterable[Rule]) -> str:
    candidates = {s for r in rules for s in (r.code, r.name, r.family, *r.aliases)}
    candidates |= set(PRESETS) | FAMILY_ALIASES.keys()
    import difflib  # only for an unknown selector

    close = difflib.get_close_matches(selector, sorted(candidates), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def resolve(selector: str, rules: Iterable[Rule], key: str = "select") -> list[Rule]:
    """The rules a selector names; :class:`SelectorError` when it names none."""
    candidates = list(rules)
    found = [r for r in candidates if specificity(r, selector) is not None]
    if not found:
        raise SelectorError(selector, key, _hint(selector, candidates))
    return found


class RulePlan(Struct, frozen=True):
    """A selection resolved against a registry: what runs, and how every rule is configured."""

    rules: tuple[Rule, ...]  # the active rules, sorted by code
    severities: Mapping[str, Severity]  # code -> effective severity, for every rule
    options: Mapping[str, Mapping[str, Any]]  # code -> effective options, for every rule

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.rules)


def _most_specific(rule: Rule, table: Mapping[str, Any]) -> list[Any]:
    """The values of ``table`` whose selector names ``rule``, least specific first."""
    if not table:
        return []
    ranked = []
    for order, (selector, value) in enumerate(table.items()):
        rank = specificity(rule, selector)
        if rank is not None:
            ranked.append((rank, order, value))
    return [value for _, _, value in sorted(ranked, key=lambda t: (t[0], t[1]))]


class Selection(Struct, frozen=True):
    select: Sequence[str] | None = None  # None: keep the layer below (every enabled rule at the bottom)
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    severity: Mapping[str, str] = field(default_factory=dict)  # selector -> severity
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # selector -> options
    base: Selection | None = None  # the layer this one refines

    def _chosen(self, rules: Sequence[Rule], also_on: frozenset[str]) -> set[str]:
        below = self.base._chosen(rules, also_on) if self.base is not None else None
        # ruff's carry-over: an ignore of a layer below still holds against a selector of this
        # layer that names the rule less specifically (`--select hadolint` keeps a .hadolint.yaml's
        # `ignored: [DL3008]`; `--select DF513` brings DF513 back).
        carried = {} if self.base is None or below is None else self.base._ignored(rules, below)

        def named(selectors: Sequence[str], key: str) -> set[str]:
            return {
                r.code
                for s in selectors
                for r in resolve(s, rules, key)
                if (specificity(r, s) or 0) >= carried.get(r.code, -1)
            }

        if self.select is not None:
            chosen = named(self.select, "select")
        elif below is not None:
            chosen = set(below)
        else:
            chosen = {r.code for r in rules if r.enabled or r.code in also_on}
        chosen |= named(self.extend_select, "extend-select")
        chosen -= {r.code for s in self.ignore for r in resolve(s, rules, "ignore")}
        return chosen

    def _ignored(self, rules: Sequence[Rule], chosen: set[str]) -> dict[str, int]:
        """The rules this layer and the ones below ignore and that stay out (not in ``chosen``,
        this layer's result), each with the specificity of the most specific ignore naming it."""
        ranks = self.base._ignored(rules, chosen) if self.base is not None else {}
        for s in self.ignore:
            for r in resolve(s, rules, "ignore"):
                if r.code not in chosen:
                    ranks[r.code] = max(ranks.get(r.code, -1), specificity(r, s) or 0)
        return ranks

    def active(self, registry: Registry, also_on: frozenset[str] = frozenset()) -> list[Rule]:
        """The rules this selection runs; :class:`SelectorError` for a selector naming no rule.
        ``also_on``: rules taken as on by default (a file's ``# check=experimental=``)."""
        rules = registry.sorted_rules()
        chosen = self._chosen(rules, also_on)
        return [r for r in rules if r.code in chosen]

    def severity_of(self, rule: Rule) -> Severity:
        values = _most_specific(rule, self.severity)
        if values:
            return Severity(values[-1])
        return self.base.severity_of(rule) if self.base is not None else rule.severity

    def options_of(self, rule: Rule, settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The rule's options: its defaults, replaced by global ``settings`` of the same name
        (``trusted-registries`` ...), then by the options tables of each layer."""
        if self.base is not None:
            options = self.base.options_of(rule, settings)
        elif settings:
            options = {k: settings.get(k, v) for k, v in rule.options.items()}
        else:
            options = dict(rule.options)
        for values in _most_specific(rule, self.options):
            options.update(values)
        return options

    def _check_tables(self, rules: Sequence[Rule]) -> None:
        for key, table in (("severity", self.severity), ("options", self.options)):
            for selector in table:
                resolve(selector, rules, key)
        if self.base is not None:
            self.base._check_tables(rules)

    def plan(self, registry: Registry, settings: Mapping[str, Any] | None = None) -> RulePlan:
        """Resolve once per registry: the active rules and every rule's severity and options."""
        rules = registry.sorted_rules()
        self._check_tables(rules)
        return RulePlan(
            rules=tuple(self.active(registry)),
            severities={r.code: self.severity_of(r) for r in rules},
            options={r.code: self.options_of(r, settings) for r in rules},
        )
