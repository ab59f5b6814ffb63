"""The driver: one ``Lowering`` per unit walks the typed bytecode in order,
opens a block at every leader, and hands each instruction to its ``op_`` method
(``ops``, ``calls``); small helpers every part uses live here too."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from llvmlite import ir

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import CONTROL_OPS, Op
from ruffdbg.jit import clean, ownership
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.inference import TypedCode
from ruffdbg.jit.lowering.arrays import ArrayElements
from ruffdbg.jit.lowering.builtins import NativeBuiltins
from ruffdbg.jit.lowering.calls import CallsAndLoops
from ruffdbg.jit.lowering.cells import CapturedVariables
from ruffdbg.jit.lowering.counted import CountedLoops
from ruffdbg.jit.lowering.common import (F64, I1, I64, REACH_PC, RESULT, AliasClasses, CounterLayout, DirectSite,
                                          Guard, Imports, LoweredUnit, RuntimeAddresses, fast_names)
from ruffdbg.jit.lowering.debuginfo import DebugInfo
from ruffdbg.jit.lowering.dicts import DictReads
from ruffdbg.jit.lowering.entry import EntryFunction
from ruffdbg.jit.lowering.frame import FrameAndExits
from ruffdbg.jit.lowering.generic import GenericOps
from ruffdbg.jit.lowering.handles import NativeHandles
from ruffdbg.jit.lowering.strings import NativeStrings
from ruffdbg.jit.lowering.inlined import InlinedMethods
from ruffdbg.jit.lowering.iteration import ArrayIteration
from ruffdbg.jit.lowering.ops import Ops
from ruffdbg.jit.lowering.printing import module_text
from ruffdbg.jit.lowering.structs import StructFields
from ruffdbg.jit.lowering.tagged import TaggedValues
from ruffdbg.jit.lowering.texts import NativeTexts
from ruffdbg.jit.lowering.twins import TWIN
from ruffdbg.jit.lowering.virtual import VirtualStructs
from ruffdbg.jit.types import Kind
from ruffdbg.profile.report import flow_counts


def _symbol_part(function: Any) -> str:
    """A function's name as part of a symbol's name (a builtin's, or its code's)."""
    code = getattr(function, "code", None)
    return getattr(code, "name", None) or getattr(function, "name", None) or type(function).__name__


class Lowering(DebugInfo, FrameAndExits, Ops, CallsAndLoops, NativeBuiltins, NativeTexts, DictReads, ArrayElements,
               StructFields,
               CapturedVariables, ArrayIteration, InlinedMethods, VirtualStructs, TaggedValues, GenericOps,
               EntryFunction, NativeHandles, NativeStrings, CountedLoops):
    """Lowers one ``TypedCode`` to one LLVM module: ``Lowering(...).lower()``.

    The parts (mixins, one module each) share the state set up here: the
    builder, the current block's ``state_slots`` and operand ``stack`` (a list
    of (value, type) pairs), the blocks per pc, the guards and exit blocks.
    """

    def __init__(self, typed: TypedCode, unit_id: int, tier: int, runtime: RuntimeAddresses,
                 counters_address: int, layout: CounterLayout, *, cell_address: int = 0,
                 promoted_home: int = 0, twin: bool = False):
        self.typed = typed
        self.code: CodeObject = typed.code
        self.unit_id = unit_id
        self.tier = tier
        self.runtime = runtime
        self.guards: list[Guard] = []
        self.sites: list[DirectSite] = []
        self.reach = REACH_PC   # how the guards made now are reached (see common.REACH_*)
        self.exit_blocks: dict[str, int] = {}   # the side table views read: exit block name -> guard id
        self.exit_tails: dict[tuple, Any] = {}   # frame shape -> its shared deopt tail (frame.DeoptTail)
        self.leave_tails: dict[tuple, ir.PhiInstr] = {}   # frame shape -> the status phi of its block leaving the unit
        self.frame_writers: dict[tuple, ir.Function] = {}   # frame shape -> the function that writes it out
        self.pair_pointers: dict[int, ir.Constant] = {}   # transfer buffer pair -> {i64, i64}* (frame._buffer_pair)
        self.exit_tail_guards: dict[str, list] = {}   # (views) tail block name -> the guards whose exits share it
        self.module = ir.Module(name=f"{self.code.name}_T{tier}")
        self.module.triple = ""
        self.region = typed.region   # set for an OSR unit: a loop nest, entered at a header in it
        self.string_constants: dict[int, str] = {}   # id of a LOAD_CONST's tagged value -> its string (strings.py)
        # (the arrays element stores find already owned: T2's native MUT_LOCAL only)
        self.ownership = ownership.analyse(typed) if tier == 2 else ownership.Ownership()
        # (a clean unit's LOAD_GLOBALs whose global every path to them checked already: jit/clean.py)
        self.checked_already = clean.checked_already(typed) if tier == 2 else frozenset()
        self._find_virtual_locals()   # (T2: locals kept as a struct's fields, jit/sinking.py)
        self._pc = -1   # the instruction being lowered (-1: the prologue)
        self.block_pc = -1   # the first pc of the block being lowered
        self.polled_block: int | None = None   # the block whose calls polled the interrupt word (calls.py)
        # Names that say what the code is, not which unit of this process it is (the
        # unit id and every address are imports): the same code gets the same IR text.
        prefix = "ruff_" + re.sub(r"\W", "_", self.code.name) + (f"_loop{self.region.entry_pc}" if self.region else "")
        self.unit_name, self.entry_name = prefix, f"{prefix}_entry"
        self.imports = Imports(self.module)
        self.alias = AliasClasses(self.module)
        # (an OSR unit reads the frame's values from the transfer buffer; a tagged
        # parameter -- all of T1's -- comes as (tag, bits), any other as its bits)
        names = [] if self.region is not None else [
            f"{name}.{part}" for name, kind in zip(self.code.params, typed.param_types)
            for part in (("tag", "bits") if kind == Kind.DYN else ("bits",))]
        arity = len(names)
        self.function = fast_names(ir.Function(self.module, ir.FunctionType(RESULT, [I64] * (1 + arity)),
                                               name=self.unit_name))
        self.depth = self.function.args[0]   # frames on the Ruff stack, this one included
        # What a T2 self-call calls: itself, or (recursive inlining: twin_of) its twin,
        # a copy of it that calls it back and that LLVM inlines into it.
        self.self_call = self.function
        if twin:
            self.self_call = ir.Function(self.module, self.function.function_type, name=f"{prefix}{TWIN}")
        self.depth.name = "depth"
        for argument, name in zip(self.function.args[1:], names):
            argument.name = name
        self._debug_info()
        self.blocks: dict[int, ir.Block] = {}
        self.slot_vars: dict[tuple[int, str], ir.AllocaInstr] = {}
        self.stack_vars: dict[tuple[int, str], ir.AllocaInstr] = {}
        self.stable_vars: dict[tuple[int, int], tuple[ir.AllocaInstr, ...]] = {}   # arrays.py
        self.push_arguments: ir.AllocaInstr | None = None   # (arrays.py: a native push's call of its slow path)
        self.loaded_from: dict[int, tuple[int, ir.Value]] = {}   # id of a LOAD_LOCAL's value -> (local, value)
        self.loaded_at: dict[int, tuple[int, int, ir.Value]] = {}   # id of a slot load's value -> (pc, slot, value)
        self.builder: ir.IRBuilder | None = None
        self.pending: dict[int, ir.AllocaInstr] = {}   # back-edge or branch pc -> its count not yet in memory
        self.pending_scope: dict[int, tuple[int, int]] = {}   # ... -> the outermost loop around it (header, end)
        self.shared_nests: tuple = ()   # the loop nests a shared block flushes (counted.shared_block)
        self.flushed_in: ir.Block | None = None   # the block ``pending`` went to memory in, nothing counted since
        self.slow_path: ir.Block | None = None   # T1: where failing inline checks go (generic.py)
        self.handle_mark: ir.Value = ir.Constant(I64, 2**62)   # (no sweep: see _prologue, _osr_prologue)
        # Counters live in memory the VM owns (common.CounterLayout says where each is).
        self.counters_address = self.imports.memory("rd.counters", counters_address)
        for name in ("ctx", "shadow", "buffer"):
            self.imports.memory(f"rd.{name}", getattr(runtime, name))
        self.layout = layout
        self._every_entry: list[int] | None = None
        # The function's call cell (runtime.call_cell): T1 recursion samples its calls there too.
        self.cell_address = cell_address and self.imports.memory("rd.cell", cell_address)
        self.jump_targets = {arg for op, arg in self.code.instrs if op in CONTROL_OPS}
        # OSR: the address of the words its promoted globals live in across calls (0: none; calls.py)
        self.promoted_home = self.imports.memory("rd.home", promoted_home) \
            if self.region is not None and self.region.promoted else 0
        self.promoted_in_home = False

    # --------------------------------------------------------------- driver

    def lower(self) -> LoweredUnit:
        started = time.perf_counter()
        code = self.code
        entry = self.function.append_basic_block("entry")
        for pc in self.typed.reachable:
            if self._is_leader(pc):
                self.blocks[pc] = self.function.append_basic_block(f"pc{pc}_line{code.lines[pc]}")
        self.builder = ir.IRBuilder(entry)
        self.load_closure_cells()
        for pc, scope in self._counted_in_registers().items():
            what = "back_edges" if code.instrs[pc][0] == Op.JUMP_BACK else "branch_taken"
            self.pending[pc] = self.builder.alloca(I64, name=f"{what}_pc{pc}")
            self.pending_scope[pc] = scope
            self.builder.store(ir.Constant(I64, 0), self.pending[pc])
        self.find_counted_loops()
        if self.region is None:
            self.locate(0)
            self._prologue()
        else:
            self.locate(self.region.entry_pc)
            self._osr_prologue()
        for pc in self.typed.reachable:
            if pc in self.blocks:
                self._start_block(pc)
            if self.builder.block.is_terminated:
                continue
            self._instruction(pc)
        if self.region is None:
            self._finish_entry_poll()
        self._entry_function()
        ir_text = module_text(self.module)   # (str(self.module), faster: printing.py)
        return LoweredUnit(self.unit_name, self.entry_name, ir_text, self.guards,
                           (time.perf_counter() - started) * 1000, self.exit_blocks, self.sites, self.imports.values,
                           {name: tuple(guards) for name, guards in self.exit_tail_guards.items()},
                           tuple(sorted(self.stable_vars)))

    def _is_leader(self, pc: int) -> bool:
        if pc == 0:
            return True
        previous = pc - 1
        if previous not in self.typed.before:
            return True
        op, _ = self.code.instrs[previous]
        if op in CONTROL_OPS or op in (Op.RETURN, Op.FAIL, Op.THROW):
            return True
        return previous in self.typed.always_fails or pc in self.jump_targets

    # ------------------------------------------------------------- helpers

    def address(self, address: int, index: int = 0) -> ir.Value:
        """A pointer to word ``index`` of the native memory at ``address``, named by
        ``self.imports`` (an external symbol): a constant expression, not an
        instruction (nothing to name, print, parse and fold away: deopt exits and
        counters use thousands of them)."""
        return self.imports.word(address, index)

    def unit_word(self, unit_id: int, low: int = 0) -> ir.Value:
        """``unit_id << 32 | low`` (how the ctx and the shadow stack name a unit's frame):
        the unit id is an import, the low part a constant."""
        word = self.imports.value("rd.unit" if unit_id == self.unit_id else "rd.callee_unit", unit_id << 32)
        return word if not low else self.builder.add(word, ir.Constant(I64, low))

    def unit_id_value(self) -> ir.Value:
        """This unit's id, as the callbacks get it."""
        return self.imports.value("rd.unit_id", self.unit_id)

    def function_id(self, function: Any) -> ir.Value:
        """A function's permanent id (what a TAG_FUNCTION value holds, what a global's word holds)."""
        return self.imports.value(f"rd.function.{_symbol_part(function)}", self.runtime.function_ids(function),
                                  nonzero=True)   # (runtime.Handles: ids from 1)

    def shared_function(self, suffix: str, function_type: ir.FunctionType,
                        emit: Callable[[ir.Function], None]) -> ir.Function:
        """The helper ``suffix`` (a dict getter, a string writer ...) that every unit
        shares, compiled once per Jit (``jit/helpers.py``): the first time,
        ``emit(function)`` writes its body, this lowering's parts writing into the
        helper's own module; here, a declaration bound to its address."""
        address = self.runtime.helpers.address(suffix, function_type,
                                               lambda function: self._emitting_into(function, emit))
        return self.imports.function(f"rd.helper.{suffix}", address, function_type)

    def _emitting_into(self, function: ir.Function, emit: Callable[[ir.Function], None]) -> dict[str, int]:
        """Run ``emit(function)`` with the module, its imports and the builder
        those of ``function``'s module; return what that module imports. Only
        the Jit's own memory is named there: a helper that reached for a unit's
        counters or frame would fail to build."""
        saved = self.module, self.imports, self.alias, self.builder, self.function, self.unit_name, \
            self.pair_pointers
        self.module, self.function, self.unit_name = function.module, function, function.name
        self.imports, self.alias, self.pair_pointers = Imports(self.module), AliasClasses(self.module), {}
        self.builder = ir.IRBuilder(function.append_basic_block("entry"))   # (where ``emit`` begins)
        try:
            for name in ("ctx", "shadow", "buffer"):
                self.imports.memory(f"rd.{name}", getattr(self.runtime, name))
            emit(function)
            return self.imports.values
        finally:
            self.module, self.imports, self.alias, self.builder, self.function, self.unit_name, \
                self.pair_pointers = saved

    def cell_of(self, function: Any, address: int) -> int:
        """A callee's call cell (runtime.call_cell) at ``address``, named."""
        return self.imports.memory(f"rd.cell.{_symbol_part(function)}", address)

    def mark_running(self, unit_id: int, depth: ir.Value) -> None:
        """Say which native frame runs (runtime.CTX_UNIT, for the sampling profiler).
        No unit stores it itself: whoever enters a unit does -- its entry function,
        or a native caller of another unit (which stores its own word back after the
        call). A self-call stores nothing, so recursion pays nothing: the word then
        names the bottom frame of a run of frames that are all this unit's."""
        running = self.builder.add(depth, self.unit_word(unit_id))   # (an or: depth < 2**32)
        self.builder.store(running, self.ctx_word(rt.CTX_UNIT))

    def ctx_word(self, index: int) -> ir.Value:
        return self.address(self.runtime.ctx, index)

    def const(self, kind: str, value: Any) -> ir.Constant:
        if kind == Kind.FLOAT:
            return ir.Constant(F64, value)
        if kind == Kind.BOOL:
            return ir.Constant(I1, int(bool(value)))
        return ir.Constant(I64, 0 if value is None else value)

    def phi(self, *incoming: tuple[ir.Value, ir.Block]) -> ir.Value:
        """The value of whichever (value, block) the current block was reached from."""
        node = self.builder.phi(incoming[0][0].type)
        for value, block in incoming:
            node.add_incoming(value, block)
        return node

    def new_guard(self, kind: str, pc: int, detail: str, reach: str | None = None) -> Guard:
        if len(self.guards) >= self.layout.guards:
            raise AssertionError("more guards than counter slots")
        # Entry type guards belong to the function's header line (where its parameters are).
        line = self.code.first_line if kind == "type" else self.code.lines[pc]
        guard = Guard(len(self.guards), kind, pc, line, detail, reach or self.reach)
        self.guards.append(guard)
        return guard

    @contextmanager
    def guards_reached(self, reach: str) -> Iterator[None]:
        """Guards made inside are reached as ``reach`` says (a conditional sub-path
        of an instruction: REACH_COUNTED)."""
        outer, self.reach = self.reach, reach
        try:
            yield
        finally:
            self.reach = outer

    def bump(self, index: int) -> None:
        """Add one to counter word ``index`` (an edge or a cold path: see CounterLayout)."""
        b, tag = self.builder, self.alias.tag
        pointer = self.address(self.counters_address, index)
        tag(b.store(b.add(tag(b.load(pointer), "counter"), ir.Constant(I64, 1)), pointer), "counter")

    def _counted_in_registers(self) -> dict[int, tuple[int, int]]:
        """The pcs whose taken counts native code keeps in registers (``pending``),
        each with the outermost loop around it: every back-edge, and every
        conditional branch inside a loop (a memory increment there, a
        load-add-store chained from one iteration to the next, cost a loop over a
        5M-element array of bools more than its own work)."""
        instrs, reachable = self.code.instrs, self.typed.reachable
        loops = [(instrs[pc][1], pc) for pc in reachable if instrs[pc][0] == Op.JUMP_BACK]
        scopes = {}
        for pc in reachable:
            if instrs[pc][0] in (Op.JUMP_BACK, Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE):
                around = [(header, end) for header, end in loops if header <= pc <= end]
                if around:   # (loops nest: the one starting first is the outermost)
                    scopes[pc] = min(around)
        return scopes

    def count_taken(self, pc: int) -> None:
        """Add one to the taken count of ``pc``: in its register, if it has one."""
        pending = self.pending.get(pc)
        if pending is None:
            self.bump(self.layout.taken(pc))
            return
        self.flushed_in = None
        self.builder.store(self.builder.add(self.builder.load(pending), ir.Constant(I64, 1)), pending)

    def flush_pending(self) -> None:
        """Add the taken counts kept in registers to memory (before the unit leaves
        or calls back, and at each back-edge's poll: whoever looks next sees them).
        Only the counts of the loop nest around the current pc: every edge that
        leaves a nest flushes its counts (``flush_leaving``), so the others are 0
        here (a function's generic sites each flushed every loop's counts: 45 % of
        a T1 unit's IR in a generated program). A block shared by exits (a deopt
        tail, a leave block) flushes the nests they come from. Not again in a
        block that did it already with nothing counted since: a call's paths and
        its exits each flushed, one after the other (the counts are 0 there; LLVM
        dropped the second flush, after building, printing and parsing it)."""
        if self.flushed_in is self.builder.block:
            return
        self.flushed_in = self.builder.block
        self.settle_counted(self._pc, self.stack)
        if self.settling:
            self._flush([pc for pc, (header, end) in self.pending_scope.items() if header <= self._pc <= end])
        else:
            self._flush([pc for pc, scope in self.pending_scope.items() if scope in self.shared_nests])

    def nests_at(self, *pcs: int) -> tuple:
        """The loop nests (outermost loops) around any of ``pcs`` that count in registers."""
        return tuple(sorted({scope for scope in self.pending_scope.values()
                             if any(scope[0] <= pc <= scope[1] for pc in pcs)}))

    def flush_leaving(self, target: int) -> None:
        """Before an edge from the current pc to ``target``: flush the counts of the
        loop nest it leaves (see ``flush_pending``)."""
        self._flush(self._nest_left(target))

    def _nest_left(self, target: int) -> list[int]:
        return [pc for pc, (header, end) in self.pending_scope.items()
                if header <= self._pc <= end and not header <= target <= end]

    def _flush(self, pcs: list[int]) -> None:
        b, tag = self.builder, self.alias.tag
        for pc in pcs:
            pending = self.pending[pc]
            pointer = self.address(self.counters_address, self.layout.taken(pc))
            tag(b.store(b.add(tag(b.load(pointer), "counter"), b.load(pending)), pointer), "counter")
            b.store(ir.Constant(I64, 0), pending)

    def reached_by_every_entry(self, pc: int) -> bool:
        """Whether the count of ``pc`` grows with the unit's entries (a pc every entry
        reaches unless it leaves or branches away first): a self-call there must be
        counted, its callee's entries cannot be derived from branch counts."""
        if self._every_entry is None:
            self._every_entry = flow_counts(self.code, 1, [0] * len(self.code.instrs))
        return self._every_entry[pc] > 0
