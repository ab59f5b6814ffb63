"""Ruff's core builtin functions.

``BUILTINS`` maps each name to a ``Builtin`` whose ``fn(ctx, args)`` returns a
Ruff value or raises ``RuffError``. ``ctx`` provides ``write(text)`` for program
output and ``clock_ms()`` (milliseconds since the program started).

Every registered ``fn`` checks its own argument count (``Builtin.arities`` says
which counts are accepted, for callers that want to check earlier), so it is
safe to call directly. Arguments are never mutated: ``push``/``pop`` build new
arrays, because the VM shares containers copy-on-write.

Error texts follow the reference implementation where it has one:
``abs() expects 1 argument, got 2`` for counts, ``Cannot convert 'x' to int``,
``Assertion failed: expected Int(10), got Int(5)``. Wrong argument types, where
the reference silently returns a default, are errors with one uniform shape:
``push() expects an array as argument 1, got string``.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any, Callable

from ruffdbg.core.errors import RuffError
from ruffdbg.core.objects import Builtin
from ruffdbg.core.values import (
    INT_MAX,
    INT_MIN,
    debug_repr,
    format_float,
    is_truthy,
    to_string,
    type_name,
    values_equal,
)

BuiltinFn = Callable[[Any, list], Any]

BUILTINS: dict[str, Builtin] = {}

# Results longer than this are refused instead of exhausting the host's memory.
MAX_RESULT_LEN = 50_000_000

# What Rust's str::trim removes (Unicode White_Space). Python's strip() also
# removes the separators U+001C..U+001F, which Rust keeps.
_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


# --------------------------------------------------------------------------
# Registration and argument checking


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


def _register(name: str, fn: BuiltinFn, arities: tuple[int, ...]) -> None:
    """Add ``fn`` under ``name``, wrapped in an argument-count check."""
    if not arities:
        BUILTINS[name] = Builtin(name, fn, None)
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
    BUILTINS[name] = Builtin(name, checked, arities)


def builtin(
    name: str, *arities: int, aliases: tuple[str, ...] = ()
) -> Callable[[BuiltinFn], BuiltinFn]:
    """Decorator: register ``fn`` as builtin ``name`` (and ``aliases``) taking
    one of ``arities`` argument counts (none given: any number)."""

    def decorate(fn: BuiltinFn) -> BuiltinFn:
        for each in (name, *aliases):
            _register(each, fn, arities)
        return fn

    return decorate


def _type_error(fname: str, expected: str, value: Any, position: int | None) -> RuffError:
    where = f" as argument {position}" if position else ""
    return RuffError(f"{fname}() expects {expected}{where}, got {type_name(value)}")


def _string(fname: str, v: Any, position: int | None = None) -> str:
    if type(v) is str:
        return v
    raise _type_error(fname, "a string", v, position)


def _array(fname: str, v: Any, position: int | None = None) -> list:
    if type(v) is list:
        return v
    raise _type_error(fname, "an array", v, position)


def _dict(fname: str, v: Any, position: int | None = None) -> dict:
    if type(v) is dict:
        return v
    raise _type_error(fname, "a dict", v, position)


def _number(fname: str, v: Any, position: int | None = None) -> float:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    raise _type_error(fname, "a number", v, position)


def _whole(fname: str, v: Any, position: int | None = None) -> int:
    """An index or count: an int, or a finite float truncated as the reference does."""
    t = type(v)
    if t is int:
        return v
    if t is float and math.isfinite(v):
        return math.trunc(v)
    raise _type_error(fname, "an int", v, position)


def _check_size(fname: str, size: int) -> None:
    if size > MAX_RESULT_LEN:
        raise RuffError(f"{fname}() result too large: {size} elements")


# --------------------------------------------------------------------------
# Output and conversion


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
    text = text.strip(_WHITESPACE)
    if not _INT_TEXT.match(text):
        return None
    n = int(text)
    return n if INT_MIN <= n <= INT_MAX else None


def _parse_float(text: str) -> float | None:
    text = text.strip(_WHITESPACE)
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
    text = _string("parse_int", args[0])
    n = _parse_int(text)
    if n is None:
        raise RuffError(f"Cannot parse '{text}' as integer")
    return n


@builtin("parse_float", 1)
def _parse_float_builtin(ctx: Any, args: list) -> float:
    """parse_float(s): a string's float, surrounding whitespace ignored."""
    text = _string("parse_float", args[0])
    x = _parse_float(text)
    if x is None:
        raise RuffError(f"Cannot parse '{text}' as float")
    return x


# --------------------------------------------------------------------------
# Collections


