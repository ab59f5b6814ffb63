"""Time and dates: clocks (time_us, time_ns, current_timestamp, now_unix,
now_utc), durations (format_duration, elapsed) and dates (format_date,
parse_date), all in UTC as the reference.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.registry import BUILTINS, builtin, number_arg, register, string_arg


@builtin("time_us", 0)
def _time_us(ctx: Any, args: list) -> float:
    """time_us(): whole microseconds since the program started."""
    return float(int(ctx.clock_ms() * 1000.0))


@builtin("time_ns", 0)
def _time_ns(ctx: Any, args: list) -> float:
    """time_ns(): nanoseconds since the program started."""
    return float(int(ctx.clock_ms() * 1_000_000.0))


@builtin("current_timestamp", 0)
def _current_timestamp(ctx: Any, args: list) -> int:
    """current_timestamp(): milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


@builtin("now_unix", 0)
def _now_unix(ctx: Any, args: list) -> int:
    """now_unix(): whole seconds since the Unix epoch."""
    return time.time_ns() // 1_000_000_000


@builtin("now_utc", 0)
def _now_utc(ctx: Any, args: list) -> str:
    """now_utc(): the current UTC time, as 2024-01-15T10:30:00Z."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@builtin("format_duration", 1)
def _format_duration(ctx: Any, args: list) -> str:
    """format_duration(ms): "1.50s", "12.00ms", "250.00μs" or "42ns"."""
    ms = number_arg("format_duration", args[0])
    if ms >= 1000.0:
        return f"{ms / 1000.0:.2f}s"
    if ms >= 1.0:
        return f"{ms:.2f}ms"
    if ms >= 0.001:
        return f"{ms * 1000.0:.2f}μs"
    return f"{ms * 1_000_000.0:.0f}ns"


@builtin("elapsed", 2)
def _elapsed(ctx: Any, args: list) -> float:
    """elapsed(start, end): end - start, as a float."""
    return number_arg("elapsed", args[1], 2) - number_arg("elapsed", args[0], 1)


@builtin("format_date", 2)
def _format_date(ctx: Any, args: list) -> str:
    """format_date(seconds, format): the UTC date; YYYY MM DD HH mm ss in format are replaced."""
    stamp = number_arg("format_date", args[0], 1)
    pattern = string_arg("format_date", args[1], 2)
    if not math.isfinite(stamp):
        return "Invalid timestamp: value must be a finite number"
    try:
        moment = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(seconds=math.trunc(stamp))
    except OverflowError:
        return "Invalid timestamp: value is out of supported range"
    for token, value in (("YYYY", f"{moment.year:04d}"), ("MM", f"{moment.month:02d}"), ("DD", f"{moment.day:02d}"),
                         ("HH", f"{moment.hour:02d}"), ("mm", f"{moment.minute:02d}"), ("ss", f"{moment.second:02d}")):
        pattern = pattern.replace(token, value)
    return pattern


@builtin("parse_date", 2)
def _parse_date(ctx: Any, args: list) -> float:
    """parse_date(text, "YYYY-MM-DD"): seconds since the epoch at that date's UTC midnight."""
    text = string_arg("parse_date", args[0], 1)
    pattern = string_arg("parse_date", args[1], 2)
    if pattern != "YYYY-MM-DD":
        raise RuffError(f"parse_date failed: unsupported format '{pattern}' (expected 'YYYY-MM-DD')")
    try:
        parts = text.split("-")
        if len(parts) != 3 or not all(p.strip().isdigit() or (i == 0 and p[:1] in "+-" and p[1:].isdigit())
                                      for i, p in enumerate(parts)):
            raise ValueError("input contains invalid characters")
        day = _dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as error:
        raise RuffError(f"parse_date failed: '{text}' does not match format 'YYYY-MM-DD' ({error})") from None
    return float((day - _dt.date(1970, 1, 1)).days * 86400)


# The reference's other names for these.
register("time", BUILTINS["current_timestamp"].fn, (0,))
register("now_utc_seconds", BUILTINS["now_unix"].fn, (0,))
register("type_of", BUILTINS["type"].fn, (1,))
