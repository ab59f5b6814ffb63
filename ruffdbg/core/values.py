"""Runtime operations on Ruff values: printing, equality, arithmetic, indexing.

Values use the representation of ``vm.objects`` (None/bool/int/float/str/list/
dict plus Function, Builtin and StructValue). Two Python facts shape this code:

* ``bool`` is a subclass of ``int``, so every type test is ``type(v) is int``,
  never ``isinstance``: ``true`` is not ``1`` in Ruff.
* Ruff ints are i64 with checked arithmetic, while Python ints are unbounded,
  so every int result is range-checked; ``/`` and ``%`` truncate toward zero
  as in Rust, where Python's ``//`` and ``%`` floor.

Containers are shared copy-on-write by the VM: nothing here mutates an argument
except ``index_set`` and ``field_set``, whose callers guarantee ownership.
Every Ruff-level failure raises ``RuffError`` with the exact Ruff message.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Callable, Sequence

from .arrays import BOOL, RArray
from .errors import RuffError
from .objects import ERROR_TYPE, OPTION_TAGS, RESULT_TAGS, Builtin, Function, StructType, StructValue, Variant

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1

_EPSILON = sys.float_info.epsilon
_INF = math.inf
_NAN = math.nan

_TYPE_NAMES: dict[type, str] = {
    type(None): "null",
    bool: "bool",
    int: "int",
    float: "float",
    str: "string",
    list: "array",
    RArray: "array",
    dict: "dict",
    Function: "function",
    Builtin: "function",
    StructType: "structdef",
}


# --------------------------------------------------------------------------
# Types and text


def type_name(v: Any) -> str:
    """The name ``type(v)`` gives in Ruff (``error`` for the Error struct)."""
    name = _TYPE_NAMES.get(type(v))
    if name is not None:
        return name
    if type(v) is StructValue:
        return "error" if v.type is ERROR_TYPE else "struct"
    if type(v) is Variant:
        return "result" if v.tag in RESULT_TAGS else "option" if v.tag in OPTION_TAGS else "enum"
    return type(v).__name__.lower()


def format_float(x: float) -> str:
    """Shortest round-trip digits, never an exponent, no trailing ``.0``.

    This is Rust's ``Display`` for f64, which the reference uses: ``1.0`` ->
    ``1``, ``1e21`` -> ``1000000000000000000000``, ``-0.0`` -> ``-0``.
    """
    if x != x:
        return "NaN"
    if x == _INF:
        return "inf"
    if x == -_INF:
        return "-inf"
    text = repr(x)
    if "e" not in text:
        return text[:-2] if text.endswith(".0") else text
    return _expand_exponent(text)


def _expand_exponent(text: str) -> str:
    """Rewrite repr's ``d.ddde±N`` with the decimal point moved, digits kept."""
    mantissa, _, exponent = text.partition("e")
    sign = ""
    if mantissa.startswith("-"):
        sign, mantissa = "-", mantissa[1:]
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).rstrip("0") or "0"
    point = len(whole) + int(exponent)  # digits before the decimal point
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def to_string(v: Any) -> str:
    """Ruff's ``to_string``: what ``print`` shows (strings unquoted everywhere)."""
    t = type(v)
    if t is str:
        return v
    if t is int:
        return int.__repr__(v)
    if t is float:
        return format_float(v)
    if t is bool:
        return "true" if v else "false"
    if v is None:
        return "null"
    if t is list or t is RArray:
        return "[" + ", ".join([to_string(item) for item in v]) + "]"
    if t is dict:
        items = [f'"{key}": {to_string(v[key])}' for key in sorted(v)]
        return "{" + ", ".join(items) + "}"
    if t is StructValue:
        return _struct_to_string(v)
    if t is Function:
        return f"<function {v.name}>"
    if t is Builtin:
        return f"<builtin {v.name}>"
    if t is StructType:
        return f"<struct {v.name}>"
    if t is Variant:
        # The reference joins several payload values with a bare comma.
        return f"{v.tag}({','.join([to_string(item) for item in v.payload])})" if v.payload else v.tag
    return str(v)


def _struct_to_string(v: StructValue) -> str:
    by_name = v.fields
    if not by_name:
        return f"{v.name} {{}}"
    fields = ", ".join(f"{name}: {to_string(by_name[name])}" for name in sorted(by_name))
    return f"{v.name} {{ {fields} }}"


