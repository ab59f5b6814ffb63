"""T1's generic path: an instruction native code has no inline code for (or
whose inline fast path does not apply to the operands it met) is run by the
interpreter's own implementation, through the op callback.

Native code writes the frame's values out as a deopt exit does (locals, then
the operand stack, as (tag, bits) pairs in the transfer buffer), calls
``op_callback(unit, pc, op, depth, nlocals, nstack, buffer)`` and, when the
instruction completed, reads back what it pushed (from pair ``nlocals`` on) and
the local it may have replaced (NEW_CELL), then goes on at the next pc (FOR_ITER:
or at its target when the loop ended). When the instruction raised, the
interpreter took the frame over (its ``try`` handler, or the error escapes):
native code returns the status, as after a deopt.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.compiler.opcodes import OPCODES, Op, stack_pops
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import I1, I64, I64P, NOT_READ, REACH_COUNTED
from ruffdbg.jit.types import FunctionValue, Kind
from ruffdbg.vm.step import handlers_at

# Ops whose operand is a local they may replace.
REPLACES_LOCAL = frozenset({Op.NEW_CELL, Op.MUT_LOCAL})


class GenericOps:
    """(Part of ``Lowering``.) The op callback and the slow paths that use it."""

    def _call_op(self, pc: int, op: int = rt.OP_AS_IS, stack: list | None = None) -> ir.Value:
        """Write the frame out and have the interpreter run ``pc``; the status. (The
        frame's locals and stack: an OSR loop's promoted globals are not among them,
        its caller sent them home, ``_spill_promoted``.)"""
        b = self.builder
        stack = self.stack if stack is None else stack
        buffer = self._write_values_by_call(self._slot_values()[:self.code.nlocals] + stack)
        callback_type = ir.FunctionType(I64, [I64] * 6 + [I64P, I64])   # see runtime.OP_CALLBACK
        callback = self.imports.function("rd.op_callback", self.runtime.op, callback_type)
        return b.call(callback, [self.unit_id_value(), ir.Constant(I64, pc), ir.Constant(I64, op),
                                 self.depth, ir.Constant(I64, self.code.nlocals), ir.Constant(I64, len(stack)),
                                 buffer, self.handle_mark])

    def _unless_done(self, status: ir.Value, pc: int, *going_on: int, resume_at: int | None = None) -> None:
        """Leave the unit unless ``status`` is one of ``going_on`` (the frame is over:
        finished by the interpreter after a ``try`` caught an error, or failed).
        ``resume_at``: where the interpreter resumes if the op was not run for an
        interrupt (default ``pc``; an op run on a loop's entry edge, the header)."""
        b = self.builder
        proceed = self.function.append_basic_block(f"generic_done_pc{pc}")
        over = self.function.append_basic_block(f"generic_left_pc{pc}")
        test = b.icmp_signed("==", status, ir.Constant(I64, going_on[0]))
        for other in going_on[1:]:
            test = b.or_(test, b.icmp_signed("==", status, ir.Constant(I64, other)))
        b.cbranch(test, proceed, over)
        b.position_at_end(over)
        # A trip through the generic path is a safepoint: with the interrupt word
        # set (a pause, a step, a retired unit), the op does not run and the frame
        # leaves here as at a poll. (A loop making a trip at every iteration flushes
        # its back-edge count each time, so it never reaches the back-edge's poll.)
        # On this cold path the guard counts its passes: derived, they would claim a check per trip.
        guard = self.new_guard("interrupt", pc if resume_at is None else resume_at, "interrupt word set",
                               REACH_COUNTED)
        self.deopt_if(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_INTERRUPTED)), guard)
        self.bump(self.layout.left(pc))   # (the run left native code here: its counts must say so)
        self.leave(status, pc if resume_at is None else resume_at)   # (the frame is there, its stack too)
        b.position_at_end(proceed)

    def _results(self, count: int) -> list:
        """The values a generic op pushed, from the transfer buffer (tagged)."""
        b = self.builder
        buffer = self.address(self.runtime.buffer)
        base = self.code.nlocals
        results = []
        for index in range(count):
            tag = b.load(b.gep(buffer, [ir.Constant(I64, 2 * (base + index))]))
            bits = b.load(b.gep(buffer, [ir.Constant(I64, 2 * (base + index) + 1)]))
            results.append(self.make_dyn(tag, bits))
        return results

    def _reload_local(self, index: int) -> None:
        b = self.builder
        buffer = self.address(self.runtime.buffer)
        tag = b.load(b.gep(buffer, [ir.Constant(I64, 2 * index)]))
        bits = b.load(b.gep(buffer, [ir.Constant(I64, 2 * index + 1)]))
        b.store(self.make_dyn(tag, bits), self.slot(index, Kind.DYN))
        self.state_slots[index] = Kind.DYN

    def _generic(self, pc: int, op: int, arg: Any) -> None:
        """The interpreter runs the instruction at ``pc`` (inference marked it generic)."""
        if op == Op.FOR_ITER:
            self._generic_for_iter(pc, arg)
            return
        status = self._call_op(pc)
        if OPCODES[op].ends:   # THROW: the interpreter finished the frame, or the error goes up
            self.leave(status, pc)
            return
        self._unless_done(status, pc, rt.STATUS_OK)
        pops = stack_pops(op, arg, self.code)
        del self.stack[len(self.stack) - pops:]
        for value in self._results(OPCODES[op].pushes):
            self.push(value, Kind.DYN)
        if op in REPLACES_LOCAL:
            self._reload_local(arg)
        if op in (Op.CALL, Op.CALL_METHOD):
            # The callee ran in the interpreter: a safepoint (a debugger step that
            # returns here stops in this frame, see calls._check_call_result).
            self._poll_interrupt(pc + 1)

    def _generic_for_iter(self, pc: int, exit_target: int) -> None:
        """FOR_ITER over the interpreter's [items, position]: it bumps the position and
        pushes the element (three values back), or ends the loop (STATUS_JUMPED)."""
        b = self.builder
        generic = self.function.append_basic_block(f"for_generic_pc{pc}")
        self.native_for_step(pc, exit_target, generic)   # (an array's step: lowering/iteration.py)
        b.position_at_end(generic)
        # The interpreter's step may run Ruff code (a generator's body): an OSR
        # loop's promoted globals go home around it, as around a call (calls.py).
        self._spill_promoted()
        status = self._call_op(pc)
        self.promoted_in_home = bool(self.promoted_home)
        self._unless_done(status, pc, rt.STATUS_OK, rt.STATUS_JUMPED)
        saved = list(self.stack)
        more = self.function.append_basic_block(f"for_next_pc{pc}")
        done = self.function.append_basic_block(f"for_done_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_JUMPED)), done, more)
        b.position_at_end(done)
        self.stack = saved[:-2]
        in_home = self.promoted_in_home
        self._reload_promoted(exit_target)
        self._jump(exit_target)
        b.position_at_end(more)
        self.stack = saved[:-2] + [(value, Kind.DYN) for value in self._results(3)]
        self.promoted_in_home = in_home
        self._reload_promoted(pc + 1)
        self._jump(pc + 1)

    # ------------------------------------------------------------ slow paths

    def slow_path_begin(self, pc: int) -> list:
        """Open the slow path of an inline op at ``pc``: failing checks branch to it
        instead of deopting (see ``deopt_if``). Returns the stack to run it with."""
        self.slow_path = self.function.append_basic_block(f"generic_pc{pc}")
        return list(self.stack)

    def slow_path_end(self, pc: int, stack: list, pops: int, kind: str, op: int = rt.OP_AS_IS) -> None:
        """Close the slow path: the fast path's result (top of ``self.stack``) joins
        the interpreter's, converted to ``kind`` (DYN, or BOOL for a compare)."""
        b = self.builder
        slow, self.slow_path = self.slow_path, None
        fast_value, fast_kind = self.stack[-1]
        if kind == Kind.DYN:
            fast_value = self.to_dyn(fast_value, fast_kind)
        fast_end = b.block
        done = self.function.append_basic_block(f"joined_pc{pc}")
        b.branch(done)
        b.position_at_end(slow)
        self._spill_promoted()   # (the interpreter's op may run Ruff code: an operator method)
        status = self._call_op(pc, op, stack)
        self.stack = list(stack)   # (the slow path's own: the fast path's result is not computed here)
        self.promoted_in_home = bool(self.promoted_home)
        self._unless_done(status, pc, rt.STATUS_OK)
        (slow_value,) = self._results(1)
        if kind == Kind.BOOL:
            slow_value = b.trunc(b.extract_value(slow_value, 1), I1)
        self.stack = stack[:len(stack) - pops] + [(slow_value, kind)]
        self._reload_promoted(pc + 1)
        slow_end = b.block
        b.branch(done)
        b.position_at_end(done)
        self.stack = stack[:len(stack) - pops]
        self.push(self.phi((fast_value, fast_end), (slow_value, slow_end)), kind)

    def index_by_helper(self, pc: int, getter: ir.Function, name: str) -> None:
        """INDEX read by a module helper taking the container and the key as tagged
        values (a dict's value, a string's character): its result, or tag NOT_READ
        for the slow path (the interpreter's INDEX, with its exact errors)."""
        b = self.builder
        (container, container_kind), (key, key_kind) = self.stack[-2], self.stack[-1]
        stack = self.slow_path_begin(pc)
        value = b.call(getter, [self.to_dyn(container, container_kind), self.to_dyn(key, key_kind)])
        read = self.function.append_basic_block(f"{name}_pc{pc}")
        b.cbranch(b.icmp_signed("==", b.extract_value(value, 0), ir.Constant(I64, NOT_READ)),
                  self.slow_path, read).set_weights([1, 1000])
        b.position_at_end(read)
        del self.stack[-2:]
        self.push(value, Kind.DYN)
        if self.in_a_loop(pc):
            self._sweep_if_due(pc, poll_at=pc + 1)   # (the handles it made for values that die young)
        self.slow_path_end(pc, stack, 2, Kind.DYN)

    # ------------------------------------------------------- errors in a try

    def in_try(self, pc: int) -> bool:
        return bool(handlers_at(self.code, pc))

    def raise_pending(self, pc: int, status: ir.Value) -> None:
        """A call at ``pc`` failed inside a ``try``: the interpreter takes the frame
        with the pending error to its handler (status: the frame's outcome)."""
        self.leave(self._call_op(pc, rt.OP_RAISE), pc)

    def leave(self, status: ir.Value, pc: int) -> None:
        """Leave the unit after the VM took over at ``pc`` (status: the frame's
        outcome, or an error). An error inside a ``try`` of an OSR loop goes to the
        interpreted frame's handler, which needs the loop's state -- the locals
        and the stack, with the position of each for loop the region runs -- so
        it leaves through the deopt tail, which hands all of it back."""
        if self.region is None or not self.in_try(pc):
            self._return_status(status)
            return
        b = self.builder
        raised = self.function.append_basic_block(f"raised_in_try_pc{pc}")
        otherwise = self.function.append_basic_block(f"left_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_ERROR)), raised, otherwise)
        b.position_at_end(raised)
        self._to_tail(None, pc, self.stack)
        b.position_at_end(otherwise)
        self._return_status(status)

    def function_dyn(self, kind: FunctionValue) -> ir.Value:
        return self.make_dyn(ir.Constant(I64, rt.TAG_FUNCTION), self.function_id(kind.callee.function))
