"""`record` behaves like `dataclasses.dataclass`, option by option; its compiled code is cached."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import pytest

from dfanalyze.records import FrozenInstanceError, _CodeCache, field, fields, lazy, record, replace


@record(slots=True)
class Point:
    """A point."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@record
class Loose:
    name: str
    items: list[int] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)
    cached: dict[str, int] = field(default_factory=dict, init=False, compare=False)
    kind: ClassVar[str] = "loose"


@record(kw_only=True)
class Options:
    path: str
    depth: int = 1


@record(slots=True, order=True)
class Version:
    major: int
    minor: int


@record(frozen=False)
class Mutable:
    value: int


@record(eq=False)
class Identity:
    value: int


@record
class OwnMethods:
    value: int

    def __repr__(self) -> str:
        return "custom"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnMethods)

    def __hash__(self) -> int:
        return 7


def test_positional_keyword_and_default_arguments() -> None:
    assert Point(1) == Point(x=1, y=0, tags=())
    assert Point(1, 2, ("a",)).tags == ("a",)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, (), 4)  # type: ignore[call-arg]


def test_default_factory_makes_a_fresh_value_each_time() -> None:
    first, second = Loose("a"), Loose("a")
    assert first.items == [] and first.items is not second.items
    assert first.cached == {} and first.cached is not second.cached
    assert Loose("a", [1]).items == [1]
    with pytest.raises(TypeError):
        Loose("a", [], "", {})  # type: ignore[call-arg]


def test_compare_false_fields_are_left_out_of_eq_hash_and_repr_false_out_of_repr() -> None:
    assert Loose("a", note="x") == Loose("a", note="y")
    assert Point(1, 2) != Point(2, 1)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert repr(Loose("a", [1], "hidden")) == "Loose(name='a', items=[1], cached={})"
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=())"


def test_equality_needs_the_same_class() -> None:
    @record
    class Other:
        x: int
        y: int = 0
        tags: tuple[str, ...] = ()

    assert Point(1) != Other(1)
    assert Point(1).__eq__(Other(1)) is NotImplemented


def test_keyword_only() -> None:
    assert Options(path="p").depth == 1
    with pytest.raises(TypeError):
        Options("p")  # type: ignore[misc]


def test_order_compares_fields_in_order() -> None:
    assert sorted([Version(2, 0), Version(1, 9), Version(1, 10)]) == [
        Version(1, 9),
        Version(1, 10),
        Version(2, 0),
    ]
    assert Version(1, 2) <= Version(1, 2) < Version(1, 3)
    assert Version(2, 0) >= Version(1, 0) > Version(0, 9)
    with pytest.raises(TypeError):
        _ = Version(1, 0) < (1, 0)  # type: ignore[operator]


def test_frozen_instances_refuse_assignment_and_deletion() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.x  # type: ignore[misc]
    loose = Loose("a")
    with pytest.raises(FrozenInstanceError):
        loose.name = "b"  # type: ignore[misc]


def test_mutable_records_assign_and_are_unhashable() -> None:
    value = Mutable(1)
    value.value = 2
    assert value == Mutable(2)
    with pytest.raises(TypeError):
        hash(value)


def test_eq_false_keeps_identity() -> None:
    one = Identity(1)
    assert one != Identity(1)
    assert one in [one]
    assert hash(one) == object.__hash__(one)


def test_methods_the_class_defines_are_kept() -> None:
    assert repr(OwnMethods(1)) == "custom"
    assert OwnMethods(1) == OwnMethods(2)
    assert hash(OwnMethods(1)) == 7


def test_fields_and_replace() -> None:
    assert [f.name for f in fields(Loose)] == ["name", "items", "note", "cached"]
    assert replace(Point(1, 2), y=5) == Point(1, 5)
    assert [f.name for f in fields(Point(1))] == ["x", "y", "tags"]
    with pytest.raises(ValueError, match="init=False"):
        replace(Loose("a"), cached={})
    with pytest.raises(TypeError, match="not a record"):
        fields(object())
    assert Point.__match_args__ == ("x", "y", "tags")
    assert Point.__slots__ == ("x", "y", "tags")
    assert Loose.kind == "loose"


