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
from dataclasses import dataclass
from typing import Any, Callable

from llvmlite import ir

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import ARITHMETIC_OPS, CONTROL_OPS, EQUALITY_OPS, OPCODE_NAMES, OPCODES, ORDERING_OPS, Op
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.inference import RANGE, RANGE_ARGS, NotCompilable, TypedCode, value_type

I1, I32, I64, F64 = ir.IntType(1), ir.IntType(32), ir.IntType(64), ir.DoubleType()
I64P = I64.as_pointer()
RESULT = ir.LiteralStructType([I64, I64])   # (bits, status)
DYN = ir.LiteralStructType([I64, I64])      # T1's tagged value: (tag, bits)
LLVM_TYPES = {"int": I64, "float": F64, "bool": I1, "null": I64, "dyn": DYN,
              "range0": I64, "range1": I64, "range2": I64, "range3": I64}   # a for loop's start, stop, step, count
TAGS = {"int": rt.TAG_INT, "float": rt.TAG_FLOAT, "bool": rt.TAG_BOOL, "null": rt.TAG_NULL}
INT_MIN = -(2**63)
FLOAT_EPSILON = 2.220446049250313e-16

POLL_EVERY = 1024   # loop iterations between two reads of the interrupt word

# Guards whose passes are counted. Speculation guards feed the despecialization
# rate; checks that almost never fail (overflow, division, depth, tags, the
# interrupt poll) count failures only: a counter bump on every loop iteration
# costs more than the loop's own arithmetic.
COUNT_PASSES = frozenset({"type", "call-result", "global-unchanged"})


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
    exit_blocks: dict[str, int]   # name of each deopt exit's IR block -> its guard id


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
    constant_ids: Callable[[Any], int]      # a string constant -> its permanent handle
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
        self.exit_blocks: dict[str, int] = {}   # the side table views read: exit block name -> guard id
        self.module = ir.Module(name=f"{self.code.name}_T{tier}")
        self.module.triple = ""
        prefix = f"ruff_{unit_id}"
        self.unit_name, self.entry_name = prefix, f"{prefix}_entry"
        arity = len(self.code.params)
        self.region = typed.region   # set for an OSR unit: one loop, entered at its header
        if self.region is not None:
            arity = 0                # an OSR unit reads the frame's values from the transfer buffer
        elif tier == 1:
            arity *= 2               # T1 takes each argument as (tag, bits)
        self.function = ir.Function(self.module, ir.FunctionType(RESULT, [I64] * (1 + arity)), name=self.unit_name)
        self.depth = self.function.args[0]   # frames on the Ruff stack, this one included
        self.depth.name = "depth"
        names = [f"{name}.{part}" for name in self.code.params for part in ("tag", "bits")] if tier == 1 \
            else [f"{name}.bits" for name in self.code.params]
        for argument, name in zip(self.function.args[1:], names):
            argument.name = name
        self._debug_info()
        self.blocks: dict[int, ir.Block] = {}
        self.slot_vars: dict[tuple[int, str], ir.AllocaInstr] = {}
        self.stack_vars: dict[tuple[int, str], ir.AllocaInstr] = {}
        self.builder: ir.IRBuilder | None = None
        self.countdown: ir.AllocaInstr | None = None   # iterations until the next interrupt poll
        # Counters live in memory the VM owns: [entries, pass0, fail0, pass1, fail1, ...].
        self.counters_address = counters_address
        self.counter_capacity = counter_capacity
        self.jump_targets = {arg for op, arg in self.code.instrs if op in CONTROL_OPS}

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
                           (time.perf_counter() - started) * 1000, self.exit_blocks)

    def _is_leader(self, pc: int) -> bool:
        if pc == 0:
            return True
        previous = pc - 1
        if previous not in self.typed.before:
            return True
        op, _ = self.code.instrs[previous]
        if op in CONTROL_OPS or op in (Op.RETURN, Op.FAIL):
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
        # Entry type guards belong to the function's header line (where its parameters are).
        line = self.code.first_line if kind == "type" else self.code.lines[pc]
        guard = Guard(len(self.guards), kind, pc, line, detail)
        self.guards.append(guard)
        return guard

    def _counter_slot(self, index: int) -> ir.Value:
        counters = self.builder.inttoptr(ir.Constant(I64, self.counters_address), I64P)
        return self.builder.gep(counters, [ir.Constant(I64, index)])

    def bump(self, index: int) -> None:
        pointer = self._counter_slot(index)
        self.builder.store(self.builder.add(self.builder.load(pointer), ir.Constant(I64, 1)), pointer)

    # Tagged values (T1). A static value becomes dyn by pairing it with its tag.

    def make_dyn(self, tag: ir.Value, bits: ir.Value) -> ir.Value:
        b = self.builder
        return b.insert_value(b.insert_value(ir.Constant(DYN, None), tag, 0), bits, 1)

    def to_dyn(self, value: ir.Value, kind: str) -> ir.Value:
        if kind == "dyn":
            return value
        return self.make_dyn(ir.Constant(I64, TAGS[kind]), self.to_bits(value, kind))

    def tag_of(self, value: ir.Value, kind: str) -> ir.Value:
        return self.builder.extract_value(value, 0) if kind == "dyn" else ir.Constant(I64, TAGS[kind])

    def bits_of(self, value: ir.Value, kind: str) -> ir.Value:
        return self.builder.extract_value(value, 1) if kind == "dyn" else self.to_bits(value, kind)

    def tag_is(self, tag: ir.Value, *tags: int) -> ir.Value:
        b = self.builder
        result = b.icmp_signed("==", tag, ir.Constant(I64, tags[0]))
        for other in tags[1:]:
            result = b.or_(result, b.icmp_signed("==", tag, ir.Constant(I64, other)))
        return result

    def as_double(self, value: ir.Value, kind: str) -> ir.Value:
        """A number as a double: int bits are converted, float bits reinterpreted."""
        b = self.builder
        if kind != "dyn":
            return b.sitofp(value, F64) if kind == "int" else value
        tag, bits = self.tag_of(value, kind), self.bits_of(value, kind)
        return b.select(self.tag_is(tag, rt.TAG_INT), b.sitofp(bits, F64), b.bitcast(bits, F64))

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
            if kind == "dyn":
                tag, bits = self.function.args[1 + 2 * index], self.function.args[2 + 2 * index]
                b.store(self.make_dyn(tag, bits), self.slot(index, kind))
            else:
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
                if kind == "dyn":
                    value = self.make_dyn(b.load(b.gep(buffer, [ir.Constant(I64, 2 * index)])), bits)
                else:
                    value = self.from_bits(bits, kind)
                b.store(value, self.slot(index, kind))
        self.state_slots = list(slots)
        self.stack = []
        if self.region.stack:   # a for loop: its range (three pairs) and position follow the slots
            words = [b.load(b.gep(buffer, [ir.Constant(I64, 2 * (len(slots) + i) + 1)])) for i in range(4)]
            start, stop, step, position = words
            self.stack = [((start, stop, step, self._range_count(start, stop, step)), RANGE), (position, "int")]
        self._prepare_edge(self.region.header)
        b.branch(self.blocks[self.region.header])

    def block_for(self, target: int) -> ir.Block:
        """The block for a jump target; for OSR, leaving the loop goes back to the interpreter."""
        if target in self.blocks:
            return self.blocks[target]
        assert self.region is not None, f"no block for pc {target}"
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
            self._prepare_edge(pc)
            b.branch(self.blocks[pc])
        b.position_at_end(self.blocks[pc])
        slots, stack_types = self.typed.before[pc]
        self.state_slots = list(slots)
        self.stack = []
        for depth, kind in enumerate(stack_types):
            if kind == RANGE:
                self.stack.append((tuple(b.load(self.stack_var(depth, f"range{i}")) for i in range(4)), kind))
            elif isinstance(kind, tuple):
                self.stack.append((None, kind))   # a function about to be called: a constant
            else:
                self.stack.append((b.load(self.stack_var(depth, kind)), kind))

    def _prepare_edge(self, target: int) -> None:
        """Before jumping to ``target``: put live values where that block reads them,
        converting to ``dyn`` where types meet that differ (see inference._merge)."""
        if target not in self.typed.before:
            return   # OSR: leaving the loop (the exit block writes the values out)
        want_slots, want_stack = self.typed.before[target]
        for index, (have, want) in enumerate(zip(self.state_slots, want_slots)):
            if have != want and want == "dyn" and have != "unset":
                value = self.builder.load(self.slot(index, have))
                self.builder.store(self.to_dyn(value, have), self.slot(index, "dyn"))
        for depth, ((value, kind), want) in enumerate(zip(self.stack, want_stack)):
            if kind == RANGE:
                for index, part in enumerate(value):
                    self.builder.store(part, self.stack_var(depth, f"range{index}"))
            elif not isinstance(kind, tuple):
                if kind != want:
                    value, kind = self.to_dyn(value, kind), "dyn"
                self.builder.store(value, self.stack_var(depth, kind))

    def _jump(self, target: int) -> None:
        self._prepare_edge(target)
        self.builder.branch(self.block_for(target))

    # --------------------------------------------------------- deopt exits

    def deopt_if(self, condition: ir.Value, guard: Guard, stack: list | None = None) -> None:
        """Branch to a deopt exit for ``guard`` when ``condition`` holds; count passes otherwise."""
        b = self.builder
        exit_block = self.function.append_basic_block(f"deopt{guard.id}_{guard.kind}_pc{guard.pc}")
        self.exit_blocks[exit_block.name] = guard.id
        continue_block = self.function.append_basic_block(f"after_guard{guard.id}")
        b.cbranch(condition, exit_block, continue_block)
        b.position_at_end(exit_block)
        self._deopt_exit(guard, self.stack if stack is None else stack)
        b.position_at_end(continue_block)
        if guard.kind in COUNT_PASSES:
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
        pairs = [pair for value, kind in values for pair in self._pairs(value, kind)]
        for position, (tag, bits) in enumerate(pairs):
            b.store(ir.Constant(I64, tag) if isinstance(tag, int) else tag, b.gep(buffer, [ir.Constant(I64, 2 * position)]))
            b.store(bits, b.gep(buffer, [ir.Constant(I64, 2 * position + 1)]))
        return buffer

    def _pairs(self, value: Any, kind: Any) -> list:
        """The (tag, bits) pairs a value is handed over as: one, or three for a loop's range."""
        if kind == RANGE:
            start, stop, step, _count = value
            return [(rt.TAG_RANGE, start), (rt.TAG_RANGE, stop), (rt.TAG_RANGE, step)]
        return [self._tagged(value, kind)]

    def _tagged(self, value: ir.Value | None, kind: Any) -> tuple[Any, ir.Value]:
        if kind == "dyn":
            return self.builder.extract_value(value, 0), self.builder.extract_value(value, 1)
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

    def _poll_interrupt(self, pc: int, stack: list | None = None) -> None:
        b = self.builder
        # An atomic load: another thread sets the word, and a plain load in a loop
        # that writes no memory would be hoisted out of it by LLVM (never seen again).
        flag = b.load_atomic(self.ctx_word(rt.CTX_INTERRUPT), "monotonic", 8)
        guard = self.new_guard("interrupt", pc, "interrupt word set")
        # (At a loop header the stack is what the loop keeps there: empty, or a for loop's range.)
        self.deopt_if(b.icmp_unsigned("!=", flag, ir.Constant(I64, 0)), guard, stack)

    # -------------------------------------------------------- instructions

    def _instruction(self, pc: int) -> None:
        self._pc = pc
        self.locate(pc)
        op, arg = self.code.instrs[pc]
        if pc in self.typed.always_fails:
            self.deopt_always(self.new_guard("error", pc, f"{OPCODE_NAMES[op]} always raises here"))
            return
        getattr(self, "op_" + OPCODE_NAMES[op], self._arith_or_compare)(pc, op, arg)

    def op_FAIL(self, pc: int, op: int, arg: Any) -> None:
        """(Never called: inference puts every FAIL in ``always_fails``, handled above.)"""
        self.deopt_always(self.new_guard("error", pc, "FAIL always raises here"))

    def push(self, value: ir.Value, kind: Any) -> None:
        self.stack.append((value, kind))

    def pop(self) -> tuple[ir.Value, Any]:
        return self.stack.pop()

    def op_LOAD_LOCAL(self, pc: int, op: int, arg: int) -> None:
        kind = self.state_slots[arg]
        self.push(self.builder.load(self.slot(arg, kind)), kind)

    def op_STORE_LOCAL(self, pc: int, op: int, arg: int) -> None:
        value, kind = self.pop()
        if self.typed.tier == 1:
            value, kind = self.to_dyn(value, kind), "dyn"
        self.builder.store(value, self.slot(arg, kind))
        self.state_slots[arg] = kind

    def op_LOAD_CONST(self, pc: int, op: int, arg: int) -> None:
        value = self.code.consts[arg]
        if type(value) is str:   # native code only carries strings around: a constant handle
            handle = ir.Constant(I64, self.runtime.constant_ids(value))
            self.push(self.make_dyn(ir.Constant(I64, rt.TAG_CONSTANT), handle), "dyn")
            return
        kind = self.typed.before[pc + 1][1][-1] if pc + 1 in self.typed.before else value_type(value)
        self.push(self.const(kind, value), kind)

    def op_POP(self, pc: int, op: int, arg: Any) -> None:
        self.pop()

    def op_DUP(self, pc: int, op: int, arg: Any) -> None:
        self.push(*self.stack[-1])

    def op_JUMP(self, pc: int, op: int, arg: int) -> None:
        self._jump(arg)

    def op_JUMP_BACK(self, pc: int, op: int, arg: int) -> None:
        """A safepoint: deopt resumes at the loop header. The interrupt word is read
        every POLL_EVERY iterations (a countdown in a register): an atomic load on
        every iteration would cost tight loops about as much as their own work."""
        b = self.builder
        if self.countdown is None:
            with b.goto_entry_block():
                b.position_at_start(self.function.entry_basic_block)
                self.countdown = b.alloca(I64, name="poll_countdown")
                b.store(ir.Constant(I64, POLL_EVERY), self.countdown)
        left = b.sub(b.load(self.countdown), ir.Constant(I64, 1))
        b.store(left, self.countdown)
        poll = self.function.append_basic_block(f"poll_pc{pc}")
        after = self.function.append_basic_block(f"polled_pc{pc}")
        b.cbranch(b.icmp_signed("<=", left, ir.Constant(I64, 0)), poll, after)
        b.position_at_end(poll)
        b.store(ir.Constant(I64, POLL_EVERY), self.countdown)
        self._poll_interrupt(arg)
        b.branch(after)
        b.position_at_end(after)
        self._jump(arg)

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
        taken, fallthrough = self.block_for(target), self.block_for(following)
        if jump_when:
            self.builder.cbranch(truthy, taken, fallthrough)
        else:
            self.builder.cbranch(truthy, fallthrough, taken)

    def truthy(self, value: ir.Value, kind: str, pc: int | None = None) -> ir.Value:
        b = self.builder
        if kind == "dyn":
            tag, bits = self.tag_of(value, kind), self.bits_of(value, kind)
            guard = self.new_guard("tag", pc, "truthiness of a value that is not a number, bool or null")
            self.deopt_if(b.not_(self.tag_is(tag, rt.TAG_INT, rt.TAG_BOOL, rt.TAG_FLOAT, rt.TAG_NULL)), guard)
            as_float = b.fcmp_unordered("!=", b.bitcast(bits, F64), ir.Constant(F64, 0.0))
            as_int = b.icmp_signed("!=", bits, ir.Constant(I64, 0))
            return b.select(self.tag_is(tag, rt.TAG_FLOAT), as_float, as_int)   # null's bits are 0
        if kind == "bool":
            return value
        if kind == "int":
            return b.icmp_signed("!=", value, ir.Constant(I64, 0))
        if kind == "float":
            return b.fcmp_unordered("!=", value, ir.Constant(F64, 0.0))  # NaN is truthy
        return ir.Constant(I1, 0)  # null

    def op_TO_BOOL(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        truthy = self.truthy(value, kind, pc)
        self.pop()
        self.push(truthy, "bool")

    def op_NOT(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        b = self.builder
        if kind == "dyn":
            guard = self.new_guard("tag", pc, "! of a value that is not a bool")
            self.deopt_if(b.not_(self.tag_is(self.tag_of(value, kind), rt.TAG_BOOL)), guard)
            value = b.trunc(self.bits_of(value, kind), I1)
        self.pop()
        self.push(b.xor(value, ir.Constant(I1, 1)), "bool")

    def op_NEG(self, pc: int, op: int, arg: Any) -> None:
        value, kind = self.stack[-1]
        b = self.builder
        if kind == "dyn":
            self._dyn_arithmetic(pc, Op.SUB, (ir.Constant(I64, 0), "int"), (value, kind), negate=True)
            return
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
        if self.typed.return_type == "dyn":   # tagged results go back through the ctx
            b.store(self.tag_of(value, kind), self.ctx_word(rt.CTX_RET_TAG))
            b.store(self.bits_of(value, kind), self.ctx_word(rt.CTX_RET_BITS))
            self._return_status(ir.Constant(I64, rt.STATUS_BOXED))
            return
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
        if pc + 1 in self.typed.before and self.typed.before[pc + 1][1][-1] == RANGE_ARGS:
            self._range_arguments(pc, argc)
            return
        b = self.builder
        args = self.stack[len(self.stack) - argc:]
        callee = self.stack[-argc - 1][1][1]
        arg_types = tuple(kind for _, kind in args)
        # None: inference found no way for the call to return normally (a recursion
        # with no base case); whatever comes back goes to the interpreter.
        result_type = self.typed.before[pc + 1][1][-1] if pc + 1 in self.typed.before else None
        if self.typed.tier == 1 or result_type == "dyn":
            result_type = "dyn"
        # The stack limit, checked before the call like the interpreter does.
        too_deep = b.icmp_signed(">=", self.depth, ir.Constant(I64, self.runtime.max_depth))
        self.deopt_if(too_deep, self.new_guard("depth", pc, "stack limit reached"))
        # Where this frame is, for the Ruff stack if something below deopts.
        shadow_slot = b.gep(self.address(self.runtime.shadow), [b.sub(self.depth, ir.Constant(I64, 1))])
        b.store(ir.Constant(I64, (self.unit_id << 32) | pc), shadow_slot)
        callee_depth = b.add(self.depth, ir.Constant(I64, 1))
        bits = [self.to_bits(value, kind) for value, kind in args]
        # T2 calls T2 code directly when the types agree (itself, or a compiled unit);
        # anything else -- and every T1 call -- goes through the VM.
        target = self.runtime.native_target(callee.function, arg_types) if self.typed.tier == 2 else None
        if self.typed.tier == 2 and getattr(callee.function, "code", None) is self.code \
                and arg_types == self.typed.param_types:
            pair = b.call(self.function, [callee_depth] + bits)
        elif target is not None and target.return_type == result_type:
            fn_type = ir.FunctionType(RESULT, [I64] * (1 + argc))
            pair = b.call(b.inttoptr(ir.Constant(I64, target.address), fn_type.as_pointer()), [callee_depth] + bits)
        else:
            pair = self._call_through_vm(pc, callee, args)
        del self.stack[len(self.stack) - argc - 1:]
        if result_type == "dyn":
            self._dyn_call_result(pc, b.extract_value(pair, 1))
            return
        self._check_call_result(pc, b.extract_value(pair, 0), b.extract_value(pair, 1), result_type)

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
        if kind != "dyn":
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
        self.push(ir.Constant(I64, 0), "int")

    def op_FOR_ITER(self, pc: int, op: int, exit_target: int) -> None:
        b = self.builder
        start, _, step, count = self.stack[-2][0]
        position = self.stack[-1][0]
        saved = list(self.stack)
        more = self.function.append_basic_block(f"for_next_pc{pc}")
        done = self.function.append_basic_block(f"for_done_pc{pc}")
        b.cbranch(b.icmp_unsigned("<", position, count), more, done)
        b.position_at_end(done)
        self.stack = saved[:-2]
        self._jump(exit_target)
        b.position_at_end(more)
        element = b.add(start, b.mul(position, step))
        self.stack = saved[:-1] + [(b.add(position, ir.Constant(I64, 1)), "int"), (element, "int")]
        self._jump(pc + 1)

    def _dyn_call_result(self, pc: int, status: ir.Value) -> None:
        """A tagged result: whatever came back, from the ctx."""
        self.push(self.make_dyn(*self._boxed_result(pc, status)), "dyn")
        self._poll_interrupt(pc + 1)   # (see _check_call_result)

    def _boxed_result(self, pc: int, status: ir.Value) -> tuple[ir.Value, ir.Value]:
        """After a call whose result comes back boxed: propagate an error, else
        load the (tag, bits) from the ctx."""
        b = self.builder
        failed = self.function.append_basic_block(f"call_error_pc{pc}")
        returned = self.function.append_basic_block(f"call_returned_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_ERROR)), failed, returned)
        b.position_at_end(failed)
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

    def _check_call_result(self, pc: int, result: ir.Value, status: ir.Value, result_type: str | None) -> None:
        """After a call: OK -> unboxed result; boxed -> guard its tag; error -> propagate."""
        b = self.builder
        if result_type is None:
            tag, bits = self._boxed_result(pc, status)
            self.deopt_always(self.new_guard("call-result", pc + 1, "the call was expected never to return"),
                              stack=self.stack + [((tag, bits), "boxed")])
            return
        fast = b.block
        slow = self.function.append_basic_block(f"call_slow_pc{pc}")
        joined = self.function.append_basic_block(f"call_done_pc{pc}")
        b.cbranch(b.icmp_signed("==", status, ir.Constant(I64, rt.STATUS_OK)), joined, slow)
        b.position_at_end(slow)
        tag, bits = self._boxed_result(pc, status)
        with_result = self.stack + [((tag, bits), "boxed")]
        # The callee ran in the interpreter: a safepoint, so a debugger step that
        # returns here stops in this frame, not after it (off the fast path).
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

    def _arith_or_compare(self, pc: int, op: int, arg: Any) -> None:
        if op in ARITHMETIC_OPS:
            self._arithmetic(pc, op)
        elif op in ORDERING_OPS or op in EQUALITY_OPS:
            self._compare(pc, op)
        else:
            raise AssertionError(f"no lowering for {OPCODE_NAMES[op]}")

    def _arithmetic(self, pc: int, op: int) -> None:
        b = self.builder
        (left, left_kind), (right, right_kind) = self.stack[-2], self.stack[-1]
        if "dyn" in (left_kind, right_kind):
            self._dyn_arithmetic(pc, op, self.stack[-2], self.stack[-1])
            return
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
        # (Guards deopt with both operands still on the stack: pop only after.)
        if "dyn" in (left_kind, right_kind) or {left_kind, right_kind} == {"int", "float"}:
            compare = self._dyn_compare if "dyn" in (left_kind, right_kind) else self._mixed_compare
            result = compare(pc, op, self.stack[-2], self.stack[-1])
            del self.stack[-2:]
            self.push(result, "bool")
            return
        del self.stack[-2:]
        if left_kind != right_kind:  # different types are never equal
            self.push(ir.Constant(I1, int(op == Op.NOT_EQUAL)), "bool")
            return
        if left_kind == "float":
            result = self._float_compare(op, left, right)
        elif left_kind == "null":
            result = ir.Constant(I1, int(op == Op.EQUAL))
        else:
            result = b.icmp_signed(OPCODES[op].symbol, left, right) if left_kind == "int" else b.icmp_unsigned(OPCODES[op].symbol, left, right)
        self.push(result, "bool")

    # ------------------------------------------- T1: dispatch on tags inline

    def _dyn_arithmetic(self, pc: int, op: int, left_entry: tuple, right_entry: tuple, negate: bool = False) -> None:
        """``left op right`` on tagged values: int/int checked, any float makes float,
        anything else bails out to the interpreter (which raises or handles it)."""
        b = self.builder
        (left, left_kind), (right, right_kind) = left_entry, right_entry
        left_tag, right_tag = self.tag_of(left, left_kind), self.tag_of(right, right_kind)
        numbers = b.and_(self.tag_is(left_tag, rt.TAG_INT, rt.TAG_FLOAT), self.tag_is(right_tag, rt.TAG_INT, rt.TAG_FLOAT))
        self.deopt_if(b.not_(numbers), self.new_guard("tag", pc, "an operand is not a number"))
        both_int = b.and_(self.tag_is(left_tag, rt.TAG_INT), self.tag_is(right_tag, rt.TAG_INT))
        int_block = self.function.append_basic_block(f"int_pc{pc}")
        float_block = self.function.append_basic_block(f"float_pc{pc}")
        done = self.function.append_basic_block(f"arith_done_pc{pc}")
        b.cbranch(both_int, int_block, float_block)
        b.position_at_end(int_block)
        int_result = self._int_arithmetic(pc, op, self.bits_of(left, left_kind), self.bits_of(right, right_kind))
        int_value = self.make_dyn(ir.Constant(I64, rt.TAG_INT), int_result)
        int_end = b.block
        b.branch(done)
        b.position_at_end(float_block)
        x, y = self.as_double(left, left_kind), self.as_double(right, right_kind)
        if negate:
            float_result = b.fneg(y)
        else:
            if op in (Op.DIV, Op.MOD):
                self.deopt_if(b.fcmp_ordered("==", y, ir.Constant(F64, 0.0)), self.new_guard("division", pc, "divisor is 0.0"))
            float_result = {Op.ADD: b.fadd, Op.SUB: b.fsub, Op.MUL: b.fmul, Op.DIV: b.fdiv, Op.MOD: b.frem}[op](x, y)
        float_value = self.make_dyn(ir.Constant(I64, rt.TAG_FLOAT), b.bitcast(float_result, I64))
        float_end = b.block
        b.branch(done)
        b.position_at_end(done)
        result = b.phi(DYN)
        result.add_incoming(int_value, int_end)
        result.add_incoming(float_value, float_end)
        del self.stack[-1 if negate else -2:]
        self.push(result, "dyn")

    def _dyn_compare(self, pc: int, op: int, left_entry: tuple, right_entry: tuple) -> ir.Value:
        b = self.builder
        (left, left_kind), (right, right_kind) = left_entry, right_entry
        left_tag, right_tag = self.tag_of(left, left_kind), self.tag_of(right, right_kind)
        left_bits, right_bits = self.bits_of(left, left_kind), self.bits_of(right, right_kind)
        same = b.icmp_signed("==", left_tag, right_tag)
        numbers = b.and_(self.tag_is(left_tag, rt.TAG_INT, rt.TAG_FLOAT), self.tag_is(right_tag, rt.TAG_INT, rt.TAG_FLOAT))
        both_int = b.and_(self.tag_is(left_tag, rt.TAG_INT), self.tag_is(right_tag, rt.TAG_INT))
        as_doubles = self._float_compare(op, self.as_double(left, left_kind), self.as_double(right, right_kind))
        if op in ORDERING_OPS:
            self.deopt_if(b.not_(numbers), self.new_guard("tag", pc, "ordering needs two numbers"))
            mixed = b.and_(b.not_(same), numbers)
            inexact = b.or_(b.and_(self.tag_is(left_tag, rt.TAG_INT), self._beyond_2_53(left_bits)),
                            b.and_(self.tag_is(right_tag, rt.TAG_INT), self._beyond_2_53(right_bits)))
            self.deopt_if(b.and_(mixed, inexact), self.new_guard("tag", pc, "an int too big to compare exactly with a float"))
            return b.select(both_int, b.icmp_signed(OPCODES[op].symbol, left_bits, right_bits), as_doubles)
        # Strings, functions and other objects (whatever their tag says about where
        # they came from) are compared by the interpreter.
        objects = b.or_(self.tag_is(left_tag, rt.TAG_OBJECT, rt.TAG_FUNCTION, rt.TAG_CONSTANT),
                        self.tag_is(right_tag, rt.TAG_OBJECT, rt.TAG_FUNCTION, rt.TAG_CONSTANT))
        self.deopt_if(objects, self.new_guard("tag", pc, "== on values native code cannot compare"))
        # int == float compares as floats (what the interpreter does); other different tags are unequal.
        # (as_doubles already answers ``op``, == or !=)
        exact = b.and_(same, b.icmp_signed("==", left_bits, right_bits))
        return b.select(b.and_(numbers, b.not_(both_int)), as_doubles, exact if op == Op.EQUAL else b.not_(exact))

    def _beyond_2_53(self, bits: ir.Value) -> ir.Value:
        """An int a double cannot hold exactly, so an int/float ordering could differ."""
        b = self.builder
        limit = ir.Constant(I64, 2**53)
        return b.or_(b.icmp_signed(">", bits, limit), b.icmp_signed("<", bits, b.neg(limit)))

    def _mixed_compare(self, pc: int, op: int, left_entry: tuple, right_entry: tuple) -> ir.Value:
        """int vs float: as doubles, like the interpreter; ordering needs the int exact."""
        if op in ORDERING_OPS:
            int_bits = left_entry[0] if left_entry[1] == "int" else right_entry[0]
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
            if kind == "dyn":   # T1: no speculation, so no entry guard
                bits.append(b.load(b.gep(argv, [ir.Constant(I64, 2 * index)])))
                bits.append(b.load(b.gep(argv, [ir.Constant(I64, 2 * index + 1)])))
                continue
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
        if return_type == "dyn":   # T1 units hand back tagged results themselves (STATUS_BOXED)
            return_type = "null"
        b.store(ir.Constant(I64, TAGS[return_type]), self.ctx_word(rt.CTX_RET_TAG))
        b.store(b.extract_value(pair, 0), self.ctx_word(rt.CTX_RET_BITS))
        b.branch(finished)
        b.position_at_end(finished)
        b.ret(ir.Constant(I64, 0))
