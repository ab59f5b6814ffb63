"""Arrays and dicts beyond the core: higher-order functions (map, filter, reduce,
find, any, all, sort with a key), reshaping (chunk, flatten, zip, enumerate,
take, skip, windows), editing (insert, remove, remove_at, clear, concat) and
dict helpers (items, get, get_default, merge, invert, update).

A function argument is called through the VM (``ctx.call_function``), so a Ruff
callback runs in whatever tier its code is in; builtins may be passed too.
"""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError, RuffRuntimeError
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.core.values import debug_repr, is_truthy, to_string, values_equal
from ruffdbg.vm.builtins.registry import (
    array_arg, builtin, check_size, dict_arg, string_arg, type_error, whole_arg,
)


def function_arg(fname: str, v: Any, position: int | None = None) -> Any:
    if type(v) is Function or type(v) is Builtin:
        return v
    raise type_error(fname, "a function", v, position)


def call(ctx: Any, function: Any, args: list) -> Any:
    """Call a Ruff function or a builtin with ``args``."""
    if type(function) is Builtin:
        return function.fn(ctx, args)
    try:
        return ctx.call_function(function, args)
    except RuffRuntimeError as error:
        # The callback failed and nothing inside it caught the error: raise it again
        # as an error of this call, so a ``try`` around the builtin's caller sees it
        # (with the callback's stack, as the JIT does for errors below native code).
        raise RuffError(error.message, value=error.value, entries=error.stack) from None


@builtin("map", 2)
def _map(ctx: Any, args: list) -> list:
    """map(arr, f): [f(x) for each x]."""
    arr = array_arg("map", args[0], 1)
    f = function_arg("map", args[1], 2)
    return [call(ctx, f, [x]) for x in list(arr)]


@builtin("filter", 2)
def _filter(ctx: Any, args: list) -> list:
    """filter(arr, f): the elements for which f(x) is truthy."""
    arr = array_arg("filter", args[0], 1)
    f = function_arg("filter", args[1], 2)
    return [x for x in list(arr) if is_truthy(call(ctx, f, [x]))]


@builtin("reduce", 3)
def _reduce(ctx: Any, args: list) -> Any:
    """reduce(arr, initial, f): f(...f(f(initial, x0), x1)..., xn)."""
    arr = array_arg("reduce", args[0], 1)
    f = function_arg("reduce", args[2], 3)
    acc = args[1]
    for x in list(arr):
        acc = call(ctx, f, [acc, x])
    return acc


@builtin("find", 2)
def _find(ctx: Any, args: list) -> Any:
    """find(arr, f): the first element for which f(x) is truthy, else 0 (as the reference)."""
    arr = array_arg("find", args[0], 1)
    f = function_arg("find", args[1], 2)
    for x in list(arr):
        if is_truthy(call(ctx, f, [x])):
            return x
    return 0


@builtin("any", 2)
def _any(ctx: Any, args: list) -> bool:
    """any(arr, f): whether f(x) is truthy for some x."""
    arr = array_arg("any", args[0], 1)
    f = function_arg("any", args[1], 2)
    return any(is_truthy(call(ctx, f, [x])) for x in list(arr))


@builtin("all", 2)
def _all(ctx: Any, args: list) -> bool:
    """all(arr, f): whether f(x) is truthy for every x."""
    arr = array_arg("all", args[0], 1)
    f = function_arg("all", args[1], 2)
    return all(is_truthy(call(ctx, f, [x])) for x in list(arr))