@pytest.mark.parametrize(
    "value", [Point(1, 2, ("t",)), Loose("a", [1], "n"), Version(1, 2), Options(path="p")]
)
def test_pickle_and_copy_round_trip(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.copy(value) == value
    assert copy.deepcopy(value) == value


def test_docstring_shows_the_signature_when_the_class_has_none() -> None:
    assert Point.__doc__ == "A point."
    assert Options.__doc__ == "Options(*, path, depth=1)"
    assert Loose.__doc__ == "Loose(name, items=<factory>, note='')"
    assert Loose.__init__.__qualname__ == "Loose.__init__"


def test_init_var_is_refused() -> None:
    with pytest.raises(TypeError, match="InitVar"):

        @record
        class WithInitVar:
            seed: dataclasses.InitVar[int]


def test_order_without_eq_is_refused() -> None:
    with pytest.raises(ValueError, match="order"):

        @record(eq=False, order=True)
        class Bad:
            value: int


def test_post_init_runs() -> None:
    seen: list[int] = []

    @record
    class Checked:
        value: int

        def __post_init__(self) -> None:
            seen.append(self.value)

    Checked(3)
    assert seen == [3]


def test_inherited_fields_come_first_and_slots_cover_only_new_ones() -> None:
    @record(slots=True)
    class Base:
        a: int
        b: str = "b"

    @record(slots=True, kw_only=True)
    class Child(Base):
        c: int

    child = Child(1, c=3)
    assert [f.name for f in fields(child)] == ["a", "b", "c"]
    assert (child.a, child.b, child.c) == (1, "b", 3)
    assert Child.__slots__ == ("c",)
    assert child == Child(1, "b", c=3) != Base(1)
    assert (
        repr(child)
        == "test_inherited_fields_come_first_and_slots_cover_only_new_ones.<locals>.Child(a=1, b='b', c=3)"
    )


def test_declaration_errors() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @record
        class MutableDefault:
            items: list[int] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @record
        class Misordered:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=1, default_factory=int)


def test_compiled_init_is_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DFANALYZE_NO_CACHE", raising=False)
    source = "def __init__(self, a):\n  self.a = a\n"
    first = _CodeCache()
    code = first.get(source)
    assert first.added
    first.save()
    (saved,) = tmp_path.glob("records-*.marshal")
    second = _CodeCache()
    assert second.get(source) == code
    assert not second.added  # nothing compiled, nothing to save
    saved.write_bytes(b"\x00not marshal")
    assert _CodeCache().load() == {}


def test_code_cache_drops_unused_entries_past_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DFANALYZE_NO_CACHE", raising=False)
    monkeypatch.setattr(_CodeCache, "LIMIT", 2)
    old = _CodeCache()
    for name in "abc":
        old.get(f"{name} = 1\n")
    old.save()
    new = _CodeCache()
    new.get("d = 1\n")
    new.save()
    assert set(_CodeCache().load()) == {"d = 1\n"}


def test_no_cache_means_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DFANALYZE_NO_CACHE", "1")
    cache = _CodeCache()
    cache.get("x = 1\n")
    cache.save()
    assert cache.path() is None
    assert list(tmp_path.iterdir()) == []


def test_fields_are_stored_past_a_frozen_setattr_whatever_holds_them() -> None:
    @record(slots=True)
    class SlotBase:
        a: int

    @record
    class DictChild(SlotBase):
        b: int = 2

        @cached_property
        def total(self) -> int:
            return self.a + self.b

    @record(slots=True)
    class SlotChild(DictChild):
        c: int = 3

    child = DictChild(1)
    assert (child.a, child.b, child.total) == (1, 2, 3)
    assert child.__dict__ == {"b": 2, "total": 3}  # a lives in SlotBase's slot
    grandchild = SlotChild(1, 5, 7)
    assert (grandchild.a, grandchild.b, grandchild.c) == (1, 5, 7)
    for value in (child, grandchild):
        with pytest.raises(FrozenInstanceError):
            value.a = 0  # type: ignore[misc]


def test_lazy_computes_once_per_instance_even_on_a_frozen_record() -> None:
    calls: list[int] = []

    @record
    class Box:
        value: int

        @lazy
        def doubled(self) -> int:
            """Twice the value."""
            calls.append(self.value)
            return self.value * 2

    first, second = Box(1), Box(2)
    assert (first.doubled, first.doubled, second.doubled) == (2, 2, 4)
    assert calls == [1, 2]
    assert first.__dict__["doubled"] == 2
    assert first == Box(1)  # the cached value is no field
    assert isinstance(Box.__dict__["doubled"], lazy) and Box.doubled.__doc__ == "Twice the value."


def test_no_home_folder_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    for name in ("DFANALYZE_NO_CACHE", "DFANALYZE_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", homeless)
    cache = _CodeCache()
    assert cache.path() is None
    assert cache.get("y = 1\n").co_filename == "<record>"


def test_cached_code_is_used_only_from_a_private_file_of_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DFANALYZE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DFANALYZE_NO_CACHE", raising=False)
    writer = _CodeCache()
    writer.get("z = 1\n")
    writer.save()
    (saved,) = tmp_path.glob("records-*.marshal")
    assert saved.stat().st_mode & 0o777 == 0o600
    assert "z = 1\n" in _CodeCache().load()
    saved.chmod(0o620)  # writable by the group: someone else could have put code in it
    assert _CodeCache().load() == {}