def debug_repr(v: Any) -> str:
    """The reference's debug format, used by ``assert_equal`` messages.

    ``Int(10)``, ``Float(2.5)``, ``String("hi")``, ``Bool(true)``, ``Null``,
    ``Array[Int(1), Int(2)]``, ``Dict{a: Int(1)}`` (keys sorted).
    """
    t = type(v)
    if t is int:
        return f"Int({v})"
    if t is float:
        return f"Float({format_float(v)})"
    if t is str:
        return f'String("{v}")'
    if t is bool:
        return "Bool(true)" if v else "Bool(false)"
    if v is None:
        return "Null"
    if t is list or t is RArray:
        return "Array[" + ", ".join([debug_repr(item) for item in v]) + "]"
    if t is dict:
        return "Dict{" + ", ".join(f"{k}: {debug_repr(v[k])}" for k in sorted(v)) + "}"
    if t is StructValue:
        if v.type is ERROR_TYPE:
            return f'ErrorObject("{to_string(v.get("message"))}")'
        by_name = v.fields
        fields = ", ".join(f"{k}: {debug_repr(by_name[k])}" for k in sorted(by_name))
        return f"Struct({v.name} {{ {fields} }})" if fields else f"Struct({v.name})"
    if t is Function:
        return f"Function({v.name})"
    if t is Builtin:
        return f"NativeFunction({v.name})"
    return to_string(v)


# --------------------------------------------------------------------------
# Truthiness and equality


def is_truthy(v: Any) -> bool:
    """``false null 0 0.0 "" [] {}`` are false; everything else is true."""
    t = type(v)
    if t is bool:
        return v
    if v is None:
        return False
    if t is int or t is float:
        return v != 0
    if t is str or t is list or t is dict or t is RArray:
        return len(v) != 0
    return True


def values_equal(a: Any, b: Any) -> bool:
    """Ruff ``==``: never fails; different types are unequal except int/float."""
    ta = type(a)
    tb = type(b)
    if ta is tb:
        if ta is int or ta is str or ta is bool:
            return a == b
        if ta is float:
            # Exact equality first so inf == inf; NaN fails both tests.
            return a == b or abs(a - b) < _EPSILON
        if a is None:
            return True
        if ta is list or ta is RArray:
            return len(a) == len(b) and all(map(values_equal, a, b))
        if ta is dict:
            return _dicts_equal(a, b)
        if ta is StructValue:
            if a.type is b.type:
                return all(map(values_equal, a.slots, b.slots))
            return a.type.name == b.type.name and _dicts_equal(a.fields, b.fields)
        if ta is Variant:
            return a.tag == b.tag and len(a.payload) == len(b.payload) and all(map(values_equal, a.payload, b.payload))
        return a is b  # functions and builtins compare by identity
    if ta is int and tb is float:
        a = float(a)
        return a == b or abs(a - b) < _EPSILON
    if ta is float and tb is int:
        b = float(b)
        return a == b or abs(a - b) < _EPSILON
    if (ta is list or ta is RArray) and (tb is list or tb is RArray):   # two arrays, one typed
        return len(a) == len(b) and all(map(values_equal, a, b))
    return False


def _dicts_equal(a: dict, b: dict) -> bool:
    if len(a) != len(b):
        return False
    missing = object()
    for key, value in a.items():
        other = b.get(key, missing)
        if other is missing or not values_equal(value, other):
            return False
    return True


# --------------------------------------------------------------------------
# Arithmetic
#
# Each operator has its own function, int/int first, so the VM can bind e.g.
# ``add`` once instead of dispatching on the operator string. The i64 bounds
# are written as literals: a constant load is cheaper than a global lookup.
# Python's int-with-float operators convert the int exactly as ``float(a)``
# would, which is Rust's ``a as f64``.


# The longest string or array an operation may build: past it a Ruff error, not
# the host's memory exhausted (`s := s + s` in a loop doubles without end).
MAX_RESULT_LEN = 50_000_000


def check_length(size: int, kind: type = str) -> None:
    """Refuse to build a string (or array) of ``size`` characters (elements) past the limit."""
    if size > MAX_RESULT_LEN:
        unit = "characters" if kind is str else "elements"
        raise RuffError(f"{_TYPE_NAMES[kind].capitalize()} too large: {size} {unit} (the limit is {MAX_RESULT_LEN})")


def _overflow(a: int, op: str, b: int) -> RuffError:
    return RuffError(f"Integer overflow: {a} {op} {b}")


def _invalid_binary(op: str, a: Any, b: Any) -> RuffError:
    return RuffError(f"Invalid binary operation: {type_name(a)} {op} {type_name(b)}")


def add(a: Any, b: Any) -> Any:
    """``a + b``: checked i64, float, or string concatenation."""
    ta = type(a)
    tb = type(b)
    if ta is int:
        if tb is int:
            r = a + b
            if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF:
                return r
            raise _overflow(a, "+", b)
        if tb is float:
            return a + b
    elif ta is float:
        if tb is float or tb is int:
            return a + b
    elif ta is str and tb is str:
        check_length(len(a) + len(b))
        return a + b
    raise _invalid_binary("+", a, b)


