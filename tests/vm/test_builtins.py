"""Unit tests for ruffdbg.vm.builtins: every core builtin, normal and error cases."""

from __future__ import annotations

import copy
import math
import re
import time

import pytest

from ruffdbg.vm.builtins import BUILTINS, MAX_RESULT_LEN, arity_message
from ruffdbg.core.errors import RuffError
from ruffdbg.core.objects import Builtin, StructType, StructValue, make_error_value
from ruffdbg.core.values import INT_MAX, INT_MIN

NAN = math.nan
INF = math.inf


class FakeCtx:
    """What the VM passes as ``ctx``: collects output, fakes the clock."""

    def __init__(self, ms: float = 12.5):
        self.output: list[str] = []
        self.ms = ms

    def write(self, text: str) -> None:
        self.output.append(text)

    def clock_ms(self) -> float:
        return self.ms


def call(name: str, *args, ctx: FakeCtx | None = None):
    return BUILTINS[name].fn(ctx or FakeCtx(), list(args))


def raises(message: str):
    return pytest.raises(RuffError, match="^" + re.escape(message) + "$")


def is_float(value, expected) -> bool:
    if type(value) is not float:
        return False
    if math.isnan(expected):
        return math.isnan(value)
    return value == expected and math.copysign(1, value) == math.copysign(1, expected)


POINT = StructType("Point", ["x", "y"])

CORE_NAMES = """print to_string str to_int to_float to_bool parse_int parse_float type len
range push append pop keys values has_key contains index_of slice split join trim
to_upper to_lower capitalize substring starts_with ends_with replace repeat abs sqrt
floor ceil round min max pow assert assert_equal assert_true assert_false
performance_now now""".split()


# --------------------------------------------------------------------------
# registry and argument counts


def test_every_core_builtin_is_registered():
    assert set(CORE_NAMES) <= set(BUILTINS)
    assert "throw" not in BUILTINS
    for name, builtin in BUILTINS.items():
        assert isinstance(builtin, Builtin) and builtin.name == name


def test_arity_messages():
    assert arity_message("len", (1,), 2) == "len() expects 1 argument, got 2"
    assert arity_message("pow", (2,), 1) == "pow() expects 2 arguments, got 1"
    assert arity_message("now", (0,), 1) == "now() expects 0 arguments, got 1"
    assert arity_message("range", (1, 2, 3), 0) == "range() expects 1-3 arguments, got 0"
    assert arity_message("f", (1, 3), 2) == "f() expects 1 or 3 arguments, got 2"


@pytest.mark.parametrize("name", sorted(set(CORE_NAMES) - {"print"}))
def test_wrong_argument_count_is_an_error(name):
    arities = BUILTINS[name].arities
    assert arities
    bad = max(arities) + 1
    with raises(arity_message(name, arities, bad)):
        call(name, *([1] * bad))


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("len", [], "len() expects 1 argument, got 0"),
        ("len", [1, 2], "len() expects 1 argument, got 2"),
        ("push", [[]], "push() expects 2 arguments, got 1"),
        ("append", [[]], "append() expects 2 arguments, got 1"),
        ("str", [], "str() expects 1 argument, got 0"),
        ("range", [], "range() expects 1-3 arguments, got 0"),
        ("range", [1, 2, 3, 4], "range() expects 1-3 arguments, got 4"),
        ("assert", [], "assert() expects 1-2 arguments, got 0"),
        ("performance_now", [1], "performance_now() expects 0 arguments, got 1"),
    ],
)
def test_arity_errors(name, args, message):
    with raises(message):
        call(name, *args)


# --------------------------------------------------------------------------
# output and conversion


def test_print():
    ctx = FakeCtx()
    assert call("print", "a", 1, 2.0, [1, "x"], {"k": None}, True, ctx=ctx) is None
    assert call("print", ctx=ctx) is None
    assert ctx.output == ['a 1 2 [1, x] {"k": null} true\n', "\n"]


