"""More math (sin, cos, tan, log, exp, the bit_* operations on ints) and the
type checks (is_int, is_float, is_string, is_array, is_dict, is_bool, is_null,
is_function)."""

from __future__ import annotations

import math
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.core.values import INT_MAX
from ruffdbg.vm.builtins.registry import number_arg, register, type_error


def _float_fn(name: str, fn: Any, doc: str) -> None:
    def impl(ctx: Any, args: list) -> float:
        x = number_arg(name, args[0])
        try:
            return fn(x)
        except (ValueError, OverflowError):
            # Rust's f64 gives NaN or inf where Python raises.
            if name == "log":
                return -math.inf if x == 0 else math.nan
            if name == "exp":
                return math.inf
            return math.nan

    impl.__doc__ = doc
    register(name, impl, (1,))


_float_fn("sin", math.sin, "sin(x): x in radians.")
_float_fn("cos", math.cos, "cos(x): x in radians.")
_float_fn("tan", math.tan, "tan(x): x in radians.")
_float_fn("log", math.log, "log(x): the natural logarithm.")
_float_fn("exp", math.exp, "exp(x): e to the power x.")


def _int(name: str, v: Any, position: int) -> int:
    if type(v) is int:
        return v
    raise type_error(name, "an int", v, position)


def _wrap(n: int) -> int:
    n &= 0xFFFFFFFFFFFFFFFF
    return n - (1 << 64) if n > INT_MAX else n


def _bit2(name: str, op: Any, doc: str) -> None:
    def impl(ctx: Any, args: list) -> int:
        return op(_int(name, args[0], 1), _int(name, args[1], 2))

    impl.__doc__ = doc
    register(name, impl, (2,))


_bit2("bit_and", lambda a, b: a & b, "bit_and(a, b): bitwise and of two ints.")
_bit2("bit_or", lambda a, b: a | b, "bit_or(a, b): bitwise or of two ints.")
_bit2("bit_xor", lambda a, b: a ^ b, "bit_xor(a, b): bitwise exclusive or of two ints.")


def _shift(name: str, left: bool) -> None:
    def impl(ctx: Any, args: list) -> int:
        a = _int(name, args[0], 1)
        n = _int(name, args[1], 2)
        if not 0 <= n < 64:
            raise RuffError(f"{name}() expects a shift amount between 0 and 63")
        return _wrap(a << n) if left else a >> n

    impl.__doc__ = f"{name}(a, n): a shifted {'left' if left else 'right (arithmetic)'} by n bits (0-63)."
    register(name, impl, (2,))


_shift("bit_shl", True)
_shift("bit_shr", False)


def _bit_not(ctx: Any, args: list) -> int:
    """bit_not(a): the bitwise complement of an int."""
    return ~_int("bit_not", args[0], 1)


register("bit_not", _bit_not, (1,))


def _is(name: str, test: Any) -> None:
    def impl(ctx: Any, args: list) -> bool:
        return test(args[0])

    impl.__doc__ = f"{name}(v): whether v is {name[3:]}."
    register(name, impl, (1,))


_is("is_int", lambda v: type(v) is int)
_is("is_float", lambda v: type(v) is float)
_is("is_string", lambda v: type(v) is str)
_is("is_array", lambda v: type(v) in ARRAY_TYPES)
_is("is_dict", lambda v: type(v) is dict)
_is("is_bool", lambda v: type(v) is bool)
_is("is_null", lambda v: v is None)
_is("is_function", lambda v: type(v) is Function or type(v) is Builtin)

