"""RefreshPacer: how often the panes refresh while a program runs.

The program and the UI share the GIL, so each millisecond of UI work is a
millisecond the program waits. The panes refresh every 0.2 s; a refresh (pull
snapshots, redraw what changed, Textual's compositor, the GC it sets off)
costs the demo's UI about 10 ms on a quiet machine, 5% of the program's time.
On a loaded machine the program gets a fraction of a CPU, so each refresh
costs as much or more but the program advances less between two: at a load
of 8 on 2 CPUs, 15-20% of its time. So a refresh is skipped while the UI's CPU time
since the last one is more than ``UI_SHARE`` of the CPU time the rest of the
process (the program) had in that interval: a loaded machine refreshes less
often instead of slowing the program more. Never skipped: while the program
is paused, in slow motion or finished, when the UI costs less than
``IDLE_SHARE`` of the wall time (a sleeping or waiting program uses little
CPU, but the UI then costs it nothing), and never for more than
``LONGEST_SECONDS``. The first refresh of a run waits ``FIRST_SECONDS``:
it draws every pane anew (20 ms or more), which would add 10-20% to a
program of 0.2 s, one that takes 0.1 s on a quiet machine; a program shorter
than that shows its final state when it ends.
"""

from __future__ import annotations

import time
from typing import Callable

UI_SHARE = 0.10
IDLE_SHARE = 0.02
LONGEST_SECONDS = 1.0
FIRST_SECONDS = 0.4

Clocks = tuple[Callable[[], float], Callable[[], float], Callable[[], float]]
CLOCKS: Clocks = (time.perf_counter, time.thread_time, time.process_time)


class RefreshPacer:
    """``due(busy)`` at each 0.2 s tick, on the UI thread: refresh now or skip this tick."""

    def __init__(self, clocks: Clocks = CLOCKS) -> None:
        self.clocks = clocks
        self.skipped = 0   # ticks skipped since the program started (what a benchmark reports)
        self.start()

    def start(self) -> None:
        """A program starts now (its first refresh waits FIRST_SECONDS)."""
        self.last = tuple(clock() for clock in self.clocks)   # (wall, UI thread CPU, process CPU)
        self.first = True

    def due(self, busy: bool) -> bool:
        """Whether to refresh now (and start a new interval if so). ``busy``: the
        program is running at full speed (not paused, not in slow motion)."""
        now = tuple(clock() for clock in self.clocks)
        elapsed, ui, process = (after - before for after, before in zip(now, self.last))
        program = process - ui   # (every thread but the UI's: the program, the JIT compiler, the sampler)
        if busy and (elapsed < FIRST_SECONDS if self.first else
                     elapsed < LONGEST_SECONDS and ui > max(UI_SHARE * program, IDLE_SHARE * elapsed)):
            self.skipped += 1
            return False
        self.last, self.first = now, False
        return True
