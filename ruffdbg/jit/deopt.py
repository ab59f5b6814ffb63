"""The boundary between the interpreter and native code: entering a unit from
the interpreter, the callbacks native code makes (``_on_deopt`` when it hands
a frame back, ``_on_call`` when it calls something it cannot run itself), and
what a deopt leads to (despecialization, blacklisting).

Every callback stands the native activations below it on the Ruff stack as a
gap (``_native_gap``, vm/framestack.py): counted at once, so the interpreter
sees the depth it would have had, and rebuilt from the shadow stack only when
the stack shows (an error's trace, a pause). Nothing may unwind into native
code, so errors are parked in ``pending`` and raised again once control is back
in Python.
"""

from __future__ import annotations

import ctypes
import time
from contextlib import contextmanager
from functools import partial
from typing import Any, Iterator

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import OPCODES, Op, stack_pops
from ruffdbg.core.arrays import RArray
from ruffdbg.core.errors import RuffError, RuffRuntimeError
from ruffdbg.core.values import field_get as values_field_get, index_get as values_index_get
from ruffdbg.core.objects import Builtin, Function
from ruffdbg.jit import counts, elements, structs
from ruffdbg.jit import runtime as rt
from ruffdbg.profile.ics import site_text
from ruffdbg.jit import assumptions, tiering
from ruffdbg.jit.lock import serialized
from ruffdbg.jit.lowering import Guard
from ruffdbg.jit.policy import NEVER
from ruffdbg.jit.types import Closures, Kind, function_text
from ruffdbg.jit.units import FunctionState, Unit
from ruffdbg.jit.views import State
from ruffdbg.profile.report import ruff_type
from ruffdbg.vm.frame import Frame, NativeFrame
from ruffdbg.vm.framestack import Gap
from ruffdbg.vm.sampler import RUNTIME, T0
from ruffdbg.vm import step
from ruffdbg.vm.hooks import NOT_TAKEN
from ruffdbg.vm.control import INVALIDATED

