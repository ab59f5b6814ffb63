"""Assertions."""

from __future__ import annotations

from typing import Any

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
