"""Unit tests for ruffdbg.core.values: printing, equality, arithmetic, indexing."""

from __future__ import annotations

import copy
import math
import re
import sys
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruffdbg.core.errors import RuffError
from ruffdbg.core.objects import (
    Builtin,
    Function,
    StructType,
    StructValue,
    make_error_value,
)
from ruffdbg.core.values import (
    BINARY_OPS,
    COMPARE_OPS,
    INT_MAX,
    INT_MIN,
    binary_op,
    compare_op,
    debug_repr,
    field_get,
    field_set,
    format_float,
    index_get,
    index_set,
    is_truthy,
    iterate,
    to_string,
    type_name,
    unary_op,
    values_equal,
)

NAN = math.nan
INF = math.inf
EPS = sys.float_info.epsilon


class FakeCode:
    def __init__(self, name: str):
        self.name = name


POINT = StructType("Point", ["x", "y"])
EMPTY = StructType("Empty", [])


def point(x, y) -> StructValue:
    return StructValue(POINT, {"x": x, "y": y})


def raises(message: str):
    """pytest.raises for a RuffError with exactly this message."""
    return pytest.raises(RuffError, match="^" + re.escape(message) + "$")


# --------------------------------------------------------------------------
# type_name


@pytest.mark.parametrize(
    "value, name",
    [
        (1, "int"),
        (1.5, "float"),
        ("s", "string"),
        (True, "bool"),
        (False, "bool"),
        (None, "null"),
        ([1], "array"),
        ({}, "dict"),
        (Function(FakeCode("f")), "function"),
        (Builtin("len", lambda ctx, args: 0), "function"),
        (point(1, 2), "struct"),
        (make_error_value("boom", [], 3), "error"),
    ],
)
def test_type_name(value, name):
    assert type_name(value) == name


# --------------------------------------------------------------------------
# format_float


@pytest.mark.parametrize(
    "x, text",
    [
        (1.0, "1"),
        (0.0, "0"),
        (-0.0, "-0"),
        (2.5, "2.5"),
        (-2.5, "-2.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1000000000000000000000"),
        (1e16, "10000000000000000"),
        (1.5e16, "15000000000000000"),
        (123456789012345678901234.0, "123456789012345690000000"),
        (1e-7, "0.0000001"),
        (-1.25e-10, "-0.000000000125"),
        (1.5e-5, "0.000015"),
        (0.0001, "0.0001"),
        (100.0, "100"),
        (NAN, "NaN"),
        (INF, "inf"),
        (-INF, "-inf"),
        (5e-324, "0." + "0" * 323 + "5"),
        (sys.float_info.max, "17976931348623157" + "0" * 292),
    ],
)
def test_format_float(x, text):
    assert format_float(x) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_float_round_trips_without_exponent(x):
    text = format_float(x)
    assert "e" not in text and "E" not in text
    assert not text.endswith(".0")
    assert float(text) == x
    assert math.copysign(1, float(text)) == math.copysign(1, x)


# --------------------------------------------------------------------------
# to_string


def test_to_string_scalars():
    assert to_string("hi") == "hi"
    assert to_string(42) == "42"
    assert to_string(-9223372036854775808) == "-9223372036854775808"
    assert to_string(2.0) == "2"
    assert to_string(True) == "true"
    assert to_string(False) == "false"
    assert to_string(None) == "null"


def test_to_string_collections():
    assert to_string([1, "hello", 2.5]) == "[1, hello, 2.5]"
    assert to_string([]) == "[]"
    assert to_string({}) == "{}"
    assert to_string({"name": "Alice", "age": 30}) == '{"age": 30, "name": Alice}'
    assert to_string([[1, 2], {"a": [True, None]}]) == '[[1, 2], {"a": [true, null]}]'


def test_to_string_structs_sort_fields():
    v = StructValue(POINT, {"y": 2, "x": 1.0})
    assert to_string(v) == "Point { x: 1, y: 2 }"
    assert to_string(StructValue(EMPTY, {})) == "Empty {}"
    assert to_string([point("a", [1])]) == "[Point { x: a, y: [1] }]"


def test_to_string_error_value():
    err = make_error_value("boom", ["main", "f"], 7)
    assert to_string(err) == "Error { line: 7, message: boom, stack: [main, f] }"


