"""Setting up a call, outside the dispatch loop.

``Calls._new_frame`` is the one general path (checks, counts, the frame), for
everything that calls a Ruff function from outside the loop's inline CALL (a
method, an operator overload, native code); ``prepare`` gives a code object
its profile and the state the loop caches per code (``run_state``) on its
first call; ``call_other`` is the one path for calling anything else.
"""

from __future__ import annotations

import time
from typing import Any

from ruffdbg.compiler import peephole
from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.core.errors import NOT_CALLABLE, RuffError
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.profile.counters import CodeProfile, profile_of
from ruffdbg.vm.builtins import CONSTANTS
from ruffdbg.vm.frame import Frame

MISSING = object()   # what a lookup of an absent global gets (a global may hold null: not None)


class Calls:
    """The VM's call set-up (a mixin of ``vm.interpreter.VM``)."""

    frames: list[Frame]
    depth_limit: int
    globals: dict[str, Any]
    builtins: dict[str, Any]

    # --------------------------------------------------------- setting up a call

    def _new_frame(self, function: Function, args: list) -> Frame:
        """Set up a call of ``function`` with ``args``: the one general path.

        1. check the arity and the stack depth (``_check_call``, which also
           prepares a code object on its first call);
        2. count the call and its argument types (what the JIT specializes on);
        3. make the frame: the arguments, then the other locals (None), and the
           closure's cells.

        The frame is not on the stack yet: ``_push`` puts it there from inside
        the loop (a method call, an operator overload), ``call_function`` runs it
        through ``_enter`` after the tiering check. The loop's CALL is the inline
        copy of this (with ``call_function``'s tiering and ``_push``'s timing),
        because a call is the hottest slow thing: keep them in step.
        """
        code = function.code
        profile = code.profile
        if profile is None or len(args) != profile.arity or len(self.frames) >= self.depth_limit:
            profile = self._check_call(code, len(args))
        profile.calls += 1
        profile.count_args(args)
        return Frame(code, function, args + profile.padding, function.cells)

    def _check_call(self, code: CodeObject, argc: int) -> CodeProfile:
        """The slow part of a call's checks: raise the arity or depth error, or prepare ``code``."""
        if argc != len(code.params):
            # The reference says "arguments" whatever the count.
            hidden = len(code.params) - code.shown_arity
            raise RuffError(f"{code.qualified_name} expects {code.shown_arity} arguments, got {argc - hidden}")
        if len(self.frames) >= self.depth_limit:
            raise RuffError("Stack overflow")
        return prepare(code)

    def _push(self, frame: Frame) -> None:
        """Put a frame from ``_new_frame`` on the stack, from inside the loop (the
        caller's pc written back first; the loop then reloads the top frame).
        Timing as CALL does it: the clock is read only if the caller is another
        function (see "Time profile" in vm/interpreter.py)."""
        frames = self.frames
        if not frames or frames[-1].code is not frame.code:
            frame.code.profile.active += 1
            frame.started_ns = time.perf_counter_ns()
        frames.append(frame)

    def _leave(self, finished: Frame, now: int) -> None:
        """Timing bookkeeping for a frame popped by unwinding (RETURN inlines this)."""
        if finished.started_ns:  # (0: a self-recursive call, timed by its caller)
            profile = finished.code.profile
            profile.active -= 1
            if profile.active == 0:
                profile.total_ns += now - finished.started_ns

    # --------------------------------------------------------------- helpers

    def _global(self, name: str) -> Any:
        """A global, else a builtin, else a predefined constant (PI and E: a program
        may declare its own). Looked up with ``get``, not ``try``: a raised KeyError
        costs about 0.2 us, and every builtin's load raised one."""
        for table in (self.globals, self.builtins, CONSTANTS):
            value = table.get(name, MISSING)
            if value is not MISSING:
                return value
        raise RuffError(f"Undefined variable: {name}")

    def call_other(self, callee: Any, args: list, feedback: list, site: int) -> Any:
        """CALL of anything but a Ruff function: a builtin (its name recorded at the
        call site ``site``), or the reference's error. Native code's generic CALL
        (``vm/step.py``) comes here; the loop's CALL does the same inline (a builtin's
        name counted in the site's callee slots, as a function's is), and comes here
        only for the error."""
        if type(callee) is not Builtin:
            raise RuffError(NOT_CALLABLE)
        self._record(feedback, site, callee.name)
        return callee.fn(self, args)

    def _record(self, profile_feedback: list, pc: int, key: Any) -> None:
        seen = profile_feedback[pc]
        seen[key] = seen.get(key, 0) + 1


def prepare(code: CodeObject) -> CodeProfile:
    """Give ``code`` its profile and the loop's cached per-code state (once)."""
    profile = profile_of(code)
    if profile.run_state is None:
        profile.run_state = (profile, peephole.quick_of(code), code.consts, code.names) + profile.raw_counters() + (
            profile.ics,)
    return profile
