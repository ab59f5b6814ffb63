"""What the sampling profiler (``vm/sampler.py``) asks of the JIT: which unit a
native run is in, read from the word native code keeps (``runtime.CTX_UNIT``:
unit id << 32 | depth, stored by whoever enters a unit, see
``lowering.driver.mark_running``) and the shadow stack below it; or the runtime
call (a builtin, a generic op) native code is waiting on."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.jit import runtime as rt
from ruffdbg.vm.sampler import RUNTIME, STACK_SCAN, T1, T2


class JitProbe:
    """A ``vm.sampler.NativeProbe`` over one ``Jit``."""

    def __init__(self, jit: Any) -> None:
        self.jit = jit

    @property
    def compiling(self) -> CodeObject | None:
        return self.jit.compiling

    @property
    def python_before(self) -> tuple[int, CodeObject, int] | None:
        return self.jit.python_before

    def native_sample(self, timing_depth: int, base: int) -> tuple[int, CodeObject, list[CodeObject]] | None:
        jit = self.jit
        units = jit.units
        marks = jit.runtime_marks
        if marks and marks[-1][0] == timing_depth:   # native code waits on a callback of this run
            unit_id = marks[-1][1]
            return (RUNTIME, units[unit_id].code, []) if unit_id < len(units) else None
        word = jit.ctx.words[rt.CTX_UNIT]
        unit_id, depth = word >> 32, word & 0xFFFFFFFF
        if unit_id >= len(units):
            return None
        unit = units[unit_id]
        return (T1 if unit.tier == 1 else T2), unit.code, self._callers(base, depth)

    def native_codes(self, start: int, stop: int) -> list[CodeObject]:
        shadow, units = self.jit.ctx.shadow, self.jit.units
        codes = []
        for level in range(start, stop):
            unit_id = shadow[level] >> 32
            if unit_id < len(units):
                codes.append(units[unit_id].code)
        return codes

    def _callers(self, base: int, depth: int) -> list[CodeObject]:
        """The functions of the native frames between the interpreter's ``base``
        frames and the running one: each made a call, so its shadow-stack entry
        says which unit it is (the newest STACK_SCAN of a deeper run)."""
        return self.native_codes(max(base, depth - 1 - STACK_SCAN), depth - 1)
