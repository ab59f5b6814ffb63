"""Time."""

from __future__ import annotations

import time
from typing import Any

from ruffdbg.vm.builtins.registry import builtin


@builtin("performance_now", 0)
def _performance_now(ctx: Any, args: list) -> float:
    """performance_now(): milliseconds since the program started."""
    return float(ctx.clock_ms())


@builtin("now", 0)
def _now(ctx: Any, args: list) -> float:
    """now(): whole seconds since the Unix epoch, as a float (as the reference gives it)."""
    return float(time.time_ns() // 1_000_000_000)
