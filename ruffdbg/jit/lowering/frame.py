"""Where a frame's values live in native code, and how they leave it.

Locals live in allocas, one per (slot, type) pair, and operand-stack values
that cross a block boundary in allocas per (depth, type); LLVM's mem2reg turns
them into SSA values and phis. A *deopt exit* counts its guard's failure and
branches to the deopt tail its frame's shape shares with other exits, which
writes every live local and operand-stack value out as (tag, bits) pairs to the
transfer buffer and calls back into the VM (an OSR unit instead returns them to
the frame that entered)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from llvmlite import ir

from ruffdbg.jit import runtime as rt
from ruffdbg.jit.inference import NotCompilable
from ruffdbg.jit.lowering.common import (BOXED, DEOPT_CALLBACK, I64, I64P, DYN, LLVM_TYPES, REACH_COUNTED, REACH_ENTRY, REACH_POLL, RESULT, TAGS, fast_names,
                                          Guard)
from ruffdbg.jit.sinking import VirtualStruct
from ruffdbg.jit.types import RANGE, FunctionValue, Kind, StackOnly


# Checks whose failure T1 sends to the generic path of the instruction (see generic.py).
SLOW_PATH_KINDS = frozenset({"tag", "overflow", "division", "callee"})
# A guard's branch weights (exit, go on): exits are rare (a unit that deopts often
# is despecialized), so LLVM lays them out of line and keeps spills out of the
# hot path (an OSR unit's tails call nothing cold that would say so).
EXIT_WEIGHTS = (1, 2000)
# Frames of at least this many (tag, bits) pairs are written by a call (``_write_values_by_call``).
OUT_OF_LINE_PAIRS = 6
# The tag of a pair that is a ``dyn`` value stored whole (``_write_pairs``).
WHOLE = object()


@dataclass
class DeoptTail:
    """The one block that writes a frame of one shape out and leaves (see ``_to_tail``):
    phis for what differs between the exits that branch to it."""

    block: ir.Block
    which: ir.PhiInstr    # the guard id (OSR: guard id + 1, or 0 for leaving the loop)
    pc: ir.PhiInstr       # where the interpreter resumes
    pairs: list           # per stack pair: (tag phi, or None when the shape fixes the tag; bits phi), or
                          # (WHOLE, the dyn value's phi)
    guards: list          # the guard id of every exit that branches here (None: an OSR loop exit)


class FrameAndExits:
    """(Part of ``Lowering``.) Slots, block edges, prologues, deopt exits, interrupt polls."""

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
                if kind == Kind.DYN:
                    # A local merged from a path where it was not set yet is read
                    # by exits and the generic path: it must be a value (null).
                    self.builder.store(ir.Constant(LLVM_TYPES[kind], [rt.TAG_NULL, 0]), self.slot_vars[key])
        return self.slot_vars[key]

    def stack_var(self, depth: int, kind: str) -> ir.AllocaInstr:
        key = (depth, kind)
        if key not in self.stack_vars:
            with self.builder.goto_entry_block():
                self.builder.position_at_start(self.function.entry_basic_block)
                self.stack_vars[key] = self.builder.alloca(LLVM_TYPES[kind], name=f"stack{depth}_{kind}")
        return self.stack_vars[key]

    def _prologue(self) -> None:
        """Store parameters; the interrupt poll of a function that makes no Ruff call
        (``_finish_entry_poll``: the others poll before their calls,
        calls.CallsAndLoops._poll_before_calls). (Entries are not counted here:
        jit/counts.py derives them from the call sites that make them.)"""
        b = self.builder
        words = iter(self.function.args[1:])
        for index, kind in enumerate(self.typed.param_types):
            if kind == Kind.DYN:   # (tag, bits)
                b.store(self.make_dyn(next(words), next(words)), self.slot(index, kind))
            else:
                b.store(self.from_bits(next(words), kind), self.slot(index, kind))
        # Every object handle from here on was made after this frame was entered (Handles.sweep).
        self.handle_mark = b.load(self.ctx_word(rt.CTX_HANDLES), name="handle_mark")
        # The state at entry, not before[0]: when pc 0 is a loop header, that is the
        # merge with the back-edges (a parameter the loop changes the type of is dyn there).
        params = list(self.typed.param_types)
        self.state_slots = params + [Kind.UNSET] * (self.code.nlocals - len(params))
        self.stack: list[tuple[ir.Value, Any]] = []
        self._prepare_edge(0)
        self.entry_poll = self.function.append_basic_block("entry_poll")
        self.builder.branch(self.entry_poll)

    def _finish_entry_poll(self) -> None:
        """Once the body is lowered: a function none of whose Ruff calls polled (it
        makes none) polls at its entry, so a JIT breakpoint on its tier-up stops at
        its first instruction (and Ctrl-C leaves it as before). One that calls polls
        before its calls only: a recursion's leaves then poll nothing."""
        b = self.builder
        b.position_at_end(self.entry_poll)
        if self.polled_block is None:
            self.locate(0)
            params = list(self.typed.param_types)
            self.state_slots = params + [Kind.UNSET] * (self.code.nlocals - len(params))
            self.stack = []
            self._poll_interrupt(0, reach=REACH_ENTRY)
        b.branch(self.blocks[0])

    def _osr_prologue(self) -> None:
        """OSR: the frame's current values (locals, then promoted globals) come in
        through the transfer buffer; native code starts at the header of the loop
        that got hot (``LoopRegion.entry_pc``)."""
        b = self.builder
        if self.typed.generic or self.typed.slow_paths or self.makes_handles(0, len(self.code.instrs) - 1):
            # Handles from here on were made for this run: the entry's, for the frame's
            # values, and the loop's. The generic path may release those it no longer
            # holds (or a loop building strings would keep every one alive), and an
            # array only this frame holds is appended to in place, also the first
            # time after an entry (or a loop entered once per caught error copies
            # its array each time: nest seed 130332 #641).
            self.handle_mark = b.load(self.ctx_word(rt.CTX_OSR_MARK), name="handle_mark")
        buffer = self.address(self.runtime.buffer)
        slots = self.typed.before[self.region.entry_pc][0]
        for index, kind in enumerate(slots):
            if kind != Kind.UNSET:
                bits = b.load(b.gep(buffer, [ir.Constant(I64, 2 * index + 1)]))
                if kind == Kind.DYN:
                    value = self.make_dyn(b.load(b.gep(buffer, [ir.Constant(I64, 2 * index)])), bits)
                else:
                    value = self.from_bits(bits, kind)
                b.store(value, self.slot(index, kind))
        self.state_slots = list(slots)
        self.stack = []
        at = len(slots)
        for kind in self.region.stack[::2]:   # each for loop around: a range (3 pairs) and its position,
            words = [b.load(b.gep(buffer, [ir.Constant(I64, 2 * (at + i) + word)]))   # or the interpreter's
                     for i in range(4 if kind == RANGE else 2) for word in (0, 1)]   # items and position, tagged
            if kind == RANGE:
                start, stop, step, position = words[1::2]
                self.stack += [((start, stop, step, self._range_count(start, stop, step)), RANGE), (position, Kind.INT)]
                at += 4
            else:
                self.stack += [(self.make_dyn(words[0], words[1]), Kind.DYN), (self.make_dyn(words[2], words[3]), Kind.DYN)]
                at += 2
        self.enter_virtual_locals()
        self._prepare_edge(self.region.entry_pc)
        b.branch(self.blocks[self.region.entry_pc])

    def _start_block(self, pc: int) -> None:
        """Enter a block: values live on the operand stack come from stack allocas."""
        b = self.builder
        if not b.block.is_terminated:
            self._prepare_edge(pc)
            b.branch(self.blocks[pc])
        b.position_at_end(self.blocks[pc])
        self.block_pc = pc
        slots, stack_types = self.typed.before[pc]
        self.state_slots = self.virtualized(list(slots))
        self.stack = []
        for depth, kind in enumerate(stack_types):
            if kind == RANGE:
                self.stack.append((tuple(b.load(self.stack_var(depth, f"range{i}")) for i in range(4)), kind))
            elif isinstance(kind, StackOnly):
                self.stack.append((None, kind))   # a function about to be called: a constant
            else:
                self.stack.append((b.load(self.stack_var(depth, kind)), kind))
        self.poll_stepped_header(pc)

    def _prepare_edge(self, target: int) -> None:
        """Before jumping to ``target``: put live values where that block reads them,
        converting to ``dyn`` where types meet that differ (see inference._merge)."""
        if target not in self.typed.before:
            return   # OSR: leaving the loop (the exit block writes the values out)
        # (the loops entered count from here first: the ownership op may leave the
        # unit, resuming at ``target``, and a leave settles the counted loops there)
        self.enter_counted(target)
        for local, mut_pc in self.ownership.before_loop.get((self._pc, target), ()):
            self.make_owned(local, mut_pc, target)
        self.enter_loops(target)
        want_slots, want_stack = self.typed.before[target]
        want_slots = self.virtualized(list(want_slots))
        for index, (have, want) in enumerate(zip(self.state_slots, want_slots)):
            if have != want and want == Kind.DYN and have != Kind.UNSET:
                value = self.builder.load(self.slot(index, have))
                self.builder.store(self.to_dyn(value, have), self.slot(index, Kind.DYN))
        for depth, ((value, kind), want) in enumerate(zip(self.stack, want_stack)):
            if kind == RANGE:
                for index, part in enumerate(value):
                    self.builder.store(part, self.stack_var(depth, f"range{index}"))
            elif isinstance(kind, FunctionValue) and want == Kind.DYN:   # (T1: see inference._merge)
                self.builder.store(self.function_dyn(kind), self.stack_var(depth, Kind.DYN))
            elif not isinstance(kind, StackOnly):
                if kind != want:
                    value, kind = self.to_dyn(value, kind), Kind.DYN
                self.builder.store(value, self.stack_var(depth, kind))

    def _jump(self, target: int) -> None:
        self.settle_leaving(target)
        self._prepare_edge(target)
        self.builder.branch(self.block_for(target))

    def block_for(self, target: int) -> ir.Block:
        """The block for a jump target; for OSR, leaving the loop goes back to the interpreter."""
        if target in self.blocks:
            return self.blocks[target]
        assert self.region is not None, f"no block for pc {target}"
        exit_block = self.function.append_basic_block(f"loop_exit_to_pc{target}")
        here = self.builder.block
        self.builder.position_at_end(exit_block)
        self._leave_loop(target, guard_id=None, stack=list(self.stack))   # (enclosing for loops' state)
        self.builder.position_at_end(here)
        return exit_block

    def _leave_loop(self, pc: int, guard_id: int | None, stack: list) -> None:
        """OSR exit: hand the frame's values to the interpreter frame that entered, resume at ``pc``."""
        self._to_tail(guard_id, pc, stack)

    def _slot_values(self) -> list:
        b = self.builder
        values = [(None, Kind.NULL) if kind == Kind.UNSET else
                  (self.virtual_slot_value(index, kind), Kind.DYN) if isinstance(kind, VirtualStruct) else
                  (b.load(self.slot(index, kind)), kind)
                  for index, kind in enumerate(self.state_slots)]
        if self.promoted_in_home:   # right after a call: the promoted globals are in their home (calls.py)
            values[self.code.nlocals:] = self.home_pairs()
        return values

    def deopt_if(self, condition: ir.Value, guard: Guard, stack: list | None = None,
                 exit_stack: Callable[[], list] | None = None) -> None:
        """Branch to a deopt exit for ``guard`` when ``condition`` holds. Passes are
        counted only where the check is on a cold path (see common.REACH_*).
        (``exit_stack``: makes the exit's stack in the exit block.)"""
        b = self.builder
        if self.slow_path is not None and guard.kind in SLOW_PATH_KINDS:
            # T1: the operands are not what the inline path handles; the generic path does.
            if self.guards and self.guards[-1] is guard:
                self.guards.pop()
            continue_block = self.function.append_basic_block(f"fast_pc{guard.pc}")
            b.cbranch(condition, self.slow_path, continue_block)
            b.position_at_end(continue_block)
            return
        exit_block = self.function.append_basic_block(f"deopt{guard.id}_{guard.kind}_pc{guard.pc}")
        self.exit_blocks[exit_block.name] = guard.id
        continue_block = self.function.append_basic_block(f"after_guard{guard.id}")
        b.cbranch(condition, exit_block, continue_block).set_weights(EXIT_WEIGHTS)
        b.position_at_end(exit_block)
        if exit_stack is not None:
            stack = exit_stack()
        self._deopt_exit(guard, self.stack if stack is None else stack)
        b.position_at_end(continue_block)
        if guard.reach in (REACH_COUNTED, REACH_POLL):
            self.bump(self.layout.passed(guard.id))

    def shared_exit(self, guard: Guard) -> ir.Block:
        """One deopt exit for ``guard`` that several checks at this point branch to
        (``exit_if``): one block writing the frame out, not one per check."""
        b = self.builder
        here = b.block
        exit_block = self.function.append_basic_block(f"deopt{guard.id}_{guard.kind}_pc{guard.pc}")
        self.exit_blocks[exit_block.name] = guard.id
        b.position_at_end(exit_block)
        self._deopt_exit(guard, self.stack)
        b.position_at_end(here)
        return exit_block

    def exit_if(self, condition: ir.Value, exit_block: ir.Block) -> None:
        """Branch to a ``shared_exit`` when ``condition`` holds; go on otherwise."""
        b = self.builder
        go_on = self.function.append_basic_block(f"after_{exit_block.name}")
        b.cbranch(condition, exit_block, go_on).set_weights(EXIT_WEIGHTS)
        b.position_at_end(go_on)

    def deopt_always(self, guard: Guard, stack: list | None = None) -> None:
        self._deopt_exit(guard, self.stack if stack is None else stack)

    def _deopt_exit(self, guard: Guard, stack: list) -> None:
        """Count the failure, then go to the shared tail that resumes this frame in the interpreter."""
        self.bump(self.layout.failed(guard.id))
        self._to_tail(guard.id, guard.pc, stack)

    def _to_tail(self, guard_id: int | None, pc: int, stack: list) -> None:
        """Branch to the deopt tail for the frame's current shape, handing it the
        guard id (None: an OSR unit leaving its loop), ``pc`` and the stack's (tag,
        bits) pairs. Exits whose frames have the same shape (the
        same type in each slot, the same stack types) share one tail: it alone
        writes the frame out and calls back, so LLVM optimizes and generates that
        code once per shape instead of once per check. The locals reach the tail
        through their allocas (mem2reg makes the phis); the stack pairs as phis."""
        b = self.builder
        self.settle_counted(pc, stack)
        pairs = [pair for value, kind in stack for pair in self._pairs(value, kind, whole=True)]
        nests = self.nests_at(self._pc, pc)   # (the counts the tail flushes: see flush_pending)
        key = (tuple(self.state_slots), self.promoted_in_home, len(stack),
               tuple(tag if isinstance(tag, int) or tag is WHOLE else None for tag, _ in pairs), nests)
        tail = self.exit_tails.get(key) or self._new_tail(key, pairs, len(stack), nests)
        here = b.block
        # (what the VM is told: the guard id; an OSR unit's exit word, guard id + 1 or 0)
        which = guard_id if self.region is None else 0 if guard_id is None else guard_id + 1
        tail.which.add_incoming(ir.Constant(I64, which), here)
        tail.pc.add_incoming(ir.Constant(I64, pc), here)
        for (tag, bits), (tag_phi, bits_phi) in zip(pairs, tail.pairs):
            if tag_phi is not None and tag_phi is not WHOLE:
                tag_phi.add_incoming(tag, here)
            bits_phi.add_incoming(bits, here)
        tail.guards.append(guard_id)
        b.branch(tail.block)

    def _new_tail(self, key: tuple, pairs: list, values: int, nests: tuple) -> "DeoptTail":
        b = self.builder
        here = b.block
        block = self.function.append_basic_block(f"deopt_tail{len(self.exit_tails)}")
        self.exit_tail_guards[block.name] = tail_guards = []
        b.position_at_end(block)
        tail = DeoptTail(block, b.phi(I64, name="which"), b.phi(I64, name="exit_pc"),
                         [(WHOLE, b.phi(DYN)) if tag is WHOLE else (None if isinstance(tag, int) else b.phi(I64), b.phi(I64))
                          for tag, _ in pairs], tail_guards)
        phis = [(tag if tag_phi is None else tag_phi, bits_phi) for (tag, _), (tag_phi, bits_phi) in zip(pairs, tail.pairs)]
        with self.shared_block(nests):
            self._write_pairs(self._slot_pairs() + phis)
        if self.region is not None:
            b.store(ir.Constant(I64, values), self.ctx_word(rt.CTX_RET_TAG))   # how many stack values
            where = b.or_(b.shl(tail.which, ir.Constant(I64, 32)), tail.pc)
            result = b.insert_value(ir.Constant(RESULT, None), where, 0)
            b.ret(b.insert_value(result, ir.Constant(I64, rt.STATUS_EXIT), 1))
        else:
            callback_type = ir.FunctionType(I64, [I64] * 7 + [I64P])  # see runtime.DEOPT_CALLBACK
            callback = self.imports.function(DEOPT_CALLBACK, self.runtime.deopt, callback_type)
            callback.attributes.add("cold")   # (so LLVM lays the tails out of the hot code's way)
            # (the handles to release once the interpreter has the frame: those the generic
            # path made; a unit without one passes no mark, so scalar code loads none)
            mark = self.handle_mark if self.typed.generic or self.typed.slow_paths else ir.Constant(I64, 2**62)
            status = b.call(callback, [self.unit_id_value(), tail.which, tail.pc, self.depth,
                                       ir.Constant(I64, self.code.nlocals), ir.Constant(I64, values),
                                       mark, self.address(self.runtime.buffer)])
            self._return_status(status)
        self.exit_tails[key] = tail
        b.position_at_end(here)
        return tail

    def _slot_pairs(self) -> list:
        return [pair for value, kind in self._slot_values() for pair in self._pairs(value, kind, whole=True)]

    def _write_values(self, values: list) -> ir.Value:
        """Store values as (tag, bits) pairs in the transfer buffer; return its address.
        (Every call back into the VM and every exit to it does this first: the
        back-edge counts kept in registers go to memory here too.)"""
        return self._write_pairs([pair for value, kind in values for pair in self._pairs(value, kind, whole=True)])

    def _write_pairs(self, pairs: list) -> ir.Value:
        """Store (tag, bits) pairs in the transfer buffer, a ``(WHOLE, dyn value)``
        pair by one store of the pair (``_buffer_pair``)."""
        b = self.builder
        self.flush_pending()
        if len(pairs) > rt.BUFFER_VALUES:
            raise NotCompilable("a frame with more values than the transfer buffer holds", self.code.first_line)
        for position, (tag, bits) in enumerate(pairs):
            if tag is WHOLE:
                b.store(bits, self._buffer_pair(position))
                continue
            b.store(ir.Constant(I64, tag) if isinstance(tag, int) else tag, self.address(self.runtime.buffer, 2 * position))
            b.store(bits, self.address(self.runtime.buffer, 2 * position + 1))
        return self.address(self.runtime.buffer)

    def _buffer_pair(self, position: int) -> ir.Constant:
        """Pair ``position`` of the transfer buffer as a ``{i64, i64}*`` (a constant
        expression, made once per position): a ``dyn`` value -- every local of a T1
        frame -- is stored as it is, one store instead of two extracts and two
        stores (LLVM splits the store itself; the IR to build, print and parse is
        smaller)."""
        if position not in self.pair_pointers:
            self.pair_pointers[position] = self.address(self.runtime.buffer, 2 * position).bitcast(DYN.as_pointer())
        return self.pair_pointers[position]

    def _write_values_by_call(self, values: list) -> ir.Value:
        """As ``_write_values``, by calling a function of this module that stores a
        frame of that shape (made once per shape; an argument per value: a ``dyn``
        as its (tag, bits) pair, a typed one as its bits): the generic path's many
        call sites then each cost LLVM one call, not two stores per value."""
        shape, arguments = [], []
        for value, kind in values:
            if kind == Kind.DYN:
                shape.append(Kind.DYN)
                arguments.append(value)
                continue
            for tag, bits in self._pairs(value, kind):
                shape.append(tag if isinstance(tag, int) else None)
                arguments += [bits] if isinstance(tag, int) else [tag, bits]
        if len(shape) < OUT_OF_LINE_PAIRS:
            return self._write_values(values)
        self.flush_pending()
        if len(shape) > rt.BUFFER_VALUES:
            raise NotCompilable("a frame with more values than the transfer buffer holds", self.code.first_line)
        writer = self.frame_writers.get(tuple(shape)) or self._frame_writer(tuple(shape))
        self.builder.call(writer, arguments)
        return self.address(self.runtime.buffer)

    def _frame_writer(self, shape: tuple) -> ir.Function:
        """The function that writes a frame of ``shape`` (per pair: dyn, a constant
        tag, or None for a tag passed in) to the transfer buffer."""
        types = [LLVM_TYPES[Kind.DYN] if each == Kind.DYN else I64 for each in shape for _ in range(2 if each is None else 1)]
        writer = fast_names(ir.Function(self.module, ir.FunctionType(ir.VoidType(), types),
                             name=f"{self.unit_name}_write_frame{len(self.frame_writers)}"))
        writer.linkage = "internal"
        writer.attributes.add("noinline")   # (inlined back, it would be the stores it saves)
        writer.attributes.add("nounwind")
        b = ir.IRBuilder(writer.append_basic_block("entry"))
        arguments = iter(writer.args)
        for position, each in enumerate(shape):
            if each == Kind.DYN:
                b.store(next(arguments), self._buffer_pair(position))
                continue
            tag = next(arguments) if each is None else ir.Constant(I64, each)
            bits = next(arguments)
            b.store(tag, self.address(self.runtime.buffer, 2 * position))
            b.store(bits, self.address(self.runtime.buffer, 2 * position + 1))
        b.ret_void()
        self.frame_writers[shape] = writer
        return writer

    def _pairs(self, value: Any, kind: Any, whole: bool = False) -> list:
        """The (tag, bits) pairs a value is handed over as: one, or three for a loop's
        range (``whole``: a ``dyn`` value as ``(WHOLE, value)``, for ``_write_pairs``)."""
        if isinstance(kind, VirtualStruct):   # (a struct kept as its fields: built to be handed over)
            value, kind = self.materialized(value, kind), Kind.DYN
        if whole and kind == Kind.DYN:
            return [(WHOLE, value)]
        if kind == RANGE:
            start, stop, step, _count = value
            return [(rt.TAG_RANGE, start), (rt.TAG_RANGE, stop), (rt.TAG_RANGE, step)]
        return [self._tagged(value, kind)]

    def _tagged(self, value: ir.Value | None, kind: Any) -> tuple[Any, ir.Value]:
        if isinstance(kind, VirtualStruct):
            value, kind = self.materialized(value, kind), Kind.DYN
        if kind == Kind.DYN:
            return self.builder.extract_value(value, 0), self.builder.extract_value(value, 1)
        if isinstance(kind, FunctionValue):   # a function about to be called
            return rt.TAG_FUNCTION, self.function_id(kind.callee.function)
        if kind == BOXED:           # (tag, bits) values loaded from the ctx
            return value
        if value is None:
            return rt.TAG_NULL, ir.Constant(I64, 0)
        return TAGS[kind], self.to_bits(value, kind)

    def _return_status(self, status: ir.Value) -> None:
        """Leave the unit after the VM took over: the result (or the error) is in the ctx.

        An OSR unit first hands back its frame's values: an error may still be
        caught in that frame (outside the loop), which must then see them. Like
        the deopt tails, one block per frame shape does this (status as a phi)."""
        b = self.builder
        nests = self.nests_at(self._pc)   # (the counts the block flushes: see flush_pending)
        key = ((tuple(self.state_slots), self.promoted_in_home) if self.region is not None else (), nests)
        tail = self.leave_tails.get(key)
        if tail is None:
            here = b.block
            b.position_at_end(self.function.append_basic_block(f"leave{len(self.leave_tails)}"))
            tail = self.leave_tails[key] = b.phi(I64, name="status")
            with self.shared_block(nests):
                self.flush_pending()
                if self.region is not None:
                    self._write_values(self._slot_values())
            b.ret(b.insert_value(b.insert_value(ir.Constant(RESULT, None), ir.Constant(I64, 0), 0), tail, 1))
            b.position_at_end(here)
        tail.add_incoming(status, b.block)
        b.branch(tail.parent)

    def _poll_interrupt(self, pc: int, stack: list | None = None, reach: str | None = None,
                        before_call: bool = False) -> Guard:
        b = self.builder
        if before_call:
            # A plain load (its own alias class): LLVM may then reuse the word read
            # by the poll before an earlier call that it inlined (a twin's: three
            # levels of fib's recursion make one native call) when nothing in
            # between could have written it -- as an atomic load could have seen
            # it unchanged. A real call, or any callback, reads it again.
            flag = self.alias.tag(b.load(self.ctx_word(rt.CTX_INTERRUPT)), "ctx")
        else:
            # An atomic load: another thread sets the word, and a plain load in a loop
            # that writes no memory would be hoisted out of it by LLVM (never seen again).
            flag = b.load_atomic(self.ctx_word(rt.CTX_INTERRUPT), "monotonic", 8)
        guard = self.new_guard("interrupt", pc, "interrupt word set", reach)
        # (At a loop header the stack is what the loop keeps there: empty, or a for loop's range.)
        self.deopt_if(b.icmp_unsigned("!=", flag, ir.Constant(I64, 0)), guard, stack)
        return guard
