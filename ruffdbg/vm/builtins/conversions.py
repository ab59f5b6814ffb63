"""Printing, type names and conversions between strings, numbers and bools."""

from __future__ import annotations

import math
import re
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.core.values import INT_MAX, INT_MIN, format_float, is_truthy, to_string, type_name
from ruffdbg.vm.builtins.registry import WHITESPACE, builtin, string_arg


@builtin("print")
def _print(ctx: Any, args: list) -> None:
    """print(a, b, ...): the arguments as by to_string, joined by spaces."""
    ctx.write(" ".join([to_string(arg) for arg in args]) + "\n")
    return None


@builtin("to_string", 1, aliases=("str",))
def _to_string(ctx: Any, args: list) -> str:
    """to_string(v) / str(v): the text print would show."""
    return to_string(args[0])


@builtin("type", 1)
def _type(ctx: Any, args: list) -> str:
    """type(v): int float string bool null array dict function struct error."""
    return type_name(args[0])


# Rust's ``str::parse`` grammars (the reference parses with them): digits with
# an optional sign; for floats also ``1.``, ``.5``, exponents, inf and NaN.
# Python's int()/float() are laxer (underscores, non-ASCII digits).
_INT_TEXT = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_TEXT = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)\Z",
    re.IGNORECASE,
)


def _parse_int(text: str) -> int | None:
    text = text.strip(WHITESPACE)
    if not _INT_TEXT.match(text):
        return None
    n = int(text)
    return n if INT_MIN <= n <= INT_MAX else None


def _parse_float(text: str) -> float | None:
    text = text.strip(WHITESPACE)
    return float(text) if _FLOAT_TEXT.match(text) else None


@builtin("to_int", 1)
def _to_int(ctx: Any, args: list) -> int:
    """to_int(v): truncates floats, parses strings, true/false -> 1/0."""
    v = args[0]
    t = type(v)
    if t is int:
        return v
    if t is float:
        if math.isfinite(v) and INT_MIN <= math.trunc(v) <= INT_MAX:
            return math.trunc(v)
        # Rust's `as` would saturate silently; an error is more useful.
        raise RuffError(f"Cannot convert {format_float(v)} to int")
    if t is str:
        n = _parse_int(v)
        if n is None:
            raise RuffError(f"Cannot convert '{v}' to int")
        return n
    if t is bool:
        return 1 if v else 0
    raise RuffError(f"Cannot convert {type_name(v)} to int")


@builtin("to_float", 1)
def _to_float(ctx: Any, args: list) -> float:
    """to_float(v): ints widen, strings parse, true/false -> 1.0/0.0."""
    v = args[0]
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    if t is str:
        x = _parse_float(v)
        if x is None:
            raise RuffError(f"Cannot convert '{v}' to float")
        return x
    if t is bool:
        return 1.0 if v else 0.0
    raise RuffError(f"Cannot convert {type_name(v)} to float")


@builtin("to_bool", 1)
def _to_bool(ctx: Any, args: list) -> bool:
    """to_bool(v): like truthiness, except that the strings "false" (any case)
    and "0" are false too, as in the reference."""
    v = args[0]
    if type(v) is str:
        return v != "" and v != "0" and v.lower() != "false"
    return is_truthy(v)


@builtin("parse_int", 1)
def _parse_int_builtin(ctx: Any, args: list) -> int:
    """parse_int(s): a string's integer, surrounding whitespace ignored."""
    text = string_arg("parse_int", args[0])
    n = _parse_int(text)
    if n is None:
        raise RuffError(f"Cannot parse '{text}' as integer")
    return n


@builtin("parse_float", 1)
def _parse_float_builtin(ctx: Any, args: list) -> float:
    """parse_float(s): a string's float, surrounding whitespace ignored."""
    text = string_arg("parse_float", args[0])
    x = _parse_float(text)
    if x is None:
        raise RuffError(f"Cannot parse '{text}' as float")
    return x


# --------------------------------------------------------------------------
# Collections