def sub(a: Any, b: Any) -> Any:
    """``a - b`` on numbers."""
    ta = type(a)
    tb = type(b)
    if ta is int:
        if tb is int:
            r = a - b
            if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF:
                return r
            raise _overflow(a, "-", b)
        if tb is float:
            return a - b
    elif ta is float and (tb is float or tb is int):
        return a - b
    raise _invalid_binary("-", a, b)


def mul(a: Any, b: Any) -> Any:
    """``a * b`` on numbers."""
    ta = type(a)
    tb = type(b)
    if ta is int:
        if tb is int:
            r = a * b
            if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF:
                return r
            raise _overflow(a, "*", b)
        if tb is float:
            return a * b
    elif ta is float and (tb is float or tb is int):
        return a * b
    raise _invalid_binary("*", a, b)


def div(a: Any, b: Any) -> Any:
    """``a / b``: ints truncate toward zero; dividing by 0 or 0.0 is an error."""
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        if b == 0:
            raise RuffError("Division by zero")
        q = a // b
        if q < 0 and q * b != a:
            q += 1  # Python floors; Ruff truncates toward zero
        if q > 0x7FFFFFFFFFFFFFFF:  # only INT_MIN / -1 gets here
            raise _overflow(a, "/", b)
        return q
    if (ta is float or ta is int) and (tb is float or tb is int):
        if b == 0:
            raise RuffError("Division by zero")
        return a / b
    raise _invalid_binary("/", a, b)


def mod(a: Any, b: Any) -> Any:
    """``a % b``: the remainder takes the dividend's sign (Rust ``%``/fmod)."""
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        if b == 0:
            raise RuffError("Modulo by zero")
        if b == -1 and a == INT_MIN:
            # Rust's checked_rem reports overflow here although 0 would fit.
            raise _overflow(a, "%", b)
        r = a % b
        if r and (a < 0) != (b < 0):
            r -= b  # Python's result takes the divisor's sign
        return r
    if (ta is float or ta is int) and (tb is float or tb is int):
        if b == 0:
            raise RuffError("Modulo by zero")
        return _fmod(float(a), float(b))
    raise _invalid_binary("%", a, b)


def _fmod(x: float, y: float) -> float:
    # math.fmod raises for an infinite dividend where IEEE gives NaN.
    if x == _INF or x == -_INF:
        return _NAN
    return math.fmod(x, y)


BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": sub,
    "*": mul,
    "/": div,
    "%": mod,
}


def binary_op(op: str, a: Any, b: Any) -> Any:
    """Apply ``+ - * / %`` to non-struct operands."""
    try:
        fn = BINARY_OPS[op]
    except KeyError:
        raise ValueError(f"not an arithmetic operator: {op!r}") from None
    return fn(a, b)


# --------------------------------------------------------------------------
# Comparison
#
# Python compares an int with a float exactly, and any comparison with NaN is
# false, as IEEE (and Ruff) require. Strings compare by code point, which is
# the byte order of their UTF-8 as in Rust.


def less(a: Any, b: Any) -> bool:
    """``a < b`` on two numbers or two strings."""
    ta = type(a)
    tb = type(b)
    if ta is int or ta is float:
        if tb is int or tb is float:
            return a < b
    elif ta is str and tb is str:
        return a < b
    raise _invalid_binary("<", a, b)


def less_equal(a: Any, b: Any) -> bool:
    """``a <= b`` on two numbers or two strings."""
    ta = type(a)
    tb = type(b)
    if ta is int or ta is float:
        if tb is int or tb is float:
            return a <= b
    elif ta is str and tb is str:
        return a <= b
    raise _invalid_binary("<=", a, b)


def greater(a: Any, b: Any) -> bool:
    """``a > b`` on two numbers or two strings."""
    ta = type(a)
    tb = type(b)
    if ta is int or ta is float:
        if tb is int or tb is float:
            return a > b
    elif ta is str and tb is str:
        return a > b
    raise _invalid_binary(">", a, b)


def greater_equal(a: Any, b: Any) -> bool:
    """``a >= b`` on two numbers or two strings."""
    ta = type(a)
    tb = type(b)
    if ta is int or ta is float:
        if tb is int or tb is float:
            return a >= b
    elif ta is str and tb is str:
        return a >= b
    raise _invalid_binary(">=", a, b)


COMPARE_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": less,
    "<=": less_equal,
    ">": greater,
    ">=": greater_equal,
}


def compare_op(op: str, a: Any, b: Any) -> bool:
    """Apply ``< <= > >=`` to two numbers or two strings."""
    try:
        fn = COMPARE_OPS[op]
    except KeyError:
        raise ValueError(f"not a comparison operator: {op!r}") from None
    return fn(a, b)


