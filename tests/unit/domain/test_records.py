"""Records: each of sysmon's is what ``@dataclass(frozen=True, slots=True)`` would make.

Every record class in the package is compared with a twin that ``dataclass`` makes
from the same fields and defaults: the same signature, the same objects from the same
arguments (positional, by keyword, defaulted), the same errors, equality, hashing and
``repr``, pickling and copying, and no assignment after ``__init__``.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from typing import Any, Generic, TypeVar

import pytest

import sysmon
from sysmon.domain.records import FIELDS, FrozenRecordError, fields_of, record, replace


def all_records() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(sysmon.__path__, "sysmon."):
        if info.name.startswith(("sysmon.app.pytest_plugin", "sysmon.hosts")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and FIELDS in vars(value):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


RECORDS = all_records()


def twin(cls: type) -> type:
    """The record as ``dataclass`` alone makes it, from the same fields and defaults."""
    signature = inspect.signature(cls)
    specs = [
        (name, Any, dataclasses.field(default=p.default))
        if p.default is not inspect.Parameter.empty
        else (name, Any)
        for name, p in signature.parameters.items()
    ]
    made: type = dataclasses.make_dataclass(cls.__name__, specs, frozen=True, slots=True)
    return made


def test_the_package_has_its_records():
    names = {cls.__name__ for cls in RECORDS}
    assert {"CpuTimes", "Mount", "FsUsage", "NetDev", "Sample", "Window", "CpuShares"} <= names
    assert len(RECORDS) >= 25


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_each_record_behaves_as_its_dataclass_twin(cls: type) -> None:
    reference = twin(cls)
    names = fields_of(cls)
    assert tuple(inspect.signature(reference).parameters) == names
    values = [f"value-{name}" for name in names]
    for made in (cls(*values), cls(**dict(zip(names, values, strict=True)))):
        theirs = reference(*values)
        assert tuple(getattr(made, n) for n in names) == dataclasses.astuple(theirs)
        assert repr(made).split("(", 1)[1] == repr(theirs).split("(", 1)[1]
        assert repr(made).startswith(f"{cls.__qualname__}(")
        assert made == cls(*values)
        assert (made != cls(*values)) is False
        assert hash(made) == hash(cls(*values))
        assert pickle.loads(pickle.dumps(made)) == made
        assert copy.copy(made) == made and copy.deepcopy(made) == made
        assert made.__match_args__ == names
        with pytest.raises(FrozenRecordError):
            setattr(made, names[0], "changed")
        with pytest.raises(AttributeError):
            made.not_a_field = 1
        with pytest.raises(FrozenRecordError):
            delattr(made, names[0])
    required = [p for p in inspect.signature(cls).parameters.values() if p.default is p.empty]
    shortest = values[: len(required)]
    assert dataclasses.astuple(reference(*shortest)) == tuple(
        getattr(cls(*shortest), n) for n in names
    )
    if required:
        with pytest.raises(TypeError) as ours:
            cls(*shortest[:-1])
        with pytest.raises(TypeError) as theirs:
            reference(*shortest[:-1])
        assert str(ours.value).split(" ", 1)[1] == str(theirs.value).split(" ", 1)[1]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        cls(*values, nope=1)
    with pytest.raises(TypeError):
        cls(*values, "one too many")


def test_equality_is_by_value_within_one_class_only():
    @record
    class A:
        x: int
        y: int = 2

    @record
    class B:
        x: int
        y: int = 2

    assert A(1) == A(1, 2) and A(1) != A(1, 3)
    assert A(1) != B(1)
    assert A(1) != (1, 2)
    assert len({A(1), A(1, 2), A(2)}) == 2


S = TypeVar("S")


@record
class Pair:
    """One field holding a tuple (module-level, so that pickle finds it)."""

    values: tuple[int, int]


def test_a_record_of_one_tuple_field_keeps_the_tuple_whole():
    pair = Pair((1, 2))
    assert repr(pair).endswith("Pair(values=(1, 2))")
    assert pickle.loads(pickle.dumps(pair)) == pair
    assert copy.copy(pair).values == (1, 2)
    assert pair != Pair((1, 3)) and hash(pair) == hash(Pair((1, 2)))


def test_a_generic_record_stays_generic():
    @record
    class Box(Generic[S]):
        item: S

    assert Box[int](3).item == 3
    assert Box.__parameters__ == (S,)


def test_replace_makes_a_changed_copy_and_names_an_unknown_field():
    @record
    class A:
        x: int
        y: str = "y"

    original = A(1)
    assert replace(original, y="z") == A(1, "z")
    assert original == A(1, "y")
    with pytest.raises(TypeError, match="no field 'w'"):
        replace(original, w=3)


def test_a_record_refuses_post_init():
    with pytest.raises(TypeError, match="__post_init__"):

        @record
        class A:
            x: int

            def __post_init__(self) -> None:
                pass
