"""A scenario step's arguments checked against the FakeHost verb it names, before it runs.

A scenario is JSON written by hand, so a wrong type is likely; it is named with its step
and field here rather than surfacing as a Python error from inside the verb. The verbs'
own signatures and type hints are the schema, so a verb's new argument needs no edit here.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_SIMPLE: dict[Any, tuple[Callable[[object], bool], str]] = {
    int: (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    float: (lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
    str: (lambda v: isinstance(v, str), "a string"),
    bool: (lambda v: isinstance(v, bool), "true or false"),
    type(None): (lambda v: v is None, "null"),
}


def step_problem(verb: Callable[..., Any], arguments: Mapping[str, Any]) -> str | None:
    """What is wrong with calling ``verb`` with ``arguments`` (from JSON), or None."""
    signature = inspect.signature(verb)
    hints = typing.get_type_hints(verb)
    named = {
        name: parameter
        for name, parameter in signature.parameters.items()
        if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    }
    extra = next((p for p in signature.parameters.values() if p.kind == p.VAR_KEYWORD), None)
    missing = [n for n, p in named.items() if p.default is p.empty and n not in arguments]
    if missing:
        return f"missing field {missing[0]!r}"
    for name, value in arguments.items():
        if name not in named and extra is None:
            return f"unknown field {name!r} (fields: {', '.join(named) or 'none'})"
        hint = hints.get(name if name in named else extra.name if extra else "", Any)
        expected = describe_mismatch(hint, value)
        if expected is not None:
            return f"field {name!r} is {json.dumps(value)}, expected {expected}"
    return None


def describe_mismatch(hint: Any, value: object) -> str | None:
    """None when ``value`` fits ``hint``; else what was expected, in words."""
    if hint is Any:
        return None
    options = _options(hint)
    words = []
    for option in options:
        check = _check(option)
        if check is None:
            return None  # a type JSON cannot say anything about: the verb decides
        fits, word = check
        if fits(value):
            return None
        words.append(word)
    return " or ".join(dict.fromkeys(words))


def _options(hint: Any) -> list[Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [o for o in typing.get_args(hint) if o is not bytes]  # JSON has no bytes
    return [hint]


def _check(option: Any) -> tuple[Callable[[object], bool], str] | None:
    if option in _SIMPLE:
        return _SIMPLE[option]
    origin, args = typing.get_origin(option), typing.get_args(option)
    if origin in (Mapping, dict) and len(args) == 2 and args[1] in _SIMPLE:
        fits, word = _SIMPLE[args[1]]
        return (
            lambda v: isinstance(v, dict) and all(fits(x) for x in v.values()),
            f"an object of {word.removeprefix('an ').removeprefix('a ')}s",
        )
    if origin in (Iterable, list) and len(args) == 1 and args[0] in _SIMPLE:
        fits, word = _SIMPLE[args[0]]
        return (
            lambda v: isinstance(v, list) and all(fits(x) for x in v),
            f"a list of {word.removeprefix('an ').removeprefix('a ')}s",
        )
    return None
