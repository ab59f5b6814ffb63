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
    """now(): seconds since the Unix epoch."""
    return time.time()
