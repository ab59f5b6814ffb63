"""The reference's asynchronous builtins, run to completion in order.

ruffdbg runs ``async`` code sequentially (one thread; ``await v`` is ``v``), so
each of these does its work when called and returns what the reference's
promise would resolve to: ``async_write_file`` -> ``true``, ``async_read_file``
-> the text, ``parallel_map`` -> the mapped array (the function is applied to
the elements in order), ``promise_all`` -> its array. A concurrency limit is
checked, then has nothing to limit. Task handles (``spawn_task`` ...) are not
provided.
"""

from __future__ import annotations

import time
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.core.values import type_name
from ruffdbg.vm.builtins.files import _fail, _path, _read_text
from ruffdbg.vm.builtins.higher_order import call, function_arg
from ruffdbg.vm.builtins.registry import array_arg, builtin, string_arg


def _counts(name: str, args: list, counts: tuple[int, ...], what: str) -> None:
    if len(args) not in counts:
        expected = " or ".join(map(str, counts))
        raise RuffError(f"{name}() expects {expected} argument{'s' if counts != (1,) else ''} ({what}), got {len(args)}")


def _limit(name: str, args: list, at: int) -> None:
    if len(args) > at:
        limit = args[at]
        if type(limit) is not int:
            raise RuffError(f"{name}() optional concurrency_limit must be an integer")
        if limit <= 0:
            raise RuffError(f"{name}() concurrency_limit must be > 0, got {limit}")


def _write_text(path: str, content: str) -> bool:
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
    except OSError as error:
        raise _fail("Failed to write file", path, error) from None
    return True


def _read(path: str) -> str:
    try:
        return _read_text(path)
    except RuffError as error:
        raise RuffError(error.message.replace("Cannot read file", "Failed to read file", 1)) from None


@builtin("async_sleep")
def _async_sleep(ctx: Any, args: list) -> None:
    """async_sleep(ms): wait ms milliseconds (then null)."""
    _counts("async_sleep", args, (1,), "milliseconds")
    ms = args[0]
    if type(ms) is not int:
        raise RuffError("async_sleep() requires an integer milliseconds argument")
    if ms < 0:
        raise RuffError(f"async_sleep() requires non-negative milliseconds, got {ms}")
    time.sleep(min(ms, 10_000_000) / 1000)
    return None


@builtin("async_read_file")
def _async_read_file(ctx: Any, args: list) -> str:
    """async_read_file(path): the file's text."""
    _counts("async_read_file", args, (1,), "path")
    if type(args[0]) is not str:
        raise RuffError("async_read_file() requires a string path argument")
    return _read(_path("async_read_file", args[0]))


@builtin("async_write_file")
def _async_write_file(ctx: Any, args: list) -> bool:
    """async_write_file(path, content): write (or replace) the file; true."""
    _counts("async_write_file", args, (2,), "path, content")
    if type(args[0]) is not str:
        raise RuffError("async_write_file() requires a string path argument")
    if type(args[1]) is not str:
        raise RuffError("async_write_file() requires a string content argument")
    return _write_text(_path("async_write_file", args[0]), args[1])


@builtin("async_read_files")
def _async_read_files(ctx: Any, args: list) -> list:
    """async_read_files(paths, [limit]): the files' texts, in order."""
    _counts("async_read_files", args, (1, 2), "paths, optional concurrency_limit")
    paths = array_arg("async_read_files", args[0], 1)
    _limit("async_read_files", args, 1)
    return [_read(_path("async_read_files", string_arg("async_read_files", p))) for p in paths]


@builtin("async_write_files")
def _async_write_files(ctx: Any, args: list) -> list:
    """async_write_files(paths, contents, [limit]): write each; an array of true."""
    _counts("async_write_files", args, (2, 3), "paths, contents, optional concurrency_limit")
    if type(args[0]) not in ARRAY_TYPES:
        raise RuffError("async_write_files() first argument must be an array of string paths")
    if type(args[1]) not in ARRAY_TYPES:
        raise RuffError("async_write_files() second argument must be an array of string contents")
    paths, contents = args[0], args[1]
    if len(paths) != len(contents):
        raise RuffError("async_write_files() paths and contents arrays must have the same length "
                        f"(paths={len(paths)}, contents={len(contents)})")
    _limit("async_write_files", args, 2)
    return [_write_text(_path("async_write_files", string_arg("async_write_files", p)),
                        string_arg("async_write_files", c)) for p, c in zip(paths, contents)]


@builtin("parallel_map", aliases=("par_map",))
def _parallel_map(ctx: Any, args: list) -> list:
    """parallel_map(array, f, [limit]): [f(x) for each x], applied in order."""
    _counts("parallel_map", args, (2, 3), "array, function, optional concurrency_limit")
    if type(args[0]) not in ARRAY_TYPES:
        raise RuffError("parallel_map() first argument must be an array")
    function = function_arg("parallel_map", args[1], 2)
    _limit("parallel_map", args, 2)
    return [call(ctx, function, [item]) for item in args[0]]


@builtin("promise_all", aliases=("await_all",))
def _promise_all(ctx: Any, args: list) -> list:
    """promise_all(values, [limit]): the values themselves (each is already resolved)."""
    _counts("promise_all", args, (1, 2), "array of promises, optional concurrency_limit")
    if type(args[0]) not in ARRAY_TYPES:
        raise RuffError(f"promise_all() expects an array of promises, got {type_name(args[0])}")
    _limit("promise_all", args, 1)
    return list(args[0])


@builtin("async_timeout")
def _async_timeout(ctx: Any, args: list) -> Any:
    """async_timeout(value, ms): the value (already resolved, so never late)."""
    _counts("async_timeout", args, (2,), "promise, timeout_ms")
    if type(args[1]) is not int or args[1] <= 0:
        raise RuffError("async_timeout() requires a positive integer timeout in milliseconds")
    return args[0]


@builtin("par_each")
def _par_each(ctx: Any, args: list) -> None:
    """par_each(array, f, [limit]): f(x) for each x, in order; null."""
    _counts("par_each", args, (2, 3), "array, function, optional concurrency_limit")
    if type(args[0]) not in ARRAY_TYPES:
        raise RuffError("par_each() first argument must be an array")
    function = function_arg("par_each", args[1], 2)
    _limit("par_each", args, 2)
    for item in args[0]:
        call(ctx, function, [item])
    return None
