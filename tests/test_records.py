"""`record` behaves like the `dataclasses.dataclass` it replaces, option by option."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import ClassVar

import pytest

from dfanalyze.records import record


@record(slots=True)
class Point:
    """A point."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@record
class Loose:
    name: str
    items: list[int] = dataclasses.field(default_factory=list)
    note: str = dataclasses.field(default="", compare=False, repr=False)
    cached: dict[str, int] = dataclasses.field(default_factory=dict, init=False, compare=False)
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
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x  # type: ignore[misc]
    loose = Loose("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
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


def test_dataclasses_functions_work() -> None:
    assert [f.name for f in dataclasses.fields(Loose)] == ["name", "items", "note", "cached"]
    assert dataclasses.replace(Point(1, 2), y=5) == Point(1, 5)
    assert dataclasses.asdict(Point(1, 2)) == {"x": 1, "y": 2, "tags": ()}
    assert dataclasses.is_dataclass(Point)
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
