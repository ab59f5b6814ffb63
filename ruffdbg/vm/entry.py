"""Tier 0's entry points (a mixin of ``VM``): running a script, resuming a frame at
any pc (what deoptimization needs), and calling a Ruff function from outside the
dispatch loop (native code's calls into T0). Each enters the loop
(vm/interpreter.py) through ``_enter``, which gives it a base on the frame stack."""

from __future__ import annotations

import time
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.objects import Function
from ruffdbg.profile.counters import profile_of
from ruffdbg.vm.calls import prepare
from ruffdbg.vm.frame import Frame
from ruffdbg.vm.hooks import NOT_TAKEN


class EntryPoints:
    """(Part of ``VM``.)"""

    def run_script(self, code: CodeObject) -> Any:
        """Run a compiled script to completion; raises RuffRuntimeError if uncaught."""
        for each in code.walk():
            prepare(each)
            if self.hooks is not None:
                self.hooks.adopt(each)
        frame = Frame(code, None, [None] * code.nlocals)
        profile_of(code).calls += 1
        return self._enter(frame)

    def run_frame(self, frame: Frame) -> Any:
        """Run ``frame`` from its pc, with its locals and stack, until it returns.

        Its function is not counted as called again. This is how a frame can be
        resumed at an arbitrary pc (what deoptimization needs).
        """
        for each in frame.code.walk():
            prepare(each)
        return self._enter(frame)

    def call_function(self, function: Function, args: list) -> Any:
        """Call a Ruff function from outside the loop (native code's calls into T0).

        Set up by ``_new_frame``; then, as the loop's CALL does, a hot function
        goes to the JIT and native code runs the call unless its entry refuses
        the argument types; otherwise the interpreter runs the frame."""
        frame = self._new_frame(function, args)
        profile = frame.code.profile
        if profile.calls >= profile.hot_at:
            self.hooks.on_hot(function.code)
        if profile.native is not None:
            result = profile.native(list(args), function)
            if result is not NOT_TAKEN:
                return result
        return self._enter(frame)

    def _enter(self, frame: Frame) -> Any:
        """Run ``frame`` (not on the stack yet) in a loop of its own until it returns."""
        base = len(self.frames)
        frame.started_ns = time.perf_counter_ns()
        frame.code.profile.active += 1
        self.frames.append(frame)
        try:
            return self._run(base)
        finally:
            # Frames an error or an interrupt left behind: close their timing.
            while len(self.frames) > base:
                self._leave(self.frames.pop(), time.perf_counter_ns())