class NativeBoundary:
    """(Part of ``Jit``.) Calls into native code, its callbacks, and deopt policy.

    Uses the Jit's ``ctx``, ``handles``, ``vm``, ``units``, ``policy``,
    ``events``, ``pending``, ``native_depth``, ``osr_frames`` and the
    registry (``state_of``, ``invalidate``, ``compile``).
    """

    def call(self, unit: Unit, args: list, function: Any = None) -> Any:
        """Run ``unit`` on ``args`` from the interpreter; NOT_TAKEN if the entry refused them.

        ``function`` is the closure called: its cells are what the frame's
        LOAD_FREE / STORE_FREE reach, standing at the frame's depth of the cells
        stack while it runs (``runtime.NativeContext.cells``)."""
        # Not taken: released (retired; a caller read ``native`` before it was), or a
        # short method the interpreter runs more cheaply itself (tiering.short_method).
        if unit.entry is None or unit.interpreted_from_t0:
            return NOT_TAKEN
        if unit.from_interpreter == self.policy.short_function_entries and self._interpreted_from_t0(unit):
            return NOT_TAKEN
        ctx = self.ctx.words
        handles = self.handles
        # (one slice store: a ctypes item store costs as much as the unboxing)
        self.ctx.args[:2 * len(args)] = [part for value in args for part in rt.unbox(value, handles)]
        depth = len(self.vm.frames) + self.vm.hidden   # (the Ruff stack's depth: vm/framestack.py)
        ctx[rt.CTX_DEPTH] = depth
        # (only a code with free variables reads its cells; 0: its cell ops take the generic path)
        closure = unit.code.free_names
        if closure:
            cells = function.cells if function is not None else ()
            below, self.ctx.cells[depth + 1] = self.ctx.cells[depth + 1], id(cells) if cells else 0
        self.native_depth += 1
        unit.from_interpreter += 1
        started = self.native_started(unit.code)
        below, handles.floor = handles.floor, handles.mark()   # (runtime.Handles.floor)
        try:
            unit.entry(self.ctx.args_pointer)
        finally:
            handles.floor = below
            self.native_ended(unit.code, started)
            self.native_depth -= 1
            if closure:
                self.ctx.cells[depth + 1] = below
        try:
            status = ctx[rt.CTX_STATUS]
            if status == rt.STATUS_ENTRY_GUARD:
                unit.from_interpreter -= 1
                self._entry_refused(unit, args)
                return NOT_TAKEN
            if status == rt.STATUS_ERROR:
                pending, self.pending = self.pending, None
                raise as_interpreter_error(pending)
            return rt.box(ctx[rt.CTX_RET_TAG], ctx[rt.CTX_RET_BITS], self.handles)
        finally:
            if self.native_depth == 0:
                self.handles.clear()

    def _interpreted_from_t0(self, unit: Unit) -> bool:
        """A short loop-free, call-free function the interpreter has entered natively
        ``short_function_entries`` times: from now on it interprets it (entering costs
        more than its body), as it does a short method from the start
        (``tiering.short_method``); native callers still call the unit."""
        reason = tiering.short_method(unit.code, self.policy.short_method, methods_only=False)
        if reason is None or unit.region is not None:
            return False
        unit.interpreted_from_t0 = reason
        state = self.state_of(unit.code)
        if state.unit is unit:
            state.reason = reason
            unit.code.profile.native = None   # (the interpreter's calls: T0's own fast paths, vm/functions.py)
        self.events.add("interpreted", unit.code.name, tier=f"T{unit.tier}",
                        detail={"reason": reason, "unit": unit.id, "entries": unit.from_interpreter})
        return True

    def native_started(self, code: CodeObject) -> int:
        """Open a native run's timing context (``vm.timing``); its start time."""
        frames = self.vm.frames
        self.vm.timing.append([0])
        code.profile.active += 1
        started = time.perf_counter_ns()
        self.python_before = (T0, frames[-1].code if frames else code, started)   # (vm/sampler.py)
        return started

    def native_ended(self, code: CodeObject, started: int, osr: bool = False) -> None:
        """Close the native run's timing context: its wall time, less what it spent
        elsewhere (compiling, runs of the interpreter it called back into), is
        ``code``'s self time, and none of it the enclosing context's. An OSR run
        is already on its own frame's clock: only the time spent elsewhere comes
        off. (Units called natively are not timed apart: their time is ``code``'s.)"""
        elapsed = time.perf_counter_ns() - started
        outside = self.vm.timing.pop()[0]
        profile = code.profile
        profile.active -= 1
        if osr:
            self.vm.charge_outside(outside)
            return
        profile.self_ns += elapsed - outside
        if not profile.active:
            profile.total_ns += elapsed
        self.vm.charge_outside(elapsed)

    def _frame_for(self, unit: Unit, pc: int, depth: int, values: list, nlocals: int,
                   handlers: bool = False) -> Frame:
        """The interpreter frame a native activation at ``depth`` stands for, at ``pc``:
        its values, its closure's cells, the ``try`` handlers open there (static)."""
        cells = self.cells_at(depth) if unit.code.free_names else ()
        frame = Frame(unit.code, None, values[:nlocals], cells)
        frame.stack = values[nlocals:]
        frame.pc = pc
        if handlers:   # (an op callback's frame gets them in run_frame_raising, if it fails)
            frame.handlers = list(step.handlers_at(unit.code, pc))
        return frame

    def cells_at(self, depth: int) -> tuple:
        """The cells of the closure running natively at ``depth`` (the cells stack:
        whoever entered it wrote their tuple's address, and the closure, held by its
        caller, keeps them alive)."""
        address = self.ctx.cells[depth]
        return ctypes.cast(address, ctypes.py_object).value if address else ()

    def _entry_refused(self, unit: Unit, args: list) -> None:
        """The entry's type guard failed on an argument: a deopt before anything ran."""
        for name, value, expected in zip(unit.code.params, args, unit.param_types):
            actual = ruff_type(type(value))
            if actual != expected and expected != Kind.DYN:   # (a tagged parameter takes any value)
                guard = next(g for g in unit.guards if g.kind == "type" and g.detail.startswith(f"{name}:"))
                self._record_deopt(unit, guard, f"{name}: expected {expected}, got {actual}")
                return

    def _native_gap(self, upto: int) -> Gap | None:
        """Stand the native activations at depths [``vm.depth()``, ``upto``) below
        what the interpreter runs next, until ``vm.close_gap``: counted toward the
        depth at once, built as frames (``_native_frames``) only if the Ruff stack
        shows -- an error's trace, a pause, a step. So each callback of a deep
        native recursion costs O(1), not the depth. None: nothing stands there."""
        vm = self.vm
        start = len(vm.frames) + vm.hidden
        if upto <= start and not self.osr_frames:
            return None
        return vm.open_gap(upto - start, partial(self._native_frames, start, upto))

    @contextmanager
    def _native_below(self, upto: int) -> Iterator[None]:
        """``_native_gap`` as a context manager."""
        gap = self._native_gap(upto)
        try:
            yield
        finally:
            self.vm.close_gap(gap)

    def _native_frames(self, start: int, upto: int) -> list:
        """Frames standing for the native activations at depths [start, upto), each
        rebuilt from its shadow-stack entry (unit, pc of the call it is making), so
        the Ruff stack shows as it would have in the interpreter (error traces, the
        ``Error`` value, the debugger's views). The activations are suspended in
        the callback that stood them there, so their entries hold until it returns.
        """
        # A frame running an OSR loop is a real interpreter frame: point it at its call.
        for frame, level in self.osr_frames:
            if level < upto:
                frame.pc = (self.ctx.shadow[level] & 0xFFFFFFFF) + 1
        frames = []
        for level in range(start, upto):
            entry = self.ctx.shadow[level]
            frame = NativeFrame(self.units[entry >> 32].code, None, [])
            frame.pc = (entry & 0xFFFFFFFF) + 1   # a frame's line is that of pc - 1
            frames.append(frame)
        return frames

    def _on_deopt(self, unit_id: int, guard_id: int, pc: int, depth: int, nlocals: int, nstack: int, mark: int,
                  buffer) -> int:
        """Native code gave up at ``pc``: finish this frame in the interpreter."""
        vm = self.vm
        ctx = self.ctx.words
        running = ctx[rt.CTX_UNIT]   # (native code runs below: put the word back as found)
        home = self.promoted_out()   # (an OSR loop's registers: see osr.OsrEntry.promoted_out)
        try:
            unit = self.units[unit_id]
            guard = unit.guards[guard_id]
            values = rt.box_values(buffer, nlocals + nstack, self.handles)
            self.handles.release_from(mark)   # (the boxed frame holds their values now)
            if guard.kind != "interrupt":
                self._record_deopt(unit, guard, self._deopt_reason(unit, guard, values, nlocals))
            if guard.kind == "callee-code":
                _saw_another_code(unit.code, guard.pc, values[-unit.code.instrs[guard.pc][1] - 1])
            frame = self._frame_for(unit, pc, depth, values, nlocals, handlers=True)
            with self._native_below(depth - 1):   # all but the deopting frame
                result = vm.run_frame(frame)
            ctx[rt.CTX_RET_TAG], ctx[rt.CTX_RET_BITS] = rt.unbox(result, self.handles)
            ctx[rt.CTX_STATUS] = rt.STATUS_BOXED
        except BaseException as error:  # noqa: BLE001 - nothing may unwind into native code
            self.pending = error
            ctx[rt.CTX_STATUS] = rt.STATUS_ERROR
        self.promoted_in(home)
        ctx[rt.CTX_UNIT] = running
        self.python_before = (T0, self.units[unit_id].code, time.perf_counter_ns()) if unit_id < len(self.units) else None
        return ctx[rt.CTX_STATUS]

    def _on_call(self, unit_id: int, pc: int, depth: int, function_id: int, argc: int, buffer) -> int:
        """Native code calls a function it has no native code for: the interpreter runs it.
        (``function_id``: a function's id, or a closure's handle flagged ``CLOSURE_HANDLE``.)"""
        vm = self.vm
        ctx = self.ctx.words
        running = ctx[rt.CTX_UNIT]
        home = self.promoted_out()
        try:
            function = self.handles.get(function_id & ~rt.CLOSURE_HANDLE) if function_id & rt.CLOSURE_HANDLE \
                else self.handles.functions[function_id]
            args = [rt.box(buffer[2 * i], buffer[2 * i + 1], self.handles) for i in range(argc)]
            if pc & rt.SAMPLED_CALL:
                self._count_sampled_calls(function)
            self.runtime_marks.append((len(vm.timing), unit_id))   # (a runtime call, for the profiler)
            try:
                if type(function) is Builtin:
                    result = self._call_builtin(function, args, depth)
                else:
                    with self._native_below(depth):   # the caller wrote its own shadow entry too
                        result = vm.call_function(function, args)
            finally:
                self.runtime_marks.pop()
                # What native code waited on, for the sampler: a Ruff function the VM ran, or the runtime.
                self.python_before = (T0, function.code, time.perf_counter_ns()) if type(function) is Function \
                    else (RUNTIME, self.units[unit_id].code, time.perf_counter_ns())
            ctx[rt.CTX_RET_TAG], ctx[rt.CTX_RET_BITS] = rt.unbox(result, self.handles)
            ctx[rt.CTX_STATUS] = rt.STATUS_BOXED
        except BaseException as error:  # noqa: BLE001 - nothing may unwind into native code
            self.pending = error
            ctx[rt.CTX_STATUS] = rt.STATUS_ERROR
        self.promoted_in(home)
        ctx[rt.CTX_UNIT] = running
        return ctx[rt.CTX_STATUS]

    def _count_sampled_calls(self, function: Function) -> None:
        """A sample stands for about ``period`` calls: the ones made natively since
        the last one bring the callee's call-count mark closer. (Its ``calls`` stay
        exact: the views add native entries to them. Its type profile counts the
        samples only: weighted, it would swing with every sample and call a mixed
        profile stable.) Every call is a sample until the profile has the samples
        the stability rule asks for, so T2 comes as soon as it would from the VM."""
        profile = function.code.profile
        state = self.state_of(function.code)
        if profile is None or state.unit is None or state.unit.tier != 1:
            return
        cell = state.cell
        profile.hot_at -= cell[rt.SAMPLE_PERIOD] - 1
        samples = min((sum(seen.values()) for seen in profile.arg_types), default=0)
        if not profile.arg_types or samples >= self.policy.stable_samples:
            cell[rt.SAMPLE_PERIOD] = self.policy.sample_native_calls

    def _call_builtin(self, function: Builtin, args: list, depth: int) -> Any:
        """A builtin called from native code, the native frames below it (the caller
        wrote its own shadow entry too) standing as a gap: built only if the Ruff
        stack shows (the builtin fails; Ruff code it calls fails or pauses)."""
        vm = self.vm
        gap = self._native_gap(depth)
        try:
            return function.fn(vm, args)
        except RuffError as error:
            if error.entries is None:
                # A builtin failed: record where while the native frames stand there.
                vm.error_raised(error.message)
                error.value = vm.error_value(error)
                error.entries = vm.stack_entries()
            raise
        finally:
            vm.close_gap(gap)

    def _on_op(self, unit_id: int, pc: int, op: int, depth: int, nlocals: int, nstack: int, buffer,
              mark: int) -> int:
        """The op callback (see ``_run_op``), with an OSR loop's promoted globals visible;
        a runtime call for the profiler, which finds the native word as it was."""
        words = self.ctx.words
        running = words[rt.CTX_UNIT]
        self.runtime_marks.append((len(self.vm.timing), unit_id))
        try:
            if not self.promoted_homes:   # (the common case: no OSR loop keeps globals in registers)
                return self._run_op(unit_id, pc, op, depth, nlocals, nstack, buffer, mark)
            home = self.promoted_out()
            status = self._run_op(unit_id, pc, op, depth, nlocals, nstack, buffer, mark)
            self.promoted_in(home)
            return status
        finally:
            self.runtime_marks.pop()
            words[rt.CTX_UNIT] = running
            self.python_before = (RUNTIME, self.units[unit_id].code, time.perf_counter_ns())

    def _run_op(self, unit_id: int, pc: int, op: int, depth: int, nlocals: int, nstack: int, buffer,
                mark: int) -> int:
        """T1's generic path: the interpreter runs the instruction at ``pc`` (or ``op``
        in its place) on the native frame's values. Results go back through the
        buffer: the values the instruction pushed from pair ``nlocals`` on, a
        local it replaced in place. A Ruff error goes to the frame's ``try``
        handlers: the interpreter then finishes the frame (STATUS_BOXED) or the
        error propagates (STATUS_ERROR); nothing runs twice.

        The common case is kept light: only the operands and the locals the
        instruction names are boxed (the whole frame for a MUT_* op, or when it
        fails), and the native frames
        below are built only if the Ruff stack shows (an error, a pause, a step)."""
        handles = self.handles
        if op == rt.OP_SWEEP:   # (a T2 loop's back-edge: CTX_SWEEP was set)
            live, _ = rt.object_handles(buffer, 0, nlocals + nstack)
            handles.sweep(mark, live)
            self.ctx.words[rt.CTX_SWEEP] = 0
            return rt.STATUS_OK
        if self.vm.interrupt[0] and op != rt.OP_RAISE and not _ends_frame(self.units[unit_id].code, pc, op):
            return rt.STATUS_INTERRUPTED   # a safepoint: leave before the op runs (lowering.generic._unless_done)
        try:
            # The frame's values as native code wrote them, read once (a list: reading
            # a ctypes pointer costs per item). The instruction may run Ruff code (a
            # call, a method, an operator overload) whose native code reuses the
            # shared transfer buffer: an error handed to the frame's handlers, and
            # the handle sweep, must see these, not the buffer after.
            pairs = buffer[0:2 * min(3 * (nlocals + nstack), rt.BUFFER_VALUES)]   # (a range is 3 pairs)
            unit = self.units[unit_id]
            unit.callbacks += 1
            if unit.callbacks == unit.judge_at:
                self.judge_native_run(unit)
            shape = unit.op_shapes.get((pc, op))
            if shape is None:
                shape = unit.op_shapes[(pc, op)] = op_shape(unit.code, pc, op)
            pops, slots = shape
            kept = nstack - pops
            if op == rt.OP_RAISE:
                if unit.region is not None:   # the interpreted frame raises it (osr._run_native_loop)
                    self.pending_pc = pc
                    return rt.STATUS_ERROR
                pending, self.pending = self.pending, None
                if not isinstance(pending, (RuffError, RuffRuntimeError)):
                    raise pending if pending is not None else AssertionError("OP_RAISE without an error")
                frame = self._whole_frame(unit, pc, depth, nlocals, nstack, pairs)
                frame.pc = pc + 1
                return self._finish_raising(frame, as_interpreter_error(pending), depth - 1, mark)
            whole = slots is None
            if whole:
                frame = self._whole_frame(unit, pc, depth, nlocals, nstack, pairs)
                slots = range(nlocals)
                replaced = {}
            else:   # the operands, and the locals it names
                _, first = rt.object_handles(pairs, nlocals, kept)
                operands = [rt.box(pairs[2 * pair], pairs[2 * pair + 1], handles) for pair in range(first, first + pops)]
                # an object operand the instruction hands back (push appending in place) keeps its handle
                replaced = {id(value): (pairs[2 * pair], pairs[2 * pair + 1])
                            for pair, value in zip(range(first, first + pops), operands)
                            if pairs[2 * pair] == rt.TAG_OBJECT}
                frame = self._frame_for(unit, pc, depth, (), 0)
                frame.stack = operands
                if slots:
                    frame.locals = [None] * nlocals
                    for slot in slots:
                        frame.locals[slot] = rt.box(pairs[2 * slot], pairs[2 * slot + 1], handles)
            # the locals' values before (ids: a copy would be one more holder)
            before = {slot: id(frame.locals[slot]) for slot in slots}
            real = unit.code.instrs[pc][0] if op == rt.OP_AS_IS else op
            if real in MUT_OPS:
                mutated = self._about_to_mutate(real, unit.code.instrs[pc][1], frame)
                self.vm.cow_discount = handles.count_above(mark, mutated) if mutated is not _NOTHING else 0
                mutated = None   # (a reference held here would count too)
            elif real == Op.CALL and not whole:
                self.vm.cow_discount = _replaced_by_builder(unit, pc, frame, pairs, nlocals, nstack, mark, handles)
            in_place = real == Op.CALL and self.vm.cow_discount > 0   # (push appending to its own array)
            try:
                following = self._execute_standing_in(unit, frame, op, depth - 1)
            except RuffError as error:
                if unit.region is not None:
                    # An OSR loop runs in an interpreted frame: that frame raises it,
                    # at this pc (osr._run_native_loop), with the handlers it has.
                    self.pending, self.pending_pc = error, pc
                    self.ctx.words[rt.CTX_STATUS] = rt.STATUS_ERROR
                    return rt.STATUS_ERROR
                raising = self._whole_frame(unit, pc, depth, nlocals, nstack, pairs)
                raising.pc = pc + 1
                return self._finish_raising(raising, error, depth - 1, mark)
            finally:
                self.vm.cow_discount = 0
                if not unit.valid:
                    # Retired meanwhile (judged slower, or by what the op ran): the
                    # request to leave at the next safepoint may have been taken by
                    # the interpreted code the op ran -- make it again for this one.
                    self.vm.request_interrupt(INVALIDATED, only_if_idle=True)
            if following != pc + 1:
                return rt.STATUS_JUMPED
            stack = frame.stack
            if in_place and stack and type(stack[-1]) is RArray:
                rt.make_room(stack[-1].items)   # (the next pushes append natively, not here)
            if whole:   # (the whole stack was boxed)
                stack = stack[kept:]
            pushed = len(stack)
            sweep = handles.made > 1024 and handles.sweep_due()
            if sweep:   # what the frame holds, from its saved values: native code the
                # instruction ran (a callee) reused the buffer, locals included
                live, _ = rt.object_handles(pairs, 0, nlocals)
                live |= rt.object_handles(pairs, nlocals, kept)[0]
            # id of a value -> the pair it has: a local's new value (MUT_LOCAL's copy is pushed
            # too: one handle), an operand handed back
            for slot, was in before.items():
                after = frame.locals[slot]
                if was != id(after):   # (replaced: NEW_CELL, STORE_LOCAL, MUT_LOCAL's copy)
                    buffer[2 * slot], buffer[2 * slot + 1] = replaced[id(after)] = rt.unbox(after, handles)
                    if sweep and buffer[2 * slot] == rt.TAG_OBJECT:
                        live.add(buffer[2 * slot + 1])
            for index, value in enumerate(stack):
                pair = replaced.get(id(value))
                if pair is None and slots:   # a local's value (LOAD_LOCAL, MUT_LOCAL): its handle
                    local = next((slot for slot, was in before.items() if was == id(value)), None)
                    if local is not None and rt.box(pairs[2 * local], pairs[2 * local + 1], handles) is value:
                        pair = pairs[2 * local], pairs[2 * local + 1]
                buffer[2 * (nlocals + index)], buffer[2 * (nlocals + index) + 1] = pair or rt.unbox(value, handles)
            if sweep:
                live |= rt.object_handles(buffer, nlocals, pushed)[0]
                handles.sweep(mark, live)
            return rt.STATUS_OK
        except BaseException as error:  # noqa: BLE001 - nothing may unwind into native code
            self.pending = error
            self.ctx.words[rt.CTX_STATUS] = rt.STATUS_ERROR
            return rt.STATUS_ERROR

    def _execute_standing_in(self, unit: Unit, frame: Frame, op: int, below: int) -> int:
        """Run the op's one instruction with the native activations below ``below``
        standing as a gap. An OSR unit's op runs in a frame that stands for the
        interpreted frame the loop was entered from: that one leaves the Ruff stack
        meanwhile (or an error raised there would show the function twice)."""
        vm = self.vm
        frames = vm.frames
        lifted = unit.region is not None and bool(self.osr_frames) and bool(frames) \
            and self.osr_frames[-1][0] is frames[-1]
        if lifted:
            entered = frames.pop()
        gap = self._native_gap(below)
        self.standing_in[id(frame)] = f"T{unit.tier}"   # (what the debugger's frame list says)
        try:
            return step.execute_one(vm, frame, None if op == rt.OP_AS_IS else op)
        finally:
            del self.standing_in[id(frame)]
            vm.close_gap(gap)
            if lifted:
                frames.append(entered)

    def _about_to_mutate(self, op: int, arg: Any, frame: Frame) -> Any:
        """The container a MUT_* op is about to make unshared (copy-on-write).

        The interpreter copies it when CPython's reference count shows another
        holder. Handles count as holders; those at or above this frame's mark
        were made after it was entered, so only this frame (whose holds the boxed
        frame shows) or nobody holds them: the VM discounts them while the op
        runs (``vm.cow_discount``). Handles below the mark may be held by native
        frames below: they count."""
        try:
            if op == Op.MUT_LOCAL:
                return frame.locals[arg]
            if op == Op.MUT_CELL:
                return frame.locals[arg].value
            if op == Op.MUT_FREE:
                return frame.cells[arg].value
            if op == Op.MUT_GLOBAL:
                return self.vm.globals.get(frame.code.names[arg], _NOTHING)
            if op == Op.MUT_INDEX:
                return values_index_get(frame.stack[-2], frame.stack[-1])
            if op == Op.MUT_FIELD:
                return values_field_get(frame.stack[-1], frame.code.consts[arg])
        except RuffError:   # the op raises it again, with its location
            pass
        return _NOTHING

    def _whole_frame(self, unit: Unit, pc: int, depth: int, nlocals: int, nstack: int, buffer) -> Frame:
        return self._frame_for(unit, pc, depth, rt.box_values(buffer, nlocals + nstack, self.handles), nlocals)

    def _finish_raising(self, frame: Frame, error: RuffError, below: int, mark: int) -> int:
        """The instruction failed: the frame's handlers take the error, the interpreter
        runs the frame to its end (the native activations up to ``below`` standing
        under it) and its result goes back boxed.

        The native frame is over: the handles it made are released first, or
        `xs := push(xs, v)` in the interpreted rest would copy the array each
        time (quadratic: nest seed 130332 #641)."""
        ctx = self.ctx.words
        self.handles.release_from(mark)
        with self._native_below(below):
            result = step.run_frame_raising(self.vm, frame, error)
        ctx[rt.CTX_RET_TAG], ctx[rt.CTX_RET_BITS] = rt.unbox(result, self.handles)
        ctx[rt.CTX_STATUS] = rt.STATUS_BOXED
        return rt.STATUS_BOXED

    def _deopt_reason(self, unit: Unit, guard: Guard, values: list, nlocals: int) -> str:
        if guard.kind == "call-result":
            return f"call result: expected {guard.detail.split()[-1]}, got {ruff_type(type(values[-1]))}"
        if guard.kind == "elements-kind":   # (the array and the index are on the stack)
            return elements.deopt_reason(site_text(unit.code, guard.pc), guard.element_kind, values[-2], values[-1])
        if guard.kind == "declared-shape":   # (a struct literal: the name builds another shape now)
            return structs.literal_deopt_reason(site_text(unit.code, guard.pc), guard.shape,
                                                self.vm.structs.get(guard.shape.name))
        if guard.kind in ("callee", "callee-code"):   # (the value called is under the arguments)
            called = values[-unit.code.instrs[guard.pc][1] - 1]
            expected = guard.detail.split("the called value is ", 1)[1]
            return f"{site_text(unit.code, guard.pc)}: expected {expected}, got {_called_text(called)}"
        if guard.kind == "shape":   # (the receiver is on the stack)
            receiver = values[-structs.receiver_depth(unit.code, guard.pc)]
            return structs.deopt_reason(site_text(unit.code, guard.pc), guard.shape, receiver)
        return guard.detail

    def _record_deopt(self, unit: Unit, guard: Guard, reason: str) -> None:
        state = self.state_of(unit.code)
        state.deopts += 1
        self.events.add("deopt", unit.code.name, tier=f"T{unit.tier}", pc=guard.pc, line=guard.line,
                        detail={"guard": guard.id, "guard_kind": guard.kind, "unit": unit.id, "reason": reason})
        outcome = tiering.after_deopt(guard.kind, unit.region is not None, state.state)
        if outcome == "speculation":
            self._maybe_despecialize(unit, state, guard)
        elif outcome == "bail-out":
            # Native code met something only the interpreter does (a tag it
            # cannot handle, an error to raise). Recompiling would not help.
            state.bail_outs += 1
            if tiering.too_many(state.bail_outs, self.policy):
                self._blacklist(unit.code, state, f"T{unit.tier} bailed out {state.bail_outs} times (last: {reason})",
                                keep_baseline=False)

    @serialized
    def _maybe_despecialize(self, unit: Unit, state: FunctionState, guard: Guard | None = None) -> None:
        """Speculation failing too often (> 10 % of entries): back to T1, re-profile."""
        if not unit.valid or unit.tier != 2 or unit.region is not None:
            return
        failures, attempts = counts.speculation_counts(unit, tiering.SPECULATIVE, counts.unit_counts(self.units)[unit.id])
        verdict = tiering.judge_speculation(failures, attempts, unit.window, self.policy)
        unit.window = verdict.window
        if not verdict.despecialize:
            return
        failures, attempts = verdict.failures, verdict.attempts
        code, profile = unit.code, unit.code.profile
        self.invalidate(unit, "despecialized", still_correct=True)
        state.despecializations += 1
        for seen in profile.arg_types:
            seen.clear()
        summary = f"{failures} guard failures in {attempts} entries (> {self.policy.despecialize_rate:.0%})"
        broken = assumptions.for_guard(unit.assumptions, guard) if guard is not None else None
        self.events.add("despecialized", code.name, tier="T1", detail={
            "reason": summary, "unit": unit.id, **({"assumption": broken.text()} if broken else {})})
        baseline = self.compile(code, (Kind.DYN,) * len(code.params), tier=1)
        if tiering.too_many(state.despecializations, self.policy):
            self._blacklist(code, state, f"despecialized {state.despecializations} times; last: {summary}",
                            keep_baseline=True)
            return
        state.state, state.reason = State.DESPECIALIZED, summary
        if baseline is not None or state.state != State.NOT_COMPILABLE:
            profile.hot_at = profile.calls + self.policy.recheck_every

    @serialized
    def _blacklist(self, code: CodeObject, state: FunctionState, reason: str, keep_baseline: bool) -> None:
        """Jidoka: stop tiering this function; it stays in its last safe tier, and says why."""
        if not keep_baseline and state.unit is not None:
            self.invalidate(state.unit, "blacklisted", still_correct=True)
        state.state, state.reason = State.BLACKLISTED, reason
        code.profile.hot_at = NEVER
        if state.unit is not None:
            self.arm_cell(state)   # (its calls are no longer sampled)
        self.events.add("blacklisted", code.name, tier=state.tier, detail={"reason": reason})


