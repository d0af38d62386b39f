"""The records' direct ``__init__``: the same constructor as dataclass's own, only cheaper.

Each record of ``sysmon.domain.models`` is compared with a twin made by ``dataclass``
alone from the same fields: same signature, same objects from the same arguments
(positional, by keyword, defaulted), same errors, and still frozen.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import InitVar, dataclass, field
from typing import Any

import pytest

from sysmon.domain import models
from sysmon.domain.models import direct_init

RECORDS = [
    models.CpuTimes,
    models.KernelStat,
    models.LoadAvg,
    models.Uptime,
    models.Mount,
    models.FsUsage,
    models.NetDev,
    models.KernelIdentity,
]


def twin(cls: type) -> type:
    """The record as dataclass alone makes it, from the same fields."""
    specs = [
        (
            f.name,
            f.type,
            field(default=f.default) if f.default is not dataclasses.MISSING else field(),
        )
        for f in dataclasses.fields(cls)
    ]
    made: type = dataclasses.make_dataclass(cls.__name__, specs, frozen=True, slots=True)
    return made


def values_for(cls: type) -> list[Any]:
    return [f"value-{f.name}" for f in dataclasses.fields(cls)]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_the_constructor_is_dataclass_own(cls: type) -> None:
    reference = twin(cls)
    assert str(inspect.signature(cls)) == str(inspect.signature(reference))
    init, reference_init = vars(cls)["__init__"], vars(reference)["__init__"]
    assert init.__qualname__ == f"{cls.__name__}.__init__"
    assert init.__defaults__ == reference_init.__defaults__
    values = values_for(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    required = [f for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    for made in (cls(*values), cls(**dict(zip(names, values, strict=True)))):
        assert dataclasses.astuple(made) == dataclasses.astuple(reference(*values))
        assert repr(made).split("(", 1)[1] == repr(reference(*values)).split("(", 1)[1]
        assert made == cls(*values)
        assert hash(made) == hash(cls(*values))
        assert pickle.loads(pickle.dumps(made)) == made
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, names[0], "changed")
    shortest = values[: len(required)]
    assert dataclasses.astuple(cls(*shortest)) == dataclasses.astuple(reference(*shortest))
    if required:
        with pytest.raises(TypeError) as ours:
            cls(*shortest[:-1])
        with pytest.raises(TypeError) as theirs:
            reference(*shortest[:-1])
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        cls(*values, nope=1)


def test_only_plain_frozen_slotted_dataclasses_are_accepted() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(slots=True)
    class NotFrozen:
        a: int

    @dataclass(frozen=True, slots=True)
    class Factory:
        a: list[int] = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int = field(kw_only=True)

    @dataclass(frozen=True, slots=True)
    class WithInitVar:
        a: int
        b: InitVar[int]

    @dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (NoSlots, NotFrozen, Factory, KeywordOnly, WithInitVar, PostInit):
        with pytest.raises(TypeError):
            direct_init(cls)