def test_to_string_and_str():
    for name in ("to_string", "str"):
        assert call(name, 1.5) == "1.5"
        assert call(name, 3.0) == "3"
        assert call(name, [1, "a"]) == "[1, a]"
        assert call(name, None) == "null"
        assert call(name, "s") == "s"


@pytest.mark.parametrize(
    "value, name",
    [(1, "int"), (1.0, "float"), ("", "string"), (False, "bool"), (None, "null"),
     ([], "array"), ({}, "dict"), (StructValue(POINT, {}), "struct"),
     (make_error_value("m", [], 1), "error")],
)
def test_type(value, name):
    assert call("type", value) == name


def test_type_of_a_builtin_is_function():
    assert call("type", BUILTINS["len"]) == "function"


@pytest.mark.parametrize(
    "value, result",
    [
        (7, 7),
        (3.99, 3),
        (-3.99, -3),
        (-0.5, 0),
        ("42", 42),
        ("  -17 ", -17),
        ("+5", 5),
        ("9223372036854775807", INT_MAX),
        ("-9223372036854775808", INT_MIN),
        (True, 1),
        (False, 0),
        (9.2e18, 9200000000000000000),
    ],
)
def test_to_int(value, result):
    v = call("to_int", value)
    assert v == result and type(v) is int


@pytest.mark.parametrize(
    "value, message",
    [
        ("x", "Cannot convert 'x' to int"),
        ("1.5", "Cannot convert '1.5' to int"),
        ("", "Cannot convert '' to int"),
        ("1_000", "Cannot convert '1_000' to int"),
        ("٣", "Cannot convert '٣' to int"),
        ("9223372036854775808", "Cannot convert '9223372036854775808' to int"),
        ([1], "Cannot convert array to int"),
        ({}, "Cannot convert dict to int"),
        (None, "Cannot convert null to int"),
        (NAN, "Cannot convert NaN to int"),
        (INF, "Cannot convert inf to int"),
        (1e19, "Cannot convert 10000000000000000000 to int"),
    ],
)
def test_to_int_errors(value, message):
    with raises(message):
        call("to_int", value)


@pytest.mark.parametrize(
    "value, result",
    [
        (3, 3.0),
        (2.5, 2.5),
        ("2.5", 2.5),
        (" 1e3 ", 1000.0),
        ("-.5", -0.5),
        ("7.", 7.0),
        ("42", 42.0),
        ("inf", INF),
        ("-Infinity", -INF),
        ("NaN", NAN),
        (True, 1.0),
        (False, 0.0),
    ],
)
def test_to_float(value, result):
    assert is_float(call("to_float", value), result)


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", "Cannot convert 'abc' to float"),
        ("1_0", "Cannot convert '1_0' to float"),
        (".", "Cannot convert '.' to float"),
        ("1e", "Cannot convert '1e' to float"),
        (None, "Cannot convert null to float"),
        ([], "Cannot convert array to float"),
    ],
)
def test_to_float_errors(value, message):
    with raises(message):
        call("to_float", value)


@pytest.mark.parametrize(
    "value, result",
    [
        (True, True), (False, False), (1, True), (0, False), (0.0, False), (0.1, True),
        ("yes", True), ("", False), ("false", False), ("FALSE", False), ("0", False),
        ("true", True), (None, False), ([], False), ([0], True), ({}, False),
        ({"a": 1}, True), (StructValue(POINT, {}), True),
    ],
)
def test_to_bool(value, result):
    assert call("to_bool", value) is result


def test_parse_int_and_parse_float():
    assert call("parse_int", " 12 ") == 12
    assert call("parse_int", "-3") == -3
    assert is_float(call("parse_float", "3.25"), 3.25)
    assert is_float(call("parse_float", " -2 "), -2.0)
    with raises("Cannot parse 'abc' as integer"):
        call("parse_int", "abc")
    with raises("Cannot parse '1.5' as integer"):
        call("parse_int", "1.5")
    with raises("Cannot parse 'x1' as float"):
        call("parse_float", "x1")
    with raises("parse_int() expects a string, got int"):
        call("parse_int", 5)
    with raises("parse_float() expects a string, got float"):
        call("parse_float", 5.0)


