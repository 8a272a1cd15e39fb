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

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from dfanalyze.engine.registry import Registry, UntrustedCode
from dfanalyze.engine.rulefile import Rule
from dfanalyze.engine.run import Linter
from dfanalyze.engine.selection import Selection, SelectorError, names_exactly, resolve
from dfanalyze.engine.suppress import CHECK_ARG, FOREIGN_CODE, CheckOptionError
from dfanalyze.files import exists, is_folder, is_regular, path_problem, read_regular
from dfanalyze.findings import Finding, Severity

DFANALYZE_FILES = (".dfanalyze.toml", "pyproject.toml")
HADOLINT_FILES = (".hadolint.yaml", ".hadolint.yml")
THRESHOLDS = ("error", "warning", "info", "style", "never")  # exit 1 from findings this severe up
# Warnings and errors fail a run; info and style findings are shown but do not: advice that depends
# on the day (an end-of-life date) or on taste must not turn an unchanged repository's CI red.
# hadolint's default is `info` (style findings do not fail); `--failure-threshold info` gives it.
DEFAULT_THRESHOLD = "warning"
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
    "per-file-ignores",
    "fixable",
    "unfixable",
)
RUN_WIDE = ("output-format", "exclude")  # settings of the whole run, not of one file
_FIELDS = {"rules": "rule_options"}  # the Config field of a key, where it is not the key's own name
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


class HadolintConfig(Struct, frozen=True):
    """What a ``.hadolint.yaml`` says, validated."""

    path: Path
    ignored: tuple[str, ...] = ()
    override: Mapping[str, str] = field(default_factory=dict)  # code -> severity
    trusted_registries: tuple[str, ...] | None = None
    label_schema: Mapping[str, str] | None = None
    strict_labels: bool | None = None
    failure_threshold: str | None = None  # one of THRESHOLDS
    pragmas: bool = True  # False: `# hadolint ignore=` comments are not honoured


class Overrides(Struct, frozen=True):
    """What the command line says, over any configuration file."""

    selection: Selection = field(default_factory=Selection)
    build_args: Mapping[str, str] = field(default_factory=dict)
    failure_threshold: str | None = None
    fixable: tuple[str, ...] | None = None  # --fixable: replaces the configuration's
    unfixable: tuple[str, ...] = ()  # --unfixable: added to the configuration's
    settings: Config | None = None  # --config 'KEY = VALUE': over every configuration file

    def apply(self, config: Config) -> Config:
        """``config`` with the command line's settings (``--config 'KEY = VALUE'``) over it."""
        if self.settings is None:
            return config
        inline = self.settings
        fields = [_FIELDS.get(key, key.replace("-", "_")) for key in inline.keys]
        values = {name: getattr(inline, name) for name in fields}
        keys = tuple(dict.fromkeys((*config.keys, *inline.keys)))
        return replace(config, keys=keys, inline=inline.keys, **values)


class Config(Struct, frozen=True):
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
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # pattern -> rules
    fixable: tuple[str, ...] | None = None  # None: every rule's fixes apply
    unfixable: tuple[str, ...] = ()
    hadolint: HadolintConfig | None = None
    keys: tuple[str, ...] = ()  # the keys the file sets (where each setting came from)
    inline: tuple[str, ...] = ()  # the keys set on the command line (--config 'KEY = VALUE')
    # Trusted: the user named this file (--config, the user configuration), so its rule folders may
    # name Python checks and lie anywhere. A file found next to a linted file is not trusted.
    trusted: bool = False

    @property
    def folder(self) -> Path | None:
        """The folder the file's relative paths (extend-rules, per-file-ignores) start from."""
        return self.path.parent if self.path is not None else None

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
        return DEFAULT_THRESHOLD

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
        """``base`` with this file's ``extend-rules`` folders. From a file that is not trusted, a
        rule that names Python code (``check = "module:function"``) is a :class:`ConfigError`:
        only declarative rules may come from the linted repository."""
        if not self.extend_rules:
            return base
        registry = base.extended(self.extend_rules, python=self.trusted)
        for problem in registry.errors:
            if isinstance(problem, UntrustedCode):
                raise ConfigError(
                    problem.path,
                    problem.field,
                    f"{problem.problem}; it came from {self.prefix}extend-rules in {self.path}",
                )
        return registry

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
            ("fixable", self.fixable or ()),
            ("unfixable", self.unfixable),
            *((f"per-file-ignores.{pattern!r}", codes) for pattern, codes in self.per_file_ignores.items()),
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
        return self.planned(base, overrides)[0]

    def planned(self, base: Registry, overrides: Overrides) -> tuple[Linter, Selection]:
        """:meth:`linter`, and the selection it was made from (every layer of it)."""
        registry = self.registry(base)
        selection = self.selection(registry, overrides.selection)
        build_args = {**self.build_args, **overrides.build_args}
        try:
            linter = Linter.create(
                registry,
                selection,
                build_args=build_args,
                settings=self.settings,
                hadolint_pragmas=self.hadolint.pragmas if self.hadolint is not None else True,
            )
        except CheckOptionError as exc:
            where = "--build-arg" if CHECK_ARG in overrides.build_args else str(self.path)
            key = f"{self.prefix}build-args.{CHECK_ARG}" if where != "--build-arg" else CHECK_ARG
            raise ConfigError(where, key, str(exc)) from None
        return linter, selection


