"""Timing contexts: whose clock a stretch of wall time is on (a mixin of ``VM``).

The dispatch loop reads the clock only when control passes between different
functions and adds the time since the last reading to the running function's
self time (see "Time profile" in ``vm/interpreter.py``). Time that is not the
running function's own -- a nested run of the loop (a builtin or native code
calling Ruff code), compiling, a native run the JIT times and gives to its
function -- is taken off the clock of the context it happened in
(``charge_outside``): the running frame's self time, or the enclosing native
run's. ``timing`` holds the open contexts, innermost last: None for a run of
the loop, a one-word list (the ns it must not count as its own) for a native
run (the JIT opens and closes those, jit/deopt.py).
"""

from __future__ import annotations

import time
from typing import Any


class Timing:
    """(Part of ``VM``.) Uses the VM's ``frames`` and ``_loop``."""

    frames: list

    def __init__(self) -> None:
        self.timing: list[list[int] | None] = []

    def charge_outside(self, ns: int, below: int | None = None) -> None:
        """``ns`` of wall time just spent belongs to no function of the innermost
        timing context: take it off that context's clock (the loop's current frame
        is ``frames[below - 1]``, the top frame by default)."""
        if self.timing and self.timing[-1] is not None:
            self.timing[-1][0] += ns
            return
        top = len(self.frames) if below is None else below
        if top:
            self.frames[top - 1].code.profile.self_ns -= ns

    def _run(self, base: int) -> Any:
        """Run the frames above ``base`` in the loop, as one timing context: its wall
        time is not the enclosing context's (a builtin's caller, a native run)."""
        started = time.perf_counter_ns()
        self.timing.append(None)
        try:
            return self._loop(base)
        finally:
            self.timing.pop()
            self.charge_outside(time.perf_counter_ns() - started, base)