# --------------------------------------------------------------------------
# collections


def test_len():
    assert call("len", "héllo") == 5  # characters, not bytes
    assert call("len", "") == 0
    assert call("len", [1, [2, 3]]) == 2
    assert call("len", {"a": 1, "b": 2}) == 2
    with raises("len() expects a string, array or dict, got int"):
        call("len", 5)
    with raises("len() expects a string, array or dict, got null"):
        call("len", None)


@pytest.mark.parametrize(
    "args, result",
    [
        ([5], [0, 1, 2, 3, 4]),
        ([0], []),
        ([-3], []),
        ([2, 5], [2, 3, 4]),
        ([5, 2], []),
        ([0, 10, 3], [0, 3, 6, 9]),
        ([10, 0, -3], [10, 7, 4, 1]),
        ([0, 5, -1], []),
        ([-2, 2], [-2, -1, 0, 1]),
        ([3.7], [0, 1, 2]),
    ],
)
def test_range(args, result):
    assert call("range", *args) == result


def test_range_errors():
    with raises("range() step cannot be zero"):
        call("range", 0, 10, 0)
    with raises("range() expects an int as argument 1, got string"):
        call("range", "5")
    with raises("range() expects an int as argument 2, got null"):
        call("range", 0, None)
    with raises("range() expects an int as argument 1, got float"):
        call("range", NAN)
    with raises(f"range() result too large: {MAX_RESULT_LEN + 1} elements"):
        call("range", MAX_RESULT_LEN + 1)


def test_range_near_i64_limits():
    assert call("range", INT_MAX - 2, INT_MAX) == [INT_MAX - 2, INT_MAX - 1]
    assert call("range", INT_MIN, INT_MIN + 4, 3) == [INT_MIN, INT_MIN + 3]


@pytest.mark.parametrize("name", ["push", "append"])
def test_push_returns_a_new_array(name):
    arr = [1, [2]]
    result = call(name, arr, 3)
    assert result == [1, [2], 3]
    assert result is not arr
    assert arr == [1, [2]]
    with raises(f"{name}() expects an array as argument 1, got string"):
        call(name, "abc", 1)


def test_pop():
    arr = [1, 2, 3]
    new, popped = call("pop", arr)
    assert new == [1, 2] and popped == 3
    assert arr == [1, 2, 3]
    assert call("pop", []) == [[], None]
    with raises("pop() expects an array, got dict"):
        call("pop", {})


def test_keys_and_values_sorted_by_key():
    d = {"b": 2, "c": [3], "a": 1}
    assert call("keys", d) == ["a", "b", "c"]
    assert call("values", d) == [1, 2, [3]]
    assert list(d) == ["b", "c", "a"]
    assert call("keys", {}) == [] and call("values", {}) == []
    with raises("keys() expects a dict, got array"):
        call("keys", [])
    with raises("values() expects a dict, got string"):
        call("values", "ab")


def test_has_key():
    d = {"a": 1, "2": None}
    # 1/0, ints, as the reference gives them
    assert call("has_key", d, "a") == 1 and type(call("has_key", d, "a")) is int
    assert call("has_key", d, "z") == 0
    assert call("has_key", d, 2) == 1
    assert call("has_key", d, 2.0) == 0
    with raises("has_key() expects a dict as argument 1, got array"):
        call("has_key", ["a"], "a")


