"""Counted loops (``jit/counted.py``): back-edges derived from an induction
variable, and the interrupt poll at the header once the variable passes a limit.

Per counted loop, two words live in allocas (registers, after mem2reg): ``base``,
the variable's header value when the loop's back-edges were last settled, and
``limit``, the header value at which the loop polls next (``POLL_EVERY`` header
visits after the last poll or the loop's entry). A range loop folds the limit
into its header's test (``position < limit``, the count only when that fails),
so its iterations run no instruction for counting or polling; a stepped loop
compares its local against the limit once per iteration."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from llvmlite import ir

from ruffdbg.jit.counted import CountedLoop, counted_loops
from ruffdbg.jit.lowering.common import I64, POLL_EVERY, REACH_POLL
from ruffdbg.jit.types import Kind

INT_MAX = 2**63 - 1
# (poll, go on): a header polls once in POLL_EVERY visits, so LLVM keeps the poll out of the loop's straight line
POLL_WEIGHTS = (1, POLL_EVERY - 1)


class CountedLoops:
    """(Part of ``Lowering``.) Settling, entering and polling counted loops."""

    def find_counted_loops(self) -> None:
        """(In the entry block.) The unit's counted loops and their words."""
        self.counted: dict[int, CountedLoop] = counted_loops(self.typed)
        self.counted_by_header = {loop.header: loop for loop in self.counted.values()}
        # The ADDs of ``i := i + 1`` in bounded loops: i < n ran before (the header, and
        # nothing else writes i or n), so i + 1 <= n cannot overflow.
        self.safe_steps = frozenset(loop.step_pc - 1 for loop in self.counted.values() if loop.bound is not None)
        self.counted_words: dict[int, tuple[ir.AllocaInstr, ir.AllocaInstr]] = {}
        self.settling = True
        for back_edge in self.counted:
            words = tuple(self.builder.alloca(I64, name=f"{what}_pc{back_edge}") for what in ("base", "limit"))
            for word in words:
                self.builder.store(ir.Constant(I64, 0), word)
            self.counted_words[back_edge] = words

    @contextmanager
    def shared_block(self, nests: tuple) -> Iterator[None]:
        """Code that several exits branch to (a deopt tail, a leave block): their
        loops were settled on the way in, with their own values; it flushes the
        counts of ``nests`` (``nests_at``: the loop nests its exits come from)."""
        outer = self.settling, self.shared_nests
        self.settling, self.shared_nests = False, nests
        try:
            yield
        finally:
            self.settling, self.shared_nests = outer

    def settle_counted(self, pc: int, stack: list, only: CountedLoop | None = None) -> None:
        """Add the back-edges the counted loops around ``pc`` took since they were last
        settled to their registers (``pending``); ``stack``: the operand stack at ``pc``."""
        if not self.settling:
            return
        b = self.builder
        for back_edge, loop in self.counted.items():
            if loop.contains(pc) and only in (None, loop):
                base = self.counted_words[back_edge][0]
                value = self._header_value(loop, pc, stack)
                pending = self.pending[back_edge]
                b.store(b.add(b.load(pending), b.sub(value, b.load(base))), pending)
                b.store(value, base)

    def settle_leaving(self, target: int) -> None:
        """Before a jump from the current pc to ``target``: settle the stepped loops it
        leaves (a range loop is left at its header's end only: op_FOR_ITER), then
        flush the counts of the loop nest it leaves."""
        for loop in self._left(target):
            self.settle_counted(self._pc, self.stack, only=loop)
        self.flush_leaving(target)

    def leaving_edge(self, target: int, block: ir.Block) -> ir.Block:
        """``block``, or a block on the way to it that settles the stepped loops the
        edge to ``target`` leaves and flushes the counts of the nest it leaves (a
        conditional branch: not on its other edge)."""
        if not self._left(target) and not self._nest_left(target):
            return block
        here = self.builder.block
        edge = self.function.append_basic_block(f"leave_loop_pc{self._pc}")
        self.builder.position_at_end(edge)
        self.settle_leaving(target)
        self.builder.branch(block)
        self.builder.position_at_end(here)
        return edge

    def _left(self, target: int) -> list[CountedLoop]:
        return [loop for loop in self.counted.values()
                if loop.local is not None and loop.contains(self._pc) and not loop.contains(target)]

    def enter_counted(self, target: int) -> None:
        """On an edge into ``target`` from outside its loop (``_pc`` before it; -1: the
        entry of an OSR unit, inside every loop around ``target``): the loops entered
        start counting from the variable's value there."""
        for loop in self.counted.values():
            if loop.header == target and 0 <= self._pc < target or self._pc < 0 and loop.contains(target):
                value = self._header_value(loop, target, self.stack)
                base, limit = self.counted_words[loop.back_edge]
                self.builder.store(value, base)
                self.builder.store(self._next_limit(loop, value, self.stack), limit)

    def poll_stepped_header(self, pc: int) -> None:
        """At a stepped loop's header (block start): poll once its local reached the limit."""
        loop = self.counted_by_header.get(pc)
        if loop is None or loop.local is None:
            return
        self._pc = pc
        self.locate(pc)
        b = self.builder
        value = b.load(self.slot(loop.local, Kind.INT))
        below = b.icmp_signed("<", value, b.load(self.counted_words[loop.back_edge][1]))
        poll = self.function.append_basic_block(f"poll_pc{pc}")
        go_on = self.function.append_basic_block(f"polled_pc{pc}")
        if loop.bound is None:
            b.cbranch(below, go_on, poll).set_weights(POLL_WEIGHTS[::-1])
        else:
            self._below_bound(loop, value, below, poll, go_on)
        b.position_at_end(poll)
        self.poll_counted(loop, value, self.stack)
        b.branch(go_on)
        b.position_at_end(go_on)

    def _below_bound(self, loop: CountedLoop, value: ir.Value, below: ir.Value, poll: ir.Block,
                     go_on: ir.Block) -> None:
        """A bounded loop's limit is never past its bound: below it, the header's own
        test would pass, so the body follows at once; at the limit, the header
        polls only if that test will pass (else it ends the loop, in ``go_on``)."""
        b = self.builder
        at_limit = self.function.append_basic_block(f"loop_limit_pc{loop.header}")
        body = loop.header + 4   # (after the header's test: the same frame, the test's operands consumed)
        self._pc = loop.header + 3   # (the edge is the test's fall-through, for what entering ``body`` does)
        self._prepare_edge(body)
        self._pc = loop.header
        b.cbranch(below, self.blocks[body], at_limit).set_weights(POLL_WEIGHTS[::-1])
        b.position_at_end(at_limit)
        b.cbranch(b.icmp_signed("<", value, b.load(self.slot(loop.bound, Kind.INT))), poll, go_on)

    def poll_counted(self, loop: CountedLoop, value: ir.Value, stack: list) -> None:
        """What a back-edge did every POLL_EVERY iterations, at the header: counts to
        memory, the interrupt poll (resuming at the header), a handle sweep if due;
        then the next limit."""
        self.flush_pending()
        self._poll_interrupt(loop.header, stack, reach=REACH_POLL)
        if self.makes_handles(loop.header, loop.back_edge):
            self._sweep_if_due(loop.back_edge)
        self.builder.store(self._next_limit(loop, value, stack), self.counted_words[loop.back_edge][1])

    def _header_value(self, loop: CountedLoop, pc: int, stack: list) -> ir.Value:
        """The induction variable's value at the header of the iteration ``pc`` is in."""
        b = self.builder
        if loop.local is not None:
            value = b.load(self.slot(loop.local, Kind.INT))
        else:
            assert len(stack) > loop.stack_depth, f"pc {pc}: the range loop at {loop.header} lost its position"
            value = stack[loop.stack_depth][0]
        return b.sub(value, ir.Constant(I64, 1)) if pc > loop.step_pc else value

    def _next_limit(self, loop: CountedLoop, value: ir.Value, stack: list) -> ir.Value:
        """``POLL_EVERY`` header visits on: a range loop's never past its count (the
        header's one test then also ends the loop), a stepped loop's saturated."""
        b = self.builder
        if loop.local is None:
            count = stack[loop.stack_depth - 1][0][3]
            ahead = b.add(value, ir.Constant(I64, POLL_EVERY))
            return b.select(b.icmp_unsigned("<", count, ahead), count, ahead)
        near_end = b.icmp_signed(">", value, ir.Constant(I64, INT_MAX - POLL_EVERY))
        ahead = b.select(near_end, ir.Constant(I64, INT_MAX), b.add(value, ir.Constant(I64, POLL_EVERY)))
        if loop.bound is None:
            return ahead
        bound = b.load(self.slot(loop.bound, Kind.INT))
        return b.select(b.icmp_signed("<", bound, ahead), bound, ahead)