def test_to_string_functions():
    assert to_string(Function(FakeCode("add"))) == "<function add>"
    assert to_string(Builtin("len", lambda ctx, args: 0)) == "<builtin len>"


# --------------------------------------------------------------------------
# debug_repr


@pytest.mark.parametrize(
    "value, text",
    [
        (10, "Int(10)"),
        (2.5, "Float(2.5)"),
        (1.0, "Float(1)"),
        ("hi", 'String("hi")'),
        (True, "Bool(true)"),
        (False, "Bool(false)"),
        (None, "Null"),
        ([1, 2], "Array[Int(1), Int(2)]"),
        ([], "Array[]"),
        ({"b": 1, "a": "x"}, 'Dict{a: String("x"), b: Int(1)}'),
        (point(1, 2), "Struct(Point { x: Int(1), y: Int(2) })"),
        (StructValue(EMPTY, {}), "Struct(Empty)"),
        (make_error_value("boom", [], 1), 'ErrorObject("boom")'),
        (Function(FakeCode("f")), "Function(f)"),
        (Builtin("len", lambda ctx, args: 0), "NativeFunction(len)"),
    ],
)
def test_debug_repr(value, text):
    assert debug_repr(value) == text


# --------------------------------------------------------------------------
# truthiness


@pytest.mark.parametrize("value", [False, None, 0, 0.0, -0.0, "", [], {}])
def test_falsy(value):
    assert is_truthy(value) is False


@pytest.mark.parametrize(
    "value",
    [True, 1, -1, 0.5, NAN, "false", "0", [0], {"a": 0}, Function(FakeCode("f")), point(0, 0)],
)
def test_truthy(value):
    assert is_truthy(value) is True


# --------------------------------------------------------------------------
# equality


@pytest.mark.parametrize(
    "a, b",
    [
        (1, 1),
        (1, 1.0),
        (1.0, 1),
        (0.1 + 0.2, 0.3),
        (1.0, 1.0 + EPS / 2),
        (INF, INF),
        (-INF, -INF),
        (0.0, -0.0),
        ("a", "a"),
        (True, True),
        (None, None),
        ([1, [2, "x"]], [1.0, [2, "x"]]),
        ({"a": [1], "b": None}, {"b": None, "a": [1]}),
        (point(1, 2), point(1, 2.0)),
        (StructValue(StructType("Point", ["x", "y"]), {"x": 1, "y": 2}), point(1, 2)),
    ],
)
def test_equal(a, b):
    assert values_equal(a, b) is True


@pytest.mark.parametrize(
    "a, b",
    [
        (True, 1),
        (1, True),
        (False, 0),
        (0, None),
        ("1", 1),
        (1.0, 1.0 + 2 * EPS),
        (NAN, NAN),
        (NAN, 1.0),
        (INF, -INF),
        (INF, 1e308),
        ([1, 2], [1, 2, 3]),
        ([1, 2], [2, 1]),
        ({"a": 1}, {"a": 2}),
        ({"a": 1}, {"b": 1}),
        ({"a": None}, {}),
        ([], {}),
        (point(1, 2), point(1, 3)),
        (point(1, 2), StructValue(StructType("Other", ["x", "y"]), {"x": 1, "y": 2})),
        (point(1, 2), {"x": 1, "y": 2}),
    ],
)
def test_not_equal(a, b):
    assert values_equal(a, b) is False


def test_functions_compare_by_identity():
    f = Function(FakeCode("f"))
    g = Function(FakeCode("f"))
    assert values_equal(f, f) and not values_equal(f, g)
    b = Builtin("len", lambda ctx, args: 0)
    assert values_equal(b, b) and not values_equal(b, Builtin("len", b.fn))


# --------------------------------------------------------------------------
# arithmetic


