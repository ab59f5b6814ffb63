"""Control of a running program from other threads: the interrupt word, pause,
hold and resume, slow motion, and the stepping interrupt.

Everything here reaches the VM thread through one list slot, ``interrupt[0]``,
which the dispatch loop polls only at its safepoints (loop back-edges, calls and
traps), so none of it costs anything per instruction. The JIT mirrors the word
into native memory (``hooks.set_interrupt``), so native code stops at its own
safepoints and deoptimizes into the interpreter, which then handles it here.

What the word means is ``interrupt_reason``:

* ``PAUSE``: wait at the safepoint until ``resume()`` (``hold``), frames intact;
* ``SLOW_MOTION``: sleep a little, then re-arm the word, so every safepoint
  waits while slow motion is on (and nothing is paid while it is off);
* ``STEPPING``: a debugger step is under way: native code met on the way
  leaves too, the interpreter goes on (vm/debugger.py stops it at a trap);
* ``INVALIDATED``: native code was retired and has been left: go on;
* ``JIT_BREAK``: a JIT breakpoint's event happened (vm/debugger.py): hold,
  with that event as the reason;
* anything else ("interrupted", a time limit): stop with ``Interrupted``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ruffdbg.core.errors import StackEntry
from ruffdbg.vm.frame import Interrupted

PAUSE = "pause"   # the interrupt reason that waits instead of stopping
INVALIDATED = "invalidated"   # native code was retired: leave it at the next safepoint, then go on
SLOW_MOTION = "slow motion"   # wait a little at every safepoint, so a person can watch the warm-up
STEPPING = "stepping"   # a step is under way: native code leaves at its next safepoint (vm/debugger.py)
JIT_BREAK = "jit breakpoint"   # a JIT breakpoint fired: hold at the next safepoint (vm/debugger.py)


class Control:
    """The VM's pause/interrupt protocol (a mixin). It uses the VM's ``frames``,
    ``stack_entries()``, ``hooks`` (the JIT, or None), ``debugger`` and ``events``."""

    hooks: Any       # (the VM's, declared here for readers and type checkers)
    debugger: Any
    events: Any
    frames: list

    def __init__(self) -> None:
        self.interrupt = [0]                     # set by other threads; polled at safepoints
        self.interrupt_reason = "interrupted"
        self.paused_at: list[StackEntry] | None = None   # where a pause stopped, while it lasts
        self.pause_reason = ""                   # why: "paused", "breakpoint at line 3", "step over"
        self.paused_event: Any = None            # the event a JIT breakpoint stopped at, while it lasts
        self.break_on_error = False              # a JIT breakpoint on runtime errors is set (vm/debugger.py)
        self.slow_motion_seconds = 0.0
        self._resume = threading.Event()

    # ------------------------------------------------- from any thread

    def request_interrupt(self, reason: str = "interrupted", only_if_idle: bool = False) -> None:
        """Ask the running program to stop at its next safepoint (thread-safe).

        ``only_if_idle``: leave an interrupt already pending alone (the JIT's
        own requests must not replace a user's Ctrl-C or pause)."""
        if only_if_idle and self.interrupt[0]:
            return
        self.interrupt_reason = reason
        self.interrupt[0] = 1
        if self.hooks is not None:
            self.hooks.set_interrupt(1)   # native code polls its own copy, in native memory

    def request_pause(self) -> None:
        """Stop at the next safepoint and wait there until ``resume()`` (thread-safe).

        Native code reaches it too: its poll deopts into the interpreter, which
        then waits with the frame materialized (so it can be inspected)."""
        self._resume.clear()
        self.paused_at = None
        self.request_interrupt(PAUSE)

    def request_jit_break(self) -> None:
        """Hold at the next safepoint for a JIT breakpoint (thread-safe). A stop or
        Ctrl-C already pending wins; the JIT's own "leave native code" is replaced
        (it leaves for the break too)."""
        if self.interrupt[0] and self.interrupt_reason not in (INVALIDATED, SLOW_MOTION):
            return
        self.request_interrupt(JIT_BREAK)

    def error_raised(self, message: str) -> None:
        """A runtime error was just raised in the top frame (VM thread; errors are
        cold): a JIT breakpoint on errors stops here, before anything unwinds."""
        if self.break_on_error:
            self.debugger.on_error(self.ruff_frames()[-1], message)

    def cancel_jit_break(self) -> None:
        """A trap stopped for the JIT breakpoint first: native code need not leave."""
        if self.interrupt_reason == JIT_BREAK:
            self.interrupt[0] = 0
            if self.hooks is not None:
                self.hooks.set_interrupt(0)

    def resume(self) -> None:
        self.paused_at = None   # at once, so a view never sees the old stop as a new one
        self._resume.set()

    def set_slow_motion(self, seconds: float) -> None:
        """Wait ``seconds`` at every safepoint (0 turns it off). Thread-safe."""
        self.slow_motion_seconds = seconds
        if seconds > 0:
            self.request_interrupt(SLOW_MOTION)
        elif self.interrupt_reason == SLOW_MOTION:
            self.interrupt_reason = INVALIDATED   # the armed word now just lets it go on

    # ------------------------------------------------- on the VM thread

    def _on_interrupt(self) -> None:
        """The loop found the word set at a safepoint (the frame's pc written back)."""
        self.interrupt[0] = 0
        if self.hooks is not None:
            self.hooks.set_interrupt(0)
        if self.interrupt_reason == INVALIDATED:
            return   # native code has been left; the interpreter simply goes on
        if self.interrupt_reason == SLOW_MOTION:
            # Wait, then re-arm the word: the next safepoint waits again. Nothing is
            # paid while slow motion is off.
            time.sleep(self.slow_motion_seconds)
            if self.interrupt_reason == SLOW_MOTION:
                self.request_interrupt(SLOW_MOTION)
            return
        if self.interrupt_reason == STEPPING:
            if self.debugger is not None and self.debugger.step is not None:
                self.request_interrupt(STEPPING)   # native code met on the way leaves too
            return
        if self.interrupt_reason == PAUSE:
            self.hold("paused")
            return
        if self.interrupt_reason == JIT_BREAK:
            fired = self.debugger.take_fired()
            if fired is not None:   # (else a trap stopped for it already)
                self.hold(*fired)
            return
        raise Interrupted(self.interrupt_reason, self._stopped_entries())

    def _stopped_entries(self) -> list[StackEntry]:
        """The Ruff stack, with the top frame stopped *before* its pc (a safepoint or a trap)."""
        entries = self.stack_entries()
        top = self.ruff_frames()[-1]
        entries[-1] = StackEntry(top.code.name, top.code.lines[top.pc], top.code.cols[top.pc], top.code.source)
        return entries

    def hold(self, reason: str, event: Any = None) -> None:
        """Stop here until ``resume()``: this thread waits while views read the frames.
        ``event``: the logged event a JIT breakpoint stopped at."""
        self._resume.clear()
        self.pause_reason = reason
        self.paused_event = event
        self.paused_at = self._stopped_entries()
        if self.events is not None:
            top = self.paused_at[-1]
            fired = {"event": event.seq} if event is not None else {}
            self.events.add("paused", top.function, line=top.line, detail={"reason": reason, **fired})
        self._resume.wait()
        self.paused_at = None
        self.paused_event = None