def folder_of(path: str) -> Path:
    """The real folder of a file (``os.path.realpath``, which, unlike ``Path.resolve`` in Python
    3.11, does not raise on a symbolic link loop)."""
    return Path(os.path.realpath(path)).parent


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


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_error(path: Path, kind: str, problem: str, at: tuple[int, int] | None = None) -> ConfigError:
    """A file that does not parse, as ``path:line:column: toml: problem``: the position where
    editors and terminals can jump to, not flattened into the message."""
    if at is None and (found := _TOML_POSITION.search(problem)):
        at = (int(found.group(1)), int(found.group(2)))
        problem = problem[: found.start()]
    where = f"{path}:{at[0]}:{at[1]}" if at else str(path)
    return ConfigError(where, kind, problem)


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a configuration file exists

    try:
        return tomllib.loads(read_regular(path).decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, "toml", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "file", str(exc)) from None


def load_dfanalyze(path: Path, *, trusted: bool = False) -> Config:
    """Read ``.dfanalyze.toml`` (keys at the top) or ``pyproject.toml`` (``[tool.dfanalyze]``).
    ``trusted``: the user named the file (see :attr:`Config.trusted`)."""
    data = _read_toml(path)
    prefix = ""
    if path.name == "pyproject.toml":
        prefix = "tool.dfanalyze."
        table = data.get("tool", {}).get("dfanalyze", {})
        if not isinstance(table, dict):
            raise ConfigError(str(path), "tool.dfanalyze", "must be a table")
        data = table
    return _config(data, path, prefix, trusted)


def inline_settings(settings: Sequence[str]) -> Config:
    """The command line's ``--config 'KEY = VALUE'`` settings, read as one TOML document, checked
    as a configuration file is (named ``--config`` in messages); relative paths start from the
    current folder. The user typed them: they are trusted."""
    import tomllib

    text = "\n".join(settings)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("--config", "toml", f"{exc} in {text!r}") from None
    return _config(data, Path("--config"), "", True)


def _config(data: Mapping[str, Any], path: Path, prefix: str, trusted: bool) -> Config:
    """A configuration from the table ``data`` of the file ``path`` (validated)."""
    config = Config(path=path, prefix=prefix)
    error = config.error
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise error(unknown[0], "unknown key" + _did_you_mean(unknown[0], _KEYS))
    values: dict[str, Any] = {}
    for key in ("select", "extend-select", "ignore", "trusted-registries", "exclude"):
        if key in data:
            values[key.replace("-", "_")] = _strings(data[key], error, key)
    if values.get("select") == ():
        raise error("select", "selects no rule: name the rules to run, or remove it for the default rules")
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
        named = _strings(data["extend-rules"], error, "extend-rules")
        values["extend_rules"] = tuple(_rule_folder(path, f, trusted, error) for f in named)
    if "per-file-ignores" in data:
        table = data["per-file-ignores"]
        if not isinstance(table, dict):
            raise error("per-file-ignores", 'must be a table of patterns to rules: {"legacy/*" = ["DF5"]}')
        values["per_file_ignores"] = {
            str(pattern): _strings(codes, error, f"per-file-ignores.{pattern!r}")
            for pattern, codes in table.items()
        }
    for key in ("fixable", "unfixable"):
        if key in data:
            values[key] = _strings(data[key], error, key)
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
    return replace(config, keys=tuple(data), trusted=trusted, **values)


def project_root(folder: Path) -> Path:
    """The project a configuration file belongs to: the root of its git repository (the first
    folder up that holds ``.git``), else the file's own folder."""
    real = Path(os.path.realpath(folder))
    return next((p for p in (real, *real.parents) if exists(p / ".git")), real)


def _rule_folder(config: Path, name: str, trusted: bool, error: Any) -> Path:
    """An ``extend-rules`` folder, relative to the configuration file. From a file found in the
    linted folders (not ``trusted``), it must lie inside the project: no absolute path, and no
    ``..`` or symbolic link that leads out of it (a pull request must not make dfanalyze read
    files elsewhere on the machine)."""
    folder = Path(os.path.realpath(config.parent / name))
    if not trusted:
        root = project_root(config.parent)
        if Path(name).is_absolute() or Path(name).drive:
            raise error("extend-rules", f"{name!r} is an absolute path: {_INSIDE.format(root=root)}")
        if not folder.is_relative_to(root):
            raise error("extend-rules", f"{name!r} leads out of the project: {_INSIDE.format(root=root)}")
    if not is_folder(folder):
        raise error("extend-rules", f"{folder} is not a folder")
    return folder