@builtin("len", 1)
def _len(ctx: Any, args: list) -> int:
    """len(v): characters of a string, elements of an array, entries of a dict."""
    v = args[0]
    t = type(v)
    if t is str or t is list or t is dict:
        return len(v)
    raise _type_error("len", "a string, array or dict", v, None)


@builtin("range", 1, 2, 3)
def _range(ctx: Any, args: list) -> list:
    """range(n), range(a, b), range(a, b, step): an array of ints."""
    bounds = [_whole("range", arg, i) for i, arg in enumerate(args, 1)]
    if len(bounds) == 1:
        span = range(bounds[0])
    elif len(bounds) == 2:
        span = range(bounds[0], bounds[1])
    else:
        if bounds[2] == 0:
            raise RuffError("range() step cannot be zero")
        span = range(*bounds)
    _check_size("range", len(span))
    return list(span)


def _make_push(name: str) -> BuiltinFn:
    def push(ctx: Any, args: list) -> list:
        """push(arr, v) / append(arr, v): a NEW array with v at the end."""
        return _array(name, args[0], 1) + [args[1]]

    return push


_register("push", _make_push("push"), (2,))
_register("append", _make_push("append"), (2,))


@builtin("pop", 1)
def _pop(ctx: Any, args: list) -> list:
    """pop(arr): [new_array, popped]. An empty array pops null (the reference
    gives 0, a made-up value)."""
    arr = _array("pop", args[0])
    if not arr:
        return [[], None]
    return [arr[:-1], arr[-1]]


@builtin("keys", 1)
def _keys(ctx: Any, args: list) -> list:
    """keys(d): the keys, sorted."""
    return sorted(_dict("keys", args[0]))


@builtin("values", 1)
def _values(ctx: Any, args: list) -> list:
    """values(d): the values, in the order of the sorted keys."""
    d = _dict("values", args[0])
    return [d[key] for key in sorted(d)]


def _as_key(v: Any) -> str | None:
    """The dict key a value names (ints by their decimal text), or None."""
    t = type(v)
    if t is str:
        return v
    if t is int:
        return str(v)
    return None


@builtin("has_key", 2)
def _has_key(ctx: Any, args: list) -> bool:
    """has_key(d, k): whether d has key k (an int k means its decimal text)."""
    d = _dict("has_key", args[0], 1)
    key = _as_key(args[1])
    return key is not None and key in d


@builtin("contains", 2)
def _contains(ctx: Any, args: list) -> bool:
    """contains(c, x): an array element equal to x, a substring, or a dict key."""
    coll, item = args
    t = type(coll)
    if t is list:
        return any(values_equal(element, item) for element in coll)
    if t is str:
        return _string("contains", item, 2) in coll
    if t is dict:
        key = _as_key(item)
        return key is not None and key in coll
    raise _type_error("contains", "an array, string or dict", coll, 1)


@builtin("index_of", 2)
def _index_of(ctx: Any, args: list) -> int:
    """index_of(c, x): first index of an element or substring (in characters), or -1."""
    coll, item = args
    t = type(coll)
    if t is list:
        for i, element in enumerate(coll):
            if values_equal(element, item):
                return i
        return -1
    if t is str:
        return coll.find(_string("index_of", item, 2))
    raise _type_error("index_of", "an array or string", coll, 1)