def test_contains():
    assert call("contains", [1, "a", [2]], [2]) is True
    assert call("contains", [1, 2], 2.0) is True
    assert call("contains", [1, 2], True) is False
    assert call("contains", [], None) is False
    assert call("contains", "hello", "ell") == 1   # on strings 1/0, as the reference
    assert call("contains", "hello", "") == 1
    assert call("contains", "hello", "x") == 0 and type(call("contains", "hello", "x")) is int
    assert call("contains", {"a": 1, "3": 0}, "a") is True
    assert call("contains", {"a": 1, "3": 0}, 3) is True
    assert call("contains", {"a": 1}, 1) is False
    with raises("contains() expects a string as argument 2, got int"):
        call("contains", "abc", 1)
    with raises("contains() expects an array, string or dict as argument 1, got int"):
        call("contains", 5, 5)


def test_index_of():
    assert call("index_of", [5, 6, 7, 6], 6) == 1
    assert call("index_of", [5, 6], 9) == -1
    assert call("index_of", [1, [2]], [2.0]) == 1
    assert call("index_of", "héllo", "l") == 2  # characters, not bytes
    assert call("index_of", "hello", "z") == -1
    assert call("index_of", "hello", "") == 0
    with raises("index_of() expects a string as argument 2, got null"):
        call("index_of", "abc", None)
    with raises("index_of() expects an array or string as argument 1, got dict"):
        call("index_of", {}, "a")


@pytest.mark.parametrize(
    "coll, start, end, result",
    [
        ([1, 2, 3, 4], 1, 3, [2, 3]),
        ([1, 2, 3, 4], 0, 10, [1, 2, 3, 4]),
        ([1, 2, 3, 4], 3, 1, []),
        ([1, 2, 3, 4], 5, 9, []),
        ([1, 2, 3, 4], -2, 4, [3, 4]),
        ([1, 2, 3, 4], 1, -1, [2, 3]),
        ([1, 2, 3, 4], -10, 2, [1, 2]),
        ([], 0, 0, []),
        ("héllo", 1, 3, "él"),
        ("hello", -3, 5, "llo"),
        ("hello", 2.9, 4.2, "ll"),
    ],
)
def test_slice(coll, start, end, result):
    before = copy.deepcopy(coll)
    assert call("slice", coll, start, end) == result
    assert coll == before


def test_slice_errors():
    with raises("slice() expects an array or string as argument 1, got int"):
        call("slice", 5, 0, 1)
    with raises("slice() expects an int as argument 2, got string"):
        call("slice", [1], "0", 1)
    with raises("slice() expects an int as argument 3, got null"):
        call("slice", [1], 0, None)


# --------------------------------------------------------------------------
# strings


def test_split_and_join():
    assert call("split", "a,b,,c", ",") == ["a", "b", "", "c"]
    assert call("split", "abc", "") == ["a", "b", "c"]
    assert call("split", "", ",") == [""]
    assert call("split", "a--b", "--") == ["a", "b"]
    assert call("join", ["a", 1, 2.0, True, None, [1]], "-") == "a-1-2-true-null-[1]"
    assert call("join", [], ", ") == ""
    with raises("split() expects a string as argument 2, got int"):
        call("split", "a", 1)
    with raises("split() expects a string as argument 1, got array"):
        call("split", [], ",")
    with raises("join() expects an array as argument 1, got string"):
        call("join", "abc", ",")
    with raises("join() expects a string as argument 2, got int"):
        call("join", [], 1)


def test_case_and_trim():
    assert call("trim", "  a b \n\t") == "a b"
    assert call("trim", "\u3000\xa0x\u2029") == "x"  # Unicode whitespace, as Rust
    assert call("trim", "\x1fx\x1f") == "\x1fx\x1f"  # not whitespace in Rust
    assert call("to_upper", "straße") == "STRASSE"
    assert call("to_lower", "ÀBC") == "àbc"
    assert call("capitalize", "hELLO world") == "Hello world"
    assert call("capitalize", "") == ""
    assert call("capitalize", "éa") == "Éa"
    for name in ("trim", "to_upper", "to_lower", "capitalize"):
        with raises(f"{name}() expects a string, got int"):
            call(name, 1)


