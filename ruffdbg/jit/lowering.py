"""Bytecode + types -> LLVM IR, one method per opcode, built with llvmlite.ir.

The unit for a function is ``{i64 bits, i64 status} @unit(i64 depth, i64 a0, ...)``:
arguments and result travel as raw bits of their static type (i64, a double's
bits, 0/1), and both the frame depth (for the stack limit) and the status
(see ``runtime.STATUS_*``) stay in registers, because every memory access on
the call path shows up in recursive code like fib. The addresses of the
shared context, shadow stack, globals table and transfer buffer are fixed for
a JIT's lifetime and baked in as constants. A companion ``i64 @entry(i64*
tagged_args)`` checks argument tags (the entry type guards) and is what the
interpreter calls through ctypes.

Locals live in allocas, one per (slot, type) pair, and operand-stack values
that cross a block boundary in allocas per (depth, type); LLVM's mem2reg turns
them into SSA values and phis.

Every check that can fail — a type guard, an overflow, a zero divisor, the
global holding the callee, the stack depth, the interrupt word — branches to
a cold *deopt exit* for its exact bytecode pc: it writes every live local and
operand-stack value out as (tag, bits) pairs and calls back into the VM, which
resumes that frame in the interpreter at that pc. Errors are therefore always
raised by the interpreter itself, with its exact message, line and stack.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from llvmlite import ir

from ruffdbg.compiler.bytecode import OPCODE_NAMES, CodeObject, Op
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.inference import ARITHMETIC, EQUALITY, ORDERING, NotCompilable, TypedCode, value_type

I1, I32, I64, F64 = ir.IntType(1), ir.IntType(32), ir.IntType(64), ir.DoubleType()
I64P = I64.as_pointer()
RESULT = ir.LiteralStructType([I64, I64])   # (bits, status)
LLVM_TYPES = {"int": I64, "float": F64, "bool": I1, "null": I64}
TAGS = {"int": rt.TAG_INT, "float": rt.TAG_FLOAT, "bool": rt.TAG_BOOL, "null": rt.TAG_NULL}
INT_MIN = -(2**63)
FLOAT_EPSILON = 2.220446049250313e-16

ICMP = {Op.LESS: "<", Op.LESS_EQUAL: "<=", Op.GREATER: ">", Op.GREATER_EQUAL: ">=", Op.EQUAL: "==", Op.NOT_EQUAL: "!="}


@dataclass
class Guard:
    """One check in native code that can send execution back to the interpreter."""

    id: int
    kind: str        # type, overflow, division, global-unchanged, depth, call-result, interrupt, error
    pc: int
    line: int
    detail: str


@dataclass
class NativeTarget:
    """Another compiled unit a call can jump to directly."""

    address: int
    return_type: str


@dataclass
class LoweredUnit:
    unit_name: str
    entry_name: str
    ir_text: str
    guards: list[Guard]
    build_ms: float
    pc_of_block: dict[str, int] = field(default_factory=dict)


@dataclass
class RuntimeAddresses:
    deopt: int        # DEOPT_CALLBACK
    call: int         # CALL_CALLBACK
    ctx: int          # the context words
    shadow: int       # the shadow stack
    globals: int      # function ids held by tracked globals
    buffer: int       # the transfer buffer
    max_depth: int
    function_ids: Callable[[Any], int]      # Function -> id (for tags and global guards)
    global_slot: Callable[[str], int]       # global name -> slot in the ctx globals table
    native_target: Callable[[Any, tuple[str, ...]], NativeTarget | None]


class Lowering:
    def __init__(self, typed: TypedCode, unit_id: int, tier: int, runtime: RuntimeAddresses,
                 counters_address: int, counter_capacity: int):
        self.typed = typed
        self.code: CodeObject = typed.code
        self.unit_id = unit_id
        self.tier = tier
        self.runtime = runtime
        self.guards: list[Guard] = []
        self.module = ir.Module(name=f"{self.code.name}_T{tier}")
        self.module.triple = ""
        prefix = f"ruff_{unit_id}"
        self.unit_name, self.entry_name = prefix, f"{prefix}_entry"
        arity = len(self.code.params)
        self.region = typed.region   # set for an OSR unit: one loop, entered at its header
        if self.region is not None:
            arity = 0                # an OSR unit reads the frame's values from the transfer buffer
        self.function = ir.Function(self.module, ir.FunctionType(RESULT, [I64] * (1 + arity)), name=self.unit_name)
        self.depth = self.function.args[0]   # frames on the Ruff stack, this one included
        self.depth.name = "depth"
        for argument, name in zip(self.function.args[1:], self.code.params):
            argument.name = f"{name}.bits"
        self._debug_info()
        self.blocks: dict[int, ir.Block] = {}
        self.slot_vars: dict[tuple[int, str], ir.AllocaInstr] = {}
        self.stack_vars: dict[tuple[int, str], ir.AllocaInstr] = {}
        self.builder: ir.IRBuilder | None = None
        # Counters live in memory the VM owns: [entries, pass0, fail0, pass1, fail1, ...].
        self.counters_address = counters_address
        self.counter_capacity = counter_capacity
        self.jump_targets = {arg for op, arg in self.code.instrs
                             if op in (Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE, Op.JUMP, Op.JUMP_BACK)}

    # --------------------------------------------------------------- driver

    def lower(self) -> LoweredUnit:
        started = time.perf_counter()
        code = self.code
        entry = self.function.append_basic_block("entry")
        for pc in self.typed.reachable:
            if self._is_leader(pc):
                self.blocks[pc] = self.function.append_basic_block(f"pc{pc}_line{code.lines[pc]}")
        self.builder = ir.IRBuilder(entry)
        if self.region is None:
            self.locate(0)
            self._prologue()
        else:
            self.locate(self.region.header)
            self._osr_prologue()
        for pc in self.typed.reachable:
            if pc in self.blocks:
                self._start_block(pc)
            if self.builder.block.is_terminated:
                continue
            self._instruction(pc)
        self._entry_function()
        ir_text = str(self.module)
        return LoweredUnit(self.unit_name, self.entry_name, ir_text, self.guards,
                           (time.perf_counter() - started) * 1000,
                           {block.name: pc for pc, block in self.blocks.items()})

    def _is_leader(self, pc: int) -> bool:
        if pc == 0:
            return True
        previous = pc - 1
        if previous not in self.typed.before:
            return True
        op, _ = self.code.instrs[previous]
        if op in (Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE, Op.JUMP, Op.JUMP_BACK, Op.RETURN, Op.FAIL):
            return True
        return previous in self.typed.always_fails or pc in self.jump_targets

    # ------------------------------------------------------------- helpers

    def _debug_info(self) -> None:
        """Debug locations map every instruction back to its bytecode: line = the
        Ruff source line, column = pc + 1. They survive optimization and reach
        the assembly as ``.loc`` directives (see ``jit.texts``)."""
        m = self.module
        di_file = m.add_debug_info("DIFile", {"filename": f"{self.code.name}.ruff", "directory": "."})
        unit = m.add_debug_info("DICompileUnit", {
            "language": ir.DIToken("DW_LANG_C"), "file": di_file, "producer": "ruffdbg", "runtimeVersion": 0,
            "isOptimized": True, "emissionKind": ir.DIToken("LineTablesOnly")}, is_distinct=True)
        subroutine = m.add_debug_info("DISubroutineType", {"types": m.add_metadata([])})
        self.scope = m.add_debug_info("DISubprogram", {
            "name": self.code.name, "file": di_file, "line": self.code.first_line, "type": subroutine,
            "isLocal": False, "isDefinition": True, "unit": unit, "scopeLine": self.code.first_line,
            "spFlags": ir.DIToken("DISPFlagDefinition")}, is_distinct=True)
        self.function.set_metadata("dbg", self.scope)
        m.add_named_metadata("llvm.dbg.cu", unit)
        m.add_named_metadata("llvm.module.flags", [ir.Constant(I32, 2), "Debug Info Version", ir.Constant(I32, 3)])
        self.locations: dict[int, Any] = {}

    def locate(self, pc: int) -> None:
        """Attach what follows to bytecode ``pc`` (and its source line)."""
        if pc not in self.locations:
            self.locations[pc] = self.module.add_debug_info(
                "DILocation", {"line": self.code.lines[pc] or self.code.first_line, "column": pc + 1, "scope": self.scope})
        self.builder.debug_metadata = self.locations[pc]

    def slot_name(self, index: int) -> str:
        if index < self.code.nlocals:
            return self.code.local_names[index]
        return "global_" + self.region.promoted[index - self.code.nlocals]

    def slot(self, index: int, kind: str) -> ir.AllocaInstr:
        key = (index, kind)
        if key not in self.slot_vars:
            with self.builder.goto_entry_block():
                self.builder.position_at_start(self.function.entry_basic_block)
                self.slot_vars[key] = self.builder.alloca(LLVM_TYPES[kind], name=f"{self.slot_name(index)}_{kind}")
        return self.slot_vars[key]

    def stack_var(self, depth: int, kind: str) -> ir.AllocaInstr:
        key = (depth, kind)
        if key not in self.stack_vars:
            with self.builder.goto_entry_block():
                self.builder.position_at_start(self.function.entry_basic_block)
                self.stack_vars[key] = self.builder.alloca(LLVM_TYPES[kind], name=f"stack{depth}_{kind}")
        return self.stack_vars[key]

    def address(self, address: int, index: int = 0) -> ir.Value:
        """A pointer to word ``index`` of native memory at a fixed ``address``."""
        return self.builder.inttoptr(ir.Constant(I64, address + 8 * index), I64P)

    def ctx_word(self, index: int) -> ir.Value:
        return self.address(self.runtime.ctx, index)

    def const(self, kind: str, value: Any) -> ir.Constant:
        if kind == "float":
            return ir.Constant(F64, value)
        if kind == "bool":
            return ir.Constant(I1, int(bool(value)))
        return ir.Constant(I64, 0 if value is None else value)

    def new_guard(self, kind: str, pc: int, detail: str) -> Guard:
        if 1 + 2 * (len(self.guards) + 1) > self.counter_capacity:
            raise AssertionError("more guards than counter slots")
        guard = Guard(len(self.guards), kind, pc, self.code.lines[pc], detail)
        self.guards.append(guard)
        return guard

    def _counter_slot(self, index: int) -> ir.Value:
        counters = self.builder.inttoptr(ir.Constant(I64, self.counters_address), I64P)
        return self.builder.gep(counters, [ir.Constant(I64, index)])

    def bump(self, index: int) -> None:
        pointer = self._counter_slot(index)
        self.builder.store(self.builder.add(self.builder.load(pointer), ir.Constant(I64, 1)), pointer)

    def to_bits(self, value: ir.Value, kind: str) -> ir.Value:
        if kind == "float":
            return self.builder.bitcast(value, I64)
        if kind == "bool":
            return self.builder.zext(value, I64)
        return value

    def from_bits(self, bits: ir.Value, kind: str) -> ir.Value:
        if kind == "float":
            return self.builder.bitcast(bits, F64)
        if kind == "bool":
            return self.builder.trunc(bits, I1)
        return bits

    # -------------------------------------------------------------- blocks

    def _prologue(self) -> None:
        """Store parameters, count the entry, bump the depth, poll the interrupt word."""
        b = self.builder
        for index, kind in enumerate(self.typed.param_types):
            b.store(self.from_bits(self.function.args[index + 1], kind), self.slot(index, kind))
        self.bump(0)
        self.state_slots = list(self.typed.before[0][0])
        self.stack: list[tuple[ir.Value, Any]] = []
        self._poll_interrupt(0)
        b.branch(self.blocks[0])

    def _osr_prologue(self) -> None:
        """OSR: the frame's current values (locals, then promoted globals) come in
        through the transfer buffer; native code starts at the loop header."""
        b = self.builder
        self.bump(0)
        buffer = self.address(self.runtime.buffer)
        slots = self.typed.before[self.region.header][0]
        for index, kind in enumerate(slots):
            if kind != "unset":
                bits = b.load(b.gep(buffer, [ir.Constant(I64, 2 * index + 1)]))
                b.store(self.from_bits(bits, kind), self.slot(index, kind))
        self.state_slots = list(slots)
        self.stack = []
        b.branch(self.blocks[self.region.header])

    def block_for(self, target: int) -> ir.Block:
        """The block for a jump target; for OSR, leaving the loop goes back to the interpreter."""
        if target in self.blocks:
            return self.blocks[target]
        exit_block = self.function.append_basic_block(f"loop_exit_to_pc{target}")
        here = self.builder.block
        self.builder.position_at_end(exit_block)
        self._leave_loop(target, guard_id=None, stack=[])
        self.builder.position_at_end(here)
        return exit_block

    def _leave_loop(self, pc: int, guard_id: int | None, stack: list) -> None:
        """OSR exit: hand the frame's values to the interpreter frame that entered, resume at ``pc``."""
        b = self.builder
        self._write_values(self._slot_values() + stack)
        b.store(ir.Constant(I64, len(stack)), self.ctx_word(rt.CTX_RET_TAG))   # how many stack values
        where = ((0 if guard_id is None else guard_id + 1) << 32) | pc
        result = b.insert_value(ir.Constant(RESULT, None), ir.Constant(I64, where), 0)
        b.ret(b.insert_value(result, ir.Constant(I64, rt.STATUS_EXIT), 1))

    def _slot_values(self) -> list:
        b = self.builder
        return [(None, "null") if kind == "unset" else (b.load(self.slot(index, kind)), kind)
                for index, kind in enumerate(self.state_slots)]

    def _start_block(self, pc: int) -> None:
        """Enter a block: values live on the operand stack come from stack allocas."""
        b = self.builder
        if not b.block.is_terminated:
            self._spill_stack()
            b.branch(self.blocks[pc])
        b.position_at_end(self.blocks[pc])
        slots, stack_types = self.typed.before[pc]
        self.state_slots = list(slots)
        self.stack = [(b.load(self.stack_var(depth, kind)), kind) if not isinstance(kind, tuple) else (None, kind)
                      for depth, kind in enumerate(stack_types)]

    def _spill_stack(self) -> None:
        for depth, (value, kind) in enumerate(self.stack):
            if not isinstance(kind, tuple):
                self.builder.store(value, self.stack_var(depth, kind))

    def _jump(self, target: int) -> None:
        self._spill_stack()
        self.builder.branch(self.block_for(target))

    # --------------------------------------------------------- deopt exits

    def deopt_if(self, condition: ir.Value, guard: Guard, stack: list | None = None) -> None:
        """Branch to a deopt exit for ``guard`` when ``condition`` holds; count passes otherwise."""
        b = self.builder
        exit_block = self.function.append_basic_block(f"deopt{guard.id}_{guard.kind}_pc{guard.pc}")
        continue_block = self.function.append_basic_block(f"after_guard{guard.id}")
        b.cbranch(condition, exit_block, continue_block)
        b.position_at_end(exit_block)
        self._deopt_exit(guard, self.stack if stack is None else stack)
        b.position_at_end(continue_block)
        self.bump(1 + 2 * guard.id)

    def deopt_always(self, guard: Guard, stack: list | None = None) -> None:
        self._deopt_exit(guard, self.stack if stack is None else stack)

    def _deopt_exit(self, guard: Guard, stack: list) -> None:
        """Write locals and stack as (tag, bits) and resume this frame in the interpreter."""
        b = self.builder
        self.bump(2 + 2 * guard.id)
        if self.region is not None:
            self._leave_loop(guard.pc, guard.id, stack)
            return
        buffer = self._write_values(self._slot_values() + stack)
        callback_type = ir.FunctionType(I64, [I64] * 6 + [I64P])  # see runtime.DEOPT_CALLBACK
        callback = b.inttoptr(ir.Constant(I64, self.runtime.deopt), callback_type.as_pointer())
        status = b.call(callback, [ir.Constant(I64, self.unit_id), ir.Constant(I64, guard.id), ir.Constant(I64, guard.pc),
                                   self.depth, ir.Constant(I64, self.code.nlocals), ir.Constant(I64, len(stack)), buffer])
        self._return_status(status)

    def _write_values(self, values: list) -> ir.Value:
        """Store values as (tag, bits) pairs in the transfer buffer; return its address."""
        b = self.builder
        if len(values) > rt.BUFFER_VALUES:
            raise NotCompilable("a frame with more values than the transfer buffer holds", self.code.first_line)
        buffer = self.address(self.runtime.buffer)
        for position, (value, kind) in enumerate(values):
            tag, bits = self._tagged(value, kind)
            b.store(ir.Constant(I64, tag) if isinstance(tag, int) else tag, b.gep(buffer, [ir.Constant(I64, 2 * position)]))
            b.store(bits, b.gep(buffer, [ir.Constant(I64, 2 * position + 1)]))
        return buffer

    def _tagged(self, value: ir.Value | None, kind: Any) -> tuple[Any, ir.Value]:
        if isinstance(kind, tuple):   # a function about to be called
            return rt.TAG_FUNCTION, ir.Constant(I64, self.runtime.function_ids(kind[1].function))
        if kind == "boxed":           # (tag, bits) values loaded from the ctx
            return value
        if value is None:
            return rt.TAG_NULL, ir.Constant(I64, 0)
        return TAGS[kind], self.to_bits(value, kind)

    def _return_status(self, status: ir.Value) -> None:
        """Leave the unit after the VM took over: the result (or the error) is in the ctx.

        An OSR unit first hands back its frame's values: an error may still be
        caught in that frame (outside the loop), which must then see them."""
        b = self.builder
        if self.region is not None:
            self._write_values(self._slot_values())
        b.ret(b.insert_value(b.insert_value(ir.Constant(RESULT, None), ir.Constant(I64, 0), 0), status, 1))

    def _poll_interrupt(self, pc: int) -> None:
        b = self.builder
        flag = b.load(self.ctx_word(rt.CTX_INTERRUPT))
        guard = self.new_guard("interrupt", pc, "interrupt word set")
        self.deopt_if(b.icmp_unsigned("!=", flag, ir.Constant(I64, 0)), guard, stack=[])

    # -------------------------------------------------------- instructions

    def _instruction(self, pc: int) -> None:
        self.locate(pc)
        op, arg = self.code.instrs[pc]
        if pc in self.typed.always_fails:
            self.deopt_always(self.new_guard("error", pc, f"{OPCODE_NAMES[op]} always raises here"))
            return
        getattr(self, "op_" + OPCODE_NAMES[op], self._arith_or_compare)(pc, op, arg)

    def push(self, value: ir.Value, kind: Any) -> None:
        self.stack.append((value, kind))

    def pop(self) -> tuple[ir.Value, Any]:
        return self.stack.pop()

    def op_LOAD_LOCAL(self, pc: int, op: int, arg: int) -> None:
        kind = self.state_slots[arg]
        self.push(self.builder.load(self.slot(arg, kind)), kind)

    def op_STORE_LOCAL(self, pc: int, op: int, arg: int) -> None:
        value, kind = self.pop()
        self.builder.store(value, self.slot(arg, kind))
        self.state_slots[arg] = kind

    def op_LOAD_CONST(self, pc: int, op: int, arg: int) -> None:
        value = self.code.consts[arg]
        kind = self.typed.before[pc + 1][1][-1] if pc + 1 in self.typed.before else _kind_of(value)
        self.push(self.const(kind, value), kind)

    def op_POP(self, pc: int, op: int, arg: Any) -> None:
        self.pop()

    def op_DUP(self, pc: int, op: int, arg: Any) -> None:
        self.push(*self.stack[-1])

    def op_JUMP(self, pc: int, op: int, arg: int) -> None:
        self._jump(arg)

    def op_JUMP_BACK(self, pc: int, op: int, arg: int) -> None:
        self._poll_interrupt(arg)  # a safepoint: deopt resumes at the loop header
        self._jump(arg)

    def op_JUMP_IF_FALSE(self, pc: int, op: int, arg: int) -> None:
        self._branch(arg, pc + 1, jump_when=False)

    def op_JUMP_IF_TRUE(self, pc: int, op: int, arg: int) -> None:
        self._branch(arg, pc + 1, jump_when=True)

    def _branch(self, target: int, following: int, jump_when: bool) -> None:
        value, kind = self.pop()
        truthy = self.truthy(value, kind)
        self._spill_stack()
        taken, fallthrough = self.block_for(target), self.block_for(following)
        if jump_when:
            self.builder.cbranch(truthy, taken, fallthrough)
        else:
            self.builder.cbranch(truthy, fallthrough, taken)

    def truthy(self, value: ir.Value, kind: str) -> ir.Value:
        b = self.builder
        if kind == "bool":
            return value
        if kind == "int":
            return b.icmp_signed("!=", value, ir.Constant(I64, 0))
        if kind == "float":
            return b.fcmp_unordered("!=", value, ir.Constant(F64, 0.0))  # NaN is truthy
        return ir.Constant(I1, 0)  # null

    def op_TO_BOOL(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.pop()
        self.push(self.truthy(value, kind), "bool")

    def op_NOT(self, pc: int, op: int, arg: Any) -> None:
        value, _ = self.pop()
        self.push(self.builder.xor(value, ir.Constant(I1, 1)), "bool")

    def op_NEG(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        b = self.builder
        if kind == "float":
            self.pop()
            self.push(b.fneg(value), "float")
            return
        guard = self.new_guard("overflow", pc, "-(-9223372036854775808)")
        self.deopt_if(b.icmp_signed("==", value, ir.Constant(I64, INT_MIN)), guard)
        self.pop()
        self.push(b.neg(value), "int")

    def op_RETURN(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.pop()
        b = self.builder
        result = b.insert_value(ir.Constant(RESULT, None), self.to_bits(value, kind), 0)
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
        b = self.builder
        callee = self.typed.before[pc + 1][1][-1]
        name = self.code.names[arg]
        slot = self.runtime.global_slot(name)
        expected = self.runtime.function_ids(callee[1].function)
        current = b.load(self.address(self.runtime.globals, slot))
        guard = self.new_guard("global-unchanged", pc, f"global {name} still holds function {callee[1].function.name}")
        self.deopt_if(b.icmp_signed("!=", current, ir.Constant(I64, expected)), guard)
        self.push(None, callee)

    def op_CALL(self, pc: int, op: int, argc: int) -> None:
        b = self.builder
        args = self.stack[len(self.stack) - argc:]
        callee = self.stack[-argc - 1][1][1]
        arg_types = tuple(kind for _, kind in args)
        # None: inference found no way for the call to return normally (a recursion
        # with no base case); whatever comes back goes to the interpreter.
        result_type = self.typed.before[pc + 1][1][-1] if pc + 1 in self.typed.before else None
        # The stack limit, checked before the call like the interpreter does.
        too_deep = b.icmp_signed(">=", self.depth, ir.Constant(I64, self.runtime.max_depth))
        self.deopt_if(too_deep, self.new_guard("depth", pc, "stack limit reached"))
        # Where this frame is, for the Ruff stack if something below deopts.
        shadow_slot = b.gep(self.address(self.runtime.shadow), [b.sub(self.depth, ir.Constant(I64, 1))])
        b.store(ir.Constant(I64, (self.unit_id << 32) | pc), shadow_slot)
        callee_depth = b.add(self.depth, ir.Constant(I64, 1))
        bits = [self.to_bits(value, kind) for value, kind in args]
        target = self.runtime.native_target(callee.function, arg_types)
        if callee.function.code is self.code and arg_types == self.typed.param_types:
            pair = b.call(self.function, [callee_depth] + bits)
        elif target is not None and target.return_type == result_type:
            fn_type = ir.FunctionType(RESULT, [I64] * (1 + argc))
            pair = b.call(b.inttoptr(ir.Constant(I64, target.address), fn_type.as_pointer()), [callee_depth] + bits)
        else:
            pair = self._call_through_vm(pc, callee, args)
        del self.stack[len(self.stack) - argc - 1:]
        self._check_call_result(pc, b.extract_value(pair, 0), b.extract_value(pair, 1), result_type)

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

    def _check_call_result(self, pc: int, result: ir.Value, status: ir.Value, result_type: str | None) -> None:
        """After a call: OK -> unboxed result; boxed -> guard its tag; error -> propagate."""
        b = self.builder
        if result_type is None:
            failed = self.function.append_basic_block(f"call_error_pc{pc}")
            returned = self.function.append_basic_block(f"call_returned_pc{pc}")
            b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_ERROR)), failed, returned)
            b.position_at_end(failed)
            self._return_status(status)
            b.position_at_end(returned)
            tag = b.load(self.ctx_word(rt.CTX_RET_TAG))
            bits = b.load(self.ctx_word(rt.CTX_RET_BITS))
            self.deopt_always(self.new_guard("call-result", pc + 1, "the call was expected never to return"),
                              stack=self.stack + [((tag, bits), "boxed")])
            return
        fast = b.block
        slow = self.function.append_basic_block(f"call_slow_pc{pc}")
        joined = self.function.append_basic_block(f"call_done_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK)), joined, slow)
        b.position_at_end(slow)
        failed = self.function.append_basic_block(f"call_error_pc{pc}")
        boxed = self.function.append_basic_block(f"call_boxed_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_BOXED)), boxed, failed)
        b.position_at_end(failed)
        self._return_status(status)
        b.position_at_end(boxed)
        tag = b.load(self.ctx_word(rt.CTX_RET_TAG))
        bits = b.load(self.ctx_word(rt.CTX_RET_BITS))
        guard = self.new_guard("call-result", pc + 1, f"call result is {result_type}")
        self.deopt_if(b.icmp_signed("!=", tag, ir.Constant(I64, TAGS[result_type])), guard,
                      stack=self.stack + [((tag, bits), "boxed")])
        boxed_end = b.block
        b.branch(joined)
        b.position_at_end(joined)
        phi = b.phi(I64)
        phi.add_incoming(result, fast)
        phi.add_incoming(bits, boxed_end)
        self.push(self.from_bits(phi, result_type), result_type)

    def _arith_or_compare(self, pc: int, op: int, arg: Any) -> None:
        if op in ARITHMETIC:
            self._arithmetic(pc, op)
        elif op in ORDERING or op in EQUALITY:
            self._compare(pc, op)
        else:
            raise AssertionError(f"no lowering for {OPCODE_NAMES[op]}")

    def _arithmetic(self, pc: int, op: int) -> None:
        b = self.builder
        (left, left_kind), (right, right_kind) = self.stack[-2], self.stack[-1]
        if left_kind == right_kind == "int":
            result = self._int_arithmetic(pc, op, left, right)
            kind = "int"
        else:
            if left_kind == "int":
                left = b.sitofp(left, F64)
            if right_kind == "int":
                right = b.sitofp(right, F64)
            if op in (Op.DIV, Op.MOD):
                zero = self.new_guard("division", pc, "divisor is 0.0")
                self.deopt_if(b.fcmp_ordered("==", right, ir.Constant(F64, 0.0)), zero)
            result = {Op.ADD: b.fadd, Op.SUB: b.fsub, Op.MUL: b.fmul, Op.DIV: b.fdiv, Op.MOD: b.frem}[op](left, right)
            kind = "float"
        del self.stack[-2:]
        self.push(result, kind)

    def _int_arithmetic(self, pc: int, op: int, left: ir.Value, right: ir.Value) -> ir.Value:
        b = self.builder
        if op in (Op.ADD, Op.SUB, Op.MUL):
            checked = {Op.ADD: b.sadd_with_overflow, Op.SUB: b.ssub_with_overflow, Op.MUL: b.smul_with_overflow}[op]
            pair = checked(left, right)
            guard = self.new_guard("overflow", pc, f"int {OPCODE_NAMES[op].lower()} overflows")
            self.deopt_if(b.extract_value(pair, 1), guard)
            return b.extract_value(pair, 0)
        zero = self.new_guard("division", pc, "divisor is 0")
        self.deopt_if(b.icmp_signed("==", right, ir.Constant(I64, 0)), zero)
        overflow = self.new_guard("overflow", pc, "-9223372036854775808 / -1")
        is_min = b.icmp_signed("==", left, ir.Constant(I64, INT_MIN))
        is_minus_one = b.icmp_signed("==", right, ir.Constant(I64, -1))
        self.deopt_if(b.and_(is_min, is_minus_one), overflow)
        return b.sdiv(left, right) if op == Op.DIV else b.srem(left, right)

    def _compare(self, pc: int, op: int) -> None:
        b = self.builder
        (left, left_kind), (right, right_kind) = self.stack[-2], self.stack[-1]
        del self.stack[-2:]
        if left_kind != right_kind:  # different types are never equal (int/float was refused)
            self.push(ir.Constant(I1, int(op == Op.NOT_EQUAL)), "bool")
            return
        if left_kind == "float":
            result = self._float_compare(op, left, right)
        elif left_kind == "null":
            result = ir.Constant(I1, int(op == Op.EQUAL))
        else:
            result = b.icmp_signed(ICMP[op], left, right) if left_kind == "int" else b.icmp_unsigned(ICMP[op], left, right)
        self.push(result, "bool")

    def _float_compare(self, op: int, left: ir.Value, right: ir.Value) -> ir.Value:
        b = self.builder
        if op in ORDERING:
            return b.fcmp_ordered(ICMP[op], left, right)   # NaN compares false
        # Ruff's float ==: exactly equal, or closer than the f64 epsilon.
        exact = b.fcmp_ordered("==", left, right)
        difference = b.call(self.module.declare_intrinsic("llvm.fabs", [F64]), [b.fsub(left, right)])
        close = b.fcmp_ordered("<", difference, ir.Constant(F64, FLOAT_EPSILON))
        equal = b.or_(exact, close)
        return equal if op == Op.EQUAL else b.xor(equal, ir.Constant(I1, 1))

    # ------------------------------------------------------------ finishing

    def _entry_function(self) -> None:
        """``i64 entry(i64* tagged_args)``: check tags, call the unit, leave the outcome in the ctx.

        The interpreter set CTX_DEPTH to its frame count (the caller included).
        """
        entry = ir.Function(self.module, ir.FunctionType(I64, [I64P]), name=self.entry_name)
        (argv,) = entry.args
        b = ir.IRBuilder(entry.append_basic_block("entry"))
        self.builder = b
        status_word = self.ctx_word(rt.CTX_STATUS)
        if self.region is not None:
            # OSR: the frame is already on the interpreter's stack (CTX_DEPTH counts it).
            pair = b.call(self.function, [b.load(self.ctx_word(rt.CTX_DEPTH))])
            status = b.extract_value(pair, 1)
            b.store(status, status_word)
            b.store(b.extract_value(pair, 0), self.ctx_word(rt.CTX_RET_BITS))
            with b.if_then(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK))):
                b.store(ir.Constant(I64, TAGS[self.typed.return_type or "null"]), self.ctx_word(rt.CTX_RET_TAG))
            b.ret(ir.Constant(I64, 0))
            return
        bits = []
        for index, kind in enumerate(self.typed.param_types):
            tag = b.load(b.gep(argv, [ir.Constant(I64, 2 * index)]))
            guard = self.new_guard("type", 0, f"{self.code.params[index]}: expected {kind}")
            refuse = entry.append_basic_block(f"refuse_{self.code.params[index]}")
            accept = entry.append_basic_block(f"accept_{self.code.params[index]}")
            b.cbranch(b.icmp_signed("!=", tag, ir.Constant(I64, TAGS[kind])), refuse, accept)
            b.position_at_end(refuse)
            self.bump(2 + 2 * guard.id)
            b.store(ir.Constant(I64, rt.STATUS_ENTRY_GUARD), status_word)
            b.ret(ir.Constant(I64, 0))
            b.position_at_end(accept)
            self.bump(1 + 2 * guard.id)
            bits.append(b.load(b.gep(argv, [ir.Constant(I64, 2 * index + 1)])))
        depth = b.add(b.load(self.ctx_word(rt.CTX_DEPTH)), ir.Constant(I64, 1))
        pair = b.call(self.function, [depth] + bits)
        status = b.extract_value(pair, 1)
        b.store(status, status_word)
        done = entry.append_basic_block("box_result")
        finished = entry.append_basic_block("finished")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK)), done, finished)
        b.position_at_end(done)
        return_type = self.typed.return_type or "null"
        b.store(ir.Constant(I64, TAGS[return_type]), self.ctx_word(rt.CTX_RET_TAG))
        b.store(b.extract_value(pair, 0), self.ctx_word(rt.CTX_RET_BITS))
        b.branch(finished)
        b.position_at_end(finished)
        b.ret(ir.Constant(I64, 0))


def _kind_of(value: Any) -> str:
    return value_type(value)