def _natural_order(a: Any, b: Any) -> int:
    """Numbers by value, strings by code point; other pairs are left in place."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return -1 if a < b else (1 if a > b else 0)
    if ta is str and tb is str:
        return -1 if a < b else (1 if a > b else 0)
    return 0


@builtin("sort", 1, 2)
def _sort(ctx: Any, args: list) -> list:
    """sort(arr), sort(arr, cmp): a sorted copy (stable); cmp(a, b) returns a
    negative number, 0 or a positive number, or a bool "a before b"."""
    arr = array_arg("sort", args[0], 1)
    if len(args) == 1:
        return sorted(arr, key=cmp_to_key(_natural_order))
    f = function_arg("sort", args[1], 2)

    def compare(a: Any, b: Any) -> int:
        r = call(ctx, f, [a, b])
        if type(r) is bool:
            return -1 if r else (1 if is_truthy(call(ctx, f, [b, a])) else 0)
        if type(r) in (int, float):
            return -1 if r < 0 else (1 if r > 0 else 0)
        raise RuffError(f"sort() comparator must return a number or a bool, got {to_string(r)}")

    return sorted(list(arr), key=cmp_to_key(compare))


@builtin("sort_by", 2)
def _sort_by(ctx: Any, args: list) -> list:
    """sort_by(arr, key): a copy sorted by key(x) (numbers or strings)."""
    arr = array_arg("sort_by", args[0], 1)
    f = function_arg("sort_by", args[1], 2)
    keyed = [(call(ctx, f, [x]), x) for x in list(arr)]
    keyed.sort(key=cmp_to_key(lambda a, b: _natural_order(a[0], b[0])))
    return [x for _, x in keyed]


@builtin("reverse", 1)
def _reverse(ctx: Any, args: list) -> Any:
    """reverse(arr): the elements in reverse order (a string is reversed too)."""
    v = args[0]
    if type(v) is str:
        return v[::-1]
    return array_arg("reverse", v)[::-1]


@builtin("unique", 1)
def _unique(ctx: Any, args: list) -> list:
    """unique(arr): the elements without later duplicates (order kept)."""
    seen: set[str] = set()
    result = []
    for x in array_arg("unique", args[0]):
        key = debug_repr(x)
        if key not in seen:
            seen.add(key)
            result.append(x)
    return result


@builtin("sum", 1)
def _sum(ctx: Any, args: list) -> Any:
    """sum(arr): the sum of the numbers (an int unless a float is present; others skipped)."""
    total: Any = 0
    for x in array_arg("sum", args[0]):
        t = type(x)
        if t is int or t is float:
            total = total + x
    return total


@builtin("chunk", 2)
def _chunk(ctx: Any, args: list) -> list:
    """chunk(arr, n): consecutive pieces of n elements (the last may be shorter)."""
    arr = array_arg("chunk", args[0], 1)
    n = whole_arg("chunk", args[1], 2)
    if n <= 0:
        return [list(arr)]
    return [arr[i:i + n] for i in range(0, len(arr), n)]


@builtin("flatten", 1)
def _flatten(ctx: Any, args: list) -> list:
    """flatten(arr): nested arrays flattened by one level."""
    result: list = []
    for x in array_arg("flatten", args[0]):
        if type(x) in ARRAY_TYPES:
            result.extend(x)
        else:
            result.append(x)
    return result


@builtin("zip", 2)
def _zip(ctx: Any, args: list) -> list:
    """zip(a, b): [[a0, b0], [a1, b1], ...] as long as the shorter."""
    return [[x, y] for x, y in zip(array_arg("zip", args[0], 1), array_arg("zip", args[1], 2))]


@builtin("enumerate", 1)
def _enumerate(ctx: Any, args: list) -> list:
    """enumerate(arr): [[0, a0], [1, a1], ...]."""
    return [[i, x] for i, x in enumerate(array_arg("enumerate", args[0]))]


@builtin("take", 2)
def _take(ctx: Any, args: list) -> list:
    """take(arr, n): the first n elements."""
    arr = array_arg("take", args[0], 1)
    return arr[:max(whole_arg("take", args[1], 2), 0)]


@builtin("skip", 2)
def _skip(ctx: Any, args: list) -> list:
    """skip(arr, n): all but the first n elements."""
    arr = array_arg("skip", args[0], 1)
    return arr[max(whole_arg("skip", args[1], 2), 0):]


@builtin("windows", 2)
def _windows(ctx: Any, args: list) -> list:
    """windows(arr, n): every run of n consecutive elements."""
    arr = array_arg("windows", args[0], 1)
    n = whole_arg("windows", args[1], 2)
    if n <= 0 or len(arr) < n:
        return []
    check_size("windows", (len(arr) - n + 1) * n)
    return [arr[i:i + n] for i in range(len(arr) - n + 1)]


@builtin("concat", 2)
def _concat(ctx: Any, args: list) -> list:
    """concat(a, b): a new array, a's elements then b's."""
    return array_arg("concat", args[0], 1) + array_arg("concat", args[1], 2)


@builtin("insert", 3)
def _insert(ctx: Any, args: list) -> list:
    """insert(arr, i, v): a new array with v at index i."""
    arr = array_arg("insert", args[0], 1)
    i = whole_arg("insert", args[1], 2)
    if i < 0 or i > len(arr):
        raise RuffError(f"insert() index {i} out of bounds for array of length {len(arr)}")
    return arr[:i] + [args[2]] + arr[i:]


@builtin("remove", 2)
def _remove(ctx: Any, args: list) -> list:
    """remove(arr, v): a new array without the first element equal to v;
    remove(dict, key): [new_dict, removed value (0 if absent)]."""
    v = args[0]
    if type(v) is dict:
        key = string_arg("remove", args[1], 2)
        new = dict(v)
        removed = new.pop(key, 0)
        return [new, removed]
    arr = array_arg("remove", v, 1)
    for i, x in enumerate(arr):
        if type(x) is type(args[1]) and values_equal(x, args[1]):
            return arr[:i] + arr[i + 1:]
    return list(arr)


@builtin("remove_at", 2)
def _remove_at(ctx: Any, args: list) -> list:
    """remove_at(arr, i): [new_array, removed element]."""
    arr = array_arg("remove_at", args[0], 1)
    i = whole_arg("remove_at", args[1], 2)
    if i < 0 or i >= len(arr):
        raise RuffError(f"remove_at() index {i} out of bounds for array of length {len(arr)}")
    return [arr[:i] + arr[i + 1:], arr[i]]


@builtin("clear", 1)
def _clear(ctx: Any, args: list) -> Any:
    """clear(arr or dict): an empty one of the same kind."""
    v = args[0]
    if type(v) is dict:
        return {}
    array_arg("clear", v)
    return []


# --------------------------------------------------------------------------
# Dicts


@builtin("items", 1)
def _items(ctx: Any, args: list) -> list:
    """items(d): [[key, value], ...] sorted by key."""
    d = dict_arg("items", args[0])
    return [[key, d[key]] for key in sorted(d)]


def _key(fname: str, v: Any, position: int) -> str:
    if type(v) is int:
        return str(v)
    return string_arg(fname, v, position)


@builtin("get", 2, 3)
def _get(ctx: Any, args: list) -> Any:
    """get(d, key, [default]): d[key], or default (null) when absent."""
    d = dict_arg("get", args[0], 1)
    return d.get(_key("get", args[1], 2), args[2] if len(args) > 2 else None)


@builtin("get_default", 3)
def _get_default(ctx: Any, args: list) -> Any:
    """get_default(d, key, default): d[key], or default when absent."""
    d = dict_arg("get_default", args[0], 1)
    return d.get(_key("get_default", args[1], 2), args[2])


@builtin("merge", 2)
def _merge(ctx: Any, args: list) -> dict:
    """merge(a, b): a new dict with a's entries, then b's (b wins)."""
    merged = dict(dict_arg("merge", args[0], 1))
    merged.update(dict_arg("merge", args[1], 2))
    return merged


@builtin("invert", 1)
def _invert(ctx: Any, args: list) -> dict:
    """invert(d): values become keys (as by to_string) and keys values."""
    return {to_string(v): k for k, v in dict_arg("invert", args[0]).items()}


@builtin("update", 2)
def _update(ctx: Any, args: list) -> dict:
    """update(a, b): a new dict, a's entries overwritten by b's (as merge)."""
    new = dict(dict_arg("update", args[0], 1))
    new.update(dict_arg("update", args[1], 2))
    return new




@builtin("dict", 0)
def _dict(ctx: Any, args: list) -> dict:
    """dict(): a new empty dict."""
    return {}


@builtin("array")
def _array(ctx: Any, args: list) -> list:
    """array(a, b, ...): an array of the arguments."""
    return list(args)
