"""`record`: dataclasses at a fraction of the start-up cost.

`dataclasses.dataclass` compiles a new function for each method it writes (six for a frozen class)
and each compile costs ~0.2 ms here: the ~145 classes that `dfanalyze check` imports spent 190 ms
in it, more than everything else the command does on a small file. `record` takes the field
semantics from the standard decorator (called with every method generation switched off) and writes
the methods itself: `__init__` is the only one compiled, and in a single `exec`; equality, hashing,
ordering and `repr` are shared functions over an `operator.attrgetter` of the fields, and a frozen
class gets one shared `__setattr__`. The result behaves like the dataclass it replaces:
`dataclasses.fields`, `replace` and `asdict` work, instances compare, hash, sort, print and pickle
the same way, and assigning to a frozen instance raises `dataclasses.FrozenInstanceError`.
Supported field options: `default`, `default_factory`, `init`, `repr`, `compare`, `hash`,
`kw_only`; a class keeps any of these methods it defines itself.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

_C = TypeVar("_C", bound=type)
_Key = Callable[[object], tuple[object, ...]]

__all__ = ["record"]


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


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
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
    own = set(cls.__dict__)
    explicit_hash = "__hash__" in own and not (cls.__dict__["__hash__"] is None and "__eq__" in own)
    documented = bool(cls.__dict__.get("__doc__"))
    if not documented:
        cls.__doc__ = cls.__name__  # spares dataclasses an inspect.signature; replaced below
    made: Any = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, order=False, frozen=False, slots=slots, kw_only=kw_only
    )
    fields = dataclasses.fields(made)
    declared = made.__dataclass_fields__.values()
    if any(isinstance(f.type, dataclasses.InitVar) or "InitVar" in str(f.type) for f in declared):
        raise TypeError(f"{made.__name__}: record does not support InitVar fields")

    def add(name: str, value: object) -> None:
        if name not in own:
            setattr(made, name, value)

    init, signature = _init(made, fields, frozen)
    add("__init__", init)
    if not documented:
        made.__doc__ = f"{made.__name__}({signature})"
    add("__repr__", _repr(tuple(f.name for f in fields if f.repr)))
    compared = _key(tuple(f.name for f in fields if f.compare))
    if eq:
        add("__eq__", _eq(compared))
    if order:
        for name, method in _order(compared).items():
            add(name, method)
    if not explicit_hash and eq:
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        made.__hash__ = _hash(_key(hashed)) if frozen else None
    if frozen:
        add("__setattr__", _frozen_setattr)
        add("__delattr__", _frozen_delattr)
        if slots:
            add("__getstate__", _getstate)
            add("__setstate__", _setstate)
    return made  # type: ignore[no-any-return]


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...], frozen: bool) -> tuple[Any, str]:
    """Compile `__init__` for `fields`; returns it and its parameter list (for the docstring)."""
    names: dict[str, object] = {"__object_setattr": object.__setattr__, "__factory_sentinel": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    shown_positional: list[str] = []
    shown_keyword: list[str] = []
    for f in fields:
        value = f.name
        if f.default is not dataclasses.MISSING:
            names[f"__default_{f.name}"] = f.default
            default = f"__default_{f.name}"
        elif f.default_factory is not dataclasses.MISSING:
            names[f"__factory_{f.name}"] = f.default_factory
            default = "__factory_sentinel"
            value = f"__factory_{f.name}() if {f.name} is __factory_sentinel else {f.name}"
            if not f.init:
                value = f"__factory_{f.name}()"
        else:
            default = ""
        if f.init:
            parameter = f"{f.name}={default}" if default else f.name
            (keyword if f.kw_only else positional).append(parameter)
            shown = f.default if f.default is not dataclasses.MISSING else _FACTORY
            (shown_keyword if f.kw_only else shown_positional).append(
                f"{f.name}={shown!r}" if default else f.name
            )
        elif default == "":
            continue
        elif f.default is not dataclasses.MISSING:
            value = default
        if frozen:
            body.append(f"  __object_setattr(self, {f.name!r}, {value})")
        else:
            body.append(f"  self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    parameters = ["self", *positional, *(["*", *keyword] if keyword else [])]
    source = f"def __init__({', '.join(parameters)}):\n" + ("\n".join(body) or "  pass") + "\n"
    exec(source, names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    return init, ", ".join([*shown_positional, *(["*", *shown_keyword] if shown_keyword else [])])


class _FactorySentinel:
    """Default of a parameter whose field has a `default_factory`."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _FactorySentinel()


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


def _repr(names: tuple[str, ...]) -> Callable[[object], str]:
    @reprlib.recursive_repr()
    def __repr__(self: object) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: object) -> list[object]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]  # type: ignore[arg-type]


def _setstate(self: object, state: list[object]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):  # type: ignore[arg-type]
        object.__setattr__(self, f.name, value)