def _called_text(value: Any) -> str:
    """What a callee guard saw called, as its deopt reason says it."""
    if type(value) is Function:
        return Closures(value.code).text() if value.cells else function_text(value.code)
    if type(value) is Builtin:
        return f"the builtin {value.name}"
    return ruff_type(type(value))


def _saw_another_code(code: CodeObject, pc: int, value: Any) -> None:
    """A ``callee-code`` guard failed on a function of another code with the same name
    (two ``func`` expressions are both "<anonymous>"): the site's feedback, which
    counts names, cannot tell them apart, so its profile says so, and the unit
    built next calls there through the interpreter instead of guarding again."""
    if type(value) is Function and value.code.name == code.profile.callee_names[pc]:
        code.profile.callee_codes[pc] = None


MUT_OPS = frozenset({Op.MUT_LOCAL, Op.MUT_CELL, Op.MUT_FREE, Op.MUT_GLOBAL, Op.MUT_INDEX, Op.MUT_FIELD})
_NOTHING = object()


def _replaced_by_builder(unit: Unit, pc: int, frame: Frame, pairs: Any, nlocals: int, nstack: int, mark: int,
                         handles: rt.Handles) -> int:
    """``x := push(x, v)`` (a builtin marked ``reuses_first``, its result stored into the
    local its first argument came from): the handles that may be discounted from the
    array's reference count, so that push appends in place as it does at T0 (where
    the interpreter clears the local first, ``VM.drop_replaced``). Those are the
    handles at or above the frame's mark (made while it ran) holding the array that
    no other value of the frame holds; none when another value holds the local's."""
    operands = frame.stack
    callee, args = operands[0], operands[1:]
    following = unit.code.instrs[pc + 1] if pc + 1 < len(unit.code.instrs) else (None, None)
    if type(callee) is not Builtin or not callee.reuses_first or not args or following[0] != Op.STORE_LOCAL:
        return 0
    values = rt.value_pairs(pairs, nlocals + nstack)
    argument = len(values) - len(args)             # the first argument's position among the values
    tag, handle = values[argument]
    if tag != rt.TAG_OBJECT or values[following[1]] != (tag, handle):
        return 0
    held = {bits for position, (kind, bits) in enumerate(values)
            if kind == rt.TAG_OBJECT and position not in (argument, following[1])}
    if handle in held:
        return 0
    return sum(1 for index in handles.above(mark, args[0]) if index not in held)