def _clamp_span(length: int, start: int, end: int) -> tuple[int, int]:
    """Negative bounds count from the end; then clamp to 0 <= start <= end <= length."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = min(max(start, 0), length)
    end = min(max(end, start), length)
    return start, end


@builtin("slice", 3)
def _slice(ctx: Any, args: list) -> Any:
    """slice(c, start, end): elements/characters start..end-1, bounds clamped."""
    coll = args[0]
    if type(coll) is not list and type(coll) is not str:
        raise _type_error("slice", "an array or string", coll, 1)
    start, end = _clamp_span(len(coll), _whole("slice", args[1], 2), _whole("slice", args[2], 3))
    return coll[start:end]


# --------------------------------------------------------------------------
# Strings


@builtin("split", 2)
def _split(ctx: Any, args: list) -> list:
    """split(s, sep): the pieces between separators; an empty sep gives characters."""
    text = _string("split", args[0], 1)
    sep = _string("split", args[1], 2)
    return text.split(sep) if sep else list(text)


@builtin("join", 2)
def _join(ctx: Any, args: list) -> str:
    """join(arr, sep): the elements as by to_string, separated by sep."""
    arr = _array("join", args[0], 1)
    sep = _string("join", args[1], 2)
    return sep.join([to_string(element) for element in arr])


@builtin("trim", 1)
def _trim(ctx: Any, args: list) -> str:
    """trim(s): s without surrounding whitespace."""
    return _string("trim", args[0]).strip(_WHITESPACE)


@builtin("to_upper", 1)
def _to_upper(ctx: Any, args: list) -> str:
    """to_upper(s)."""
    return _string("to_upper", args[0]).upper()


@builtin("to_lower", 1)
def _to_lower(ctx: Any, args: list) -> str:
    """to_lower(s)."""
    return _string("to_lower", args[0]).lower()


@builtin("capitalize", 1)
def _capitalize(ctx: Any, args: list) -> str:
    """capitalize(s): first character upper case, the rest lower case."""
    text = _string("capitalize", args[0])
    return text[:1].upper() + text[1:].lower()


@builtin("substring", 3)
def _substring(ctx: Any, args: list) -> str:
    """substring(s, start, end): characters start..end-1, bounds clamped as slice."""
    text = _string("substring", args[0], 1)
    start, end = _clamp_span(
        len(text), _whole("substring", args[1], 2), _whole("substring", args[2], 3)
    )
    return text[start:end]


@builtin("starts_with", 2)
def _starts_with(ctx: Any, args: list) -> bool:
    """starts_with(s, prefix)."""
    return _string("starts_with", args[0], 1).startswith(_string("starts_with", args[1], 2))


@builtin("ends_with", 2)
def _ends_with(ctx: Any, args: list) -> bool:
    """ends_with(s, suffix)."""
    return _string("ends_with", args[0], 1).endswith(_string("ends_with", args[1], 2))


@builtin("replace", 3)
def _replace(ctx: Any, args: list) -> str:
    """replace(s, old, new): every occurrence of old replaced."""
    text = _string("replace", args[0], 1)
    old = _string("replace", args[1], 2)
    new = _string("replace", args[2], 3)
    return text.replace(old, new)


@builtin("repeat", 2)
def _repeat(ctx: Any, args: list) -> str:
    """repeat(s, n): s n times (a negative n gives "")."""
    text = _string("repeat", args[0], 1)
    count = max(_whole("repeat", args[1], 2), 0)
    _check_size("repeat", len(text) * count)
    return text * count


# --------------------------------------------------------------------------
# Math: every result is a float, as in the reference.


def _keep_zero_sign(result: float, x: float) -> float:
    """Python's floor/ceil return ints and lose -0.0 (ceil(-0.5) is -0 in Rust)."""
    return math.copysign(0.0, x) if result == 0 else result


@builtin("abs", 1)
def _abs(ctx: Any, args: list) -> float:
    """abs(x)."""
    return math.fabs(_number("abs", args[0]))


@builtin("sqrt", 1)
def _sqrt(ctx: Any, args: list) -> float:
    """sqrt(x); x must not be negative."""
    x = _number("sqrt", args[0])
    if x < 0:
        raise RuffError("sqrt() domain error: value must be >= 0")
    return math.sqrt(x)


@builtin("floor", 1)
def _floor(ctx: Any, args: list) -> float:
    """floor(x)."""
    x = _number("floor", args[0])
    if not math.isfinite(x):
        return x
    return _keep_zero_sign(float(math.floor(x)), x)


@builtin("ceil", 1)
def _ceil(ctx: Any, args: list) -> float:
    """ceil(x)."""
    x = _number("ceil", args[0])
    if not math.isfinite(x):
        return x
    return _keep_zero_sign(float(math.ceil(x)), x)


@builtin("round", 1)
def _round(ctx: Any, args: list) -> float:
    """round(x): halves away from zero (Python's round() rounds them to even)."""
    x = _number("round", args[0])
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
    return _fmin(_number("min", args[0], 1), _number("min", args[1], 2))


@builtin("max", 2)
def _max(ctx: Any, args: list) -> float:
    """max(a, b)."""
    return _fmax(_number("max", args[0], 1), _number("max", args[1], 2))


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
    return _ieee_pow(_number("pow", args[0], 1), _number("pow", args[1], 2))


# --------------------------------------------------------------------------
# Checks


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
        raise _type_error("assert_true", "a bool", v, None)
    if not v:
        raise RuffError("Assertion failed: expected true, got false")
    return True


@builtin("assert_false", 1)
def _assert_false(ctx: Any, args: list) -> bool:
    """assert_false(b): b must be the bool false."""
    v = args[0]
    if type(v) is not bool:
        raise _type_error("assert_false", "a bool", v, None)
    if v:
        raise RuffError("Assertion failed: expected false, got true")
    return True


# --------------------------------------------------------------------------
# Time


@builtin("performance_now", 0)
def _performance_now(ctx: Any, args: list) -> float:
    """performance_now(): milliseconds since the program started."""
    return float(ctx.clock_ms())


@builtin("now", 0)
def _now(ctx: Any, args: list) -> float:
    """now(): seconds since the Unix epoch."""
    return time.time()
