"""Configuration files: ``.dfanalyze.toml``, ``[tool.dfanalyze]`` in ``pyproject.toml``, and
hadolint's ``.hadolint.yaml``.

Discovery: for each linted file, the folders from the file's own up to the repository root (the first
folder holding ``.git``) or the filesystem root are searched; in each, ``.dfanalyze.toml`` comes before
a ``pyproject.toml`` that has a ``[tool.dfanalyze]`` table. The nearest one wins, whole: configuration
files are not merged with the ones further up. ``--config FILE`` replaces discovery for every file.

hadolint: the nearest ``.hadolint.yaml`` (or ``.yml``), found the same way, is read too, and merged
*under* the dfanalyze configuration: its ``ignored`` and ``override`` form a selection layer that the
dfanalyze configuration (and then the command line) refines, and its other keys apply where the
dfanalyze configuration does not set the same thing. Codes it names are mapped through rule aliases;
hadolint and ShellCheck codes that no dfanalyze rule implements are accepted and have no effect.
``format``, ``no-color`` and ``verbose`` are accepted and not used (output is dfanalyze's own choice).

Every problem (bad TOML or YAML, an unknown key, a value of the wrong type, a selector or option that
names nothing) is a :class:`ConfigError` whose message is ``path: key: problem``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dfanalyze.engine.registry import Registry
from dfanalyze.engine.rulefile import Rule, RuleFileError
from dfanalyze.engine.run import Linter, RulesFailed, RunProblem
from dfanalyze.engine.selection import Selection, SelectorError, names_exactly, resolve
from dfanalyze.engine.suppress import FOREIGN_CODE
from dfanalyze.findings import Finding, Severity
from dfanalyze.model import Dockerfile
from dfanalyze.records import field, record, replace

DFANALYZE_FILES = (".dfanalyze.toml", "pyproject.toml")
HADOLINT_FILES = (".hadolint.yaml", ".hadolint.yml")
THRESHOLDS = ("error", "warning", "info", "style", "never")  # exit 1 from findings this severe up
_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "severity",
    "failure-threshold",
    "extend-rules",
    "rules",
    "trusted-registries",
    "build-args",
    "exclude",
    "output-format",
    "label-schema",
    "strict-labels",
)
_HADOLINT_KEYS = (
    "ignored",
    "override",
    "trustedRegistries",
    "label-schema",
    "strict-labels",
    "failure-threshold",
    "no-fail",
    "disable-ignore-pragma",
    "format",
    "no-color",
    "verbose",
)
_HADOLINT_THRESHOLDS = {"error": "error", "warning": "warning", "info": "info", "style": "style"}
_HADOLINT_THRESHOLDS |= {"ignore": "style", "none": "style"}  # fail on any finding


class ConfigError(ValueError):
    """A configuration file that cannot be used: ``path: key: problem``."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")
        self.path = path
        self.key = key


@record
class HadolintConfig:
    """What a ``.hadolint.yaml`` says, validated."""

    path: Path
    ignored: tuple[str, ...] = ()
    override: Mapping[str, str] = field(default_factory=dict)  # code -> severity
    trusted_registries: tuple[str, ...] | None = None
    label_schema: Mapping[str, str] | None = None
    strict_labels: bool | None = None
    failure_threshold: str | None = None  # one of THRESHOLDS
    pragmas: bool = True  # False: `# hadolint ignore=` comments are not honoured


@record
class Overrides:
    """What the command line says, over any configuration file."""

    selection: Selection = field(default_factory=Selection)
    build_args: Mapping[str, str] = field(default_factory=dict)
    failure_threshold: str | None = None