def _ends_frame(code: CodeObject, pc: int, op: int) -> bool:
    """The op ends the native frame (THROW, FAIL): native code leaves after it with the
    status it gets, and has no safepoint exit there -- so it always runs (the error
    goes to the frame's handlers or up; the interrupt is taken where the interpreter
    goes on). Refusing it for an interrupt ended the frame silently, as if it had
    returned (a retired unit's ``throw`` inside a ``try``: rich seed 140008 #112)."""
    return OPCODES[code.instrs[pc][0] if op == rt.OP_AS_IS else op].ends


def op_shape(code: CodeObject, pc: int, op: int) -> tuple[int, tuple[int, ...] | None]:
    """For the generic op at ``pc`` (or ``op`` in its place): how many values below
    the top it may replace (what it pops; FOR_ITER also bumps the position under
    the element it pushes), and the locals it reads or writes (None: all of them).
    Only those are boxed for it: boxing a frame of 30 locals for each LOAD_CELL made
    a loop at T2 five times slower than at T0 (seed 8901 #1487)."""
    if op >= 0:
        return (OPCODES[op].pops if isinstance(OPCODES[op].pops, int) else 0), ()
    real, arg = code.instrs[pc]
    if real == Op.FOR_ITER:
        return 2, ()
    pops = stack_pops(real, arg, code)
    if real in MUT_OPS:   # (the holders copy-on-write must count are this frame's values: _about_to_mutate)
        return pops, None
    if real == Op.MAKE_FUNCTION:
        return pops, tuple(index for where, index in arg[1] if where == "local")
    return pops, (arg,) if real in step.USES_LOCALS else ()


def as_interpreter_error(error: BaseException | None) -> BaseException:
    """A failure that happened below native code, raised again in the interpreter."""
    if isinstance(error, RuffRuntimeError):
        return RuffError(error.message, value=error.value, entries=error.stack)
    return error if error is not None else RuffError("internal error: native code failed without a reason")
