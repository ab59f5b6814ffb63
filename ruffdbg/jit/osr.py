"""On-stack replacement: a loop in an interpreted frame got hot, so its frame's
values (locals, then the scalar globals the loop keeps in registers, then a for
loop's range and position) go to native code through the transfer buffer, and
come back the same way when the loop is left or a guard fails."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.objects import Function
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.deopt import as_interpreter_error
from ruffdbg.jit.inference import LoopRegion, NotCompilable, infer, value_type
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.types import RANGE, Kind
from ruffdbg.jit.units import Unit
from ruffdbg.jit.views import State
from ruffdbg.profile.report import ruff_type


class OsrEntry:
    """(Part of ``Jit``.) Compile and enter a hot loop.

    Uses the Jit's ``ctx``, ``handles``, ``vm``, ``policy``, ``events``,
    ``pending``, ``native_depth``, ``osr_frames``, ``stepping`` and
    ``state_of``, ``_build``, ``_compile_callees``, ``_record_deopt``.
    """

    def enter_loop(self, frame: Any) -> tuple[str, Any] | None:
        """A loop in an interpreted frame got hot: run it natively from its header.

        Returns None (stay in the interpreter), ("return", value) when the
        function returned from inside the loop, or ("resume", pc) after the
        frame's locals and stack were updated in place (the loop was left, or
        a guard failed). Raises what the loop raised.
        """
        code, header = frame.code, frame.pc
        state = self.state_of(code)
        if not self.policy.enabled or state.state == State.BLACKLISTED or header in state.osr_refused \
                or state.held or self.stepping:
            return None
        try:
            unit = self._osr_unit(frame)
        except NotCompilable as why:
            state.osr_refused.add(header)
            self.events.add("not-compilable", code.name, tier="T2", pc=header, line=code.lines[header],
                            detail={"reason": why.reason, "osr": True})
            return None
        if not unit.valid:
            code.profile.rewind(unit.typed_region_end)   # try again later
            return None
        if state.state in (State.INTERPRETED, State.DESPECIALIZED):
            state.state = State.OPTIMIZED
        self.events.add("osr", code.name, tier="T2", pc=header, line=code.lines[header],
                        detail={"iterations": code.profile.counters[unit.typed_region_end]})
        return self._run_osr(unit, frame)

    @serialized
    def _osr_unit(self, frame: Any) -> "Unit":
        code, header = frame.code, frame.pc
        end = max(pc for pc, (op, arg) in enumerate(code.instrs) if op == Op.JUMP_BACK and arg == header)
        promoted = self._promotable_globals(code, header, end)
        values = list(frame.locals) + [self.vm.globals[name] for name in promoted]
        slot_types = tuple(Kind.UNSET if value is None else _scalar_type(value) for value in values)
        if any(kind is None for kind in slot_types):
            names = [*code.local_names, *promoted]
            name = next(n for n, kind in zip(names, slot_types) if kind is None)
            raise NotCompilable(f"variable {name} holding a {ruff_type(type(values[names.index(name)]))}",
                                code.lines[header])
        stack = ()
        if frame.stack:   # a for loop's header: [items, position]
            if len(frame.stack) != 2 or _as_range(frame.stack[0]) is None:
                raise NotCompilable("a for loop over values other than a range of ints", code.lines[header])
            stack = (RANGE, Kind.INT)
        region = LoopRegion(header, end, promoted,
                            frozenset(n for n in promoted if self.vm.global_kinds.get(n) in ("let", "const")), stack)
        typed = infer(code, (), self._lookup, self._return_type_of, region, slot_types)
        self._compile_callees(typed)
        unit = self._build(typed, 2)
        unit.typed_region_end = end
        unit.region = region
        self.state_of(code).units.append(unit)
        return unit

    def _promotable_globals(self, code: CodeObject, header: int, end: int) -> tuple[str, ...]:
        """Globals the loop reads or writes that hold scalars and that no function it
        calls can see (so keeping them in registers while it runs is invisible)."""
        used = {code.names[arg] for op, arg in code.instrs[header:end + 1]
                if op in (Op.LOAD_GLOBAL, Op.STORE_GLOBAL) and isinstance(code.names[arg], str)}
        scalars = {name for name in used if _scalar_type(self.vm.globals.get(name, object())) is not None
                   and name in self.vm.globals}
        return tuple(sorted(scalars - self._names_seen_by_callees(used - scalars)))

    def _names_seen_by_callees(self, callee_names: set[str]) -> set[str]:
        seen: set[str] = set()
        pending = [self.vm.globals.get(name) for name in callee_names]
        visited = set()
        while pending:
            function = pending.pop()
            if type(function) is not Function or id(function) in visited:
                continue
            visited.add(id(function))
            for inner in function.code.walk():
                for name in inner.names:
                    if isinstance(name, str):
                        seen.add(name)
                        pending.append(self.vm.globals.get(name))
        return seen

    def _run_osr(self, unit: "Unit", frame: Any) -> tuple[str, Any]:
        ctx, buffer = self.ctx.words, self.ctx.buffer
        promoted = unit.region.promoted
        values = list(frame.locals) + [self.vm.globals[name] for name in promoted]
        for index, value in enumerate(values):
            buffer[2 * index], buffer[2 * index + 1] = rt.unbox(value, self.handles)
        if frame.stack:   # a for loop: its items as a range, then the position
            span, position = _as_range(frame.stack[0]), frame.stack[1]
            for offset, word in enumerate((span.start, span.stop, span.step, position)):
                buffer[2 * (len(values) + offset)], buffer[2 * (len(values) + offset) + 1] = rt.TAG_RANGE, word
        ctx[rt.CTX_DEPTH] = len(self.vm.frames)
        self.native_depth += 1
        self.osr_frames.append((frame, len(self.vm.frames) - 1))
        try:
            unit.entry(self.ctx.args_pointer)
        finally:
            self.native_depth -= 1
            self.osr_frames.pop()
        status = ctx[rt.CTX_STATUS]
        if status == rt.STATUS_OK:
            return "return", rt.box(ctx[rt.CTX_RET_TAG], ctx[rt.CTX_RET_BITS], self.handles)
        nslots = len(values)
        nstack = ctx[rt.CTX_RET_TAG] if status == rt.STATUS_EXIT else 0
        restored = rt.box_values(buffer, nslots + nstack, self.handles)
        frame.locals[:] = restored[:len(frame.locals)]
        for name, value in zip(promoted, restored[len(frame.locals):nslots]):
            self.vm.globals[name] = value
        if status == rt.STATUS_ERROR:
            pending, self.pending = self.pending, None
            raise as_interpreter_error(pending)
        frame.stack[:] = restored[nslots:]
        where = ctx[rt.CTX_RET_BITS]
        guard_number, pc = where >> 32, where & 0xFFFFFFFF
        if guard_number and unit.guards[guard_number - 1].kind != "interrupt":
            guard = unit.guards[guard_number - 1]
            self._record_deopt(unit, guard, guard.detail)
        return "resume", pc


def _as_range(items: Any) -> range | None:
    """A for loop's items as a range, if they are one: what range(...) made (an
    array of ints in arithmetic progression) or what iterating an int made."""
    if type(items) is range:
        return items
    if type(items) is not list or not all(type(item) is int for item in items):
        return None
    if len(items) < 2:
        return range(items[0], items[0] + 1) if items else range(0)
    step = items[1] - items[0]
    if step == 0 or any(b - a != step for a, b in zip(items, items[1:])):
        return None
    return range(items[0], items[-1] + step, step)


def _scalar_type(value: Any) -> str | None:
    """int, float or bool: what an OSR unit can keep in a register."""
    try:
        kind = value_type(value)
    except TypeError:
        return None
    return None if kind == Kind.NULL else kind
