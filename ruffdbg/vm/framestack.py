"""The Ruff stack as others see it: entries for traces, the native activations
that stand below Python code run on their behalf (counted, built only when
shown), the ``Error`` value a handler gets, and unwinding to a ``try`` handler
(``_unwind``). (Part of ``VM``.)

Native code keeps no interpreter frames: its activations are in registers and
in the JIT's shadow stack. When it calls back into Python (a builtin, a generic
op, a deopt, a call the VM runs), the levels it stands for between the last
interpreter frame and the callback are a *gap*: counted at once toward the
depth (the stack limit, the depth native code is entered at) and built as
frames only when something shows the stack (an error's trace and ``Error``
value, a pause's views, a step). ``frames`` holds interpreter frames only;
``ruff_frames()`` is the whole stack. So a deep native recursion that calls
back into Python at every level costs each callback O(1), not O(depth).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

from ruffdbg.core.errors import RuffError, RuffRuntimeError, StackEntry
from ruffdbg.core.objects import StructValue, make_error_value
from ruffdbg.vm.frame import Frame


class Gap:
    """``count`` native activations, at depths from ``start``, standing just below
    ``frames[index]`` (at the top when opened); ``make`` builds their frames, once,
    when the stack shows."""

    __slots__ = ("index", "start", "count", "make", "built")

    def __init__(self, index: int, start: int, count: int, make: Callable[[], list[Frame]]):
        self.index = index
        self.start = start
        self.count = count
        self.make = make
        self.built: list[Frame] | None = None

    def frames(self) -> list[Frame]:
        if self.built is None:
            self.built = self.make()
        return self.built


class FrameStack:
    """(Part of ``VM``.) Uses its ``frames``, ``gaps``, ``hidden`` and ``depth_limit``,
    and (``_unwind``) its ``error_raised`` and ``_leave``."""

    def depth(self) -> int:
        """The Ruff stack's depth: interpreter frames and the native activations below them."""
        return len(self.frames) + self.hidden

    def open_gap(self, count: int, make: Callable[[], list[Frame]]) -> Gap:
        """``count`` native activations stand on top of the stack until ``close_gap``:
        they count toward the depth at once (the interpreter's limit is lowered by
        them), and ``make`` builds them only if the stack shows. (A callback's hot
        path: ``frames_hidden`` is the same as a context manager.)"""
        if count < 0:
            count = 0
        gap = Gap(len(self.frames), len(self.frames) + self.hidden, count, make)
        self.gaps.append(gap)
        self.hidden += count
        self.depth_limit -= count
        return gap

    def close_gap(self, gap: Gap | None) -> None:
        """The callback that opened ``gap`` (the innermost) returns (None: it opened none)."""
        if gap is not None:
            self.gaps.pop()
            self.hidden -= gap.count
            self.depth_limit += gap.count

    @contextmanager
    def frames_hidden(self, count: int, make: Callable[[], list[Frame]]) -> Iterator[None]:
        gap = self.open_gap(count, make)
        try:
            yield
        finally:
            self.close_gap(gap)

    def ruff_frames(self) -> list[Frame]:
        """The whole Ruff stack, innermost last: the interpreter's frames with the
        native activations of every gap built in place (do not modify it)."""
        if not self.gaps:
            return self.frames
        frames: list[Frame] = []
        at = 0
        for gap in self.gaps:
            frames += self.frames[at:gap.index]
            frames += gap.frames()
            at = gap.index
        frames += self.frames[at:]
        return frames

    def stack_entries(self) -> list[StackEntry]:
        return [StackEntry(f.code.name, f.line, f.col, f.code.source) for f in self.ruff_frames()]

    def error_value(self, error: RuffError) -> StructValue:
        """The Ruff ``Error`` value a ``try`` handler receives for ``error``, made here and now."""
        if type(error.value) is StructValue and error.value.name == "Error":
            return error.value
        frames = self.ruff_frames()
        names = [f.code.name for f in frames if not f.code.is_script]
        return make_error_value(error.message, names, frames[-1].line)

    def _unwind(self, error: RuffError, base: int) -> None:
        """Find the nearest ``try`` handler, popping frames; none left: the error escapes."""
        frames = self.frames
        if error.entries is None:   # (raised here, not re-raised from below)
            self.error_raised(error.message)
        error_value = self.error_value(error)
        entries = error.entries or self.stack_entries()
        while len(frames) > base:
            frame = frames[-1]
            if frame.handlers:
                handler_pc, depth = frame.handlers.pop()
                del frame.stack[depth:]
                frame.stack.append(error_value)
                frame.pc = handler_pc
                frame.code.profile.counters[handler_pc] += 1
                return
            if len(frames) == base + 1:
                break
            self._leave(frames.pop(), time.perf_counter_ns())
        # An error escaping through every level of a deep recursion would chain each
        # level's exception to the one below as its context, and CPython walks the
        # chain at every raise: quadratic. The Ruff stack is in ``entries``.
        error.__context__ = None
        raise RuffRuntimeError(error.message, entries, error_value)
