"""Assertions."""

from __future__ import annotations

import json
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.core.values import debug_repr, is_truthy, to_string, values_equal
from ruffdbg.vm.builtins.registry import builtin, type_error


@builtin("assert", 1, 2)
def _assert(ctx: Any, args: list) -> bool:
    """assert(cond, [message]): fails unless cond is truthy."""
    if is_truthy(args[0]):
        return True
    message = args[1] if len(args) > 1 else None
    raise RuffError("Assertion failed" if message is None else to_string(message))


@builtin("assert_equal", 2)
def _assert_equal(ctx: Any, args: list) -> bool:
    """assert_equal(actual, expected): fails unless actual == expected."""
    actual, expected = args
    if values_equal(actual, expected):
        return True
    raise RuffError(f"Assertion failed: expected {debug_repr(expected)}, got {debug_repr(actual)}")


@builtin("assert_true", 1)
def _assert_true(ctx: Any, args: list) -> bool:
    """assert_true(b): b must be the bool true."""
    v = args[0]
    if type(v) is not bool:
        raise type_error("assert_true", "a bool", v, None)
    if not v:
        raise RuffError("Assertion failed: expected true, got false")
    return True


@builtin("assert_false", 1)
def _assert_false(ctx: Any, args: list) -> bool:
    """assert_false(b): b must be the bool false."""
    v = args[0]
    if type(v) is not bool:
        raise type_error("assert_false", "a bool", v, None)
    if v:
        raise RuffError("Assertion failed: expected false, got true")
    return True


# --------------------------------------------------------------------------


@builtin("assert_contains", 2)
def _assert_contains(ctx: Any, args: list) -> bool:
    """assert_contains(collection, item): an array holding item, a string holding it, or a dict with key item."""
    collection, item = args
    t = type(collection)
    if t in ARRAY_TYPES:
        found = any(values_equal(x, item) for x in collection)
    elif t is str:
        found = type(item) is str and item in collection
    elif t is dict:
        found = type(item) is str and item in collection
    else:
        raise RuffError("assert_contains requires an array, string, or dict as first argument")
    if found:
        return True
    raise RuffError(f"Assertion failed: {_value_debug(collection)} does not contain {_value_debug(item)}")


def _value_debug(v: Any) -> str:
    """The reference's Debug form of a value, as its assert_contains message shows it:
    collections by size (``Array[5]``, ``Dict{2 keys}``), strings as ``Str("a")``."""
    t = type(v)
    if t in ARRAY_TYPES:
        return f"Array[{len(v)}]"
    if t is dict:
        return f"Dict{{{len(v)} keys}}"
    if t is str:
        return "Str(" + json.dumps(v, ensure_ascii=False) + ")"
    return debug_repr(v)
