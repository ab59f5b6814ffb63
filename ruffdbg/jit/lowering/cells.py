"""T2's captured variables: LOAD_CELL / LOAD_FREE and STORE_CELL / STORE_FREE read
and write the closure's cell natively (the pcs ``typed.captured`` names).

A cell is a ``core.objects.Cell`` whose one slot (``runtime.CELL_VALUE``) holds the
variable's object. A local captured by a nested function holds its cell (a tagged
object handle, made by the interpreter's NEW_CELL); a variable captured from
outside is item k of the closure's cells tuple, whose address whoever enters the
closure writes at its depth of the cells stack (``runtime.NativeContext.cells``:
``Jit.call``, an OSR entry, a native caller of a closure, ``calls.py``) and the
unit's entry block keeps in a register.

Loads take no GIL and no reference, as a struct's field load: the cell holds the
object, and only this thread runs Ruff code. An int of at most two digits, a
float, a bool or null comes out unboxed; any other object gets a handle. Stores
of a scalar box it with the GIL held just around the swap, as a struct's field
store does. Whatever native code does not handle -- a cell not yet made, a big
int, storing an object -- takes the slow path, the interpreter's own op."""

from __future__ import annotations

from typing import Any

from llvmlite import ir

from ruffdbg.compiler.opcodes import Op
from ruffdbg.core.objects import Cell
from ruffdbg.jit import runtime as rt
from ruffdbg.jit.lowering.common import I64
from ruffdbg.jit.types import Kind

FREE_OPS = frozenset({Op.LOAD_FREE, Op.STORE_FREE})


class CapturedVariables:
    """(Part of ``Lowering``.) Native reads and writes of captured variables."""

    def load_closure_cells(self) -> None:
        """In the entry block: the cells tuple of the closure entered (0: none), for
        the unit's native LOAD_FREE / STORE_FREE; read before anything else runs at
        this depth (a deopt, whose interpreted frame gets the cells from there too)."""
        uses = any(self.code.instrs[pc][0] in FREE_OPS for pc in self.typed.captured)
        self.closure_cells = self.alias.tag(self.builder.load(self.cells_word(self.depth)), "cells") if uses else None

    def cells_word(self, depth: ir.Value) -> ir.Value:
        """The cells stack's word for the frame at ``depth`` (runtime.NativeContext.cells)."""
        return self.builder.gep(self.address(self.imports.memory("rd.cells", self.runtime.cells)), [depth])

    def op_LOAD_CELL(self, pc: int, op: int, arg: int) -> None:
        stack = self.slow_path_begin(pc)
        cell = self._cell(pc, op, arg, self.slow_path)
        self.push(self._scalar_of(pc, self._field(cell, rt.CELL_VALUE), objects=True), Kind.DYN)
        if any(header <= pc <= end for header, end in self.ownership.loop_ends.items()):
            self._sweep_if_due(pc, poll_at=pc + 1)   # (a string read in a loop: its handle dies young)
        self.slow_path_end(pc, stack, 0, Kind.DYN)

    op_LOAD_FREE = op_LOAD_CELL

    def op_STORE_CELL(self, pc: int, op: int, arg: int) -> None:
        """A scalar (a tagged value that is anything else at run time takes the slow
        path: storing an object shares it) boxed into the cell under the GIL, the old
        value's reference dropped (it may free the old object, never the cell)."""
        b = self.builder
        value, kind = self.stack[-1]
        slow, store, done = (self.function.append_basic_block(f"{name}_pc{pc}")
                             for name in ("cell_store_generic", "cell_store", "cell_stored"))
        if kind == Kind.DYN:
            scalar = self.function.append_basic_block(f"cell_store_scalar_pc{pc}")
            b.cbranch(b.icmp_unsigned(">=", b.extract_value(value, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                      slow, scalar).set_weights([1, 1000])
            b.position_at_end(scalar)
        cell = self._cell(pc, op, arg, slow)
        b.branch(store)
        b.position_at_end(store)
        self.store_boxed(b.add(cell, ir.Constant(I64, rt.CELL_VALUE)), value, kind)
        b.branch(done)
        b.position_at_end(slow)
        self._unless_done(self._call_op(pc), pc, rt.STATUS_OK)   # (the interpreter's STORE_CELL / STORE_FREE)
        b.branch(done)
        b.position_at_end(done)
        del self.stack[-1:]

    op_STORE_FREE = op_STORE_CELL

    def _cell(self, pc: int, op: int, arg: Any, slow: ir.Block) -> ir.Value:
        """The address of the ``Cell`` the instruction reaches: the local's (a tagged
        handle) or item ``arg`` of the closure's cells; anything else branches to ``slow``."""
        b = self.builder
        if op in FREE_OPS:
            cells = self.closure_cells
            found = self.function.append_basic_block(f"cells_pc{pc}")
            b.cbranch(b.icmp_unsigned("==", cells, ir.Constant(I64, 0)), slow, found).set_weights([1, 1000])
            b.position_at_end(found)
            cell = self._field(cells, rt.TUPLE_ITEMS + 8 * arg)
        else:
            local = b.load(self.slot(arg, Kind.DYN))
            an_object = self.function.append_basic_block(f"cell_local_pc{pc}")
            b.cbranch(b.icmp_unsigned("!=", b.extract_value(local, 0), ir.Constant(I64, rt.TAG_OBJECT)),
                      slow, an_object).set_weights([1, 1000])
            b.position_at_end(an_object)
            cell = self._object_address(b.extract_value(local, 1))
        a_cell = self.function.append_basic_block(f"cell_pc{pc}")
        b.cbranch(b.icmp_unsigned("!=", self._field(cell, rt.OB_TYPE), self._address_of("Cell", Cell)),
                  slow, a_cell).set_weights([1, 1000])
        b.position_at_end(a_cell)
        return cell
