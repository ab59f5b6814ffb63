"""Frames: one activation of a Ruff function, as the interpreter runs it."""

from __future__ import annotations

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.errors import StackEntry
from ruffdbg.core.objects import Function


class Interrupted(Exception):
    """The interrupt word was set (Ctrl-C, a time limit): not catchable by Ruff ``try``."""

    def __init__(self, reason: str, stack: list[StackEntry]):
        super().__init__(reason)
        self.reason = reason
        self.stack = stack


# What ``handlers`` holds until a ``try`` opens (a call need not allocate a list).
NO_HANDLERS: tuple = ()


class Frame:
    """One activation of a Ruff function: its code, locals, operand stack and pc.

    ``pc`` is the next instruction to run; it is written back whenever the loop
    leaves the frame (a call, an error, an interrupt), so a frame not running
    right now can be inspected -- or resumed at any pc (``VM.run_frame``).
    ``started_ns`` is when the function was entered from a *different*
    function (0 for a direct self-recursive call): see ``VM._run`` on timing.
    """

    __slots__ = ("code", "function", "locals", "stack", "pc", "cells", "handlers", "started_ns")

    def __init__(self, code: CodeObject, function: Function | None, locals_: list, cells: tuple = ()):
        self.code = code
        self.function = function
        self.locals = locals_
        self.stack: list = []
        self.pc = 0
        self.cells = cells
        # (handler pc, stack depth) of open try blocks: a list once SETUP_TRY opened one
        self.handlers: list[tuple[int, int]] | tuple = NO_HANDLERS
        self.started_ns = 0

    @property
    def line(self) -> int:
        """Line of the instruction running (or last run) in this frame."""
        return self.code.lines[max(self.pc - 1, 0)] if self.code.lines else 0

    @property
    def col(self) -> int:
        return self.code.cols[max(self.pc - 1, 0)] if self.code.cols else 0


class NativeFrame(Frame):
    """Stands for an activation that is running in native code (the JIT rebuilds
    these from its shadow stack): code and pc only, its locals are in registers."""

    __slots__ = ()