@pytest.mark.parametrize(
    "op, a, b, result",
    [
        ("+", 2, 3, 5),
        ("-", 2, 3, -1),
        ("*", -4, 3, -12),
        ("/", 7, 2, 3),
        ("/", -7, 2, -3),
        ("/", 7, -2, -3),
        ("/", -7, -2, 3),
        ("/", 6, 3, 2),
        ("%", 7, 2, 1),
        ("%", -7, 2, -1),
        ("%", 7, -2, 1),
        ("%", -7, -2, -1),
        ("%", 6, 3, 0),
        ("+", INT_MAX, 0, INT_MAX),
        ("-", INT_MIN, 0, INT_MIN),
        ("*", INT_MIN, 1, INT_MIN),
        ("/", INT_MIN, 1, INT_MIN),
        ("/", INT_MIN, 2, -(2**62)),
        ("%", INT_MIN, 2, 0),
        ("%", INT_MIN, INT_MAX, -1),
        ("+", "ab", "cd", "abcd"),
        ("+", "", "", ""),
    ],
)
def test_int_and_string_arithmetic(op, a, b, result):
    value = binary_op(op, a, b)
    assert value == result and type(value) is type(result)


@pytest.mark.parametrize(
    "op, a, b, result",
    [
        ("+", 1, 0.5, 1.5),
        ("+", 0.5, 1, 1.5),
        ("-", 1.5, 2, -0.5),
        ("*", 2, 1.5, 3.0),
        ("/", 7, 2.0, 3.5),
        ("/", -7.0, 2, -3.5),
        ("%", 7.5, 2, 1.5),
        ("%", -7.5, 2, -1.5),
        ("%", 7.5, -2, 1.5),
        ("+", 1e308, 1e308, INF),
        ("/", 1e308, 1e-10, INF),
        ("*", INF, -1, -INF),
    ],
)
def test_float_arithmetic(op, a, b, result):
    value = binary_op(op, a, b)
    assert type(value) is float and value == result


def test_float_nan_results():
    assert math.isnan(binary_op("-", INF, INF))
    assert math.isnan(binary_op("%", INF, 2.0))
    assert math.isnan(binary_op("+", NAN, 1))


def test_int_to_float_keeps_sign_of_zero():
    assert math.copysign(1, binary_op("*", -1, 0.0)) == -1


@pytest.mark.parametrize(
    "op, a, b, message",
    [
        ("+", INT_MAX, 1, "Integer overflow: 9223372036854775807 + 1"),
        ("-", INT_MIN, 1, "Integer overflow: -9223372036854775808 - 1"),
        ("*", INT_MAX, 2, "Integer overflow: 9223372036854775807 * 2"),
        ("*", INT_MIN, -1, "Integer overflow: -9223372036854775808 * -1"),
        ("/", INT_MIN, -1, "Integer overflow: -9223372036854775808 / -1"),
        ("%", INT_MIN, -1, "Integer overflow: -9223372036854775808 % -1"),
        ("/", 1, 0, "Division by zero"),
        ("%", 1, 0, "Modulo by zero"),
        ("/", 1.5, 0, "Division by zero"),
        ("/", 1, 0.0, "Division by zero"),
        ("/", 1.0, -0.0, "Division by zero"),
        ("%", 1.5, 0.0, "Modulo by zero"),
        ("%", 3, 0.0, "Modulo by zero"),
        ("+", "n=", 5, "Invalid binary operation: string + int"),
        ("+", 5, "x", "Invalid binary operation: int + string"),
        ("-", "a", "b", "Invalid binary operation: string - string"),
        ("*", "a", 3, "Invalid binary operation: string * int"),
        ("+", True, 1, "Invalid binary operation: bool + int"),
        ("+", [1], [2], "Invalid binary operation: array + array"),
        ("+", None, 1, "Invalid binary operation: null + int"),
        ("/", {}, 1.0, "Invalid binary operation: dict / float"),
        ("%", point(1, 2), 1, "Invalid binary operation: struct % int"),
    ],
)
def test_arithmetic_errors(op, a, b, message):
    with raises(message):
        binary_op(op, a, b)


def test_binary_ops_table_matches_binary_op():
    assert set(BINARY_OPS) == {"+", "-", "*", "/", "%"}
    assert BINARY_OPS["+"](2, 3) == 5


I64 = st.integers(min_value=INT_MIN, max_value=INT_MAX)


def _truncating(op: str, a: int, b: int) -> int:
    """Rust's i64 semantics computed with exact rationals."""
    if op == "/":
        q = Fraction(a, b)
        return math.trunc(q)
    if op == "%":
        return a - b * math.trunc(Fraction(a, b))
    return {"+": a + b, "-": a - b, "*": a * b}[op]


