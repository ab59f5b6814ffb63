"""Math: every result is a float, as in the reference."""

from __future__ import annotations

import math
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.registry import builtin, number_arg


def _keep_zero_sign(result: float, x: float) -> float:
    """Python's floor/ceil return ints and lose -0.0 (ceil(-0.5) is -0 in Rust)."""
    return math.copysign(0.0, x) if result == 0 else result


@builtin("abs", 1)
def _abs(ctx: Any, args: list) -> float:
    """abs(x)."""
    return math.fabs(number_arg("abs", args[0]))


@builtin("sqrt", 1)
def _sqrt(ctx: Any, args: list) -> float:
    """sqrt(x); x must not be negative."""
    x = number_arg("sqrt", args[0])
    if x < 0:
        raise RuffError("sqrt() domain error: value must be >= 0")
    return math.sqrt(x)


@builtin("floor", 1)
def _floor(ctx: Any, args: list) -> float:
    """floor(x)."""
    x = number_arg("floor", args[0])
    if not math.isfinite(x):
        return x
    return _keep_zero_sign(float(math.floor(x)), x)


@builtin("ceil", 1)
def _ceil(ctx: Any, args: list) -> float:
    """ceil(x)."""
    x = number_arg("ceil", args[0])
    if not math.isfinite(x):
        return x
    return _keep_zero_sign(float(math.ceil(x)), x)


@builtin("round", 1)
def _round(ctx: Any, args: list) -> float:
    """round(x): halves away from zero (Python's round() rounds them to even)."""
    x = number_arg("round", args[0])
    if not math.isfinite(x):
        return x
    magnitude = abs(x)
    whole = math.floor(magnitude)
    # magnitude - whole is exact, unlike floor(magnitude + 0.5), which turns
    # 0.49999999999999994 into 1.
    if magnitude - whole >= 0.5:
        whole += 1
    return math.copysign(float(whole), x)


def _fmin(a: float, b: float) -> float:
    """Rust's f64::min: a NaN loses to a number (Python's min() is order-dependent)."""
    if a != a:
        return b
    if b != b:
        return a
    return a if a < b else b


def _fmax(a: float, b: float) -> float:
    """Rust's f64::max: a NaN loses to a number."""
    if a != a:
        return b
    if b != b:
        return a
    return a if a > b else b


@builtin("min", 2)
def _min(ctx: Any, args: list) -> float:
    """min(a, b)."""
    return _fmin(number_arg("min", args[0], 1), number_arg("min", args[1], 2))


@builtin("max", 2)
def _max(ctx: Any, args: list) -> float:
    """max(a, b)."""
    return _fmax(number_arg("max", args[0], 1), number_arg("max", args[1], 2))


def _ieee_pow(x: float, y: float) -> float:
    """x ** y with IEEE results where math.pow raises instead."""
    try:
        return math.pow(x, y)
    except OverflowError:
        odd_power = y.is_integer() and math.fmod(y, 2.0) != 0
        return -math.inf if x < 0 and odd_power else math.inf
    except ValueError:
        if x == 0:  # zero to a negative power
            odd_power = y.is_integer() and math.fmod(y, 2.0) != 0
            return math.copysign(math.inf, x) if odd_power else math.inf
        return math.nan  # a negative base to a fractional power


@builtin("pow", 2)
def _pow(ctx: Any, args: list) -> float:
    """pow(base, exponent)."""
    return _ieee_pow(number_arg("pow", args[0], 1), number_arg("pow", args[1], 2))


# --------------------------------------------------------------------------
