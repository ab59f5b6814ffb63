"""Calls (direct to native code when the types agree, else through the VM,
with the result checked or kept tagged) and counted ``for`` loops over
``range(...)`` or an int, which build no array."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import BOXED, I64, I64P, REACH_COUNTED, RESULT, TAGS, DirectSite
from ruffdbg.jit.types import RANGE, RANGE_ARGS, Kind


class CallsAndLoops:
    """(Part of ``Lowering``.) CALL, GET_ITER, FOR_ITER and their helpers."""

    def op_CALL(self, pc: int, op: int, argc: int) -> None:
        if self.typed.pushed(pc) == RANGE_ARGS:
            self._range_arguments(pc, argc)
            return
        b = self.builder
        args = self.stack[len(self.stack) - argc:]
        callee = self.stack[-argc - 1][1].callee
        arg_types = tuple(kind for _, kind in args)
        # None: inference found no way for the call to return normally (a recursion
        # with no base case); whatever comes back goes to the interpreter.
        result_type = self.typed.pushed(pc)
        if self.typed.tier == 1 or result_type == Kind.DYN:
            result_type = Kind.DYN
        # The stack limit, checked before the call like the interpreter does.
        too_deep = b.icmp_signed(">=", self.depth, ir.Constant(I64, self.runtime.max_depth))
        depth_guard = self.new_guard("depth", pc, "stack limit reached")
        self.deopt_if(too_deep, depth_guard)
        # Where this frame is, for the Ruff stack if something below deopts.
        shadow_slot = b.gep(self.address(self.runtime.shadow), [b.sub(self.depth, ir.Constant(I64, 1))])
        b.store(ir.Constant(I64, (self.unit_id << 32) | pc), shadow_slot)
        callee_depth = b.add(self.depth, ir.Constant(I64, 1))
        if self.typed.tier == 1:   # T1 passes every argument tagged
            args = [(self.to_dyn(value, kind), Kind.DYN) for value, kind in args]
            arg_types = (Kind.DYN,) * argc
        bits = [self.to_bits(value, kind) for value, kind in args]
        # (tag, bits) per argument: what a T1 unit takes
        pairs = [part for value, kind in args for part in (self.tag_of(value, kind), self.bits_of(value, kind))]
        # T2 calls compiled code directly when the types agree (itself, or a compiled
        # unit: a T1 unit takes every argument tagged); anything else -- and every T1
        # call, so the interpreter keeps profiling the callee for T2 -- goes through the VM.
        target = self.runtime.native_target(callee.function, arg_types) if self.typed.tier == 2 else None
        if self.typed.tier == 2 and self.region is None and getattr(callee.function, "code", None) is self.code \
                and arg_types == self.typed.param_types:
            self._direct_site(pc, self.unit_id, depth_guard)
            pair = b.call(self.function, [callee_depth] + bits)
        elif target is not None and target.return_type == result_type:
            self._direct_site(pc, target.unit, depth_guard)
            fn_type = ir.FunctionType(RESULT, [I64] * (1 + argc * (2 if target.tagged else 1)))
            pair = b.call(b.inttoptr(ir.Constant(I64, target.address), fn_type.as_pointer()),
                          [callee_depth] + (pairs if target.tagged else bits))
        else:
            pair = self._call_through_vm(pc, callee, args)
        del self.stack[len(self.stack) - argc - 1:]
        if result_type == Kind.DYN:
            self._dyn_call_result(pc, b.extract_value(pair, 1))
            return
        self._check_call_result(pc, b.extract_value(pair, 0), b.extract_value(pair, 1), result_type)

    def _direct_site(self, pc: int, target: int, depth_guard) -> None:
        """Record a direct call (its callee's entries are derived from it). A self-call
        that every entry reaches is counted here: deriving it would need the very
        entry count it makes (see CounterLayout). The back-edge counts kept in
        registers go to memory first: the callee's entries are derived from them,
        and a loop slowed down in its callee (slow motion, a pause) must not show
        its calls late."""
        self.flush_pending()
        counted = target == self.unit_id and self.reached_by_every_entry(pc)
        if counted:
            self.bump(self.layout.site(pc))
        self.sites.append(DirectSite(pc, target, (depth_guard.id,), counted))

    def _check_call_result(self, pc: int, result: ir.Value, status: ir.Value, result_type: str | None) -> None:
        """After a call: OK -> unboxed result; boxed -> guard its tag; error -> propagate."""
        b = self.builder
        if result_type is None:
            tag, bits = self._boxed_result(pc, status)
            self.deopt_always(self.new_guard("call-result", pc + 1, "the call was expected never to return"),
                              stack=self.stack + [((tag, bits), BOXED)])
            return
        fast = b.block
        slow = self.function.append_basic_block(f"call_slow_pc{pc}")
        joined = self.function.append_basic_block(f"call_done_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK)), joined, slow)
        b.position_at_end(slow)
        tag, bits = self._boxed_result(pc, status)
        with_result = self.stack + [((tag, bits), BOXED)]
        # The callee ran in the interpreter: a safepoint, so a debugger step that
        # returns here stops in this frame, not after it (off the fast path, so
        # these checks count their passes).
        with self.guards_reached(REACH_COUNTED):
            self._poll_interrupt(pc + 1, with_result)
            guard = self.new_guard("call-result", pc + 1, f"call result is {result_type}")
            self.deopt_if(b.icmp_signed("!=", tag, ir.Constant(I64, TAGS[result_type])), guard, stack=with_result)
        boxed_end = b.block
        b.branch(joined)
        b.position_at_end(joined)
        phi = b.phi(I64)
        phi.add_incoming(result, fast)
        phi.add_incoming(bits, boxed_end)
        self.push(self.from_bits(phi, result_type), result_type)

    def _dyn_call_result(self, pc: int, status: ir.Value) -> None:
        """A tagged result: whatever came back, from the ctx."""
        self.push(self.make_dyn(*self._boxed_result(pc, status)), Kind.DYN)
        self._poll_interrupt(pc + 1)   # (see _check_call_result)

    def _boxed_result(self, pc: int, status: ir.Value) -> tuple[ir.Value, ir.Value]:
        """After a call whose result comes back boxed: propagate an error, else
        load the (tag, bits) from the ctx."""
        b = self.builder
        failed = self.function.append_basic_block(f"call_error_pc{pc}")
        returned = self.function.append_basic_block(f"call_returned_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_ERROR)), failed, returned)
        b.position_at_end(failed)
        self.bump(self.layout.left(pc))   # (the run leaves native code here: its counts must say so)
        if self.in_try(pc):   # the frame's handler catches it: the interpreter takes over
            self.raise_pending(pc, status)
        else:
            self._return_status(status)
        b.position_at_end(returned)
        return b.load(self.ctx_word(rt.CTX_RET_TAG)), b.load(self.ctx_word(rt.CTX_RET_BITS))

    def _call_through_vm(self, pc: int, callee, args) -> ir.Value:
        """Call a function that has no matching native code: the VM runs it (result boxed)."""
        b = self.builder
        buffer = self._write_values(args)
        callback_type = ir.FunctionType(I64, [I64] * 5 + [I64P])
        callback = b.inttoptr(ir.Constant(I64, self.runtime.call), callback_type.as_pointer())
        status = b.call(callback, [ir.Constant(I64, self.unit_id), ir.Constant(I64, pc), self.depth,
                                   ir.Constant(I64, self.runtime.function_ids(callee.function)),
                                   ir.Constant(I64, len(args)), buffer])
        return b.insert_value(ir.Constant(RESULT, None), status, 1)

    def _range_arguments(self, pc: int, argc: int) -> None:
        """``for v in range(...)``: no array is built; the loop counts (see op_GET_ITER).
        The checks the builtin makes are guards: the interpreter raises their errors."""
        b = self.builder
        args = [self._as_int(pc, value, kind) for value, kind in self.stack[len(self.stack) - argc:]]
        zero, one = ir.Constant(I64, 0), ir.Constant(I64, 1)
        start, stop, step = ([zero] + args + [one])[:3] if argc == 1 else (args + [one])[:3] if argc == 2 else args
        self.deopt_if(b.icmp_signed("==", step, zero), self.new_guard("error", pc, "range() step is zero"))
        count = self._range_count(start, stop, step)
        too_big = b.icmp_unsigned(">", count, ir.Constant(I64, 50_000_000))   # builtins.MAX_RESULT_LEN
        self.deopt_if(too_big, self.new_guard("error", pc, "range() result too long"))
        del self.stack[len(self.stack) - argc - 1:]
        self.push((start, stop, step, count), RANGE_ARGS)

    def _range_count(self, start: ir.Value, stop: ir.Value, step: ir.Value) -> ir.Value:
        """len(range(start, stop, step)) as an unsigned 64-bit count.

        The distance between two i64s always fits in 64 unsigned bits, so the
        arithmetic is unsigned (no 128-bit division: that would need a runtime
        library function the JIT does not link)."""
        b = self.builder
        one, zero = ir.Constant(I64, 1), ir.Constant(I64, 0)
        up = b.add(b.udiv(b.sub(b.sub(stop, start), one), step), one)
        down = b.add(b.udiv(b.sub(b.sub(start, stop), one), b.neg(step)), one)
        up = b.select(b.icmp_signed(">", stop, start), up, zero)
        down = b.select(b.icmp_signed(">", start, stop), down, zero)
        return b.select(b.icmp_signed(">", step, zero), up, down)

    def _as_int(self, pc: int, value: ir.Value, kind: str) -> ir.Value:
        """An int operand; a tagged one is guarded to be an int (T1 bails out otherwise)."""
        if kind != Kind.DYN:
            return value
        guard = self.new_guard("tag", pc, "expected an int")
        self.deopt_if(self.builder.not_(self.tag_is(self.tag_of(value, kind), rt.TAG_INT)), guard)
        return self.bits_of(value, kind)

    def op_GET_ITER(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        if kind == RANGE_ARGS:
            items = value
        else:   # iterating an int n: 0 .. n-1
            value = self._as_int(pc, value, kind)
            zero, one = ir.Constant(I64, 0), ir.Constant(I64, 1)
            items = (zero, value, one, self._range_count(zero, value, one))
        self.pop()
        self.push(items, RANGE)
        self.push(ir.Constant(I64, 0), Kind.INT)

    def op_FOR_ITER(self, pc: int, op: int, exit_target: int) -> None:
        b = self.builder
        start, _, step, count = self.stack[-2][0]
        position = self.stack[-1][0]
        saved = list(self.stack)
        more = self.function.append_basic_block(f"for_next_pc{pc}")
        done = self.function.append_basic_block(f"for_done_pc{pc}")
        b.cbranch(b.icmp_unsigned("<", position, count), more, done)
        b.position_at_end(done)
        self.bump(self.layout.taken(pc))   # the loop ended: a taken branch, as the interpreter counts it
        self.stack = saved[:-2]
        self._jump(exit_target)
        b.position_at_end(more)
        element = b.add(start, b.mul(position, step))
        self.stack = saved[:-1] + [(b.add(position, ir.Constant(I64, 1)), Kind.INT), (element, Kind.INT)]
        self._jump(pc + 1)