@record
class Config:
    """One configuration, as found for a file (every field unset when no file was found)."""

    path: Path | None = None
    prefix: str = ""  # "tool.dfanalyze." in pyproject.toml: how keys are named in messages
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    failure_threshold: str | None = None
    extend_rules: tuple[Path, ...] = ()
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    trusted_registries: tuple[str, ...] | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()  # glob patterns, for finding Dockerfiles in folders
    output_format: str | None = None
    label_schema: Mapping[str, str] | None = None
    strict_labels: bool | None = None
    hadolint: HadolintConfig | None = None

    def where(self, key: str) -> str:
        """``path: key`` for messages about ``key``."""
        return f"{self.path}: {self.prefix}{key}"

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(str(self.path), f"{self.prefix}{key}", problem)

    @property
    def threshold(self) -> str:
        """From which severity findings make the exit status 1 (``never``: they never do)."""
        if self.failure_threshold is not None:
            return self.failure_threshold
        if self.hadolint is not None and self.hadolint.failure_threshold is not None:
            return self.hadolint.failure_threshold
        return "style"

    @property
    def settings(self) -> dict[str, Any]:
        """Global settings (``ctx.settings``, and defaults of rule options of the same name): only
        what this file or the hadolint file sets."""
        h = self.hadolint or HadolintConfig(Path())
        values = {
            "trusted-registries": _first(self.trusted_registries, h.trusted_registries),
            "label-schema": _first(self.label_schema, h.label_schema),
            "strict-labels": _first(self.strict_labels, h.strict_labels),
        }
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items() if v is not None}

    def registry(self, base: Registry) -> Registry:
        return base.extended(self.extend_rules) if self.extend_rules else base

    def selection(self, registry: Registry, command_line: Selection | None = None) -> Selection:
        """The layers hadolint file < this file < command line; :class:`ConfigError` for a
        selector or an option of a configuration file that names nothing."""
        rules = registry.sorted_rules()
        base = _hadolint_layer(self.hadolint, rules) if self.hadolint is not None else None
        for key, selectors in (
            ("select", self.select or ()),
            ("extend-select", self.extend_select),
            ("ignore", self.ignore),
            ("severity", tuple(self.severity)),
        ):
            for selector in selectors:
                try:
                    resolve(selector, rules, key)
                except SelectorError as exc:
                    raise self.error(key, f"{selector!r} names no rule{exc.hint}") from None
        for selector, options in self.rule_options.items():
            _check_options(self, selector, options, rules)
        layer = Selection(
            select=self.select,
            extend_select=self.extend_select,
            ignore=self.ignore,
            severity=self.severity,
            options=self.rule_options,
            base=base,
        )
        if command_line is None:
            return layer
        return replace(command_line, base=layer)

    def linter(self, base: Registry, overrides: Overrides) -> Linter:
        """A linter for the files this configuration applies to.

        Raises :class:`ConfigError` for this file's problems and :class:`SelectorError` for the
        command line's."""
        registry = self.registry(base)
        selection = self.selection(registry, overrides.selection)
        return Linter.create(
            registry,
            selection,
            build_args={**self.build_args, **overrides.build_args},
            settings=self.settings,
            hadolint_pragmas=self.hadolint.pragmas if self.hadolint is not None else True,
        )


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def fails(findings: Sequence[Finding], threshold: str) -> bool:
    """True when a finding is at least as severe as ``threshold`` (one of :data:`THRESHOLDS`)."""
    if threshold == "never":
        return False
    limit = Severity(threshold).rank
    return any(f.severity.rank <= limit for f in findings)


# -- validation helpers --------------------------------------------------------------------------


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    import difflib  # only for a configuration error

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(choices)})"


