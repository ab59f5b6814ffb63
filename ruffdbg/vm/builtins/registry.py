"""Registering builtins, and the argument checks they share.

Every registered ``fn`` checks its own argument count (``Builtin.arities`` says
which counts are accepted, for callers that want to check earlier), so it is
safe to call directly. Wrong argument types are errors with one uniform shape:
``push() expects an array as argument 1, got string``.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from ruffdbg.core.arrays import RArray
from ruffdbg.core.errors import RuffError
from ruffdbg.core.objects import Builtin
from ruffdbg.core.values import MAX_RESULT_LEN, type_name

BuiltinFn = Callable[[Any, list], Any]

BUILTINS: dict[str, Builtin] = {}


# What Rust's str::trim removes (Unicode White_Space). Python's strip() also
# removes the separators U+001C..U+001F, which Rust keeps.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)



def arity_message(name: str, arities: tuple[int, ...], got: int) -> str:
    """``len() expects 1 argument, got 2``; ``range() expects 1-3 arguments, got 0``."""
    if len(arities) == 1:
        n = arities[0]
        expected = f"{n} argument" if n == 1 else f"{n} arguments"
    elif list(arities) == list(range(arities[0], arities[-1] + 1)):
        expected = f"{arities[0]}-{arities[-1]} arguments"
    else:
        expected = " or ".join(map(str, arities)) + " arguments"
    return f"{name}() expects {expected}, got {got}"


def register(name: str, fn: BuiltinFn, arities: tuple[int, ...], reuses_first: bool = False) -> None:
    """Add ``fn`` under ``name``, wrapped in an argument-count check."""
    if not arities:
        BUILTINS[name] = Builtin(name, fn, None, reuses_first)
        return
    if len(arities) == 1:
        count = arities[0]

        def checked(ctx: Any, args: list) -> Any:
            if len(args) != count:
                raise RuffError(arity_message(name, arities, len(args)))
            return fn(ctx, args)

    else:

        def checked(ctx: Any, args: list) -> Any:
            if len(args) not in arities:
                raise RuffError(arity_message(name, arities, len(args)))
            return fn(ctx, args)

    checked.__name__ = f"builtin_{name}"
    checked.__doc__ = fn.__doc__
    BUILTINS[name] = Builtin(name, checked, arities, reuses_first)


def builtin(
    name: str, *arities: int, aliases: tuple[str, ...] = ()
) -> Callable[[BuiltinFn], BuiltinFn]:
    """Decorator: register ``fn`` as builtin ``name`` (and ``aliases``) taking
    one of ``arities`` argument counts (none given: any number)."""

    def decorate(fn: BuiltinFn) -> BuiltinFn:
        for each in (name, *aliases):
            register(each, fn, arities)
        return fn

    return decorate


def type_error(fname: str, expected: str, value: Any, position: int | None) -> RuffError:
    where = f" as argument {position}" if position else ""
    return RuffError(f"{fname}() expects {expected}{where}, got {type_name(value)}")


def string_arg(fname: str, v: Any, position: int | None = None) -> str:
    if type(v) is str:
        return v
    raise type_error(fname, "a string", v, position)


def array_arg(fname: str, v: Any, position: int | None = None) -> list:
    """An array argument as a list: a typed array's elements as a new list (the
    builtins taking one are O(n) anyway; those that keep the kind take it themselves)."""
    if type(v) is list:
        return v
    if type(v) is RArray:
        return list(v)
    raise type_error(fname, "an array", v, position)


def dict_arg(fname: str, v: Any, position: int | None = None) -> dict:
    if type(v) is dict:
        return v
    raise type_error(fname, "a dict", v, position)


def number_arg(fname: str, v: Any, position: int | None = None) -> float:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    raise type_error(fname, "a number", v, position)


def whole_arg(fname: str, v: Any, position: int | None = None) -> int:
    """An index or count: an int, or a finite float truncated as the reference does."""
    t = type(v)
    if t is int:
        return v
    if t is float and math.isfinite(v):
        return math.trunc(v)
    raise type_error(fname, "an int", v, position)


def check_size(fname: str, size: int) -> None:
    if size > MAX_RESULT_LEN:   # (values.check_length's limit, in a builtin's words)
        raise RuffError(f"{fname}() result too large: {size} elements")


# --------------------------------------------------------------------------
# Output and conversion


def clamp_span(length: int, start: int, end: int) -> tuple[int, int]:
    """Negative bounds count from the end; then clamp to 0 <= start <= end <= length."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = min(max(start, 0), length)
    end = min(max(end, start), length)
    return start, end
