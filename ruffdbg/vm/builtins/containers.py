"""Arrays and dicts (and the functions strings share with them): len, range, push, pop, keys, values, has_key, contains, index_of, slice."""

from __future__ import annotations

import sys

from typing import Any

from ruffdbg.core.arrays import RArray, make_array
from ruffdbg.core.errors import RuffError
from ruffdbg.core.values import values_equal
from ruffdbg.vm.builtins.registry import (
    BuiltinFn, array_arg, builtin, check_size, clamp_span, dict_arg, register, string_arg, type_error, whole_arg,
)


@builtin("len", 1)
def _len(ctx: Any, args: list) -> int:
    """len(v): characters of a string, elements of an array, entries of a dict."""
    v = args[0]
    t = type(v)
    if t is RArray:
        return len(v.items)
    if t is str or t is list or t is dict:
        return len(v)
    if t in _SIZED:   # Set, Queue, Stack (vm/builtins/structures.py)
        return len(v)
    raise type_error("len", "a string, array or dict", v, None)


# Value kinds of other families that ``len`` counts; they add themselves.
_SIZED: set[type] = set()


@builtin("range", 1, 2, 3)
def _range(ctx: Any, args: list) -> RArray:
    """range(n), range(a, b), range(a, b, step): an array of ints."""
    bounds = [whole_arg("range", arg, i) for i, arg in enumerate(args, 1)]
    if len(bounds) == 1:
        span = range(bounds[0])
    elif len(bounds) == 2:
        span = range(bounds[0], bounds[1])
    else:
        if bounds[2] == 0:
            raise RuffError("range() step cannot be zero")
        span = range(*bounds)
    check_size("range", range_length(span))
    return make_array(list(span))


def range_length(span: range) -> int:
    """``len(span)``, also when it does not fit a C ssize_t (``range(MIN, MAX)`` has
    2**64 - 1 elements): Python's ``len`` raises OverflowError there."""
    start, stop, step = span.start, span.stop, span.step
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


# References to push's array when nothing outside the call holds it: the
# argument list's, ``array``'s and ``sys.getrefcount``'s own.
_UNHELD = 3


def _make_push(name: str) -> BuiltinFn:
    def push(ctx: Any, args: list) -> list:
        """push(arr, v) / append(arr, v): a NEW array with v at the end. When no
        Ruff value can see the argument any more (`arr := push(arr, v)`: the VM
        dropped the local being replaced), it is reused: amortized O(1)."""
        array = args[0]
        unheld = _UNHELD + getattr(ctx, "cow_discount", 0)   # (the JIT's handles that hold nothing else)
        if type(array) is RArray:
            if sys.getrefcount(array) > unheld:
                array = array.copy()
            ctx.push_in_place(array, args[1])
            return array
        array = array_arg(name, array, 1)
        if sys.getrefcount(array) <= unheld:
            array.append(args[1])
            return array
        return array + [args[1]]

    return push


register("push", _make_push("push"), (2,), reuses_first=True)
register("append", _make_push("append"), (2,), reuses_first=True)


@builtin("pop", 1)
def _pop(ctx: Any, args: list) -> list:
    """pop(arr): [new_array, popped]. An empty array pops null (the reference
    gives 0, a made-up value)."""
    arr = args[0] if type(args[0]) is RArray else array_arg("pop", args[0])
    if not arr:
        return [make_array([]), None]
    return [arr[:-1], arr[-1]]


@builtin("keys", 1)
def _keys(ctx: Any, args: list) -> list:
    """keys(d): the keys, sorted."""
    return sorted(dict_arg("keys", args[0]))


@builtin("values", 1)
def _values(ctx: Any, args: list) -> list:
    """values(d): the values, in the order of the sorted keys."""
    d = dict_arg("values", args[0])
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
def _has_key(ctx: Any, args: list) -> int:
    """has_key(d, k): 1 if d has key k (an int k means its decimal text), else 0.
    An int, not a bool, as in the reference (its goldens print 1)."""
    d = dict_arg("has_key", args[0], 1)
    key = _as_key(args[1])
    return 1 if key is not None and key in d else 0


@builtin("contains", 2)
def _contains(ctx: Any, args: list) -> bool | int:
    """contains(c, x): an array element equal to x, or a dict key (a bool); a
    substring (1 or 0: an int, as in the reference)."""
    coll, item = args
    t = type(coll)
    if t is list or t is RArray:
        return any(values_equal(element, item) for element in coll)
    if t is str:
        return 1 if string_arg("contains", item, 2) in coll else 0
    if t is dict:
        key = _as_key(item)
        return key is not None and key in coll
    raise type_error("contains", "an array, string or dict", coll, 1)


@builtin("index_of", 2)
def _index_of(ctx: Any, args: list) -> int:
    """index_of(c, x): first index of an element or substring (in characters), or -1."""
    coll, item = args
    t = type(coll)
    if t is list or t is RArray:
        for i, element in enumerate(coll):
            if values_equal(element, item):
                return i
        return -1
    if t is str:
        return coll.find(string_arg("index_of", item, 2))
    raise type_error("index_of", "an array or string", coll, 1)


@builtin("slice", 3)
def _slice(ctx: Any, args: list) -> Any:
    """slice(c, start, end): elements/characters start..end-1, bounds clamped."""
    coll = args[0]
    if type(coll) is not list and type(coll) is not str and type(coll) is not RArray:
        raise type_error("slice", "an array or string", coll, 1)
    start, end = clamp_span(len(coll), whole_arg("slice", args[1], 2), whole_arg("slice", args[2], 3))
    return coll[start:end]


# --------------------------------------------------------------------------