# --------------------------------------------------------------------------
# Unary operators


def negate(v: Any) -> Any:
    """Unary ``-``: numbers only; negating i64's minimum overflows."""
    t = type(v)
    if t is int:
        if v == INT_MIN:
            raise RuffError(f"Integer overflow: -({v})")
        return -v
    if t is float:
        return -v
    raise RuffError(f"Invalid unary operation: - {type_name(v)}")


def logical_not(v: Any) -> bool:
    """Unary ``!``: bools only."""
    if type(v) is bool:
        return not v
    raise RuffError(f"Invalid unary operation: ! {type_name(v)}")


def unary_op(op: str, v: Any) -> Any:
    """Apply unary ``-`` or ``!``."""
    if op == "-":
        return negate(v)
    if op == "!":
        return logical_not(v)
    raise ValueError(f"not a unary operator: {op!r}")


# --------------------------------------------------------------------------
# Indexing, fields, iteration


def _dict_key(container: Any, idx: Any) -> str:
    """A dict key from an index: strings as is, ints as their decimal text."""
    t = type(idx)
    if t is str:
        return idx
    if t is int:
        return int.__repr__(idx)
    raise RuffError(f"Cannot index {type_name(container)} with {type_name(idx)}")


def index_get(obj: Any, idx: Any) -> Any:
    """``obj[idx]`` for arrays, strings (one character) and dicts."""
    t = type(obj)
    if t is RArray:
        if type(idx) is int:
            try:
                element = obj.items[idx]
            except IndexError:
                raise RuffError(f"Index out of bounds: {idx}") from None
            return element if obj.kind != BOOL else element == 1   # (a bool array's storage holds bytes)
        raise RuffError(f"Cannot index array with {type_name(idx)}")
    if t is list or t is str:
        if type(idx) is int:
            # Python's negative indexes count from the end exactly like Ruff's.
            try:
                return obj[idx]
            except IndexError:
                raise RuffError(f"Index out of bounds: {idx}") from None
        raise RuffError(f"Cannot index {type_name(obj)} with {type_name(idx)}")
    if t is dict:
        key = _dict_key(obj, idx)
        try:
            return obj[key]
        except KeyError:
            raise RuffError(f'Missing map key: "{key}"') from None
    raise RuffError(f"Cannot index {type_name(obj)}")


def index_set(container: Any, idx: Any, value: Any) -> int | None:
    """``container[idx] := value`` IN PLACE; the caller owns ``container``.
    Returns the element kind an array had if the store transitioned it, else None."""
    t = type(container)
    if t is RArray:
        if type(idx) is not int:
            raise RuffError(f"Cannot index array with {type_name(idx)}")
        if not -len(container.items) <= idx < len(container.items):
            raise RuffError(f"Index out of bounds: {idx}")
        return container.store(idx, value)
    if t is list:
        if type(idx) is not int:
            raise RuffError(f"Cannot index array with {type_name(idx)}")
        try:
            container[idx] = value
        except IndexError:
            raise RuffError(f"Index out of bounds: {idx}") from None
        return None
    if t is dict:
        container[_dict_key(container, idx)] = value
        return None
    if t is str:
        raise RuffError("Cannot assign to index of string: strings are immutable")
    raise RuffError(f"Cannot assign to index of {type_name(container)}")


def field_get(obj: Any, name: str) -> Any:
    """``obj.name`` on a struct (including the Error value of ``except``)."""
    if type(obj) is StructValue:
        index = obj.type.slot.get(name)
        if index is not None:
            return obj.slots[index]
        raise RuffError(f"Field not found: {name}")
    raise RuffError(f"Cannot access field or method '{name}' on non-struct value")


def field_set(obj: Any, name: str, value: Any) -> None:
    """``obj.name := value`` IN PLACE; only declared fields may be written."""
    if type(obj) is StructValue:
        index = obj.type.slot.get(name)
        if index is not None:
            obj.slots[index] = value
            return
        raise RuffError(f"Field not found: {name}")
    raise RuffError("Cannot set field on non-struct value")


def iterate(v: Any) -> Sequence[Any]:
    """What ``for x in v`` walks, taken once before the loop.

    Arrays give their elements, strings their characters, dicts their keys in
    insertion order, an int ``n`` gives ``0..n-1`` (a ``range``, so a large
    ``n`` costs no memory). Arrays are copied so that the loop body may
    mutate the variable without disturbing the walk.
    """
    t = type(v)
    if t is list or t is str or t is dict or t is RArray:
        return list(v)
    if t is int:
        return range(v)
    raise RuffError(f"Cannot iterate over {type_name(v)}")
