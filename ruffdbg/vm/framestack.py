"""The Ruff stack as others see it: entries for traces, native frames stood on it
while Python code runs below native code, and the ``Error`` value a handler gets.
(Part of ``VM``.)"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from ruffdbg.core.errors import RuffError, StackEntry
from ruffdbg.core.objects import StructValue, make_error_value
from ruffdbg.vm.frame import Frame


class FrameStack:
    """(Part of ``VM``.) Uses its ``frames`` and ``show_native_frames``."""

    def stack_entries(self) -> list[StackEntry]:
        return [StackEntry(f.code.name, f.line, f.col, f.code.source) for f in self.frames]

    @contextmanager
    def frames_pushed(self, frames: list[Frame]) -> Iterator[None]:
        """Stand ``frames`` (native activations, as ``NativeFrame``) on top of the
        stack while the body runs: the interpreter then sees the Ruff stack it
        would have had (depth for the stack limit, entries in error traces)."""
        self.frames.extend(frames)
        try:
            yield
        finally:
            del self.frames[len(self.frames) - len(frames):]

    @contextmanager
    def frames_on_demand(self, make_frames: Callable[[], list[Frame]]) -> Iterator[Callable[[], None]]:
        """Like ``frames_pushed``, but the frames are built and stood on the stack
        only when the Ruff stack shows: when the body calls the ``show`` it is given,
        or when Ruff code is called (``call_function`` shows them first). Native
        code calling a builtin at each level of a deep recursion stays linear."""
        base = len(self.frames)
        shown = False

        def show() -> None:
            nonlocal shown
            if not shown:
                shown = True
                self.show_native_frames = None
                self.frames[base:base] = make_frames()

        previous, self.show_native_frames = self.show_native_frames, show
        try:
            yield show
        finally:
            self.show_native_frames = previous
            del self.frames[base:]

    def error_value(self, error: RuffError) -> StructValue:
        """The Ruff ``Error`` value a ``try`` handler receives for ``error``, made here and now."""
        if type(error.value) is StructValue and error.value.name == "Error":
            return error.value
        names = [f.code.name for f in self.frames if not f.code.is_script]
        return make_error_value(error.message, names, self.frames[-1].line)