@given(st.sampled_from(["+", "-", "*", "/", "%"]), I64, I64)
def test_int_arithmetic_matches_checked_i64(op, a, b):
    if b == 0 and op in "/%":
        with pytest.raises(RuffError):
            binary_op(op, a, b)
        return
    expected = _truncating(op, a, b)
    overflow = not INT_MIN <= expected <= INT_MAX or (op == "%" and a == INT_MIN and b == -1)
    if overflow:
        with raises(f"Integer overflow: {a} {op} {b}"):
            binary_op(op, a, b)
    else:
        assert binary_op(op, a, b) == expected


# --------------------------------------------------------------------------
# comparison


@pytest.mark.parametrize(
    "op, a, b, result",
    [
        ("<", 1, 2, True),
        ("<", 2, 1, False),
        ("<=", 2, 2, True),
        (">", 2.5, 2, True),
        (">=", 2, 2.0, True),
        ("<", -INF, INT_MIN, True),
        ("<", NAN, 1, False),
        (">", NAN, 1, False),
        ("<=", NAN, NAN, False),
        (">=", 1, NAN, False),
        ("<", "abc", "abd", True),
        ("<", "Z", "a", True),
        (">", "b", "abc", True),
        ("<=", "", "", True),
        ("<", "é", "z", False),
    ],
)
def test_compare(op, a, b, result):
    assert compare_op(op, a, b) is result
    assert COMPARE_OPS[op](a, b) is result


@pytest.mark.parametrize(
    "op, a, b, message",
    [
        ("<", True, False, "Invalid binary operation: bool < bool"),
        ("<=", 1, "1", "Invalid binary operation: int <= string"),
        (">", None, None, "Invalid binary operation: null > null"),
        (">=", [1], [2], "Invalid binary operation: array >= array"),
        ("<", True, 1, "Invalid binary operation: bool < int"),
    ],
)
def test_compare_errors(op, a, b, message):
    with raises(message):
        compare_op(op, a, b)


# --------------------------------------------------------------------------
# unary


def test_unary():
    assert unary_op("-", 5) == -5
    assert unary_op("-", INT_MAX) == -INT_MAX
    assert unary_op("-", 2.5) == -2.5
    assert math.copysign(1, unary_op("-", 0.0)) == -1
    assert unary_op("!", True) is False
    assert unary_op("!", False) is True


@pytest.mark.parametrize(
    "op, v, message",
    [
        ("-", INT_MIN, "Integer overflow: -(-9223372036854775808)"),
        ("-", "x", "Invalid unary operation: - string"),
        ("-", True, "Invalid unary operation: - bool"),
        ("-", None, "Invalid unary operation: - null"),
        ("!", 1, "Invalid unary operation: ! int"),
        ("!", "", "Invalid unary operation: ! string"),
        ("!", None, "Invalid unary operation: ! null"),
    ],
)
def test_unary_errors(op, v, message):
    with raises(message):
        unary_op(op, v)


# --------------------------------------------------------------------------
# indexing


def test_index_get_arrays_and_strings():
    arr = [10, 20, 30]
    assert index_get(arr, 0) == 10
    assert index_get(arr, 2) == 30
    assert index_get(arr, -1) == 30
    assert index_get(arr, -3) == 10
    assert index_get("héllo", 1) == "é"
    assert index_get("abc", -1) == "c"


@pytest.mark.parametrize(
    "obj, idx, message",
    [
        ([1, 2, 3], 3, "Index out of bounds: 3"),
        ([1, 2, 3], -4, "Index out of bounds: -4"),
        ([], 0, "Index out of bounds: 0"),
        ("abc", 5, "Index out of bounds: 5"),
        ("", -1, "Index out of bounds: -1"),
        ([1], INT_MAX, f"Index out of bounds: {INT_MAX}"),
        ([1], INT_MIN, f"Index out of bounds: {INT_MIN}"),
        ({"a": 1}, "b", 'Missing map key: "b"'),
        ({"a": 1}, 5, 'Missing map key: "5"'),
        ([1], "0", "Cannot index array with string"),
        ([1], 0.0, "Cannot index array with float"),
        ([1], True, "Cannot index array with bool"),
        ("abc", None, "Cannot index string with null"),
        ({"a": 1}, 1.5, "Cannot index dict with float"),
        ({"a": 1}, True, "Cannot index dict with bool"),
        (5, 0, "Cannot index int"),
        (None, 0, "Cannot index null"),
        (point(1, 2), "x", "Cannot index struct"),
    ],
)
def test_index_get_errors(obj, idx, message):
    with raises(message):
        index_get(obj, idx)


