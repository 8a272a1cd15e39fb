"""`record`: dataclasses at a fraction of the start-up cost.

`dataclasses.dataclass` compiles a new function for each method it writes (six for a frozen class),
each compile costs ~0.2 ms here, and importing `dataclasses` imports `inspect` (17 ms): the ~145
classes that `dfanalyze check` imports spent 210 ms in it, more than everything else the command
does on a small file. A record is declared like a dataclass (`field`, `replace` and `fields` mirror
the functions of `dataclasses`) and behaves like one: instances compare, hash, sort, print and
pickle the same way, and assigning to a frozen instance raises `FrozenInstanceError`. What differs
is the making: `__init__` is the only method compiled, its code object is kept in the user's cache
(``records-<python>.marshal``, like ``__pycache__`` keeps a module's, keyed by the exact source so
an entry can never be stale), and equality, hashing, ordering and `repr` are shared functions over
an `operator.attrgetter` of the fields.

Field options: `default`, `default_factory`, `init`, `repr`, `compare`, `hash`, `kw_only`. Class
options: `frozen` (default true), `slots`, `kw_only`, `eq`, `order`. A class keeps any method it
defines itself; `__post_init__` runs after `__init__`.
"""

from __future__ import annotations

import marshal
import reprlib
import sys
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from types import CodeType, MemberDescriptorType
from typing import Any, Generic, TypeVar, dataclass_transform, overload

_C = TypeVar("_C", bound=type)
_T = TypeVar("_T")
_R = TypeVar("_R")
_Key = Callable[[object], tuple[object, ...]]

