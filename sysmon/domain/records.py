"""Frozen, slotted records: what ``@dataclass(frozen=True, slots=True)`` gives, for less.

sysmon's parsed /proc records are made on every request and defined at every start.
A frozen slotted dataclass costs about a millisecond to define (it compiles five
methods and then builds its class a second time, for the slots), and a frozen
dataclass's own ``__init__`` goes round its refusing ``__setattr__`` once per field.
At start-up the thirty-odd records were a third of sysmon's import time above the
dependency floor. ``record`` builds the class once, with its slots, compiles only the
``__init__`` (which fills each slot through its descriptor), and shares one
``__eq__``, ``__hash__``, ``__repr__`` and refusing ``__setattr__`` between all records.

What a record keeps of a dataclass: fields from the class's annotations in order,
defaults, positional or keyword arguments, equality and hashing by value within the
same class, a dataclass-like ``repr``, ``__match_args__``, pickling and copying, and
no assignment after ``__init__``. What it leaves out: field() options,
``__post_init__``, inheritance of fields, ordering. ``dataclass_transform`` tells type checkers so.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing import dataclass_transform
else:
    try:
        from typing import dataclass_transform
    except ImportError:  # Python 3.10: only type checkers read it

        def dataclass_transform(**_: object) -> Callable[[T], T]:
            return lambda decorated: decorated


T = TypeVar("T")
FIELDS = "__record_fields__"


class FrozenRecordError(AttributeError):
    """A record's fields are set once, by its ``__init__``."""


def _setattr(self: object, name: str, value: object) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r} of a {type(self).__name__}")


def _delattr(self: object, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r} of a {type(self).__name__}")


def _values(record: object) -> tuple[Any, ...]:
    values: tuple[Any, ...] = type(record).__record_values__(record)  # type: ignore[attr-defined]
    return values


def _values_getter(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """The fields' values as a tuple; ``attrgetter`` gives a bare value for one name."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda record: (one(record),)
    return lambda record: ()


def _eq(self: object, other: object) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: object) -> int:
    return hash(_values(self))


def _repr(self: object) -> str:
    names = fields_of(self)
    shown = ", ".join(f"{name}={value!r}" for name, value in zip(names, _values(self), strict=True))
    return f"{type(self).__qualname__}({shown})"


def _getstate(self: object) -> tuple[Any, ...]:
    return _values(self)


def _setstate(self: object, state: tuple[Any, ...]) -> None:
    """Unpickling (and ``copy``): the fields set past the refusing ``__setattr__``."""
    for name, value in zip(fields_of(self), state, strict=True):
        object.__setattr__(self, name, value)


def _init_source(names: tuple[str, ...], defaults: dict[str, object]) -> str:
    params = "".join(f", {n}=_default_{n}" if n in defaults else f", {n}" for n in names)
    body = "".join(f"    _set_{n}(self, {n})\n" for n in names) or "    pass\n"
    return f"def __init__(self{params}):\n{body}"


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """The class as a frozen, slotted record (see the module's docstring)."""
    own = cls.__dict__
    if "__post_init__" in own:
        raise TypeError(f"{cls.__name__}: a record has no __post_init__")
    names = tuple(own.get("__annotations__", {}))
    defaults = {name: own[name] for name in names if name in own}
    namespace = {key: value for key, value in own.items()
                 if key not in defaults and key not in ("__dict__", "__weakref__")}  # fmt: skip
    namespace.update(
        __slots__=names,
        __match_args__=names,
        __eq__=_eq,
        __hash__=_hash,
        __repr__=_repr,
        __setattr__=_setattr,
        __delattr__=_delattr,
        __getstate__=_getstate,
        __setstate__=_setstate,
        __record_values__=_values_getter(names),
    )
    namespace[FIELDS] = names
    metaclass: Any = type(cls)
    made: type[T] = metaclass(cls.__name__, cls.__bases__, namespace)
    scope: dict[str, object] = {f"_default_{n}": value for n, value in defaults.items()}
    for name in names:
        scope[f"_set_{name}"] = made.__dict__[name].__set__
    exec(_init_source(names, defaults), scope)  # built from the field names alone
    init: Any = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**own.get("__annotations__", {}), "return": None}
    type.__setattr__(made, "__init__", init)
    made.__module__ = cls.__module__
    made.__qualname__ = cls.__qualname__
    return made


def fields_of(cls_or_record: type | object) -> tuple[str, ...]:
    """The field names of a record class (or of a record), in order."""
    cls = cls_or_record if isinstance(cls_or_record, type) else type(cls_or_record)
    names: tuple[str, ...] = getattr(cls, FIELDS)
    return names


def replace(item: T, **changes: Any) -> T:
    """A copy of the record ``item`` with some fields changed, as ``dataclasses.replace``."""
    names = fields_of(item)
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(item).__name__} has no field {sorted(unknown)[0]!r}")
    values = {name: changes.get(name, getattr(item, name)) for name in names}
    return type(item)(**values)