def _strings(value: Any, error: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(key, "must be a list of strings")
    return tuple(value)


def _string_table(value: Any, error: Any, key: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise error(key, "must be a table")
    for name, item in value.items():
        if not isinstance(item, str):
            raise error(f"{key}.{name}", f"must be a string, not {type(item).__name__}")
    return dict(value)


def _boolean(value: Any, error: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise error(key, "must be true or false")
    return value


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, list):
        return isinstance(value, list) and all(
            any(_same_kind(d, v) for d in default) for v in value if default
        )
    return isinstance(value, type(default))


def _check_options(config: Config, selector: str, options: Mapping[str, Any], rules: Sequence[Rule]) -> None:
    named = [r for r in rules if names_exactly(r, selector)]
    if not named:
        raise config.error(f"rules.{selector}", "names no rule (use a rule's code, name or alias)")
    for rule in named:
        for key, value in options.items():
            if key not in rule.options:
                declared = ", ".join(rule.options) or "none"
                raise config.error(
                    f"rules.{selector}.{key}", f"{rule.code} has no such option (its options: {declared})"
                )
            default = rule.options[key]
            if not _same_kind(default, value):
                raise config.error(
                    f"rules.{selector}.{key}",
                    f"must be like the default {default!r}, not {type(value).__name__}",
                )


def _hadolint_layer(h: HadolintConfig, rules: Sequence[Rule]) -> Selection:
    """The hadolint file's ``ignored`` and ``override`` as a selection layer; codes that no rule
    implements are dropped (hadolint's and ShellCheck's) or refused (anything else)."""

    def known(code: str, key: str) -> bool:
        if any(names_exactly(r, code) for r in rules):
            return True
        if FOREIGN_CODE.match(code):
            return False
        raise ConfigError(str(h.path), key, f"{code!r} names no rule and is not a hadolint code")

    return Selection(
        ignore=tuple(c for c in h.ignored if known(c, "ignored")),
        severity={c: s for c, s in h.override.items() if known(c, f"override.{s}")},
    )


# -- reading files -------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a configuration file exists

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "toml", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "file", str(exc)) from None


def load_dfanalyze(path: Path) -> Config:
    """Read ``.dfanalyze.toml`` (keys at the top) or ``pyproject.toml`` (``[tool.dfanalyze]``)."""
    data = _read_toml(path)
    prefix = ""
    if path.name == "pyproject.toml":
        prefix = "tool.dfanalyze."
        table = data.get("tool", {}).get("dfanalyze", {})
        if not isinstance(table, dict):
            raise ConfigError(str(path), "tool.dfanalyze", "must be a table")
        data = table
    config = Config(path=path, prefix=prefix)
    error = config.error
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise error(unknown[0], "unknown key" + _did_you_mean(unknown[0], _KEYS))
    values: dict[str, Any] = {}
    for key in ("select", "extend-select", "ignore", "trusted-registries", "exclude"):
        if key in data:
            values[key.replace("-", "_")] = _strings(data[key], error, key)
    if "severity" in data:
        severity = _string_table(data["severity"], error, "severity")
        for selector, value in severity.items():
            if value not in {s.value for s in Severity}:
                raise error(f"severity.{selector}", f"{value!r} is not one of error, warning, info, style")
        values["severity"] = severity
    if "failure-threshold" in data:
        value = data["failure-threshold"]
        if value not in THRESHOLDS:
            raise error("failure-threshold", f"{value!r} is not one of {', '.join(THRESHOLDS)}")
        values["failure_threshold"] = value
    if "extend-rules" in data:
        folders = [(path.parent / f).resolve() for f in _strings(data["extend-rules"], error, "extend-rules")]
        for folder in folders:
            if not folder.is_dir():
                raise error("extend-rules", f"{folder} is not a folder")
        values["extend_rules"] = tuple(folders)
    if "rules" in data:
        rules = data["rules"]
        if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
            raise error("rules", "must be a table of option tables, one per rule: [rules.DF101]")
        values["rule_options"] = rules
    for key in ("build-args", "label-schema"):
        if key in data:
            values[key.replace("-", "_")] = _string_table(data[key], error, key)
    if "output-format" in data:
        if not isinstance(data["output-format"], str):
            raise error("output-format", "must be a string")
        values["output_format"] = data["output-format"]
    if "strict-labels" in data:
        values["strict_labels"] = _boolean(data["strict-labels"], error, "strict-labels")
    return replace(config, **values)


def load_hadolint(path: Path) -> HadolintConfig:
    import yaml

    def error(key: str, problem: str) -> ConfigError:
        return ConfigError(str(path), key, problem)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error("yaml", str(exc).replace("\n", " ")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error("file", str(exc)) from None
    if data is None:
        return HadolintConfig(path)
    if not isinstance(data, dict):
        raise error("yaml", "must be a mapping of keys to values")
    unknown = [k for k in data if k not in _HADOLINT_KEYS]
    if unknown:
        raise error(str(unknown[0]), "unknown key" + _did_you_mean(str(unknown[0]), _HADOLINT_KEYS))
    override: dict[str, str] = {}
    raw_override = data.get("override") or {}
    if not isinstance(raw_override, dict):
        raise error("override", "must be a mapping of error/warning/info/style to lists of codes")
    for severity, codes in raw_override.items():
        if severity not in ("error", "warning", "info", "style"):
            raise error(f"override.{severity}", "unknown severity (allowed: error, warning, info, style)")
        for code in _strings(codes or [], error, f"override.{severity}"):
            override[code] = str(severity)
    threshold = data.get("failure-threshold")
    if threshold is not None and threshold not in _HADOLINT_THRESHOLDS:
        raise error("failure-threshold", f"{threshold!r} is not one of {', '.join(_HADOLINT_THRESHOLDS)}")
    no_fail = _boolean(data.get("no-fail", False), error, "no-fail")
    for key in ("no-color", "verbose", "strict-labels", "disable-ignore-pragma"):
        _boolean(data.get(key, False), error, key)
    if not isinstance(data.get("format", ""), str):
        raise error("format", "must be a string")
    schema = data.get("label-schema")
    trusted = data.get("trustedRegistries")
    return HadolintConfig(
        path=path,
        ignored=_strings(data.get("ignored") or [], error, "ignored"),
        override=override,
        trusted_registries=_strings(trusted, error, "trustedRegistries") if trusted is not None else None,
        label_schema=_string_table(schema, error, "label-schema") if schema is not None else None,
        strict_labels=data.get("strict-labels"),
        failure_threshold="never" if no_fail else _HADOLINT_THRESHOLDS.get(threshold or ""),
        pragmas=not data.get("disable-ignore-pragma", False),
    )


def load_config(path: Path) -> Config:
    """The configuration in ``path`` (``--config``): a dfanalyze TOML file or a hadolint YAML file."""
    if not path.is_file():
        raise ConfigError(str(path), "file", "no such file")
    if path.suffix in (".yaml", ".yml"):
        return Config(hadolint=load_hadolint(path))
    return load_dfanalyze(path)


def _has_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "dfanalyze" in text and "dfanalyze" in _read_toml(pyproject).get("tool", {})


@record(frozen=False)
class ConfigFinder:
    """Finds and reads the configuration of each folder, reading each file once per run."""

    _by_folder: dict[Path, Config] = field(default_factory=dict)
    _by_files: dict[tuple[Path | None, Path | None], Config] = field(default_factory=dict)

    def for_file(self, path: Path) -> Config:
        return self.for_folder(path.resolve().parent)

    def for_folder(self, folder: Path) -> Config:
        if folder not in self._by_folder:
            self._by_folder[folder] = self._find(folder)
        return self._by_folder[folder]

    def _find(self, folder: Path) -> Config:
        key = config_files(folder)
        if key not in self._by_files:
            self._by_files[key] = read_config_files(*key)
        return self._by_files[key]


def config_files(folder: Path) -> tuple[Path | None, Path | None]:
    """The dfanalyze configuration file and the hadolint file that apply to the files of
    ``folder`` (an absolute path): the nearest of each, up to the repository root."""
    ours: Path | None = None
    theirs: Path | None = None
    for candidate in (folder, *folder.parents):
        if ours is None:
            ours = _dfanalyze_file(candidate)
        if theirs is None:
            theirs = next((candidate / n for n in HADOLINT_FILES if (candidate / n).is_file()), None)
        if (ours is not None and theirs is not None) or (candidate / ".git").exists():
            break
    return ours, theirs


def read_config_files(ours: Path | None, theirs: Path | None) -> Config:
    """The configuration of :func:`config_files`' answer (every field unset for none)."""
    config = load_dfanalyze(ours) if ours is not None else Config()
    if theirs is not None:
        config = replace(config, hadolint=load_hadolint(theirs))
    return config


def _dfanalyze_file(folder: Path) -> Path | None:
    own = folder / DFANALYZE_FILES[0]
    if own.is_file():
        return own
    pyproject = folder / DFANALYZE_FILES[1]
    if pyproject.is_file() and _has_table(pyproject):
        return pyproject
    return None


@record
class Linting:
    """One run's linters: each file is linted with its folder's configuration, and its findings
    are judged by that configuration's failure threshold (``--failure-threshold`` over all)."""

    linters: Mapping[Path, Linter]  # by folder
    thresholds: Mapping[Path, str]
    fallback: Path  # the folder used for files without one (standard input)

    def _folder(self, path: str) -> Path:
        folder = Path(path).resolve().parent
        return folder if folder in self.linters else self.fallback

    def __call__(self, dockerfile: Dockerfile) -> list[Finding]:
        """The file's findings; :class:`RulesFailed` (carrying them) when some rule could not run."""
        problems: list[RunProblem] = []
        findings = self.linters[self._folder(dockerfile.path)].lint(dockerfile, problems=problems)
        if problems:
            raise RulesFailed(findings, problems)
        return findings

    @property
    def rules(self) -> dict[str, Rule]:
        """Every rule any of the linters knows (for reporters that describe rules)."""
        return {
            code: rule for linter in self.linters.values() for code, rule in linter.registry.rules.items()
        }

    @property
    def errors(self) -> list[RuleFileError]:
        """The rule files that could not be loaded, each once."""
        seen: dict[str, RuleFileError] = {}
        for linter in self.linters.values():
            seen.update((str(e), e) for e in linter.registry.errors)
        return list(seen.values())

    def fails(self, findings: Sequence[Finding]) -> bool:
        by_folder: dict[Path, list[Finding]] = {}
        for finding in findings:
            by_folder.setdefault(self._folder(finding.path), []).append(finding)
        return any(fails(group, self.thresholds[folder]) for folder, group in by_folder.items())


def plan_linting(
    paths: Sequence[str],
    base: Registry,
    overrides: Overrides,
    *,
    config_file: Path | None = None,
    cwd: Path | None = None,
) -> Linting:
    """A linter for the folder of each of ``paths`` (and the current folder); one per configuration.

    Raises :class:`ConfigError` for a configuration file's problems and :class:`SelectorError`
    for the command line's, before anything is linted."""
    finder = ConfigFinder()
    here = (cwd or Path.cwd()).resolve()
    folders = {here, *(Path(p).resolve().parent for p in paths)}
    fixed = load_config(config_file) if config_file is not None else None
    made: dict[int, tuple[Linter, str]] = {}
    linters: dict[Path, Linter] = {}
    thresholds: dict[Path, str] = {}
    for folder in sorted(folders):
        config = fixed if fixed is not None else finder.for_folder(folder)
        if id(config) not in made:
            made[id(config)] = (
                config.linter(base, overrides),
                overrides.failure_threshold or config.threshold,
            )
        linters[folder], thresholds[folder] = made[id(config)]
    return Linting(linters, thresholds, here)