def test_index_get_dict_int_key_is_its_decimal_text():
    d = {"1": "one", "-2": "minus two", "k": 0}
    assert index_get(d, 1) == "one"
    assert index_get(d, -2) == "minus two"
    assert index_get(d, "k") == 0


def test_index_set_in_place():
    arr = [1, 2, 3]
    index_set(arr, 0, "x")
    index_set(arr, -1, "z")
    assert arr == ["x", 2, "z"]
    d = {"a": 1, "b": 2}
    index_set(d, "a", 10)
    index_set(d, 7, "seven")
    index_set(d, "c", 3)
    assert d == {"a": 10, "b": 2, "7": "seven", "c": 3}
    assert list(d) == ["a", "b", "7", "c"]  # insertion order kept


@pytest.mark.parametrize(
    "obj, idx, message",
    [
        ([1, 2], 2, "Index out of bounds: 2"),
        ([1, 2], -3, "Index out of bounds: -3"),
        ([], 0, "Index out of bounds: 0"),
        ([1], "0", "Cannot index array with string"),
        ({}, 1.0, "Cannot index dict with float"),
        ("abc", 0, "Cannot assign to index of string: strings are immutable"),
        (5, 0, "Cannot assign to index of int"),
        (None, "a", "Cannot assign to index of null"),
    ],
)
def test_index_set_errors(obj, idx, message):
    before = copy.deepcopy(obj)
    with raises(message):
        index_set(obj, idx, 99)
    assert obj == before


# --------------------------------------------------------------------------
# fields


def test_field_get_and_set():
    p = point(1, 2)
    assert field_get(p, "x") == 1
    field_set(p, "y", 5)
    assert p.fields == {"x": 1, "y": 5}


def test_field_set_declared_but_absent_field():
    p = StructValue(POINT, {"x": 1})
    field_set(p, "y", 2)
    assert field_get(p, "y") == 2


def test_error_value_fields():
    err = make_error_value("boom", ["main", "f"], 12)
    assert field_get(err, "message") == "boom"
    assert field_get(err, "stack") == ["main", "f"]
    assert field_get(err, "line") == 12


@pytest.mark.parametrize(
    "obj, name, message",
    [
        (point(1, 2), "z", "Field not found: z"),
        (5, "x", "Cannot access field or method 'x' on non-struct value"),
        ({"x": 1}, "x", "Cannot access field or method 'x' on non-struct value"),
        (None, "x", "Cannot access field or method 'x' on non-struct value"),
    ],
)
def test_field_get_errors(obj, name, message):
    with raises(message):
        field_get(obj, name)


@pytest.mark.parametrize(
    "obj, name, message",
    [
        (point(1, 2), "z", "Field not found: z"),
        ([1], "x", "Cannot set field on non-struct value"),
    ],
)
def test_field_set_errors(obj, name, message):
    with raises(message):
        field_set(obj, name, 0)


# --------------------------------------------------------------------------
# iteration


def test_iterate():
    assert list(iterate([1, 2])) == [1, 2]
    assert list(iterate("hé")) == ["h", "é"]
    assert list(iterate({"b": 1, "a": 2})) == ["b", "a"]
    assert list(iterate(3)) == [0, 1, 2]
    assert list(iterate(0)) == []
    assert list(iterate(-5)) == []
    assert len(iterate(INT_MAX)) == INT_MAX  # lazy: no giant list


def test_iterate_copies_arrays():
    arr = [1, 2]
    walked = iterate(arr)
    arr.append(3)
    assert list(walked) == [1, 2]


@pytest.mark.parametrize(
    "value, message",
    [
        (True, "Cannot iterate over bool"),
        (1.5, "Cannot iterate over float"),
        (None, "Cannot iterate over null"),
        (point(1, 2), "Cannot iterate over struct"),
    ],
)
def test_iterate_errors(value, message):
    with raises(message):
        iterate(value)