@pytest.mark.parametrize(
    "text, start, end, result",
    [
        ("hello", 1, 4, "ell"),
        ("hello", 0, 99, "hello"),
        ("hello", 9, 12, ""),
        ("hello", 3, 1, ""),
        ("héllo", 1, 2, "é"),
        ("hello", -3, -1, "ll"),
    ],
)
def test_substring(text, start, end, result):
    assert call("substring", text, start, end) == result


def test_substring_errors():
    with raises("substring() expects a string as argument 1, got array"):
        call("substring", [1], 0, 1)
    with raises("substring() expects an int as argument 2, got string"):
        call("substring", "abc", "0", 1)


def test_starts_ends_with_and_replace():
    assert call("starts_with", "hello", "he") is True
    assert call("starts_with", "hello", "lo") is False
    assert call("ends_with", "hello", "lo") is True
    assert call("ends_with", "hello", "") is True
    assert call("replace", "a-b-c", "-", "+") == "a+b+c"
    assert call("replace", "abc", "", "-") == "-a-b-c-"
    with raises("starts_with() expects a string as argument 2, got int"):
        call("starts_with", "a", 1)
    with raises("ends_with() expects a string as argument 1, got null"):
        call("ends_with", None, "a")
    with raises("replace() expects a string as argument 3, got int"):
        call("replace", "a", "a", 1)


def test_repeat():
    assert call("repeat", "ab", 3) == "ababab"
    assert call("repeat", "ab", 0) == ""
    assert call("repeat", "ab", -2) == ""
    assert call("repeat", "x", 2.9) == "xx"
    with raises("repeat() expects an int as argument 2, got string"):
        call("repeat", "ab", "3")
    with raises("repeat() expects a string as argument 1, got int"):
        call("repeat", 3, 3)
    with raises(f"repeat() result too large: {2 * INT_MAX} elements"):
        call("repeat", "ab", INT_MAX)


# --------------------------------------------------------------------------
# math


@pytest.mark.parametrize(
    "name, arg, result",
    [
        ("abs", -3, 3.0),
        ("abs", 2.5, 2.5),
        ("abs", INT_MIN, 9.223372036854775808e18),
        ("sqrt", 16, 4.0),
        ("sqrt", 2.25, 1.5),
        ("sqrt", -0.0, -0.0),
        ("floor", 2.7, 2.0),
        ("floor", -2.1, -3.0),
        ("floor", 5, 5.0),
        ("floor", -0.0, -0.0),
        ("ceil", 2.1, 3.0),
        ("ceil", -2.7, -2.0),
        ("ceil", -0.5, -0.0),
        ("round", 2.5, 3.0),
        ("round", 3.5, 4.0),
        ("round", -2.5, -3.0),
        ("round", 2.4999, 2.0),
        ("round", 0.49999999999999994, 0.0),
        ("round", -0.3, -0.0),
        ("round", 7, 7.0),
        ("round", 4503599627370497.0, 4503599627370497.0),
        ("floor", INF, INF),
        ("ceil", -INF, -INF),
        ("round", NAN, NAN),
        ("sqrt", INF, INF),
    ],
)
def test_one_argument_math_returns_float(name, arg, result):
    assert is_float(call(name, arg), result)


@pytest.mark.parametrize(
    "name, a, b, result",
    [
        ("min", 3, 5, 3.0),
        ("min", 2.5, -1, -1.0),
        ("max", 3, 5, 5.0),
        ("max", -2.5, -3, -2.5),
        ("min", NAN, 1, 1.0),
        ("max", 1, NAN, 1.0),
        ("pow", 2, 10, 1024.0),
        ("pow", 4, 0.5, 2.0),
        ("pow", 2, -1, 0.5),
        ("pow", 0, 0, 1.0),
        ("pow", 10, 400, INF),
        ("pow", -10, 401, -INF),
        ("pow", 0.0, -1, INF),
        ("pow", -0.0, -1, -INF),
        ("pow", -8, 1 / 3, NAN),
    ],
)
def test_two_argument_math_returns_float(name, a, b, result):
    assert is_float(call(name, a, b), result)


