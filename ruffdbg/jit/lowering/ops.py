"""One method per opcode (``op_<NAME>``), pykaleidoscope style; the arithmetic
and comparison families share ``_arith_or_compare``. Calls and counted loops
are in ``calls``; what T1 does with tagged operands in ``tagged``."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, EQUALITY_OPS, OPCODE_NAMES, OPCODES, ORDERING_OPS, Op, stack_pops
from ruffdbg.core.objects import Builtin
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.inference import value_type
from ruffdbg.jit.lowering.common import F64, FLOAT_EPSILON, I1, I64, INT_MIN, POLL_EVERY, REACH_COUNTED, REACH_POLL, RESULT
from ruffdbg.jit.sinking import VirtualStruct
from ruffdbg.jit.types import FunctionValue, Kind


class Ops:
    """(Part of ``Lowering``.) Lowering of each instruction on static types."""

    def _instruction(self, pc: int) -> None:
        self._pc = pc
        self.locate(pc)
        op, arg = self.code.instrs[pc]
        if pc in self.typed.always_fails:
            self.deopt_always(self.new_guard("error", pc, f"{OPCODE_NAMES[op]} always raises here"))
            return
        if op not in (Op.CALL, Op.GET_ITER, Op.FOR_ITER) or pc in self.typed.generic:
            self._tag_function_operands(op, arg)
        if pc in self.typed.generic:
            self._generic(pc, op, arg)
            return
        if pc in self.typed.method_calls and op in ARITHMETIC_OPS:   # a struct's operator method
            self.native_method(pc, 2)
            return
        getattr(self, "op_" + OPCODE_NAMES[op], self._arith_or_compare)(pc, op, arg)

    def _tag_function_operands(self, op: int, arg: Any) -> None:
        """A function value consumed by anything but a call is a tagged value
        (as inference._tag_function_operands)."""
        for depth in range(len(self.stack) - stack_pops(op, arg, self.code), len(self.stack)):
            value, kind = self.stack[depth]
            if isinstance(kind, FunctionValue):
                self.stack[depth] = (self.function_dyn(kind), Kind.DYN)

    def _baseline(self) -> bool:
        """Inline checks that fail at this pc take the generic path: all of T1 code
        (not an OSR unit), and T2's ops on tagged operands (``TypedCode.slow_paths``)."""
        if self.typed.tier == 1:
            return self.region is None
        return self._pc in self.typed.slow_paths

    def push(self, value: ir.Value, kind: Any) -> None:
        self.stack.append((value, kind))

    def pop(self) -> tuple[ir.Value, Any]:
        return self.stack.pop()

    def op_FAIL(self, pc: int, op: int, arg: Any) -> None:
        """(Never called: inference puts every FAIL in ``always_fails``, handled above.)"""
        self.deopt_always(self.new_guard("error", pc, "FAIL always raises here"))

    def op_LOAD_LOCAL(self, pc: int, op: int, arg: int) -> None:
        kind = self.state_slots[arg]
        if isinstance(kind, VirtualStruct):
            self.push_virtual_local(pc, arg, kind)
            return
        if kind == Kind.UNSET:   # (T1: not set on this path, so null, as in the interpreter)
            self.push(self.const(Kind.NULL, None), Kind.NULL)
            return
        value = self.builder.load(self.slot(arg, kind))
        self.loaded_from[id(value)] = arg, value   # (an element site may know its array: arrays.py)
        self.loaded_at[id(value)] = pc, arg, value   # (an overflow exit may rebuild it: _recovered_operands)
        self.push(value, kind)

    def op_STORE_LOCAL(self, pc: int, op: int, arg: int) -> None:
        value, kind = self.pop()
        if isinstance(kind, VirtualStruct):   # (only what jit/sinking.py found is stored here)
            self.store_virtual(arg, value, kind)
            self.state_slots[arg] = kind
            return
        if self.typed.tier == 1:
            value, kind = self.to_dyn(value, kind), Kind.DYN
        self.builder.store(value, self.slot(arg, kind))
        self.state_slots[arg] = kind

    def op_LOAD_CONST(self, pc: int, op: int, arg: int) -> None:
        value = self.code.consts[arg]
        if type(value) is str:   # native code only carries strings around: a constant handle
            handle = self.imports.value("rd.constant", self.runtime.constant_ids(value))
            tagged = self.make_dyn(ir.Constant(I64, rt.TAG_CONSTANT), handle)
            self.string_constants[id(tagged)] = value   # (an interpolation writes its text directly)
            self.push(tagged, Kind.DYN)
            return
        kind = self.typed.pushed(pc)
        if kind is None:
            kind = value_type(value)
        self.push(self.const(kind, value), kind)

    def op_DUP2(self, pc: int, op: int, arg: Any) -> None:
        self.stack.extend(self.stack[-2:])

    def op_ROT3(self, pc: int, op: int, arg: Any) -> None:
        self.stack.insert(-2, self.stack.pop())

    def op_SWAP(self, pc: int, op: int, arg: Any) -> None:
        self.stack[-1], self.stack[-2] = self.stack[-2], self.stack[-1]

    def op_SETUP_TRY(self, pc: int, op: int, arg: Any) -> None:
        """Nothing natively: the handlers open at a pc are static (vm.step.handlers_at)."""

    def op_POP_TRY(self, pc: int, op: int, arg: Any) -> None:
        """(See op_SETUP_TRY.)"""

    def op_POP(self, pc: int, op: int, arg: Any) -> None:
        self.pop()

    def op_DUP(self, pc: int, op: int, arg: Any) -> None:
        self.push(*self.stack[-1])

    def op_JUMP(self, pc: int, op: int, arg: int) -> None:
        self._jump(arg)

    def op_JUMP_BACK(self, pc: int, op: int, arg: int) -> None:
        """A safepoint: deopt resumes at the loop header. The back-edge is counted in
        a register (``pending``) that goes to memory every POLL_EVERY iterations,
        where the interrupt word is read too (an atomic load or a memory increment
        on every iteration would cost tight loops about as much as their own
        work), and whenever the unit leaves or calls back (``flush_pending``)."""
        b = self.builder
        pending = self.pending[pc]
        self.flushed_in = None
        if pc in self.counted:   # (its count and poll: lowering/counted.py)
            self._jump(arg)
            return
        count = b.add(b.load(pending), ir.Constant(I64, 1))
        b.store(count, pending)
        poll = self.function.append_basic_block(f"poll_pc{pc}")
        after = self.function.append_basic_block(f"polled_pc{pc}")
        b.cbranch(b.icmp_signed(">=", count, ir.Constant(I64, POLL_EVERY)), poll, after)
        b.position_at_end(poll)
        self.flush_pending()
        self._poll_interrupt(arg, reach=REACH_POLL)
        if self.makes_handles(arg, pc):
            self._sweep_if_due(pc)
        b.branch(after)
        b.position_at_end(after)
        self._jump(arg)

    def makes_handles(self, start: int, end: int) -> bool:
        """Whether native code of the pcs ``start`` to ``end`` may make object handles
        no generic op sweeps: a string (T1 and T2), a struct literal built natively,
        a native call (its callee's result, or what the callee made)."""
        typed = self.typed
        return any(pc in typed.strings for pc in range(start, end + 1)) or typed.tier == 2 and any(
            pc in typed.struct_literals or pc in typed.method_calls
            or pc in typed.callees and pc not in typed.generic and type(typed.callees[pc].function) is not Builtin
            for pc in range(start, end + 1))

    def _sweep_if_due(self, pc: int, poll_at: int | None = None) -> None:
        """At a loop's poll: when a handle sweep is due (``CTX_SWEEP``), release the
        handles at or above the frame's mark that it does not hold (OP_SWEEP: the
        frame written out, the interpreter runs nothing). A struct built natively
        in the loop, or by a callee it calls natively, is otherwise held by its
        handle until the outermost native call returns.

        ``poll_at``: after an op that made a handle, the sweep also polls the
        interrupt word, resuming there: the call back flushes the loop's back-edge
        counts, so a loop making handles sweeps before its back-edge's poll comes
        round, and was never paused (a loop over an array of strings)."""
        b = self.builder
        sweep = self.function.append_basic_block(f"sweep_pc{pc}")
        swept = self.function.append_basic_block(f"swept_pc{pc}")
        due = self.alias.tag(b.load(self.ctx_word(rt.CTX_SWEEP)), "ctx")
        b.cbranch(b.icmp_unsigned("!=", due, ir.Constant(I64, 0)), sweep, swept)
        b.position_at_end(sweep)
        self._call_op(pc, rt.OP_SWEEP)
        if poll_at is not None:
            self._poll_interrupt(poll_at, reach=REACH_COUNTED)
        b.branch(swept)
        b.position_at_end(swept)

    def op_JUMP_IF_FALSE(self, pc: int, op: int, arg: int) -> None:
        self._branch(arg, pc + 1, jump_when=False)

    def op_JUMP_IF_TRUE(self, pc: int, op: int, arg: int) -> None:
        self._branch(arg, pc + 1, jump_when=True)

    def _branch(self, target: int, following: int, jump_when: bool) -> None:
        value, kind = self.stack[-1]
        truthy = self.truthy(value, kind, self._pc)
        self.pop()
        self._prepare_edge(target)
        self._prepare_edge(following)
        taken = self._counted_edge(self._pc, self.leaving_edge(target, self.block_for(target)))
        fallthrough = self.leaving_edge(following, self.block_for(following))
        if jump_when:
            self.builder.cbranch(truthy, taken, fallthrough)
        else:
            self.builder.cbranch(truthy, fallthrough, taken)

    def _counted_edge(self, pc: int, target: ir.Block) -> ir.Block:
        """A block on the way to ``target`` that counts the branch at ``pc`` taken
        (what the interpreter counts; other counts are derived from these)."""
        here = self.builder.block
        edge = self.function.append_basic_block(f"taken_pc{pc}")
        self.builder.position_at_end(edge)
        self.count_taken(pc)
        self.builder.branch(target)
        self.builder.position_at_end(here)
        return edge

    def truthy(self, value: ir.Value, kind: str, pc: int | None = None) -> ir.Value:
        b = self.builder
        if kind == Kind.DYN and self._baseline() and self.slow_path is None:
            stack = self.slow_path_begin(pc)
            self.push(self.truthy(value, kind, pc), Kind.BOOL)
            self.slow_path_end(pc, stack, 1, Kind.BOOL, op=Op.TO_BOOL)
            result = self.stack[-1][0]
            self.stack = stack
            return result
        if kind == Kind.DYN:
            tag, bits = self.tag_of(value, kind), self.bits_of(value, kind)
            guard = self.new_guard("tag", pc, "truthiness of a value that is not a number, bool or null")
            self.deopt_if(b.not_(self.tag_is(tag, rt.TAG_INT, rt.TAG_BOOL, rt.TAG_FLOAT, rt.TAG_NULL)), guard)
            as_float = b.fcmp_unordered("!=", b.bitcast(bits, F64), ir.Constant(F64, 0.0))
            as_int = b.icmp_signed("!=", bits, ir.Constant(I64, 0))
            return b.select(self.tag_is(tag, rt.TAG_FLOAT), as_float, as_int)   # null's bits are 0
        if kind == Kind.BOOL:
            return value
        if kind == Kind.INT:
            return b.icmp_signed("!=", value, ir.Constant(I64, 0))
        if kind == Kind.FLOAT:
            return b.fcmp_unordered("!=", value, ir.Constant(F64, 0.0))  # NaN is truthy
        return ir.Constant(I1, 0)  # null

    def op_TO_BOOL(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        truthy = self.truthy(value, kind, pc)
        self.pop()
        self.push(truthy, Kind.BOOL)

    def op_NOT(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        b = self.builder
        if kind == Kind.DYN and self._baseline():   # the result is tagged (a struct's op_not)
            stack = self.slow_path_begin(pc)
            guard = self.new_guard("tag", pc, "! of a value that is not a bool")
            self.deopt_if(b.not_(self.tag_is(self.tag_of(value, kind), rt.TAG_BOOL)), guard)
            self.pop()
            self.push(b.xor(b.trunc(self.bits_of(value, kind), I1), ir.Constant(I1, 1)), Kind.BOOL)
            self.slow_path_end(pc, stack, 1, Kind.DYN)
            return
        if kind == Kind.DYN:
            guard = self.new_guard("tag", pc, "! of a value that is not a bool")
            self.deopt_if(b.not_(self.tag_is(self.tag_of(value, kind), rt.TAG_BOOL)), guard)
            value = b.trunc(self.bits_of(value, kind), I1)
        self.pop()
        self.push(b.xor(value, ir.Constant(I1, 1)), Kind.BOOL)

    def op_NEG(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        b = self.builder
        if self._baseline():
            stack = self.slow_path_begin(pc)
            self._dyn_arithmetic(pc, Op.SUB, (ir.Constant(I64, 0), Kind.INT), (self.to_dyn(value, kind), Kind.DYN),
                                 negate=True)
            self.slow_path_end(pc, stack, 1, Kind.DYN)
            return
        if kind == Kind.DYN:
            self._dyn_arithmetic(pc, Op.SUB, (ir.Constant(I64, 0), Kind.INT), (value, kind), negate=True)
            return
        if kind == Kind.FLOAT:
            self.pop()
            self.push(b.fneg(value), Kind.FLOAT)
            return
        guard = self.new_guard("overflow", pc, "-(-9223372036854775808)")
        self.deopt_if(b.icmp_signed("==", value, ir.Constant(I64, INT_MIN)), guard)
        self.pop()
        self.push(b.neg(value), Kind.INT)

    def op_RETURN(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.pop()
        b = self.builder
        self.flush_pending()
        if self.typed.return_type == Kind.DYN:   # tagged results go back through the ctx
            b.store(self.tag_of(value, kind), self.ctx_word(rt.CTX_RET_TAG))
            b.store(self.bits_of(value, kind), self.ctx_word(rt.CTX_RET_BITS))
            self._return_status(ir.Constant(I64, rt.STATUS_BOXED))
            return
        bits = self.to_bits(value, kind)
        if self.region is not None:   # OSR: the globals it keeps in registers go back too
            self._write_values(self._slot_values())
        result = b.insert_value(ir.Constant(RESULT, None), bits, 0)
        b.ret(b.insert_value(result, ir.Constant(I64, rt.STATUS_OK), 1))

    def op_STORE_GLOBAL(self, pc: int, op: int, arg: int) -> None:
        """Only a global an OSR unit keeps in a register (inference refused the rest)."""
        self.op_STORE_LOCAL(pc, op, self._promoted(arg))

    def _promoted(self, name_index: int) -> int | None:
        name = self.code.names[name_index]
        if self.region is None or not isinstance(name, str) or name not in self.region.promoted:
            return None
        return self.code.nlocals + self.region.promoted.index(name)

    def op_LOAD_GLOBAL(self, pc: int, op: int, arg: int) -> None:
        """A global holding the function about to be called: guard it still does."""
        if self._promoted(arg) is not None:
            self.op_LOAD_LOCAL(pc, op, self._promoted(arg))
            return
        if pc in self.typed.global_constants:   # an immutable global (watched, see units.global_redefined)
            value = self.typed.global_constants[pc]
            kind = self.typed.pushed(pc)
            self.push(self.const(kind, value), kind)
            return
        b = self.builder
        entry = self.typed.pushed(pc)   # a FunctionValue
        if pc in self.checked_already:   # a clean unit checked it on every path here: nothing wrote it since
            self.push(None, entry)
            return
        callee = entry.callee
        name = self.code.names[arg]
        # (tagged: a loop that calls nothing keeps the word in a register, checked once)
        word = self.imports.memory(f"rd.global.{name}", self.runtime.global_word(name), words=1)
        current = self.alias.tag(b.load(self.address(word)), "global")
        guard = self.new_guard("global-unchanged", pc, f"global {name} still holds function {callee.function.name}")
        self.deopt_if(b.icmp_signed("!=", current, self.function_id(callee.function)), guard)
        self.push(None, entry)

    def _arith_or_compare(self, pc: int, op: int, arg: Any) -> None:
        if self._baseline():   # T1: operands the inline code does not handle take the generic path
            stack = self.slow_path_begin(pc)
            self._arith_or_compare_inline(pc, op)
            self.slow_path_end(pc, stack, 2, Kind.DYN if op in ARITHMETIC_OPS else Kind.BOOL)
            return
        self._arith_or_compare_inline(pc, op)

    def _arith_or_compare_inline(self, pc: int, op: int) -> None:
        if op in ARITHMETIC_OPS:
            self._arithmetic(pc, op)
        elif op in ORDERING_OPS or op in EQUALITY_OPS:
            self._compare(pc, op)
        else:
            raise AssertionError(f"no lowering for {OPCODE_NAMES[op]}")

    def _arithmetic(self, pc: int, op: int) -> None:
        b = self.builder
        (left, left_kind), (right, right_kind) = self.stack[-2], self.stack[-1]
        if Kind.DYN in (left_kind, right_kind):
            self._dyn_arithmetic(pc, op, self.stack[-2], self.stack[-1])
            return
        if left_kind == right_kind == Kind.INT:
            result = self._int_arithmetic(pc, op, left, right)
            kind = Kind.INT
        else:
            if left_kind == Kind.INT:
                left = b.sitofp(left, F64)
            if right_kind == Kind.INT:
                right = b.sitofp(right, F64)
            if op in (Op.DIV, Op.MOD):
                zero = self.new_guard("division", pc, "divisor is 0.0")
                self.deopt_if(b.fcmp_ordered("==", right, ir.Constant(F64, 0.0)), zero)
            result = {Op.ADD: b.fadd, Op.SUB: b.fsub, Op.MUL: b.fmul, Op.DIV: b.fdiv, Op.MOD: b.frem}[op](left, right)
            kind = Kind.FLOAT
        del self.stack[-2:]
        self.push(result, kind)

    def _int_arithmetic(self, pc: int, op: int, left: ir.Value, right: ir.Value) -> ir.Value:
        b = self.builder
        if pc in self.safe_steps:
            return b.add(left, right, flags=["nsw"])
        if op in (Op.ADD, Op.SUB, Op.MUL):
            checked = {Op.ADD: b.sadd_with_overflow, Op.SUB: b.ssub_with_overflow, Op.MUL: b.smul_with_overflow}[op]
            pair = checked(left, right)
            guard = self.new_guard("overflow", pc, f"int {OPCODE_NAMES[op].lower()} overflows")
            wrapped = b.extract_value(pair, 0)
            rebuilt = (lambda: self._recovered_operands(pc, op, wrapped, right)) \
                if self._rebuildable(op, left, right) else None
            self.deopt_if(b.extract_value(pair, 1), guard, exit_stack=rebuilt)
            return wrapped
        zero = self.new_guard("division", pc, "divisor is 0")
        self.deopt_if(b.icmp_signed("==", right, ir.Constant(I64, 0)), zero)
        overflow = self.new_guard("overflow", pc, "-9223372036854775808 / -1")
        is_min = b.icmp_signed("==", left, ir.Constant(I64, INT_MIN))
        is_minus_one = b.icmp_signed("==", right, ir.Constant(I64, -1))
        self.deopt_if(b.and_(is_min, is_minus_one), overflow)
        return b.sdiv(left, right) if op == Op.DIV else b.srem(left, right)

    def _rebuildable(self, op: int, left: ir.Value, right: ir.Value) -> bool:
        """Whether an overflow exit can make the left operand again: an add or subtract
        of the two values on top of the stack (not a negation's 0 - x, nor tagged
        operands' bits), by a right operand that is not a constant (LLVM often proves
        such a check away -- i + 1 below a bound -- and an exit using the wrapped
        result kept it from doing so)."""
        return op in (Op.ADD, Op.SUB) and not isinstance(right, ir.Constant) and len(self.stack) >= 2 \
            and self.stack[-2][0] is left and self.stack[-1][0] is right

    def _recovered_operands(self, pc: int, op: int, wrapped: ir.Value, right: ir.Value) -> list:
        """(On an add's or subtract's overflow exit.) The stack with the left operand
        made again from the wrapped result (exactly: r - b, r + b), and so the local
        it was loaded from if that still holds it: past the operation nothing needs
        the value it overwrote, so LLVM adds in place -- a loop's ``total := total +
        i`` copies no total per iteration (loop10m: two moves on its chain)."""
        b = self.builder
        again = b.sub(wrapped, right) if op == Op.ADD else b.add(wrapped, right)
        local = self._holding_local(self.stack[-2][0], pc)
        if local is not None:
            b.store(again, self.slot(local, Kind.INT))
        return self.stack[:-2] + [(again, Kind.INT), self.stack[-1]]

    def _holding_local(self, value: ir.Value, pc: int) -> int | None:
        """The local ``value`` was loaded from in this block, if nothing stored to it since."""
        loaded_pc, local, loaded = self.loaded_at.get(id(value), (None, None, None))
        if loaded is not value or self.code.instrs[loaded_pc] != (Op.LOAD_LOCAL, local):
            return None   # (not a local's value: a global an OSR loop keeps in a slot, say)
        between = range(loaded_pc + 1, pc + 1)
        if any(at in self.blocks or self.code.instrs[at] == (Op.STORE_LOCAL, local) for at in between) \
                or self.state_slots[local] != Kind.INT:
            return None
        return local

    def _compare(self, pc: int, op: int) -> None:
        b = self.builder
        (left, left_kind), (right, right_kind) = self.stack[-2], self.stack[-1]
        # (Guards deopt with both operands still on the stack: pop only after.)
        if Kind.DYN in (left_kind, right_kind) or {left_kind, right_kind} == {Kind.INT, Kind.FLOAT}:
            compare = self._dyn_compare if Kind.DYN in (left_kind, right_kind) else self._mixed_compare
            result = compare(pc, op, self.stack[-2], self.stack[-1])
            del self.stack[-2:]
            self.push(result, Kind.BOOL)
            return
        del self.stack[-2:]
        if left_kind != right_kind:  # different types are never equal
            self.push(ir.Constant(I1, int(op == Op.NOT_EQUAL)), Kind.BOOL)
            return
        if left_kind == Kind.FLOAT:
            result = self._float_compare(op, left, right)
        elif left_kind == Kind.NULL:
            result = ir.Constant(I1, int(op == Op.EQUAL))
        else:
            compare = b.icmp_signed if left_kind == Kind.INT else b.icmp_unsigned
            result = compare(OPCODES[op].symbol, left, right)
        self.push(result, Kind.BOOL)

    def _mixed_compare(self, pc: int, op: int, left_entry: tuple, right_entry: tuple) -> ir.Value:
        """int vs float: as doubles, like the interpreter; ordering needs the int exact."""
        if op in ORDERING_OPS:
            int_bits = left_entry[0] if left_entry[1] == Kind.INT else right_entry[0]
            guard = self.new_guard("overflow", pc, "an int too big to compare exactly with a float")
            self.deopt_if(self._beyond_2_53(int_bits), guard)
        return self._float_compare(op, self.as_double(*left_entry), self.as_double(*right_entry))

    def _float_compare(self, op: int, left: ir.Value, right: ir.Value) -> ir.Value:
        b = self.builder
        if op in ORDERING_OPS:
            return b.fcmp_ordered(OPCODES[op].symbol, left, right)   # NaN compares false
        # Ruff's float ==: exactly equal, or closer than the f64 epsilon.
        exact = b.fcmp_ordered("==", left, right)
        difference = b.call(self.module.declare_intrinsic("llvm.fabs", [F64]), [b.fsub(left, right)])
        close = b.fcmp_ordered("<", difference, ir.Constant(F64, FLOAT_EPSILON))
        equal = b.or_(exact, close)
        return equal if op == Op.EQUAL else b.xor(equal, ir.Constant(I1, 1))