__all__ = ["MISSING", "Field", "FrozenInstanceError", "field", "fields", "lazy", "record", "replace"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""No default (the value of `Field.default` and `Field.default_factory` when none is given)."""


class FrozenInstanceError(AttributeError):
    """An assignment to (or deletion of) a field of a frozen record."""


class Field:
    """One field of a record, as `field()` declares it."""

    __slots__ = ("compare", "default", "default_factory", "hash", "init", "kw_only", "name", "repr", "type")

    def __init__(
        self,
        default: object,
        default_factory: Callable[[], object],
        init: bool,
        repr: bool,
        compare: bool,
        hash: bool | None,
        kw_only: bool | None,
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: object = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.hash = hash
        self.kw_only = kw_only

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, kw_only={self.kw_only!r})"

    def _named(self, name: str, annotation: object, kw_only: bool) -> Field:
        copy = Field(
            self.default, self.default_factory, self.init, self.repr, self.compare, self.hash, self.kw_only
        )
        copy.name, copy.type = name, annotation
        if copy.kw_only is None:
            copy.kw_only = kw_only
        return copy


@overload
def field(
    *,
    default: _T,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    hash: bool | None = None,
    kw_only: bool | None = None,
) -> _T: ...


@overload
def field(
    *,
    default_factory: Callable[[], _T],
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    hash: bool | None = None,
    kw_only: bool | None = None,
) -> _T: ...


@overload
def field(
    *,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    hash: bool | None = None,
    kw_only: bool | None = None,
) -> Any: ...


def field(
    *,
    default: object = MISSING,
    default_factory: Callable[[], object] = MISSING,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    hash: bool | None = None,
    kw_only: bool | None = None,
) -> Any:
    """Declare a field with options, as `dataclasses.field` does."""
    return Field(default, default_factory, init, repr, compare, hash, kw_only)


class lazy(Generic[_R]):
    """`functools.cached_property` without its lock (3.11 takes one on the first access of every
    instance): the first access computes the value and stores it in the instance ``__dict__``,
    which later accesses read directly (a non-data descriptor). Not for slots classes."""

    def __init__(self, function: Callable[[Any], _R]) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> lazy[_R]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _R: ...

    def __get__(self, instance: object, owner: type | None = None) -> _R | lazy[_R]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.function(instance)
        return value


def fields(obj: object) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    found: tuple[Field, ...] | None = getattr(obj, "__record_fields__", None)
    if found is None:
        raise TypeError(f"{obj!r} is not a record")
    return found


def replace(obj: _R, /, **changes: Any) -> _R:
    """A copy of the record `obj` with some fields changed (fields with ``init=False`` cannot be)."""
    for f in fields(obj):
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is declared with init=False, it cannot be replaced")
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


@overload
def record(cls: _C, /) -> _C: ...


@overload
def record(
    *,
    frozen: bool = True,
    slots: bool = False,
    kw_only: bool = False,
    eq: bool = True,
    order: bool = False,
) -> Callable[[_C], _C]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(
    cls: _C | None = None,
    /,
    *,
    frozen: bool = True,
    slots: bool = False,
    kw_only: bool = False,
    eq: bool = True,
    order: bool = False,
) -> _C | Callable[[_C], _C]:
    """Make `cls` a record: a dataclass, frozen unless `frozen=False`."""

    def wrap(cls: _C) -> _C:
        return _build(cls, frozen=frozen, slots=slots, kw_only=kw_only, eq=eq, order=order)

    return wrap if cls is None else wrap(cls)


def _build(cls: _C, *, frozen: bool, slots: bool, kw_only: bool, eq: bool, order: bool) -> _C:
    if order and not eq:
        raise ValueError("eq must be true if order is true")
    own = dict(cls.__dict__)
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    declared = _fields(cls, own, kw_only)
    if slots:
        cls = _with_slots(cls, own, declared)
    else:
        for f in declared:
            if isinstance(own.get(f.name), Field):
                if f.default is MISSING:
                    delattr(cls, f.name)
                else:
                    setattr(cls, f.name, f.default)
    made: Any = cls
    made.__record_fields__ = declared

    def add(name: str, value: object) -> None:
        if name not in own:
            setattr(made, name, value)

    add("__init__", _init(made, declared, frozen))
    add("__match_args__", tuple(f.name for f in declared if f.init and not f.kw_only))
    if not own.get("__doc__"):
        made.__doc__ = f"{made.__name__}({_signature(declared)})"
    add("__repr__", _record_repr)
    compared = _key(tuple(f.name for f in declared if f.compare))
    if eq:
        add("__eq__", _eq(compared))
    if order:
        for name, method in _order(compared).items():
            add(name, method)
    if not explicit_hash and eq:
        hashed = tuple(f.name for f in declared if (f.compare if f.hash is None else f.hash))
        made.__hash__ = _hash(_key(hashed)) if frozen else None
    if frozen:
        add("__setattr__", _frozen_setattr)
        add("__delattr__", _frozen_delattr)
        if slots:
            add("__getstate__", _getstate)
            add("__setstate__", _setstate)
    return made  # type: ignore[no-any-return]


def _fields(cls: type, own: dict[str, Any], kw_only: bool) -> tuple[Field, ...]:
    """The inherited fields then the class's own, each with its final options."""
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("__record_fields__", ()):
            found[f.name] = f
    for name, annotation in own.get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        if "InitVar" in text:
            raise TypeError(f"{cls.__name__}: record does not support InitVar fields")
        value = own.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(value, MISSING, True, True, True, None, None)
        if spec.default is not MISSING and type(spec.default).__hash__ is None:
            raise ValueError(
                f"mutable default {type(spec.default)} for field {name} is not allowed: use default_factory"
            )
        found[name] = spec._named(name, annotation, kw_only)
    declared = tuple(found.values())
    defaulted = False
    for f in declared:
        if not f.init or f.kw_only:
            continue
        if f.default is not MISSING or f.default_factory is not MISSING:
            defaulted = True
        elif defaulted:
            raise TypeError(f"{cls.__name__}: non-default argument {f.name!r} follows default argument")
    return declared


def _with_slots(cls: _C, own: dict[str, Any], declared: tuple[Field, ...]) -> _C:
    """`cls` made again with ``__slots__`` for its fields (as ``dataclass(slots=True)`` does)."""
    inherited: set[str] = set()
    for base in cls.__mro__[1:-1]:
        names = base.__dict__.get("__slots__", ())
        inherited.update((names,) if isinstance(names, str) else names)
    field_names = {f.name for f in declared}
    body = {key: value for key, value in own.items() if key not in field_names}
    body["__slots__"] = tuple(f.name for f in declared if f.name not in inherited)
    body.pop("__dict__", None)
    body.pop("__weakref__", None)
    made: _C = type(cls)(cls.__name__, cls.__bases__, body)
    made.__qualname__ = cls.__qualname__
    return made


class _FactorySentinel:
    """Default of a parameter whose field has a `default_factory`."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _FactorySentinel()


def _init(cls: type, declared: tuple[Field, ...], frozen: bool) -> Any:
    """Make `__init__` for `declared`."""
    names: dict[str, object] = {"__factory_sentinel": _FACTORY}
    parameters: tuple[list[str], list[str]] = ([], [])  # positional, keyword-only
    body: list[str] = []
    for f in declared:
        value = f.name
        if f.default is not MISSING:
            names[f"__default_{f.name}"] = f.default
            default = f"__default_{f.name}"
        elif f.default_factory is not MISSING:
            names[f"__factory_{f.name}"] = f.default_factory
            default = "__factory_sentinel"
            value = f"__factory_{f.name}() if {f.name} is __factory_sentinel else {f.name}"
        else:
            default = ""
        if f.init:
            parameters[bool(f.kw_only)].append(f"{f.name}={default}" if default else f.name)
        elif not default:
            continue
        else:
            value = default if f.default is not MISSING else f"__factory_{f.name}()"
        body.append(f"  {_assignment(cls, f.name, value, frozen, names)}")
    if frozen and any(line.startswith("  __dict__[") for line in body):
        body.insert(0, "  __dict__ = self.__dict__")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    source = f"def __init__({_parameters(['self', *parameters[0]], parameters[1])}):\n"
    source += ("\n".join(body) or "  pass") + "\n"
    exec(_CODES.get(source), names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    return init


def _assignment(cls: type, name: str, value: str, frozen: bool, names: dict[str, object]) -> str:
    """The statement of `__init__` that stores a field.

    A frozen record's `__setattr__` refuses, so its fields are stored past it, the fastest way
    there is (half the cost of ``object.__setattr__``): a slot's descriptor, else the instance's
    ``__dict__``. A mutable record assigns normally, through any `__setattr__` it defines."""
    if not frozen:
        return f"self.{name} = {value}"
    for klass in cls.__mro__:
        if name in klass.__dict__:
            if isinstance(klass.__dict__[name], MemberDescriptorType):
                names[f"__slot_{name}"] = klass.__dict__[name].__set__
                return f"__slot_{name}(self, {value})"
            break
    return f"__dict__[{name!r}] = {value}"


def _signature(declared: tuple[Field, ...]) -> str:
    """The parameters of `__init__` as a docstring shows them: ``path, *, depth=1``."""
    shown: tuple[list[str], list[str]] = ([], [])  # positional, keyword-only
    for f in declared:
        if not f.init:
            continue
        default = f.default if f.default is not MISSING else _FACTORY
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        shown[bool(f.kw_only)].append(f"{f.name}={default!r}" if has_default else f.name)
    return _parameters(*shown)


def _parameters(positional: list[str], keyword: list[str]) -> str:
    return ", ".join([*positional, *(["*", *keyword] if keyword else [])])


class _CodeCache:
    """Compiled ``__init__`` sources, kept on disk between runs; saved at exit when something was added."""

    LIMIT = 4096
    """More entries than this (sources of older versions) and only those used by this run are kept."""

    def __init__(self) -> None:
        self.codes: dict[str, CodeType] | None = None
        self.used: set[str] = set()
        self.added = False

    def path(self) -> Path | None:
        from dfanalyze.cachedir import cache_dir

        directory = cache_dir()
        tag = sys.implementation.cache_tag or "unknown"
        return None if directory is None else directory / f"records-{tag}.marshal"

    def load(self) -> dict[str, CodeType]:
        from dfanalyze.cachedir import read_private

        path = self.path()
        data = read_private(path) if path is not None else None
        try:
            loaded = marshal.loads(data) if data is not None else None
        except (EOFError, ValueError, TypeError):
            return {}
        if not isinstance(loaded, dict):
            return {}
        return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, CodeType)}

    def get(self, source: str) -> CodeType:
        if self.codes is None:
            self.codes = self.load()
        self.used.add(source)
        code = self.codes.get(source)
        if code is None:
            code = self.codes[source] = compile(source, "<record>", "exec")
            if not self.added:
                self.added = True
                import atexit

                atexit.register(self.save)
        return code

    def save(self) -> None:
        from dfanalyze.cachedir import write_private

        path = self.path()
        if path is None or self.codes is None:
            return
        codes = self.codes
        if len(codes) > self.LIMIT:
            codes = {source: code for source, code in codes.items() if source in self.used}
        write_private(path, marshal.dumps(codes))


_CODES = _CodeCache()


def _key(names: tuple[str, ...]) -> _Key:
    if len(names) >= 2:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _eq(key: _Key) -> Callable[[object, object], object]:
    def __eq__(self: object, other: object) -> object:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _order(key: _Key) -> dict[str, Callable[[object, object], object]]:
    def __lt__(self: object, other: object) -> object:
        return key(self) < key(other) if other.__class__ is self.__class__ else NotImplemented

    def __le__(self: object, other: object) -> object:
        return key(self) <= key(other) if other.__class__ is self.__class__ else NotImplemented

    def __gt__(self: object, other: object) -> object:
        return key(self) > key(other) if other.__class__ is self.__class__ else NotImplemented

    def __ge__(self: object, other: object) -> object:
        return key(self) >= key(other) if other.__class__ is self.__class__ else NotImplemented

    return {"__lt__": __lt__, "__le__": __le__, "__gt__": __gt__, "__ge__": __ge__}


def _hash(key: _Key) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(key(self))

    return __hash__


@reprlib.recursive_repr()
def _record_repr(self: object) -> str:
    """Every record's `repr` (one function: repr is for people, and made per class it cost start-up)."""
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
    return f"{self.__class__.__qualname__}({shown})"


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: object) -> list[object]:
    return [getattr(self, f.name) for f in fields(self)]


def _setstate(self: object, state: list[object]) -> None:
    for f, value in zip(fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)