def test_math_errors():
    with raises("sqrt() domain error: value must be >= 0"):
        call("sqrt", -4)
    with raises("abs() expects a number, got string"):
        call("abs", "1")
    with raises("floor() expects a number, got bool"):
        call("floor", True)
    with raises("pow() expects a number as argument 2, got string"):
        call("pow", 2, "bad")
    with raises("min() expects a number as argument 1, got null"):
        call("min", None, 1)


# --------------------------------------------------------------------------
# checks


def test_assert():
    assert call("assert", True) is True
    assert call("assert", 1, "unused") is True
    assert call("assert", [0]) is True
    with raises("Assertion failed"):
        call("assert", False)
    with raises("Assertion failed"):
        call("assert", "")
    with raises("x must be positive"):
        call("assert", 0, "x must be positive")
    with raises("42"):
        call("assert", None, 42)


def test_assert_equal():
    assert call("assert_equal", 10, 10) is True
    assert call("assert_equal", 0.1 + 0.2, 0.3) is True
    assert call("assert_equal", [1, {"a": 2}], [1.0, {"a": 2}]) is True
    with raises("Assertion failed: expected Int(10), got Int(5)"):
        call("assert_equal", 5, 10)
    with raises('Assertion failed: expected String("hi"), got Float(2.5)'):
        call("assert_equal", 2.5, "hi")
    with raises("Assertion failed: expected Int(1), got Bool(true)"):
        call("assert_equal", True, 1)
    with raises("Assertion failed: expected Array[Int(1), Int(2)], got Null"):
        call("assert_equal", None, [1, 2])


def test_assert_true_and_false():
    assert call("assert_true", True) is True
    assert call("assert_false", False) is True
    with raises("Assertion failed: expected true, got false"):
        call("assert_true", False)
    with raises("Assertion failed: expected false, got true"):
        call("assert_false", True)
    with raises("assert_true() expects a bool, got int"):
        call("assert_true", 1)
    with raises("assert_false() expects a bool, got null"):
        call("assert_false", None)


# --------------------------------------------------------------------------
# time


def test_performance_now_uses_the_context_clock():
    value = call("performance_now", ctx=FakeCtx(ms=1234))
    assert value == 1234.0 and type(value) is float


def test_now_is_seconds_since_the_epoch():
    before = time.time()
    value = call("now")
    assert type(value) is float and before - 1 <= value <= time.time() + 1


# --------------------------------------------------------------------------
# copy-on-write safety: no builtin mutates its arguments


SAMPLE_CALLS = [
    ("print", [[1, [2]], {"a": [3]}]),
    ("to_string", [{"b": [1], "a": 2}]),
    ("len", [[1, 2]]),
    ("push", [[1, [2]], [3]]),
    ("append", [[1], 2]),
    ("pop", [[1, [2]]]),
    ("keys", [{"b": 1, "a": [2]}]),
    ("values", [{"b": 1, "a": [2]}]),
    ("has_key", [{"a": 1}, "a"]),
    ("contains", [[[1], 2], [1]]),
    ("contains", [{"a": 1}, "a"]),
    ("index_of", [[[1], 2], 2]),
    ("slice", [[1, [2], 3], 0, 2]),
    ("join", [[1, [2]], ","]),
    ("assert_equal", [[1, {"a": 2}], [1, {"a": 2}]]),
    ("type", [[1]]),
    ("to_bool", [{"a": 1}]),
]


@pytest.mark.parametrize("name, args", SAMPLE_CALLS)
def test_builtins_do_not_mutate_arguments(name, args):
    before = copy.deepcopy(args)
    originals = [id(arg) for arg in args]
    result = call(name, *args)
    assert args == before
    assert [id(arg) for arg in args] == originals
    # A returned container must not alias an argument the VM may share.
    if type(result) in (list, dict):
        assert all(result is not arg for arg in args)