_INSIDE = (
    "a configuration found next to the linted files may only name rule folders inside the project"
    " ({root}); pass a configuration of your own with --config to use others"
)


def load_hadolint(path: Path) -> HadolintConfig:
    import yaml

    def error(key: str, problem: str) -> ConfigError:
        return ConfigError(str(path), key, problem)

    try:
        data = yaml.safe_load(read_regular(path).decode("utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        at = (mark.line + 1, mark.column + 1) if mark else None
        raise _syntax_error(path, "yaml", problem, at) from None
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
    problem = path_problem(path)
    if problem is not None:
        raise ConfigError(str(path), "file", problem[len(str(path)) + 2 :])
    if path.suffix in (".yaml", ".yml"):
        return Config(hadolint=load_hadolint(path), trusted=True)
    return load_dfanalyze(path, trusted=True)


def _has_table(pyproject: Path) -> bool:
    try:
        text = read_regular(pyproject).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "dfanalyze" in text and "dfanalyze" in _read_toml(pyproject).get("tool", {})


def user_config_file(env: Mapping[str, str] | None = None) -> Path | None:
    """The user's own configuration, used for the folders where no project configuration is found
    (as ruff does): ``$XDG_CONFIG_HOME/dfanalyze/dfanalyze.toml`` (``~/.config/...`` by
    default; ``%APPDATA%\\dfanalyze\\dfanalyze.toml`` on Windows), when it exists. It is trusted:
    its ``extend-rules`` may name Python checks."""
    env = os.environ if env is None else env
    if os.name == "nt" and env.get("APPDATA"):
        base = Path(env["APPDATA"])
    elif env.get("XDG_CONFIG_HOME"):
        base = Path(env["XDG_CONFIG_HOME"])
    elif env.get("HOME"):
        base = Path(env["HOME"]) / ".config"
    else:
        return None
    path = base / "dfanalyze" / "dfanalyze.toml"
    return path if is_regular(path) else None


class ConfigFinder(Struct):
    """Finds and reads the configuration of each folder, reading each file once per run.
    ``user``: the user configuration (:func:`user_config_file`), for folders without their own."""

    user: Path | None = None
    _by_folder: dict[Path, Config] = field(default_factory=dict)
    _by_files: dict[tuple[Path | None, Path | None], Config] = field(default_factory=dict)

    @classmethod
    def default(cls) -> ConfigFinder:
        return cls(user_config_file())

    def for_file(self, path: Path) -> Config:
        return self.for_folder(folder_of(str(path)))

    def for_folder(self, folder: Path) -> Config:
        if folder not in self._by_folder:
            self._by_folder[folder] = self._find(folder)
        return self._by_folder[folder]

    def _find(self, folder: Path) -> Config:
        key = config_files(folder, self.user)
        if key not in self._by_files:
            self._by_files[key] = read_config_files(*key, user=self.user)
        return self._by_files[key]


def config_files(folder: Path, user: Path | None = None) -> tuple[Path | None, Path | None]:
    """The dfanalyze configuration file and the hadolint file that apply to the files of
    ``folder`` (an absolute path): the nearest of each, up to the repository root; ``user`` (the
    user configuration) when no dfanalyze file is found."""
    ours: Path | None = None
    theirs: Path | None = None
    for candidate in (folder, *folder.parents):
        if ours is None:
            ours = _dfanalyze_file(candidate)
        if theirs is None:
            theirs = next((candidate / n for n in HADOLINT_FILES if is_regular(candidate / n)), None)
        if (ours is not None and theirs is not None) or exists(candidate / ".git"):
            break
    return ours or user, theirs


def read_config_files(ours: Path | None, theirs: Path | None, *, user: Path | None = None) -> Config:
    """The configuration of :func:`config_files`' answer (every field unset for none). Only the
    ``user`` configuration is trusted: a file found next to the linted files is not."""
    config = load_dfanalyze(ours, trusted=ours == user) if ours is not None else Config()
    if theirs is not None:
        config = replace(config, hadolint=load_hadolint(theirs))
    return config


def _dfanalyze_file(folder: Path) -> Path | None:
    own = folder / DFANALYZE_FILES[0]
    if is_regular(own):
        return own
    pyproject = folder / DFANALYZE_FILES[1]
    if is_regular(pyproject) and _has_table(pyproject):
        return pyproject
    return None
